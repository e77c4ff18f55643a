"""Aggregates and an edition's figures in the export's shape, and their freshness."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.constants import GROUPING_LEVEL
from inventory.models import (
    Aggregate,
    AggregateDirtyKey,
    AggregateYear,
    Edition,
    EditionFigure,
    Measure,
    Region,
    RegionGrouping,
    Scope,
    Trede,
)
from inventory.parsing import YEARS, parameter_number
from inventory.services.workers import workers_alive_for

FiguresT = TypeVar("FiguresT", bound="QuerySet[Any]")


class AggregateColumn(IntEnum):
    """The aggregate export's columns (and the API's), by their position in a row tuple: row[A.persons]."""

    year = 0
    region = 1
    region_name = 2
    level = 3
    trede = 4
    group = 5
    measure = 6
    persons = 7
    scope = 8
    computed_at = 9


AGGREGATE_COLUMNS = [column.name for column in AggregateColumn]


@dataclass(frozen=True)
class AggregateFilters:
    years: list[int] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    treden: list[int] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    scope: str = Scope.VALIDATED

    @staticmethod
    def values_of(params: dict[str, list[str]], name: str) -> list[str]:
        """A parameter's values: it may repeat or hold commas; spaces around a value do not count."""
        return [v.strip() for raw in params.get(name, []) for v in raw.split(",") if v.strip()]

    @classmethod
    def scope_of(cls, params: dict[str, list[str]]) -> str:
        """The scope the parameters ask for, read as `parse` reads it (the first value): what access checks."""
        return (cls.values_of(params, "scope") or [Scope.VALIDATED])[0]

    @classmethod
    def parse(cls, params: dict[str, list[str]]) -> AggregateFilters:
        """From query parameters (each may repeat or hold commas); Dutch errors naming parameter and value."""

        def values(name: str) -> list[str]:
            return cls.values_of(params, name)

        def integers(name: str, low: int, high: int) -> list[int]:
            return [parameter_number(name, value, low=low, high=high) for value in values(name)]

        scope = cls.scope_of(params)
        if scope not in Scope.values:
            raise ValidationError(
                _("Parameter scope: ‘%(value)s’ is onbekend; verwacht validated of provisional.") % {"value": scope}
            )
        regions = values("region")
        known = set(Region.objects.filter(code__in=regions).values_list("code", flat=True))
        known |= set(RegionGrouping.objects.filter(code__in=regions).values_list("code", flat=True))
        for region in regions:
            if region not in known:
                raise ValidationError(_("Parameter region: onbekende regio ‘%(value)s’.") % {"value": region})
        measures = values("measure")
        known_measures = set(Measure.objects.filter(code__in=measures).values_list("code", flat=True))
        for measure in measures:
            if measure not in known_measures:
                raise ValidationError(_("Parameter measure: onbekende maatregel ‘%(value)s’.") % {"value": measure})
        return cls(
            years=integers("year", *YEARS),
            regions=regions,
            treden=integers("trede", min(Trede.values), max(Trede.values)),
            measures=measures,
            scope=scope,
        )


def place_ids_q(codes: list[str]) -> Q:
    """Figures (aggregates, an edition's) of these regions or groupings, on ids looked up first: then the
    (region, year, scope) and (grouping, year, scope) indexes answer, where an OR on the joined codes, or on
    subqueries, reads every figure of the years."""
    with connection.cursor() as cursor:
        cursor.execute(
            """select id, false from inventory_region where code = any(%(codes)s)
               union all select id, true from inventory_regiongrouping where code = any(%(codes)s)""",
            {"codes": list(codes)},
        )
        found = cursor.fetchall()
    regions = [pk for pk, grouping in found if not grouping]
    groupings = [pk for pk, grouping in found if grouping]
    return Q(region_id__in=regions) | Q(grouping_id__in=groupings)


def aggregate_queryset(filters: AggregateFilters) -> QuerySet[Aggregate]:
    return figure_shape(figures_filtered(Aggregate.objects.filter(scope=filters.scope), filters))


def figures_filtered(qs: FiguresT, filters: AggregateFilters) -> FiguresT:
    """Aggregates or an edition's figures (the same columns) narrowed by the filters."""
    if filters.years:
        qs = qs.filter(year__in=filters.years)
    if filters.regions:
        qs = qs.filter(place_ids_q(filters.regions))
    if filters.treden:
        qs = qs.filter(trede__in=filters.treden)
    if filters.measures:
        qs = qs.filter(measure__code__in=filters.measures)
    return qs


def figure_shape(qs: FiguresT) -> FiguresT:
    """The names and order of AGGREGATE_FIELDS on aggregates or on an edition's figures (same columns)."""
    return qs.annotate(
        region_code=Coalesce(F("region__code"), F("grouping__code"), output_field=CharField()),
        region_label=Coalesce(F("region__name"), F("grouping__name"), output_field=CharField()),
        level=Case(
            When(grouping__isnull=False, then=Value(GROUPING_LEVEL)),
            default=F("region__level"),
            output_field=CharField(),
        ),
        measure_code=F("measure__code"),
    ).order_by(
        "year", "region_code", F("trede").asc(nulls_first=True), "group", F("measure_code").asc(nulls_first=True)
    )


# The queryset's names for AGGREGATE_COLUMNS, in that order.
AGGREGATE_FIELDS = (
    "year",
    "region_code",
    "region_label",
    "level",
    "trede",
    "group",
    "measure_code",
    "persons",
    "scope",
    "computed_at",
)
# Rows stream from a server-side cursor in chunks of this many.
CHUNK_SIZE = 5000


def aggregate_values(
    filters: AggregateFilters, *, offset: int = 0, limit: int | None = None
) -> Iterator[tuple[object, ...]]:
    """One tuple per figure in AGGREGATE_COLUMNS order, streamed from a server-side cursor."""
    rows = aggregate_queryset(filters).values_list(*AGGREGATE_FIELDS)
    if offset or limit is not None:
        rows = rows[offset : offset + limit if limit is not None else None]
    return rows.iterator(chunk_size=CHUNK_SIZE)


def aggregate_keyed_values(*, year: int, scope: str, edition: Edition | None = None) -> list[tuple[Any, ...]]:
    """A whole year of aggregates (or of an edition's figures) in AGGREGATE_COLUMNS order, each followed by
    (region id, grouping id, measure id): the table small-cell protection works on (one year at a time, so memory
    stays bounded)."""
    filters = AggregateFilters(years=[year], scope=scope)
    qs = edition_aggregate_queryset(edition, filters) if edition else aggregate_queryset(filters)
    return list(qs.values_list(*AGGREGATE_FIELDS, "region_id", "grouping_id", "measure_id"))


def aggregate_years(*, scope: str = Scope.VALIDATED) -> list[int]:
    return sorted(Aggregate.objects.filter(scope=scope).values_list("year", flat=True).distinct())


def edition_aggregate_queryset(edition: Edition, filters: AggregateFilters) -> QuerySet[EditionFigure]:
    """An edition's figures with the names and order of the live aggregates' queryset (AGGREGATE_FIELDS)."""
    qs = figures_filtered(EditionFigure.objects.filter(edition=edition), filters)
    return figure_shape(
        qs.annotate(
            scope=Value(Scope.VALIDATED, output_field=CharField()),
            computed_at=Value(edition.created_at, output_field=DateTimeField()),
        )
    )


@dataclass(frozen=True)
class Freshness:
    computed_at: dt.datetime | None
    pending: bool
    pending_years: list[int]
    # Since when the oldest pending change waits, and whether no worker is alive to take it (a stopped or lost
    # worker): then pages say the recompute waits for the workers, instead of "bezig" forever.
    pending_since: dt.datetime | None = None
    waiting: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "computed_at": self.computed_at.isoformat() if self.computed_at else None,
            "recompute_pending": self.pending,
            "pending_years": self.pending_years,
        }

    def waiting_minutes(self) -> int:
        if not (self.waiting and self.pending_since):
            return 0
        return max(0, int((timezone.now() - self.pending_since).total_seconds() // 60))


def aggregates_freshness(years: list[int] | None = None) -> Freshness:
    """When the aggregates (of `years`, or all) were last computed and whether a recompute is pending."""
    states = AggregateYear.objects.all()
    dirty = AggregateDirtyKey.objects.all()
    if years:
        states, dirty = states.filter(year__in=years), dirty.filter(year__in=years)
    computed = states.aggregate(latest=Max("computed_at"))["latest"]
    marks = dirty.values("year").annotate(since=Min("created_at")).order_by("year")
    pending = [mark["year"] for mark in marks]
    since = min((mark["since"] for mark in marks), default=None)
    # Redis is asked only when something waits; when it cannot be asked, nothing is claimed.
    waiting = bool(pending) and workers_alive_for("aggregates") is False
    return Freshness(
        computed_at=computed, pending=bool(pending), pending_years=pending, pending_since=since, waiting=waiting
    )
