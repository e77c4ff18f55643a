"""A connection that PostgreSQL dropped (a restart, a failover, an idle timeout) costs no request a 500: kept
connections (CONN_MAX_AGE) are checked at the start of each request (CONN_HEALTH_CHECKS) and made anew."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.conftest import force_login
from tests.factories import UserFactory


def terminate_from_another_connection(pid: int) -> None:
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone() == (True,)
    finally:
        other.close()


def between_requests() -> None:
    """What a WSGI server does around a request; the test client leaves out Django's connection handling."""
    request_finished.send(sender=__name__)
    request_started.send(sender=__name__, environ={})


@pytest.fixture
def closed_afterwards() -> Iterator[None]:
    """Whatever happened, the test database is flushed over a working connection."""
    yield
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_the_request_after_postgresql_dropped_the_connection_succeeds(closed_afterwards: None) -> None:
    user: User = UserFactory(username="na-herstart")
    client = Client(raise_request_exception=False)
    force_login(client, user)
    assert client.get(reverse("password_change")).status_code == 200
    between_requests()
    assert connection.connection is not None  # kept for the next request (CONN_MAX_AGE)
    pid = connection.connection.info.backend_pid

    terminate_from_another_connection(pid)
    between_requests()
    response = client.get(reverse("password_change"))

    assert response.status_code == 200
    assert connection.connection.info.backend_pid != pid


def test_connections_are_kept_and_checked_by_default() -> None:
    # Set from the environment: CONN_MAX_AGE (default 60) and CONN_HEALTH_CHECKS (default True).
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
