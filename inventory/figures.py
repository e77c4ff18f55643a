"""Reads for the pages people look at: the dashboard, Kerncijfers and editions (list, comparison, export).

Figures come from a FigureSource: the live aggregates of a scope or the frozen copy of an edition, both in the
same shape (year, region or grouping, trede, group, measure, persons). Organisation users see their own
figures only: those are summed from their own headcounts and rolled up to the chosen place in Python (a few
hundred rows at most), so they never see another organisation's number. Every page reads a fixed number of
queries, whatever the size of the data.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TypeVar

from django.core.cache import cache
from django.db import connection
from django.db.models import CharField, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from accounts.models import User
from inventory import charts
from inventory.models import (
    Aggregate,
    AggregateYear,
    ContextFigure,
    Edition,
    EditionFigure,
    EditionHeadcount,
    Headcount,
    Region,
    RegionGrouping,
    Scope,
    SubmissionStatus,
    Trede,
)
from inventory.selectors import (
    FLANDERS,
    GROUPING_LEVEL,
    Freshness,
    SeriesPoint,
    aggregates_freshness,
    change,
    place_ids_q,
    series_point,
    share,
)

T = TypeVar("T")
WEST_VLAANDEREN = "30000"
LADDER = (5, 4, 3)
APART = 6
# Kerncijfers: the trends the press release names.
TREND_TREDE = 4
TREND_GROUP = "doelgroepkortingen"
TREND_TARGET_GROUP = "jongeren"
WAGE_EARNERS = "loontrekkenden"
# Organisation users see their submitted and validated figures (not drafts).
OWN_STATUSES = [SubmissionStatus.SUBMITTED, SubmissionStatus.VALIDATED]

# (place code, year, trede or None for treden 3-5, group or "" for the whole trede) -> persons
Key = tuple[str, int, int | None, str]
Values = dict[Key, int]


# Rendered pages are kept this long at most; keys change as soon as the figures do (FigureSource.version).
CACHE_SECONDS = 600

logger = logging.getLogger(__name__)


def cached(key: str, build: Callable[[], T]) -> T:
    """`build()`, kept in the cache (Redis) under `key`. Pages must work while Redis is away: then it is built
    every time, and a warning is logged."""
    try:
        hit = cache.get(key)
    except (RedisError, OSError) as error:
        logger.warning("cache unavailable, building %s: %s", key, error)
        return build()
    if hit is not None:
        return hit
    value = build()
    with contextlib.suppress(RedisError, OSError):
        cache.set(key, value, CACHE_SECONDS)
    return value


def figures_cached(name: str, build: Callable[[], T], *, source: FigureSource, parts: tuple = ()) -> T:
    """`build()` of a page or answer that shows `source`'s figures, kept under its name, the language, the
    figures' version and `parts` (whatever else it depends on: the request's choices, the user's role)."""
    return cached(cache_key(name, get_language(), source.version(), *parts), build)


def cache_key(*parts: object) -> str:
    """A short, safe key from any values (request parameters included)."""
    return "figures:" + hashlib.sha256(repr(parts).encode()).hexdigest()[:40]


# --- places ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    level: str

    @property
    def level_label(self) -> str:
        if self.level == GROUPING_LEVEL:
            return str(RegionGrouping._meta.verbose_name)
        return str(Region.Level(self.level).label)


def place_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """What the dashboard offers: Flanders, the provinces, the arrondissements and the region groupings."""
    regions = Region.objects.exclude(level=Region.Level.GEMEENTE).order_by("code").values_list("code", "name", "level")
    groupings = RegionGrouping.objects.order_by("name").values_list("code", "name").distinct()
    by_level: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for code, name, level in regions:
        by_level[level].append((code, name))
    return [
        (_("Gewest"), by_level[Region.Level.GEWEST]),
        (_("Provincies"), by_level[Region.Level.PROVINCIE]),
        (_("Arrondissementen"), by_level[Region.Level.ARRONDISSEMENT]),
        (_("Regio-indelingen"), list(dict(groupings).items())),
    ]


def place_get(code: str) -> Place | None:
    """A region (not a municipality) or a grouping by code; None when there is none."""
    region = Region.objects.exclude(level=Region.Level.GEMEENTE).filter(code=code).first()
    if region:
        return Place(region.code, region.name, region.level)
    grouping = RegionGrouping.objects.filter(code=code).order_by("-first_year").first()
    return Place(grouping.code, grouping.name, GROUPING_LEVEL) if grouping else None


def place_children(place: Place, year: int) -> tuple[str, list[Place]]:
    """(title, places) of the table under the chosen place: the arrondissements of Flanders or of a province,
    the municipalities of an arrondissement or of a grouping (those that existed in `year`)."""
    regions = Region.objects.all()
    if place.level == Region.Level.GEWEST:
        title, regions = _("Per arrondissement"), regions.filter(level=Region.Level.ARRONDISSEMENT)
    elif place.level == Region.Level.PROVINCIE:
        title, regions = _("Per arrondissement"), regions.filter(parent__code=place.code)
    elif place.level == Region.Level.ARRONDISSEMENT:
        title, regions = _("Per gemeente"), regions.filter(parent__code=place.code).existing_in(year)
    else:
        in_version = Q(groupings__first_year__isnull=True) | Q(groupings__first_year__lte=year)
        in_version &= Q(groupings__last_year__isnull=True) | Q(groupings__last_year__gte=year)
        title = _("Per gemeente")
        regions = regions.filter(in_version, groupings__code=place.code).existing_in(year).distinct()
    rows = regions.order_by("code").values_list("code", "name", "level")
    return title, [Place(code, name, level) for code, name, level in rows]


# --- sources --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureSource:
    """Live aggregates of a scope, or an edition's frozen copy."""

    scope: str = Scope.VALIDATED
    edition: Edition | None = None

    @property
    def label(self) -> str:
        if self.edition:
            return _("editie %(name)s") % {"name": self.edition.name}
        return _("actuele cijfers (%(scope)s)") % {"scope": Scope(self.scope).label}

    def figures(self) -> QuerySet:
        if self.edition:
            return EditionFigure.objects.filter(edition=self.edition)
        return Aggregate.objects.filter(scope=self.scope)

    def years(self) -> list[int]:
        if self.edition:
            return sorted(self.figures().values_list("year", flat=True).distinct())
        # One row per computed year: cheaper than a distinct over the aggregates.
        computed = AggregateYear.objects.filter(computed_at__isnull=False).values_list("year", flat=True)
        return sorted(computed)

    def values(self, places: Iterable[str], years: Iterable[int], *, groups: bool = True) -> Values:
        """Headline, trede and (with `groups`) measure-group figures of these places and years, in one query."""
        places, years = list(places), list(years)
        qs = self.figures().filter(year__in=years, measure__isnull=True).filter(place_ids_q(places))
        if not groups:
            qs = qs.filter(group="")
        rows = qs.annotate(place=Coalesce(F("region__code"), F("grouping__code"), output_field=CharField()))
        return {
            (place, year, trede, group): persons
            for place, year, trede, group, persons in rows.values_list("place", "year", "trede", "group", "persons")
        }

    def target_group_values(self, places: list[str], years: list[int], target_group: str) -> dict[tuple[str, int], int]:
        """Summed figures of the measures aimed at one target group (e.g. jongeren), per place and year."""
        qs = self.figures().filter(year__in=years, measure__target_group=target_group).filter(place_ids_q(places))
        qs = qs.annotate(place=Coalesce(F("region__code"), F("grouping__code"), output_field=CharField()))
        rows = qs.values("place", "year").annotate(total=Sum("persons")).values_list("place", "year", "total")
        return {(place, year): total for place, year, total in rows}

    def freshness(self) -> Freshness | None:
        return self.current_freshness

    @cached_property
    def current_freshness(self) -> Freshness | None:
        """Read once per page: the cache key and the page both need it."""
        return None if self.edition else aggregates_freshness()

    def version(self) -> str:
        """What the figures depend on, for cache keys: an edition never changes; live aggregates change when a
        year is recomputed (computed_at moves) or marked pending."""
        if self.edition:
            return f"edition-{self.edition.pk}"
        fresh = self.current_freshness
        stamp = fresh.computed_at.isoformat() if fresh and fresh.computed_at else "never"
        pending = ",".join(map(str, fresh.pending_years)) if fresh else ""
        return f"{self.scope}-{stamp}-{pending}"


@dataclass(frozen=True)
class OwnSource:
    """An organisation user's own figures: their organisations' submitted and validated headcounts, summed to
    the chosen places in Python (the region tree is small; their rows are few)."""

    user: User

    label = gettext_lazy("cijfers van uw organisaties (ingediend en gevalideerd)")

    def headcounts(self) -> QuerySet[Headcount]:
        return Headcount.objects.filter(
            submission__organisation__memberships__user=self.user, submission__status__in=OWN_STATUSES
        )

    def years(self) -> list[int]:
        return sorted(set(self.headcounts().values_list("submission__year", flat=True)))

    def values(self, places: Iterable[str], years: Iterable[int], *, groups: bool = True) -> Values:
        places, years = set(places), list(years)
        rows = (
            self.headcounts()
            .filter(submission__year__in=years)
            .values_list("submission__year", "region_id", "measure__trede", "measure__group")
            .annotate(total=Sum("persons"))
        )
        ancestors, memberships = self.region_tree
        result: Values = defaultdict(int)
        for year, region_id, trede, group, total in rows:
            targets = {code for code in ancestors.get(region_id, ()) if code in places}
            targets |= {code for code, first, last in memberships.get(region_id, ()) if _valid(year, first, last)}
            for code in targets:
                keys = [(code, year, trede, "")]
                if groups:
                    keys.append((code, year, trede, group))
                if trede in LADDER:
                    keys.append((code, year, None, ""))
                for key in keys:
                    result[key] += total
        return dict(result)

    def target_group_values(self, places: list[str], years: list[int], target_group: str) -> dict[tuple[str, int], int]:
        return {}

    @cached_property
    def region_tree(self) -> tuple[dict[int, list[str]], dict[int, list[tuple[str, int | None, int | None]]]]:
        """Read once per page: where each region counts, and which groupings hold it."""
        return _region_ancestors(), _grouping_memberships()

    def freshness(self) -> Freshness | None:
        return None


def _valid(year: int, first: int | None, last: int | None) -> bool:
    return (first is None or first <= year) and (last is None or last >= year)


def _region_ancestors() -> dict[int, list[str]]:
    """Region id -> the codes it counts at: itself, every ancestor and a merged municipality's successor's."""
    rows = {
        pk: (code, parent, successor)
        for pk, code, parent, successor in Region.objects.values_list("pk", "code", "parent_id", "successor_id")
    }
    result: dict[int, list[str]] = {}
    for pk in rows:
        codes, todo, seen = [], [pk], set()
        while todo:
            current = todo.pop()
            if current is None or current in seen or current not in rows:
                continue
            seen.add(current)
            code, parent, successor = rows[current]
            codes.append(code)
            todo += [parent, successor]
        result[pk] = codes
    return result


def _grouping_memberships() -> dict[int, list[tuple[str, int | None, int | None]]]:
    result: dict[int, list[tuple[str, int | None, int | None]]] = defaultdict(list)
    through = RegionGrouping.members.through.objects.values_list(
        "region_id", "regiongrouping__code", "regiongrouping__first_year", "regiongrouping__last_year"
    )
    for region_id, code, first, last in through:
        result[region_id].append((code, first, last))
    return result


Source = FigureSource | OwnSource


# --- dashboard ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rung:
    trede: int
    label: str
    persons: int | None
    share: Decimal | None
    groups: list[tuple[str, int]]


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
    comparison: list[CompareRow] = field(default_factory=list)
    series: list[SeriesRow] = field(default_factory=list)
    children_title: str = ""
    children: list[ChildRow] = field(default_factory=list)
    freshness: Freshness | None = None
    ladder_chart: charts.BarChart | None = None
    series_chart: charts.ColumnChart | None = None


def _groups(values: Values, code: str, year: int, trede: int) -> list[tuple[str, int]]:
    """A trede's measure groups at a place in a year, largest first."""
    found = [(g, n) for (c, y, t, g), n in values.items() if c == code and y == year and t == trede and g]
    return sorted(found, key=lambda item: (-item[1], item[0]))


def trede_label(trede: int | None) -> str:
    return _("Treden 3-5") if trede is None else str(Trede(trede).label)


def trede_short(trede: int) -> str:
    """For charts, where the full label does not fit: the table beside the chart has it."""
    return _("Trede %(trede)s") % {"trede": trede}


def dashboard(
    *, source: Source, place: Place, year: int | None = None, years: list[int] | None = None
) -> Dashboard | None:
    """Everything the dashboard shows for one place and year; None when the source has no years at all.
    `years`: the source's years when the caller has them already."""
    years = source.years() if years is None else years
    if not years:
        return None
    year = year if year in years else years[-1]
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

    def get(code: str, y: int, trede: int | None = None, group: str = "") -> int | None:
        return values.get((code, y, trede, group))

    result.headline = get(place.code, year)
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
        result.series.append(
            SeriesRow(
                y, [get(place.code, y, t) for t in reversed(LADDER)], get(place.code, y), get(place.code, y, APART)
            )
        )
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
        [str(row.year) for row in result.series],
        [(trede_short(t), t, [row.treden[i] for row in result.series]) for i, t in enumerate(reversed(LADDER))],
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
    trede5_groups: list[tuple[str, int]]
    flanders_total: int | None
    share_of_flanders: Decimal | None
    wage_earners: Decimal | None
    share_of_wage_earners: Decimal | None
    trends: list[Trend]


def key_figures(
    *, source: FigureSource, place: Place, year: int | None = None, years: list[int] | None = None
) -> KeyFigures | None:
    """The headline facts of the press release, computed from the figures of `source` (four queries)."""
    years = source.years() if years is None else years
    if not years:
        return None
    if year not in years:
        year = source.edition.reference_year if source.edition else years[-1]
    base_year = years[0]
    wanted = sorted({base_year, year - 1, year})
    places = [place.code] if place.code == FLANDERS else [place.code, FLANDERS]
    values = source.values(places, wanted)
    young = source.target_group_values(places, wanted, TREND_TARGET_GROUP)
    context = ContextFigure.objects.filter(region__code=place.code, year=year, indicator=WAGE_EARNERS).first()

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
    )


# --- editions -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EditionSummary:
    edition: Edition
    figures: int
    headcounts: int
    first_year: int | None
    last_year: int | None


def editions_list() -> list[EditionSummary]:
    """Every edition with its size and years (two queries)."""
    from django.db.models import Count, Max, Min

    editions = list(
        Edition.objects.select_related("published_by")
        .annotate(n_figures=Count("figures"), first=Min("figures__year"), last=Max("figures__year"))
        # Meta.ordering does not apply to a grouped query.
        .order_by("-reference_year", "-published_on", "-created_at")
    )
    headcounts = dict(EditionHeadcount.objects.values("edition").annotate(n=Count("id")).values_list("edition", "n"))
    return [
        EditionSummary(e, e.n_figures, headcounts.get(e.pk, 0), e.first, e.last)  # type: ignore[attr-defined]
        for e in editions
    ]


class ChangeKind:
    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"
    ALL = "all"


@dataclass(frozen=True)
class ComparedFigure:
    year: int
    region: str
    region_name: str
    level: str
    trede: int | None
    group: str
    measure: str | None
    old: int | None
    new: int | None

    @property
    def difference(self) -> int | None:
        return None if self.old is None or self.new is None else self.new - self.old

    @property
    def difference_pct(self) -> Decimal | None:
        return change(self.old, self.new)[1]


@dataclass(frozen=True)
class Comparison:
    old: Edition
    new: Edition
    rows: list[ComparedFigure]
    changed: int
    added: int
    removed: int
    total: int  # rows matching the chosen kind and filters (for paging)


_COMPARE_CTE = """
with a as (select year, coalesce(region_id, 0) r, coalesce(grouping_id, 0) g, coalesce(trede, 0) t, "group" gr,
                  coalesce(measure_id, 0) m, persons from inventory_editionfigure where edition_id = %(old)s),
     b as (select year, coalesce(region_id, 0) r, coalesce(grouping_id, 0) g, coalesce(trede, 0) t, "group" gr,
                  coalesce(measure_id, 0) m, persons from inventory_editionfigure where edition_id = %(new)s),
     d as (select year, r, g, t, gr, m, a.persons as old, b.persons as new
           from a full join b using (year, r, g, t, gr, m)
           where a.persons is distinct from b.persons),
     labelled as (
           select d.*, coalesce(reg.code, grp.code) as code, coalesce(reg.name, grp.name) as name,
                  coalesce(reg.level, %(grouping_level)s) as level, mea.code as measure
           from d left join inventory_region reg on reg.id = d.r
                  left join inventory_regiongrouping grp on grp.id = d.g
                  left join inventory_measure mea on mea.id = d.m)
"""


def editions_compare(
    *,
    old: Edition,
    new: Edition,
    places: list[str] | None = None,
    years: list[int] | None = None,
    kind: str = ChangeKind.CHANGED,
    offset: int = 0,
    limit: int = 100,
) -> Comparison:
    """The figures that differ between two editions: changed (in both, another value), added (only in `new`),
    removed (only in `old`). Two queries: the counts, and one page of rows."""
    params: dict[str, object] = {
        "old": old.pk,
        "new": new.pk,
        "grouping_level": GROUPING_LEVEL,
        "places": places or [],
        "years": years or [],
        "offset": offset,
        "limit": limit,
    }
    where = ["(cardinality(%(places)s::text[]) = 0 or code = any(%(places)s))"]
    where.append("(cardinality(%(years)s::int[]) = 0 or year = any(%(years)s))")
    kinds = {
        ChangeKind.CHANGED: "old is not null and new is not null",
        ChangeKind.ADDED: "old is null",
        ChangeKind.REMOVED: "new is null",
        ChangeKind.ALL: "true",
    }
    conditions = " and ".join(where)
    with connection.cursor() as cursor:
        cursor.execute(
            _COMPARE_CTE
            + f"""select count(*) filter (where old is not null and new is not null),
                         count(*) filter (where old is null), count(*) filter (where new is null),
                         count(*) filter (where {kinds[kind]})
                  from labelled where {conditions}""",
            params,
        )
        changed, added, removed, total = cursor.fetchone()
        cursor.execute(
            _COMPARE_CTE
            + f"""select year, code, name, level, nullif(t, 0), gr, measure, old, new from labelled
                  where {conditions} and {kinds[kind]}
                  order by year, code, t, gr, measure nulls first
                  limit %(limit)s offset %(offset)s""",
            params,
        )
        rows = [ComparedFigure(*row) for row in cursor.fetchall()]
    return Comparison(old, new, rows, changed, added, removed, total)
