"""The access log (README, "Logs and error reporting"), and the response headers of every page, the API and every
download (README, "Security"); static files do not get those headers: whitenoise, before them in MIDDLEWARE,
answers with its own caching headers."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control
from django.utils.encoding import escape_uri_path

from config.observability import redacted_path

request_logger = logging.getLogger("inventaris.request")

# The health probes ask every few seconds: their lines only at DEBUG.
PROBE_PATHS = frozenset({"/livez", "/readyz"})
# A request id from the proxy (X-Request-ID) is logged when it is a plain token; anything else is not ours to copy.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+/=-]{1,128}")
# Query parameter names are logged, values never (they may be e-mail addresses); a name that is no plain word
# ("?someone@example.com" has that as its name) is left out too.
_PARAMETER_NAME = re.compile(r"[A-Za-z0-9_.\[\]-]{1,50}")


class RequestLogMiddleware:
    """One line per request on the logger "inventaris.request": method, path (secret URL arguments as "*"),
    the query parameters' names, status, duration_ms, user_id and request_id. This is the access log: gunicorn's
    stays off. Written when the response is closed, after a streamed download's last byte, so duration_ms is the
    whole answer; at INFO, not by status, because an ERROR record would become a second Sentry event beside the
    exception's. The user is read only if AuthenticationMiddleware set one: an anonymous request gets no session.
    First in MIDDLEWARE, so that every answer (an HTTPS redirect, a static file) has its line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        # Django's own hook for work at close (its WSGIHandler closes the request there); close() runs it once.
        response._resource_closers.append(lambda: log_request(request, response, started))  # type: ignore[attr-defined]
        return response


def log_request(request: HttpRequest, response: HttpResponseBase, started: float) -> None:
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    user = getattr(request, "user", None)
    user_id = user.pk if user is not None and user.is_authenticated else None
    match = request.resolver_match
    path = escape_uri_path(redacted_path(request.path, match.kwargs if match else {}))
    request_id = request.headers.get("X-Request-ID", "")
    fields = {
        "method": request.method,
        "path": path,
        "query_params": list(dict.fromkeys(k for k in request.GET if _PARAMETER_NAME.fullmatch(k))),
        "status": response.status_code,
        "duration_ms": duration_ms,
        "user_id": user_id,
        "request_id": request_id if _REQUEST_ID.fullmatch(request_id) else None,
    }
    level = logging.DEBUG if request.path_info.rstrip("/") in PROBE_PATHS else logging.INFO
    request_logger.log(
        level,
        "%s %s %s %.1f ms user %s",
        request.method,
        path,
        response.status_code,
        duration_ms,
        "-" if user_id is None else user_id,
        extra=fields,
    )


class NoStoreMiddleware:
    """`Cache-Control: private, no-store` on everything the site renders: a figure page, an API answer or an
    export belongs to the user who asked for it, and must stay out of shared proxies and the browser's disk
    (a shared computer, the back button after logging out). The login and password pages too: they are
    cheap to render and carry a CSRF token. Only the public site's answers, marked `public` (opendata/cache.py),
    may be kept by anyone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if "public" not in response.get("Cache-Control", ""):
            patch_cache_control(response, private=True, no_store=True)
        return response


class PermissionsPolicyMiddleware:
    """`Permissions-Policy`: the browser features in settings.PERMISSIONS_POLICY are off for the site and for
    anything it might embed. Names must be ones Chromium knows, or it logs an error on every page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.header = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
