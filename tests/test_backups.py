"""Backups with a proven restore: `backup` writes one file, `restore_check` restores it into a scratch database and
compares it with its manifest (the first difference is the answer), `restore` puts it back for real, and the
nightly task keeps the newest BACKUP_KEEP. On the real PostgreSQL server with pg_dump and pg_restore, on the demo;
committed data (`transactional_db`), since pg_dump sees nothing else."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import subprocess
import sys
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from inventory.models import Edition, Headcount, MaintenanceRun
from inventory.selectors.operations import last_maintenance_runs
from inventory.services import aggregation
from inventory.services.backups import BACKUP_LOCK, BackupError, backup_create
from inventory.services.demo import demo_load
from inventory.tasks import nightly_backup

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
Kind = MaintenanceRun.Kind


# --- helpers ----------------------------------------------------------------------------------------------------


def database_url(name: str) -> str:
    return urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()


def scratch_databases() -> list[str]:
    """Scratch databases of restore checks on the tests' database that are still there."""
    prefix = f"{connection.settings_dict['NAME'][:40]}_restore_check_"
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        rows = conn.execute("select datname from pg_database where starts_with(datname, %s)", [prefix]).fetchall()
    return [name for (name,) in rows]


def manage(*args: str, database: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`python manage.py ...` as an operator runs it, on `database` of the tests' server."""
    env = dict(os.environ, DATABASE_URL=database_url(database), DJANGO_SETTINGS_MODULE="config.settings.test")
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def row_counts(database: str) -> dict[str, int]:
    with psycopg.connect(database_url(database)) as conn:
        tables = conn.execute(
            "select tablename from pg_tables where schemaname = 'public' order by tablename"
        ).fetchall()
        return {name: conn.execute(f'select count(*) from public."{name}"').fetchone()[0] for (name,) in tables}  # type: ignore[index]


def manifest_of(path: Path) -> dict[str, Any]:
    with tarfile.open(path) as tar:
        return json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]


def rewritten(source: Path, target: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """`source` with its manifest changed by `change`, the dump as it was."""
    with tarfile.open(source) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        dump = tar.extractfile("database.dump").read()  # type: ignore[union-attr]
    change(manifest)
    return archive(target, manifest, dump)


def archive(target: Path, manifest: dict[str, Any], dump: bytes) -> Path:
    with tarfile.open(target, "w") as tar:
        for name, data in (("manifest.json", json.dumps(manifest).encode()), ("database.dump", dump)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


def check_fails(path: Path) -> str:
    with pytest.raises(CommandError) as error:
        call_command("restore_check", str(path))
    return str(error.value)


# --- fixtures ---------------------------------------------------------------------------------------------------


@pytest.fixture
def demo(transactional_db: None) -> Iterator[None]:
    """The demo (two editions, Inventaris 2018 and 2019), committed."""
    aggregation.redis_client().flushdb()
    demo_load()
    yield
    aggregation.redis_client().flushdb()  # the recomputes it queued for a worker that never ran


@pytest.fixture(scope="module")
def demo_backup(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One backup of the demo, made once for the tests that damage a copy of it; the database is emptied again
    straight away, as after any transactional test."""
    path = tmp_path_factory.mktemp("demo-backup") / "inventaris-backup-20260101-020000.tar"
    with django_db_blocker.unblock():
        aggregation.redis_client().flushdb()
        try:
            demo_load()
            backup_create(output=path)
        finally:
            call_command("flush", interactive=False, verbosity=0)
            aggregation.redis_client().flushdb()
    return path


@pytest.fixture
def fresh_database(transactional_db: None) -> Iterator[str]:
    name = f"{connection.settings_dict['NAME'][:40]}_restore_target"
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    yield name
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


# --- backup and restore_check -----------------------------------------------------------------------------------


def test_a_backup_of_the_demo_restores_into_a_scratch_database_and_matches_its_manifest(
    demo: None, tmp_path: Path
) -> None:
    path = tmp_path / "demo.tar"
    out = io.StringIO()
    call_command("backup", "-o", str(path), stdout=out)

    assert out.getvalue().splitlines()[0] == str(path)
    assert "Back-up gemaakt: " in out.getvalue()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.tar"]  # no temporary file left
    assert path.stat().st_mode & 0o777 == 0o600  # every password hash and e-mail address is in it
    with tarfile.open(path) as tar:
        assert tar.getnames() == ["manifest.json", "database.dump"]
        dump = tar.extractfile("database.dump").read()  # type: ignore[union-attr]
    manifest = manifest_of(path)
    assert manifest["members"] == {"database.dump": {"size": len(dump), "sha256": hashlib.sha256(dump).hexdigest()}}
    assert dump.startswith(b"PGDMP")  # pg_dump's custom format
    assert manifest["application"]["version"] == "0.1.0"
    assert len(manifest["application"]["commit"]) == 40 or manifest["application"]["commit"] == "unknown"
    assert manifest["database"]["server_version"].startswith("15.")
    assert "0012_maintenance_runs" in manifest["migrations"]["inventory"]
    assert manifest["tables"]["inventory_headcount"] == Headcount.objects.count() > 1000
    assert manifest["tables"]["django_migrations"] == sum(len(names) for names in manifest["migrations"].values())
    assert [edition["name"] for edition in manifest["editions"]] == list(
        Edition.objects.order_by("id").values_list("name", flat=True)
    )
    assert {"Inventaris 2018", "Inventaris 2019"} == {edition["name"] for edition in manifest["editions"]}
    assert all(edition["figures"] for edition in manifest["editions"])
    assert manifest["editions"][-1]["headcounts"] > 1000  # Inventaris 2019, published through the service
    # The backup's own run is not in the backup: a restore would show it running for ever.
    assert manifest["tables"]["inventory_maintenancerun"] == 0

    out = io.StringIO()
    call_command("restore_check", str(path), stdout=out)

    assert out.getvalue().startswith("demo.tar is in orde: hersteld in een testdatabase met ")
    assert "2 edities" in out.getvalue()
    assert scratch_databases() == []
    backup, check = MaintenanceRun.objects.order_by("started_at")
    assert (backup.kind, backup.ok, backup.size_bytes, backup.file_name) == (
        Kind.BACKUP,
        True,
        path.stat().st_size,
        str(path),
    )
    assert backup.finished_at is not None
    assert backup.detail.startswith("Back-up gemaakt: ")
    assert (check.kind, check.ok, check.detail) == (Kind.RESTORE_CHECK, True, out.getvalue().strip())
    assert last_maintenance_runs() == {Kind.BACKUP: backup, Kind.RESTORE_CHECK: check, Kind.HOUSEKEEPING: None}


def test_a_backup_into_a_missing_folder_fails_and_is_recorded(db: None, tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="bestaat niet"):
        backup_create(output=tmp_path / "nergens" / "b.tar")

    (run,) = MaintenanceRun.objects.all()
    assert (run.kind, run.ok) == (Kind.BACKUP, False)
    assert run.detail == f"Map {tmp_path / 'nergens'} bestaat niet."


@pytest.mark.parametrize(
    ("keep", "message"),
    [
        (lambda size, dump: 100, "is geen leesbare back-up (geen tar-bestand, of beschadigd)."),
        (lambda size, dump: dump + 100, "is beschadigd of onvolledig: database.dump ontbreekt"),
        (lambda size, dump: size // 2, "is beschadigd of onvolledig: het bestand houdt te vroeg op"),
    ],
    ids=["in the first header", "after the manifest", "in the middle of the dump"],
)
def test_a_truncated_backup_fails_with_a_message(
    demo_backup: Path, tmp_path: Path, db: None, keep: Callable[[int, int], int], message: str
) -> None:
    with tarfile.open(demo_backup) as tar:
        dump_header = tar.getmember("database.dump").offset
    data = demo_backup.read_bytes()
    damaged = tmp_path / "afgebroken.tar"
    damaged.write_bytes(data[: keep(len(data), dump_header)])

    assert check_fails(damaged).startswith(f"afgebroken.tar {message}")
    assert scratch_databases() == []


def test_the_shell_gets_one_dutch_line_and_exit_1_for_a_damaged_file(
    demo_backup: Path, tmp_path: Path, transactional_db: None
) -> None:
    damaged = tmp_path / "afgebroken.tar"
    damaged.write_bytes(demo_backup.read_bytes()[:50_000])

    result = manage("restore_check", str(damaged), database=connection.settings_dict["NAME"])

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "CommandError: afgebroken.tar is beschadigd of onvolledig: het bestand houdt te vroeg op" in result.stderr
    (run,) = MaintenanceRun.objects.all()
    assert (run.kind, run.ok, run.detail) == (
        Kind.RESTORE_CHECK,
        False,
        "afgebroken.tar is beschadigd of onvolledig: het bestand houdt te vroeg op",
    )


def test_a_byte_flipped_in_the_dump_fails_before_anything_is_restored(
    demo_backup: Path, tmp_path: Path, db: None
) -> None:
    with tarfile.open(demo_backup) as tar:
        member = tar.getmember("database.dump")
    data = bytearray(demo_backup.read_bytes())
    data[member.offset_data + member.size // 2] ^= 0x01
    damaged = tmp_path / "omgezet.tar"
    damaged.write_bytes(data)

    assert (
        check_fails(damaged) == "omgezet.tar is beschadigd of onvolledig: de controlesom van database.dump klopt niet"
    )
    assert scratch_databases() == []


def test_a_file_that_is_no_backup_is_named_as_such(tmp_path: Path, db: None) -> None:
    other = tmp_path / "iets.tar"
    with tarfile.open(other, "w") as tar:
        tar.add(__file__, arcname="test_backups.py")
    text = tmp_path / "tekst.tar"
    text.write_text("geen tar")

    assert check_fails(other) == "iets.tar is geen back-up van het inventaris."
    assert check_fails(text) == "tekst.tar is geen leesbare back-up (geen tar-bestand, of beschadigd)."
    assert check_fails(tmp_path / "weg.tar") == f"{tmp_path / 'weg.tar'} bestaat niet."


def test_a_row_count_that_differs_from_the_manifest_names_the_table(
    demo_backup: Path, tmp_path: Path, db: None
) -> None:
    headcounts = manifest_of(demo_backup)["tables"]["inventory_headcount"]

    def one_more(manifest: dict[str, Any]) -> None:
        manifest["tables"]["inventory_headcount"] += 1

    message = check_fails(rewritten(demo_backup, tmp_path / "telling.tar", one_more))

    assert message == f"Tabel inventory_headcount: {headcounts + 1} rijen verwacht, {headcounts} gevonden"
    assert scratch_databases() == []  # restored, compared, dropped
    (run,) = MaintenanceRun.objects.all()
    assert (run.kind, run.ok, run.detail) == (Kind.RESTORE_CHECK, False, message)


def test_an_edition_checksum_that_differs_fails_naming_the_edition(demo_backup: Path, tmp_path: Path, db: None) -> None:
    def other_checksum(manifest: dict[str, Any]) -> None:
        manifest["editions"][-1]["sha256"] = "0" * 64

    name = manifest_of(demo_backup)["editions"][-1]["name"]

    message = check_fails(rewritten(demo_backup, tmp_path / "editie.tar", other_checksum))

    assert message.startswith(f"Editie {name}: controlesom van de cijfers 000000000000… verwacht, ")
    assert scratch_databases() == []


def test_a_dump_that_pg_restore_refuses_fails_with_its_reason_and_drops_the_scratch_database(
    tmp_path: Path, demo_backup: Path, db: None
) -> None:
    garbage = b"PGDMP" + bytes(range(256)) * 40

    def garbage_dump(manifest: dict[str, Any]) -> None:
        manifest["members"]["database.dump"] = {"size": len(garbage), "sha256": hashlib.sha256(garbage).hexdigest()}

    manifest = manifest_of(demo_backup)
    garbage_dump(manifest)
    message = check_fails(archive(tmp_path / "onzin.tar", manifest, garbage))

    assert message.startswith("pg_restore faalde: pg_restore: ")
    assert scratch_databases() == []


def test_a_backup_that_lacks_a_migration_of_this_code_fails(demo: None, tmp_path: Path) -> None:
    with connection.cursor() as cursor:
        cursor.execute("delete from django_migrations where app = 'inventory' and name = '0012_maintenance_runs'")
    try:
        path = backup_create(output=tmp_path / "oud.tar").path
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "insert into django_migrations (app, name, applied)"
                " values ('inventory', '0012_maintenance_runs', now())"
            )

    assert check_fails(path) == "De back-up mist 1 migratie van deze code: inventory.0012_maintenance_runs"
    assert scratch_databases() == []


# --- restore ----------------------------------------------------------------------------------------------------


def test_restore_yes_into_a_fresh_database_gives_the_same_rows_and_again_over_them(
    demo_backup: Path, fresh_database: str
) -> None:
    for _time in ("into an empty database", "over the restored one"):
        result = manage("restore", "--yes", str(demo_backup), database=fresh_database)

        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"{fresh_database} hersteld uit {demo_backup.name} (back-up van ")
        assert row_counts(fresh_database) == manifest_of(demo_backup)["tables"]


def test_restore_asks_for_the_database_name_and_changes_nothing_without_it(
    demo_backup: Path, fresh_database: str
) -> None:
    result = manage("restore", str(demo_backup), database=fresh_database, stdin="inventaris\n")

    assert result.returncode == 1
    assert f"Dit vervangt alle gegevens in database {fresh_database} door de back-up van " in result.stdout
    assert "Typ de naam van de database om te bevestigen: " in result.stdout
    assert "CommandError: Herstel afgebroken: er is niets gewijzigd." in result.stderr
    assert row_counts(fresh_database) == {}

    result = manage("restore", str(demo_backup), database=fresh_database, stdin=f"{fresh_database}\n")

    assert result.returncode == 0, result.stderr
    assert row_counts(fresh_database) == manifest_of(demo_backup)["tables"]


def test_restore_refuses_a_damaged_file_before_touching_the_database(
    demo_backup: Path, fresh_database: str, tmp_path: Path
) -> None:
    damaged = tmp_path / "afgebroken.tar"
    damaged.write_bytes(demo_backup.read_bytes()[:-20_000])

    result = manage("restore", "--yes", str(damaged), database=fresh_database)

    assert result.returncode == 1
    assert "CommandError: afgebroken.tar is beschadigd of onvolledig: " in result.stderr
    assert row_counts(fresh_database) == {}


# --- the nightly task -------------------------------------------------------------------------------------------


def test_the_nightly_task_makes_and_checks_a_backup_and_keeps_the_newest(
    demo: None, tmp_path: Path, settings: Any
) -> None:
    settings.BACKUP_DIR, settings.BACKUP_KEEP = str(tmp_path), 2
    for day in ("20200101", "20200102", "20200103"):
        (tmp_path / f"inventaris-backup-{day}-020000.tar").write_bytes(b"oud")
    others = ["inventaris-backup-20190101-020000.tar.bak", "notities.txt"]
    for name in others:
        (tmp_path / name).write_text("niet van ons")

    nightly_backup()

    (new,) = [
        p.name for p in tmp_path.glob("inventaris-backup-2*.tar") if not p.name.startswith("inventaris-backup-2020")
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["inventaris-backup-20200103-020000.tar", new, *others])
    runs = last_maintenance_runs()
    assert [(kind, run.ok, run.file_name) for kind, run in runs.items() if run] == [
        (Kind.BACKUP, True, str(tmp_path / new)),
        (Kind.RESTORE_CHECK, True, str(tmp_path / new)),
        (Kind.HOUSEKEEPING, True, str(tmp_path)),
    ]
    assert runs[Kind.HOUSEKEEPING].detail == f"2 oude back-ups verwijderd, 2 bewaard in {tmp_path}"  # type: ignore[union-attr]
    assert MaintenanceRun.objects.count() == 3


def test_a_nightly_backup_while_another_holds_the_lock_logs_and_returns(
    transactional_db: None, tmp_path: Path, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.BACKUP_DIR = str(tmp_path)
    with psycopg.connect(database_url(connection.settings_dict["NAME"])) as other:
        other.execute("select pg_advisory_lock(%s, %s)", BACKUP_LOCK)
        with caplog.at_level(logging.WARNING, logger="inventory.services.backups"):
            nightly_backup()

    assert "Nachtelijke back-up overgeslagen: een andere back-up is nog bezig." in caplog.text
    assert list(tmp_path.iterdir()) == []
    assert MaintenanceRun.objects.count() == 0


def test_without_backup_dir_there_is_no_nightly_backup(db: None, settings: Any) -> None:
    settings.BACKUP_DIR = ""

    nightly_backup()

    assert MaintenanceRun.objects.count() == 0
    assert settings.CELERY_BEAT_SCHEDULE["nightly-backup"]["task"] == "inventory.tasks.nightly_backup"
