"""The read API: JSON `{"count": N, "results": [...]}` with the export's fields.

Authentication: a session (logged-in browser) or `Authorization: Token <key>`. Staff and coordinators see
every aggregate and headcount; provisional figures are for staff only. Organisation users get 403 on
aggregates (an aggregate mixes many organisations' figures, so it belongs to none of them) and see the
headcounts of their own organisations, validated or provisional.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.access import is_coordinator, is_staff_member, organisations_visible_to
from accounts.models import User
from accounts.tokens import user_from_token
from inventory.selectors import (
    HEADCOUNT_COLUMNS,
    HEADCOUNT_FIELDS,
    AggregateFilters,
    HeadcountFilters,
    aggregate_queryset,
    aggregate_rows,
    aggregates_freshness,
    headcount_queryset,
    headcounts_last_changed,
)

PAGE_SIZE = 1000
MAX_PAGE_SIZE = 10000


def _int(request: HttpRequest, name: str, default: int, high: int) -> int:
    value = request.GET.get(name, str(default))
    if not value.isdigit() or int(value) > high:
        raise ValidationError(
            _("Parameter %(name)s: ‘%(value)s’ is geen geheel getal van 0 tot %(high)s.")
            % {"name": name, "value": value, "high": high}
        )
    return int(value)


def _user(request: HttpRequest) -> User | None:
    return request.user if request.user.is_authenticated else user_from_token(request)


def _unauthorised() -> JsonResponse:
    return JsonResponse({"detail": _("Aanmelden vereist (sessie of API-sleutel).")}, status=401)


@login_not_required
@require_GET
def aggregates(request: HttpRequest) -> JsonResponse:
    user = _user(request)
    if user is None:
        return _unauthorised()
    if not is_coordinator(user):
        return JsonResponse({"detail": _("Enkel POM-medewerkers en coördinatoren zien aggregaten.")}, status=403)
    try:
        filters = AggregateFilters.parse(dict(request.GET.lists()), allow_provisional=is_staff_member(user))
        limit = _int(request, "limit", PAGE_SIZE, MAX_PAGE_SIZE)
        offset = _int(request, "offset", 0, 10**9)
    except ValidationError as error:
        return JsonResponse({"detail": " ".join(error.messages)}, status=400)
    count = aggregate_queryset(filters).count()
    results = list(aggregate_rows(filters, offset=offset, limit=limit))
    return JsonResponse(
        {
            "count": count,
            "offset": offset,
            "limit": limit,
            "freshness": aggregates_freshness(filters.years).as_dict(),
            "results": results,
        }
    )


@login_not_required
@require_GET
def headcounts(request: HttpRequest) -> JsonResponse:
    user = _user(request)
    if user is None:
        return _unauthorised()
    try:
        filters = HeadcountFilters.parse(
            dict(request.GET.lists()), allow_provisional=is_staff_member(user) or not is_coordinator(user)
        )
        limit = _int(request, "limit", PAGE_SIZE, MAX_PAGE_SIZE)
        offset = _int(request, "offset", 0, 10**9)
    except ValidationError as error:
        return JsonResponse({"detail": " ".join(error.messages)}, status=400)
    qs = headcount_queryset(filters)
    if not is_coordinator(user):
        qs = qs.filter(submission__organisation__in=organisations_visible_to(user))
    rows = qs.values_list(*HEADCOUNT_FIELDS)[offset : offset + limit]
    last_changed = headcounts_last_changed(filters)
    return JsonResponse(
        {
            "count": qs.count(),
            "offset": offset,
            "limit": limit,
            "freshness": {"live": True, "last_changed": last_changed.isoformat() if last_changed else None},
            "results": [dict(zip(HEADCOUNT_COLUMNS, row, strict=True)) for row in rows],
        }
    )
