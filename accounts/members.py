"""An organisation's members: changing a colleague's role and removing one (README, "Accounts and invitations").

The organisation's contacts and staff do this (accounts/access.py `may_manage_members`); the audit trail records
each change with who made it (accounts/models.py, MembershipEvent). An organisation with a contact keeps one:
a change that would leave it without needs a successor, who becomes contact in the same transaction.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Membership, MembershipRole, User


def _contacts_after(membership: Membership, *, leaving: bool) -> int:
    others = Membership.objects.filter(organisation=membership.organisation, role=MembershipRole.CONTACT).exclude(
        pk=membership.pk
    )
    return others.count() + (0 if leaving else 1)


def _successor_apply(*, membership: Membership, successor: User | None) -> None:
    if successor is None:
        raise ValidationError(
            _("%(organisation)s houdt een contactpersoon: kies eerst wie het overneemt.")
            % {"organisation": membership.organisation.name}
        )
    taking_over = Membership.objects.filter(organisation=membership.organisation, user=successor).first()
    if taking_over is None or taking_over.pk == membership.pk:
        raise ValidationError(_("De nieuwe contactpersoon moet een ander lid van de organisatie zijn."))
    taking_over.role = MembershipRole.CONTACT
    taking_over.save(update_fields=["role"])


@transaction.atomic
def membership_role_change(*, membership: Membership, role: str, successor: User | None = None) -> None:
    if role not in MembershipRole.values:
        raise ValidationError(_("Onbekende rol ‘%(role)s’.") % {"role": role})
    membership = Membership.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=membership.pk)
    stepping_down = membership.role == MembershipRole.CONTACT and role != MembershipRole.CONTACT
    if stepping_down and _contacts_after(membership, leaving=True) == 0:
        _successor_apply(membership=membership, successor=successor)
    membership.role = role
    membership.save(update_fields=["role"])


@transaction.atomic
def membership_remove(*, membership: Membership, successor: User | None = None) -> None:
    """Remove a person from the organisation (their account stays: it may belong to other organisations)."""
    membership = Membership.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=membership.pk)
    if membership.role == MembershipRole.CONTACT and _contacts_after(membership, leaving=True) == 0:
        _successor_apply(membership=membership, successor=successor)
    membership.delete()
