# The real Celery worker of the inventory tests.
from tests.inventory.conftest import worker  # noqa: F401
