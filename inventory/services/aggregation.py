"""Aggregates that are always fresh.

Every write path marks what it changed (`aggregates_mark_*`) inside its own transaction; on commit a Celery
task is queued (at most one queued per year at a time, so a burst coalesces) and the task runs
`aggregates_recompute`. A beat sweep recomputes whatever is still pending, so a message lost while Redis was
away is recovered.

The recompute is set-based and runs in one transaction per year under an advisory lock: readers see the old
year or the new one, never half of it; two workers never recompute the same year at once; a failure leaves
the previous aggregates and the dirty marks in place.

Two stages: headcounts are summed per (year, region, measure) into AggregateLeaf (only the keys that changed),
then the leaves and overlap corrections are rolled up to every ancestor region, successor (present-day view)
and grouping with GROUPING SETS (only the targets that changed).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from inventory.models import AggregateDirtyKey, Scope, scope_statuses

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock(LOCK_NAMESPACE, year): one recompute per year at a time.
LOCK_NAMESPACE = 7_341_001
QUEUED_KEY = "inventaris:aggregates:queued:{year}"
QUEUED_TTL_SECONDS = 120

# --- marking -------------------------------------------------------------------------------------------------


def _bump(years: list[int]) -> None:
    for year in set(years):
        transaction.on_commit(partial(queue_recompute, year), robust=True)


def aggregates_mark_keys(*, year: int, keys: Iterable[tuple[int, int | None]]) -> None:
    """(region id, measure id) pairs whose figures changed in `year`; measure None for a correction."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """insert into inventory_aggregatedirtykey (year, region_id, measure_id)
               select %(year)s, r, m from unnest(%(regions)s::bigint[], %(measures)s::bigint[]) as k(r, m)""",
            {"year": year, "regions": [r for r, _m in keys], "measures": [m for _r, m in keys]},
        )
    _bump([year])


def aggregates_mark_submissions(*, submission_ids: Iterable[int]) -> None:
    """Every key of these submissions' headcounts; call it before a change that removes headcounts too."""
    ids = list(submission_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            """insert into inventory_aggregatedirtykey (year, region_id, measure_id)
               select distinct s.year, h.region_id, h.measure_id
               from inventory_headcount h join inventory_submission s on s.id = h.submission_id
               where s.id = any(%(ids)s)""",
            {"ids": ids},
        )
        cursor.execute("select distinct year from inventory_submission where id = any(%(ids)s)", {"ids": ids})
        years = [year for (year,) in cursor.fetchall()]
    if years:
        _bump(years)


def aggregates_mark_years(*, years: Iterable[int]) -> None:
    """Whole years (measure reclassified, grouping changed, ...)."""
    years = sorted(set(years))
    if not years:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """insert into inventory_aggregatedirtykey (year, region_id, measure_id)
               select y, null, null from unnest(%(years)s::int[]) as y""",
            {"years": years},
        )
    _bump(years)


def aggregates_mark_all() -> None:
    """Every year that has figures or aggregates (a region or its successor changed)."""
    aggregates_mark_years(years=years_with_data())


def years_with_data() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            """select year from inventory_submission union select year from inventory_overlapcorrection
               union select year from inventory_aggregateyear order by 1"""
        )
        return [year for (year,) in cursor.fetchall()]


# --- queueing ------------------------------------------------------------------------------------------------


@cache
def redis_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)


def queue_recompute(year: int) -> bool:
    """Queue a recompute of `year` unless one is queued already. Never raises: with the broker away the
    write still succeeds and the beat sweep catches up."""
    from inventory.tasks import recompute_aggregates

    key = QUEUED_KEY.format(year=year)
    try:
        if not redis_client().set(key, 1, nx=True, ex=QUEUED_TTL_SECONDS):
            return False
        recompute_aggregates.apply_async(args=[year], retry=False)
        return True
    except Exception:
        logger.warning("Herberekening van %s niet in de wachtrij gezet; de periodieke controle haalt dit in.", year)
        with contextlib.suppress(redis.RedisError):
            redis_client().delete(key)
        return False


def clear_queued(year: int) -> None:
    """Called when a task starts: from then on a new mark queues a new task."""
    try:
        redis_client().delete(QUEUED_KEY.format(year=year))
    except redis.RedisError:
        logger.warning("Redis onbereikbaar bij het starten van de herberekening van %s.", year)


# --- recomputing ---------------------------------------------------------------------------------------------

_LEAF_SQL = """
insert into inventory_aggregateleaf (year, region_id, measure_id, validated, provisional, has_validated)
select s.year, h.region_id, h.measure_id,
       coalesce(sum(h.persons) filter (where s.status = any(%(validated_statuses)s)), 0),
       sum(h.persons),
       bool_or(s.status = any(%(validated_statuses)s))
from inventory_headcount h
join inventory_submission s on s.id = h.submission_id
where s.year = %(year)s and s.status = any(%(provisional_statuses)s) {keys}
group by s.year, h.region_id, h.measure_id
"""
_LEAF_KEYS = "and (h.region_id, h.measure_id) in (select * from unnest(%(regions)s::bigint[], %(measures)s::bigint[]))"

# region -> every region or grouping it counts at in `year`: itself, its ancestors, its successors (present-day
# view: a merged municipality also counts at the municipality it merged into) and the groupings that hold it
# or a successor.
_CLOSURE_CTE = """
up(region_id, target_id) as (
    select id, id from inventory_region
    union
    select up.region_id, r.parent_id from up join inventory_region r on r.id = up.target_id
    where r.parent_id is not null
),
later(region_id, target_id) as (
    select id, successor_id from inventory_region where successor_id is not null
    union
    select l.region_id, r.successor_id from later l join inventory_region r on r.id = l.target_id
    where r.successor_id is not null
),
closure(region_id, target_region_id, target_grouping_id) as (
    select region_id, target_id, null::bigint from up
    union
    select region_id, target_id, null::bigint from later
    union
    select s.region_id, null::bigint, m.regiongrouping_id
    from (select region_id, target_id from later union select id, id from inventory_region) s
    join inventory_regiongrouping_members m on m.region_id = s.target_id
    join inventory_regiongrouping g on g.id = m.regiongrouping_id
    where (g.first_year is null or g.first_year <= %(year)s) and (g.last_year is null or g.last_year >= %(year)s)
)
"""

# grouping(trede, grp, measure): 0 = measure, 1 = group, 3 = trede, 7 = headline (treden 3-5 only).
# Corrections have no group or measure, so they only reach trede totals and the headline.
_ROLLUP_SQL = f"""
with recursive {_CLOSURE_CTE},
facts as (
    select l.region_id, m.trede, m."group" as grp, l.measure_id, l.validated, l.provisional, l.has_validated
    from inventory_aggregateleaf l join inventory_measure m on m.id = l.measure_id
    where l.year = %(year)s
    union all
    select c.region_id, c.trede, null, null, c.persons, c.persons, true
    from inventory_overlapcorrection c where c.year = %(year)s
),
rolled as (
    select c.target_region_id, c.target_grouping_id, f.trede, f.grp, f.measure_id,
           grouping(f.trede, f.grp, f.measure_id) as lvl,
           sum(f.validated) filter (where f.has_validated) as v,
           sum(f.provisional) as p,
           sum(f.validated) filter (where f.has_validated and f.trede between 3 and 5) as v35,
           sum(f.provisional) filter (where f.trede between 3 and 5) as p35
    from facts f join closure c on c.region_id = f.region_id
    where {{targets}}
    group by grouping sets (
        (c.target_region_id, c.target_grouping_id, f.trede, f.grp, f.measure_id),
        (c.target_region_id, c.target_grouping_id, f.trede, f.grp),
        (c.target_region_id, c.target_grouping_id, f.trede),
        (c.target_region_id, c.target_grouping_id)
    )
),
picked as (
    select r.*, s.scope,
           case when s.scope = %(validated)s then (case when r.lvl = 7 then r.v35 else r.v end)
                else (case when r.lvl = 7 then r.p35 else r.p end) end as persons
    from rolled r cross join (values (%(validated)s::text), (%(provisional)s::text)) as s(scope)
    where not (r.lvl in (0, 1) and r.grp is null)
)
insert into inventory_aggregate (year, scope, region_id, grouping_id, trede, "group", measure_id, persons, computed_at)
select %(year)s, scope, target_region_id, target_grouping_id, trede, coalesce(grp, ''), measure_id, persons, %(now)s
from picked where persons is not null
"""

_TARGETS_OF_SQL = f"""
with recursive {_CLOSURE_CTE}
select distinct target_region_id, target_grouping_id from closure where region_id = any(%(regions)s)
"""


@dataclass(frozen=True)
class RecomputeResult:
    year: int
    full: bool
    keys: int
    rows: int
    skipped: bool = False


def aggregates_recompute(*, year: int, full: bool = False) -> RecomputeResult:
    """Bring `year`'s aggregates up to date: only what was marked, or everything with `full`."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("select pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, year])
        cursor.execute("select computed_at from inventory_aggregateyear where year = %s", [year])
        row = cursor.fetchone()
        computed_at = row[0] if row else None
        # Exactly the keys taken here are processed; keys committed later stay and keep the year pending.
        cursor.execute(
            "delete from inventory_aggregatedirtykey where year = %s returning region_id, measure_id", [year]
        )
        keys = cursor.fetchall()
        full = full or computed_at is None or any(region is None for region, _m in keys)
        if not full and not keys:
            return RecomputeResult(year=year, full=False, keys=0, rows=0, skipped=True)
        now = timezone.now()
        # The scopes and the submission statuses they count are inventory.models' (scope_statuses), not literals.
        params: dict[str, Any] = {
            "year": year,
            "now": now,
            "validated": Scope.VALIDATED.value,
            "provisional": Scope.PROVISIONAL.value,
            "validated_statuses": scope_statuses(Scope.VALIDATED),
            "provisional_statuses": scope_statuses(Scope.PROVISIONAL),
        }
        if full:
            cursor.execute("delete from inventory_aggregateleaf where year = %s", [year])
            cursor.execute(_LEAF_SQL.format(keys=""), params)
            cursor.execute("delete from inventory_aggregate where year = %s", [year])
            cursor.execute(_ROLLUP_SQL.format(targets="true"), params)
        else:
            pairs = sorted({(r, m) for r, m in keys if m is not None})
            params |= {"regions": [r for r, _m in pairs], "measures": [m for _r, m in pairs]}
            cursor.execute(
                """delete from inventory_aggregateleaf where year = %(year)s and (region_id, measure_id) in
                   (select * from unnest(%(regions)s::bigint[], %(measures)s::bigint[]))""",
                params,
            )
            cursor.execute(_LEAF_SQL.format(keys=_LEAF_KEYS), params)
            cursor.execute(_TARGETS_OF_SQL, {"year": year, "regions": sorted({r for r, _m in keys})})
            targets = cursor.fetchall()
            params |= {
                "target_regions": [r for r, g in targets if r is not None],
                "target_groupings": [g for r, g in targets if g is not None],
            }
            cursor.execute(
                """delete from inventory_aggregate where year = %(year)s
                   and (region_id = any(%(target_regions)s) or grouping_id = any(%(target_groupings)s))""",
                params,
            )
            cursor.execute(
                _ROLLUP_SQL.format(
                    targets="(c.target_region_id = any(%(target_regions)s)"
                    " or c.target_grouping_id = any(%(target_groupings)s))"
                ),
                params,
            )
        rows = cursor.rowcount
        cursor.execute(
            """insert into inventory_aggregateyear (year, computed_at, runs) values (%(year)s, %(now)s, 1)
               on conflict (year) do update
               set computed_at = %(now)s, runs = inventory_aggregateyear.runs + 1""",
            {"year": year, "now": now},
        )
        return RecomputeResult(year=year, full=full, keys=len(keys), rows=rows)


def aggregates_pending_years() -> list[int]:
    return list(AggregateDirtyKey.objects.order_by("year").values_list("year", flat=True).distinct())


def aggregates_sweep() -> list[RecomputeResult]:
    """Recompute every year still pending (lost messages, failed runs)."""
    return [aggregates_recompute(year=year) for year in aggregates_pending_years()]


def aggregates_recompute_all(*, years: Iterable[int] | None = None) -> list[RecomputeResult]:
    return [aggregates_recompute(year=year, full=True) for year in (years or years_with_data())]
