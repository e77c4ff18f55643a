import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.db import connection, connections, transaction
from django.test import Client

from config.celery import app
from inventory.models import ImportJob
from inventory.services import aggregation
from inventory.services.aggregation import aggregates_recompute_all
from inventory.services.demo import demo_load
from inventory.services.reference import reference_load
from tests.conftest import force_login
from tests.factories import UserFactory


@pytest.fixture(scope="module")
def reference_db(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    """Reference data loaded once per module, rolled back afterwards; tests still run in their own savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        reference_load()
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def demo_aggregates(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    """The demo with its aggregates computed, once per module."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_load()
        aggregates_recompute_all()
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def demo_db(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        demo_load()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def worker(transactional_db: None) -> Iterator[None]:
    """A real Celery worker on the test Redis database, in a thread of this process."""
    aggregation.redis_client().flushdb()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
        yield
    aggregation.redis_client().flushdb()
    connections.close_all()


class WorkerProcess:
    """A Celery worker started as `celery worker` is in production: a main process and a pool of one child."""

    def __init__(self, process: subprocess.Popen[bytes], name: str) -> None:
        self.process, self.name = process, name

    def child_pid(self) -> int:
        stats = app.control.inspect(destination=[self.name], timeout=5).stats() or {}
        (pid,) = stats[self.name]["pool"]["processes"]
        return int(pid)

    def kill_child(self) -> None:
        """SIGKILL the pool process, as the kernel's OOM killer would: the main process stays."""
        os.kill(self.child_pid(), signal.SIGKILL)

    def kill_all(self) -> None:
        """SIGKILL the worker and its child at once: nobody is left to report on the task."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


@pytest.fixture
def worker_process(transactional_db: None) -> Iterator[WorkerProcess]:
    """A real worker in processes of its own (prefork, one child) on the tests' database and Redis: unlike the
    in-thread `worker`, it enforces time limits and survives its child being killed."""
    aggregation.redis_client().flushdb()
    name = f"tests-{os.getpid()}@localhost"
    url = urlsplit(os.environ["DATABASE_URL"])._replace(path="/" + connection.settings_dict["NAME"]).geturl()
    options = [
        "--loglevel",
        "WARNING",
        "--hostname",
        name,
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork", "--concurrency", "1", *options],
        cwd=Path(__file__).resolve().parents[2],
        env=dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings.test"),
        start_new_session=True,  # its own process group: the fixture ends the worker and its child together
    )
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[name], timeout=0.5):
        assert process.poll() is None, "the Celery worker stopped"
        assert time.monotonic() < deadline, "the Celery worker did not start"
    yield WorkerProcess(process, name)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    aggregation.redis_client().flushdb()
    connections.close_all()


def job_when(pk: object, *statuses: str, timeout: float = 60) -> ImportJob:
    """The job once it has one of `statuses` (by default: finished), polled as the job page does."""
    statuses = statuses or (ImportJob.Status.DONE, ImportJob.Status.FAILED)
    deadline = time.monotonic() + timeout
    while (job := ImportJob.objects.get(pk=pk)).status not in statuses:
        assert time.monotonic() < deadline, f"import job still {job.status}"
        time.sleep(0.05)
    return job


@pytest.fixture
def clean_redis() -> Iterator[redis.Redis]:
    client = aggregation.redis_client()
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def staff_page_client(db: None) -> Client:
    client = Client()
    force_login(client, UserFactory(username="pom-ops", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def aggregates_worker_alive() -> Iterator[None]:
    """A live worker's heartbeat for the aggregates queue (as config.celery.Heartbeat writes it), for tests of what
    pages say while a recompute is under way; without one they say it waits for the workers."""
    from inventory.services import workers

    workers.heartbeat_write(hostname="tests-aggregates@localhost", pid=os.getpid(), queues=["aggregates"])
    yield
    aggregation.redis_client().delete(workers.HEARTBEAT_KEY.format(hostname="tests-aggregates@localhost"))
