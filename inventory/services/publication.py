"""The publication workbook ("tabellenbijlage"): the tables behind the yearly press release, as XLSX.

One sheet per table (per trede, per measure, per arrondissement of West-Vlaanderen), the years with
aggregates as columns, West-Vlaanderen (30000) beside Vlaanderen (02000), the change of the latest year
against the previous and the first year, and a sheet "Toelichting" with the metadata. Numbers are numbers
with display formats that a Dutch Excel shows the Belgian way ('#,##0' shows 63.552, '0.0%' 14,1%).

Made from the live validated aggregates, or from an edition (`edition=`: its frozen figures, every year it holds,
with the year states it recorded; the public site offers that one at /cijfers/<edition>/tabellenbijlage.xlsx).

Public by default: small counts are hidden as in a public aggregate export (the same cells, since both
protect the whole year's table), and a change or share computed from a hidden count is hidden too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, cast

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from inventory.constants import FLANDERS, WEST_VLAANDEREN
from inventory.models import HEADLINE_TREDEN, Edition, EditionFigure, Measure, Region, Scope, Trede
from inventory.selectors.figures import AggregateColumn as A
from inventory.selectors.figures import aggregate_keyed_values, aggregate_years, aggregates_freshness
from inventory.selectors.years import YearStatus, default_year, edition_year_states, incomplete_labels, year_states
from inventory.services import suppression
from inventory.services.exports import SOURCE, escape_cell

COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0%"
HEADER_ROWS = 5
# Trede totals in the order of the press release (treden 3-5 make the headline; trede 6 apart).
TREDE_ORDER = (5, 4, 3, 6)

# (trede, group, measure code): (None, "", None) = headline, (t, "", None) = trede total, (t, g, None) = group.
FigureKey = tuple[int | None, str, str | None]
Cell = int | str | None  # a count, the mark of a hidden count, or no figure
HEADLINE: FigureKey = (None, "", None)


@dataclass(frozen=True)
class Line:
    label: str
    key: FigureKey
    indent: int = 0
    bold: bool = False


class Figures:
    """Every aggregate of the workbook's regions, per (region code, year, key), with small counts hidden."""

    def __init__(
        self, *, regions: Iterable[str], years: list[int], scope: str, public: bool, edition: Edition | None = None
    ) -> None:
        wanted = set(regions)
        self.values: dict[tuple[str, int, FigureKey], Cell] = {}
        for year in years:
            if public:
                rows, hidden = suppression.aggregate_year_suppression(year=year, scope=scope, edition=edition)
            else:
                rows, hidden = aggregate_keyed_values(year=year, scope=scope, edition=edition), {}
            for row in rows:
                if row[A.region] in wanted:
                    status = hidden.get(suppression.aggregate_key(row))
                    value = row[A.persons] if status is None else suppression.mark(status)
                    self.values[(row[A.region], year, (row[A.trede], row[A.group], row[A.measure]))] = value

    def get(self, region: str, year: int, key: FigureKey) -> Cell:
        return self.values.get((region, year, key))

    def keys(self, regions: Iterable[str]) -> set[FigureKey]:
        codes = set(regions)
        return {key for (region, _year, key) in self.values if region in codes}


def _ratio(part: Cell, whole: Cell, *, change: bool = False) -> Decimal | str | None:
    """part / whole (change: part / whole - 1); hidden when either is hidden, empty when either is missing."""
    if isinstance(part, str) or isinstance(whole, str):
        return suppression.SECONDARY_MARK
    if part is None or not whole:
        return None
    ratio = Decimal(part) / Decimal(whole)
    return ratio - 1 if change else ratio


class Sheet:
    def __init__(self, workbook: Workbook, *, title: str, heading: str, subtitle: str) -> None:
        self.ws: Worksheet = workbook.create_sheet(title)
        self.ws["A1"] = escape_cell(heading)
        self.ws["A1"].font = Font(bold=True, size=13)
        self.ws["A2"] = escape_cell(subtitle)
        self.row = HEADER_ROWS + 1

    def header(self, blocks: list[tuple[str, list[str | int]]], first: str) -> None:
        """Row 4 names each block of columns (merged over it), row 5 names the columns."""
        ws, bold = self.ws, Font(bold=True)
        ws.cell(HEADER_ROWS, 1, escape_cell(first)).font = bold
        column = 2
        for name, headings in blocks:
            ws.cell(HEADER_ROWS - 1, column, escape_cell(name)).font = bold
            if len(headings) > 1:
                ws.merge_cells(
                    start_row=HEADER_ROWS - 1,
                    start_column=column,
                    end_row=HEADER_ROWS - 1,
                    end_column=column + len(headings) - 1,
                )
            for heading in headings:
                cell = ws.cell(HEADER_ROWS, column, escape_cell(heading))
                cell.font = bold
                cell.alignment = Alignment(horizontal="right", wrap_text=True)
                ws.column_dimensions[get_column_letter(column)].width = 10 if isinstance(heading, int) else 14
                column += 1
        ws.column_dimensions["A"].width = 62
        ws.row_dimensions[HEADER_ROWS].height = 45
        ws.freeze_panes = ws.cell(HEADER_ROWS + 1, 2).coordinate

    def line(self, line: Line, cells: list[tuple[Any, str]]) -> None:
        ws = self.ws
        label = ws.cell(self.row, 1, escape_cell(line.label))
        label.alignment = Alignment(indent=line.indent * 2)
        label.font = Font(bold=line.bold)
        for offset, (value, number_format) in enumerate(cells, start=2):
            cell = ws.cell(self.row, offset, value)
            if isinstance(value, str):
                cell.alignment = Alignment(horizontal="right")
            else:
                cell.number_format = number_format
            if line.bold:
                cell.font = Font(bold=True)
        self.row += 1

    def notes(self, notes: list[str]) -> None:
        self.row += 1
        for note in notes:
            self.ws.cell(self.row, 1, escape_cell(note)).font = Font(italic=True)
            self.row += 1


def _series(figures: Figures, region: str, key: FigureKey, years: list[int]) -> list[tuple[Any, str]]:
    """The years' counts, then the latest year's change against the previous year and the first year."""
    values = [figures.get(region, year, key) for year in years]
    previous = values[-2] if len(values) > 1 else None
    return [
        *((value, COUNT_FORMAT) for value in values),
        (_ratio(values[-1], previous, change=True), PERCENT_FORMAT),
        (_ratio(values[-1], values[0], change=True), PERCENT_FORMAT),
    ]


def _block_headings(years: list[int]) -> list[str | int]:
    last, first = years[-1], years[0]
    previous = years[-2] if len(years) > 1 else last
    return [
        *years,
        _("%% %(year)s t.o.v. %(other)s") % {"year": last, "other": previous},
        _("%% %(year)s t.o.v. %(other)s") % {"year": last, "other": first},
    ]


def _trede_label(trede: int | None) -> str:
    if trede is None:
        return _("Tewerkstellings- en participatieplaatsen (treden 3-5)")
    label = str(Trede(trede).label)
    return label if trede in HEADLINE_TREDEN else _("%(trede)s (niet in het totaal)") % {"trede": label}


def _comparison_sheet(
    workbook: Workbook,
    *,
    title: str,
    heading: str,
    subtitle: str,
    first: str,
    lines: list[Line],
    figures: Figures,
    years: list[int],
    public: bool,
) -> None:
    """West-Vlaanderen beside Vlaanderen, and West-Vlaanderen's share of Flanders in the latest year."""
    sheet = Sheet(workbook, title=title, heading=heading, subtitle=subtitle)
    share = _("aandeel West-Vlaanderen in Vlaanderen %(year)s") % {"year": years[-1]}
    sheet.header(
        [
            ("West-Vlaanderen", _block_headings(years)),
            (_("Vlaanderen"), _block_headings(years)),
            (_("Aandeel"), [share]),
        ],
        first,
    )
    for line in lines:
        wvl = _series(figures, WEST_VLAANDEREN, line.key, years)
        flanders = _series(figures, FLANDERS, line.key, years)
        last = len(years) - 1
        sheet.line(line, [*wvl, *flanders, (_ratio(wvl[last][0], flanders[last][0]), PERCENT_FORMAT)])
    sheet.notes(_notes(public=public))


def _notes(*, public: bool) -> list[str]:
    notes = [
        _("Bron: %(source)s.") % {"source": SOURCE},
        _("Een persoon kan onder meer dan één maatregel vallen; een tredetotaal is daarvoor gecorrigeerd."),
        _("Leeg: geen gegevens, of de maatregel bestond dat jaar niet."),
    ]
    if public:
        notes += [f"{mark}: {text}" for mark, text in suppression.legend().items()]
    return notes


def _measure_lines(figures: Figures) -> list[Line]:
    keys = figures.keys([WEST_VLAANDEREN, FLANDERS])
    names = dict(Measure.objects.values_list("code", "name"))
    lines = []
    for trede in TREDE_ORDER:
        if (trede, "", None) not in keys:
            continue
        lines.append(Line(_trede_label(trede), (trede, "", None), bold=True))
        for group in sorted({g for t, g, m in keys if t == trede and g and m is None}):
            lines.append(Line(group[:1].upper() + group[1:], (trede, group, None), indent=1))
            for code in sorted({m for t, g, m in keys if t == trede and g == group and m}):
                lines.append(Line(f"{names.get(code, code)} ({code})", (trede, group, code), indent=2))
    return lines


def publication_years(
    *, scope: str = Scope.VALIDATED, last_year: int | None = None, states: dict[int, YearStatus] | None = None
) -> list[int]:
    """The workbook's years: up to the latest complete year (selectors/years.py; `states` when the caller has
    read them), or up to `last_year` when it is asked for (an incomplete year is then labelled in the workbook).
    ValidationError for a year without figures."""
    years = aggregate_years(scope=scope)
    if last_year is not None and last_year not in years:
        raise ValidationError(
            _("Jaar %(year)s heeft geen cijfers; kies een van %(years)s.")
            % {"year": last_year, "years": ", ".join(map(str, years)) or "–"}
        )
    last = last_year if last_year is not None else default_year(years, year_states() if states is None else states)
    return [y for y in years if last is not None and y <= last]


def publication_workbook(
    *,
    out: IO[bytes],
    scope: str = Scope.VALIDATED,
    public: bool = True,
    last_year: int | None = None,
    edition: Edition | None = None,
) -> None:
    """Write the workbook to `out` (a seekable binary file): the years up to the latest complete one, or up to
    `last_year`; of an edition: every year it froze, labelled as they were when it was published."""
    if edition is not None:
        scope = Scope.VALIDATED
        states = edition_year_states(edition)
        years = sorted(set(EditionFigure.objects.filter(edition=edition).values_list("year", flat=True)))
    else:
        states = year_states()
        years = publication_years(scope=scope, last_year=last_year, states=states)
    incomplete = incomplete_labels(years, states)
    arrondissements = list(
        Region.objects.filter(parent__code=WEST_VLAANDEREN, level=Region.Level.ARRONDISSEMENT).order_by("code")
    )
    codes = [WEST_VLAANDEREN, FLANDERS, *(a.code for a in arrondissements)]
    figures = Figures(regions=codes, years=years, scope=scope, public=public, edition=edition)
    freshness = aggregates_freshness(years).as_dict() if edition is None else {}
    workbook = Workbook()
    workbook.remove(cast(Worksheet, workbook.active))  # a new workbook has one sheet
    measure_codes = {m for _t, _g, m in figures.keys([WEST_VLAANDEREN, FLANDERS]) if m}
    _explanation(
        workbook,
        scope=scope,
        public=public,
        years=years,
        freshness=freshness,
        incomplete=incomplete,
        edition=edition,
        measures=list(Measure.objects.filter(code__in=measure_codes).order_by("trede", "group", "code")),
    )
    if not years:
        workbook.save(out)
        return
    scope_label = str(Scope(scope).label)
    subtitle = _("Aantal personen; cijfers: %(scope)s; %(first)s-%(last)s") % {
        "scope": scope_label,
        "first": years[0],
        "last": years[-1],
    }
    if incomplete:
        subtitle += "; " + _("NIET DEFINITIEF: %(years)s") % {
            "years": "; ".join(f"{y} {label}" for y, label in incomplete.items())
        }
    _comparison_sheet(
        workbook,
        title=_("Tabel 1 Treden"),
        heading=_("Tabel 1. Tewerkstellings- en participatieplaatsen per trede, West-Vlaanderen en Vlaanderen"),
        subtitle=subtitle,
        first=_("Trede"),
        lines=[Line(_trede_label(t), (t, "", None), bold=t is None) for t in (None, *TREDE_ORDER)],
        figures=figures,
        years=years,
        public=public,
    )
    _comparison_sheet(
        workbook,
        title=_("Tabel 2 Maatregelen"),
        heading=_("Tabel 2. Personen per maatregel, West-Vlaanderen en Vlaanderen"),
        subtitle=subtitle,
        first=_("Trede, groep en maatregel"),
        lines=_measure_lines(figures),
        figures=figures,
        years=years,
        public=public,
    )
    sheet = Sheet(
        workbook,
        title=_("Tabel 3 Arrondissementen"),
        heading=_("Tabel 3. Tewerkstellings- en participatieplaatsen per arrondissement van West-Vlaanderen"),
        subtitle=subtitle,
    )
    share = _("aandeel in West-Vlaanderen %(year)s") % {"year": years[-1]}
    sheet.header(
        [(_("Aantal personen"), _block_headings(years)), (_("Aandeel"), [share])], _("Arrondissement en trede")
    )
    last = len(years) - 1
    for region, name in [*((a.code, a.name) for a in arrondissements), (WEST_VLAANDEREN, "West-Vlaanderen")]:
        for trede in (None, *(t for t in TREDE_ORDER if t in HEADLINE_TREDEN)):
            key = (trede, "", None)
            label = name if trede is None else str(Trede(trede).label)
            series = _series(figures, region, key, years)
            whole = figures.get(WEST_VLAANDEREN, years[-1], key)
            line = Line(label, key, indent=0 if trede is None else 1, bold=trede is None)
            sheet.line(line, [*series, (_ratio(series[last][0], whole), PERCENT_FORMAT)])
    flanders = _series(figures, FLANDERS, HEADLINE, years)
    sheet.line(Line(_("Vlaanderen"), HEADLINE, bold=True), [*flanders, (None, PERCENT_FORMAT)])
    notes = _notes(public=public)
    notes.insert(
        2,
        _(
            "Correcties voor overlap die enkel voor de provincie gekend zijn, zitten niet in de arrondissementen; "
            "hun som kan daardoor hoger liggen dan West-Vlaanderen."
        ),
    )
    sheet.notes(notes)
    workbook.save(out)


def _explanation(
    workbook: Workbook,
    *,
    scope: str,
    public: bool,
    years: list[int],
    freshness: dict[str, Any],
    incomplete: dict[int, str],
    edition: Edition | None = None,
    measures: list[Measure] | None = None,
) -> None:
    """The metadata sheet; of an edition, when it was published instead of when figures were computed. Below it,
    the workbook's measures, each with whether its source counts a person where they live or where they work."""
    ws = workbook.create_sheet(_("Toelichting"))
    ws["A1"] = escape_cell(_("Inventaris sociale economie: tabellenbijlage"))
    ws["A1"].font = Font(bold=True, size=13)
    rows = [
        (_("Bron"), SOURCE),
        (_("Scope"), str(Scope(scope).label)),
        (_("Jaren"), f"{years[0]}-{years[-1]}" if years else "–"),
        (
            _("Onvolledige jaren"),
            "; ".join(f"{y}: {label}" for y, label in incomplete.items()) or _("geen: alle jaren zijn volledig"),
        ),
        (_("Gemaakt op"), timezone.localtime().strftime("%d/%m/%Y %H:%M")),
    ]
    if edition is None:
        rows += [
            (_("Cijfers berekend op"), _local_time(freshness["computed_at"])),
            (_("Herberekening bezig voor"), ", ".join(map(str, freshness["pending_years"])) or "–"),
            (_("Editie"), "–"),
        ]
    else:
        rows += [
            (_("Editie"), edition.name),
            (_("Gepubliceerd op"), edition.published_on.strftime("%d/%m/%Y")),
            (_("Licentie"), f"{edition.get_licence_display()} ({edition.licence_url})"),
        ]
        if edition.withdrawn_at is not None:
            rows.append((_("Ingetrokken op"), _local_time(edition.withdrawn_at)))
    rows += [
        (_("Kleine aantallen afgeschermd"), _("ja") if public else _("nee")),
    ]
    if public:
        rows += list(suppression.legend().items())
    for number, (key, value) in enumerate(rows, start=3):
        ws.cell(number, 1, escape_cell(key)).font = Font(bold=True)
        ws.cell(number, 2, escape_cell(value))
    if measures:
        number = len(rows) + 4
        ws.cell(number, 1, escape_cell(_("Maatregelen"))).font = Font(bold=True, size=12)
        note = _(
            "Geteld naar woonplaats: in de gemeente waar de persoon woont; naar werkplaats: in de gemeente waar de "
            "persoon werkt. Een cijfer per gebied telt elke maatregel zoals haar bron dat doet."
        )
        ws.cell(number + 1, 1, escape_cell(note))
        for column, heading in enumerate((_("Code"), _("Maatregel"), _("Geteld naar")), start=1):
            ws.cell(number + 2, column, escape_cell(heading)).font = Font(bold=True)
        for row, measure in enumerate(measures, start=number + 3):
            ws.cell(row, 1, escape_cell(measure.code))
            ws.cell(row, 2, escape_cell(measure.name))
            ws.cell(row, 3, escape_cell(measure.get_counted_at_display()))
        ws.column_dimensions["C"].width = 16
    ws.column_dimensions["A"].width = 32
    ws.column_dimensions["B"].width = 90


def publication_filename(*, scope: str, public: bool) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"inventaris-tabellenbijlage-{scope}{'' if public else '-intern'}-{stamp}.xlsx"


def _local_time(value: Any) -> str:
    """A moment as the sheet's other dates read: local, day/month/year hours:minutes ("–" when none)."""
    if not value:
        return "–"
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")
