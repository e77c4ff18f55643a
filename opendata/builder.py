"""The table builder's table (/cijfers/<edition>/tabel/): years x regions x a breakdown of an edition, as a page and
as downloads of exactly the same cells.

Every cell is read from the edition's protected table of its year (opendata.editions.protected_table), never from
the frozen figures themselves: a hidden count shows as its mark ("<5", "x") here as on every other public page and
in every public file, and nothing is summed here, so the builder cannot make a total that gives a hidden count away.
A cell without a figure (no one was counted there) shows as "–" and is not in the downloads.

The same choice always gives the same table: the places come in a fixed order (by code, groupings by name, or the
order the visitor chose them in), the categories by trede, group and measure, and an edition never changes.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, reduce
from operator import or_
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from inventory.constants import GROUPING_LEVEL
from inventory.models import HEADLINE_TREDEN, Edition, Measure, Region, RegionGrouping, Scope, Trede, valid_in
from inventory.selectors.figures import AggregateFilters
from inventory.selectors.sources import Place
from inventory.services.exports import FORMATS, Export, Format, aggregates_export
from inventory.services.exports.cells import Column, Row
from inventory.services.exports.registry import FILENAME_SUFFIXES
from inventory.services.suppression import small_cell_threshold
from opendata.editions import protected_table

# A bigger table is refused with a message: a page of every municipality x measure x year would run to megabytes.
MAX_CELLS = 20_000
TOTAL_ID = "_T"
# What a plain CSV's rows say besides the aggregate export's columns (see BuiltTable.export).
CSV_METADATA_COLUMNS = ("edition", "licence", "source")


class Level(models.TextChoices):
    """Which places the rows are."""

    GEWEST = "gewest", gettext_lazy("het Vlaams Gewest")
    PROVINCIE = "provincie", gettext_lazy("de provincies")
    ARRONDISSEMENT = "arrondissement", gettext_lazy("de arrondissementen")
    REGIO_INDELING = GROUPING_LEVEL, gettext_lazy("de regio-indelingen (sociaal-economische regio’s)")
    GEMEENTE = "gemeente", gettext_lazy("de gemeenten")
    KEUZE = "keuze", gettext_lazy("zelf gekozen gebieden")


class Breakdown(models.TextChoices):
    """What the figures of a place are split into."""

    TOTAAL = "totaal", gettext_lazy("totaal treden 3-5")
    TREDE = "trede", gettext_lazy("per trede")
    GROEP = "groep", gettext_lazy("per maatregelgroep")
    MAATREGEL = "maatregel", gettext_lazy("per maatregel")


class Layout(models.TextChoices):
    GEBIEDEN = "gebieden", gettext_lazy("een rij per gebied; een kolom per jaar en indeling")
    JAREN = "jaren", gettext_lazy("een rij per gebied en indeling; een kolom per jaar")


DEFAULT_TREDEN = HEADLINE_TREDEN

# The page's address for each download (…/tabel/download.<extension>) and the format it gives.
DOWNLOADS: dict[str, str] = {
    "csv": "csv",
    "excel.csv": "excel-nl",
    "xlsx": "xlsx",
    "sdmx.csv": "sdmx",
    "jsonstat.json": "jsonstat",
    "json": "json",
}


@dataclass(frozen=True)
class TableChoice:
    """What the visitor chose (the form's cleaned values): the table follows from it and the edition alone."""

    years: tuple[int, ...]
    level: str = Level.PROVINCIE
    arrondissement: str = ""
    regions: tuple[str, ...] = ()
    breakdown: str = Breakdown.TOTAAL
    treden: tuple[int, ...] = DEFAULT_TREDEN
    layout: str = Layout.GEBIEDEN

    def query(self) -> list[tuple[str, str]]:
        """The canonical query of this choice, every choice spelled out: the permalink's."""
        pairs = [("jaar", str(year)) for year in self.years]
        pairs.append(("niveau", self.level))
        if self.level == Level.GEMEENTE and self.arrondissement:
            pairs.append(("arrondissement", self.arrondissement))
        if self.level == Level.KEUZE:
            pairs += [("regio", code) for code in self.regions]
        pairs.append(("indeling", self.breakdown))
        if self.breakdown != Breakdown.TOTAAL:
            pairs += [("trede", str(trede)) for trede in self.treden]
        pairs.append(("weergave", self.layout))
        return pairs


@dataclass(frozen=True)
class Category:
    """A column (or row) of the breakdown: the headline (trede None), a trede, a group of a trede, or a measure."""

    trede: int | None
    group: str
    measure: str | None
    label: str

    @property
    def key(self) -> tuple[int | None, str, str | None]:
        return (self.trede, self.group, self.measure)

    @property
    def id(self) -> str:
        if self.trede is None:
            return TOTAL_ID
        return "/".join(str(part) for part in (self.trede, self.group, self.measure) if part)


@dataclass(frozen=True)
class Cell:
    place: Place
    year: int
    category: Category
    # persons, the mark of a hidden count, or None: no figure
    value: int | str | None

    @property
    def id(self) -> str:
        return f"{self.place.code}|{self.year}|{self.category.id}"

    @property
    def hidden(self) -> bool:
        return isinstance(self.value, str)


@dataclass(frozen=True)
class Heading:
    text: str
    scope: str
    colspan: int = 1
    rowspan: int = 1
    code: str = ""


@dataclass(frozen=True)
class Line:
    headings: list[Heading]
    cells: list[Cell]


def short_trede(trede: int) -> str:
    return _("Trede %(trede)s") % {"trede": trede}


def years_text(years: tuple[int, ...]) -> str:
    if len(years) > 2 and list(years) == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(year) for year in years)


def place_list(choice: TableChoice) -> list[Place]:
    """The rows' places (see `_places`), a name that two of them share followed by its code (a municipality
    before and after a merger: Tielt 37015 and 37022), so no row reads as another."""
    places = _places(choice)
    names = Counter(place.name for place in places)
    return [
        dataclasses.replace(place, name=f"{place.name} ({place.code})") if names[place.name] > 1 else place
        for place in places
    ]


def _places(choice: TableChoice) -> list[Place]:
    """Those of the level that existed in one of the years (by code; groupings by name), the municipalities of
    one arrondissement, or the chosen ones in the order they were chosen."""
    if choice.level == Level.KEUZE:
        regions = {r.code: Place(r.code, r.name, r.level) for r in Region.objects.filter(code__in=choice.regions)}
        groupings: dict[str, Place] = {}
        for grouping in RegionGrouping.objects.filter(code__in=choice.regions).order_by("first_year"):
            groupings[grouping.code] = Place(grouping.code, grouping.name, GROUPING_LEVEL)  # the newest version
        found = {**groupings, **regions}
        return [found[code] for code in choice.regions if code in found]
    if choice.level == Level.REGIO_INDELING:
        named: dict[str, Place] = {}
        current = reduce(or_, (valid_in(year) for year in choice.years), Q(pk__in=[]))
        for grouping in RegionGrouping.objects.filter(current).order_by("first_year"):
            named[grouping.code] = Place(grouping.code, grouping.name, GROUPING_LEVEL)
        return sorted(named.values(), key=lambda place: (place.name, place.code))
    existed = reduce(or_, (valid_in(year) for year in choice.years), Q(pk__in=[]))
    regions_qs = Region.objects.filter(existed, level=choice.level)
    if choice.level == Level.GEMEENTE and choice.arrondissement:
        regions_qs = regions_qs.filter(parent__code=choice.arrondissement)
    rows = regions_qs.order_by("code").values_list("code", "name", "level")
    return [Place(code, name, level) for code, name, level in rows]


def category_wanted(choice: TableChoice, key: tuple[int | None, str, str | None]) -> bool:
    trede, group, measure = key
    if choice.breakdown == Breakdown.TOTAAL:
        return trede is None
    if trede not in choice.treden:
        return False
    if choice.breakdown == Breakdown.TREDE:
        return not group and measure is None
    if choice.breakdown == Breakdown.GROEP:
        return bool(group) and measure is None
    return measure is not None


@dataclass(frozen=True)
class BuiltTable:
    """The table of one choice: its places, categories and cells (only those with a figure are in `values`)."""

    edition: Edition
    choice: TableChoice
    places: list[Place]
    categories: list[Category]
    values: dict[tuple[str, int, str], int | str]

    @property
    def size(self) -> int:
        return len(self.places) * len(self.choice.years) * len(self.categories)

    def cell(self, place: Place, year: int, category: Category) -> Cell:
        return Cell(place, year, category, self.values.get((place.code, year, category.id)))

    def cells(self) -> Iterator[Cell]:
        """Every cell, by place, year and category (the page's order, in either layout)."""
        for place in self.places:
            for year in self.choice.years:
                for category in self.categories:
                    yield self.cell(place, year, category)

    @cached_property
    def hidden_any(self) -> bool:
        return any(isinstance(value, str) for value in self.values.values())

    # --- the page ------------------------------------------------------------------------------------------

    def caption(self) -> str:
        what = {
            Breakdown.TOTAAL: _("Tewerkstellings- en participatieplaatsen (treden 3-5)"),
            Breakdown.TREDE: _("Personen per trede"),
            Breakdown.GROEP: _("Personen per maatregelgroep"),
            Breakdown.MAATREGEL: _("Personen per maatregel"),
        }[Breakdown(self.choice.breakdown)]
        if self.choice.breakdown != Breakdown.TOTAAL and tuple(self.choice.treden) != DEFAULT_TREDEN:
            what += " " + ngettext("(trede %(treden)s)", "(treden %(treden)s)", len(self.choice.treden)) % {
                "treden": ", ".join(str(t) for t in self.choice.treden)
            }
        return _("%(what)s, %(where)s, %(years)s (%(edition)s)") % {
            "what": what,
            "where": self.where(),
            "years": years_text(self.choice.years),
            "edition": self.edition.name,
        }

    def where(self) -> str:
        level = self.choice.level
        if level == Level.GEMEENTE and self.choice.arrondissement:
            name = Region.objects.filter(code=self.choice.arrondissement).values_list("name", flat=True).first()
            return _("gemeenten van het arrondissement %(name)s") % {"name": name or self.choice.arrondissement}
        return {
            Level.GEWEST: _("Vlaams Gewest"),
            Level.PROVINCIE: _("per provincie"),
            Level.ARRONDISSEMENT: _("per arrondissement"),
            Level.REGIO_INDELING: _("per regio-indeling"),
            Level.GEMEENTE: _("per gemeente"),
            Level.KEUZE: _("gekozen gebieden"),
        }[Level(level)]

    def colgroups(self) -> list[int]:
        """The spans of the <colgroup>s: the row headings, then (wide layout) a group per year."""
        if self.choice.layout == Layout.JAREN:
            return [2 if len(self.categories) > 1 else 1, len(self.choice.years)]
        return [1] + [len(self.categories)] * len(self.choice.years)

    def head(self) -> list[list[Heading]]:
        years, categories = self.choice.years, self.categories
        place = _("Gebied")
        if self.choice.layout == Layout.JAREN:
            row = [Heading(place, "col")]
            if len(categories) > 1:
                row.append(Heading(_("Indeling"), "col"))
            return [row + [Heading(str(year), "col") for year in years]]
        if len(years) > 1 and len(categories) > 1:
            return [
                [Heading(place, "col", rowspan=2)]
                + [Heading(str(year), "colgroup", colspan=len(categories)) for year in years],
                [Heading(c.label, "col") for _y in years for c in categories],
            ]
        if len(categories) == 1:
            return [[Heading(place, "col")] + [Heading(str(year), "col") for year in years]]
        return [[Heading(place, "col")] + [Heading(c.label, "col") for c in categories]]

    def bodies(self) -> list[list[Line]]:
        """The <tbody>s: one in the wide layout; in the long one a group of rows per place (when there is more than
        one category), a row per category the place has a figure for."""
        years, categories = self.choice.years, self.categories
        if self.choice.layout == Layout.GEBIEDEN or len(categories) == 1:
            if self.choice.layout == Layout.GEBIEDEN:
                lines = [
                    Line([self.place_heading(p, "row")], [self.cell(p, y, c) for y in years for c in categories])
                    for p in self.places
                ]
            else:
                lines = [
                    Line([self.place_heading(p, "row")], [self.cell(p, y, categories[0]) for y in years])
                    for p in self.places
                ]
            return [lines]
        groups = []
        for place in self.places:
            # A category without a figure for this place in any year is left out (most municipalities have a few
            # of the measures); a place without any figure keeps one row of "–", so that it is still listed.
            every = [(category, [self.cell(place, y, category) for y in years]) for category in categories]
            rows = [(category, cells) for category, cells in every if any(c.value is not None for c in cells)]
            rows = rows or every[:1]
            lines = []
            for index, (category, cells) in enumerate(rows):
                headings = [self.place_heading(place, "rowgroup", rowspan=len(rows))] if index == 0 else []
                headings.append(Heading(category.label, "row"))
                lines.append(Line(headings, cells))
            groups.append(lines)
        return groups

    @staticmethod
    def place_heading(place: Place, scope: str, rowspan: int = 1) -> Heading:
        return Heading(place.name, scope, rowspan=rowspan, code=place.code)

    # --- the downloads -------------------------------------------------------------------------------------

    def export_rows(self) -> Iterator[Row]:
        """The cells with a figure, in the aggregate export's columns (AGGREGATE_COLUMNS), in the page's order."""
        computed_at = self.edition.created_at
        for cell in self.cells():
            if cell.value is None:
                continue
            category = cell.category
            yield (
                cell.year,
                cell.place.code,
                cell.place.name,
                cell.place.level,
                category.trede,
                category.group,
                category.measure,
                cell.value,
                Scope.VALIDATED,
                computed_at,
            )

    def export(self, *, permalink: str, fmt: Format) -> Export:
        """The download's contents: the aggregate export (its columns, dimensions and metadata) of exactly these
        cells, with the table's choice, its permalink, the licence and the source. Plain CSV has no room for
        metadata (programs read its header on the first line), so its rows carry the edition, licence and source as
        columns; SDMX-CSV carries licence, source and threshold as attributes of every observation."""
        rows = list(self.export_rows())
        filters = AggregateFilters(
            years=list(self.choice.years),
            regions=[place.code for place in self.places],
            treden=list(self.choice.treden) if self.choice.breakdown != Breakdown.TOTAAL else [],
        )
        export = aggregates_export(filters=filters, public=True, edition=self.edition, cells=lambda: rows)
        title = _("Inventaris sociale economie: %(caption)s") % {"caption": self.caption()}
        meta: dict[str, Any] = {
            **export.meta,
            "title": title,
            "dataset": "table",
            "table": {
                "level": self.choice.level,
                "arrondissement": self.choice.arrondissement or None,
                "breakdown": self.choice.breakdown,
                "treden": list(self.choice.treden) if self.choice.breakdown != Breakdown.TOTAAL else None,
                "layout": self.choice.layout,
            },
            "permalink": permalink,
        }
        licence, source, threshold = self.edition.licence, meta["source"], small_cell_threshold()
        if fmt.id == "csv":
            stamp = (self.edition.name, licence, source)
            return dataclasses.replace(
                export,
                title=title,
                meta=meta,
                columns=(*export.columns, *(Column(name) for name in CSV_METADATA_COLUMNS)),
                rows=lambda: (tuple(row) + stamp for row in rows),
            )
        return dataclasses.replace(
            export,
            title=title,
            meta=meta,
            sdmx_attributes=(
                *export.sdmx_attributes,
                ("LICENCE", lambda _row: licence),
                ("SOURCE", lambda _row: source),
                ("CONF_THRESHOLD", lambda _row: threshold),
            ),
        )

    def filename(self, fmt: Format) -> str:
        """Stable and telling: the same choice always gives the same name (the layout is not in it: both layouts
        download the same cells)."""
        choice = self.choice
        where = {
            Level.GEWEST: "gewest",
            Level.PROVINCIE: "provincies",
            Level.ARRONDISSEMENT: "arrondissementen",
            Level.REGIO_INDELING: "regio-indelingen",
            Level.GEMEENTE: "gemeenten",
            Level.KEUZE: "gebieden",
        }[Level(choice.level)]
        if choice.level == Level.GEMEENTE and choice.arrondissement:
            where += f"-{choice.arrondissement}"
        if choice.level == Level.KEUZE:
            where += "-" + hashlib.sha256(",".join(choice.regions).encode()).hexdigest()[:8]
        what = {
            Breakdown.TOTAAL: "totaal",
            Breakdown.TREDE: "per-trede",
            Breakdown.GROEP: "per-maatregelgroep",
            Breakdown.MAATREGEL: "per-maatregel",
        }[Breakdown(choice.breakdown)]
        if choice.breakdown != Breakdown.TOTAAL and tuple(choice.treden) != DEFAULT_TREDEN:
            what += "-treden-" + "-".join(str(t) for t in choice.treden)
        years = "-".join(str(y) for y in choice.years)
        if len(choice.years) > 2 and list(choice.years) == list(range(choice.years[0], choice.years[-1] + 1)):
            years = f"{choice.years[0]}-tot-{choice.years[-1]}"
        suffix = FILENAME_SUFFIXES.get(fmt.id, "")
        return f"{self.edition.slug}-tabel-{where}-{what}-{years}{suffix}.{fmt.extension}"


def download_format(extension: str) -> Format | None:
    fmt = DOWNLOADS.get(extension)
    return FORMATS[fmt] if fmt else None


def table_build(*, edition: Edition, choice: TableChoice) -> BuiltTable:
    """The table of `choice` from the edition's protected tables of its years."""
    places = place_list(choice)
    codes = {place.code for place in places}
    tables = {year: protected_table(edition, year) for year in choice.years}
    values: dict[tuple[str, int, str], int | str] = {}
    keys: set[tuple[int | None, str, str | None]] = set()
    for year, table in tables.items():
        for (code, trede, group, measure), persons in table.items():
            key = (trede, group, measure)
            if code in codes and category_wanted(choice, key):
                keys.add(key)
                values[(code, year, Category(trede, group, measure, "").id)] = persons
    return BuiltTable(edition, choice, places, categories_of(choice, keys), values)


def categories_of(choice: TableChoice, found: set[tuple[int | None, str, str | None]]) -> list[Category]:
    """The breakdown's categories: the headline or the chosen treden always; groups and measures as the places
    have figures for them, by trede, group and code."""
    if choice.breakdown == Breakdown.TOTAAL:
        return [Category(None, "", None, _("Treden 3-5"))]
    if choice.breakdown == Breakdown.TREDE:
        return [Category(trede, "", None, short_trede(trede)) for trede in choice.treden]
    ordered = sorted(found, key=lambda key: (key[0] or 0, key[1], key[2] or ""))
    if choice.breakdown == Breakdown.GROEP:
        return [Category(trede, group, None, capfirst(group)) for trede, group, _m in ordered]
    names = dict(Measure.objects.filter(code__in=[m for _t, _g, m in ordered]).values_list("code", "name"))
    return [Category(t, g, m, names.get(m or "", m or "")) for t, g, m in ordered]


def trede_choices() -> list[tuple[int, str]]:
    return [(int(value), str(label)) for value, label in Trede.choices]
