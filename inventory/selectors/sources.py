"""Where the pages' figures come from, and the places they are shown for.

Figures come from a FigureSource: the live aggregates of a scope or the frozen copy of an edition, both in the
same shape (year, region or grouping, trede, group, measure, persons). Organisation users see their own
figures only (OwnSource): those are summed from their own headcounts and rolled up to the chosen place in
Python (a few hundred rows at most), so they never see another organisation's number. Rendered figures are kept
in the cache (Redis) under a key made of what they depend on.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar, cast

from django.core.cache import cache
from django.db.models import (
    CharField,
    F,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from accounts.models import User
from inventory.access import headcounts_visible_to
from inventory.constants import GROUPING_LEVEL
from inventory.models import (
    Aggregate,
    AggregateYear,
    Edition,
    EditionFigure,
    Headcount,
    Region,
    RegionGrouping,
    Scope,
    SubmissionStatus,
    covers,
    valid_in,
)
from inventory.selectors.figures import Freshness, aggregates_freshness, place_ids_q

T = TypeVar("T")
LADDER = (5, 4, 3)
APART = 6

# (place code, year, trede or None for treden 3-5, group or "" for the whole trede) -> persons
Key = tuple[str, int, int | None, str]
Values = dict[Key, int]


# Rendered pages are kept this long at most; keys change as soon as the figures do (FigureSource.version).
CACHE_SECONDS = 600
# How long a request waits for another that makes the same cached value (see `cached`).
MAKING_WAIT_SECONDS = 30

logger = logging.getLogger(__name__)


def cached(
    key: str,
    build: Callable[[], T],
    *,
    timeout: int = CACHE_SECONDS,
    keep: Callable[[T], bool] = lambda _value: True,
) -> T:
    """`build()`, kept in the cache (Redis) under `key` for `timeout` seconds when `keep(value)`. Made once at a
    time: while one request makes it, the others asking for the same key wait for it (up to MAKING_WAIT_SECONDS,
    then they make it themselves) instead of all making it at once, which on a cold cache under load would make it
    slower for everyone. Pages must work while Redis is away: then it is built every time, and a warning is
    logged."""
    try:
        hit = cache.get(key)
        if hit is not None:
            return cast(T, hit)
        making = cache.add(f"{key}:making", 1, timeout=MAKING_WAIT_SECONDS)
    except (RedisError, OSError) as error:
        logger.warning("cache unavailable, building %s: %s", key, error)
        return build()
    if not making:
        hit = _wait_for(key)
        if hit is not None:
            return cast(T, hit)
    try:
        value = build()
        if keep(value):
            with contextlib.suppress(RedisError, OSError):
                cache.set(key, value, timeout)
        return value
    finally:
        if making:
            with contextlib.suppress(RedisError, OSError):
                cache.delete(f"{key}:making")


def _wait_for(key: str) -> object | None:
    """What another request is making under `key`, once it is there; None when it gave up (its marker is gone
    without a value) or it takes longer than MAKING_WAIT_SECONDS."""
    deadline = time.monotonic() + MAKING_WAIT_SECONDS
    try:
        while time.monotonic() < deadline:
            time.sleep(0.05)
            hit: object | None = cache.get(key)
            if hit is not None:
                return hit
            if not cache.get(f"{key}:making"):
                found: object | None = cache.get(key)
                return found
    except (RedisError, OSError):
        return None
    return None


def figures_cached(name: str, build: Callable[[], T], *, source: FigureSource, parts: tuple[object, ...] = ()) -> T:
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


def place_get(code: str, *, municipalities: bool = False) -> Place | None:
    """A region (a municipality only with `municipalities`: the public fact sheets) or a grouping by code; None
    when there is none."""
    regions = Region.objects.all() if municipalities else Region.objects.exclude(level=Region.Level.GEMEENTE)
    region = regions.filter(code=code).first()
    if region:
        return Place(region.code, region.name, region.level)
    grouping = RegionGrouping.objects.filter(code=code).order_by("-first_year").first()
    return Place(grouping.code, grouping.name, GROUPING_LEVEL) if grouping else None


def place_children(place: Place, year: int) -> tuple[str, list[Place]]:
    """(title, places) of the table under the chosen place: the arrondissements of Flanders or of a province,
    the municipalities of an arrondissement or of a grouping (those that existed in `year`); none under a
    municipality."""
    if place.level == Region.Level.GEMEENTE:
        return "", []
    regions = Region.objects.all()
    if place.level == Region.Level.GEWEST:
        title, regions = _("Per arrondissement"), regions.filter(level=Region.Level.ARRONDISSEMENT)
    elif place.level == Region.Level.PROVINCIE:
        title, regions = _("Per arrondissement"), regions.filter(parent__code=place.code)
    elif place.level == Region.Level.ARRONDISSEMENT:
        title, regions = _("Per gemeente"), regions.filter(parent__code=place.code).valid_in(year)
    else:
        title = _("Per gemeente")
        regions = regions.filter(valid_in(year, "groupings__"), groupings__code=place.code).valid_in(year).distinct()
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

    def figures(self) -> QuerySet[Aggregate] | QuerySet[EditionFigure]:
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
        # While no worker is alive the notice shows how long the recompute waits: a new page each minute.
        waiting = f"-waiting{fresh.waiting_minutes()}" if fresh and fresh.waiting else ""
        return f"{self.scope}-{stamp}-{pending}{waiting}"


@dataclass(frozen=True)
class OwnSource:
    """An organisation user's own figures: their organisations' submitted and validated headcounts, summed to
    the chosen places in Python (the region tree is small; their rows are few)."""

    user: User

    label = gettext_lazy("cijfers van uw organisaties (ingediend en gevalideerd)")

    def headcounts(self) -> QuerySet[Headcount]:
        return headcounts_visible_to(self.user).in_scope(Scope.PROVISIONAL)

    def years(self) -> list[int]:
        return sorted(self.submitted)

    @cached_property
    def submitted(self) -> dict[int, tuple[int, int]]:
        """Year -> (organisations validated, organisations counted): read once, with the years."""
        rows = self.headcounts().values_list("submission__year", "submission__organisation_id", "submission__status")
        counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for year, _organisation, status in rows.order_by().distinct():
            counts[year][0] += status == SubmissionStatus.VALIDATED
            counts[year][1] += 1
        return {year: (validated, counted) for year, (validated, counted) in counts.items()}

    def provisional_labels(self, open_years: Collection[int]) -> dict[int, str]:
        """The years whose figures are not final yet for the organisations, and why, as year_states() labels an
        incomplete year: POM has not validated (all) their figures yet, or the year's round is still open."""
        result = {}
        for year, (validated, counted) in self.submitted.items():
            reasons = []
            if not validated:
                reasons.append(_("nog niet gevalideerd door POM"))
            elif validated < counted:
                names = {"validated": validated, "counted": counted}
                reasons.append(
                    _("nog niet alle gevalideerd door POM: %(validated)s van %(counted)s organisaties") % names
                )
            if year in open_years:
                reasons.append(_("de bevraging loopt nog"))
            if reasons:
                result[year] = _("voorlopig: %(reasons)s") % {"reasons": ", ".join(reasons)}
        return result

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
            targets |= {code for code, first, last in memberships.get(region_id, ()) if covers(first, last, year)}
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


def _region_ancestors() -> dict[int, list[str]]:
    """Region id -> the codes it counts at, as the aggregates count (aggregation._CLOSURE_CTE): itself, its own
    ancestors and its successors, not a successor's ancestors: a municipality that merged into one of another
    arrondissement or province stays in its own for the years it existed."""
    code_of, parent_of, successor_of = {}, {}, {}
    for pk, code, parent, successor in Region.objects.values_list("pk", "code", "parent_id", "successor_id"):
        code_of[pk], parent_of[pk], successor_of[pk] = code, parent, successor
    result: dict[int, list[str]] = {}
    for pk in code_of:
        codes: list[str] = []
        for start, step in ((pk, parent_of), (successor_of[pk], successor_of)):
            current = start
            while current is not None and current in code_of and code_of[current] not in codes:
                codes.append(code_of[current])
                current = step[current]
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
