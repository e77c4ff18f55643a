"""The dashboard's notice when a recompute waits for the workers (issue 13); apart from tests/inventory/
test_operations.py, whose real worker must not share a module with the demo's module-wide transaction."""

from __future__ import annotations

import redis
from django.test import Client

from inventory.models import AggregateDirtyKey
from inventory.services import workers


def test_the_dashboard_notice_names_the_wait(
    demo_aggregates: None, staff_page_client: Client, clean_redis: redis.Redis
) -> None:
    AggregateDirtyKey.objects.create(year=2019)
    page = staff_page_client.get("/").content.decode()
    assert "data-recompute-waiting" in page
    assert "De herberekening voor 2019 wacht op de rekenprocessen (al minder dan een minuut)" in page
    workers.heartbeat_write(hostname="agg@host", pid=1, queues=["aggregates"])
    page = staff_page_client.get("/").content.decode()
    assert "data-recompute-waiting" not in page
    assert "Herberekening bezig voor 2019." in page
