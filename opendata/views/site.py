"""The public site's pages: the editions, an edition's front page and the fact sheet of a place. No login; every
answer is made once and kept (opendata/cache.py); every figure protected (opendata/editions.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from inventory.constants import FLANDERS, WEST_VLAANDEREN
from inventory.models import Edition
from inventory.selectors.dashboard import dashboard, key_figures
from inventory.selectors.sources import Place
from inventory.selectors.years import edition_year_states
from inventory.services.suppression import legend
from opendata.cache import public_page
from opendata.editions import (
    PublicSource,
    edition_version,
    measures_counted_at,
    public_edition_or_404,
    public_editions,
)
from opendata.indicators import context_sources, indicator_groups
from opendata.places import public_areas, public_place


def catalogue_version(editions: list[Edition] | None = None) -> str:
    """The list of editions changes with every publication, withdrawal or next-edition date."""
    editions = list(Edition.objects.order_by("pk")) if editions is None else editions
    return ";".join(edition_version(e) for e in editions)


def edition_page_version(edition: str, **_kwargs: object) -> str:
    """An edition's pages name the editions that followed it, so they change with the catalogue (one query; an
    unknown slug is a 404)."""
    editions = list(Edition.objects.order_by("pk"))
    if not any(e.slug == edition for e in editions):
        public_edition_or_404(edition)  # raises the page's 404
    return catalogue_version(editions)


def edition_context(request: HttpRequest, edition: Edition) -> dict[str, object]:
    """What every page of an edition shows around its figures: the edition, its states, the legend of marks."""
    newer = [
        e
        for e in Edition.objects.current().order_by("-published_on", "-created_at")
        if e.pk != edition.pk and (e.published_on, e.created_at) > (edition.published_on, edition.created_at)
    ]
    return {
        "edition": edition,
        # The current editions published after it: their figures may restate this one's (what changed, there).
        "newer": newer,
        "states": edition_year_states(edition),
        "legend": legend(),
        "citation": citation(request, edition),
    }


def citation(request: HttpRequest, edition: Edition) -> str:
    url = request.build_absolute_uri(f"/cijfers/{edition.slug}/")
    return _("POM West-Vlaanderen (%(year)s). %(name)s. Tewerkstelling en participatie van kansengroepen. %(url)s") % {
        "year": edition.published_on.year,
        "name": edition.name,
        "url": url,
    }


@login_not_required
@require_GET
@public_page(lambda **_kwargs: catalogue_version())
def index(request: HttpRequest) -> HttpResponse:
    current, withdrawn = public_editions()
    return render(request, "opendata/index.html", {"editions": current, "withdrawn": withdrawn})


@login_not_required
@require_GET
@public_page(edition_page_version)
def edition_page(request: HttpRequest, edition: str) -> HttpResponse:
    """An edition's front page: its facts, West-Vlaanderen's Kerncijfers the way the press release writes them,
    the ladder, the series and West-Vlaanderen beside Flanders, with links to every place's fact sheet."""
    found = public_edition_or_404(edition)
    source = PublicSource(edition=found)
    place = public_place(WEST_VLAANDEREN) or Place(WEST_VLAANDEREN, "West-Vlaanderen", "provincie")
    states = edition_year_states(found)
    years = source.years()
    year = found.reference_year if found.reference_year in years else None
    context = {
        **edition_context(request, found),
        "figures": key_figures(source=source, place=place, year=year, years=years, states=states),
        "dashboard": dashboard(source=source, place=place, year=year, years=years, states=states),
        "indicator_groups": indicator_groups(
            edition=found, places=[place, public_place(FLANDERS) or Place(FLANDERS, _("Vlaanderen"), "gewest")]
        ),
        "context_sources": context_sources(found),
        "counted_at": measures_counted_at(found),
        "public": True,
        "areas": public_areas(found.reference_year),
    }
    return render(request, "opendata/edition.html", context)


@login_not_required
@require_GET
def language(request: HttpRequest) -> HttpResponseRedirect:
    """Choose the language with a link (no form, so no CSRF token in the kept pages): sets Django's language
    cookie and goes back to `next` on this site."""
    code = request.GET.get("taal", "")
    target = request.GET.get("next", "/cijfers/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/cijfers/"
    response = HttpResponseRedirect(target)
    if check_for_language(code):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )
    return response
