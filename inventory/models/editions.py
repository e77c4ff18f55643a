"""Editions: frozen, named snapshots of the validated figures, published by a coordinator."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from inventory.models.reference import (
    Indicator,
    Measure,
    Organisation,
    Region,
    RegionGrouping,
    Trede,
    year_in_range,
)


class Licence(models.TextChoices):
    """The licences an edition can be published under (the open-data site and the DCAT catalogue name them);
    CC BY 4.0 unless staff choose another."""

    CC_BY_4_0 = "CC-BY-4.0", "Creative Commons Naamsvermelding 4.0 (CC BY 4.0)"
    CC0_1_0 = "CC0-1.0", "Creative Commons Zero 1.0 (CC0)"
    MODEL_FREE = "modellicentie-gratis-hergebruik", "Modellicentie voor gratis hergebruik (Vlaamse overheid)"

    @property
    def url(self) -> str:
        return LICENCE_URLS[self.value]


LICENCE_URLS: dict[str, str] = {
    Licence.CC_BY_4_0: "https://creativecommons.org/licenses/by/4.0/",
    Licence.CC0_1_0: "https://creativecommons.org/publicdomain/zero/1.0/",
    Licence.MODEL_FREE: "https://data.vlaanderen.be/id/licentie/modellicentie-gratis-hergebruik/v1.0",
}


class EditionQuerySet(models.QuerySet["Edition"]):
    def current(self) -> EditionQuerySet:
        """Editions that are not withdrawn: the ones defaults and listings offer."""
        return self.filter(withdrawn_at__isnull=True)


class Edition(models.Model):  # type: ignore[django-manager-missing]  # 'events' comes from pghistory's event model, built at run time
    """A published, frozen set of figures ("Inventaris 2019"); later corrections go into a new edition.

    A withdrawn edition stays frozen and reachable (with a banner), but leaves every default and listing."""

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
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("vervangt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    withdrawn_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ingetrokken door"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawn_reason = models.TextField(_("reden van intrekken"), blank=True)
    # The state of each frozen year when it was published ({"2020": {"state": "collecting", ...}},
    # YearStatus.as_dict()): an edition that froze an incomplete year says so for as long as it exists.
    year_states = models.JSONField(_("jaarstatus bij publicatie"), default=dict, blank=True, editable=False)
    licence = models.CharField(_("licentie"), max_length=40, choices=Licence.choices, default=Licence.CC_BY_4_0)
    # Set (and moved) after publication, like Statistiek Vlaanderen's "volgende update": the only date that may.
    next_edition_on = models.DateField(_("volgende editie verwacht op"), null=True, blank=True)

    objects = EditionQuerySet.as_manager()

    class Meta:
        verbose_name = _("editie")
        verbose_name_plural = _("edities")
        ordering = ["-reference_year", "-published_on", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=year_in_range("reference_year"), name="edition_year_range"),
            # Withdrawn means a time and a reason, together.
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_reason="", withdrawn_by__isnull=True)
                | (Q(withdrawn_at__isnull=False) & ~Q(withdrawn_reason="")),
                name="edition_withdrawn_with_reason",
            ),
        ]
        # Published means frozen: only the publisher and withdrawer links may change (emptied when the user is
        # deleted), and the withdrawal may be set once, from empty.
        triggers = [
            pgtrigger.Protect(
                name="frozen_update",
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange(
                    exclude=["published_by", "withdrawn_at", "withdrawn_by", "withdrawn_reason", "next_edition_on"]
                ),
            ),
            pgtrigger.Protect(
                name="withdrawn_once",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(
                    "OLD.withdrawn_at IS NOT NULL AND (NEW.withdrawn_at IS DISTINCT FROM OLD.withdrawn_at"
                    " OR NEW.withdrawn_reason IS DISTINCT FROM OLD.withdrawn_reason"
                    " OR (NEW.withdrawn_by_id IS NOT NULL"
                    " AND NEW.withdrawn_by_id IS DISTINCT FROM OLD.withdrawn_by_id))"
                ),
            ),
            pgtrigger.Protect(name="frozen_delete", operation=pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def slug(self) -> str:
        """Its part of the public site's URLs (/cijfers/inventaris-2019/): made from the name, which never changes
        once published, so the URLs never do either (publishing refuses a name whose slug is taken)."""
        return slugify(self.name)

    @property
    def licence_url(self) -> str:
        return LICENCE_URLS.get(self.licence, "")

    @property
    def incomplete_years(self) -> list[int]:
        """The years this edition froze while they were still being collected (YearState.COLLECTING, recorded at
        publication; editions from before states were recorded hold none)."""
        return sorted(int(y) for y, state in (self.year_states or {}).items() if state.get("state") == "collecting")

    @property
    def complete(self) -> bool:
        """Whether its reference year was complete when it was published."""
        return self.reference_year not in self.incomplete_years

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


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
    estimated = models.BooleanField(_("schatting"), default=False, db_default=False)

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


class EditionContextFigure(models.Model):
    """One frozen context figure of an edition (population, employment rate, wage earners): the indicators an
    edition publishes are computed from these, so a later correction of a context figure does not change it."""

    edition = models.ForeignKey(
        Edition, verbose_name=_("editie"), on_delete=models.CASCADE, related_name="context_figures"
    )
    year = models.PositiveSmallIntegerField(_("jaar"))
    region = models.ForeignKey(Region, verbose_name=_("regio"), on_delete=models.PROTECT, related_name="+")
    indicator = models.CharField(_("indicator"), max_length=40, choices=Indicator.choices)
    value = models.DecimalField(_("waarde"), max_digits=14, decimal_places=2)
    source = models.CharField(_("bron"), max_length=200)
    synthetic = models.BooleanField(_("synthetisch"), default=False)

    class Meta:
        verbose_name = _("editiecontextcijfer")
        verbose_name_plural = _("editiecontextcijfers")
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "year", "region", "indicator"], name="editioncontextfigure_unique_key"
            ),
            models.CheckConstraint(condition=year_in_range("year"), name="editioncontextfigure_year_range"),
        ]
        triggers = [pgtrigger.Protect(name="frozen", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.edition} {self.indicator} {self.region_id} {self.year}: {self.value}"
