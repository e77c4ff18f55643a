"""Aggregates materialised by the workers (services/aggregation.py) and what they still have to do."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from inventory.models.collection import Scope
from inventory.models.reference import Measure, Region, RegionGrouping, Trede, year_in_range


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
