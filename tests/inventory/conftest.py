from collections.abc import Iterator

import pytest
from django.db import transaction

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
def demo_db(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        demo_load()
        yield
        transaction.set_rollback(True)
