"""The public site's tests use the demo, the reference data, the real worker and the clean Redis of the inventory's
tests."""

from tests.inventory.conftest import clean_redis, demo_aggregates, demo_db, reference_db, worker  # noqa: F401
