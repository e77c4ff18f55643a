"""scripts/entrypoint.sh, the one way every process starts (README, "Production"), run here as a container runs it:
migrate, then web (gunicorn), a worker and beat with DEBUG off, against a database of their own on the tests'
server and the tests' Redis database. They serve the login page with whitenoise's static files, answer the
probes, recompute through the queue and through beat's sweep, and stop cleanly on SIGTERM."""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import redis
from django.conf import settings
from django.core.management.utils import get_random_secret_key
from psycopg import sql

from inventory.services.workers import HEARTBEAT_KEY

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "scripts" / "entrypoint.sh"
# The project's settings with the static files collected into the test's own folder: DEBUG off needs whitenoise's
# manifest, and ROOT/staticfiles belongs to whoever made it.
SETTINGS_MODULE = "entrypoint_test_settings"
SETTINGS = "from config.settings.base import *  # noqa: F403\n\nSTATIC_ROOT = {static_root!r}\n"
STOP_SECONDS = 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(**variables: str) -> dict[str, str]:
    """What a container gets: the production defaults (DEBUG off) plus `variables`; nothing of the tests' own."""
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DEBUG": "False",
        "SECRET_KEY": get_random_secret_key(),
        # Plain HTTP on 127.0.0.1, as behind a TLS proxy; every other security switch keeps its default.
        "SECURE_SSL_REDIRECT": "False",
        "ALLOWED_HOSTS": "127.0.0.1",
        "REDIS_URL": settings.REDIS_URL,
        "STARTUP_WAIT": "20",
        "LOG_LEVEL": "WARNING",
    }
    env.update(variables)
    return env


def entrypoint(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ENTRYPOINT), *args], cwd="/", env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@contextmanager
def scratch_database() -> Iterator[str]:
    """A new, empty database on the tests' PostgreSQL server, dropped afterwards; yields its URL."""
    server = os.environ["DATABASE_URL"]
    name = f"inventaris_entrypoint_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(server, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlsplit(server)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(server, dbname="postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


class Process:
    """One long-running mode of the entrypoint in a process group of its own, its output in a file."""

    def __init__(self, mode: str, env: dict[str, str], folder: Path) -> None:
        self.mode, self.log = mode, folder / f"{mode}.log"
        with self.log.open("wb") as out:
            self.popen = subprocess.Popen(
                [str(ENTRYPOINT), mode], cwd="/", env=env, stdout=out, stderr=subprocess.STDOUT, process_group=0
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def running(self) -> bool:
        return self.popen.poll() is None

    def terminate(self) -> int:
        """SIGTERM to the process itself, as `docker stop` sends it to PID 1: its exit code."""
        self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{self.mode} still running {STOP_SECONDS} s after SIGTERM:\n{self.output()}")

    def kill(self) -> None:
        if self.running():
            with suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()
        # Its pool, its gunicorn workers: whatever was left of the group.
        with suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)


def wait_for(condition: Callable[[], object], what: str, processes: list[Process], timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        for process in processes:
            assert process.running(), f"{process.mode} exited with {process.popen.returncode}:\n{process.output()}"
        assert time.monotonic() < deadline, f"{what} not within {timeout:.0f} s:\n" + "\n".join(
            f"--- {p.mode}\n{p.output()}" for p in processes
        )
        time.sleep(0.2)


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        answer = conn.getresponse()
        return answer.status, answer.read()
    except OSError:
        return 0, b""
    finally:
        conn.close()


def computed(url: str, year: int) -> bool:
    with psycopg.connect(url) as conn:
        row = conn.execute("select runs from inventory_aggregateyear where year = %s", [year]).fetchone()
        pending = conn.execute("select count(*) from inventory_aggregatedirtykey where year = %s", [year]).fetchone()
    return row is not None and row[0] >= 1 and pending == (0,)


@pytest.mark.slow
def test_the_entrypoint_runs_the_site_as_a_container_would_and_stops_it_cleanly(tmp_path: Path) -> None:
    port = free_port()
    worker_host = f"entrypoint-test-{os.getpid()}"
    worker_name = f"aggregates-imports-mail-housekeeping@{worker_host}"
    (tmp_path / f"{SETTINGS_MODULE}.py").write_text(SETTINGS.format(static_root=str(tmp_path / "static")))
    broker = redis.Redis.from_url(settings.REDIS_URL)
    with ExitStack() as stack:
        database = stack.enter_context(scratch_database())
        broker.flushdb()
        stack.callback(broker.flushdb)
        env = environment(
            DATABASE_URL=database,
            DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
            PYTHONPATH=str(tmp_path),
            BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY="1",
            WEB_THREADS="2",
            WORKER_NAME=worker_host,
            WORKER_CONCURRENCY="1",
            BEAT_SCHEDULE_FILE=str(tmp_path / "celerybeat-schedule"),
            AGGREGATES_SWEEP_SECONDS="2",
        )

        collect = subprocess.Popen(
            [str(ENTRYPOINT), "manage", "collectstatic", "--noinput", "--verbosity", "0"], cwd="/", env=env
        )
        migrate = entrypoint("migrate", env=env)
        assert migrate.returncode == 0, migrate.stderr
        assert collect.wait(120) == 0
        with psycopg.connect(database) as conn:
            (regions,) = conn.execute("select count(*) from inventory_region").fetchone() or (0,)
        assert regions > 300  # migrated, then the reference data loaded: Flanders down to its municipalities

        processes: list[Process] = []

        def start(mode: str) -> Process:
            process = Process(mode, env, tmp_path)
            stack.callback(process.kill)
            processes.append(process)
            return process

        web, worker = start("web"), start("worker")
        wait_for(lambda: get(port, "/livez") == (200, b'{"status": "ok"}'), "/livez answering 200", processes)

        status, page = get(port, "/accounts/login/")
        assert status == 200
        stylesheet = re.search(rb'<link rel="stylesheet" href="(/static/css/site\.[0-9a-f]{12}\.css)">', page)
        assert stylesheet, "the login page links the hashed stylesheet of the manifest"
        status, css = get(port, stylesheet[1].decode())
        assert status == 200
        assert b"{" in css

        wait_for(lambda: get(port, "/readyz")[0] == 200, "/readyz 200 once the worker's heartbeat is there", processes)
        checks = json.loads(get(port, "/readyz")[1])["checks"]
        assert {name: check["ok"] for name, check in checks.items()} == dict.fromkeys(
            ("database", "migrations", "redis", "workers"), True
        )
        assert entrypoint("check-worker", env=env).returncode == 0
        assert entrypoint("check-web", env=env).returncode == 0

        # A write marks a year through the service; on commit the recompute is queued and the worker runs it.
        mark = "from inventory.services.aggregation import aggregates_mark_years; aggregates_mark_years(years=[2031])"
        marked = entrypoint("manage", "shell", "-c", mark, env=env)
        assert marked.returncode == 0, marked.stderr
        wait_for(lambda: computed(database, 2031), "the worker's recompute of 2031", processes)

        # A mark whose message never reached the broker: only beat's periodic sweep brings it to the worker.
        beat = start("beat")
        with psycopg.connect(database) as conn:
            conn.execute("insert into inventory_aggregatedirtykey (year) values (2032)")
        wait_for(lambda: computed(database, 2032), "beat's sweep of 2032, run by the worker", processes)
        assert entrypoint("check-beat", env=env).returncode == 0

        assert worker.terminate() == 0, worker.output()  # a warm shutdown
        last_beat = json.loads(broker.get(HEARTBEAT_KEY.format(hostname=worker_name)) or "{}")
        assert last_beat["stopped"] is True
        stopped = entrypoint("check-worker", env=env)
        assert (stopped.returncode, stopped.stderr.strip()) == (1, f"check-worker: {worker_name}: stopped")
        status, body = get(port, "/readyz")
        assert status == 503
        assert json.loads(body)["checks"]["workers"]["ok"] is False

        assert beat.terminate() == 0, beat.output()
        assert web.terminate() == 0, web.output()
        assert get(port, "/livez")[0] == 0  # nothing listens any more


def test_a_missing_secret_key_stops_web_with_one_line_naming_it() -> None:
    env = environment(DATABASE_URL="postgres://nobody@127.0.0.1:1/none")
    del env["SECRET_KEY"]
    done = entrypoint("web", env=env)
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["inventaris: ongeldige instelling SECRET_KEY: ontbreekt; zet deze variabele"]
    assert done.stdout == ""


def test_an_unknown_mode_prints_the_usage_and_exits_64() -> None:
    done = entrypoint("serve", env=environment())
    assert done.returncode == 64
    assert done.stderr.startswith("usage: entrypoint.sh web|worker|beat|migrate|check|manage ARGS...")


def test_an_unknown_queue_stops_the_worker_with_one_line_before_anything_starts() -> None:
    done = entrypoint("worker", env=environment(WORKER_QUEUES="aggregates,agregates"))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "inventaris: ongeldige instelling WORKER_QUEUES: onbekende wachtrij 'agregates' "
        "(bekend: aggregates,imports,mail,housekeeping)"
    ]


def test_the_entrypoints_queues_are_the_settings_queues() -> None:
    (queues,) = re.findall(r"^ALL_QUEUES=(\S+)$", ENTRYPOINT.read_text(), re.MULTILINE)
    assert tuple(queues.split(",")) == settings.WORKER_QUEUES


def test_beat_is_healthy_while_its_schedule_file_is_recent(tmp_path: Path) -> None:
    env = environment(BEAT_SCHEDULE_FILE=str(tmp_path / "celerybeat-schedule"))
    missing = entrypoint("check-beat", env=env)
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"check-beat: {tmp_path / 'celerybeat-schedule'} not written in the last 300 s"
    written = tmp_path / "celerybeat-schedule.dat"  # dbm.dumb's name for it; dbm.gnu writes the name itself
    written.write_bytes(b"")
    assert entrypoint("check-beat", env=env).returncode == 0
    os.utime(written, (time.time() - 301, time.time() - 301))
    assert entrypoint("check-beat", env=env).returncode == 1


@pytest.mark.slow
def test_the_deployment_check_fails_on_any_warning_not_named_as_accepted() -> None:
    production = environment(
        DATABASE_URL=os.environ["DATABASE_URL"],
        ALLOWED_HOSTS="inventaris.pomwvl.be",
        CSRF_TRUSTED_ORIGINS="https://inventaris.pomwvl.be",
        SITE_URL="https://inventaris.pomwvl.be",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
    )
    del production["SECURE_SSL_REDIRECT"]
    refused = entrypoint("check", env=production)
    assert refused.returncode == 1
    assert "security.W021" in refused.stderr
    accepted = entrypoint("check", env={**production, "SILENCED_SYSTEM_CHECKS": "security.W021"})
    assert accepted.returncode == 0, accepted.stderr
    assert "no issues (1 silenced)" in accepted.stdout
