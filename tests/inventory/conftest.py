from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connections, transaction

from config.celery import app
from inventory.services import aggregation
from inventory.services.aggregation import aggregates_recompute_all
from inventory.services.demo import demo_load
from inventory.services.reference import reference_load


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
