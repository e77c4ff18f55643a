"""The read API: JSON `{"count": N, "results": [...]}` with the export's fields.

Authentication: a session (logged-in browser) or `Authorization: Token <key>`. The description of both endpoints
(OpenAPI 3, inventory/openapi.py) is public at /api/schema/: it holds no figures, and a program reads it before
it has a key. Who sees what is
inventory/access.py's: staff and coordinators see every aggregate and headcount, provisional figures are for
staff only (403 for a coordinator); organisation users get 403 on aggregates (an aggregate mixes many
organisations' figures, so it belongs to none of them) and see the headcounts of their own organisations,
validated or provisional.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.models import User
from accounts.tokens import user_from_token
from inventory.access import headcounts_visible_to, is_staff_member, scope_check, submissions_visible_to
from inventory.openapi import MAX_OFFSET, MAX_PAGE_SIZE, PAGE_SIZE, openapi_schema
from inventory.parsing import parameter_number
from inventory.selectors.figures import (
    AGGREGATE_COLUMNS,
    AGGREGATE_FIELDS,
    AggregateFilters,
    aggregate_queryset,
    aggregates_freshness,
)
from inventory.selectors.headcounts import (
    HEADCOUNT_COLUMNS,
    HEADCOUNT_FIELDS,
    HeadcountFilters,
    headcount_queryset,
    headcounts_last_changed,
)
from inventory.selectors.sources import FigureSource, figures_cached
from inventory.selectors.years import states_version, year_states


def _int(request: HttpRequest, name: str, default: int, high: int) -> int:
    return parameter_number(name, request.GET.get(name, str(default)), high=high)


def _user(request: HttpRequest) -> User | None:
    return request.user if request.user.is_authenticated else user_from_token(request)


def _unauthorised() -> JsonResponse:
    return JsonResponse({"detail": _("Aanmelden vereist (sessie of API-sleutel).")}, status=401)


def _query(request: HttpRequest, filters_class: type[AggregateFilters]) -> tuple[AggregateFilters, int, int]:
    """(filters, offset, limit) from the query string; ValidationError with a Dutch message when wrong."""
    filters = filters_class.parse(dict(request.GET.lists()))
    return filters, _int(request, "offset", 0, MAX_OFFSET), _int(request, "limit", PAGE_SIZE, MAX_PAGE_SIZE)


def _page(
    count: int,
    offset: int,
    limit: int,
    freshness: Mapping[str, object],
    results: list[dict[str, object]],
    **extra: object,
) -> JsonResponse:
    return JsonResponse(
        {"count": count, "offset": offset, "limit": limit, "freshness": freshness, **extra, "results": results}
    )


def _count(qs: QuerySet[Any], offset: int, limit: int, results: Sequence[object]) -> int:
    """All matching rows: a first page that is not full holds them all, so it needs no count query."""
    if offset == 0 and len(results) < limit:
        return len(results)
    return qs.count()


def _bad_request(error: ValidationError) -> JsonResponse:
    return JsonResponse({"detail": " ".join(error.messages)}, status=400)


def _forbidden(error: PermissionDenied) -> JsonResponse:
    return JsonResponse({"detail": str(error)}, status=403)


@login_not_required
@require_GET
def aggregates(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user is None:
        return _unauthorised()
    try:
        # The scope as the filters will read it, so that no spelling of the parameter gets past the check.
        scope_check(user, AggregateFilters.scope_of(dict(request.GET.lists())), aggregates=True)
    except PermissionDenied as error:
        return _forbidden(error)
    staff = is_staff_member(user)
    states = year_states()

    def build() -> tuple[int, bytes]:
        try:
            filters, offset, limit = _query(request, AggregateFilters)
        except ValidationError as error:
            response = _bad_request(error)
        else:
            qs = aggregate_queryset(filters)
            rows = qs.values_list(*AGGREGATE_FIELDS)[offset : offset + limit]
            results = [dict(zip(AGGREGATE_COLUMNS, row, strict=True)) for row in rows]
            freshness = aggregates_freshness(filters.years).as_dict()
            # Each year's state: a year still being collected is labelled, never shown as final.
            years = sorted(set(filters.years) | {int(cast(int, r["year"])) for r in results})
            shown = {str(y): states[y].as_dict() for y in years if y in states}
            count = _count(qs, offset, limit, results)
            response = _page(count, offset, limit, freshness, results, year_states=shown)
        return response.status_code, response.content

    # Aggregates change when a year is recomputed or changes state: answers are kept under the query and those.
    parts = (staff, sorted(request.GET.lists()), states_version(states))
    status, body = figures_cached("api-aggregates", build, source=FigureSource(), parts=parts)
    return HttpResponse(body, status=status, content_type="application/json")


@login_not_required
@require_GET
def headcounts(request: HttpRequest) -> JsonResponse:
    user = _user(request)
    if user is None:
        return _unauthorised()
    try:
        filters, offset, limit = _query(request, HeadcountFilters)
        scope_check(user, filters.scope, aggregates=False)
    except ValidationError as error:
        return _bad_request(error)
    except PermissionDenied as error:
        return _forbidden(error)
    qs = headcount_queryset(filters, visible=headcounts_visible_to(user))
    rows = qs.values_list(*HEADCOUNT_FIELDS)[offset : offset + limit]
    results = [dict(zip(HEADCOUNT_COLUMNS, r, strict=True)) for r in rows]
    last_changed = headcounts_last_changed(filters, visible=submissions_visible_to(user))
    freshness = {"live": True, "last_changed": last_changed.isoformat() if last_changed else None}
    return _page(_count(qs, offset, limit, results), offset, limit, freshness, results)


@login_not_required
@require_GET
def schema(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openapi_schema())
