"""Indicators derived on read: changes, shares, a figure's series."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from inventory.constants import FLANDERS
from inventory.models import (
    Aggregate,
    ContextFigure,
    Scope,
)


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


def series_point(value: Callable[[str, int], int | None], *, region: str, year: int, base_year: int) -> SeriesPoint:
    """A figure in `year` with its change against the previous year and the base year and its share of Flanders;
    `value(region code, year)` reads the figure."""
    persons, flanders = value(region, year), value(FLANDERS, year)
    return SeriesPoint(
        year,
        persons,
        *change(value(region, year - 1), persons),
        *change(value(region, base_year), persons),
        flanders,
        share(persons, flanders),
    )


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

    def value(code: str, year: int) -> int | None:
        return values.get((code, year))

    return [series_point(value, region=region, year=year, base_year=base_year) for year in years]


def share_of_context(*, region: str, year: int, indicator: str, persons: int | None) -> Decimal | None:
    """`persons` as a % of a context figure (63.552 of 433.385 wage earners = 14,7 %)."""
    figure = ContextFigure.objects.filter(region__code=region, year=year, indicator=indicator).first()
    return share(persons, figure.value) if figure else None
