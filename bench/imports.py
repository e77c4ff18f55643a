"""Import benchmark (`make bench-imports`), on PostgreSQL, in a database of its own.

A 200,000-row headcount CSV (organisations x years x measures x regions, as a data supplier would send it)
goes in through `headcounts_import`, against two baselines on the same rows in the same run:

- COPY: PostgreSQL COPY of the rows, already resolved to ids, straight into inventory_headcount (no checks);
- django-import-export: a plain ModelResource (fields submission, measure, region, persons) with use_bulk, on
  the same rows resolved to ids.

Every variant runs in a subprocess of its own, after the headcounts were emptied and the submissions created;
its peak RSS is the child's ru_maxrss (os.wait4). Printed: rows per second, the ratio to COPY, peak RSS.
Goals: >= 50,000 validated rows per second (within 3x of COPY), peak RSS <= 300 MB. A variant that fails, leaves
another number of headcounts than it should or reports other counts than expected (every row new; unchanged
the second time) ends the run with exit code 1.

Options: --rows N (default 200,000), --import-export-rows N (default: all; it takes minutes for 200,000),
--skip-import-export, --keep (keep the database), --quick (tiny data for the test suite: 300 rows, all of them
through django-import-export too; in a database of its own that is dropped at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, run_in_fresh_database, setup_django, sql

BENCH_DB = "inventaris_bench_imports"
QUICK_DB = "inventaris_bench_imports_quick"
QUICK_ROWS = 300
YEARS = (2018, 2019)


# --- the parent: data, files, variants -----------------------------------------------------------------------


def generate(rows: int, folder: Path) -> dict[str, Path]:
    """Organisations and the three files (by KBO and code for the service, by id for the baselines)."""
    from inventory.models import Measure, Organisation, OrganisationKind, Region
    from inventory.services.demo import synthetic_kbo

    brugge = Region.objects.get(code="31005")
    keys: list[tuple[Organisation, int, Measure, Region]] = []
    organisations: list[Organisation] = []
    while len(keys) < rows:
        n = len(organisations)
        organisation = Organisation.objects.create(
            kbo=synthetic_kbo(5_000_000 + n), name=f"Leverancier {n}", kind=OrganisationKind.GEGEVENSLEVERANCIER,
            home_region=brugge,
        )  # fmt: skip
        organisations.append(organisation)
        for year in YEARS:
            measures = list(Measure.objects.valid_in(year).order_by("code"))
            regions = list(Region.objects.valid_in(year).order_by("code"))
            keys += [(organisation, year, m, r) for m in measures for r in regions]
    keys = keys[:rows]
    files = {"csv": folder / "tellingen.csv", "ids": folder / "ids.tsv", "ids_csv": folder / "ids.csv"}
    with files["csv"].open("w", encoding="utf-8") as out:
        out.write("jaar;organisatie;maatregel;regio;personen\n")
        for i, (organisation, year, measure, region) in enumerate(keys):
            out.write(f"{year};{organisation.kbo_display};{measure.code};{region.code};{i % 97}\n")
    return {"organisations": len(organisations), "keys": keys, **files}  # type: ignore[dict-item]


def write_id_files(keys: list, files: dict[str, Path], import_export_rows: int | None) -> None:
    """The same rows by submission, measure and region id (the submissions exist by now); the first
    `import_export_rows` of them for django-import-export."""
    submissions = {(o, y): s for s, o, y in sql("select id, organisation_id, year from inventory_submission")}
    with files["ids"].open("w") as tsv, files["ids_csv"].open("w") as out:
        out.write("submission,measure,region,persons\n")
        for i, (organisation, year, measure, region) in enumerate(keys):
            submission = submissions[(organisation.pk, year)]
            tsv.write(f"{submission}\t{measure.pk}\t{region.pk}\t{i % 97}\t\n")
            if import_export_rows is None or i < import_export_rows:
                out.write(f"{submission},{measure.pk},{region.pk},{i % 97}\n")


def reset() -> None:
    """No headcounts, one draft submission per organisation and year, no dirty keys."""
    sql("truncate inventory_headcount")
    sql("truncate inventory_aggregatedirtykey")
    sql(
        """insert into inventory_submission (organisation_id, year, status, version, note, created_at, updated_at,
                                             return_comment, reopen_reason)
           select o.id, y, 'draft', 1, '', now(), now(), '', '' from inventory_organisation o
           cross join unnest(%(years)s::int[]) y
           on conflict (organisation_id, year) do nothing""",
        {"years": list(YEARS)},
    )
    sql("vacuum analyze inventory_headcount")


def run_variant(name: str, path: Path, env: dict[str, str], quick: bool) -> dict:
    """The variant in a child process; its own figures plus its peak RSS from the kernel."""
    args = [sys.executable, __file__, "--variant", name, "--file", str(path)] + (["--quick"] if quick else [])
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE)
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"bench: FAILED: variant {name} exited with code {process.returncode}")
    result = json.loads(output.decode().strip().splitlines()[-1])
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--quick", action="store_true", help="tiny data, for the test suite")
    parser.add_argument("--skip-import-export", action="store_true")
    parser.add_argument("--import-export-rows", type=int)
    parser.add_argument("--variant")
    parser.add_argument("--file")
    options = parser.parse_args()
    options.rows = options.rows or (QUICK_ROWS if options.quick else 200_000)
    database = QUICK_DB if options.quick else BENCH_DB
    if options.variant:
        return child(database, options.variant, Path(options.file))

    run_in_fresh_database(
        database,
        prefix="bench-imports-",
        quick=options.quick,
        keep=options.keep,
        run=lambda folder: run(options, database, folder),
    )


def expect(name: str, result: dict, rows: int) -> None:
    """What each variant must report, beyond the number of headcounts it leaves."""
    expected = {
        "service": {"created": rows, "updated": 0, "unchanged": 0},
        "service-unchanged": {"created": 0, "updated": 0, "unchanged": rows},
        "service-dry-run": {"created": rows, "updated": 0, "unchanged": 0},
        "import-export": {"totals": {**result.get("totals", {}), "new": rows, "error": 0, "invalid": 0}},
    }.get(name, {})
    reported = {key: result.get(key) for key in expected}
    if reported != expected:
        raise SystemExit(f"bench: FAILED: {name} reported {reported}, not {expected}")


def run(options: argparse.Namespace, database: str, folder: Path) -> None:
    setup_django(database)
    from django.core.management import call_command
    from django.db import connections

    from inventory.services.reference import reference_load

    call_command("migrate", verbosity=0)
    reference_load()
    data = generate(options.rows, folder)
    reset()
    write_id_files(data["keys"], data, options.import_export_rows)  # type: ignore[arg-type]
    rows = len(data["keys"])
    server = sql("select version()")[0][0].split(" on ")[0]
    size = data["csv"].stat().st_size / 1024 / 1024  # type: ignore[union-attr]
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, {server}")
    print(
        f"data: {rows:,} rows for {data['organisations']} organisations x {len(YEARS)} years x the measures and "
        f"regions of each year; CSV {size:.1f} MB"
    )
    connections.close_all()
    env = dict(os.environ)

    results = {}
    plan = [  # (variant, file, start from empty headcounts)
        ("copy", "ids", True),
        ("service", "csv", True),
        ("service-unchanged", "csv", False),  # the previous run's headcounts stay: every row equals them
        ("service-dry-run", "csv", True),
    ]
    if not options.skip_import_export:
        plan.append(("import-export", "ids_csv", True))
    for name, file, empty in plan:
        if empty:
            reset()
        connections.close_all()
        results[name] = run_variant(name, data[file], env, options.quick)  # type: ignore[arg-type]
        results[name]["rows"] = rows
        if name == "import-export":
            results[name]["rows"] = min(rows, options.import_export_rows or rows)
        count = sql("select count(*) from inventory_headcount")[0][0]
        expected = 0 if name == "service-dry-run" else results[name]["rows"]
        if count != expected:
            raise SystemExit(f"bench: FAILED: {name} left {count:,} headcounts, not {expected:,}")
        expect(name, results[name], results[name]["rows"])

    copy = results["copy"]["seconds"] / rows  # per row
    print()
    print(f"{'variant':<62} {'seconds':>8} {'rows/s':>10} {'x COPY':>7} {'peak RSS':>9}")
    labels = {
        "copy": "COPY of resolved ids into inventory_headcount",
        "service": "headcounts_import: new rows (validated, written)",
        "service-unchanged": "headcounts_import: same file again (unchanged)",
        "service-dry-run": "headcounts_import: dry run (validated only)",
        "import-export": "django-import-export ModelResource, use_bulk",
    }
    for name, result in results.items():
        seconds, done = result["seconds"], result["rows"]
        label = labels[name] + (f" ({done:,} rows)" if done != rows else "")
        print(
            f"{label:<62} {seconds:>8.2f} {done / seconds:>10,.0f} {seconds / done / copy:>6.2f}x "
            f"{result['peak_rss_mb']:>6.0f} MB"
        )
    service = results["service"]
    print()
    print(
        f"goal: >= 50,000 validated rows/s and within 3x of COPY: {rows / service['seconds']:,.0f} rows/s, "
        f"{service['seconds'] / rows / copy:.2f}x; peak RSS <= 300 MB: {service['peak_rss_mb']:.0f} MB"
    )
    if "import-export" in results:
        theirs = results["import-export"]["seconds"] / results["import-export"]["rows"]
        print(
            f"headcounts_import is {theirs / (service['seconds'] / rows):.0f}x faster per row than django-import-export"
        )


# --- the children: one variant each --------------------------------------------------------------------------


def child(database: str, name: str, path: Path) -> None:
    setup_django(database)
    from django.db import connection, transaction

    connection.ensure_connection()
    started = time.perf_counter()
    extra: dict = {}
    if name == "copy":
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            path.open("rb") as source,
            cursor.copy(
                "copy inventory_headcount (submission_id, measure_id, region_id, persons, explanation) from stdin"
            ) as copy,
        ):
            while chunk := source.read(1 << 20):
                copy.write(chunk)
    elif name.startswith("service"):
        from inventory.services.imports import headcounts_import

        report = headcounts_import(
            data=path.read_bytes(), filename=path.name, user=None, dry_run=name == "service-dry-run"
        )
        if not report.ok:
            raise SystemExit(f"bench: {report.errors[:3]}")
        extra = {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}
    elif name == "import-export":
        import tablib
        from import_export import resources

        from inventory.models import Headcount

        class HeadcountResource(resources.ModelResource):
            class Meta:
                model = Headcount
                fields = ("id", "submission", "measure", "region", "persons")
                use_bulk = True

        dataset = tablib.Dataset().load(path.read_text(), format="csv")
        result = HeadcountResource().import_data(dataset, dry_run=False, use_transactions=True, raise_errors=True)
        extra = {"totals": dict(result.totals)}
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, **extra}))


if __name__ == "__main__":
    main()
