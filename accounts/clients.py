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
