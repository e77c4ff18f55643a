"""Reads: aggregates in the export's shape, their freshness, and indicators derived from them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Case, CharField, F, Max, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from inventory.models import (
    Aggregate,
    AggregateDirtyKey,
    AggregateYear,
    ContextFigure,
    Measure,
    Region,
    RegionGrouping,
    Scope,
)

AGGREGATE_COLUMNS = [
    "year",
    "region",
    "region_name",
    "level",
    "trede",
    "group",
    "measure",
    "persons",
    "scope",
    "computed_at",
]
GROUPING_LEVEL = "regio-indeling"
FLANDERS = "02000"


@dataclass(frozen=True)
class AggregateFilters:
    years: list[int] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    treden: list[int] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    scope: str = Scope.VALIDATED

    @classmethod
    def parse(cls, params: dict[str, list[str]], *, allow_provisional: bool = True) -> AggregateFilters:
        """From query parameters (each may repeat or hold commas); Dutch errors naming parameter and value."""

        def values(name: str) -> list[str]:
            return [v.strip() for raw in params.get(name, []) for v in raw.split(",") if v.strip()]

        def integers(name: str, low: int, high: int) -> list[int]:
            result = []
            for value in values(name):
                if not value.isdigit() or not low <= int(value) <= high:
                    raise ValidationError(
                        _("Parameter %(name)s: ‘%(value)s’ is geen geheel getal van %(low)s tot %(high)s.")
                        % {"name": name, "value": value, "low": low, "high": high}
                    )
                result.append(int(value))
            return result

        scope = (values("scope") or [Scope.VALIDATED])[0]
        if scope not in Scope.values:
            raise ValidationError(
                _("Parameter scope: ‘%(value)s’ is onbekend; verwacht validated of provisional.") % {"value": scope}
            )
        if scope == Scope.PROVISIONAL and not allow_provisional:
            raise ValidationError(_("Voorlopige cijfers zijn enkel voor POM-medewerkers."))
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
            years=integers("year", 2000, 2100),
            regions=regions,
            treden=integers("trede", 3, 6),
            measures=measures,
            scope=scope,
        )


def aggregate_queryset(filters: AggregateFilters) -> QuerySet[Aggregate]:
    qs = Aggregate.objects.filter(scope=filters.scope)
    if filters.years:
        qs = qs.filter(year__in=filters.years)
    if filters.regions:
        qs = qs.filter(Q(region__code__in=filters.regions) | Q(grouping__code__in=filters.regions))
    if filters.treden:
        qs = qs.filter(trede__in=filters.treden)
    if filters.measures:
        qs = qs.filter(measure__code__in=filters.measures)
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


def aggregate_rows(
    filters: AggregateFilters, *, offset: int = 0, limit: int | None = None
) -> Iterator[dict[str, object]]:
    """One dict per figure with the export's columns, streamed from a server-side cursor."""
    rows = aggregate_queryset(filters).values_list(
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
    if offset or limit is not None:
        rows = rows[offset : offset + limit if limit is not None else None]
    for row in rows.iterator(chunk_size=5000):
        yield dict(zip(AGGREGATE_COLUMNS, row, strict=True))


@dataclass(frozen=True)
class Freshness:
    computed_at: dt.datetime | None
    pending: bool
    pending_years: list[int]

    def as_dict(self) -> dict[str, object]:
        return {
            "computed_at": self.computed_at.isoformat() if self.computed_at else None,
            "recompute_pending": self.pending,
            "pending_years": self.pending_years,
        }


def aggregates_freshness(years: list[int] | None = None) -> Freshness:
    """When the aggregates (of `years`, or all) were last computed and whether a recompute is pending."""
    states = AggregateYear.objects.all()
    dirty = AggregateDirtyKey.objects.all()
    if years:
        states, dirty = states.filter(year__in=years), dirty.filter(year__in=years)
    computed = states.aggregate(latest=Max("computed_at"))["latest"]
    pending = sorted(set(dirty.values_list("year", flat=True)))
    return Freshness(computed_at=computed, pending=bool(pending), pending_years=pending)


def year_pending(year: int) -> bool:
    return AggregateDirtyKey.objects.filter(year=year).exists()


# --- derived indicators -------------------------------------------------------------------------------------


def change(old: int | None, new: int | None) -> tuple[int | None, Decimal | None]:
    """(absolute, %) change from old to new; % is None when old is 0 or missing."""
    if old is None or new is None:
        return None, None
    pct = (Decimal(new - old) * 100 / old) if old else None
    return new - old, pct


def share(part: int | Decimal | None, whole: int | Decimal | None) -> Decimal | None:
    if part is None or not whole:
        return None
    return Decimal(part) * 100 / Decimal(whole)


@dataclass(frozen=True)
class SeriesPoint:
    year: int
    persons: int | None
    change_previous: int | None
    change_previous_pct: Decimal | None
    change_base: int | None
    change_base_pct: Decimal | None
    flanders: int | None
    share_of_flanders: Decimal | None


def aggregate_series(
    *,
    region: str,
    years: list[int],
    base_year: int,
    trede: int | None = None,
    group: str = "",
    measure: str | None = None,
    scope: str = Scope.VALIDATED,
) -> list[SeriesPoint]:
    """A figure over the years with its change against the previous year and the base year and its share of
    Flanders, in one query."""
    wanted = sorted(set(years) | {base_year} | {y - 1 for y in years})
    qs = Aggregate.objects.filter(
        scope=scope, year__in=wanted, trede=trede, group=group, region__code__in=[region, FLANDERS]
    )
    qs = qs.filter(measure__code=measure) if measure else qs.filter(measure__isnull=True)
    values = {(code, year): persons for code, year, persons in qs.values_list("region__code", "year", "persons")}
    points = []
    for year in years:
        persons = values.get((region, year))
        previous = change(values.get((region, year - 1)), persons)
        base = change(values.get((region, base_year)), persons)
        flanders = values.get((FLANDERS, year))
        points.append(SeriesPoint(year, persons, *previous, *base, flanders, share(persons, flanders)))
    return points


def share_of_context(*, region: str, year: int, indicator: str, persons: int | None) -> Decimal | None:
    """`persons` as a % of a context figure (63.552 of 433.385 wage earners = 14,7 %)."""
    figure = ContextFigure.objects.filter(region__code=region, year=year, indicator=indicator).first()
    return share(persons, figure.value) if figure else None
