"""Response headers of every page, the API and every download (README, "Security"); static files do not pass
here: whitenoise, before these in MIDDLEWARE, answers them with its own caching headers."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    """`Cache-Control: private, no-store` on everything the site renders: a figure page, an API answer or an
    export belongs to the user who asked for it, and must stay out of shared proxies and the browser's disk
    (a shared computer, the back button after logging out). The login and password pages too: they are
    cheap to render and carry a CSRF token."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
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
