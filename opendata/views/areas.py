"""An edition's places: the fact sheet of one place (printable on A4), the list of every fact sheet and the map.
No login; every answer made once and kept (opendata/cache.py); every figure protected (opendata/editions.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from inventory.constants import FLANDERS, WEST_VLAANDEREN
from inventory.models import Edition, Region
from inventory.selectors.dashboard import dashboard
from inventory.selectors.years import edition_year_states
from inventory.views.errors import NotFound
from opendata import maps
from opendata.cache import public_page
from opendata.editions import PublicSource, dashboard_marked, protected_table, public_edition_or_404
from opendata.indicators import indicator_groups
from opendata.places import labelled, place_label, place_parents, public_areas, public_place
from opendata.views.site import edition_context, edition_page_version

# ?cijfer= on the map -> the trede shown (None: treden 3-5)
MAP_FIGURES: dict[str, int | None] = {"totaal": None, "trede-5": 5, "trede-4": 4, "trede-3": 3}
# ?kaart= -> (level, the whole whose share each area is)
MAPS = {
    "west-vlaanderen": (Region.Level.ARRONDISSEMENT, WEST_VLAANDEREN),
    "vlaanderen": (Region.Level.PROVINCIE, FLANDERS),
}


def chosen_year(request: HttpRequest, edition: Edition, years: list[int]) -> tuple[int | None, list[str]]:
    """?jaar= of the edition's years, else its reference year, with a notice saying why when a value was given."""
    reference = edition.reference_year if edition.reference_year in years else (years[-1] if years else None)
    raw = request.GET.get("jaar", "")
    if not raw:
        return reference, []
    try:
        year: int | None = int(raw)
    except ValueError:
        year = None
    if year in years:
        return year, []
    notice = _(
        "Deze editie heeft geen cijfers voor het jaar ‘%(value)s’: hieronder staat het referentiejaar %(year)s. "
        "Jaren in deze editie: %(years)s."
    ) % {"value": raw[:20], "year": reference, "years": ", ".join(map(str, years))}
    return reference, [notice]


def choice(request: HttpRequest, name: str, options: dict[str, object], default: str) -> tuple[str, list[str]]:
    value = request.GET.get(name, "")
    if not value or value in options:
        return value or default, []
    return default, [
        _("Onbekende keuze ‘%(value)s’ voor %(name)s; hieronder de standaardkaart.")
        % {"value": value[:20], "name": name}
    ]


def map_query(kind: str, figure: str, year: int | None, edition: Edition) -> str:
    """The map's address for these choices, without the defaults."""
    parts = [
        ("kaart", kind, "west-vlaanderen"),
        ("cijfer", figure, "totaal"),
        ("jaar", str(year), str(edition.reference_year)),
    ]
    return "?" + "&".join(f"{name}={value}" for name, value, default in parts if value != default and value != "None")


def year_query(year: int | None, edition: Edition) -> str:
    return "" if year is None or year == edition.reference_year else f"?jaar={year}"


# The levels whose fact sheets show the indicators (the context figures are known for Flanders and the provinces).
INDICATOR_LEVELS = (Region.Level.GEWEST, Region.Level.PROVINCIE)


@login_not_required
@require_GET
@public_page(edition_page_version)
def area_page(request: HttpRequest, edition: str, code: str) -> HttpResponse:
    """The fact sheet of one place (printable on A4): its ladder, series and comparison with Flanders in the
    edition's reference year (another year with ?jaar=), with the marks of its hidden counts in the ladder
    table, and links to where it lies."""
    found = public_edition_or_404(edition)
    place = public_place(code)
    if place is None:
        raise NotFound(_("Er is geen gebied met code ‘%(code)s’.") % {"code": code})
    source = PublicSource(edition=found)
    years = source.years()
    year, notices = chosen_year(request, found, years)
    data = dashboard(source=source, place=labelled(place), year=year, years=years, states=edition_year_states(found))
    if data is not None:
        data = dashboard_marked(data, source.hidden([place.code], [data.year]))
    context = {
        **edition_context(request, found),
        "place": place,
        "title": place_label(place),
        "parents": [(parent, place_label(parent)) for parent in place_parents(place, year or found.reference_year)],
        "dashboard": data,
        "notices": notices,
        "years": years,
        "public": True,
        "flanders": place.code == FLANDERS,
        # Flanders and the provinces: the levels context figures are known at.
        "indicator_groups": indicator_groups(edition=found, places=[place]) if place.level in INDICATOR_LEVELS else [],
    }
    return render(request, "opendata/area.html", context)


@login_not_required
@require_GET
@public_page(edition_page_version)
def areas_page(request: HttpRequest, edition: str) -> HttpResponse:
    """Every fact sheet of the edition, grouped by level."""
    found = public_edition_or_404(edition)
    context = {**edition_context(request, found), "areas": public_areas(found.reference_year)}
    return render(request, "opendata/areas.html", context)


@login_not_required
@require_GET
@public_page(edition_page_version)
def map_page(request: HttpRequest, edition: str) -> HttpResponse:
    """The arrondissements of West-Vlaanderen (or the provinces of Flanders, ?kaart=vlaanderen) shaded by a figure
    (?cijfer=), with a legend and the same figures in a table; each area links to its fact sheet."""
    found = public_edition_or_404(edition)
    years = PublicSource(edition=found).years()
    year, notices = chosen_year(request, found, years)
    kind, kind_notices = choice(request, "kaart", dict(MAPS), "west-vlaanderen")
    figure, figure_notices = choice(request, "cijfer", dict(MAP_FIGURES), "totaal")
    level, whole_code = MAPS[kind]
    trede = MAP_FIGURES[figure]
    schematic = level == Region.Level.ARRONDISSEMENT
    shapes = maps.tile_shapes(maps.WEST_FLANDERS_TILES) if schematic else maps.shipped_shapes()
    codes = list(shapes["areas"])
    names = dict(Region.objects.filter(code__in=[*codes, whole_code]).values_list("code", "name"))
    table = protected_table(found, year) if year is not None else {}
    values = {code: table.get((code, trede, "", None)) for code in codes}
    query = year_query(year, found)
    chart = maps.map_chart(
        shapes,
        names=names,
        values=values,
        whole=table.get((whole_code, trede, "", None)),
        hrefs={code: reverse("opendata:area", args=[found.slug, code]) + query for code in codes},
        schematic=schematic,
    )
    context = {
        **edition_context(request, found),
        "chart": chart,
        "year": year,
        "years": years,
        "kind": kind,
        "figure": figure,
        "figure_label": _("treden 3-5") if trede is None else _("trede %(trede)s") % {"trede": trede},
        "whole_name": names.get(whole_code, whole_code),
        "notices": [*notices, *kind_notices, *figure_notices],
        # The choices as links (no form): (label, address, chosen)
        "kinds": [
            (label, map_query(value, figure, year, found), value == kind)
            for value, label in (
                ("west-vlaanderen", _("Arrondissementen van West-Vlaanderen")),
                ("vlaanderen", _("Provincies van Vlaanderen")),
            )
        ],
        "figures": [
            (label, map_query(kind, value, year, found), value == figure)
            for value, label in (
                ("totaal", _("Treden 3-5")),
                ("trede-5", _("Trede 5")),
                ("trede-4", _("Trede 4")),
                ("trede-3", _("Trede 3")),
            )
        ],
        "year_links": [(str(y), map_query(kind, figure, y, found), y == year) for y in years],
    }
    return render(request, "opendata/map.html", context)
