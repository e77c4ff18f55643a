"""Users and their roles.

Roles: POM staff (`is_staff`, reach the admin), coordinators (`is_coordinator`, export and publish),
and organisation users, whose role (editor or viewer) is per organisation through a Membership.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    is_coordinator = models.BooleanField(
        _("coördinator"), default=False, help_text=_("mag gevalideerde cijfers exporteren en edities publiceren")
    )

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


class Membership(models.Model):
    user = models.ForeignKey(User, verbose_name=_("gebruiker"), on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        "inventory.Organisation", verbose_name=_("organisatie"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rol"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.EDITOR)

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


# The second factor's audit trail: event models of django-otp's devices (imported here, so that Django finds them).
from accounts.audit import StaticDeviceEvent, TOTPDeviceEvent  # noqa: E402, F401
