"""Aggregation benchmark (`make bench-aggregates`), on PostgreSQL and Redis, in a database of its own.

Prints, in one run:
1. full recompute of ~1,000,000 synthetic headcounts (10 years x the 300 municipalities of 2019 x 15 measures
   x 23 organisations per municipality) against one hand-written INSERT ... SELECT ... GROUP BY that produces the
   same rows at the same levels straight from the headcounts: the ratio (goal <= 2x);
2. incremental recompute after one submission changes (goal <= 50 ms);
3. save -> aggregate visible through a real Celery worker, p50 and p95 over 50 edits (goal p95 <= 1 s);
4. a burst of 1,000 edits from 4 processes: how many recomputes ran and how long until the aggregates were
   fresh (goal <= 5 s).

Any correctness check that fails (rows that differ, totals or leaves that do not equal the headcounts) ends the
run with exit code 1.

Options: --organisations-per-municipality N (default 23), --years N (default 10), --keep (keep the database),
--quick (tiny data for the test suite: 1 organisation per municipality, 2 years, 5 submissions, 5 edits, a
burst of 40; the same steps, in a database of its own that is dropped at the end).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import platform
import queue
import random
import statistics
import subprocess
import sys
import time

from common import ROOT, clean_up_database, recreate_database, setup_django, sql

BENCH_DB = "inventaris_bench"
QUICK_DB = "inventaris_bench_quick"
LAST_YEAR = 2019
MEASURES = 15
KEY_COLUMNS = 'year, scope, region_id, grouping_id, trede, "group", measure_id, persons'


def generate(organisations_per_municipality: int, years: int) -> int:
    """Organisations in every current municipality, one submission per organisation and year (validated, the
    last year submitted so that it can be edited) with one headcount per measure, in set-based statements."""
    first_year = LAST_YEAR - years + 1
    sql(
        """
        insert into inventory_organisation (kbo, name, kind, home_region_id, active, email, note)
        select body || lpad((97 - body::bigint %% 97)::text, 2, '0'), 'Bench ' || m.code || '-' || j,
               'maatwerkbedrijf', m.id, true, '', ''
        from generate_series(0, %(n)s - 1) j
        cross join (select id, code, row_number() over (order by code) as rn from inventory_region
                    where level = 'gemeente' and coalesce(first_year, 0) <= %(last)s
                      and coalesce(last_year, 9999) >= %(last)s) m
        cross join lateral (select lpad((4000000 + j * 1000 + m.rn)::text, 8, '0') as body) b
        """,
        {"n": organisations_per_municipality, "last": LAST_YEAR},
    )
    sql(
        """
        insert into inventory_submission (organisation_id, year, status, version, note, created_at, updated_at,
                                          return_comment, reopen_reason)
        select o.id, y, case when y = %(last)s then 'submitted' else 'validated' end, 1, '', now(), now(), '', ''
        from inventory_organisation o cross join generate_series(%(first)s, %(last)s) y
        """,
        {"first": first_year, "last": LAST_YEAR},
    )
    sql(
        """
        insert into inventory_headcount (submission_id, measure_id, region_id, persons, explanation)
        select s.id, m.id, o.home_region_id, (random() * 60)::int, ''
        from inventory_submission s
        join inventory_organisation o on o.id = s.organisation_id
        cross join (select id from inventory_measure
                    where coalesce(first_year, 0) <= %(last)s and coalesce(last_year, 9999) >= %(last)s
                    order by code limit %(measures)s) m
        """,
        {"measures": MEASURES, "last": LAST_YEAR},
    )
    sql("analyze")
    return sql("select count(*) from inventory_headcount")[0][0]


def baseline_sql() -> str:
    """The same rows and levels as the service, straight from the headcounts in one statement, with its own
    region mapping (ancestors, successors, groupings; the bench's groupings have no year limits)."""
    return """
    insert into bench_baseline (year, scope, region_id, grouping_id, trede, "group", measure_id, persons,
                                computed_at)
    with recursive up(region_id, target_id) as (
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
    ),
    rolled as (
        select s.year, c.target_region_id, c.target_grouping_id, m.trede, m."group" as grp, h.measure_id,
               grouping(m.trede, m."group", h.measure_id) as lvl,
               sum(h.persons) filter (where s.status = 'validated') as v,
               sum(h.persons) as p,
               sum(h.persons) filter (where s.status = 'validated' and m.trede between 3 and 5) as v35,
               sum(h.persons) filter (where m.trede between 3 and 5) as p35
        from inventory_headcount h
        join inventory_submission s on s.id = h.submission_id and s.status in ('submitted', 'validated')
        join inventory_measure m on m.id = h.measure_id
        join closure c on c.region_id = h.region_id
        group by grouping sets (
            (s.year, c.target_region_id, c.target_grouping_id, m.trede, m."group", h.measure_id),
            (s.year, c.target_region_id, c.target_grouping_id, m.trede, m."group"),
            (s.year, c.target_region_id, c.target_grouping_id, m.trede),
            (s.year, c.target_region_id, c.target_grouping_id))
    )
    select year, sc.scope, target_region_id, target_grouping_id, trede, coalesce(grp, ''), measure_id,
           case when sc.scope = 'validated' then (case when lvl = 7 then v35 else v end)
                else (case when lvl = 7 then p35 else p end) end, now()
    from rolled cross join (values ('validated'), ('provisional')) as sc(scope)
    where (case when sc.scope = 'validated' then (case when lvl = 7 then v35 else v end)
                else (case when lvl = 7 then p35 else p end) end) is not null
    """


def timed(function, repeat: int = 2) -> float:
    """Best of `repeat` runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def random_headcount(rng: random.Random, year: int = LAST_YEAR) -> tuple[int, int, int, int]:
    """(headcount id, submission id, region id, measure id) of a random headcount in `year`."""
    (row,) = sql(
        """select h.id, h.submission_id, h.region_id, h.measure_id from inventory_headcount h
           join inventory_submission s on s.id = h.submission_id
           where s.year = %(year)s and s.organisation_id = %(org)s limit 1""",
        {"year": year, "org": rng.choice(ORGANISATION_IDS)},
    )
    return row


ORGANISATION_IDS: list[int] = []


def edit(headcount_id: int, persons: int) -> None:
    from inventory.models import Headcount
    from inventory.services.submissions import headcount_save

    h = Headcount.objects.select_related("submission", "measure", "region").get(pk=headcount_id)
    headcount_save(submission=h.submission, measure=h.measure, region=h.region, persons=persons, headcount=h)


def visible(region_id: int, measure_id: int) -> bool:
    rows = sql(
        """select sum(persons) from inventory_aggregate where year = %(year)s and scope = 'provisional'
           and region_id = %(region)s and measure_id = %(measure)s""",
        {"year": LAST_YEAR, "region": region_id, "measure": measure_id},
    )
    # A municipality's aggregate holds the municipalities that merged into it too (present-day view).
    expected = sql(
        """with recursive merged(id) as (
               select %(region)s::bigint
               union select r.id from inventory_region r join merged m on r.successor_id = m.id
           )
           select sum(h.persons) from inventory_headcount h join inventory_submission s on s.id = h.submission_id
           where s.year = %(year)s and h.region_id in (select id from merged) and h.measure_id = %(measure)s""",
        {"year": LAST_YEAR, "region": region_id, "measure": measure_id},
    )
    return rows[0][0] == expected[0][0]


def fresh() -> bool:
    return not sql("select 1 from inventory_aggregatedirtykey limit 1")


def wait(condition, timeout: float = 60) -> float:
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > timeout:
            raise SystemExit("bench: aggregates did not become fresh within a minute")
        time.sleep(0.005)
    return time.perf_counter()


def burst_worker(ids: list[int], seed: int, out: multiprocessing.Queue) -> None:
    from django.db import connections

    connections.close_all()
    rng = random.Random(seed)
    for headcount_id in ids:
        edit(headcount_id, rng.randint(0, 99))
    out.put(time.perf_counter())


def burst_results(done: multiprocessing.Queue, processes: list) -> list[float]:
    """When each burst process made its last edit; a process that died fails the run at once."""
    results: list[float] = []
    deadline = time.monotonic() + 300
    while len(results) < len(processes):
        try:
            results.append(done.get(timeout=1))
        except queue.Empty:
            check(not any(p.exitcode for p in processes), "a burst process failed")
            check(time.monotonic() < deadline, "the burst did not finish within 5 minutes")
    return results


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-l", "warning"],
        cwd=ROOT,
        env=env,
    )
    from config.celery import app

    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if time.monotonic() > deadline or worker.poll() is not None:
            raise SystemExit("bench: the Celery worker did not start")
    return worker


def check(ok: bool, what: str) -> None:
    if not ok:
        raise SystemExit(f"bench: FAILED: {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations-per-municipality", type=int)
    parser.add_argument("--years", type=int)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--quick", action="store_true", help="tiny data, for the test suite")
    options = parser.parse_args()
    quick = options.quick
    options.organisations_per_municipality = options.organisations_per_municipality or (1 if quick else 23)
    options.years = options.years or (2 if quick else 10)
    submissions, edits, burst = (5, 5, 40) if quick else (20, 50, 1000)
    database = QUICK_DB if quick else BENCH_DB

    recreate_database(database)
    try:
        run(options, database, submissions, edits, burst)
    finally:
        with contextlib.suppress(Exception):  # Django may not have got as far as its settings
            from django.db import connections

            connections.close_all()
        clean_up_database(database, quick=quick, keep=options.keep)


def run(options: argparse.Namespace, database: str, submissions: int, edits: int, burst: int) -> None:
    setup_django(database)
    from django.core.management import call_command
    from django.db import connections

    from inventory.services.aggregation import aggregates_recompute, aggregates_recompute_all, redis_client
    from inventory.services.reference import reference_load

    call_command("migrate", verbosity=0)
    reference_load()
    redis_client().flushdb()
    # A reused bench database whose regions the load brought in line marks every year dirty, and the flush above
    # drops the queued recomputes: the data is generated anew and recomputed whole below, so start unmarked.
    sql("delete from inventory_aggregatedirtykey")
    started = time.perf_counter()
    headcounts = generate(options.organisations_per_municipality, options.years)
    server = sql("select version()")[0][0].split(" on ")[0]
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, {server}")
    print(f"data: {headcounts:,} headcounts generated in {time.perf_counter() - started:.1f} s")
    ORGANISATION_IDS.extend(i for (i,) in sql("select id from inventory_organisation where name like 'Bench %%'"))

    # 1. full recompute against the hand-written statement
    sql("create unlogged table bench_baseline (like inventory_aggregate including defaults)")
    sql("alter table bench_baseline drop column id")
    baseline_sql_text = baseline_sql()

    def baseline() -> None:
        sql("truncate bench_baseline")
        sql(baseline_sql_text)

    base = timed(baseline)
    full = timed(aggregates_recompute_all)
    ours = sql("select count(*) from inventory_aggregate")[0][0]
    theirs = sql("select count(*) from bench_baseline")[0][0]
    differing = sql(
        f"""select count(*) from (
             (select {KEY_COLUMNS} from inventory_aggregate except select {KEY_COLUMNS} from bench_baseline)
             union all
             (select {KEY_COLUMNS} from bench_baseline except select {KEY_COLUMNS} from inventory_aggregate)) d"""
    )[0][0]
    print(
        f"1. full recompute: {full:.2f} s for {ours:,} aggregate rows; hand-written INSERT ... SELECT ... GROUP BY: "
        f"{base:.2f} s for {theirs:,} rows; rows that differ: {differing}; ratio {full / base:.2f}x (goal <= 2x)"
    )
    check(ours > 0 and differing == 0, f"the full recompute's {ours:,} rows differ from the statement's in {differing}")

    # 2. incremental recompute after one submission changes (one organisation's 15 measures)
    rng = random.Random(2019)
    durations = []
    for _ in range(submissions):
        org = rng.choice(ORGANISATION_IDS)
        with transaction_atomic():
            for (headcount_id,) in sql(
                """select h.id from inventory_headcount h join inventory_submission s on s.id = h.submission_id
                   where s.organisation_id = %(org)s and s.year = %(year)s""",
                {"org": org, "year": LAST_YEAR},
            ):
                edit(headcount_id, rng.randint(0, 99))
        started = time.perf_counter()
        result = aggregates_recompute(year=LAST_YEAR)
        durations.append(time.perf_counter() - started)
        assert not result.full, result
        assert result.keys == MEASURES, result
    flanders = sql(
        """select (select persons from inventory_aggregate a join inventory_region r on r.id = a.region_id
                   where a.year = %(y)s and a.scope = 'provisional' and r.code = '02000' and a.trede is null)
                = (select sum(h.persons) from inventory_headcount h
                   join inventory_submission s on s.id = h.submission_id
                   join inventory_measure m on m.id = h.measure_id where s.year = %(y)s and m.trede between 3 and 5)""",
        {"y": LAST_YEAR},
    )[0][0]
    print(
        f"2. incremental recompute after one submission (15 headcounts) changes: median "
        f"{statistics.median(durations) * 1000:.1f} ms, p95 {percentile(durations, 95) * 1000:.1f} ms over "
        f"{submissions} submissions; Flanders total still equals the headcounts: {flanders} (goal <= 50 ms; "
        f"full recompute of one year for comparison: {full / options.years * 1000:.0f} ms)"
    )
    check(flanders is True, "after the incremental recomputes the Flanders total no longer equals the headcounts")

    # 3. save -> visible through the real worker
    redis_client().flushdb()
    connections.close_all()
    env = dict(os.environ)
    worker = start_worker(env)
    try:
        latencies = []
        for i in range(edits):
            headcount_id, _submission, region_id, measure_id = random_headcount(rng)
            edit(headcount_id, 100 + i)
            saved = time.perf_counter()
            latencies.append(wait(lambda r=region_id, m=measure_id: visible(r, m) and fresh()) - saved)
        print(
            f"3. save -> aggregate visible through the worker: p50 {statistics.median(latencies) * 1000:.0f} ms, "
            f"p95 {percentile(latencies, 95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms over {edits} edits "
            f"(goal p95 <= 1 s)"
        )

        # 4. a burst of edits (1,000) from 4 processes
        runs_before = sql("select coalesce(sum(runs), 0) from inventory_aggregateyear")[0][0]
        ids = [random_headcount(rng)[0] for _ in range(burst)]
        connections.close_all()
        context = multiprocessing.get_context("fork")
        done: multiprocessing.Queue = context.Queue()
        processes = [context.Process(target=burst_worker, args=(ids[p::4], p, done)) for p in range(4)]
        burst_started = time.perf_counter()
        for process in processes:
            process.start()
        last_edit = max(burst_results(done, processes))
        for process in processes:
            process.join()
        fresh_at = wait(fresh)
        runs = sql("select coalesce(sum(runs), 0) from inventory_aggregateyear")[0][0] - runs_before
        correct = sql(
            """select count(*) = 0 from (
                 select l.region_id, l.measure_id, l.provisional, sum(h.persons) as actual
                 from inventory_aggregateleaf l
                 join inventory_headcount h on h.region_id = l.region_id and h.measure_id = l.measure_id
                 join inventory_submission s on s.id = h.submission_id and s.year = l.year
                 where l.year = %(y)s group by 1, 2, 3 having l.provisional <> sum(h.persons)) d""",
            {"y": LAST_YEAR},
        )[0][0]
        print(
            f"4. burst of {burst:,} edits from 4 processes: edits took {last_edit - burst_started:.2f} s, "
            f"{runs} recomputes ran, aggregates fresh {fresh_at - last_edit:.2f} s after the last edit and "
            f"{fresh_at - burst_started:.2f} s after the first; leaves equal the headcounts: {correct} "
            f"(goal <= 5 s)"
        )
        check(correct is True, "after the burst the aggregate leaves do not equal the headcounts")
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def transaction_atomic():
    from django.db import transaction

    return transaction.atomic()


if __name__ == "__main__":
    main()
