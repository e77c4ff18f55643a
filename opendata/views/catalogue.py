"""The DCAT-AP Vlaanderen catalogue (opendata/catalogue.py) as Turtle and as JSON-LD: no login, kept in the cache
until an edition is published, withdrawn or given a next-edition date (site.catalogue_version)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from opendata.cache import public_page
from opendata.catalogue import catalogue_jsonld, catalogue_turtle
from opendata.views.site import catalogue_version


def _version(**_kwargs: object) -> str:
    return catalogue_version()


@login_not_required
@require_GET
@public_page(_version)
def turtle(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(catalogue_turtle(), content_type="text/turtle; charset=utf-8")
    # A harvester on another site may read it from a browser too.
    response["Access-Control-Allow-Origin"] = "*"
    return response


@login_not_required
@require_GET
@public_page(_version)
def jsonld(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(catalogue_jsonld(), content_type="application/ld+json; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response
