"""Export benchmark (`make bench-exports`), on PostgreSQL, in a database of its own.

Makes ~1,000,000 synthetic headcounts (the current municipalities x organisations per municipality x years x
15 measures, in set-based INSERTs), then streams them as CSV four ways, each in a fresh process whose peak
RSS a small launcher reads with getrusage(RUSAGE_CHILDREN):
- baseline: PostgreSQL `COPY (select <the export's columns, joins and order>) TO STDOUT WITH CSV`, read by
  psycopg and thrown away;
- service: inventory.services.exports.csv_chunks(headcounts_export(...)) written to /dev/null;
- http: GET /exports/?dataset=headcounts&format=csv through Django's test client (the view, the
  StreamingHttpResponse), its streaming_content written to /dev/null;
- cursor: the same file made the way the other formats and public files are made (a server-side cursor
  and the csv module; csv_chunks(..., use_copy=False)), for comparison.
Each runs on one year (~10 % of the rows) and on all years, so that constant memory shows as the same peak
RSS at both sizes. Goal: >= 200,000 rows/s (service and http). Every way must give as many rows as COPY, and
COPY of all years every headcount; otherwise, or when an export fails, the exit code is 1.

Options: --organisations-per-municipality N (default 24), --years N (default 10), --repeat N (best of, default
2), --keep (keep the database), --quick (tiny data for the test suite: 1 organisation per municipality, 2 years,
1 run each; in a database of its own that is dropped at the end), --child MODE (internal).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import time

from common import ROOT, clean_up_database, force_login, recreate_database, setup_django, sql

BENCH_DB = "inventaris_bench_exports"
QUICK_DB = "inventaris_bench_exports_quick"
LAST_YEAR = 2019
MEASURES = 15


def generate(organisations_per_municipality: int, years: int) -> int:
    """Organisations in every current municipality, a validated submission per organisation and year, a
    headcount per measure (every other one with an FTE), all set-based."""
    first_year = LAST_YEAR - years + 1
    sql(
        """
        insert into inventory_organisation (kbo, name, kind, home_region_id, active, email, note)
        select body || lpad((97 - body::bigint %% 97)::text, 2, '0'), 'Bench ' || m.name || ' ' || j,
               'maatwerkbedrijf', m.id, true, '', ''
        from generate_series(0, %(n)s - 1) j
        cross join (select id, name, row_number() over (order by code) as rn from inventory_region
                    where level = 'gemeente' and last_year is null) m
        cross join lateral (select lpad((4000000 + j * 1000 + m.rn)::text, 8, '0') as body) b
        """,
        {"n": organisations_per_municipality},
    )
    sql(
        """
        insert into inventory_submission (organisation_id, year, status, version, note, created_at, updated_at,
                                          return_comment, reopen_reason)
        select o.id, y, 'validated', 1, '', now(), now(), '', ''
        from inventory_organisation o cross join generate_series(%(first)s, %(last)s) y
        """,
        {"first": first_year, "last": LAST_YEAR},
    )
    sql(
        """
        insert into inventory_headcount (submission_id, measure_id, region_id, persons, fte, explanation)
        select s.id, m.id, o.home_region_id, p, case when m.rn %% 2 = 0 then round(p * 0.8, 2) end, ''
        from inventory_submission s
        join inventory_organisation o on o.id = s.organisation_id
        cross join (select id, row_number() over (order by code) as rn from inventory_measure
                    where coalesce(last_year, 9999) >= %(last)s order by code limit %(measures)s) m
        cross join lateral (select (random() * 60)::int + s.id %% 2 as p) r
        """,
        {"measures": MEASURES, "last": LAST_YEAR},
    )
    sql("analyze")
    return sql("select count(*) from inventory_headcount")[0][0]


def copy_sql(year: int | None) -> str:
    """The export's rows, columns and order, straight from PostgreSQL."""
    where = f"and s.year = {int(year)}" if year else ""
    return f"""
    copy (select s.year, o.kbo, o.name, m.code, m.trede, m."group", r.code, r.name, h.persons, h.fte, s.status,
                 'validated'
          from inventory_headcount h
          join inventory_submission s on s.id = h.submission_id
          join inventory_organisation o on o.id = s.organisation_id
          join inventory_measure m on m.id = h.measure_id
          join inventory_region r on r.id = h.region_id
          where s.status = 'validated' {where}
          order by s.year, r.code, m.code, o.kbo) to stdout with (format csv, header)
    """


def child(database: str, mode: str, year: int | None) -> None:
    """One measured export; prints {"rows": N, "bytes": N, "seconds": S} as JSON. Imports and the login
    happen before the clock starts."""
    setup_django(database, ALLOWED_HOSTS="testserver")
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from inventory.selectors.headcounts import HeadcountFilters
    from inventory.services.exports import csv_chunks, headcounts_export

    connection.ensure_connection()
    client = Client()
    if mode == "http":
        user, _created = User.objects.get_or_create(username="bench-staff", defaults={"is_staff": True})
        force_login(client, user)
    rows = bytes_out = 0
    started = time.perf_counter()
    with open(os.devnull, "w", encoding="utf-8") as sink:
        if mode == "copy":
            with connection.connection.cursor() as cursor, cursor.copy(copy_sql(year)) as copy:
                for block in copy:
                    bytes_out += len(block)
                    rows += bytes(block).count(b"\n")
            rows -= 1  # the header
        elif mode in ("service", "cursor"):
            export = headcounts_export(filters=HeadcountFilters(years=[year] if year else []))
            for number, chunk in enumerate(csv_chunks(export, use_copy=mode == "service")):
                sink.write(chunk)
                bytes_out += len(chunk)
                if number:  # the first chunk is the metadata block and the header
                    rows += chunk.count("\n")
        else:
            params = {"dataset": "headcounts", "format": "csv", "scope": "validated"}
            if year:
                params["year"] = str(year)
            response = client.get("/exports/", params)
            assert response.status_code == 200, response.status_code
            for number, chunk in enumerate(response.streaming_content):
                bytes_out += len(chunk)
                if number:
                    rows += chunk.count(b"\n")
    print(json.dumps({"rows": rows, "bytes": bytes_out, "seconds": time.perf_counter() - started}))


# Runs one measured export and adds the peak RSS of that process, read with getrusage(RUSAGE_CHILDREN).
# A launcher of its own, because Linux keeps the RSS high-water mark across fork and exec: a child forked
# from this process (Django loaded, ~90 MB) would report at least this process's size.
LAUNCHER = """
import json, resource, subprocess, sys
result = json.loads(subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, check=True).stdout.decode().splitlines()[-1])
result["rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps(result))
"""


def measure(mode: str, year: int | None, repeat: int, quick: bool) -> dict:
    """Best of `repeat` runs, each in a fresh process."""
    best: dict | None = None
    for _ in range(repeat):
        args = [sys.executable, __file__, "--child", mode] + (["--year", str(year)] if year else [])
        args += ["--quick"] if quick else []
        done = subprocess.run([sys.executable, "-c", LAUNCHER, *args], stdout=subprocess.PIPE, cwd=ROOT)
        if done.returncode:
            raise SystemExit(f"bench: the {mode} export failed")
        result = json.loads(done.stdout.decode().splitlines()[-1])
        if best is None or result["seconds"] < best["seconds"]:
            best = result
    assert best is not None
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations-per-municipality", type=int)
    parser.add_argument("--years", type=int)
    parser.add_argument("--repeat", type=int)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--quick", action="store_true", help="tiny data, for the test suite")
    parser.add_argument("--child", choices=["copy", "service", "cursor", "http"])
    parser.add_argument("--year", type=int)
    options = parser.parse_args()
    quick = options.quick
    options.organisations_per_municipality = options.organisations_per_municipality or (1 if quick else 24)
    options.years = options.years or (2 if quick else 10)
    options.repeat = options.repeat or (1 if quick else 2)
    database = QUICK_DB if quick else BENCH_DB
    if options.child:
        child(database, options.child, options.year)
        return

    recreate_database(database)
    try:
        # The test client's host; the bench talks to no real server.
        setup_django(database, ALLOWED_HOSTS="testserver")
        from django.core.management import call_command
        from django.db import connections

        from inventory.services.reference import reference_load

        call_command("migrate", verbosity=0)
        reference_load()
        started = time.perf_counter()
        headcounts = generate(options.organisations_per_municipality, options.years)
        server = sql("select version()")[0][0].split(" on ")[0]
        connections.close_all()
        print(f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, {server}")
        print(f"data: {headcounts:,} headcounts generated in {time.perf_counter() - started:.1f} s")
        results: dict[tuple[str, str], dict] = {}
        for size, year in (("one year", LAST_YEAR), ("all years", None)):
            for mode in ("copy", "service", "http", "cursor"):
                result = measure(mode, year, options.repeat, quick)
                results[(mode, size)] = result
                print(
                    f"{size:>9} {mode:>7}: {result['rows']:>9,} rows, {result['bytes'] / 1e6:7.1f} MB in "
                    f"{result['seconds']:6.2f} s = {result['rows'] / result['seconds']:>9,.0f} rows/s, "
                    f"peak RSS {result['rss_mb']:6.1f} MB"
                )
        for mode in ("service", "http", "cursor"):
            full, small = results[(mode, "all years")], results[(mode, "one year")]
            base = results[("copy", "all years")]
            rate = full["rows"] / full["seconds"]
            print(
                f"{mode}: {rate:,.0f} rows/s over {full['rows']:,} rows (goal >= 200,000), "
                f"{full['seconds'] / base['seconds']:.2f}x the time of COPY; peak RSS {full['rss_mb']:.0f} MB at "
                f"{full['rows']:,} rows vs {small['rss_mb']:.0f} MB at {small['rows']:,} rows "
                f"(ratio {full['rss_mb'] / small['rss_mb']:.2f})"
            )
        wrong = [
            f"{mode} on {size}: {result['rows']:,} rows, COPY {results[('copy', size)]['rows']:,}"
            for (mode, size), result in results.items()
            if result["rows"] != results[("copy", size)]["rows"]
        ]
        if results[("copy", "all years")]["rows"] != headcounts or not results[("copy", "one year")]["rows"]:
            wrong.append(f"COPY: {results[('copy', 'all years')]['rows']:,} rows of {headcounts:,} headcounts")
        if wrong:
            raise SystemExit(f"bench: FAILED: the exports do not give the headcounts: {'; '.join(wrong)}")
        print(f"every export gave the same rows as COPY: {headcounts:,} headcounts over all years")
    finally:
        with contextlib.suppress(Exception):  # Django may not have got as far as its settings
            from django.db import connections

            connections.close_all()
        clean_up_database(database, quick=quick, keep=options.keep)


if __name__ == "__main__":
    main()
