"""Indicators derived on read: changes, shares, a figure's series."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from inventory.constants import FLANDERS


def change(old: int | None, new: int | None) -> tuple[int | None, Decimal | None]:
    """(absolute, %) change from old to new; % is None when old is 0 or missing."""
    if old is None or new is None:
        return None, None
    pct = (Decimal(new - old) * 100 / old) if old else None
    return new - old, pct


def fte_sum(total: Decimal | None, fte: Decimal | None) -> Decimal | None:
    """A running total of full-time equivalents: only figures with a VTE count, and where none has one the total
    stays None ("–", not 0)."""
    if fte is None:
        return total
    return fte if total is None else total + fte


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
