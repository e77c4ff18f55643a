"""The client's address, for the login lock-out (django-axes) and the password-reset limit (accounts/throttle.py).

Directly reached, it is REMOTE_ADDR. Behind TRUSTED_PROXY_COUNT proxies (README, "Behind the proxy") that is the
nearest proxy's address, and the client's is the one the farthest trusted proxy put into X-Forwarded-For: the
TRUSTED_PROXY_COUNT-th entry from the right. Entries further left were written by the client itself and are never
trusted."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < count:
        return remote  # not through the proxies (a request from inside): its own address
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def login_name(value: str) -> str:
    """The username as typed, the way accounts store it: invited people's usernames are their e-mail address in
    lower case, and people type addresses in any case."""
    value = (value or "").strip()
    return value.lower() if "@" in value else value


def lockout_username(request: HttpRequest | None, credentials: dict[str, object] | None) -> str:
    """The username django-axes counts failures for (AXES_USERNAME_CALLABLE): as login_name makes it, so that
    typing an address in other cases does not buy more attempts."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get("username", "")
    return login_name(str(value or ""))
