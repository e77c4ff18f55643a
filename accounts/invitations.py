"""Invitations: how people get an account without anyone handling a password (README, "Accounts and invitations").

Staff (anyone, any role) and an organisation's contacts (their colleagues) invite a person by e-mail. The mail
holds a single-use link to a set-password page that expires after INVITATION_DAYS. Sending again makes a new
token (the old link stops working at once) and a new expiry. The link is not tied to the last login or the
password, as Django's reset links are: an unrelated login never invalidates it. An address that already has an
account gets the membership at once and a mail saying so.

Every view, the admin, the bulk import and `manage.py invite_user` come here; who may invite whom is
accounts/access.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import (
    ORGANISATION_ROLES,
    BouncedAddress,
    Invitation,
    InvitationRole,
    InvitationState,
    Membership,
    User,
)
from accounts.services import STAFF_GROUP

if TYPE_CHECKING:
    from inventory.models import Organisation

logger = logging.getLogger(__name__)


class Outcome:
    """What inviting an address did (or, in a dry run, would do)."""

    INVITED = "invited"
    ADDED = "added"  # the address has an account: the membership was added
    ALREADY_MEMBER = "already-member"
    ALREADY_INVITED = "already-invited"  # an open invitation for the same place and role: nothing sent twice


OUTCOME_LABELS = {  # lazy: read in the language of the page that shows them
    Outcome.INVITED: gettext_lazy("nieuwe uitnodiging"),
    Outcome.ADDED: gettext_lazy("bestaand account: lidmaatschap toegevoegd"),
    Outcome.ALREADY_MEMBER: gettext_lazy("is al lid"),
    Outcome.ALREADY_INVITED: gettext_lazy("is al uitgenodigd"),
}


@dataclass(frozen=True)
class InvitationResult:
    outcome: str
    invitation: Invitation | None = None
    user: User | None = None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def email_normalise(email: str) -> str:
    """The address as stored and compared: trimmed, lower case (both parts: mail servers treat the local part
    case-insensitively in practice, and two accounts for one person are worse)."""
    return email.strip().lower()


def email_problem(email: str) -> str | None:
    try:
        validate_email(email)
    except ValidationError:
        return _("‘%(email)s’ is geen geldig e-mailadres.") % {"email": email}
    return None


def invitation_link(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('invitation-accept', args=[token])}"


def invitation_by_token(token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return Invitation.objects.select_related("organisation").filter(token_hash=_hash(token)).first()


def user_for_email(email: str) -> User | None:
    return User.objects.filter(email__iexact=email_normalise(email)).order_by("-is_active", "pk").first()


def _role_apply(*, user: User, role: str, organisation: Organisation | None) -> bool:
    """Give `user` the invitation's role; returns False when it already had it."""
    if role in ORGANISATION_ROLES:
        _membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, defaults={"role": role}
        )
        return created
    if role == InvitationRole.STAFF:
        if user.is_staff:
            return False
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(Group.objects.get_or_create(name=STAFF_GROUP)[0])
        return True
    if user.is_coordinator:
        return False
    user.is_coordinator = True
    user.save(update_fields=["is_coordinator"])
    return True


def _has_role(*, user: User, role: str, organisation: Organisation | None) -> bool:
    if role in ORGANISATION_ROLES:
        return Membership.objects.filter(user=user, organisation=organisation).exists()
    return user.is_staff if role == InvitationRole.STAFF else user.is_coordinator


def invitation_preview(*, email: str, role: str, organisation: Organisation | None) -> str:
    """What `invitation_create` would do with this address, without doing it (the bulk dry run)."""
    user = user_for_email(email)
    if user is not None:
        return Outcome.ALREADY_MEMBER if _has_role(user=user, role=role, organisation=organisation) else Outcome.ADDED
    if Invitation.objects.open().filter(email=email_normalise(email), organisation=organisation, role=role).exists():
        return Outcome.ALREADY_INVITED
    return Outcome.INVITED


@transaction.atomic
def invitation_create(
    *,
    email: str,
    role: str,
    organisation: Organisation | None = None,
    name: str = "",
    invited_by: User | None = None,
    language: str | None = None,
    queue: bool = True,
) -> InvitationResult:
    """Invite `email` to `organisation` as `role` (or as staff or coordinator, without organisation), and queue
    the mail (`queue`; a caller that sends it itself says False). The caller checked the address
    (`email_problem`) and the actor's right (accounts/access.py).

    An address with an account gets the membership and a mail saying so; an address that already has that role,
    or an open invitation to the same place and role, gets nothing new (a file sent twice sends nothing twice)."""
    email = email_normalise(email)
    if role not in ORGANISATION_ROLES:
        organisation = None
    user = user_for_email(email)
    if user is not None:
        if not _role_apply(user=user, role=role, organisation=organisation):
            return InvitationResult(Outcome.ALREADY_MEMBER, user=user)
        invitation = Invitation.objects.create(
            email=email,
            name=name,
            organisation=organisation,
            role=role,
            invited_by=invited_by,
            language=language or settings.LANGUAGE_CODE,
            accepted_at=timezone.now(),
            accepted_user=user,
        )
        if queue:
            _queue(invitation.pk)
        return InvitationResult(Outcome.ADDED, invitation=invitation, user=user)
    existing = Invitation.objects.open().filter(email=email, organisation=organisation, role=role).first()
    if existing is not None:
        return InvitationResult(Outcome.ALREADY_INVITED, invitation=existing)
    invitation = Invitation.objects.create(
        email=email,
        name=name.strip(),
        organisation=organisation,
        role=role,
        invited_by=invited_by,
        language=language or settings.LANGUAGE_CODE,
    )
    if queue:
        _queue(invitation.pk)
    return InvitationResult(Outcome.INVITED, invitation=invitation)


def invitation_resend(*, invitation: Invitation) -> None:
    """Send again with a new link: the old one stops working now, not when the mail leaves. A revoked or accepted
    invitation is not sent again (the caller says why: `invitation_resend_problem`)."""
    with transaction.atomic():
        Invitation.objects.filter(pk=invitation.pk).update(token_hash=None, revoked_at=None, bounced_at=None)
        _queue(invitation.pk)


def invitation_resend_problem(invitation: Invitation) -> str | None:
    if invitation.accepted_at:
        return _("Deze uitnodiging is al aanvaard: de persoon meldt zich aan (of vraagt een nieuw wachtwoord).")
    return None


def invitation_revoke(*, invitation: Invitation) -> None:
    # The token stays: its link then says "ingetrokken" rather than "unknown".
    Invitation.objects.filter(pk=invitation.pk, accepted_at=None).update(revoked_at=timezone.now())


def _queue(invitation_id: int) -> None:
    """The mail goes out from a worker on the mail queue after the commit; with the broker away it is sent from
    this process instead, so an invitation is never left unsent without a word (its send_error says why)."""

    def send() -> None:
        from accounts.tasks import send_invitation

        try:
            send_invitation.apply_async(args=[invitation_id], retry=False)
        except Exception:
            logger.warning("Uitnodiging %s niet in de wachtrij gezet; ze wordt nu verstuurd.", invitation_id)
            invitation_send(invitation_id=invitation_id)

    transaction.on_commit(send, robust=True)


def invitation_send(*, invitation_id: int) -> str | None:
    """Make a new link, send the mail and return the link (None when the invitation is no longer open). An
    invitation whose account already existed gets the "you have access" mail, without a link."""
    now = timezone.now()
    with transaction.atomic():
        # Only the invitation's row is locked: its organisation is an outer join (staff have none), which
        # PostgreSQL refuses to lock.
        invitation = (
            Invitation.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=invitation_id)
        )
        if invitation.revoked_at:
            return None
        token = None
        if invitation.accepted_at is None:
            token = secrets.token_urlsafe(32)
            invitation.token_hash = _hash(token)
            invitation.expires_at = now + dt.timedelta(days=settings.INVITATION_DAYS)
        invitation.sent_at, invitation.send_count, invitation.send_error = now, invitation.send_count + 1, ""
        invitation.save(update_fields=["token_hash", "expires_at", "sent_at", "send_count", "send_error"])
    link = invitation_link(token) if token else None
    try:
        _mail(invitation, link)
    except Exception as error:  # an SMTP refusal, a server away: recorded and shown to staff, never silent
        logger.warning("Uitnodiging %s niet verstuurd: %s", invitation_id, error)
        message = str(error)[:300] or error.__class__.__name__
        Invitation.objects.filter(pk=invitation_id).update(send_error=message)
    if BouncedAddress.objects.filter(email=invitation.email).exists():
        Invitation.objects.filter(pk=invitation_id).update(bounced_at=now)
    return link


def _place(invitation: Invitation) -> str:
    if invitation.organisation is not None:
        return invitation.organisation.name
    return _("POM West-Vlaanderen")


def _mail(invitation: Invitation, link: str | None) -> None:
    with translation.override(invitation.language):
        names = {
            "place": _place(invitation),
            "role": invitation.get_role_display(),
            "by": (invitation.invited_by.get_full_name() or invitation.invited_by.get_username())
            if invitation.invited_by
            else _("POM West-Vlaanderen"),
            "site": settings.SITE_URL,
        }
        if link is None:
            subject = _("U hebt toegang tot %(place)s in de Inventaris sociale economie") % names
            body = (
                _(
                    "%(by)s gaf u de rol ‘%(role)s’ bij %(place)s in de Inventaris sociale economie van POM "
                    "West-Vlaanderen. U meldt zich aan met uw bestaande account: %(site)s"
                )
                % names
            )
        else:
            names |= {
                "link": link,
                "expires": date_format(timezone.localtime(invitation.expires_at), "DATETIME_FORMAT"),
            }
            subject = _("Uitnodiging: Inventaris sociale economie (%(place)s)") % names
            body = (
                _(
                    "%(by)s nodigt u uit in de Inventaris sociale economie van POM West-Vlaanderen, als "
                    "‘%(role)s’ bij %(place)s.\n\n"
                    "Kies uw wachtwoord via deze link (eenmalig te gebruiken, geldig tot %(expires)s):\n%(link)s\n\n"
                    "Daarna meldt u zich aan met dit e-mailadres als gebruikersnaam. Verwachtte u deze uitnodiging "
                    "niet, dan mag u deze e-mail negeren."
                )
                % names
            )
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email], fail_silently=False)


def invitation_accept(*, invitation: Invitation, password: str) -> User:
    """Make the account (username and e-mail: the invited address) with `password`, give it the role and close
    the invitation. Raises ValidationError when the invitation is no longer open (used twice at once, say)."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=invitation.pk)
        )
        if invitation.state != InvitationState.OPEN or not invitation.token_hash:
            raise ValidationError(_("Deze uitnodiging is niet meer geldig."))
        user = user_for_email(invitation.email)
        if user is None:
            first, _sep, last = invitation.name.partition(" ")
            user = User(username=invitation.email, email=invitation.email, first_name=first[:150], last_name=last[:150])
        user.is_active = True
        user.set_password(password)
        user.save()
        _role_apply(user=user, role=invitation.role, organisation=invitation.organisation)
        # The token stays, so that the link, used again, says "already used: log in".
        invitation.accepted_at, invitation.accepted_user = timezone.now(), user
        invitation.save(update_fields=["accepted_at", "accepted_user"])
    return user


# --- "send me a new link" -------------------------------------------------------------------------------------


class RenewOutcome:
    SENT = "sent"  # a new link went to the invited address
    ASKED = "asked"  # the organisation's contacts (or staff) were asked to invite again
    USED = "used"  # accepted: log in, or reset the password


def invitation_renew(*, invitation: Invitation) -> str:
    """The invitee asks for a new link from an expired or used one. Expired and sent fewer than
    INVITATION_MAX_SENDS times: a new link goes to the invited address (only its owner reads it, so nothing is
    given away). Revoked, or sent too often: the organisation's contacts, or POM staff, get a mail asking them
    to invite again. Accepted: nothing to send; the page points to the login."""
    if invitation.accepted_at:
        return RenewOutcome.USED
    if invitation.revoked_at is None and invitation.send_count < settings.INVITATION_MAX_SENDS:
        invitation_resend(invitation=invitation)
        return RenewOutcome.SENT
    recipients = invitation_managers(invitation)
    if recipients:
        with translation.override(settings.LANGUAGE_CODE):
            names = {"email": invitation.email, "place": _place(invitation), "role": invitation.get_role_display()}
            send_mail(
                _("%(email)s vraagt een nieuwe uitnodiging") % names,
                _(
                    "%(email)s kreeg een uitnodiging als ‘%(role)s’ bij %(place)s, maar de link werkt niet meer "
                    "en vraagt een nieuwe. Nodig opnieuw uit via %(link)s"
                )
                % {**names, "link": f"{settings.SITE_URL}{reverse('invitation-list')}"},
                settings.DEFAULT_FROM_EMAIL,
                recipients,
                fail_silently=True,
            )
    return RenewOutcome.ASKED


def invitation_managers(invitation: Invitation) -> list[str]:
    """Who can invite this person again: the organisation's contacts, else POM staff."""
    from accounts.access import organisation_contacts

    if invitation.organisation is not None:
        contacts = organisation_contacts(invitation.organisation).exclude(email="")
        addresses = sorted(set(contacts.values_list("email", flat=True)))
        if addresses:
            return addresses
    staff = User.objects.filter(is_active=True, is_staff=True).exclude(email="")
    return sorted(set(staff.values_list("email", flat=True)))
