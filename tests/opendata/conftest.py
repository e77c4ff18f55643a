from tests.inventory.conftest import demo_aggregates, demo_db, reference_db, worker  # noqa: F401
