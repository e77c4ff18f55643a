"""Logins are locked per username and IP address after repeated failures, with a cool-off."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> int:
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip).status_code


def test_five_failures_lock_that_username_from_that_address_only(settings) -> None:
    user, other = UserFactory(), UserFactory()
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, user.username, "fout")
    assert login(client, user.username, PASSWORD) == 429
    assert (
        "Tijdelijk geblokkeerd"
        in client.post(
            "/accounts/login/", {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
        ).content.decode()
    )
    # Another user from the same address, and the same user from another address, still get in.
    assert login(Client(), other.username, PASSWORD) == 302
    assert login(Client(), user.username, PASSWORD, ip="10.0.0.2") == 302


def test_the_lock_ends_after_the_cool_off(settings) -> None:
    user = UserFactory()
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, user.username, "fout")
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(minutes=1))
    assert login(client, user.username, PASSWORD) == 302
