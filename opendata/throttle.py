"""The public API's limit per client address, counted in the cache (Redis: one count for every web worker), like
the password-reset limit (accounts/throttle.py). The address is the one accounts/clients.py finds behind the proxy.

A window opens at an address's first request and lasts PUBLIC_API_WINDOW_SECONDS; in it PUBLIC_API_RATE requests
are answered, the next ones get 429 with Retry-After until it closes. Without the cache (Redis away) nothing is
counted and every request is answered: the limit is against abuse, not a reason to lock anyone out."""

from __future__ import annotations

import hashlib
import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from redis.exceptions import RedisError

from accounts.clients import client_ip

logger = logging.getLogger(__name__)


def public_api_wait(request: HttpRequest) -> int | None:
    """Count this request of its client address; the seconds it must wait when it is over the limit, else None."""
    most = settings.PUBLIC_API_RATE
    if not most:
        return None
    address = client_ip(request) or "unknown"
    digest = hashlib.sha256(address.encode()).hexdigest()
    count_key, start_key = f"throttle:public-api:{digest}", f"throttle:public-api-start:{digest}"
    window = settings.PUBLIC_API_WINDOW_SECONDS
    now = time.time()
    try:
        if cache.add(count_key, 0, timeout=window):
            cache.set(start_key, now, timeout=window)
        try:
            count = cache.incr(count_key)
        except ValueError:  # expired between add and incr: this request opens a new window
            cache.set(count_key, 1, timeout=window)
            cache.set(start_key, now, timeout=window)
            count = 1
        if count <= most:
            return None
        started = cache.get(start_key)
    except (RedisError, OSError):
        logger.warning("public API request from %s not counted: the cache is not reachable", address)
        return None
    if count == most + 1:
        logger.warning("public API: %s went over %s requests in %s s", address, most, window)
    opened = float(started) if started is not None else now
    return max(1, math.ceil(opened + window - now))
