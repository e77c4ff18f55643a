"""Reference data: regions and their groupings, organisations, the measure catalogue, context figures.

Models carry data, named database constraints and query vocabulary; rules live in services/.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Expression, F, Q
from django.db.models.functions import Cast, Mod, Substr
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from inventory.kbo import format_kbo

YEAR_MIN = 2000
YEAR_MAX = 2100

# Models that staff can bulk-load: "import" is a permission of its own (django-import-export checks it).
IMPORTABLE = ("add", "change", "delete", "view", "import")


def year_in_range(field: str) -> Q:
    return Q(**{f"{field}__gte": YEAR_MIN, f"{field}__lte": YEAR_MAX})


def valid_in(year: int | Expression | F, prefix: str = "") -> Q:
    """Rows whose [first_year, last_year] covers `year` (an empty bound is open); `year` may be a column
    (OuterRef). The one definition of "valid in a year"; `covers` is the same in Python."""
    return (Q(**{f"{prefix}first_year__isnull": True}) | Q(**{f"{prefix}first_year__lte": year})) & (
        Q(**{f"{prefix}last_year__isnull": True}) | Q(**{f"{prefix}last_year__gte": year})
    )


def covers(first_year: int | None, last_year: int | None, year: int) -> bool:
    """Whether [first_year, last_year] covers `year` (an empty bound is open): `valid_in` for loaded rows."""
    return (first_year is None or first_year <= year) and (last_year is None or year <= last_year)


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

    def valid_in(self, year: int) -> RegionQuerySet:
        return self.filter(valid_in(year))


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

    def is_valid_in(self, year: int) -> bool:
        return covers(self.first_year, self.last_year, year)


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


class CountedAt(models.TextChoices):
    """Where a measure's source places a person: the workplace (the employer's establishment) or the home."""

    WORKPLACE = "werkplaats", _("werkplaats")
    RESIDENCE = "woonplaats", _("woonplaats")


class MeasureQuerySet(models.QuerySet["Measure"]):
    def valid_in(self, year: int) -> MeasureQuerySet:
        return self.filter(valid_in(year))

    def for_kind(self, kind: str) -> MeasureQuerySet:
        return self.filter(reporter_kinds__contains=[kind])


class Measure(models.Model):  # type: ignore[django-manager-missing]  # 'events' comes from pghistory's event model, built at run time
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
    counted_at = models.CharField(
        _("geteld naar"),
        max_length=20,
        choices=CountedAt.choices,
        default=CountedAt.WORKPLACE,
        db_default=CountedAt.WORKPLACE,
        help_text=_("telt de bron de personen in de gemeente waar ze werken of waar ze wonen?"),
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
        return covers(self.first_year, self.last_year, year)


class Indicator(models.TextChoices):
    LOONTREKKENDEN = "loontrekkenden", _("loontrekkenden")
    BEVOLKING_18_64 = "bevolking-18-64", _("bevolking 18-64 jaar")
    BEVOLKING_20_64 = "bevolking-20-64", _("bevolking 20-64 jaar")
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
