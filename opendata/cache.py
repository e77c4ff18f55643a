"""Public pages and downloads are made once and then served from the cache: an edition never changes.

A response is kept under the edition's version (editions.edition_version: a withdrawal or a new next-edition
date makes new pages), the path with its query and the language; it is sent with `Cache-Control: public` so that
browsers and proxies may keep it too. Pages carry no CSRF token or per-user content (base template
opendata/base.html), so one copy serves every visitor. Without Redis a page is made for every request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language

from inventory.selectors.sources import cached

# Headers a kept response keeps (the rest are set again by the middleware on every request).
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Access-Control-Allow-Origin", "Link")
# A larger answer is sent but not kept.
MAX_KEPT_BYTES = 8 * 1024 * 1024


def public_headers(response: HttpResponseBase, etag: str) -> HttpResponseBase:
    """Cacheable by anyone (config/middleware.py NoStoreMiddleware leaves public answers alone) for
    PUBLIC_MAX_AGE, by default 0: a browser or proxy asks again each time with the ETag and gets a 304 while the
    page is the same, so a withdrawal or a new next-edition date shows at once. The language cookie chooses the
    language, so answers vary by it."""
    if settings.PUBLIC_MAX_AGE:
        patch_cache_control(response, public=True, max_age=settings.PUBLIC_MAX_AGE)
    else:
        patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    response["ETag"] = etag
    return response


def answer(request: HttpRequest, status: int, body: bytes, headers: dict[str, str]) -> HttpResponseBase:
    """The kept answer, or 304 when the client holds it already."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if status == 200 and etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        return public_headers(HttpResponseNotModified(), etag)
    response = HttpResponse(body, status=status)
    for name, value in headers.items():
        response[name] = value
    return public_headers(response, etag)


def response_key(request: HttpRequest, version: str) -> str:
    query = sorted(request.GET.lists())
    raw = repr((version, request.path, query, get_language()))
    return "public-page:" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def kept(request: HttpRequest, version: str, build: Callable[[], HttpResponse]) -> HttpResponseBase:
    """`build()`'s answer, from the cache when it was made before (made once at a time: see
    inventory.selectors.sources.cached). Only complete answers (200, 400, 404) up to MAX_KEPT_BYTES are kept; a
    streamed one is read into memory first, which public answers are small enough for."""

    def make() -> tuple[int, bytes, dict[str, str]]:
        response = build()
        streamed = getattr(response, "streaming", False)
        body = b"".join(response.streaming_content) if streamed else response.content  # type: ignore[attr-defined]
        headers = {name: response[name] for name in KEPT_HEADERS if name in response}
        return response.status_code, body, headers

    def keep(made: tuple[int, bytes, dict[str, str]]) -> bool:
        return made[0] in (200, 400, 404) and len(made[1]) <= MAX_KEPT_BYTES

    status, body, headers = cached(
        response_key(request, version), make, timeout=settings.PUBLIC_CACHE_SECONDS, keep=keep
    )
    return answer(request, status, body, headers)


def public_page(
    version: Callable[..., str],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponseBase]]:
    """A view whose answers are kept (see `kept`); `version(**kwargs)` names what they depend on."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            return kept(request, version(**kwargs), lambda: view(request, *args, **kwargs))

        return wrapped

    return decorator
