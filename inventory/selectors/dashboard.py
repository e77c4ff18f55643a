"""The dashboard and Kerncijfers, computed from a source's figures (selectors/sources.py) in a fixed number of
queries, whatever the size of the data."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from inventory import charts
from inventory.constants import FLANDERS
from inventory.models import (
    ContextFigure,
    EditionContextFigure,
    Trede,
)
from inventory.selectors.figures import Freshness
from inventory.selectors.indicators import SeriesPoint, change, series_point, share
from inventory.selectors.sources import (
    APART,
    LADDER,
    FigureSource,
    OwnSource,
    Place,
    Source,
    Values,
    place_children,
)
from inventory.selectors.years import YearStatus, default_year, incomplete_labels, incomplete_note

# --- dashboard ------------------------------------------------------------------------------------------------

# Kerncijfers: the trends the press release names.
TREND_TREDE = 4
TREND_GROUP = "doelgroepkortingen"
TREND_TARGET_GROUP = "jongeren"
WAGE_EARNERS = "loontrekkenden"
# Beside a year that is not complete in the series chart and its table, explained in a note under the chart.
INCOMPLETE_MARK = "*"


@dataclass(frozen=True)
class Rung:
    trede: int
    label: str
    persons: int | None
    share: Decimal | None
    groups: list[tuple[str, int | str]]  # a group's persons, or on the public site the mark of a hidden count
    mark: str = ""  # the public site's mark of a hidden count ("<5", "x") where persons is None


@dataclass(frozen=True)
class CompareRow(SeriesPoint):
    """A trede's (or the headline's) point of the chosen year, with its label."""

    label: str = ""


@dataclass(frozen=True)
class SeriesRow:
    year: int
    treden: list[int | None]  # in LADDER order reversed: 3, 4, 5
    total: int | None
    apart: int | None
    label: str = ""  # the year, marked when it is not complete
    note: str = ""  # why it is marked (its year state's label)


@dataclass(frozen=True)
class ChildRow:
    place: Place
    treden: list[int | None]  # 3, 4, 5
    total: int | None
    change_previous_pct: Decimal | None


@dataclass
class Dashboard:
    place: Place
    year: int
    years: list[int]
    base_year: int
    source_label: str
    own: bool
    with_flanders: bool = True
    rungs: list[Rung] = field(default_factory=list)
    apart: Rung | None = None
    headline: int | None = None
    headline_mark: str = ""  # as Rung.mark
    comparison: list[CompareRow] = field(default_factory=list)
    series: list[SeriesRow] = field(default_factory=list)
    children_title: str = ""
    children: list[ChildRow] = field(default_factory=list)
    freshness: Freshness | None = None
    ladder_chart: charts.BarChart | None = None
    series_chart: charts.ColumnChart | None = None
    series_notes: list[str] = field(default_factory=list)  # under the series chart: what its marks mean
    # Year states (selectors/years.py): the label of the chosen year and of the years it is compared with, when
    # they are not complete; empty when they are. For an organisation's own figures: why a year is not final.
    year_label: str = ""
    previous_label: str = ""
    base_label: str = ""
    incomplete_years: dict[int, str] = field(default_factory=dict)
    # Beside every figure block of the chosen year when it is not complete (the banner above says why).
    year_mark: str = ""
    # Beside a change against the previous and the first year: which of the two years is incomplete, and why.
    previous_note: str = ""
    base_note: str = ""


def _groups(values: Values, code: str, year: int, trede: int) -> list[tuple[str, int | str]]:
    """A trede's measure groups at a place in a year, largest first."""
    found = [(g, n) for (c, y, t, g), n in values.items() if c == code and y == year and t == trede and g]
    return [(g, n) for g, n in sorted(found, key=lambda item: (-item[1], item[0]))]


def trede_label(trede: int | None) -> str:
    return _("Treden 3-5") if trede is None else str(Trede(trede).label)


def trede_short(trede: int) -> str:
    """For charts, where the full label does not fit: the table beside the chart has it."""
    return _("Trede %(trede)s") % {"trede": trede}


def dashboard(
    *,
    source: Source,
    place: Place,
    year: int | None = None,
    years: list[int] | None = None,
    states: dict[int, YearStatus] | None = None,
    open_years: Collection[int] = (),
) -> Dashboard | None:
    """Everything the dashboard shows for one place and year; None when the source has no years at all.
    `years`: the source's years when the caller has them already. With `states` (year_states()), the default
    is the latest complete year and every incomplete year shown is labelled. An organisation's own figures
    label the years POM has not validated yet and those of `open_years` (rounds still open) instead."""
    years = source.years() if years is None else years
    if not years:
        return None
    if year not in years:
        year = default_year(years, states) if states is not None else years[-1]
    assert year is not None  # years is not empty
    base_year = years[0]
    own = isinstance(source, OwnSource)
    with_flanders = not own and place.code != FLANDERS
    places = [place.code, FLANDERS] if with_flanders else [place.code]
    values = source.values(places, years)
    result = Dashboard(
        place=place,
        year=year,
        years=years,
        base_year=base_year,
        source_label=str(source.label),
        own=own,
        with_flanders=with_flanders,
        freshness=source.freshness(),
    )
    if isinstance(source, OwnSource):
        labels = source.provisional_labels(open_years)
        mark = _("voorlopig")
    else:
        labels = incomplete_labels(sorted({*years, year - 1}), states or {})
        mark = _("voorlopig: %(year)s onvolledig") % {"year": year}
    result.year_label, result.previous_label = labels.get(year, ""), labels.get(year - 1, "")
    result.base_label = labels.get(base_year, "")
    result.year_mark = mark if result.year_label else ""
    result.previous_note = incomplete_note(labels, [year, year - 1])
    result.base_note = incomplete_note(labels, [year, base_year])
    result.incomplete_years = {y: label for y, label in labels.items() if y in years}

    def get(code: str, y: int, trede: int | None = None, group: str = "") -> int | None:
        return values.get((code, y, trede, group))

    result.headline = get(place.code, year)
    trede: int | None  # None: the total of treden 3-5, below
    for trede in (*LADDER, APART):
        persons = get(place.code, year, trede)
        groups = _groups(values, place.code, year, trede)
        rung = Rung(trede, trede_label(trede), persons, share(persons, result.headline), groups)
        if trede == APART:
            result.apart = rung if persons is not None else None
        else:
            result.rungs.append(rung)
    for trede in (None, *LADDER):

        def value(code: str, y: int, trede: int | None = trede) -> int | None:
            return get(code, y, trede) if code != FLANDERS or with_flanders else None

        point = series_point(value, region=place.code, year=year, base_year=base_year)
        result.comparison.append(CompareRow(**vars(point), label=trede_label(trede)))
    for y in years:
        note = result.incomplete_years.get(y, "")
        result.series.append(
            SeriesRow(
                y,
                [get(place.code, y, t) for t in reversed(LADDER)],
                get(place.code, y),
                get(place.code, y, APART),
                label=f"{y}{INCOMPLETE_MARK}" if note else str(y),
                note=note,
            )
        )
        if note:
            result.series_notes.append(f"{INCOMPLETE_MARK} {incomplete_note(result.incomplete_years, [y])}")
    title, children = place_children(place, year)
    child_values = source.values([c.code for c in children], [year - 1, year], groups=False)
    result.children_title = title
    for child in children:
        total = child_values.get((child.code, year, None, ""))
        previous = child_values.get((child.code, year - 1, None, ""))
        treden = [child_values.get((child.code, year, t, "")) for t in reversed(LADDER)]
        if total is None and previous is None and not any(treden):
            continue
        result.children.append(ChildRow(child, treden, total, change(previous, total)[1]))
    result.ladder_chart = charts.ladder_chart([(trede_short(r.trede), r.persons, r.trede) for r in result.rungs])
    result.series_chart = charts.stacked_columns(
        [row.label for row in result.series],
        [(trede_short(t), t, [row.treden[i] for row in result.series]) for i, t in enumerate(reversed(LADDER))],
        marked=[i for i, row in enumerate(result.series) if row.note],
        labels=[row.total for row in result.series],
    )
    return result


# --- Kerncijfers ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trend:
    label: str
    base: int | None
    value: int | None
    change: int | None
    change_pct: Decimal | None
    flanders_change_pct: Decimal | None


@dataclass(frozen=True)
class KeyFigures:
    place: Place
    year: int
    previous_year: int
    base_year: int
    source_label: str
    total: int | None
    previous_total: int | None
    base_total: int | None
    change_previous: int | None
    change_previous_pct: Decimal | None
    change_base: int | None
    change_base_pct: Decimal | None
    treden: list[tuple[int, str, int | None]]
    trede5_groups: list[tuple[str, int | str]]
    flanders_total: int | None
    share_of_flanders: Decimal | None
    wage_earners: Decimal | None
    share_of_wage_earners: Decimal | None
    trends: list[Trend]
    year_label: str = ""
    previous_label: str = ""
    base_label: str = ""
    previous_note: str = ""  # as the dashboard's
    base_note: str = ""
    year_mark: str = ""  # beside every figure of an incomplete year, as on the dashboard


def key_figures(
    *,
    source: FigureSource,
    place: Place,
    year: int | None = None,
    years: list[int] | None = None,
    states: dict[int, YearStatus] | None = None,
) -> KeyFigures | None:
    """The headline facts of the press release, computed from the figures of `source` (four queries). With
    `states` (live figures), the default is the latest complete year and incomplete years are labelled."""
    years = source.years() if years is None else years
    if not years:
        return None
    if year not in years:
        if source.edition:
            year = source.edition.reference_year
        else:
            year = default_year(years, states) if states is not None else years[-1]
    assert year is not None  # years is not empty
    base_year = years[0]
    wanted = sorted({base_year, year - 1, year})
    labels = incomplete_labels(wanted, states or {})
    places = [place.code] if place.code == FLANDERS else [place.code, FLANDERS]
    values = source.values(places, wanted)
    young = source.target_group_values(places, wanted, TREND_TARGET_GROUP)
    # An edition's own frozen context figure: a later correction of the live one does not change it.
    contexts = (
        EditionContextFigure.objects.filter(edition=source.edition) if source.edition else ContextFigure.objects.all()
    )
    context = contexts.filter(region__code=place.code, year=year, indicator=WAGE_EARNERS).first()

    def get(code: str, y: int, trede: int | None = None, group: str = "") -> int | None:
        return values.get((code, y, trede, group))

    def trend(label: str, read: Callable[[str, int], int | None]) -> Trend:
        base, value = read(place.code, base_year), read(place.code, year)
        flanders = change(read(FLANDERS, base_year), read(FLANDERS, year))[1]
        return Trend(label, base, value, *change(base, value), flanders)

    headline = series_point(get, region=place.code, year=year, base_year=base_year)
    return KeyFigures(
        place=place,
        year=year,
        previous_year=year - 1,
        base_year=base_year,
        source_label=source.label,
        total=headline.persons,
        previous_total=get(place.code, year - 1),
        base_total=get(place.code, base_year),
        change_previous=headline.change_previous,
        change_previous_pct=headline.change_previous_pct,
        change_base=headline.change_base,
        change_base_pct=headline.change_base_pct,
        treden=[(t, trede_label(t), get(place.code, year, t)) for t in LADDER],
        trede5_groups=_groups(values, place.code, year, 5),
        flanders_total=headline.flanders,
        share_of_flanders=headline.share_of_flanders,
        wage_earners=context.value if context else None,
        share_of_wage_earners=share(headline.persons, context.value) if context else None,
        trends=[
            trend(trede_label(TREND_TREDE), lambda code, y: get(code, y, TREND_TREDE)),
            trend(TREND_GROUP, lambda code, y: get(code, y, 5, TREND_GROUP)),
            trend(TREND_TARGET_GROUP, lambda code, y: young.get((code, y))),
        ],
        year_label=labels.get(year, ""),
        previous_label=labels.get(year - 1, ""),
        base_label=labels.get(base_year, ""),
        previous_note=incomplete_note(labels, [year, year - 1]),
        base_note=incomplete_note(labels, [year, base_year]),
        year_mark=_("voorlopig: %(year)s onvolledig") % {"year": year} if labels.get(year) else "",
    )
