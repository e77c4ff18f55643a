"""The places the public site has fact sheets for: Flanders, the provinces, the arrondissements, the region
groupings (socio-economic regions) and the municipalities."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from inventory.constants import FLANDERS, GROUPING_LEVEL, WEST_VLAANDEREN
from inventory.models import Region, RegionGrouping, valid_in
from inventory.selectors.sources import Place, place_get


def public_place(code: str) -> Place | None:
    """Any region (municipalities too) or grouping by code."""
    return place_get(code, municipalities=True)


def place_label(place: Place) -> str:
    """The place with its level, as a fact sheet names it: municipality 31005 and arrondissement 31000 are both
    "Brugge", so "Gemeente Brugge" and "Arrondissement Brugge" (a name, capitalised wherever it stands)."""
    formats = {
        Region.Level.PROVINCIE: _("Provincie %(name)s"),
        Region.Level.ARRONDISSEMENT: _("Arrondissement %(name)s"),
        Region.Level.GEMEENTE: _("Gemeente %(name)s"),
        GROUPING_LEVEL: _("Regio %(name)s"),
    }
    return formats[place.level] % {"name": place.name} if place.level in formats else place.name


def labelled(place: Place) -> Place:
    """The place under its label, for the headings and captions of its fact sheet."""
    return Place(place.code, place_label(place), place.level)


def place_parents(place: Place, year: int) -> list[Place]:
    """Where a place lies, nearest first: a municipality's arrondissement, province and socio-economic regions
    (of `year`), an arrondissement's province, a grouping's province (West-Vlaanderen's regions)."""
    if place.level == GROUPING_LEVEL:
        province = public_place(WEST_VLAANDEREN)
        return [province] if province else []
    region = Region.objects.select_related("parent__parent").filter(code=place.code).first()
    parents = []
    current = region.parent if region else None
    while current is not None and current.code != FLANDERS:
        parents.append(Place(current.code, current.name, current.level))
        current = current.parent
    if region and region.level == Region.Level.GEMEENTE:
        groupings = (
            RegionGrouping.objects.filter(valid_in(year), members=region).order_by("name").values_list("code", "name")
        )
        parents += [Place(code, name, GROUPING_LEVEL) for code, name in groupings]
    return parents


@dataclass(frozen=True)
class AreaGroup:
    """One level's fact sheets in the list, e.g. the municipalities of one arrondissement."""

    title: str
    places: list[Place]
    slug: str


def public_areas(year: int) -> list[AreaGroup]:
    """Every place with a fact sheet, grouped by level: Flanders, the provinces, West-Vlaanderen's
    arrondissements and socio-economic regions, and its municipalities (those of `year`) per arrondissement."""
    regions = list(
        Region.objects.exclude(level=Region.Level.GEMEENTE)
        .select_related("parent")
        .order_by("code")
        .values_list("code", "name", "level", "parent__code")
    )
    flanders = [Place(c, n, lvl) for c, n, lvl, _p in regions if lvl == Region.Level.GEWEST]
    provinces = [Place(c, n, lvl) for c, n, lvl, _p in regions if lvl == Region.Level.PROVINCIE]
    arrondissements = [
        Place(c, n, lvl)
        for c, n, lvl, parent in regions
        if lvl == Region.Level.ARRONDISSEMENT and parent == WEST_VLAANDEREN
    ]
    groupings = (
        RegionGrouping.objects.filter(valid_in(year), members__parent__parent__code=WEST_VLAANDEREN)
        .distinct()
        .order_by("name")
        .values_list("code", "name")
    )
    groups = [
        AreaGroup(_("Vlaanderen"), flanders, "gewest"),
        AreaGroup(_("Provincies"), provinces, "provincies"),
        AreaGroup(_("Arrondissementen van West-Vlaanderen"), arrondissements, "arrondissementen"),
        AreaGroup(
            _("Sociaal-economische regio's van West-Vlaanderen"),
            [Place(code, name, GROUPING_LEVEL) for code, name in groupings],
            "regios",
        ),
    ]
    municipalities = (
        Region.objects.municipalities()
        .valid_in(year)
        .filter(parent__parent__code=WEST_VLAANDEREN)
        .order_by("name")
        .values_list("code", "name", "parent__code")
    )
    by_arrondissement: dict[str, list[Place]] = {}
    for code, name, parent in municipalities:
        by_arrondissement.setdefault(parent, []).append(Place(code, name, Region.Level.GEMEENTE))
    for arrondissement in arrondissements:
        if arrondissement.code in by_arrondissement:
            title = _("Gemeenten van het arrondissement %(name)s") % {"name": arrondissement.name}
            groups.append(AreaGroup(title, by_arrondissement[arrondissement.code], f"gemeenten-{arrondissement.code}"))
    return [group for group in groups if group.places]
