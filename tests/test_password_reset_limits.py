"""Password reset e-mails are limited per address and per client address: over a limit the answer is the same
page as always, but no e-mail goes out, and the refusal is logged. Counted in Redis, shared by every web worker."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncounted_password_resets")]


@pytest.fixture(autouse=True)
def limits(settings: Any) -> None:
    settings.PASSWORD_RESET_MAX_PER_ADDRESS = 2
    settings.PASSWORD_RESET_MAX_PER_IP = 4


def reset(email: str, ip: str = "192.0.2.1") -> tuple[int, str, str]:
    """(status, where it sends the visitor, what the page found there says) of a reset request from `ip`."""
    client = Client(REMOTE_ADDR=ip)
    response = client.post(reverse("password_reset"), {"email": email})
    page = client.get(response["Location"]).content.decode()
    main = re.search(r"<main\b.*</main>", page, re.DOTALL)
    assert main is not None
    return response.status_code, response["Location"], main.group()


@pytest.fixture
def known(db: None) -> User:
    return UserFactory(username="bekend", email="bekend@example.be")


def test_an_address_gets_at_most_its_limit_of_emails_from_any_number_of_client_addresses(
    known: User, caplog: pytest.LogCaptureFixture
) -> None:
    answers = [reset("bekend@example.be", ip=f"192.0.2.{n}") for n in (1, 2, 3)]

    assert len(mail.outbox) == 2
    assert {m.to[0] for m in mail.outbox} == {"bekend@example.be"}
    assert answers[0] == answers[1] == answers[2]  # the refusal looks like the rest
    assert answers[2][:2] == (302, reverse("password_reset_done"))
    assert "Als er een account met dat e-mailadres bestaat" in answers[2][2]
    assert [r.getMessage() for r in caplog.records if r.name == "accounts.throttle"] == [
        "password reset for bekend@example.be from 192.0.2.3 refused: over the limit per address"
    ]


def test_the_address_counts_whatever_its_spelling(known: User) -> None:
    for email in ("bekend@example.be", "BEKEND@example.be", " Bekend@Example.be "):
        reset(email)

    assert len(mail.outbox) == 2


def test_a_client_address_gets_at_most_its_limit_of_emails_whatever_the_addresses(
    caplog: pytest.LogCaptureFixture,
) -> None:
    for n in range(5):
        UserFactory(username=f"lid{n}", email=f"lid{n}@example.be")

    answers = [reset(f"lid{n}@example.be") for n in range(5)]

    assert [m.to[0] for m in mail.outbox] == [f"lid{n}@example.be" for n in range(4)]
    assert answers[4] == answers[0]
    assert "over the limit per ip" in caplog.text
    # Another client address still gets through.
    reset("lid4@example.be", ip="198.51.100.7")
    assert mail.outbox[-1].to == ["lid4@example.be"]


def test_a_client_address_over_its_limit_uses_up_no_address(known: User) -> None:
    with override_settings(PASSWORD_RESET_MAX_PER_IP=1):
        reset("bekend@example.be", ip="192.0.2.9")
        reset("bekend@example.be", ip="192.0.2.9")
        reset("bekend@example.be", ip="192.0.2.9")
        assert len(mail.outbox) == 1
        reset("bekend@example.be", ip="203.0.113.5")

    assert len(mail.outbox) == 2


def test_unknown_addresses_count_too_and_are_answered_alike(known: User) -> None:
    unknown = [reset("niemand@example.be", ip=f"192.0.2.{n}") for n in (1, 2, 3)]
    known_answers = [reset("bekend@example.be", ip=f"198.51.100.{n}") for n in (1, 2, 3)]

    assert [m.to for m in mail.outbox] == [["bekend@example.be"]] * 2
    assert set(unknown) == set(known_answers) == {known_answers[0]}


@override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
)
def test_without_redis_the_email_still_goes(known: User, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="accounts.throttle"):
        for _n in range(3):
            reset("bekend@example.be")

    assert len(mail.outbox) == 3
    assert "not counted: the cache is not reachable" in caplog.text
