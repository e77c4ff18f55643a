"""Editions: frozen, named snapshots of the validated figures, published by a coordinator."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inventory.models.reference import Measure, Organisation, Region, RegionGrouping, Trede, year_in_range


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
