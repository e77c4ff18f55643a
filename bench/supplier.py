"""Supplier-file benchmark (`make bench-supplier`), on PostgreSQL, in a database of its own.

The same figures (municipalities x 20 measures x 12 years: 300 municipalities where a year has them, else every
municipality that year has) go in two ways, each into an empty database (no headcounts, no submissions):

- long (the baseline): one headcount CSV, a row per figure, by KBO, measure code and NIS code, through
  `headcounts_import`, as a supplier who sends the import's own layout;
- wide: one XLSX with a sheet per year ("2014", ...), a title row, the municipalities by NAME, a column per
  measure, a "Totaal" column and a totals row, through an import profile and `supplier_import` (names matched
  for the year, reshaped to long rows, reconciled with the totals row, then the same parser and storage).

Also: the long file as XLSX (the same cells as the CSV: what reading a workbook costs), and each file a second
time into the figures it just wrote (every row unchanged). Each variant runs in a subprocess of its own; its peak
RSS is the child's VmHWM. Printed: rows per second, the ratio of each to the long CSV, peak RSS, and the goal:
the wide file within 1.5x of the long CSV's time per row. A variant that fails, reports other counts than
expected or leaves other figures than the long CSV (compared by a checksum of every year, measure, region and
persons) ends the run with exit code 1.

Options: --municipalities N (default 300 a year), --rounds N (default 5: every variant N times, interleaved, the
median reported; 1 with --quick), --keep (keep the database), --database NAME (default: the
name of the database in DATABASE_URL + "_bench_supplier", inventaris_bench_supplier for `make bench-supplier`),
--cprofile VARIANT (that variant, e.g. wide, under cProfile: its 25 costliest functions on stderr),
--quick (5 municipalities, 2 years, for the test suite; in a database <NAME>_quick that is dropped at the end).
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
from typing import Any
from urllib.parse import urlsplit

from common import ROOT, SERVER_URL, run_in_fresh_database, setup_django, sql

# Beside the database in DATABASE_URL: inventaris_bench_supplier for `make bench-supplier`.
BENCH_DB = f"{urlsplit(SERVER_URL).path.lstrip('/') or 'inventaris'}_bench_supplier"
YEARS = tuple(range(2014, 2026))
QUICK_YEARS = (2019, 2020)
MEASURES = 20
MUNICIPALITIES = 300
QUICK_MUNICIPALITIES = 5
PROFILE = "Bench: breed, blad per jaar, gemeenten bij naam"
STAFF = "bench-medewerker"


def measure_code(i: int) -> str:
    return f"BENCH-{i:02d}"


def header(i: int) -> str:
    return f"Doelgroep {i:02d}"


def persons(year: int, measure: int, region: str) -> int:
    """A figure that is the same for both files (never below 5, so no marker is involved)."""
    return 5 + (year * 31 + measure * 17 + int(region) * 7) % 400


# --- the parent: data, files, variants -----------------------------------------------------------------------


def prepare(municipalities: int, years: tuple[int, ...]) -> dict:
    """Measures, a supplier, a staff member and the profile; the municipalities per year."""
    from django.contrib.auth.models import Group

    from accounts.models import User
    from accounts.services import STAFF_GROUP
    from inventory.models import Measure, MeasureMode, Organisation, OrganisationKind, Region
    from inventory.services.demo import synthetic_kbo
    from inventory.services.imports.profiles import profile_save

    for i in range(1, MEASURES + 1):
        Measure.objects.create(
            code=measure_code(i), name=f"Benchmaatregel {i:02d}", trede=4, mode=MeasureMode.INDIVIDUEEL,
            group="bench", reporter_kinds=[OrganisationKind.GEGEVENSLEVERANCIER],
        )  # fmt: skip
    supplier = Organisation.objects.create(
        kbo=synthetic_kbo(6_000_001), name="Bench-leverancier", kind=OrganisationKind.GEGEVENSLEVERANCIER,
        home_region=Region.objects.municipalities().order_by("code").first(),
    )  # fmt: skip
    staff = User.objects.create_user(username=STAFF, password=None, is_staff=True)
    staff.groups.add(Group.objects.get(name=STAFF_GROUP))
    profile_save(
        name=PROFILE,
        organisation=supplier,
        layout={
            "shape": "wide",
            "sheets": "all",
            "skip_rows": 1,
            "region": {"column": "Gemeente", "by": "name"},
            "year": {"from": "sheet"},
            "measures": {header(i): measure_code(i) for i in range(1, MEASURES + 1)},
            "total_rows": ["Totaal"],
        },
    )
    places = {
        year: list(
            Region.objects.municipalities().valid_in(year).order_by("code").values_list("code", "name")[:municipalities]
        )
        for year in years
    }
    return {"kbo": supplier.kbo_display, "places": places}


def write_files(data: dict, folder: Path) -> dict[str, Path]:
    from openpyxl import Workbook

    kbo, places = data["kbo"], data["places"]
    files = {"long-csv": folder / "lang.csv", "long-xlsx": folder / "lang.xlsx", "wide": folder / "breed.xlsx"}
    # Not write_only: openpyxl's streamed files have no <dimension>, which makes openpyxl read every sheet twice
    # in read-only mode (once to find its size); Excel's files have one.
    long_book = Workbook()
    long_sheet = long_book.active
    long_sheet.title = "Tellingen"
    columns = ["jaar", "organisatie", "maatregel", "regio", "personen"]
    long_sheet.append(columns)
    with files["long-csv"].open("w", encoding="utf-8") as out:
        out.write(";".join(columns) + "\n")
        for year, municipalities in places.items():
            for code, _name in municipalities:
                for i in range(1, MEASURES + 1):
                    row = [year, kbo, measure_code(i), code, persons(year, i, code)]
                    out.write(";".join(str(v) for v in row) + "\n")
                    long_sheet.append(row)
    long_book.save(files["long-xlsx"])

    wide_book = Workbook()
    wide_book.remove(wide_book.active)
    for year, municipalities in places.items():
        sheet = wide_book.create_sheet(str(year))
        sheet.append([f"Bench: personen per gemeente en doelgroep, {year} (synthetisch)"])
        sheet.append(["Gemeente", *(header(i) for i in range(1, MEASURES + 1)), "Totaal"])
        totals = [0] * MEASURES
        for code, name in municipalities:
            values = [persons(year, i, code) for i in range(1, MEASURES + 1)]
            totals = [t + v for t, v in zip(totals, values, strict=True)]
            sheet.append([name, *values, sum(values)])
        sheet.append(["Totaal", *totals, sum(totals)])
    wide_book.save(files["wide"])
    return files


def empty() -> None:
    """No headcounts, no submissions, nothing to recompute: each import starts from an empty database."""
    sql("truncate inventory_headcount, inventory_submission, inventory_aggregatedirtykey cascade")
    sql("vacuum analyze inventory_headcount")


def checksum() -> tuple[int, int]:
    """The figures stored, whichever way they came in: their number and a hash of every (year, measure, region,
    persons)."""
    ((count, digest),) = sql(
        """select count(*), coalesce(sum(hashtext(s.year || '/' || m.code || '/' || r.code || '/' || h.persons)), 0)
           from inventory_headcount h join inventory_submission s on s.id = h.submission_id
           join inventory_measure m on m.id = h.measure_id join inventory_region r on r.id = h.region_id"""
    )
    return count, digest


def run_variant(name: str, path: Path, env: dict[str, str], options: argparse.Namespace) -> dict:
    """The variant in a child process: its own figures and its peak RSS."""
    args = [sys.executable, __file__, "--variant", name, "--file", str(path), "--database", options.database]
    args += ["--quick"] if options.quick else []
    args += ["--cprofile", name] if options.cprofile == name else []
    process = subprocess.run(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, check=False)
    if process.returncode:
        raise SystemExit(f"bench: FAILED: variant {name} exited with code {process.returncode}")
    return dict(json.loads(process.stdout.decode().strip().splitlines()[-1]))


def peak_rss_mb() -> float:
    """This process's peak RSS since it started (VmHWM; ru_maxrss of a child would start at its parent's peak, and
    the parent held the workbooks it wrote)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--municipalities", type=int)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--quick", action="store_true", help="tiny data, for the test suite")
    parser.add_argument("--database", default=BENCH_DB)
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--cprofile", metavar="VARIANT", default="")
    parser.add_argument("--variant")
    parser.add_argument("--file")
    options = parser.parse_args()
    options.municipalities = options.municipalities or (QUICK_MUNICIPALITIES if options.quick else MUNICIPALITIES)
    options.rounds = options.rounds or (1 if options.quick else 5)
    database = f"{options.database}_quick" if options.quick else options.database
    if options.variant:
        return child(database, options.variant, Path(options.file), cprofile=options.cprofile == options.variant)

    run_in_fresh_database(
        database,
        prefix="bench-supplier-",
        quick=options.quick,
        keep=options.keep,
        run=lambda folder: run(options, database, folder),
    )


def run(options: argparse.Namespace, database: str, folder: Path) -> None:
    setup_django(database)
    from django.core.management import call_command
    from django.db import connections

    from inventory.services.reference import reference_load

    call_command("migrate", verbosity=0)
    reference_load()
    years = QUICK_YEARS if options.quick else YEARS
    data = prepare(options.municipalities, years)
    files = write_files(data, folder)
    rows = sum(len(m) for m in data["places"].values()) * MEASURES
    per_year = {year: len(m) for year, m in data["places"].items()}
    counts = ", ".join(
        f"{first}-{last}: {n}" if first != last else f"{first}: {n}" for first, last, n in year_ranges(per_year)
    )
    server = sql("select version()")[0][0].split(" on ")[0]
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, {server}")
    print(
        f"data: {rows:,} figures = {MEASURES} measures x {len(years)} years x the municipalities of each year "
        f"(at most {options.municipalities:,}; {counts}); long CSV {size(files['long-csv'])}, long XLSX "
        f"{size(files['long-xlsx'])}, wide XLSX {size(files['wide'])} ({len(years)} sheets, names)"
    )
    connections.close_all()
    env = dict(os.environ)

    plan = [  # (variant, file, start from an empty database)
        ("long-csv", "long-csv", True),
        ("long-csv-unchanged", "long-csv", False),
        ("long-xlsx", "long-xlsx", True),
        ("wide", "wide", True),
        ("wide-unchanged", "wide", False),
    ]
    runs: dict[str, list[dict]] = {name: [] for name, _file, _fresh in plan}
    reference: tuple[int, int] | None = None
    for _round in range(options.rounds):
        for name, file, fresh in plan:
            if fresh:
                empty()
            connections.close_all()
            result = run_variant(name, files[file], env, options)
            new, unchanged = (rows, 0) if fresh else (0, rows)
            expected = {"created": new, "updated": 0, "unchanged": unchanged}
            reported = {key: result.get(key) for key in expected}
            if reported != expected:
                raise SystemExit(f"bench: FAILED: {name} reported {reported}, not {expected}")
            stored = checksum()
            reference = reference or stored
            if stored != reference or stored[0] != rows:
                raise SystemExit(f"bench: FAILED: {name} left {stored[0]:,} figures (checksum {stored[1]}), not "
                                 f"{rows:,} (checksum {reference[1]}) as the long CSV")  # fmt: skip
            runs[name].append(result)
    # Per variant the round with its median time (the rounds interleave the variants, so a busy moment of the
    # machine falls on all of them alike).
    results = {name: sorted(done, key=lambda r: r["seconds"])[len(done) // 2] for name, done in runs.items()}
    print(f"rounds of every variant: {options.rounds}; per variant the median")

    baseline = results["long-csv"]["seconds"] / rows
    labels = {
        "long-csv": "long CSV, headcounts_import (baseline)",
        "long-csv-unchanged": "long CSV again (unchanged)",
        "long-xlsx": "long XLSX, headcounts_import",
        "wide": "wide XLSX by name, supplier_import through its profile",
        "wide-unchanged": "wide XLSX again (unchanged)",
    }
    print()
    print(f"{'variant':<58} {'seconds':>8} {'rows/s':>10} {'x long':>7} {'peak RSS':>9}")
    for name, result in results.items():
        seconds = result["seconds"]
        print(
            f"{labels[name]:<58} {seconds:>8.2f} {rows / seconds:>10,.0f} {seconds / rows / baseline:>6.2f}x "
            f"{result['peak_rss_mb']:>6.0f} MB"
        )
    # The goal's ratio pairs the two imports of each round (run one after the other) and takes the median round.
    each = paired(runs["wide"], runs["long-csv"])
    again = paired(runs["wide-unchanged"], runs["long-csv-unchanged"])
    ratio = median(each)
    print()
    print(
        f"{'goal met' if ratio <= 1.5 else 'GOAL MISSED'} (the wide file within 1.5x of the long CSV's time per "
        f"row, median of the rounds): {ratio:.2f}x; unchanged the second time: {median(again):.2f}x"
    )
    print(f"wide / long CSV in each round: {', '.join(f'{r:.2f}x' for r in each)}")


def paired(these: list[dict], baselines: list[dict]) -> list[float]:
    return [a["seconds"] / b["seconds"] for a, b in zip(these, baselines, strict=True)]


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def year_ranges(per_year: dict[int, int]) -> list[tuple[int, int, int]]:
    """Consecutive years with the same count of municipalities, as (first, last, count)."""
    ranges: list[tuple[int, int, int]] = []
    for year, n in sorted(per_year.items()):
        if ranges and ranges[-1][2] == n and ranges[-1][1] == year - 1:
            ranges[-1] = (ranges[-1][0], year, n)
        else:
            ranges.append((year, year, n))
    return ranges


def size(path: Path) -> str:
    return f"{path.stat().st_size / 1024 / 1024:.1f} MB"


# --- the children: one variant each --------------------------------------------------------------------------


def child(database: str, name: str, path: Path, *, cprofile: bool) -> None:
    setup_django(database)
    from django.db import connection

    from accounts.models import User
    from inventory.models import ImportProfile

    connection.ensure_connection()
    user = User.objects.get(username=STAFF)
    profile = ImportProfile.objects.select_related("organisation").get(name=PROFILE)
    data = path.read_bytes()

    def work() -> Any:
        if name.startswith("wide"):
            from inventory.services.imports.supplier import supplier_import

            return supplier_import(data=data, filename=path.name, profile=profile, user=user)
        from inventory.services.imports import headcounts_import

        return headcounts_import(data=data, filename=path.name, user=user)

    started = time.perf_counter()
    if cprofile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        report = profiler.runcall(work)
        seconds = time.perf_counter() - started
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    else:
        report = work()
        seconds = time.perf_counter() - started
    if not report.ok:
        raise SystemExit(f"bench: {name}: {[str(e) for e in report.errors[:3]]}")
    counts = {key: getattr(report, key) for key in ("created", "updated", "unchanged")}
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_rss_mb(), **counts}))


if __name__ == "__main__":
    main()
