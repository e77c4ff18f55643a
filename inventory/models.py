"""The inventory's data: regions, organisations, measures, the yearly collection and its figures.

Rules live in services/; models carry data, named database constraints and query vocabulary.
"""

from __future__ import annotations

import uuid
from typing import Any

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Cast, Mod, Now, Substr
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from inventory.kbo import format_kbo

YEAR_MIN = 2000
YEAR_MAX = 2100

# Models that staff can bulk-load: "import" is a permission of its own (django-import-export checks it).
IMPORTABLE = ("add", "change", "delete", "view", "import")


def year_in_range(field: str) -> Q:
    return Q(**{f"{field}__gte": YEAR_MIN, f"{field}__lte": YEAR_MAX})


def valid_in(year: int, prefix: str = "") -> Q:
    """Rows whose [first_year, last_year] covers `year` (an empty bound is open)."""
    return (Q(**{f"{prefix}first_year__isnull": True}) | Q(**{f"{prefix}first_year__lte": year})) & (
        Q(**{f"{prefix}last_year__isnull": True}) | Q(**{f"{prefix}last_year__gte": year})
    )


def validity_ordered(table: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(first_year__isnull=True) | Q(last_year__isnull=True) | Q(last_year__gte=F("first_year")),
        name=f"{table}_validity_ordered",
    )


class Trede(models.IntegerChoices):
    ARBEIDSZORG = 3, _("Trede 3: arbeidsmatige activiteiten onder zorgbegeleiding")
    TRAJECT = 4, _("Trede 4: tijdelijke competentieversterkende trajecten")
    ONDERSTEUND = 5, _("Trede 5: betaald werk met ondersteuning")
    REGULIER = 6, _("Trede 6: betaald werk zonder ondersteuning")


# Treden that make the headline figure ("tewerkstellings- en participatieplaatsen").
HEADLINE_TREDEN = (3, 4, 5)


class RegionQuerySet(models.QuerySet["Region"]):
    def municipalities(self) -> RegionQuerySet:
        return self.filter(level=Region.Level.GEMEENTE)

    def existing_in(self, year: int) -> RegionQuerySet:
        return self.filter(valid_in(year))

    def current(self) -> RegionQuerySet:
        return self.filter(last_year__isnull=True)


class Region(models.Model):
    class Level(models.TextChoices):
        GEWEST = "gewest", _("gewest")
        PROVINCIE = "provincie", _("provincie")
        ARRONDISSEMENT = "arrondissement", _("arrondissement")
        GEMEENTE = "gemeente", _("gemeente")

    code = models.CharField(_("NIS-code"), max_length=5, unique=True, help_text=_("REFNIS-code, vijf cijfers"))
    name = models.CharField(_("naam"), max_length=100)
    level = models.CharField(_("niveau"), max_length=20, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("ligt in"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    first_year = models.PositiveSmallIntegerField(_("bestaat vanaf"), null=True, blank=True)
    last_year = models.PositiveSmallIntegerField(_("bestaat tot en met"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("opgegaan in"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("regio")
        verbose_name_plural = _("regio's")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{5}$"), name="region_code_five_digits"),
            validity_ordered("region"),
            models.CheckConstraint(
                condition=Q(successor__isnull=True) | Q(last_year__isnull=False), name="region_successor_has_end"
            ),
        ]

    def __str__(self) -> str:
        if self.last_year:
            return f"{self.name} ({self.code}, tot {self.last_year})"
        return f"{self.name} ({self.code})"


class RegionGrouping(models.Model):
    """A named set of municipalities, versioned by validity years (e.g. the socio-economic regions)."""

    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("naam"), max_length=100)
    kind = models.CharField(_("soort"), max_length=100, default="sociaal-economische regio")
    first_year = models.PositiveSmallIntegerField(_("geldig vanaf"), null=True, blank=True)
    last_year = models.PositiveSmallIntegerField(_("geldig tot en met"), null=True, blank=True)
    members = models.ManyToManyField(Region, verbose_name=_("gemeenten"), related_name="groupings", blank=True)
    description = models.TextField(_("toelichting"), blank=True)

    class Meta:
        verbose_name = _("regio-indeling")
        verbose_name_plural = _("regio-indelingen")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["code", "first_year"], name="regiongrouping_unique_code_version"),
            validity_ordered("regiongrouping"),
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationKind(models.TextChoices):
    MAATWERKBEDRIJF = "maatwerkbedrijf", _("maatwerkbedrijf")
    LDE = "lde-initiatief", _("LDE-initiatief")
    ARBEIDSZORG = "arbeidszorg", _("arbeidszorgorganisatie")
    LOKAAL_BESTUUR = "lokaal-bestuur", _("lokaal bestuur / OCMW")
    OPLEIDINGSPARTNER = "opleidingspartner", _("opleidings- of trajectpartner")
    GEGEVENSLEVERANCIER = "gegevensleverancier", _("gegevensleverancier")


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def active(self) -> OrganisationQuerySet:
        return self.filter(active=True)


class Organisation(models.Model):
    kbo = models.CharField(
        _("ondernemingsnummer"), max_length=10, unique=True, help_text=_("KBO-nummer, bv. 0123.456.789")
    )
    name = models.CharField(_("naam"), max_length=200)
    kind = models.CharField(_("soort"), max_length=30, choices=OrganisationKind.choices)
    home_region = models.ForeignKey(
        Region, verbose_name=_("vestigingsgemeente"), on_delete=models.PROTECT, related_name="organisations"
    )
    active = models.BooleanField(_("actief"), default=True)
    email = models.EmailField(_("contact-e-mail"), blank=True)
    note = models.TextField(_("opmerking"), blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")
        default_permissions = IMPORTABLE
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kbo__regex=r"^[01][0-9]{9}$"), name="organisation_kbo_ten_digits"),
            # Belgian enterprise numbers: the last two digits are 97 - (first eight mod 97).
            models.CheckConstraint(
                condition=Exact(
                    Mod(Cast(Substr("kbo", 1, 8), models.BigIntegerField()), 97)
                    + Cast(Substr("kbo", 9, 2), models.BigIntegerField()),
                    97,
                ),
                name="organisation_kbo_check_digits",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kbo_display(self) -> str:
        return format_kbo(self.kbo)


class MeasureMode(models.TextChoices):
    INDIVIDUEEL = "individueel", _("individueel")
    COLLECTIEF = "collectief", _("collectief")


class MeasureQuerySet(models.QuerySet["Measure"]):
    def valid_in(self, year: int) -> MeasureQuerySet:
        return self.filter(valid_in(year))

    def for_kind(self, kind: str) -> MeasureQuerySet:
        return self.filter(reporter_kinds__contains=[kind])


class Measure(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    trede = models.PositiveSmallIntegerField(_("trede"), choices=Trede.choices)
    mode = models.CharField(_("modus"), max_length=20, choices=MeasureMode.choices)
    group = models.CharField(_("groep"), max_length=100)
    target_group = models.CharField(
        _("doelgroep"), max_length=100, blank=True, help_text=_("bv. jongeren, ouderen; voor trends per doelgroep")
    )
    administering_body = models.CharField(_("bevoegde instantie"), max_length=200, blank=True)
    reporter_kinds = ArrayField(
        models.CharField(max_length=30, choices=OrganisationKind.choices),
        verbose_name=_("gerapporteerd door"),
        default=list,
        blank=True,
        help_text=_("soorten organisaties die deze maatregel rapporteren"),
    )
    first_year = models.PositiveSmallIntegerField(_("geldig vanaf"), null=True, blank=True)
    last_year = models.PositiveSmallIntegerField(_("geldig tot en met"), null=True, blank=True)
    note = models.TextField(_("opmerking"), blank=True)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = _("maatregel")
        verbose_name_plural = _("maatregelen")
        default_permissions = IMPORTABLE
        ordering = ["trede", "group", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(trede__gte=3, trede__lte=6), name="measure_trede_3_to_6"),
            validity_ordered("measure"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"

    def is_valid_in(self, year: int) -> bool:
        return (self.first_year is None or self.first_year <= year) and (
            self.last_year is None or year <= self.last_year
        )


class CollectionRound(models.Model):
    year = models.PositiveSmallIntegerField(_("rapportagejaar"), unique=True)
    opens_on = models.DateField(_("open vanaf"))
    closes_on = models.DateField(_("sluit op"))
    instructions = models.TextField(_("instructies"), blank=True)

    class Meta:
        verbose_name = _("bevragingsronde")
        verbose_name_plural = _("bevragingsrondes")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(condition=year_in_range("year"), name="collectionround_year_range"),
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="collectionround_dates_ordered"),
        ]

    def __str__(self) -> str:
        return _("Bevraging %(year)s") % {"year": self.year}


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("ontwerp")
    SUBMITTED = "submitted", _("ingediend")
    RETURNED = "returned", _("teruggestuurd")
    VALIDATED = "validated", _("gevalideerd")


class SubmissionQuerySet(models.QuerySet["Submission"]):
    def validated(self) -> SubmissionQuerySet:
        return self.filter(status=SubmissionStatus.VALIDATED)

    def provisional(self) -> SubmissionQuerySet:
        return self.filter(status__in=[SubmissionStatus.SUBMITTED, SubmissionStatus.VALIDATED])

    def for_year(self, year: int) -> SubmissionQuerySet:
        return self.filter(year=year)


class Submission(models.Model):
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


class HeadcountQuerySet(models.QuerySet["Headcount"]):
    def validated(self) -> HeadcountQuerySet:
        return self.filter(submission__status=SubmissionStatus.VALIDATED)

    def for_year(self, year: int) -> HeadcountQuerySet:
        return self.filter(submission__year=year)


class Headcount(models.Model):
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


class OverlapCorrection(models.Model):
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


class Indicator(models.TextChoices):
    LOONTREKKENDEN = "loontrekkenden", _("loontrekkenden")
    BEVOLKING_18_64 = "bevolking-18-64", _("bevolking 18-64 jaar")
    NIET_BEROEPSACTIEVEN = "niet-beroepsactieven", _("niet-beroepsactieven 18-64 jaar")
    INVALIDEN = "invaliden", _("invaliden")
    NWWZ = "nwwz", _("niet-werkende werkzoekenden")
    WZG_20_64 = "wzg-20-64", _("werkzaamheidsgraad 20-64 jaar (%)")
    WZG_MIGRATIE = "wzg-migratieachtergrond", _("werkzaamheidsgraad allochtonen 20-64 jaar (%)")
    WZG_55_64 = "wzg-55-64", _("werkzaamheidsgraad 55-64 jaar (%)")
    WZG_LAAGGESCHOOLD = "wzg-laaggeschoold", _("werkzaamheidsgraad laaggeschoolden 20-64 jaar (%)")
    PARTICIPATIEGRAAD = "arbeidsmarktparticipatiegraad", _("arbeidsmarktparticipatiegraad (%)")


class ContextFigure(models.Model):
    """A figure from outside the inventory that the inventory is set against (wage earners, employment rates)."""

    year = models.PositiveSmallIntegerField(_("jaar"))
    region = models.ForeignKey(
        Region, verbose_name=_("regio"), on_delete=models.PROTECT, related_name="context_figures"
    )
    indicator = models.CharField(_("indicator"), max_length=40, choices=Indicator.choices)
    value = models.DecimalField(_("waarde"), max_digits=14, decimal_places=2)
    source = models.CharField(_("bron"), max_length=200)
    synthetic = models.BooleanField(
        _("synthetisch"), default=False, help_text=_("verzonnen demogegeven, niet uit een bron")
    )

    class Meta:
        verbose_name = _("contextcijfer")
        verbose_name_plural = _("contextcijfers")
        default_permissions = IMPORTABLE
        ordering = ["-year", "indicator", "region__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "region", "indicator"], name="contextfigure_unique_year_region_indicator"
            ),
            models.CheckConstraint(condition=year_in_range("year"), name="contextfigure_year_range"),
            models.CheckConstraint(condition=Q(value__gte=0), name="contextfigure_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_indicator_display()} {self.region.name} {self.year}"


class Edition(models.Model):
    """A published, frozen set of figures ("Inventaris 2019"); later corrections go into a new edition."""

    name = models.CharField(_("naam"), max_length=100, unique=True)
    reference_year = models.PositiveSmallIntegerField(_("referentiejaar"))
    published_on = models.DateField(_("gepubliceerd op"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("gepubliceerd door"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("toelichting"), blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("editie")
        verbose_name_plural = _("edities")
        ordering = ["-reference_year", "-published_on", "-created_at"]
        constraints = [models.CheckConstraint(condition=year_in_range("reference_year"), name="edition_year_range")]
        # Published means frozen: only the publisher link may change (it is emptied when the user is deleted).
        triggers = [
            pgtrigger.Protect(
                name="frozen_update",
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange(exclude=["published_by"]),
            ),
            pgtrigger.Protect(name="frozen_delete", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return self.name


class EditionFigure(models.Model):
    """One frozen figure of an edition, in the aggregate export's shape.

    trede, group and measure empty = headline total (treden 3-5); group and measure empty = trede total;
    measure empty = measure group.
    """

    edition = models.ForeignKey(Edition, verbose_name=_("editie"), on_delete=models.CASCADE, related_name="figures")
    year = models.PositiveSmallIntegerField(_("jaar"))
    region = models.ForeignKey(
        Region, verbose_name=_("regio"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grouping = models.ForeignKey(
        RegionGrouping,
        verbose_name=_("regio-indeling"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    trede = models.PositiveSmallIntegerField(_("trede"), choices=Trede.choices, null=True, blank=True)
    group = models.CharField(_("groep"), max_length=100, blank=True)
    measure = models.ForeignKey(
        Measure, verbose_name=_("maatregel"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    persons = models.IntegerField(_("personen"))

    class Meta:
        verbose_name = _("editiecijfer")
        verbose_name_plural = _("editiecijfers")
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "year", "region", "grouping", "trede", "group", "measure"],
                nulls_distinct=False,
                name="editionfigure_unique_key",
            ),
            models.CheckConstraint(
                condition=Q(region__isnull=True) ^ Q(grouping__isnull=True), name="editionfigure_region_xor_grouping"
            ),
            models.CheckConstraint(condition=year_in_range("year"), name="editionfigure_year_range"),
        ]
        indexes = [models.Index(fields=["edition", "year"], name="editionfigure_edition_year")]
        triggers = [pgtrigger.Protect(name="frozen", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.edition} {self.year} {self.region_id or self.grouping_id}: {self.persons}"


class EditionHeadcount(models.Model):
    """One frozen headcount of an edition: the validated headcounts as they were when it was published, with the
    measure's trede and group of that moment (a later reclassification does not change a published edition)."""

    edition = models.ForeignKey(Edition, verbose_name=_("editie"), on_delete=models.CASCADE, related_name="headcounts")
    year = models.PositiveSmallIntegerField(_("jaar"))
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisatie"), on_delete=models.PROTECT, related_name="+"
    )
    measure = models.ForeignKey(Measure, verbose_name=_("maatregel"), on_delete=models.PROTECT, related_name="+")
    trede = models.PositiveSmallIntegerField(_("trede"), choices=Trede.choices)
    group = models.CharField(_("groep"), max_length=100, blank=True)
    region = models.ForeignKey(Region, verbose_name=_("regio"), on_delete=models.PROTECT, related_name="+")
    persons = models.IntegerField(_("personen"))
    fte = models.DecimalField(_("VTE"), max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("editietelling")
        verbose_name_plural = _("editietellingen")
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "year", "organisation", "measure", "region"], name="editionheadcount_unique_key"
            ),
            models.CheckConstraint(condition=year_in_range("year"), name="editionheadcount_year_range"),
            models.CheckConstraint(condition=Q(persons__gte=0), name="editionheadcount_persons_not_negative"),
        ]
        triggers = [pgtrigger.Protect(name="frozen", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.edition} {self.year} {self.measure_id} {self.region_id}: {self.persons}"


class Scope(models.TextChoices):
    VALIDATED = "validated", _("gevalideerd")
    PROVISIONAL = "provisional", _("voorlopig")


class AggregateQuerySet(models.QuerySet["Aggregate"]):
    def headline(self) -> AggregateQuerySet:
        return self.filter(trede__isnull=True)

    def trede_totals(self) -> AggregateQuerySet:
        return self.filter(trede__isnull=False, group="")

    def scope(self, scope: str) -> AggregateQuerySet:
        return self.filter(scope=scope)


class Aggregate(models.Model):
    """A figure materialised by the workers (services/aggregation.py); never written anywhere else.

    trede, group and measure empty = headline (treden 3-5); group and measure empty = trede total (its
    measures plus its overlap corrections); measure empty = measure group; all filled = one measure.
    Exactly one of region and grouping is set.
    """

    year = models.PositiveSmallIntegerField(_("jaar"))
    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices)
    region = models.ForeignKey(Region, verbose_name=_("regio"), null=True, on_delete=models.CASCADE, related_name="+")
    grouping = models.ForeignKey(
        RegionGrouping, verbose_name=_("regio-indeling"), null=True, on_delete=models.CASCADE, related_name="+"
    )
    trede = models.PositiveSmallIntegerField(_("trede"), choices=Trede.choices, null=True)
    group = models.CharField(_("groep"), max_length=100, blank=True)
    measure = models.ForeignKey(
        Measure, verbose_name=_("maatregel"), null=True, on_delete=models.CASCADE, related_name="+"
    )
    persons = models.BigIntegerField(_("personen"))
    computed_at = models.DateTimeField(_("berekend op"))

    objects = AggregateQuerySet.as_manager()

    class Meta:
        verbose_name = _("aggregaat")
        verbose_name_plural = _("aggregaten")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "scope", "region", "grouping", "trede", "group", "measure"],
                nulls_distinct=False,
                name="aggregate_unique_key",
            ),
            models.CheckConstraint(
                condition=Q(region__isnull=True) ^ Q(grouping__isnull=True), name="aggregate_region_xor_grouping"
            ),
            models.CheckConstraint(condition=year_in_range("year"), name="aggregate_year_range"),
        ]
        indexes = [
            models.Index(fields=["region", "year", "scope"], name="aggregate_region_year"),
            models.Index(fields=["grouping", "year", "scope"], name="aggregate_grouping_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.region or self.grouping} {self.trede or '3-5'}: {self.persons}"


class AggregateLeaf(models.Model):
    """Headcounts summed per year, region and measure over all submissions: the roll-up's input, kept so
    that a change to one submission re-sums only its own keys."""

    year = models.PositiveSmallIntegerField()
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="+")
    validated = models.BigIntegerField()
    provisional = models.BigIntegerField()
    has_validated = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["year", "region", "measure"], name="aggregateleaf_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.region_id} {self.measure_id}: {self.validated}/{self.provisional}"


class AggregateYear(models.Model):
    """When a year's aggregates were last computed. Written by the recompute only, so writers never wait on
    it; what is still to do lives in AggregateDirtyKey."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    computed_at = models.DateTimeField(null=True)
    runs = models.PositiveBigIntegerField(db_default=0, help_text="recomputes that did work, for the benchmarks")

    class Meta:
        verbose_name = _("aggregatiestatus")
        verbose_name_plural = _("aggregatiestatus")

    def __str__(self) -> str:
        return f"{self.year}: {self.computed_at}"


class AggregateDirtyKey(models.Model):
    """What changed since the last recompute of a year; region empty = the whole year. A year with keys
    has a recompute pending; writers only insert here, so concurrent saves do not wait on each other."""

    year = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(db_default=Now())
    region = models.ForeignKey(Region, null=True, on_delete=models.CASCADE, related_name="+")
    measure = models.ForeignKey(Measure, null=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["year"], name="aggregatedirtykey_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.region_id or '*'} {self.measure_id or '*'}"


class ImportJob(models.Model):
    """One upload through the portal or the admin: checked in a dry run, then imported after confirmation.
    Large files run in a Celery task; the page polls the job."""

    class Kind(models.TextChoices):
        HEADCOUNTS = "headcounts", _("tellingen")
        ORGANISATIONS = "organisations", _("organisaties")

    class Status(models.TextChoices):
        QUEUED = "queued", _("in de wachtrij")
        RUNNING = "running", _("bezig")
        DONE = "done", _("klaar")
        FAILED = "failed", _("mislukt")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices)
    filename = models.CharField(_("bestand"), max_length=255)
    data = models.BinaryField(editable=False)
    rows = models.PositiveIntegerField(_("rijen"), default=0)
    dry_run = models.BooleanField(_("proefdraai"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    result = models.JSONField(_("resultaat"), null=True, blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    finished_at = models.DateTimeField(_("klaar op"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


# --- audit trail ---------------------------------------------------------------------------------------------
# django-pghistory's database triggers write a snapshot of every inserted, updated and deleted row into an event
# table, with the context of the change (who, why, how: inventory/history.py). Triggers see what signals do not:
# the imports' COPY and INSERT ... ON CONFLICT, bulk_create, QuerySet.update. Statement-level triggers write
# one INSERT ... SELECT per statement, whatever its number of rows. Append-only: no update or delete of events.
# "baseline" events (migration 0006) are the rows as they were when recording started.

HISTORY_BASELINE = "baseline"


def history_trackers() -> tuple[pghistory.RowEvent, ...]:
    return (
        pghistory.InsertEvent(trigger_name="history_insert"),
        pghistory.UpdateEvent(trigger_name="history_update"),
        pghistory.DeleteEvent(trigger_name="history_delete"),
    )


def history_base(model: type[models.Model], **kwargs: Any) -> type[models.Model]:
    return pghistory.create_event_model(model, *history_trackers(), level=pghistory.Statement, **kwargs)


def history_append_only() -> list[pgtrigger.Protect]:
    return [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]


def history_indexes(table: str, *more: models.Index) -> list[models.Index]:
    # An object's events in order: its history in the admin and the previous snapshot of each event.
    return [models.Index(fields=["pgh_obj", "pgh_id"], name=f"{table}_obj"), *more]


class SubmissionEvent(history_base(Submission, exclude=["version", "updated_at"])):
    """Version and updated_at change with every headcount write; the headcount's own event says what changed."""

    class Meta:
        verbose_name = _("wijziging van een aangifte")
        verbose_name_plural = _("wijzigingen van aangiften")
        indexes = history_indexes("submissionevent")
        triggers = history_append_only()


class HeadcountEvent(history_base(Headcount)):
    class Meta:
        verbose_name = _("wijziging van een telling")
        verbose_name_plural = _("wijzigingen van tellingen")
        indexes = history_indexes(
            "headcountevent", models.Index(fields=["submission"], name="headcountevent_submission")
        )
        triggers = history_append_only()


class OverlapCorrectionEvent(history_base(OverlapCorrection)):
    class Meta:
        verbose_name = _("wijziging van een overlapcorrectie")
        verbose_name_plural = _("wijzigingen van overlapcorrecties")
        indexes = history_indexes("overlapcorrectionevent")
        triggers = history_append_only()


class MeasureEvent(history_base(Measure)):
    class Meta:
        verbose_name = _("wijziging van een maatregel")
        verbose_name_plural = _("wijzigingen van maatregelen")
        indexes = history_indexes("measureevent")
        triggers = history_append_only()


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
