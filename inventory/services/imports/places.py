"""Municipalities by the name a supplier writes, for the year of the figure.

Names are compared as `inventory.parsing.text_key` makes them (case, accents, hyphens, spaces and "St."/"Sint"
spellings left out); a name is matched among the municipalities that exist in that year, so "Tielt" in 2019 is
37015 and in 2025 the merged 37022. A name that fits none names the closest ones; a name of a municipality that no
longer (or not yet) exists says when it existed and what it became.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict

from django.utils.translation import gettext as _

from inventory.models import Region
from inventory.parsing import text_key

QUALIFIER = re.compile(r"\s*\([^)]*\)\s*$")  # "Hove (Antwerpen)": Statbel's qualifier of a name used twice


def region_label(region: Region) -> str:
    return f"{region.name} ({region.code})"


class PlaceNames:
    """Every municipality by the keys of its name, loaded once per import."""

    def __init__(self) -> None:
        self.by_key: dict[str, list[Region]] = defaultdict(list)
        municipalities = Region.objects.municipalities().select_related("successor")
        for region in municipalities:
            keys = {text_key(region.name), text_key(QUALIFIER.sub("", region.name))}
            for key in keys:
                if key:
                    self.by_key[key].append(region)
        self._cache: dict[tuple[str, int], Region | str] = {}

    def find(self, name: str, year: int) -> Region | str:
        """The municipality called `name` in `year`, or the message why not (unknown, ambiguous, not then)."""
        found = self._cache.get((name, year))
        if found is None:
            found = self._cache[(name, year)] = self._find(name, year)
        return found

    def _find(self, name: str, year: int) -> Region | str:
        key = text_key(name)
        regions = self.by_key.get(key, [])
        valid = [r for r in regions if r.is_valid_in(year)]
        if len(valid) == 1:
            return valid[0]
        if len(valid) > 1:
            return _(
                "de gemeentenaam ‘%(name)s’ past in %(year)s bij meer dan één gemeente: %(candidates)s; schrijf de "
                "NIS-code of de volledige naam."
            ) % {"name": name, "year": year, "candidates": ", ".join(region_label(r) for r in valid)}
        if regions:
            region = regions[0]
            if region.last_year is not None and region.last_year < year:
                if region.successor is not None:
                    return _(
                        "de gemeente %(region)s bestond tot en met %(last)s; in %(year)s is ze opgegaan in "
                        "%(successor)s."
                    ) % {
                        "region": region_label(region),
                        "last": region.last_year,
                        "year": year,
                        "successor": region_label(region.successor),
                    }
                return _("de gemeente %(region)s bestond tot en met %(last)s, niet meer in %(year)s.") % {
                    "region": region_label(region),
                    "last": region.last_year,
                    "year": year,
                }
            return _("de gemeente %(region)s bestaat pas vanaf %(first)s, niet in %(year)s.") % {
                "region": region_label(region),
                "first": region.first_year,
                "year": year,
            }
        candidates = [
            region_label(r)
            for close in difflib.get_close_matches(key, list(self.by_key), n=3, cutoff=0.75)
            for r in self.by_key[close]
            if r.is_valid_in(year)
        ]
        if candidates:
            return _("onbekende gemeente ‘%(name)s’ in %(year)s; bedoelt u %(candidates)s?") % {
                "name": name,
                "year": year,
                "candidates": _(" of ").join(dict.fromkeys(candidates)),
            }
        return _("onbekende gemeente ‘%(name)s’ in %(year)s; schrijf de naam zoals Statbel of de NIS-code.") % {
            "name": name,
            "year": year,
        }
