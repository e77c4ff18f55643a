"""Upload limits benchmark (`make bench-uploads`): the two amplification files of issue 12, refused by the worker.

Built here, as the probe described them:

- shared strings: a 1.2 MB XLSX whose shared strings (`xl/sharedStrings.xml`, which openpyxl reads into memory
  whole) unpack to ~450 MB: 20,000 strings of 22,500 characters, each with a random start, padded with random
  bytes to the size of the probe's file;
- the 275 KB variant: shared strings of ~270 MB (270 strings of 1 MB), close to deflate's limit of ~1,000:1.

Each file goes through `import_job_run` (what the Celery task runs) in a process of its own, as a dry run; the
time is that of the call, the peak RSS the child's ru_maxrss (os.wait4), beside its RSS before the call.
Baseline in the same run: a genuine 1,000-row headcount XLSX through the same service (100 rows with --quick).
Goal: both files refused (a report with the refusal, nothing stored) within 2 s and under 200 MB. A file that is
not refused, or a baseline that is not read, ends the run with exit code 1.

Options: --keep (keep the database), --unguarded (also run both files through the same service with the zip
checks lifted (IMPORT_MAX_UNZIPPED_RATIO, IMPORT_MAX_UNZIPPED_BYTES and IMPORT_MAX_SHARED_STRINGS_BYTES at their
largest), in a child limited to 2 GB and 300 s of CPU: what the checks prevent; slow), --quick (files a tenth of
the size, for the test suite; in a database of its own that is dropped at the end).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from common import ROOT, run_in_fresh_database, setup_django, sql

BENCH_DB = "inventaris_bench_uploads"
QUICK_DB = "inventaris_bench_uploads_quick"
HEADER = ["jaar", "organisatie", "maatregel", "regio", "personen"]
MB = 1024 * 1024
GOAL_SECONDS, GOAL_RSS_MB = 2, 200
UNGUARDED_MB, UNGUARDED_CPU_SECONDS = 2048, 300
LIFTED = {
    "IMPORT_MAX_UNZIPPED_RATIO": "1000000",
    "IMPORT_MAX_UNZIPPED_BYTES": str(1 << 40),
    "IMPORT_MAX_SHARED_STRINGS_BYTES": str(1 << 40),
}

SST_RELATIONSHIP = (
    b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
)
SST_CONTENT_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)


# --- the files -----------------------------------------------------------------------------------------------


def workbook(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def amplified(path: Path, kbo: str, *, strings: int, length: int, size: int) -> None:
    """An XLSX of `size` bytes whose shared strings unpack to strings x length characters. Its sheet's rows name
    the strings (t="s"), so that a reader that follows them builds every one."""
    base = workbook([HEADER, [2019, kbo, "CMW-BED", "31005", 1]])
    rows = "".join(
        f'<row r="{n}"><c r="A{n}"><v>2019</v></c><c r="B{n}" t="s"><v>{n - 3}</v></c></row>'
        for n in range(3, strings + 3)
    ).encode()
    pick = random.Random(12)
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(b"</Relationships>", SST_RELATIONSHIP + b"</Relationships>")
            elif info.filename == "[Content_Types].xml":
                content = content.replace(b"</Types>", SST_CONTENT_TYPE + b"</Types>")
            elif info.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b"</sheetData>", rows + b"</sheetData>")
            target.writestr(info.filename, content)
        with target.open("xl/sharedStrings.xml", "w") as sst:
            sst.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            filler = b"x" * length
            for _ in range(strings):
                sst.write(b"<si><t>" + pick.randbytes(8).hex().encode() + filler + b"</t></si>")
            sst.write(b"</sst>")
    padding = size - path.stat().st_size - 120  # the entry's own headers
    if padding > 0:
        with zipfile.ZipFile(path, "a", zipfile.ZIP_STORED) as target:
            target.writestr("docProps/thumbnail.jpeg", pick.randbytes(padding))


def genuine(path: Path, kbo: str, rows: int) -> None:
    from inventory.models import Measure, Region

    codes = list(Region.objects.municipalities().valid_in(2019).values_list("code", flat=True))
    measures = list(Measure.objects.valid_in(2019).order_by("code").values_list("code", flat=True)[:5])
    keys = [(measure, code) for code in codes for measure in measures][:rows]
    path.write_bytes(workbook([HEADER] + [[2019, kbo, m, c, n % 50] for n, (m, c) in enumerate(keys)]))


def unpacked(path: Path) -> tuple[str, int]:
    with zipfile.ZipFile(path) as archive:
        largest = max(archive.infolist(), key=lambda entry: entry.file_size)
    return largest.filename, largest.file_size


# --- the parent ----------------------------------------------------------------------------------------------


def run_child(database: str, *args: str, unguarded: bool = False) -> dict:
    """One measurement in a child process: its figures plus its peak RSS from the kernel."""
    command = [sys.executable, __file__, "--database", database, *args] + (["--unguarded"] if unguarded else [])
    env = dict(os.environ, **(LIFTED if unguarded else {}))
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, env=env)
    assert process.stdout is not None
    started = time.monotonic()
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    lines = output.decode().strip().splitlines()
    result = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    result["wall_seconds"] = time.monotonic() - started
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    result["exit"] = os.waitstatus_to_exitcode(status)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--quick", action="store_true", help="smaller files, for the test suite")
    parser.add_argument("--unguarded", action="store_true", help="also read both files with the zip checks lifted")
    parser.add_argument("--database")
    parser.add_argument("--job")
    options = parser.parse_args()
    if options.job:
        return child_job(options.database, options.job, unguarded=options.unguarded)

    database = QUICK_DB if options.quick else BENCH_DB
    run_in_fresh_database(
        database,
        prefix="bench-uploads-",
        quick=options.quick,
        keep=options.keep,
        run=lambda folder: run(options, database, folder),
    )


def run(options: argparse.Namespace, database: str, folder: Path) -> None:
    setup_django(database)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from accounts.models import User
    from inventory.models import Headcount, ImportJob, Organisation, OrganisationKind, Region
    from inventory.services.demo import synthetic_kbo
    from inventory.services.reference import reference_load

    call_command("migrate", verbosity=0)
    reference_load()
    organisation = Organisation.objects.create(
        kbo=synthetic_kbo(7_000_001), name="Maatwerkbedrijf Bench", kind=OrganisationKind.MAATWERKBEDRIJF,
        home_region=Region.objects.get(code="31005"),
    )  # fmt: skip
    staff = User.objects.create(username="bench-pom", is_staff=True)

    scale = 10 if options.quick else 1
    files = {
        "shared strings": folder / "gedeelde-teksten.xlsx",
        "275 KB variant": folder / "variant.xlsx",
        "baseline": folder / "echt.xlsx",
    }
    amplified(
        files["shared strings"], organisation.kbo, strings=20_000 // scale, length=22_500, size=1_200_000 // scale
    )
    amplified(files["275 KB variant"], organisation.kbo, strings=270 // scale, length=MB, size=275_000 // scale)
    genuine(files["baseline"], organisation.kbo, 1_000 // scale)
    server = sql("select version()")[0][0].split(" on ")[0]
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, {server}")
    print(
        f"limits: IMPORT_MAX_UNZIPPED_RATIO {settings.IMPORT_MAX_UNZIPPED_RATIO}, IMPORT_MAX_UNZIPPED_BYTES "
        f"{settings.IMPORT_MAX_UNZIPPED_BYTES // MB} MB, IMPORT_MAX_SHARED_STRINGS_BYTES "
        f"{settings.IMPORT_MAX_SHARED_STRINGS_BYTES // MB} MB, IMPORT_MAX_ROWS {settings.IMPORT_MAX_ROWS:,}"
    )
    for name, path in files.items():
        part, size = unpacked(path)
        print(
            f"file: {name}: {path.stat().st_size / 1024:,.0f} KB, its largest part {part} unpacks to "
            f"{size / MB:,.1f} MB ({size / path.stat().st_size:,.0f}x the file)"
        )
    connections.close_all()

    def measured(name: str, *, unguarded: bool = False) -> dict:
        path = files[name]
        job = ImportJob.objects.create(user=staff, kind="headcounts", filename=path.name, data=path.read_bytes())
        connections.close_all()
        result = run_child(database, "--job", str(job.pk), unguarded=unguarded)
        job.refresh_from_db()
        return result | {"job": job}

    results = {name: measured(name) for name in files}
    if Headcount.objects.exists():
        raise SystemExit("bench: FAILED: a dry run stored headcounts")

    print()
    print(f"{'file':<16} {'outcome':<9} {'seconds':>8} {'x base':>7} {'RSS before':>11} {'peak RSS':>9} {'x base':>7}")
    base = results["baseline"]
    for name, result in results.items():
        job = result["job"]
        errors = (job.result or {}).get("errors") or []
        outcome = "read" if job.status == "done" and (job.result or {}).get("ok") else "refused"
        result["outcome"] = outcome
        print(
            f"{name:<16} {outcome:<9} {result['seconds']:>8.3f} {result['seconds'] / base['seconds']:>6.2f}x "
            f"{result['rss_before_mb']:>8.0f} MB {result['peak_rss_mb']:>6.0f} MB "
            f"{result['peak_rss_mb'] / base['peak_rss_mb']:>6.2f}x"
        )
        if errors and name != "baseline":
            print(f"  {errors[0]['message']}")
    if base["outcome"] != "read" or base["job"].result["rows"] != 1_000 // scale:
        raise SystemExit(f"bench: FAILED: the baseline file was not read: {base['job'].result}")
    bombs = [results["shared strings"], results["275 KB variant"]]
    if any(result["outcome"] != "refused" for result in bombs):
        raise SystemExit("bench: FAILED: an amplification file was not refused")
    met = all(r["seconds"] <= GOAL_SECONDS and r["peak_rss_mb"] <= GOAL_RSS_MB for r in bombs)
    print()
    print(
        f"{'goal met' if met else 'GOAL MISSED'} (both refused within {GOAL_SECONDS} s and under {GOAL_RSS_MB} MB): "
        + ", ".join(f"{r['seconds']:.3f} s / {r['peak_rss_mb']:.0f} MB" for r in bombs)
    )

    if options.unguarded:
        print()
        for name in ("shared strings", "275 KB variant"):
            result = measured(name, unguarded=True)
            job = result["job"]
            if result["exit"]:
                outcome = f"killed at a limit (exit {result['exit']}), job left {job.status}"
            else:
                report = job.result or {}
                outcome = (
                    f"{job.status}: {report.get('rows', 0):,} rows read, {len(report.get('errors') or []):,} errors"
                )
                outcome += f", {job.get_failure_display()}" if job.failure else ""
            print(
                f"unguarded ({name}, zip checks lifted): {outcome}, after {result['wall_seconds']:.1f} s, "
                f"peak RSS {result['peak_rss_mb']:.0f} MB (before: {result.get('rss_before_mb', 0):.0f} MB)"
            )
            if job.result and job.result.get("errors"):
                print(f"  first error: {job.result['errors'][0]['message']}")
            Headcount.objects.all().delete()


# --- the children ----------------------------------------------------------------------------------------------


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child_job(database: str, job_id: str, *, unguarded: bool) -> None:
    """What the worker does with a job, nothing more; `unguarded`: under memory and CPU limits, so that the machine
    survives the file."""
    if unguarded:
        resource.setrlimit(resource.RLIMIT_AS, (UNGUARDED_MB * MB, UNGUARDED_MB * MB))
        resource.setrlimit(resource.RLIMIT_CPU, (UNGUARDED_CPU_SECONDS, UNGUARDED_CPU_SECONDS))
    setup_django(database)
    from django.db import connection

    from inventory.services.import_jobs import import_job_run

    connection.ensure_connection()
    before = rss_mb()
    started = time.perf_counter()
    import_job_run(job_id=job_id)
    print(json.dumps({"seconds": time.perf_counter() - started, "rss_before_mb": before}))


if __name__ == "__main__":
    main()
