"""Users and their roles.

Roles: POM staff (`is_staff`, reach the admin), coordinators (`is_coordinator`, export and publish),
and organisation users, whose role (editor, viewer or contact) is per organisation through a Membership. A contact
is an editor who also manages the organisation's colleagues (accounts/access.py).

People get an account through an Invitation: a link by e-mail to a set-password page (accounts/invitations.py).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    is_coordinator = models.BooleanField(
        _("coördinator"), default=False, help_text=_("mag gevalideerde cijfers exporteren en edities publiceren")
    )
    # Account hygiene (accounts/hygiene.py): the reminders sent since the last login before an unused account is
    # deactivated; a login sets it back to 0.
    inactivity_reminders = models.PositiveSmallIntegerField(_("herinneringen wegens inactiviteit"), default=0)
    inactivity_reminded_at = models.DateTimeField(_("laatste herinnering wegens inactiviteit"), null=True, blank=True)

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")

    @property
    def role_label(self) -> str:
        if self.is_staff:
            return str(_("POM-medewerker"))
        if self.is_coordinator:
            return str(_("coördinator"))
        return str(_("organisatiegebruiker"))


class MembershipRole(models.TextChoices):
    EDITOR = "editor", _("invoerder")
    VIEWER = "viewer", _("lezer")
    # An editor who also invites, changes and removes the organisation's colleagues.
    CONTACT = "contact", _("contactpersoon")


# The roles that report figures: editors and contacts.
EDITING_ROLES = (MembershipRole.EDITOR, MembershipRole.CONTACT)


class Membership(models.Model):
    user = models.ForeignKey(User, verbose_name=_("gebruiker"), on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        "inventory.Organisation", verbose_name=_("organisatie"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rol"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.EDITOR)
    created_at = models.DateTimeField(_("toegevoegd op"), default=timezone.now)

    class Meta:
        verbose_name = _("lidmaatschap")
        verbose_name_plural = _("lidmaatschappen")
        ordering = ["organisation__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique_user_organisation"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"


class ApiToken(models.Model):
    """A key for programs that read the API. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(User, verbose_name=_("gebruiker"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("naam"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("laatst gebruikt op"), null=True, blank=True)

    class Meta:
        verbose_name = _("API-sleutel")
        verbose_name_plural = _("API-sleutels")

    def __str__(self) -> str:
        return f"{self.user} – {self.name}"


class InvitationRole(models.TextChoices):
    """What an invitation makes of a person: a member of an organisation in one of its roles, or POM staff or a
    coordinator (no organisation)."""

    EDITOR = MembershipRole.EDITOR.value, MembershipRole.EDITOR.label
    VIEWER = MembershipRole.VIEWER.value, MembershipRole.VIEWER.label
    CONTACT = MembershipRole.CONTACT.value, MembershipRole.CONTACT.label
    STAFF = "staff", _("POM-medewerker")
    COORDINATOR = "coordinator", _("coördinator")


ORGANISATION_ROLES = (InvitationRole.EDITOR, InvitationRole.VIEWER, InvitationRole.CONTACT)


class InvitationState(models.TextChoices):
    OPEN = "open", _("open")
    ACCEPTED = "accepted", _("aanvaard")
    EXPIRED = "expired", _("verlopen")
    REVOKED = "revoked", _("ingetrokken")


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def open(self) -> InvitationQuerySet:
        """Not accepted, not revoked and not past its expiry (one that was never sent counts as open: its mail
        is on its way)."""
        now = timezone.now()
        return self.filter(accepted_at=None, revoked_at=None).filter(Q(expires_at=None) | Q(expires_at__gt=now))

    def expired(self) -> InvitationQuerySet:
        return self.filter(accepted_at=None, revoked_at=None, expires_at__lte=timezone.now())

    def pending(self) -> InvitationQuerySet:
        """Neither accepted nor revoked: open, or expired and waiting to be sent again."""
        return self.filter(accepted_at=None, revoked_at=None)

    def bounced(self) -> InvitationQuerySet:
        """Whose mail did not arrive: refused when sent (send_error), reported later (bounced_at), or to an address
        known to bounce (an invitation made after the report is marked only when its mail goes out)."""
        return self.filter(bounced_q())

    def deliverable(self) -> InvitationQuerySet:
        """Open, and its mail went (or goes) out without a word of trouble: the person may still accept it."""
        return self.open().exclude(bounced_q())

    def troubled(self) -> InvitationQuerySet:
        """Pending but stuck: expired, or bounced. These are the ones to send again (onboarding's "expired or
        bounced")."""
        return self.pending().filter(Q(expires_at__lte=timezone.now()) | bounced_q())


def bounced_q() -> Q:
    return Q(bounced_at__isnull=False) | ~Q(send_error="") | Q(email__in=BouncedAddress.objects.values("email"))


class Invitation(models.Model):
    """A person asked by e-mail to set up an account. Only the SHA-256 of the link's token is stored; sending
    again makes a new token (the old link stops working) and a new expiry."""

    email = models.EmailField(_("e-mailadres"))
    name = models.CharField(_("naam"), max_length=150, blank=True)
    organisation = models.ForeignKey(
        "inventory.Organisation",
        verbose_name=_("organisatie"),
        on_delete=models.CASCADE,
        related_name="invitations",
        null=True,
        blank=True,
    )
    role = models.CharField(_("rol"), max_length=12, choices=InvitationRole.choices)
    language = models.CharField(_("taal"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    invited_by = models.ForeignKey(
        User, verbose_name=_("uitgenodigd door"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("verstuurd op"), null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(_("keren verstuurd"), default=0)
    expires_at = models.DateTimeField(_("vervalt op"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("aanvaard op"), null=True, blank=True)
    accepted_user = models.ForeignKey(
        User, verbose_name=_("account"), on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations"
    )
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    # The mail could not be delivered: refused when sent (send_error), or reported later (`manage.py mark_bounce`).
    bounced_at = models.DateTimeField(_("onbestelbaar sinds"), null=True, blank=True)
    send_error = models.CharField(_("verzendfout"), max_length=300, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("uitnodiging")
        verbose_name_plural = _("uitnodigingen")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["email"], name="invitation_email")]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in ORGANISATION_ROLES], organisation__isnull=False)
                | Q(role__in=[InvitationRole.STAFF, InvitationRole.COORDINATOR], organisation__isnull=True),
                name="invitation_role_matches_organisation",
            ),
            models.CheckConstraint(condition=Q(email=Lower("email")), name="invitation_email_lower_case"),
        ]

    def __str__(self) -> str:
        target = self.organisation or self.get_role_display()
        return f"{self.email} – {target}"

    @property
    def state(self) -> InvitationState:
        if self.accepted_at:
            return InvitationState.ACCEPTED
        if self.revoked_at:
            return InvitationState.REVOKED
        if self.expires_at and self.expires_at <= timezone.now():
            return InvitationState.EXPIRED
        return InvitationState.OPEN

    @property
    def state_label(self) -> str:
        return str(self.state.label)


class BouncedAddress(models.Model):
    """An address the mail server reported as undeliverable (`manage.py mark_bounce`): invitations and reminders
    to it show as bounced, and staff see it before they send again."""

    email = models.EmailField(_("e-mailadres"), unique=True)
    reported_at = models.DateTimeField(_("gemeld op"), default=timezone.now)
    reason = models.CharField(_("reden"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("onbestelbaar adres")
        verbose_name_plural = _("onbestelbare adressen")

    def __str__(self) -> str:
        return self.email


# --- audit trail ----------------------------------------------------------------------------------------------
# Who got which role where, and every invitation's steps, by the same database triggers as the inventory's
# (inventory/models/audit.py; README, "Audit trail"). Tokens are left out: a hash is no history.
import pghistory  # noqa: E402

from inventory.models.audit import history_append_only, history_base, history_indexes  # noqa: E402

# No reverse accessor on the tracked models (user.events would read as the user's own events); the event tables
# are read through their own managers.
_NO_REVERSE = {"obj_field": pghistory.ObjForeignKey(related_name="+")}


class MembershipEvent(history_base(Membership, **_NO_REVERSE)):  # type: ignore[misc]  # pghistory builds the event model at run time
    class Meta:
        verbose_name = _("wijziging van een lidmaatschap")
        verbose_name_plural = _("wijzigingen van lidmaatschappen")
        indexes = history_indexes("membershipevent")
        triggers = history_append_only()


class InvitationEvent(history_base(Invitation, exclude=["token_hash"], **_NO_REVERSE)):  # type: ignore[misc]  # pghistory builds the event model at run time
    class Meta:
        verbose_name = _("wijziging van een uitnodiging")
        verbose_name_plural = _("wijzigingen van uitnodigingen")
        indexes = history_indexes("invitationevent")
        triggers = history_append_only()


class UserEvent(
    history_base(  # type: ignore[misc]  # pghistory builds the event model at run time
        User,
        fields=["username", "email", "first_name", "last_name", "is_active", "is_staff", "is_coordinator"],
        **_NO_REVERSE,
    )
):
    """Who was made staff or coordinator, deactivated or renamed; not the password or the last login."""

    class Meta:
        verbose_name = _("wijziging van een gebruiker")
        verbose_name_plural = _("wijzigingen van gebruikers")
        indexes = history_indexes("userevent")
        triggers = history_append_only()


# The second factor's audit trail: event models of django-otp's devices (imported here, so that Django finds them).
from accounts.audit import StaticDeviceEvent, TOTPDeviceEvent  # noqa: E402, F401
