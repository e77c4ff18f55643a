"""Operations: a record of every maintenance run (backups, their restore checks, housekeeping), for the operations
page. Written by inventory/services/backups.py."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MaintenanceRun(models.Model):
    """One run of a maintenance job: recorded when it starts, completed with its outcome when it ends. A run that
    never ends (its process was killed) stays without `finished_at`."""

    class Kind(models.TextChoices):
        BACKUP = "backup", _("back-up")
        RESTORE_CHECK = "restore_check", _("hersteltest")
        HOUSEKEEPING = "housekeeping", _("opruiming")

    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    started_at = models.DateTimeField(_("gestart op"), default=timezone.now)
    finished_at = models.DateTimeField(_("klaar op"), null=True, blank=True)
    ok = models.BooleanField(_("geslaagd"), null=True, blank=True)
    file_name = models.CharField(_("bestand"), max_length=500, blank=True)
    size_bytes = models.BigIntegerField(_("grootte (bytes)"), null=True, blank=True)
    # The summary of a run that succeeded, or what went wrong first.
    detail = models.TextField(_("toelichting"), blank=True)

    class Meta:
        verbose_name = _("onderhoudstaak")
        verbose_name_plural = _("onderhoudstaken")
        ordering = ["-started_at"]
        constraints = [
            # Running means no outcome yet; finished means one.
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True, ok__isnull=True) | Q(finished_at__isnull=False, ok__isnull=False),
                name="maintenancerun_outcome_when_finished",
            ),
        ]
        indexes = [models.Index(fields=["kind", "-started_at"], name="maintenancerun_kind_started")]

    def __str__(self) -> str:
        state = _("bezig") if self.ok is None else (_("geslaagd") if self.ok else _("mislukt"))
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M} ({state})"
