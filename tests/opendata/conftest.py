"""The public site's tests use the demo and the clean Redis of the inventory's tests."""

from tests.inventory.conftest import clean_redis, demo_db

__all__ = ["clean_redis", "demo_db"]
