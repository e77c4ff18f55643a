"""The friendly 404 and 400 pages under DEBUG=True too (`make run`): Django shows its technical pages there, in
English. DEBUG_TECHNICAL_ERRORS=True brings those back for a developer who needs the resolver's list of URLs or
the traceback of a bad request."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404

from inventory.views.errors import bad_request, page_not_found


class FriendlyErrorPagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.active = settings.DEBUG and not settings.DEBUG_TECHNICAL_ERRORS

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # An address that matches no URL fails before any view, where process_exception does not see it: Django
        # has already answered with its technical page, which is replaced here.
        if self.active and response.status_code == 404 and getattr(request, "resolver_match", None) is None:
            return page_not_found(request, Resolver404())
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not self.active:
            return None
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, BadRequest):
            return bad_request(request, exception)
        return None
