"""Backups with a proven restore (README, "Backups and restore").

A backup is one tar file: `manifest.json`, then `database.dump`, the whole database as `pg_dump --format=custom`.
Uploaded files live in the database (`ImportJob.data`), so the dump holds them. The manifest says what a restore
must give back, read in the very snapshot pg_dump dumps (`pg_export_snapshot`), so it is exact while the site keeps
writing: the application's version, the applied migrations, the server's version, the exact row count of every
table in the public schema, a sha256 of every edition's frozen figures and of the uploaded files, and the size and
sha256 of every other member.

- `backup_create` writes a backup under a temporary name and renames it once it is complete;
- `backup_check` restores one into a scratch database on the same server (always dropped), checks that this code
  has no migration the backup lacks (what `migrate --check` checks) and compares everything with the manifest:
  the first difference is the answer;
- `backup_restore` checks the file, then restores it into the configured database and compares again;
- `backups_nightly` (the beat task) makes one in BACKUP_DIR, checks it and keeps the newest BACKUP_KEEP.

`backup_create`, `backup_check` and the pruning record a MaintenanceRun each, for the operations page.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import tarfile
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.migrations.loader import MigrationLoader
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from psycopg import sql
from psycopg.abc import Query
from psycopg.conninfo import make_conninfo

from inventory.models import MaintenanceRun
from inventory.services.maintenance import MaintenanceRecord, first_line

logger = logging.getLogger(__name__)

KIND = "inventaris-backup"
FORMAT = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
NAME_FORMAT = "inventaris-backup-%Y%m%d-%H%M%S.tar"
# Only files named like this are ever deleted by the pruning; temporary folders start with TEMPORARY.
NAME_PATTERN = re.compile(r"inventaris-backup-\d{8}-\d{6}\.tar")
TEMPORARY = ".inventaris-backup-"
STALE_AFTER = timedelta(days=1)
# pg_try_advisory_lock(BACKUP_LOCK): one nightly backup at a time, however many beats and workers run.
BACKUP_LOCK = (7_341_002, 0)
CHUNK = 1 << 20
# Connection parameters in DATABASES["default"]["OPTIONS"] that pg_dump and pg_restore must use as well.
LIBPQ_OPTIONS = (
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "options",
    "connect_timeout",
    "application_name",
    "target_session_attrs",
    "passfile",
    "service",
)

# Every edition's frozen rows in key order, as text; "C" collation so that the order is the same in any database.
_EDITION_ROWS = """
select edition_id, count(*),
       encode(sha256(convert_to(string_agg(({columns})::text, E'\\n' order by {order}), 'UTF8')), 'hex')
from {table} group by edition_id
"""
_FIGURES = _EDITION_ROWS.format(
    table="inventory_editionfigure",
    columns='year, region_id, grouping_id, trede, "group", measure_id, persons',
    order='year, region_id, grouping_id, trede, "group" collate "C", measure_id',
)
_HEADCOUNTS = _EDITION_ROWS.format(
    table="inventory_editionheadcount",
    columns='year, organisation_id, measure_id, region_id, trede, "group", persons, fte',
    order="year, organisation_id, measure_id, region_id",
)
# The uploaded files (import jobs keep them in the database): how many, their bytes, one sha256 over all of them.
_UPLOADS = """
select count(*) filter (where length(data) > 0), coalesce(sum(length(data)), 0)::bigint,
       encode(sha256(coalesce(string_agg(sha256(data), ''::bytea order by id), ''::bytea)), 'hex')
from inventory_importjob
"""
_TABLES = """
select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = 'public' and c.relkind in ('r', 'p') order by c.relname
"""

Manifest = dict[str, Any]


class BackupError(Exception):
    """A backup, check or restore that cannot go on; the message says why, in one line, in the active language."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    summary: str


@dataclass(frozen=True)
class CheckResult:
    path: Path
    manifest: Manifest
    summary: str


# --- the database, as pg_dump, pg_restore and psycopg reach it -------------------------------------------------


def database_name() -> str:
    return str(settings.DATABASES[DEFAULT_DB_ALIAS]["NAME"])


def _conninfo(database: str | None = None) -> str:
    """The configured database (or `database` on the same server) as a libpq connection string, without the
    password: the string is on pg_dump's command line, which other users of the machine can read."""
    config = settings.DATABASES[DEFAULT_DB_ALIAS]
    options = config.get("OPTIONS") or {}
    params = {"dbname": database or config["NAME"], "host": config.get("HOST"), "port": config.get("PORT")}
    params["user"] = config.get("USER")
    params.update({key: options[key] for key in LIBPQ_OPTIONS if key in options})
    return make_conninfo(**{key: str(value) for key, value in params.items() if value not in (None, "")})


def _password() -> str:
    return str(settings.DATABASES[DEFAULT_DB_ALIAS].get("PASSWORD") or "")


def _connect(database: str | None = None, *, autocommit: bool = False) -> psycopg.Connection[tuple[Any, ...]]:
    conninfo = make_conninfo(_conninfo(database), password=_password()) if _password() else _conninfo(database)
    try:
        return psycopg.connect(conninfo, autocommit=autocommit)
    except psycopg.Error as error:
        raise BackupError(_("Geen verbinding met de database: %(error)s") % {"error": first_line(error)}) from None


def _run_program(args: list[str]) -> None:
    """pg_dump or pg_restore, its password in the environment; BackupError with its own error line."""
    environment = dict(os.environ)
    if _password():
        environment["PGPASSWORD"] = _password()
    try:
        done = subprocess.run(args, env=environment, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(
            _("%(program)s is niet gevonden: installeer de PostgreSQL-clientprogramma's.") % {"program": args[0]}
        ) from None
    if done.returncode:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if "error:" in line] or lines or [str(done.returncode)]
        raise BackupError(_("%(program)s faalde: %(error)s") % {"program": args[0], "error": errors[0]})


def _one(conn: psycopg.Connection[tuple[Any, ...]], query: Query) -> Any:
    row = conn.execute(query).fetchone()
    assert row is not None
    return row[0]


def database_state(conn: psycopg.Connection[tuple[Any, ...]]) -> Manifest:
    """What a restore must give back, read through `conn`: the applied migrations, the exact row count of every
    table in the public schema, every edition's checksum and the uploaded files."""
    try:
        return _database_state(conn)
    except psycopg.Error as error:
        raise BackupError(
            _("Database %(database)s kan niet gelezen worden: %(error)s")
            % {"database": conn.info.dbname, "error": first_line(error)}
        ) from None


def _database_state(conn: psycopg.Connection[tuple[Any, ...]]) -> Manifest:
    migrations: dict[str, list[str]] = {}
    for app, name in conn.execute("select app, name from django_migrations order by app, name"):
        migrations.setdefault(app, []).append(name)
    tables = {}
    for (table,) in conn.execute(_TABLES).fetchall():
        tables[table] = _one(conn, sql.SQL("select count(*) from public.{}").format(sql.Identifier(table)))
    figures = {edition: (count, sha) for edition, count, sha in conn.execute(_FIGURES)}
    headcounts = {edition: (count, sha) for edition, count, sha in conn.execute(_HEADCOUNTS)}
    editions = []
    for edition, name in conn.execute("select id, name from inventory_edition order by id").fetchall():
        figure_count, figure_sha = figures.get(edition, (0, ""))
        headcount_count, headcount_sha = headcounts.get(edition, (0, ""))
        digest = hashlib.sha256(f"figures {figure_sha}\nheadcounts {headcount_sha}\n".encode()).hexdigest()
        editions.append(
            {"id": edition, "name": name, "figures": figure_count, "headcounts": headcount_count, "sha256": digest}
        )
    uploads = conn.execute(_UPLOADS).fetchone()
    assert uploads is not None
    return {
        "server_version": _one(conn, "show server_version"),
        "migrations": migrations,
        "tables": tables,
        "editions": editions,
        "uploads": {"files": uploads[0], "bytes": uploads[1], "sha256": uploads[2]},
    }


def unapplied_migrations(applied: dict[str, list[str]]) -> list[str]:
    """What `migrate --check` refuses: the migrations of this code that are not in `applied` (a database's
    django_migrations, as database_state reads it). A squashed migration counts as applied when everything it
    replaces is, as Django's loader has it."""
    done = {(app, name) for app, names in applied.items() for name in names}
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    missing = []
    for key, migration in sorted(graph.nodes.items()):
        if key not in done and not (migration.replaces and all(tuple(r) in done for r in migration.replaces)):
            missing.append(f"{key[0]}.{key[1]}")
    return missing


@contextlib.contextmanager
def _snapshot() -> Iterator[tuple[psycopg.Connection[tuple[Any, ...]], str]]:
    """A read-only transaction whose snapshot pg_dump takes over (`pg_dump --snapshot`), so that what this
    transaction reads for the manifest is exactly what was dumped."""
    with _connect() as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        yield conn, _one(conn, "select pg_export_snapshot()")


@contextlib.contextmanager
def _scratch_database() -> Iterator[str]:
    """A new, empty database on the configured server, with the configured database's encoding and locale; dropped
    at the end whatever happened (WITH (FORCE): also while pg_restore is still connected)."""
    name = f"{database_name()[:40]}_restore_check_{secrets.token_hex(4)}"
    with _connect(autocommit=True) as conn:
        row = conn.execute(
            "select pg_encoding_to_char(encoding), datcollate, datctype from pg_database where datname = %s",
            [database_name()],
        ).fetchone()
        assert row is not None
        try:
            conn.execute(
                sql.SQL("create database {} template template0 encoding {} lc_collate {} lc_ctype {}").format(
                    sql.Identifier(name), *(sql.Literal(value) for value in row)
                )
            )
        except psycopg.Error as error:
            raise BackupError(
                _("Kan geen testdatabase maken (de databasegebruiker heeft CREATEDB nodig): %(error)s")
                % {"error": first_line(error)}
            ) from None
    try:
        yield name
    finally:
        try:
            with _connect(autocommit=True) as conn:
                conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        except (BackupError, psycopg.Error):
            logger.exception("Testdatabase %s niet verwijderd", name)


# --- writing a backup -----------------------------------------------------------------------------------------


def backup_path(directory: str | Path | None = None) -> Path:
    """A new backup's file: `directory` (by default BACKUP_DIR, else the current folder, made when missing) and
    the local time in its name."""
    folder = Path(directory or settings.BACKUP_DIR or ".")
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(
            _("Map %(folder)s kan niet gemaakt worden: %(error)s") % {"folder": folder, "error": error.strerror}
        ) from None
    moment = timezone.localtime()
    while (path := folder / moment.strftime(NAME_FORMAT)).exists():
        moment += timedelta(seconds=1)  # two backups in one second: the names stay unique and in order
    return path


def application_version() -> dict[str, str]:
    """pyproject.toml's version and the git commit, each "unknown" when it cannot be read (no checkout)."""
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as file:
            version = str(tomllib.load(file)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        version = "unknown"
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=10
        )
        commit = done.stdout.strip() if done.returncode == 0 else "unknown"
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    return {"version": version, "commit": commit or "unknown"}


def backup_create(*, output: str | Path | None = None) -> BackupResult:
    """Write a backup of the configured database to `output` (a file, or a folder to make a new file in; by default
    a new file in BACKUP_DIR, see `backup_path`): complete under its final name, or not there at all."""
    started = time.monotonic()
    with MaintenanceRecord(MaintenanceRun.Kind.BACKUP, file_name=str(output or ""), expected=BackupError) as run:
        target = backup_path(output) if output is None or Path(output).is_dir() else Path(output)
        # Absolute, as the restore check records its file: the operations page pairs a backup with its check.
        run.file_name = str(target.absolute())
        if not target.parent.is_dir():
            raise BackupError(_("Map %(folder)s bestaat niet.") % {"folder": target.parent})
        try:
            manifest = _write_backup(run, target)
            run.size = target.stat().st_size
        except OSError as error:
            raise BackupError(
                _("%(file)s kan niet geschreven worden: %(error)s") % {"file": target, "error": error.strerror}
            ) from None
        run.detail = _backup_summary(manifest, run.size, time.monotonic() - started)
    return BackupResult(path=target, size=run.size, summary=run.detail)


def _write_backup(run: MaintenanceRecord, target: Path) -> Manifest:
    # The run is recorded once the snapshot is taken, so it is not in the backup: after a restore it would show
    # as running for ever.
    with _snapshot() as (conn, snapshot), _temporary_folder(target.parent) as folder:
        run.start()
        dump = folder / DUMP
        _run_program(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump}", *_client(None)])
        # Read after pg_dump took its locks, in the same snapshot: a migration waiting for a lock behind this
        # transaction cannot block pg_dump in turn.
        state = database_state(conn)
        manifest: Manifest = {
            "kind": KIND,
            "format": FORMAT,
            "created_at": timezone.localtime().isoformat(timespec="seconds"),
            "application": {"name": "inventaris-sociale-economie", **application_version()},
            "database": {"name": database_name(), "server_version": state.pop("server_version")},
            **state,
            "members": {DUMP: _file_digest(dump)},
        }
        partial = folder / target.name
        _write_archive(partial, manifest, dump)
        os.replace(partial, target)
    return manifest


def _client(database: str | None) -> list[str]:
    """pg_dump's and pg_restore's connection options: never a password prompt (it comes from PGPASSWORD)."""
    return ["--no-password", f"--dbname={_conninfo(database)}"]


@contextlib.contextmanager
def _temporary_folder(parent: Path) -> Iterator[Path]:
    """A private folder beside the backup (same file system, so the finished file is renamed, not copied)."""
    try:
        folder = tempfile.mkdtemp(prefix=TEMPORARY, dir=parent)
    except OSError as error:
        raise BackupError(
            _("Kan niet schrijven in %(folder)s: %(error)s") % {"folder": parent, "error": error.strerror}
        ) from None
    try:
        yield Path(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _digest(source: IO[bytes], out: IO[bytes] | None = None) -> tuple[int, str]:
    sha, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        sha.update(chunk)
        size += len(chunk)
        if out is not None:
            out.write(chunk)
    return size, sha.hexdigest()


def _file_digest(path: Path) -> dict[str, Any]:
    with path.open("rb") as source:
        size, sha = _digest(source)
    return {"size": size, "sha256": sha}


def _member(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(time.time()), 0o600
    return info


def _write_archive(path: Path, manifest: Manifest, dump: Path) -> None:
    """manifest.json first (a check reads it before the dump), then the dump; readable by its owner only, since it
    holds every password hash and e-mail address; on disk (fsync) before it gets its final name."""
    data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
            tar.addfile(_member(MANIFEST, len(data)), io.BytesIO(data))
            with dump.open("rb") as source:
                tar.addfile(_member(DUMP, dump.stat().st_size), source)
        out.flush()
        os.fsync(out.fileno())


# --- reading and checking a backup ----------------------------------------------------------------------------


def _damaged(path: Path, reason: str) -> BackupError:
    return BackupError(_("%(file)s is beschadigd of onvolledig: %(reason)s") % {"file": path.name, "reason": reason})


def _read_archive(path: Path, dump_to: Path) -> Manifest:
    """The manifest of the backup at `path`, once every member has the size and sha256 it gives; the dump is
    written to `dump_to` on the way. BackupError naming the first problem."""
    opened = False
    try:
        with tarfile.open(path, mode="r:") as tar:
            opened = True
            manifest, seen = _read_members(path, tar, dump_to)
    except FileNotFoundError:
        raise BackupError(_("%(file)s bestaat niet.") % {"file": path}) from None
    except OSError as error:
        raise BackupError(
            _("%(file)s kan niet gelezen of uitgepakt worden: %(error)s") % {"file": path, "error": error.strerror}
        ) from None
    except (tarfile.TarError, EOFError) as error:
        if not opened:
            raise BackupError(
                _("%(file)s is geen leesbare back-up (geen tar-bestand, of beschadigd).") % {"file": path.name}
            ) from None
        if isinstance(error, tarfile.ReadError):
            raise _damaged(path, _("het bestand houdt te vroeg op")) from None
        raise _damaged(path, _("het tar-bestand is onleesbaar")) from None
    missing = sorted(set(manifest["members"]) - seen)
    if missing:
        raise _damaged(path, _("%(name)s ontbreekt; het bestand is afgebroken") % {"name": missing[0]})
    return manifest


def _read_members(path: Path, tar: tarfile.TarFile, dump_to: Path) -> tuple[Manifest, set[str]]:
    """manifest.json, which must come first, then every member checked against it as it is read."""
    seen: set[str] = set()
    manifest: Manifest | None = None
    for member in tar:
        if manifest is None:
            manifest = _read_manifest(path, tar, member)
            continue
        expected = manifest["members"].get(member.name)
        if expected is None or not member.isfile() or member.name in seen:
            raise _damaged(path, _("onverwacht bestand %(name)s") % {"name": member.name})
        seen.add(member.name)
        source = tar.extractfile(member)
        assert source is not None
        if member.name == DUMP:
            with dump_to.open("wb") as out:
                size, sha = _digest(source, out)
        else:
            size, sha = _digest(source)
        if size != expected["size"]:
            raise _damaged(
                path,
                _("%(name)s is %(size)s bytes, het manifest zegt %(expected)s")
                % {"name": member.name, "size": size, "expected": expected["size"]},
            )
        if sha != expected["sha256"]:
            raise _damaged(path, _("de controlesom van %(name)s klopt niet") % {"name": member.name})
    if manifest is None:
        raise BackupError(_("%(file)s is geen back-up van het inventaris.") % {"file": path.name})
    return manifest, seen


def _read_manifest(path: Path, tar: tarfile.TarFile, member: tarfile.TarInfo) -> Manifest:
    source = tar.extractfile(member) if member.name == MANIFEST and member.isfile() else None
    if source is None:
        raise BackupError(_("%(file)s is geen back-up van het inventaris.") % {"file": path.name})
    try:
        manifest = json.loads(source.read())
    except ValueError:
        raise _damaged(path, _("manifest.json is geen geldige JSON")) from None
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        raise BackupError(_("%(file)s is geen back-up van het inventaris.") % {"file": path.name})
    if manifest.get("format") != FORMAT:
        raise BackupError(
            _("%(file)s heeft formaat %(format)s; deze versie leest formaat %(supported)s.")
            % {"file": path.name, "format": manifest.get("format"), "supported": FORMAT}
        )
    shapes = {"database": dict, "migrations": dict, "tables": dict, "editions": list, "uploads": dict, "members": dict}
    wrong = [key for key, shape in shapes.items() if not isinstance(manifest.get(key), shape)]
    members = manifest.get("members") or {}
    if not wrong and not all(
        isinstance(spec, dict) and isinstance(spec.get("size"), int) and isinstance(spec.get("sha256"), str)
        for spec in members.values()
    ):
        wrong = ["members"]
    if wrong or DUMP not in members:
        raise _damaged(path, _("manifest.json is onvolledig (%(keys)s)") % {"keys": ", ".join(wrong or [DUMP])})
    return manifest


def _difference(expected: Manifest, found: Manifest, *, other_tables: bool = False) -> str | None:
    """The first way the restored database (`found`, see database_state) differs from the manifest, as one line;
    None when it does not. `other_tables`: tables the backup does not know about are no difference (a restore
    into a database with newer tables leaves them)."""
    for app in sorted(set(expected["migrations"]) | set(found["migrations"])):
        want, got = expected["migrations"].get(app, []), found["migrations"].get(app, [])
        if want != got:
            return _("Migraties van %(app)s: %(expected)s verwacht, %(found)s gevonden") % {
                "app": app,
                "expected": len(want),
                "found": len(got),
            }
    for table in sorted(set(expected["tables"]) | set(found["tables"])):
        if table not in found["tables"]:
            return _("Tabel %(table)s ontbreekt na het herstel") % {"table": table}
        if table not in expected["tables"]:
            if other_tables:
                continue
            return _("Tabel %(table)s staat niet in het manifest") % {"table": table}
        if expected["tables"][table] != found["tables"][table]:
            return _("Tabel %(table)s: %(expected)s rijen verwacht, %(found)s gevonden") % {
                "table": table,
                "expected": expected["tables"][table],
                "found": found["tables"][table],
            }
    restored = {edition["id"]: edition for edition in found["editions"]}
    for edition in expected["editions"]:
        other = restored.pop(edition["id"], None)
        if other is None:
            return _("Editie %(name)s ontbreekt na het herstel") % {"name": edition["name"]}
        if other["sha256"] != edition["sha256"]:
            return _("Editie %(name)s: controlesom van de cijfers %(expected)s… verwacht, %(found)s… gevonden") % {
                "name": edition["name"],
                "expected": edition["sha256"][:12],
                "found": other["sha256"][:12],
            }
    if restored:
        return _("Editie %(name)s staat niet in het manifest") % {"name": next(iter(restored.values()))["name"]}
    if expected["uploads"] != found["uploads"]:
        return _(
            "Geüploade bestanden: %(expected)s (controlesom %(expected_sha)s…) verwacht, "
            "%(found)s (%(found_sha)s…) gevonden"
        ) % {
            "expected": expected["uploads"].get("files"),
            "expected_sha": str(expected["uploads"].get("sha256"))[:12],
            "found": found["uploads"]["files"],
            "found_sha": found["uploads"]["sha256"][:12],
        }
    return None


def _pending_difference(pending: list[str]) -> str | None:
    if not pending:
        return None
    names = ", ".join(pending[:3]) + (", …" if len(pending) > 3 else "")
    return ngettext(
        "De back-up mist %(count)s migratie van deze code: %(names)s",
        "De back-up mist %(count)s migraties van deze code: %(names)s",
        len(pending),
    ) % {"count": len(pending), "names": names}


def backup_check(*, path: str | Path) -> CheckResult:
    """Prove that the backup at `path` restores: restore it into a scratch database (dropped at the end, also on
    failure), then compare it with its manifest. BackupError with the first difference."""
    started, path = time.monotonic(), Path(path)
    with MaintenanceRecord(
        MaintenanceRun.Kind.RESTORE_CHECK, file_name=str(path.absolute()), expected=BackupError
    ) as run:
        run.start()
        with contextlib.suppress(OSError):
            run.size = path.stat().st_size
        with tempfile.TemporaryDirectory(prefix="inventaris-restore-check-") as folder:
            dump = Path(folder) / DUMP
            manifest = _read_archive(path, dump)
            with _scratch_database() as scratch:
                restore = ["pg_restore", "--no-owner", "--no-privileges", "--single-transaction"]
                _run_program([*restore, *_client(scratch), str(dump)])
                with _connect(scratch) as conn:
                    found = database_state(conn)
                difference = _difference(manifest, found) or _pending_difference(
                    unapplied_migrations(found["migrations"])
                )
        if difference:
            raise BackupError(difference)
        run.detail = _check_summary(path, found, time.monotonic() - started)
    return CheckResult(path=path, manifest=manifest, summary=run.detail)


# --- restoring for real ---------------------------------------------------------------------------------------


def backup_restore(*, path: str | Path, confirm: Callable[[Manifest], bool] | None = None) -> str:
    """Replace the configured database with the backup at `path`, once the file proved whole (a damaged file is
    refused before anything is touched) and `confirm(manifest)` said yes; in one transaction, so a restore that
    fails leaves the database as it was. Returns the summary; BackupError when it cannot or differs afterwards."""
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="inventaris-restore-") as folder:
        dump = Path(folder) / DUMP
        manifest = _read_archive(path, dump)
        if confirm is not None and not confirm(manifest):
            raise BackupError(_("Herstel afgebroken: er is niets gewijzigd."))
        connections.close_all()  # an idle connection of this process must not hold what pg_restore drops
        restore = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction"]
        try:
            _run_program([*restore, *_client(None), str(dump)])
        except BackupError as error:
            raise BackupError(_("Niet hersteld, de database is ongewijzigd: %(error)s") % {"error": error}) from None
    with _connect() as conn:
        found = database_state(conn)
    difference = _difference(manifest, found, other_tables=True)
    if difference:
        raise BackupError(_("Hersteld, maar niet zoals de back-up: %(difference)s") % {"difference": difference})
    summary = _("%(database)s hersteld uit %(file)s (back-up van %(created)s): %(counts)s.") % {
        "database": database_name(),
        "file": path.name,
        "created": manifest.get("created_at", "?"),
        "counts": _counts(found),
    }
    pending = unapplied_migrations(found["migrations"])
    if pending:
        summary += " " + ngettext(
            "Deze code heeft %(count)s migratie die de back-up niet had: voer python manage.py migrate uit.",
            "Deze code heeft %(count)s migraties die de back-up niet had: voer python manage.py migrate uit.",
            len(pending),
        ) % {"count": len(pending)}
    return summary


# --- the nightly task -----------------------------------------------------------------------------------------


def backups_nightly() -> CheckResult | None:
    """What the beat task does: a backup in BACKUP_DIR, its restore check, then only the newest BACKUP_KEEP kept.
    Nothing without BACKUP_DIR, or while another backup holds the lock. A failure is logged and recorded in its
    MaintenanceRun, and removes no older backup."""
    if not settings.BACKUP_DIR:
        logger.info("Geen nachtelijke back-up: BACKUP_DIR is niet ingesteld.")
        return None
    with connection.cursor() as cursor:
        cursor.execute("select pg_try_advisory_lock(%s, %s)", BACKUP_LOCK)
        (locked,) = cursor.fetchone()
    if not locked:
        logger.warning("Nachtelijke back-up overgeslagen: een andere back-up is nog bezig.")
        return None
    try:
        backup = backup_create()
        check = backup_check(path=backup.path)
        backups_prune(directory=settings.BACKUP_DIR, keep=settings.BACKUP_KEEP)
        return check
    except BackupError as error:
        logger.error("Nachtelijke back-up mislukt: %s", error)
        return None
    finally:
        with connection.cursor() as cursor:
            cursor.execute("select pg_advisory_unlock(%s, %s)", BACKUP_LOCK)


def backups_prune(*, directory: str | Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups in `directory` (newest by the time in their names; files named
    otherwise are never touched), and temporary folders that a killed backup left over a day ago. Recorded as a
    housekeeping run; returns the deleted backups."""
    folder = Path(directory)
    with MaintenanceRecord(MaintenanceRun.Kind.HOUSEKEEPING, file_name=str(folder), expected=BackupError) as run:
        run.start()
        backups = sorted(path for path in folder.iterdir() if NAME_PATTERN.fullmatch(path.name) and path.is_file())
        old = backups[: max(len(backups) - keep, 0)]
        for path in old:
            path.unlink()
        stale_before = time.time() - STALE_AFTER.total_seconds()
        for path in folder.glob(f"{TEMPORARY}*"):
            if path.is_dir() and path.stat().st_mtime < stale_before:
                shutil.rmtree(path, ignore_errors=True)
        run.detail = ngettext(
            "%(count)s oude back-up verwijderd, %(kept)s bewaard in %(folder)s",
            "%(count)s oude back-ups verwijderd, %(kept)s bewaard in %(folder)s",
            len(old),
        ) % {"count": len(old), "kept": len(backups) - len(old), "folder": folder}
    return old


# --- summaries ------------------------------------------------------------------------------------------------


def _number(value: int) -> str:
    return number_format(value, use_l10n=True, force_grouping=True)


def _size(size: int) -> str:
    return str(filesizeformat(size)).replace("\xa0", " ")


def _counts(state: Manifest) -> str:
    editions, uploads = len(state["editions"]), state["uploads"]["files"]
    return ", ".join(
        [
            _("%(tables)s tabellen met %(rows)s rijen")
            % {"tables": _number(len(state["tables"])), "rows": _number(sum(state["tables"].values()))},
            ngettext("%(count)s editie", "%(count)s edities", editions) % {"count": _number(editions)},
            ngettext("%(count)s geüpload bestand", "%(count)s geüploade bestanden", uploads)
            % {"count": _number(uploads)},
        ]
    )


def _backup_summary(manifest: Manifest, size: int, seconds: float) -> str:
    return _("Back-up gemaakt: %(counts)s; %(size)s in %(seconds)s s.") % {
        "counts": _counts(manifest),
        "size": _size(size),
        "seconds": number_format(seconds, decimal_pos=1, use_l10n=True),
    }


def _check_summary(path: Path, found: Manifest, seconds: float) -> str:
    return _(
        "%(file)s is in orde: hersteld in een testdatabase met %(counts)s zoals in het manifest, dezelfde "
        "controlesommen en geen ontbrekende migraties (%(seconds)s s)."
    ) % {
        "file": path.name,
        "counts": _counts(found),
        "seconds": number_format(seconds, decimal_pos=1, use_l10n=True),
    }
