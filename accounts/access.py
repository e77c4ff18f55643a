"""Who may change whom: a staff member never gives anyone (itself included) more power than it holds; an
organisation's contacts manage that organisation's colleagues, and nobody else's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import ORGANISATION_ROLES, InvitationRole, MembershipRole, User

if TYPE_CHECKING:
    from inventory.models import Organisation

# The fields of a user that give power: staff and superuser status, permissions and groups (which carry
# permissions). Only a superuser changes them; for anyone else the admin shows them read-only.
PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


def may_grant_privileges(actor: User) -> bool:
    return actor.is_active and actor.is_superuser


def user_change_problem(*, actor: User, user: User) -> str | None:
    """Why `actor` may not change or delete `user`, or None. Changing a user includes setting its password, so
    changing a user who holds more than the actor would be taking over its power: a superuser, or a user with a
    permission the actor lacks, is for superusers."""
    if may_grant_privileges(actor):
        return None
    if user.is_superuser:
        return _("Enkel een superuser wijzigt superuser ‘%(user)s’.") % {"user": user.get_username()}
    if user.is_staff and not actor.is_staff:
        return _("Enkel een superuser wijzigt POM-medewerker ‘%(user)s’.") % {"user": user.get_username()}
    if user.pk != actor.pk and not user.get_all_permissions() <= actor.get_all_permissions():
        return _("Gebruiker ‘%(user)s’ heeft rechten die u niet heeft; enkel een superuser wijzigt die gebruiker.") % {
            "user": user.get_username()
        }
    return None


# --- organisation contacts and invitations -------------------------------------------------------------------


def organisation_contacts(organisation: Organisation) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, memberships__organisation=organisation, memberships__role=MembershipRole.CONTACT
    )


def organisations_managed_by(user: User) -> QuerySet[Organisation]:
    """Whose members `user` manages (lists, invites, changes, removes): every organisation for staff, their own
    for an organisation's contacts, none for anyone else."""
    from inventory.models import Organisation

    if not user.is_authenticated or not user.is_active:
        return Organisation.objects.none()
    if user.is_staff:
        return Organisation.objects.all()
    return Organisation.objects.filter(memberships__user=user, memberships__role=MembershipRole.CONTACT)


def may_manage_members(user: User, organisation: Organisation) -> bool:
    return organisations_managed_by(user).filter(pk=organisation.pk).exists()


def invitation_problem(*, actor: User, role: str, organisation: Organisation | None) -> str | None:
    """Why `actor` may not invite someone as `role` (at `organisation`), or None. Staff invite to any
    organisation and as coordinator; as staff only a superuser or a staff member who holds every permission the
    staff group gives (the invitation gives exactly that). A contact invites colleagues to their own
    organisation."""
    from accounts.services import STAFF_GROUP

    if role not in InvitationRole.values:
        return _("Onbekende rol ‘%(role)s’: kies uit %(roles)s.") % {
            "role": role,
            "roles": ", ".join(InvitationRole.values),
        }
    if role in ORGANISATION_ROLES:
        if organisation is None:
            return _("Kies de organisatie voor een %(role)s.") % {"role": InvitationRole(role).label}
        if not may_manage_members(actor, organisation):
            return _("Enkel POM-medewerkers en de contactpersonen van %(organisation)s nodigen er iemand uit.") % {
                "organisation": organisation.name
            }
        return None
    if not (actor.is_active and actor.is_staff):
        return _("Enkel POM-medewerkers nodigen POM-medewerkers en coördinatoren uit.")
    if role == InvitationRole.STAFF and not may_grant_privileges(actor):
        from django.contrib.auth.models import Permission

        needed = Permission.objects.filter(group__name=STAFF_GROUP)
        held = actor.get_all_permissions()
        if any(f"{p.content_type.app_label}.{p.codename}" not in held for p in needed.select_related("content_type")):
            return _("U hebt niet alle rechten van een POM-medewerker; enkel een superuser nodigt er dan een uit.")
    return None


def organisation_managed_or_404(user: User, pk: int) -> Organisation:
    """The organisation whose members `user` manages; 404 for anyone else (the page does not exist for them)."""
    from django.http import Http404

    organisation = organisations_managed_by(user).filter(pk=pk).first()
    if organisation is None:
        raise Http404(_("Deze pagina bestaat niet of is niet voor u."))
    return organisation
