"""The client's address behind TRUSTED_PROXY_COUNT proxies (accounts/clients.py), for the lock-out and the
password-reset limit: the proxies' own entries are trusted, a client's own X-Forwarded-For never is."""

from __future__ import annotations

import pytest
from axes.helpers import get_client_ip_address
from django.test import RequestFactory, override_settings


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.2"),  # directly reached: a sent header changes nothing
        (1, "203.0.113.9", "203.0.113.9"),  # one proxy: the address it appended
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client's own entry on the left is ignored
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.7", "203.0.113.9"),
        (1, "", "10.0.0.2"),  # a request that did not pass the proxy (a probe from inside)
        (1, "not-an-address", "10.0.0.2"),
    ],
)
def test_the_client_address_behind_trusted_proxies(count: int, forwarded: str, expected: str) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(TRUSTED_PROXY_COUNT=count):
        assert get_client_ip_address(request) == expected
