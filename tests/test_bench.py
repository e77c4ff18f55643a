"""Every benchmark in bench/ runs end to end in its quick mode (tiny data), so that a broken benchmark fails here.

Each runs as `make bench-*` runs it (python bench/<script>.py, config.settings.base, the servers in DATABASE_URL
and REDIS_URL), in a subprocess, with `--quick`: a database of its own next to the one in DATABASE_URL (never
the tests' database), which the run drops at the end. Nothing here looks at how long anything took.
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[1]
# Far more than a quick run needs: only there so that a hanging benchmark fails instead of hanging the suite.
HANG = 600


def test_no_bench_module_shadows_another() -> None:
    """bench/ comes first on sys.path when a script there runs: a module named like one of the standard library
    or an installed package would hide it (bench/http.py once hid `http` from Django)."""
    names = [path.stem for path in (ROOT / "bench").glob("*.py") if path.stem != "__init__"]
    expected = {"aggregates", "backups", "common", "exports", "imports", "pages", "portal", "supplier", "upload_limits"}
    assert expected <= set(names)
    assert [name for name in names if name in sys.stdlib_module_names] == []
    assert [name for name in names if importlib.util.find_spec(name) is not None] == []


def server_url() -> str:
    """The PostgreSQL server the tests use, through the database in DATABASE_URL (as bench/common.py does)."""
    return os.environ["DATABASE_URL"]


def database_exists(name: str) -> bool:
    with psycopg.connect(server_url(), autocommit=True) as conn:
        return conn.execute("select 1 from pg_database where datname = %s", [name]).fetchone() is not None


@pytest.fixture
def quick_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """The quick run's database name; dropped afterwards whatever happened to the run."""
    name = request.param
    yield name
    with psycopg.connect(server_url(), autocommit=True) as conn:
        conn.execute(f"drop database if exists {name} with (force)")


def run_bench(script: str) -> str:
    """`python bench/<script> --quick` with the environment `make bench-*` gives it; its output (stdout and
    stderr) once it exited with code 0."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.base")
    env.setdefault("SECRET_KEY", "insecure-bench-key")
    process = subprocess.Popen(
        [sys.executable, f"bench/{script}", "--quick"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = process.communicate(timeout=HANG)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)  # as Ctrl-C: the benchmarks' finally blocks stop their servers and workers
        try:
            output, _ = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        pytest.fail(f"bench/{script} --quick did not finish:\n{output[-6000:]}")
    assert process.returncode == 0, f"bench/{script} --quick exited with {process.returncode}:\n{output[-6000:]}"
    return output


def lines(output: str, pattern: str) -> list[str]:
    return [line for line in output.splitlines() if re.search(pattern, line)]


@pytest.mark.slow
@pytest.mark.parametrize("quick_database", ["inventaris_bench_quick"], indirect=True)
def test_aggregates(quick_database: str) -> None:
    output = run_bench("aggregates.py")

    assert lines(output, r"^data: [\d,]+ headcounts generated")
    assert lines(output, r"^1\. full recompute: .* for [\d,]+ aggregate rows; .* rows that differ: 0; ratio")
    assert lines(output, r"^2\. incremental recompute .* over 5 submissions; Flanders total .* headcounts: True")
    assert lines(output, r"^3\. save -> aggregate visible through the worker: p50 \d+ ms, .* over 5 edits")
    assert lines(output, r"^4\. burst of 40 edits from 4 processes: .* leaves equal the headcounts: True")
    assert not database_exists(quick_database)


@pytest.mark.slow
@pytest.mark.parametrize("quick_database", ["inventaris_bench_exports_quick"], indirect=True)
def test_exports(quick_database: str) -> None:
    output = run_bench("exports.py")

    (data,) = lines(output, r"^data: [\d,]+ headcounts generated")
    headcounts = re.search(r"data: ([\d,]+) headcounts", data)[1]  # type: ignore[index]
    measured = lines(output, r"^ *(one year|all years) +(copy|service|http|cursor): +[\d,]+ rows, .* peak RSS")
    assert len(measured) == 8
    assert len(lines(output, rf"^all years +\w+: +{headcounts} rows")) == 4
    for mode in ("service", "http", "cursor"):
        assert lines(output, rf"^{mode}: [\d,]+ rows/s over {headcounts} rows .* the time of COPY; peak RSS")
    assert f"every export gave the same rows as COPY: {headcounts} headcounts" in output
    assert not database_exists(quick_database)


@pytest.mark.slow
@pytest.mark.parametrize("quick_database", ["inventaris_bench_imports_quick"], indirect=True)
def test_imports(quick_database: str) -> None:
    output = run_bench("imports.py")

    assert lines(output, r"^data: 300 rows for 1 organisations")
    for label in (
        "COPY of resolved ids into inventory_headcount",
        r"headcounts_import: new rows \(validated, written\)",
        r"headcounts_import: same file again \(unchanged\)",
        r"headcounts_import: dry run \(validated only\)",
        "django-import-export ModelResource, use_bulk",
    ):
        assert lines(output, rf"^{label} +[\d.]+ +[\d,]+ +[\d.]+x +\d+ MB$"), label
    assert lines(output, r"^goal: >= 50,000 validated rows/s .*: [\d,]+ rows/s, [\d.]+x; peak RSS <= 300 MB: \d+ MB")
    assert lines(output, r"^headcounts_import is \d+x faster per row than django-import-export")
    assert not database_exists(quick_database)


@pytest.mark.slow
@pytest.mark.parametrize("quick_database", ["inventaris_bench_http_quick"], indirect=True)
def test_pages(quick_database: str) -> None:
    output = run_bench("pages.py")

    assert lines(output, r"^data: [\d,]+ headcounts .* aggregates of \d+ years computed")
    assert lines(output, r"^server: gunicorn [\d.]+, 1 workers \(sync\), DEBUG off; 2 clients")
    for page in ("baseline", "dashboard", "kerncijfers", "tabel", "api"):
        assert lines(output, rf"^{page} +/\S* +10 +(\d+ +){{4}}[\d.]+ +[\d.]+ +[\d.]+x +\d+ %  (met|MISSED)$"), page
    for page in ("dashboard", "tabel", "api"):
        assert lines(output, rf"^{page} cold +/\S* +6 +(\d+ +){{4}}"), page
    assert lines(output, r"^(goal met|GOAL MISSED) \(p95 <= 150 ms with 2 clients\)")
    assert lines(output, r"^(cold goal met|COLD GOAL MISSED) \(p95 <= 2x the baseline's, every request cold\)")
    assert lines(output, r"^baseline 2 +/accounts/password_change/ +10 ")
    measured = r"+10 +(\d+ +){4}[\d.]+ +[\d.]+ +[\d.]+x +\d+ %  (met|MISSED)$"
    for page in ("cijfers", "editie", "fiche-arr", "fiche-gem", "tabel", "tabel-xlsx"):
        assert lines(output, rf"^{page} +/cijfers/\S* {measured}"), page
        assert lines(output, rf"^{page} lost +/cijfers/\S* +10 "), page
    public = r"p95 <= 1.5x the baseline's with 2 clients, as published, first requests included"
    assert lines(output, rf"^(public goal met|PUBLIC GOAL MISSED) \({public}\)")
    assert lines(output, r"^made at publish \(public_pages_warm, .*\): \d+ pages \(\d+ addresses x 2 languages\) in ")
    assert len(lines(output, r"^  /\S*: 200, [\d,]+ bytes; cold cache")) == 11
    assert "ERROR" not in output
    assert "not there yet" not in output
    assert not database_exists(quick_database)


@pytest.mark.slow
@pytest.mark.parametrize("quick_database", ["inventaris_bench_portal_quick"], indirect=True)
def test_portal(quick_database: str) -> None:
    output = run_bench("portal.py")

    assert lines(output, r"^data: 1 organisation, its 2019 draft: .* sizes 2, 6, 12 changed cells")
    for variant in ("service, new cells", "service, changed cells", r"page \(test client\), changed cells"):
        assert len(lines(output, rf"^ +\d+  {variant} +\d+ +[\d.]+ +\+1$")) == 3, variant
        assert lines(output, rf"^{variant}: (\d+) / \1 / \1 queries for 2 / 6 / 12 cells: the same for every size$")
    assert len(lines(output, r"^ +\d+  baseline: headcount_save per cell +\d+ +[\d.]+ +\+(2|6|12)$")) == 3
    assert len(lines(output, r"^ +\d+  baseline: one plain INSERT +1 +[\d.]+ +\+0$")) == 3
    assert lines(output, r"^goal met \(service queries do not grow with the cells and stay <= 20; ")
    assert lines(output, r"^at 12 cells: changed [\d.]+ ms, [\d.]+x faster than headcount_save per cell .*; new [\d.]+")
    assert not database_exists(quick_database)


@pytest.mark.slow
@pytest.mark.parametrize("quick_database", ["inventaris_bench_uploads_quick"], indirect=True)
def test_upload_limits(quick_database: str) -> None:
    output = run_bench("upload_limits.py")

    assert lines(output, r"^file: shared strings: [\d,]+ KB, its largest part xl/sharedStrings.xml unpacks to")
    assert lines(output, r"^file: 275 KB variant: [\d,]+ KB, its largest part xl/sharedStrings.xml unpacks to")
    for name in ("shared strings", "275 KB variant"):
        assert lines(output, rf"^{name} +refused +[\d.]+ +[\d.]+x +\d+ MB +\d+ MB +[\d.]+x$"), name
    assert lines(output, r"^baseline +read +[\d.]+ +1\.00x")
    assert len(lines(output, r"^  Het Excel-bestand is uitgepakt te groot")) == 2
    assert lines(output, r"^(goal met|GOAL MISSED) \(both refused within 2 s and under 200 MB\)")
    assert not database_exists(quick_database)


@pytest.mark.slow
@pytest.mark.parametrize("quick_database", ["inventaris_bench_backups_quick"], indirect=True)
def test_backups(quick_database: str) -> None:
    output = run_bench("backups.py")

    assert lines(output, r"^data: [\d,]+ headcounts, an edition of [\d,]+ headcounts and [\d,]+ figures, 3 uploads")
    for label in (
        "baseline: pg_dump -Fc to /dev/null",
        r"backup \(backup_create\)",
        r"baseline: createdb \+ pg_restore",
        r"restore_check \(backup_check\)",
    ):
        assert lines(output, rf"^{label} +[\d.]+ +[\d.]+x"), label
    assert lines(output, r"^file: [\d.]+ MB, [\d.]+x the plain dump \([\d.]+ MB\)$")
    assert lines(output, r"^manifest: [\d,]+ rows in \d+ tables \(largest: ")
    assert lines(output, r"^restore check: inventaris-backup-\d{8}-\d{6}\.tar is in orde: ")
    assert not database_exists(quick_database)
    assert not database_exists(f"{quick_database}_plain_restore")


# bench/supplier.py names its database after the one in DATABASE_URL (inventaris_bench_supplier under `make test`).
SUPPLIER_QUICK_DB = (
    f"{urlsplit(os.environ.get('DATABASE_URL', '')).path.lstrip('/') or 'inventaris'}_bench_supplier_quick"
)


@pytest.mark.slow
@pytest.mark.parametrize("quick_database", [SUPPLIER_QUICK_DB], indirect=True)
def test_supplier(quick_database: str) -> None:
    output = run_bench("supplier.py")

    assert lines(output, r"^data: 200 figures = 20 measures x 2 years x the municipalities of each year \(at most 5; ")
    for label in (
        r"long CSV, headcounts_import \(baseline\)",
        r"long CSV again \(unchanged\)",
        "long XLSX, headcounts_import",
        "wide XLSX by name, supplier_import through its profile",
        r"wide XLSX again \(unchanged\)",
    ):
        assert lines(output, rf"^{label} +[\d.]+ +[\d,]+ +[\d.]+x +\d+ MB$"), label
    goal = r"\(the wide file within 1.5x of the long CSV's time per row, median of the rounds\)"
    assert lines(output, rf"^(goal met|GOAL MISSED) {goal}: [\d.]+x; unchanged the second time: [\d.]+x$")
    assert lines(output, r"^wide / long CSV in each round: [\d.]+x$")
    assert not database_exists(quick_database)
