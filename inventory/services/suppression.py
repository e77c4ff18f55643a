"""Small-cell protection for public files.

Counts from 1 up to the threshold (SMALL_CELL_THRESHOLD, default 5) are hidden as "<5" (primary suppression).
A hidden count that is the only hidden cell of a group sharing a total (total = sum of its members) could be
recovered as the total minus the shown members, so the next smallest cell of that group is hidden too
(secondary suppression, shown as "x"), until no group has exactly one hidden cell. Zeros are not hidden: a
zero says nothing about a person; for the same reason a zero is only picked as the second cell when no
non-zero one is left, since hiding a zero beside a small count would still give that count away.

An estimate (Headcount.estimated: a supplier's hidden small count, "<5", stored as e.g. 2 so that sums hold it) is
never shown on its own: the measure's cell of the municipality where it was entered (and of the municipalities that
one merged into) is hidden as a primary cell whatever its count, and secondary suppression then keeps it from being
derived; every cell above (group and trede totals, arrondissement, province, Flanders) holds it as usual. A hidden
estimate shows "<5" when its cell is below the threshold, else "x", since "<5" would state a false range. A public
headcount file hides every estimated row the same way.

Staff files (public=False) are not touched. Aggregates are protected one year at a time over the whole year's
table, whatever the filters, so that two public files of the same year hide the same cells.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from inventory.models import HEADLINE_TREDEN, Edition, EditionHeadcount, Headcount, Region, RegionGrouping, valid_in
from inventory.selectors.figures import AGGREGATE_COLUMNS, AggregateFilters, aggregate_keyed_values
from inventory.selectors.figures import AggregateColumn as A
from inventory.selectors.headcounts import HeadcountColumn as H

K = TypeVar("K", bound=Hashable)

PRIMARY = "primary"
SECONDARY = "secondary"
# What a hidden cell shows instead of its count.
SECONDARY_MARK = "x"


def small_cell_threshold() -> int:
    return settings.SMALL_CELL_THRESHOLD


def primary_mark() -> str:
    return f"<{small_cell_threshold()}"


def mark(status: str) -> str:
    return primary_mark() if status == PRIMARY else SECONDARY_MARK


def legend() -> dict[str, str]:
    return {
        primary_mark(): _("tussen 1 en %(n)s personen, afgeschermd") % {"n": small_cell_threshold() - 1},
        SECONDARY_MARK: _("afgeschermd zodat een klein aantal niet uit een totaal kan worden afgeleid"),
    }


@dataclass(frozen=True)
class Group(Generic[K]):
    """Cells whose sum is `total`; total None when the total is known outside the table (another file)."""

    members: tuple[K, ...]
    total: K | None = None


def suppress(
    values: Mapping[K, int | None],
    groups: Iterable[Group[K]],
    *,
    threshold: int | None = None,
    estimated: Iterable[K] = (),
) -> dict[K, str]:
    """{cell: PRIMARY | SECONDARY} for the cells to hide. Cells missing from `values` count as shown zeros.

    `estimated`: cells that hold an estimate, hidden as primary cells whatever their count (their status is
    SECONDARY when the count is not small, for the mark: see the module's docstring)."""
    threshold = small_cell_threshold() if threshold is None else threshold
    hidden: dict[K, str] = {k: PRIMARY for k, v in values.items() if v is not None and 0 < v < threshold}
    for estimate in estimated:
        if estimate in values and estimate not in hidden:
            hidden[estimate] = SECONDARY
    groups = [g for g in groups if g.members]
    groups_of: dict[K, list[int]] = defaultdict(list)
    for index, group in enumerate(groups):
        for cell in (*group.members, group.total):
            if cell is not None:
                groups_of[cell].append(index)
    pending = list(dict.fromkeys(i for cell in hidden for i in groups_of[cell]))
    while pending:
        group = groups[pending.pop()]
        cells = [c for c in (*group.members, group.total) if c is not None and c in values]
        if sum(c in hidden for c in cells) != 1:
            continue
        candidate = _next_smallest(group, values, hidden)
        if candidate is None:
            continue  # a lone member equals its total; hiding the total protects it
        hidden[candidate] = SECONDARY
        pending.extend(groups_of[candidate])
    return hidden


def _next_smallest(group: Group[K], values: Mapping[K, int | None], hidden: Mapping[K, str]) -> K | None:
    shown = [
        (values[c] == 0, values[c], i, c)
        for i, c in enumerate(group.members)
        if c in values and values[c] is not None and c not in hidden
    ]
    if shown:
        return min(shown, key=lambda item: item[:3])[3]
    if group.total is not None and group.total in values and group.total not in hidden:
        return group.total
    return None


# --- aggregates ----------------------------------------------------------------------------------------------

AggregateKey = tuple[tuple[str, int], int | None, str, int | None]


def aggregate_groups(keys: Iterable[AggregateKey], *, year: int) -> list[Group[AggregateKey]]:
    """The sums a year's aggregate table holds: headline = treden 3-5; trede = its groups (+ a correction:
    treated as exact, which only hides more); group = its measures; a region = the regions inside it; a
    grouping = its municipalities. A parent is not exactly the sum of its children (headcounts entered at its
    own level; a merged municipality counts at its successor too); treating it as one only hides more."""
    keys = set(keys)
    by_target: dict[tuple[str, int], set[tuple[int | None, str, int | None]]] = defaultdict(set)
    for target, trede, group, measure in keys:
        by_target[target].add((trede, group, measure))
    groups: list[Group[AggregateKey]] = []
    for target, figures in by_target.items():
        treden = sorted({t for t, _g, _m in figures if t is not None})
        groups.append(
            Group(tuple((target, t, "", None) for t in treden if t in HEADLINE_TREDEN), (target, None, "", None))
        )
        for trede in treden:
            names = sorted({g for t, g, _m in figures if t == trede and g})
            groups.append(Group(tuple((target, trede, g, None) for g in names), (target, trede, "", None)))
            for name in names:
                measures = sorted(m for t, g, m in figures if t == trede and g == name and m is not None)
                groups.append(Group(tuple((target, trede, name, m) for m in measures), (target, trede, name, None)))
    children: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
    for region_id, parent_id in Region.objects.filter(parent__isnull=False).values_list("id", "parent_id"):
        children[("r", parent_id)].append(("r", region_id))
    members = RegionGrouping.members.through.objects.filter(valid_in(year, "regiongrouping__")).values_list(
        "regiongrouping_id", "region_id"
    )
    for grouping_id, region_id in members:
        children[("g", grouping_id)].append(("r", region_id))
    for parent, kids in children.items():
        for figure in by_target.get(parent, ()):
            inside = tuple(k for kid in kids if (k := (kid, *figure)) in keys)
            if inside:
                groups.append(Group(inside, (parent, *figure)))
    return groups


def aggregate_key(row: Sequence[Any]) -> AggregateKey:
    """The key of a row of aggregate_keyed_values (the three ids follow the export's columns)."""
    region_id, grouping_id, measure_id = row[-3:]
    target = ("r", region_id) if region_id is not None else ("g", grouping_id)
    return (target, row[A.trede], row[A.group], measure_id)


def estimated_cells(*, year: int, scope: str, edition: Edition | None = None) -> set[AggregateKey]:
    """The measure cells of a year's table (live in `scope`, or an edition's) that hold an estimated headcount: of
    the municipality where it was entered, and of each municipality that one merged into (a present-day view counts
    it there too). An edition reads its frozen headcounts, with the trede and group they had when it was published,
    as its figures do."""
    rows: QuerySet[Any, tuple[int, int, str, int]]
    if edition is not None:
        rows = EditionHeadcount.objects.filter(edition=edition, year=year).values_list(
            "region_id", "trede", "group", "measure_id"
        )
    else:
        rows = (
            Headcount.objects.in_scope(scope)
            .filter(submission__year=year)
            .values_list("region_id", "measure__trede", "measure__group", "measure_id")
        )
    found = set(rows.filter(estimated=True, region__level=Region.Level.GEMEENTE).distinct())
    if not found:
        return set()
    successors = dict(Region.objects.filter(successor__isnull=False).values_list("id", "successor_id"))
    cells: set[AggregateKey] = set()
    for region_id, trede, group, measure_id in found:
        place: int | None = region_id
        while place is not None and (key := (("r", place), trede, group, measure_id)) not in cells:
            cells.add(key)
            place = successors.get(place)
    return cells


def aggregate_year_suppression(
    *, year: int, scope: str, edition: Edition | None = None
) -> tuple[list[tuple[Any, ...]], dict[AggregateKey, str]]:
    """A year's whole aggregate table (live, or an edition's) with the rows' ids, and the cells to hide in it."""
    rows = aggregate_keyed_values(year=year, scope=scope, edition=edition)
    values = {aggregate_key(row): row[A.persons] for row in rows}
    estimated = estimated_cells(year=year, scope=scope, edition=edition)
    return rows, suppress(values, aggregate_groups(values, year=year), estimated=estimated)


def public_aggregate_values(
    filters: AggregateFilters, years: Iterable[int], *, edition: Edition | None = None
) -> Iterator[tuple[Any, ...]]:
    """The filtered aggregates (of an edition) in AGGREGATE_COLUMNS order with hidden counts replaced by their
    mark."""
    regions, treden, measures = set(filters.regions), set(filters.treden), set(filters.measures)
    for year in years:
        rows, hidden = aggregate_year_suppression(year=year, scope=filters.scope, edition=edition)
        for row in rows:
            if (
                (regions and row[A.region] not in regions)
                or (treden and row[A.trede] not in treden)
                or (measures and row[A.measure] not in measures)
            ):
                continue
            status = hidden.get(aggregate_key(row))
            values = row[: len(AGGREGATE_COLUMNS)]
            yield values if status is None else (*values[: A.persons], mark(status), *values[A.persons + 1 :])


# --- headcounts ----------------------------------------------------------------------------------------------


def public_headcount_values(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """Headcounts (ordered by year, region and measure, as headcount_values gives them) with hidden counts
    replaced by their mark, one (year, region, measure) at a time: the organisations' counts there sum to a
    published aggregate. A hidden count hides its FTE too; so does an estimated one, whatever its count."""
    for _key, cell_rows in groupby(rows, key=lambda row: (row[H.year], row[H.region], row[H.measure])):
        cells = list(cell_rows)
        hidden = suppress(
            {i: row[H.persons] for i, row in enumerate(cells)},
            [Group(tuple(range(len(cells))))],
            estimated=[i for i, row in enumerate(cells) if row[H.estimated]],
        )
        for i, row in enumerate(cells):
            status = hidden.get(i)
            if status is None:
                yield row
            else:
                text = mark(status)
                yield (*row[: H.persons], text, text if row[H.fte] is not None else None, *row[H.fte + 1 :])
