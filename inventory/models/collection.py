"""The yearly collection: rounds, submissions and their headcounts, overlap corrections, imports, reminders."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from inventory.models.reference import IMPORTABLE, Measure, Organisation, Region, Trede, year_in_range


class CollectionRound(models.Model):  # type: ignore[django-manager-missing]  # 'events' comes from pghistory's event model, built at run time
    year = models.PositiveSmallIntegerField(_("rapportagejaar"), unique=True)
    opens_on = models.DateField(_("open vanaf"))
    closes_on = models.DateField(_("sluit op"))
    instructions = models.TextField(_("instructies"), blank=True)
    # Year states (selectors/years.py): the share of expected organisations that must be validated before the
    # closed round counts as complete; staff may also declare the year complete themselves.
    required_completeness = models.PositiveSmallIntegerField(
        _("vereiste volledigheid (%)"),
        default=90,
        help_text=_("Het aandeel verwachte organisaties dat gevalideerd moet zijn voor het jaar volledig is."),
    )
    marked_complete_at = models.DateTimeField(_("volledig verklaard op"), null=True, blank=True)
    marked_complete_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("volledig verklaard door"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("bevragingsronde")
        verbose_name_plural = _("bevragingsrondes")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(condition=year_in_range("year"), name="collectionround_year_range"),
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="collectionround_dates_ordered"),
            models.CheckConstraint(
                condition=Q(required_completeness__lte=100), name="collectionround_required_completeness_range"
            ),
        ]

    def __str__(self) -> str:
        return _("Bevraging %(year)s") % {"year": self.year}


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("ontwerp")
    SUBMITTED = "submitted", _("ingediend")
    RETURNED = "returned", _("teruggestuurd")
    VALIDATED = "validated", _("gevalideerd")


class Scope(models.TextChoices):
    """Which submissions a figure counts: validated ones, or (provisional) those sent to POM as well."""

    VALIDATED = "validated", _("gevalideerd")
    PROVISIONAL = "provisional", _("voorlopig")


SCOPE_STATUSES: dict[str, tuple[str, ...]] = {
    Scope.VALIDATED: (SubmissionStatus.VALIDATED,),
    Scope.PROVISIONAL: (SubmissionStatus.SUBMITTED, SubmissionStatus.VALIDATED),
}


def scope_statuses(scope: str) -> list[str]:
    """The submission statuses a scope counts: the one definition of "validated" and "provisional"."""
    return [str(status) for status in SCOPE_STATUSES[scope]]


def counts_in_aggregates(status: str) -> bool:
    """Whether a submission in this status is in the (provisional) aggregates, so a change must be recomputed."""
    return status in SCOPE_STATUSES[Scope.PROVISIONAL]


class SubmissionQuerySet(models.QuerySet["Submission"]):
    def in_scope(self, scope: str) -> SubmissionQuerySet:
        return self.filter(status__in=scope_statuses(scope))


class Submission(models.Model):  # type: ignore[django-manager-missing]  # 'events' comes from pghistory's event model, built at run time
    """One organisation's figures for one year: draft -> submitted -> validated (or returned -> draft)."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisatie"), on_delete=models.PROTECT, related_name="submissions"
    )
    year = models.PositiveSmallIntegerField(_("jaar"))
    status = models.CharField(
        _("status"), max_length=20, choices=SubmissionStatus.choices, default=SubmissionStatus.DRAFT
    )
    # Bumped on every write; a form posts the version it was based on (optimistic locking).
    version = models.PositiveIntegerField(_("versie"), default=1)
    note = models.TextField(_("opmerking"), blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)
    submitted_at = models.DateTimeField(_("ingediend op"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ingediend door"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    validated_at = models.DateTimeField(_("gevalideerd op"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("gevalideerd door"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    returned_at = models.DateTimeField(_("teruggestuurd op"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("teruggestuurd door"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    return_comment = models.TextField(_("reden van terugsturen"), blank=True)
    reopened_at = models.DateTimeField(_("heropend op"), null=True, blank=True)
    reopen_reason = models.TextField(_("reden van heropenen"), blank=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("aangifte")
        verbose_name_plural = _("aangiften")
        ordering = ["-year", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="submission_unique_organisation_year"),
            models.CheckConstraint(condition=year_in_range("year"), name="submission_year_range"),
            models.CheckConstraint(condition=Q(version__gte=1), name="submission_version_positive"),
        ]
        indexes = [models.Index(fields=["year", "status"], name="submission_year_status")]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}"

    @property
    def is_locked(self) -> bool:
        return self.status == SubmissionStatus.VALIDATED

    @property
    def counts_in_aggregates(self) -> bool:
        return counts_in_aggregates(self.status)


class HeadcountQuerySet(models.QuerySet["Headcount"]):
    def in_scope(self, scope: str) -> HeadcountQuerySet:
        return self.filter(submission__status__in=scope_statuses(scope))


class Headcount(models.Model):  # type: ignore[django-manager-missing]  # 'events' comes from pghistory's event model, built at run time
    """Persons under one measure, working in one region, as reported in one submission."""

    # No index of their own on submission and region: the unique (submission, measure, region) and the
    # (region, measure) indexes start with them, and every index slows bulk imports down.
    submission = models.ForeignKey(
        Submission, verbose_name=_("aangifte"), on_delete=models.CASCADE, related_name="headcounts", db_index=False
    )
    measure = models.ForeignKey(
        Measure, verbose_name=_("maatregel"), on_delete=models.PROTECT, related_name="headcounts"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("regio"), on_delete=models.PROTECT, related_name="headcounts", db_index=False
    )
    persons = models.IntegerField(_("personen"))
    fte = models.DecimalField(_("VTE"), max_digits=12, decimal_places=2, null=True, blank=True)
    explanation = models.TextField(_("toelichting"), blank=True)
    # A supplier's hidden small count ("<5") stored as an estimate: counted in sums, never shown on its own.
    estimated = models.BooleanField(_("schatting"), default=False, db_default=False)

    objects = HeadcountQuerySet.as_manager()

    class Meta:
        verbose_name = _("telling")
        verbose_name_plural = _("tellingen")
        default_permissions = IMPORTABLE
        ordering = ["submission", "measure__code", "region__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "measure", "region"], name="headcount_unique_submission_measure_region"
            ),
            models.CheckConstraint(condition=Q(persons__gte=0), name="headcount_persons_not_negative"),
            models.CheckConstraint(condition=Q(fte__isnull=True) | Q(fte__gte=0), name="headcount_fte_not_negative"),
        ]
        indexes = [models.Index(fields=["region", "measure"], name="headcount_region_measure")]

    def __str__(self) -> str:
        return f"{self.measure.code} {self.region.code}: {self.persons}"


class OverlapCorrection(models.Model):  # type: ignore[django-manager-missing]  # 'events' comes from pghistory's event model, built at run time
    """Persons counted under two measures of one trede, subtracted from the trede total (staff only)."""

    year = models.PositiveSmallIntegerField(_("jaar"))
    region = models.ForeignKey(
        Region, verbose_name=_("regio"), on_delete=models.PROTECT, related_name="overlap_corrections"
    )
    trede = models.PositiveSmallIntegerField(_("trede"), choices=Trede.choices)
    persons = models.IntegerField(_("personen"), help_text=_("negatief of nul"))
    reason = models.TextField(_("reden"))
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ingevoerd door"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("overlapcorrectie")
        verbose_name_plural = _("overlapcorrecties")
        default_permissions = IMPORTABLE
        ordering = ["-year", "region__code", "trede"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "region", "trede"], name="overlapcorrection_unique_year_region_trede"
            ),
            models.CheckConstraint(condition=Q(persons__lte=0), name="overlapcorrection_persons_not_positive"),
            models.CheckConstraint(condition=year_in_range("year"), name="overlapcorrection_year_range"),
            models.CheckConstraint(condition=Q(trede__gte=3, trede__lte=6), name="overlapcorrection_trede_3_to_6"),
            models.CheckConstraint(condition=~Q(reason=""), name="overlapcorrection_reason_required"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.region.name} trede {self.trede}: {self.persons}"


class ImportJob(models.Model):
    """One upload through the portal or the admin: checked in a dry run, then imported after confirmation. Every
    file is read in a Celery task (never in a web process); the page polls the job.

    A confirmation is a job of its own (`dry_run` False) pointing at its dry run (`source_job`), at most one per
    dry run; it imports the dry run's file with the uploader's rules in the name of `confirmed_by`, provided the
    file's submissions still have the `versions` the dry run saw. After IMPORT_RETENTION_DAYS (refused files:
    IMPORT_REFUSED_RETENTION_DAYS) the file is dropped (`data` emptied, `data_deleted_at` set); the report stays.

    Invitation files (staff, accounts' /beheer/uitnodigingen/bestand/) are jobs too: the same worker, limits,
    confirm-once and retention; the confirmation sends the mails."""

    class Kind(models.TextChoices):
        HEADCOUNTS = "headcounts", _("tellingen")
        SUPPLIER = "supplier", _("leveranciersbestand")
        ORGANISATIONS = "organisations", _("organisaties")
        INVITATIONS = "invitations", _("uitnodigingen")

    class Status(models.TextChoices):
        QUEUED = "queued", _("in de wachtrij")
        RUNNING = "running", _("bezig")
        DONE = "done", _("klaar")
        FAILED = "failed", _("mislukt")

    class Failure(models.TextChoices):
        """Why a job failed (the page says it in the reader's language: services.import_jobs.failure_message)."""

        ERROR = "error", _("onverwachte fout")
        TIMEOUT = "timeout", _("te lang bezig")
        LOST = "lost", _("verwerking onderbroken")
        STUCK = "stuck", _("niet afgerond")
        NOT_STARTED = "not_started", _("niet gestart")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    filename = models.CharField(_("bestand"), max_length=255)
    data = models.BinaryField(editable=False)
    rows = models.PositiveIntegerField(_("rijen"), default=0)
    dry_run = models.BooleanField(_("proefdraai"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    result = models.JSONField(_("resultaat"), null=True, blank=True)
    failure = models.CharField(_("reden van mislukken"), max_length=20, choices=Failure.choices, blank=True)
    # The uploader's language: the worker writes the report's messages in it.
    language = models.CharField(_("taal"), max_length=10, blank=True)
    source_job = models.ForeignKey(
        "self",
        verbose_name=_("proefdraai"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="imports",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("bevestigd door"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Headcount files: each (organisation id, year) of the file ("12:2019") with its submission's version as the
    # dry run read it (None: no submission yet).
    versions = models.JSONField(_("versies"), null=True, blank=True)
    # Organisation files: after the import, invite each organisation's e-mail address as its contact.
    invite_contacts = models.BooleanField(_("contactpersonen uitnodigen"), default=False)
    # Supplier files: the profile chosen, its layout as it was then (a dry run and its confirmation read the file
    # alike even when the profile is edited meanwhile), the totals staff typed, and on the confirmation whether
    # its confirmer accepted the differences the dry run showed against the supplier's totals.
    profile = models.ForeignKey(
        "ImportProfile",
        verbose_name=_("importprofiel"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    layout = models.JSONField(_("indeling"), null=True, blank=True)
    published_totals = models.JSONField(_("gepubliceerde totalen"), null=True, blank=True)
    differences_accepted = models.BooleanField(_("verschillen aanvaard"), default=False)
    # Staff's headcount and supplier files: validate the file's submissions after the import (they count at once).
    validate = models.BooleanField(_("valideren na het inlezen"), default=False, db_default=False)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    started_at = models.DateTimeField(_("gestart op"), null=True, blank=True)
    finished_at = models.DateTimeField(_("klaar op"), null=True, blank=True)
    data_deleted_at = models.DateTimeField(_("bestand verwijderd op"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["source_job"], name="import_job_confirmed_once"),
            models.CheckConstraint(
                condition=Q(source_job__isnull=True) | Q(dry_run=False), name="import_job_confirms_a_dry_run"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


class ImportProfile(models.Model):  # type: ignore[django-manager-missing]  # 'events' comes from pghistory's event model, built at run time
    """A supplier's file layout, described once by staff and saved under a name (services/imports/profiles.py
    reads, checks and exports `layout`; README "Import profiles" documents its JSON shape)."""

    name = models.CharField(_("naam"), max_length=100, unique=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisatie"),
        on_delete=models.PROTECT,
        related_name="import_profiles",
        help_text=_("de gegevensleverancier bij wie de cijfers horen"),
    )
    description = models.TextField(_("toelichting"), blank=True)
    layout = models.JSONField(_("indeling"))
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    class Meta:
        verbose_name = _("importprofiel")
        verbose_name_plural = _("importprofielen")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="importprofile_unique_name_any_case"),
        ]

    def __str__(self) -> str:
        return self.name


class Reminder(models.Model):
    """A reminder e-mail to an organisation that has not submitted; at most one per organisation and day."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="reminders")
    year = models.PositiveSmallIntegerField(_("jaar"))
    sent_on = models.DateField(_("verstuurd op"))

    class Meta:
        verbose_name = _("herinnering")
        verbose_name_plural = _("herinneringen")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "sent_on"], name="reminder_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year} {self.sent_on}"
