"""An edition's public pages are made once, right after it is published, instead of by its first visitors.

An edition never changes, so its pages are kept (opendata/cache.py); what is left is the first request of each,
which would otherwise pay for building it while everybody else waits. On commit of a publication (and of a
withdrawal or a new next-edition date, which change the pages' version), a task on the housekeeping queue makes
every page a visitor reaches without choosing anything, in every language, through the real views and
middleware (Django's test client on SITE_URL's host), so that what is kept is exactly what a visitor's request
would keep, under the views' own keys. `python manage.py warm_public_pages` does the same synchronously.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from inventory.models import Edition, EditionFigure
from opendata.builder import DOWNLOADS

logger = logging.getLogger(__name__)


def catalogue_paths(edition: Edition) -> list[str]:
    return [
        reverse("opendata:index"),
        reverse("opendata:catalogue-ttl"),
        reverse("opendata:catalogue-jsonld"),
        reverse("opendata:api"),
        f"{reverse('opendata:api-aggregates')}?edition={edition.slug}",
    ]


def front_page_paths(edition: Edition) -> list[str]:
    """The edition's page and every page it links to without a choice: the list of sheets, the maps, the default
    table and its downloads, what changed and the tabellenbijlage."""
    slug = edition.slug
    return [
        reverse("opendata:edition", args=[slug]),
        reverse("opendata:areas", args=[slug]),
        reverse("opendata:map", args=[slug]),
        f"{reverse('opendata:map', args=[slug])}?kaart=vlaanderen",
        reverse("opendata:table", args=[slug]),
        *(reverse("opendata:table-download", args=[slug, extension]) for extension in DOWNLOADS),
        reverse("opendata:changes", args=[slug]),
        reverse("opendata:workbook", args=[slug]),
    ]


def fact_sheet_paths(edition: Edition) -> list[str]:
    """The fact sheet of every place the edition has figures for in its reference year (regions, municipalities
    included, and groupings)."""
    rows = (
        EditionFigure.objects.filter(edition=edition, year=edition.reference_year, measure__isnull=True)
        .filter(Q(region__isnull=False) | Q(grouping__isnull=False))
        .values_list("region__code", "grouping__code")
        .distinct()
    )
    codes = sorted({region or grouping for region, grouping in rows})
    return [reverse("opendata:area", args=[edition.slug, code]) for code in codes]


# The pages made at publish, each entry the paths of one kind: add the default view of a new public page here
# (a page that takes choices is made on its first request, with those choices).
WARMED_PAGES: list[Callable[[Edition], Iterable[str]]] = [catalogue_paths, front_page_paths, fact_sheet_paths]


def edition_public_paths(edition: Edition) -> list[str]:
    return list(dict.fromkeys(path for paths in WARMED_PAGES for path in paths(edition)))


@dataclass
class WarmResult:
    edition: Edition
    paths: int = 0
    answers: int = 0  # paths x languages
    failed: list[tuple[str, str, int]] = field(default_factory=list)  # (path, language, status)


def public_pages_warm(*, edition: Edition) -> WarmResult:
    """Make and keep every page of `edition` in WARMED_PAGES, in every language. A page already kept is read,
    not made again, so running this twice costs little."""
    site = urlsplit(settings.SITE_URL)
    client = Client(HTTP_HOST=site.netloc, raise_request_exception=False)
    result = WarmResult(edition=edition)
    paths = edition_public_paths(edition)
    result.paths = len(paths)
    for language, _name in settings.LANGUAGES:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for path in paths:
            response = client.get(path, secure=site.scheme == "https")
            result.answers += 1
            if response.status_code != 200:
                result.failed.append((path, language, response.status_code))
    if result.failed:
        logger.warning("public pages of %s not made: %s", edition.slug, result.failed[:5])
    return result


def public_pages_queue_warm(*, edition_id: int) -> None:
    """On commit, the task that makes the edition's pages; a broker that is away costs only that: the pages are
    made by their first visitors instead (logged)."""

    def send() -> None:
        from opendata.tasks import warm_public_pages

        try:
            warm_public_pages.apply_async(args=[edition_id], retry=False)
        except Exception:
            logger.warning("Publieke pagina's van editie %s niet in de wachtrij gezet.", edition_id)

    transaction.on_commit(send, robust=True)
