"""Middleware of the site's own.

- QueryCheckMiddleware: no view, ours, Django's or the admin's, reads a query parameter holding a control character.
- FriendlyErrorPagesMiddleware: the friendly 404 and 400 pages under DEBUG=True too (`make run`): Django shows its
  technical pages there, in English. DEBUG_TECHNICAL_ERRORS=True brings those back for a developer who needs the
  resolver's list of URLs or the traceback of a bad request."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404

from inventory.parsing import query_problem
from inventory.views.errors import InvalidQuery, bad_request, page_not_found

# The staff API and the public one (opendata/views/api.py) answer in JSON.
API_PREFIXES = ("/api/", "/cijfers/api/")


class QueryCheckMiddleware:
    """A query string with a control character in a parameter's name or value (a NUL byte, which PostgreSQL refuses
    in text; an escape; a tab) is refused before any view reads it: 400 naming the parameter and the value, the
    site's page or, under /api/, the API's JSON. No parameter of ours means anything with one, so every page, the
    admin's included, is guarded in one place (inventory.parsing.parameter_problem)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = query_problem(request.GET)
        if problem is None:
            return self.get_response(request)
        if request.path_info.startswith(API_PREFIXES):
            return JsonResponse({"detail": problem}, status=400)
        return bad_request(request, InvalidQuery(problem))


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
