"""Public pages and downloads are made once and then served from the cache: an edition never changes.

A response is kept under the edition's version (editions.edition_version: a withdrawal or a new next-edition
date makes new pages), the path with its query and the language; it is sent with `Cache-Control: public` so that
browsers and proxies may keep it too. Pages carry no CSRF token or per-user content (base template
opendata/base.html), so one copy serves every visitor. Without Redis a page is made for every request.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Headers a kept response keeps (the rest are set again by the middleware on every request).
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Access-Control-Allow-Origin", "Link")
# A larger answer is sent but not kept.
MAX_KEPT_BYTES = 8 * 1024 * 1024


def public_headers(response: HttpResponse) -> HttpResponse:
    """Cacheable by anyone for PUBLIC_MAX_AGE (config/middleware.py NoStoreMiddleware leaves public answers
    alone); the language cookie chooses the language, so it varies by it."""
    patch_cache_control(response, public=True, max_age=settings.PUBLIC_MAX_AGE)
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    return response


def response_key(request: HttpRequest, version: str) -> str:
    query = sorted(request.GET.lists())
    raw = repr((version, request.path, query, get_language()))
    return "public-page:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def kept(request: HttpRequest, version: str, build: Callable[[], HttpResponse]) -> HttpResponse:
    """`build()`'s answer, from the cache when it was made before. Only complete answers (200, 400, 404 with a
    body) are kept; a streamed one is read into memory first, which public answers are small enough for."""
    key = response_key(request, version)
    try:
        hit = cache.get(key)
    except (RedisError, OSError) as error:
        logger.warning("cache unavailable, building %s: %s", request.path, error)
        hit = None
    if hit is not None:
        status, body, headers = hit
        response = HttpResponse(body, status=status)
        for name, value in headers.items():
            response[name] = value
        return public_headers(response)
    response = build()
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        streamed = HttpResponse(body, status=response.status_code)
        for name in KEPT_HEADERS:
            if name in response:
                streamed[name] = response[name]
        response = streamed
    if response.status_code in (200, 400, 404) and len(response.content) <= MAX_KEPT_BYTES:
        headers = {name: response[name] for name in KEPT_HEADERS if name in response}
        with contextlib.suppress(RedisError, OSError):
            cache.set(key, (response.status_code, response.content, headers), settings.PUBLIC_CACHE_SECONDS)
    return public_headers(response)


def public_page(version: Callable[..., str]) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A view whose answers are kept (see `kept`); `version(**kwargs)` names what they depend on."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            return kept(request, version(**kwargs), lambda: view(request, *args, **kwargs))

        return wrapped

    return decorator
