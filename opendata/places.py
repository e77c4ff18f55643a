"""The places the public site has fact sheets for: Flanders, the provinces, the arrondissements, the region
groupings (socio-economic regions) and the municipalities."""

from __future__ import annotations

from inventory.constants import GROUPING_LEVEL
from inventory.models import Region, RegionGrouping
from inventory.selectors.sources import Place


def public_place(code: str) -> Place | None:
    """Any region (municipalities too) or grouping by code."""
    region = Region.objects.filter(code=code).first()
    if region:
        return Place(region.code, region.name, region.level)
    grouping = RegionGrouping.objects.filter(code=code).order_by("-first_year").first()
    return Place(grouping.code, grouping.name, GROUPING_LEVEL) if grouping else None
