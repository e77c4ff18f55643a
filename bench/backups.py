"""Backup benchmark (`make bench-backups`), on PostgreSQL, in a database of its own.

The export benchmark's ~1,000,000 synthetic headcounts (bench/exports.py's `generate`: 10 years x the 285 current
municipalities x 24 organisations per municipality x 15 measures, set-based), their aggregates computed and an
edition published through the service (which copies every figure and headcount again), and three uploaded files
of 1 MB; then, each timed once:

- baseline: plain `pg_dump --format=custom` of the database to /dev/null;
- backup: `backup_create` (what `manage.py backup` and the nightly task run): pg_dump in a snapshot, the exact row
  count of every table, the editions' and uploads' checksums, the sha256 of the dump, the tar with its manifest;
- baseline: `createdb` and a plain `pg_restore` of a custom-format dump into it (made untimed beforehand);
- restore_check: `backup_check` on the backup: its checksums, a scratch database, pg_restore, the row counts and
  checksums compared with the manifest, the migration check, the scratch database dropped.

Printed: seconds and the ratio to the baseline, the file's size against the plain dump's. The backup must pass
its restore check and its manifest must count every headcount; otherwise the exit code is 1.

Options: --organisations-per-municipality N (default 24), --years N (default 10), --keep (keep the database),
--quick (tiny data for the test suite: 1 organisation per municipality, 2 years; in a database of its own that is
dropped at the end).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import time
from pathlib import Path

from common import database_url, drop_database, recreate_database, run_in_fresh_database, setup_django, sql
from exports import generate

BENCH_DB = "inventaris_bench_backups"
QUICK_DB = "inventaris_bench_backups_quick"
UPLOADS, UPLOAD_BYTES = 3, 1024 * 1024


def build(options: argparse.Namespace) -> str:
    """The data, and a line for the output."""
    from django.core.management import call_command

    from accounts.models import User
    from inventory.models import ImportJob
    from inventory.services.aggregation import aggregates_recompute_all
    from inventory.services.editions import edition_publish
    from inventory.services.reference import reference_load

    call_command("migrate", verbosity=0)
    reference_load()
    started = time.perf_counter()
    headcounts = generate(options.organisations_per_municipality, options.years)
    aggregates_recompute_all()
    coordinator = User.objects.create(username="bench-coordinator", is_coordinator=True)
    published = edition_publish(
        name="Bench 2019", reference_year=2019, published_on=dt.date(2020, 6, 30), user=coordinator
    )
    for number in range(UPLOADS):
        ImportJob.objects.create(
            user=coordinator, kind=ImportJob.Kind.HEADCOUNTS, filename=f"upload-{number}.csv",
            data=os.urandom(UPLOAD_BYTES),
        )  # fmt: skip
    sql("vacuum analyze")
    return (
        f"data: {headcounts:,} headcounts, an edition of {published.headcounts:,} headcounts and {published.figures:,} "
        f"figures, {UPLOADS} uploads of {UPLOAD_BYTES // 1024} KB; built in {time.perf_counter() - started:.1f} s"
    )


def run(options: argparse.Namespace, database: str, folder: Path) -> None:
    setup_django(database)
    from django.db import connections

    from inventory.services.backups import BackupError, backup_check, backup_create

    print(f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, ", end="")
    print(sql("select version()")[0][0].split(" on ")[0])
    print(build(options))
    headcounts = sql("select count(*) from inventory_headcount")[0][0]
    connections.close_all()
    url = database_url(database)

    started = time.perf_counter()
    subprocess.run(["pg_dump", "--format=custom", f"--dbname={url}"], check=True, stdout=subprocess.DEVNULL)
    dump_seconds = time.perf_counter() - started
    started = time.perf_counter()
    backup = backup_create(output=folder)
    backup_seconds = time.perf_counter() - started

    plain = folder / "plain.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--file={plain}", f"--dbname={url}"], check=True)
    fresh = f"{database}_plain_restore"
    try:
        started = time.perf_counter()
        recreate_database(fresh)
        subprocess.run(["pg_restore", f"--dbname={database_url(fresh)}", str(plain)], check=True)
        restore_seconds = time.perf_counter() - started
    finally:
        drop_database(fresh)
    started = time.perf_counter()
    try:
        check = backup_check(path=backup.path)
    except BackupError as error:
        raise SystemExit(f"bench: FAILED: the backup did not pass its restore check: {error}") from None
    check_seconds = time.perf_counter() - started

    plain_mb, backup_mb = plain.stat().st_size / 1e6, backup.size / 1e6
    print(f"{'what':<44} {'seconds':>8} {'x base':>7} {'size':>10}")
    for label, seconds, base, size in (
        ("baseline: pg_dump -Fc to /dev/null", dump_seconds, dump_seconds, ""),
        ("backup (backup_create)", backup_seconds, dump_seconds, f"{backup_mb:.1f} MB"),
        ("baseline: createdb + pg_restore", restore_seconds, restore_seconds, ""),
        ("restore_check (backup_check)", check_seconds, restore_seconds, ""),
    ):
        print(f"{label:<44} {seconds:8.2f} {seconds / base:6.2f}x {size:>10}".rstrip())
    print(f"file: {backup_mb:.1f} MB, {backup_mb / plain_mb:.3f}x the plain dump ({plain_mb:.1f} MB)")
    tables = check.manifest["tables"]
    largest = ", ".join(f"{name} {count:,}" for name, count in sorted(tables.items(), key=lambda t: -t[1])[:4])
    print(f"manifest: {sum(tables.values()):,} rows in {len(tables)} tables (largest: {largest})")
    counted = tables["inventory_headcount"]
    if counted != headcounts:
        raise SystemExit(f"bench: FAILED: the manifest counts {counted:,} headcounts, not {headcounts:,}")
    print(f"restore check: {check.summary}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations-per-municipality", type=int)
    parser.add_argument("--years", type=int)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--quick", action="store_true", help="tiny data, for the test suite")
    options = parser.parse_args()
    options.organisations_per_municipality = options.organisations_per_municipality or (1 if options.quick else 24)
    options.years = options.years or (2 if options.quick else 10)
    database = QUICK_DB if options.quick else BENCH_DB
    run_in_fresh_database(
        database,
        prefix="bench-backups-",
        quick=options.quick,
        keep=options.keep,
        run=lambda folder: run(options, database, folder),
    )


if __name__ == "__main__":
    main()
