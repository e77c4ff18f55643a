"""Limits on password reset e-mails, per address and per client address, counted in the cache (Redis: one count
for every web worker). Neither Django nor django-axes limits them: axes counts failed logins only."""

from __future__ import annotations

import hashlib
import logging
from enum import StrEnum

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class Limit(StrEnum):
    ADDRESS = "address"
    IP = "ip"


def _over(*, limit: Limit, value: str, most: int) -> bool:
    """Count one attempt of `value` against `limit`; whether it is over the `most` of the window. The window starts
    at the first attempt and lasts PASSWORD_RESET_WINDOW_MINUTES."""
    key = f"throttle:password-reset:{limit}:{hashlib.sha256(value.encode()).hexdigest()}"
    window = settings.PASSWORD_RESET_WINDOW_MINUTES * 60
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this attempt opens a new window
        cache.add(key, 1, timeout=window)
        count = 1
    return count > most


def password_reset_limit(*, email: str, ip: str | None) -> Limit | None:
    """Count a password reset request for `email` from `ip`; the limit it goes over, or None when its e-mail may be
    sent. The client address is counted first, so one that is over its limit uses up no address's e-mails. Every
    address counts, known or not, so the answer (the same page either way) says nothing about accounts. Over a
    limit is logged. Without the cache (Redis away) nothing is counted and the e-mail goes: the limits are against
    abuse, not a reason to lock people out."""
    address = email.strip().lower()
    try:
        if ip and _over(limit=Limit.IP, value=ip, most=settings.PASSWORD_RESET_MAX_PER_IP):
            over = Limit.IP
        elif _over(limit=Limit.ADDRESS, value=address, most=settings.PASSWORD_RESET_MAX_PER_ADDRESS):
            over = Limit.ADDRESS
        else:
            return None
    except (RedisError, OSError):
        logger.warning("password reset for %s from %s not counted: the cache is not reachable", address, ip)
        return None
    logger.warning("password reset for %s from %s refused: over the limit per %s", address, ip, over)
    return over
