"""The public API (/cijfers/api/): the published figures of an edition without key or login, in the staff API's
shape (/api/aggregates/: the same filters, paging and columns) plus the edition.

- `?edition=<slug>` chooses the edition (a withdrawn one too: its answer says it is withdrawn); without it, the
  latest current edition whose reference year was complete when it was published (the latest current one when
  none was). The index /cijfers/api/ lists the editions with their slugs and links.
- Every figure is protected as on the rest of the public site (inventory/services/suppression.py over the whole
  year's table): a hidden count is its mark in `persons`, "<5" (primary) or "x" (secondary), as in the public
  JSON download, and the answer carries the legend. Scope is always validated.
- GET only, CORS open (`Access-Control-Allow-Origin: *`, and an answer to a browser's OPTIONS preflight).
- At most PUBLIC_API_RATE requests per client address and window (opendata/throttle.py), counted before the
  cache: then 429 with Retry-After. Answers are kept per edition like the pages (opendata/cache.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from inventory.models import Edition, Scope
from inventory.openapi import MAX_OFFSET, MAX_PAGE_SIZE, PAGE_SIZE
from inventory.parsing import parameter_number, shown
from inventory.selectors.figures import AGGREGATE_COLUMNS, AggregateFilters
from inventory.selectors.figures import AggregateColumn as A
from inventory.selectors.sources import cached
from inventory.selectors.years import edition_year_states
from inventory.services.editions import edition_by_slug
from inventory.services.suppression import legend, public_aggregate_values, small_cell_threshold
from opendata.cache import kept
from opendata.editions import PublicSource, edition_version, public_editions
from opendata.throttle import public_api_wait
from opendata.views.site import catalogue_version

ALLOWED_METHODS = "GET, OPTIONS"
# How long a browser may keep the answer to its preflight.
PREFLIGHT_MAX_AGE = 24 * 3600


class EditionMissing(Exception):
    """No edition is published yet: 404."""


def cors(response: HttpResponseBase) -> HttpResponseBase:
    """Any site may read the answers from a browser: they are public and need no credentials."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "Retry-After"
    return response


def _error(status: int, detail: str, **extra: object) -> JsonResponse:
    return JsonResponse({"detail": detail, **extra}, status=status)


def public_api(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A view of the public API: no login; OPTIONS answered as a CORS preflight, other methods but GET 405; the
    client's request counted against the limit before the view (and its cache) answers; CORS headers on every
    answer."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response: HttpResponseBase
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = "*"
            response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
            response["Allow"] = ALLOWED_METHODS
        elif request.method != "GET":
            response = _error(405, _("Deze API beantwoordt enkel GET."))
            response["Allow"] = ALLOWED_METHODS
        elif (wait := public_api_wait(request)) is not None:
            message = _(
                "Te veel vragen van dit adres: ten hoogste %(most)s per %(seconds)s seconden. "
                "Probeer het opnieuw over %(wait)s seconden."
            ) % {"most": settings.PUBLIC_API_RATE, "seconds": settings.PUBLIC_API_WINDOW_SECONDS, "wait": wait}
            response = _error(429, message, retry_after=wait)
            response["Retry-After"] = str(wait)
        else:
            response = view(request, *args, **kwargs)
        return cors(response)

    return login_not_required(wrapped)


def default_edition() -> Edition | None:
    """The latest current edition that was complete when it was published; else the latest current one."""
    current, _withdrawn = public_editions()
    return next((e for e in current if e.complete), current[0] if current else None)


def edition_asked(params: dict[str, list[str]]) -> Edition:
    """The edition `?edition=` names, or the default; ValidationError naming the parameter when unknown."""
    slugs = AggregateFilters.values_of(params, "edition")
    if not slugs:
        found = default_edition()
        if found is None:
            raise EditionMissing
        return found
    if len(slugs) > 1:
        raise ValidationError(
            _("Parameter edition: één editie per vraag, niet ‘%(value)s’.") % {"value": shown(",".join(slugs))}
        )
    found = edition_by_slug(slugs[0])
    if found is None:
        raise ValidationError(
            _("Parameter edition: er is geen editie ‘%(value)s’; de edities staan op /cijfers/api/.")
            % {"value": shown(slugs[0])}
        )
    return found


def edition_summary(edition: Edition) -> dict[str, object]:
    """An edition as the API describes it, with its links (paths on this site)."""
    return {
        "slug": edition.slug,
        "name": edition.name,
        "reference_year": edition.reference_year,
        "published_on": edition.published_on.isoformat(),
        "complete": edition.complete,
        "withdrawn": edition.withdrawn,
        "withdrawn_at": edition.withdrawn_at.isoformat(timespec="seconds") if edition.withdrawn_at else None,
        "withdrawn_reason": edition.withdrawn_reason or None,
        "next_edition_on": edition.next_edition_on.isoformat() if edition.next_edition_on else None,
        "licence": edition.licence,
        "licence_url": edition.licence_url,
        "links": {
            "page": reverse("opendata:edition", kwargs={"edition": edition.slug}),
            "aggregates": f"{reverse('opendata:api-aggregates')}?edition={edition.slug}",
        },
    }


def _query(params: dict[str, list[str]]) -> tuple[AggregateFilters, int, int]:
    """(filters, offset, limit) as the staff API reads them; only validated figures are public."""
    scope = AggregateFilters.scope_of(params)
    if scope != Scope.VALIDATED:
        raise ValidationError(
            _("Parameter scope: de publieke API geeft enkel gevalideerde cijfers (validated), niet ‘%(value)s’.")
            % {"value": shown(scope)}
        )
    filters = AggregateFilters.parse(params)

    def number(name: str, default: int, high: int) -> int:
        values = params.get(name) or [str(default)]
        return parameter_number(name, values[-1], high=high)

    return filters, number("offset", 0, MAX_OFFSET), number("limit", PAGE_SIZE, MAX_PAGE_SIZE)


def protected_rows(edition: Edition, year: int) -> list[tuple[Any, ...]]:
    """An edition's whole protected table of a year in the export's columns, kept in the cache: every page and
    filter of the API reads it instead of protecting the year again."""
    filters = AggregateFilters(years=[year])
    return cached(
        f"public-api-rows:{edition_version(edition)}:{year}",
        lambda: list(public_aggregate_values(filters, [year], edition=edition)),
    )


def aggregates_page(edition: Edition, filters: AggregateFilters, offset: int, limit: int) -> dict[str, object]:
    """One page of the edition's protected figures, with the count of all that match."""
    edition_years = PublicSource(edition=edition).years()
    years = sorted(y for y in (filters.years or edition_years) if y in edition_years)
    regions, treden, measures = set(filters.regions), set(filters.treden), set(filters.measures)
    count, results = 0, []
    for year in years:
        for row in protected_rows(edition, year):
            if (
                (regions and row[A.region] not in regions)
                or (treden and row[A.trede] not in treden)
                or (measures and row[A.measure] not in measures)
            ):
                continue
            if offset <= count < offset + limit:
                results.append(dict(zip(AGGREGATE_COLUMNS, row, strict=True)))
            count += 1
    states = edition_year_states(edition)
    return {
        "count": count,
        "offset": offset,
        "limit": limit,
        "edition": edition_summary(edition),
        "freshness": {
            "edition": edition.name,
            "published_on": edition.published_on.isoformat(),
            "frozen_at": edition.created_at.isoformat(timespec="seconds"),
        },
        "year_states": {str(y): states[y].as_dict() for y in years if y in states},
        "small_cell_threshold": small_cell_threshold(),
        "legend": legend(),
        "results": results,
    }


@public_api
def aggregates(request: HttpRequest) -> HttpResponseBase:
    params = dict(request.GET.lists())
    try:
        edition = edition_asked(params)
    except ValidationError as error:
        return _error(400, " ".join(error.messages))
    except EditionMissing:
        return _error(404, _("Er is nog geen editie gepubliceerd."))

    def build() -> HttpResponse:
        try:
            filters, offset, limit = _query(params)
        except ValidationError as error:
            return _error(400, " ".join(error.messages))
        return JsonResponse(aggregates_page(edition, filters, offset, limit))

    return kept(request, f"api:{edition_version(edition)}", build)


@public_api
def index(request: HttpRequest) -> HttpResponseBase:
    """The editions with their slugs and links, the default one, and where the description is."""

    def build() -> HttpResponse:
        current, withdrawn = public_editions()
        chosen = default_edition()
        return JsonResponse(
            {
                "description": _(
                    "Publieke API van de gepubliceerde edities van de Inventaris sociale economie van POM "
                    "West-Vlaanderen: zonder sleutel, kleine aantallen afgeschermd."
                ),
                "schema": reverse("inventory:api-schema"),
                "aggregates": reverse("opendata:api-aggregates"),
                "default_edition": chosen.slug if chosen else None,
                "editions": [edition_summary(e) for e in current],
                "withdrawn_editions": [edition_summary(e) for e in withdrawn],
            }
        )

    return kept(request, f"api-index:{catalogue_version()}", build)
