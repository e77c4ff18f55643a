"""What the benchmarks share: a database of their own beside the one in DATABASE_URL, Django on it, and SQL."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Read once, before setup_django points DATABASE_URL at the benchmark's own database.
SERVER_URL = os.environ["DATABASE_URL"]


def database_url(name: str) -> str:
    return urlsplit(SERVER_URL)._replace(path=f"/{name}").geturl()


def recreate_database(name: str) -> None:
    import psycopg

    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(f"drop database if exists {name} with (force)")
        conn.execute(f"create database {name}")


def drop_database(name: str) -> None:
    """For the quick runs (`--quick`), which leave nothing behind."""
    import psycopg

    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(f"drop database if exists {name} with (force)")


def clean_up_database(name: str, *, quick: bool, keep: bool) -> None:
    """At the end of a run: a quick run drops its database, a full one leaves it empty (not a gigabyte), unless
    --keep."""
    if keep:
        return
    if quick:
        drop_database(name)
    else:
        recreate_database(name)


def setup_django(name: str, **environ: str) -> None:
    """Django on the benchmark's database, with Redis database 14 (never the tests' 15 or the site's 0)."""
    os.environ["DATABASE_URL"] = database_url(name)
    os.environ["REDIS_URL"] = urlsplit(os.environ["REDIS_URL"])._replace(path="/14").geturl()
    os.environ.update(environ)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    # DEBUG off as in production, but on plain HTTP: no redirect to https:// (README, "Security").
    os.environ.setdefault("SECURE_SSL_REDIRECT", "False")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")  # no mail server here
    # A child process's result is the last line of its stdout: logs go to stderr, as manage.py's do.
    os.environ.setdefault("LOG_STREAM", "stderr")
    import django

    django.setup()


def second_factor_device_id(user: Any) -> str | None:
    """For a user who needs a second factor (staff, coordinators; README, "Two-factor login"): the persistent id of
    an app of theirs (made if they have none), to store as a session's device as django_otp.login does; else None."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.second_factor import second_factor_required

    if not second_factor_required(user):
        return None
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = device or TOTPDevice.objects.create(user=user, name="bench-app", confirmed=True)
    return str(device.persistent_id)


def force_login(client: Any, user: Any) -> None:
    """client.force_login, and a session that passed the second factor for a user who needs one (as
    tests/conftest.py `force_login`)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(user)
    if device_id := second_factor_device_id(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device_id
        session.save()


def sql(statement: str, params: dict | list | None = None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def run_in_fresh_database(database: str, *, prefix: str, quick: bool, keep: bool, run: Callable[[Path], None]) -> None:
    """A bench that writes files: a new database and a temporary folder, both cleaned up whatever happens."""
    import contextlib
    import shutil
    import tempfile

    recreate_database(database)
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        run(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(Exception):  # Django may not have got as far as its settings
            from django.db import connections

            connections.close_all()
        clean_up_database(database, quick=quick, keep=keep)
