"""Supplier files through an import profile: a wide or long spreadsheet, in the supplier's own layout, reshaped
into the long rows of a headcount file and imported by the same code as one (services/imports/headcounts.py), all
or nothing.

    report = supplier_import(data=..., filename="rsz-2019.xlsx", profile=profile, user=staff, dry_run=True)
    report.supplier.rows[:5], report.supplier.counts, report.supplier.reconciliation

What the profile's layout says (services/imports/profiles.py): which sheets, how many title rows above the header,
the region column (NIS code, or a municipality's name matched for the figure's year: services/imports/places.py),
the measure columns (wide) or the measure and persons columns (long), where the year comes from, which rows to
skip (notes) and which are the supplier's totals, and what a hidden small count ("<5", "-", "x") means: refused, or
stored as a flagged estimate (Headcount.estimated) that small-cell protection never shows on its own.

Before anything is written the import reconciles: per measure and year the file's totals row or the totals staff
typed, the sum of the rows imported and the difference. A difference is only written when accepted explicitly;
the audit trail's context records the reconciliation and who accepted it. Every error names the sheet, the file's
own row and column ("C (Jongeren)") and the value.
"""

from __future__ import annotations

import re
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import PurePath
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from accounts.models import User
from inventory.access import is_staff_member
from inventory.kbo import format_kbo
from inventory.models import ImportProfile, Measure
from inventory.parsing import text_key
from inventory.services.imports.cells import cell_shown, cell_text, number_shown, parse_persons, parse_year
from inventory.services.imports.files import Cells, Sheet, Table, read_sheets
from inventory.services.imports.headcounts import (
    _Lookups,
    _parse_headcounts,
    headcounts_store_report,
    validation_message,
)
from inventory.services.imports.headers import Header
from inventory.services.imports.places import PlaceNames
from inventory.services.imports.profiles import Layout, layout_parse
from inventory.services.imports.report import (
    Errors,
    ImportReport,
    ImportRowError,
    ProgressCallback,
    Refused,
)
from inventory.services.submissions import check_region_exists

PREVIEW_ROWS = 20
GROUPED_TOTAL = re.compile(r"(?<![0-9.])[0-9]{1,3}(?:[. \u00a0][0-9]{3})+(?![0-9])")
YEAR_IN_NAME = re.compile(r"(?<![0-9])(20[0-9]{2})(?![0-9])")
# The reshaped table's columns, as headcounts' parser reads them.
_KEYS = ("year", "organisation", "measure", "region", "persons", "estimated")
_HEADER = Header(positions={k: i for i, k in enumerate(_KEYS)}, names={k: k for k in _KEYS}, width=6, unnamed=[])


@dataclass(frozen=True)
class PublishedTotal:
    """A total the supplier published, typed by staff: the file's rows for the measure and year should add up to it."""

    measure: str
    year: int
    total: int


@dataclass(frozen=True)
class LongRow:
    """One reshaped row as the dry run shows it, with where it came from in the file."""

    sheet: str
    row: int
    column: str
    year: int | str
    measure: str
    region: str
    persons: str
    estimated: bool


@dataclass(frozen=True)
class CountLine:
    year: int
    measure: str
    rows: int
    persons: int
    estimates: int


@dataclass(frozen=True)
class ReconciliationLine:
    """Per measure and year: the supplier's total (from the file's totals row, or typed), the sum of the rows
    imported (estimates included) and the difference (imported minus the supplier's total)."""

    year: int
    measure: str
    source: str  # "file" (totals row) or "typed"
    supplier_total: int
    imported: int
    difference: int
    estimates: int


@dataclass
class SupplierSummary:
    profile: str
    organisation: str
    sheets: list[str] = field(default_factory=list)
    rows: list[LongRow] = field(default_factory=list)  # the first PREVIEW_ROWS reshaped rows
    long_rows: int = 0
    counts: list[CountLine] = field(default_factory=list)
    reconciliation: list[ReconciliationLine] = field(default_factory=list)
    differences: bool = False
    differences_accepted: bool = False
    ignored_columns: list[str] = field(default_factory=list)
    ignored_rows: int = 0
    total_rows: int = 0
    empty_cells: int = 0  # measure cells left empty: no figure


def published_totals_parse(text: str) -> list[PublishedTotal]:
    """Typed totals, one per line: "MAATREGEL JAAR TOTAAL" (e.g. "DGK-JONG 2019 4443"), separated by spaces, ";"
    or ","; ValidationError names each bad line."""
    totals: list[PublishedTotal] = []
    problems: list[str] = []
    seen: set[tuple[str, int]] = set()
    codes = {code.upper() for code in Measure.objects.values_list("code", flat=True)}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        # A total as a publication writes it (32.108 or 6 452) is read as the whole number it is.
        line = GROUPED_TOTAL.sub(lambda m: m.group(0).replace(".", "").replace(" ", "").replace("\u00a0", ""), line)
        parts = [p for p in re.split(r"[\s;,]+", line.strip()) if p]
        year = parse_year(parts[1]) if len(parts) == 3 else None
        persons = parse_persons(parts[2]) if len(parts) == 3 else None
        if len(parts) != 3 or type(year) is not int or type(persons) is not int:
            problems.append(
                _("Regel %(line)s (‘%(text)s’): verwacht maatregel, jaar en totaal, bv. ‘DGK-JONG 2019 4443’.")
                % {"line": number, "text": cell_shown(line.strip())}
            )
            continue
        key = (parts[0].upper(), year)
        if key[0] not in codes:
            problems.append(
                _("Regel %(line)s: onbekende maatregel ‘%(measure)s’.") % {"line": number, "measure": parts[0]}
            )
            continue
        if key in seen:
            problems.append(
                _("Regel %(line)s: %(measure)s %(year)s staat er twee keer.")
                % {"line": number, "measure": key[0], "year": year}
            )
            continue
        seen.add(key)
        totals.append(PublishedTotal(key[0], year, persons))
    if problems:
        raise ValidationError(problems)
    return totals


class _SheetErrors(Errors):
    """Errors of the reshaped rows named by the supplier's file: its sheet, its own row and column."""

    def __init__(self, origins: _Origins) -> None:
        super().__init__()
        self.origins = origins

    def add(self, row: int, column: str, value: Any, message: str, *, sheet: str = "") -> None:
        if row <= 0 or row > len(self.origins.sheet):
            super().add(row, column, value, message, sheet=sheet)
            return
        i = row - 1
        self.add_at(self.origins.sheet[i], self.origins.row[i], self.origins.column_label(i, column), value, message)

    def add_at(self, sheet: int, row: int, column: str, value: Any, message: str) -> None:
        super().add(row, column, value, message, sheet=self.origins.sheet_label(sheet))

    def row_label(self, row: int) -> str:
        i = row - 1
        return str(self.origins.row[i]) if 0 <= i < len(self.origins.row) else str(row)

    def order(self, error: ImportRowError) -> Any:
        labels = self.origins.sheet_labels
        return (labels.index(error.sheet) if error.sheet in labels else -1, error.row)


class _Origins:
    """Where each reshaped row came from: sheet, the file's row, the column of its figure; and per sheet the
    columns of region, year and measure."""

    def __init__(self, several_sheets: bool) -> None:
        self.several = several_sheets
        self.sheet = array("h")
        self.row = array("q")
        self.column = array("h")
        self.sheet_names: list[str] = []
        self.sheet_labels: list[str] = []
        self.headers: list[list[str]] = []
        self.region_column: list[int] = []
        self.year_column: list[int] = []  # -1: from the sheet's name or the profile
        self.year_label: list[str] = []
        self.measure_column: list[int] = []  # long files: the measure's column, -1 when fixed

    def sheet_label(self, sheet: int) -> str:
        return self.sheet_labels[sheet] if 0 <= sheet < len(self.sheet_labels) else ""

    def label(self, sheet: int, position: int) -> str:
        if position < 0:
            return ""
        header = self.headers[sheet]
        name = header[position] if position < len(header) else ""
        letter = get_column_letter(position + 1)
        return f"{letter} ({name})" if name else letter

    def column_label(self, i: int, key: str) -> str:
        sheet = self.sheet[i]
        if key == "region":
            return self.label(sheet, self.region_column[sheet])
        if key == "year":
            return self.year_column_label(sheet)
        if key == "measure" and self.measure_column[sheet] >= 0:
            return self.label(sheet, self.measure_column[sheet])
        if key in ("persons", "measure", "estimated"):
            return self.label(sheet, self.column[i])
        return ""

    def year_column_label(self, sheet: int) -> str:
        position = self.year_column[sheet]
        return self.label(sheet, position) if position >= 0 else self.year_label[sheet]


@dataclass
class _Reshaped:
    file_totals: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))
    ignored_columns: list[str] = field(default_factory=list)
    ignored_rows: int = 0
    total_rows: int = 0
    empty_cells: int = 0
    preview: list[LongRow] = field(default_factory=list)


class _Reshaper:
    """The supplier's sheets as the long rows of a headcount file, lazily: (number, cells) with number = 1, 2, ...
    the index into `origins`."""

    def __init__(
        self, layout: Layout, kbo: str, sheets: Sequence[Sheet], errors: _SheetErrors, lookups: _Lookups
    ) -> None:
        self.layout, self.kbo, self.sheets, self.errors = layout, kbo, sheets, errors
        self.origins = errors.origins
        self.names = PlaceNames() if layout.region_by == "name" else None
        self.lookups = lookups  # the headcount parser's regions, loaded once for both
        self.code_problems: dict[tuple[str, int], str | None] = {}
        self.result = _Reshaped()
        self.ignore = tuple(text_key(t) for t in layout.ignore_rows)
        self.totals = tuple(text_key(t) for t in layout.total_rows)
        self.markers = {m.strip().casefold() for m in layout.markers}
        self.count = 0

    def rows(self) -> Iterator[tuple[int, Cells]]:
        for index, sheet in enumerate(self.sheets):
            yield from self._sheet(index, sheet)

    def _emit(self, sheet: int, row: int, column: int, cells: list[Any]) -> tuple[int, Cells]:
        origins = self.origins
        origins.sheet.append(sheet)
        origins.row.append(row)
        origins.column.append(column)
        self.count += 1
        if len(self.result.preview) < PREVIEW_ROWS:
            self.result.preview.append(
                LongRow(
                    sheet=origins.sheet_label(sheet),
                    row=row,
                    column=origins.label(sheet, column),
                    year=cells[0] if type(cells[0]) is int else cell_text(cells[0]),
                    measure=cell_text(cells[2]),
                    region=cell_text(cells[3]),
                    persons=cell_text(cells[4]),
                    estimated=bool(cells[5]),
                )
            )
        return self.count, cells

    def _header(self, index: int, sheet: Sheet) -> tuple[list[str], int] | None:
        layout = self.layout
        for number, cells in sheet.rows:
            if number <= layout.skip_rows or not any(cell_text(c) for c in cells):
                continue
            return [cell_text(c) for c in cells], number
        self.errors.add_at(
            index,
            0,
            "",
            "",
            _("geen kopregel gevonden na de %(skip)s overgeslagen rijen.") % {"skip": layout.skip_rows},
        )
        return None

    def _sheet(self, index: int, sheet: Sheet) -> Iterator[tuple[int, Cells]]:
        layout, origins, errors = self.layout, self.origins, self.errors
        origins.sheet_names.append(sheet.name)
        origins.sheet_labels.append(sheet.name if origins.several else "")
        origins.headers.append([])
        origins.region_column.append(-1)
        origins.year_column.append(-1)
        origins.year_label.append("")
        origins.measure_column.append(-1)
        found = self._header(index, sheet)
        if found is None:
            return
        header, header_row = found
        origins.headers[index] = header
        positions: dict[str, int] = {}
        for position, name in enumerate(header):
            if name:
                positions.setdefault(text_key(name), position)

        def column(name: str) -> int | None:
            position = positions.get(text_key(name))
            if position is None:
                errors.add_at(
                    index,
                    header_row,
                    "",
                    name,
                    _("de kolom ‘%(name)s’ van het profiel staat niet in de kopregel; de kolommen zijn: %(columns)s.")
                    % {"name": name, "columns": ", ".join(h for h in header if h) or "—"},
                )
            return position

        region_position = column(layout.region_column)
        year_position: int | None = -1
        fixed_year: int | str | None = layout.year
        if layout.year_from == "column":
            year_position = column(layout.year_column)
        elif layout.year_from == "sheet":
            match = YEAR_IN_NAME.search(sheet.name)
            origins.year_label[index] = _("bladnaam")
            if match is None:
                errors.add_at(
                    index,
                    0,
                    "",
                    sheet.name,
                    _("de bladnaam ‘%(name)s’ bevat geen jaartal; het profiel haalt het jaar uit de bladnaam.")
                    % {"name": sheet.name},
                )
                return
            fixed_year = int(match.group(1))
        else:
            origins.year_label[index] = _("jaar van het profiel")
        measures: list[tuple[str, int]] = []
        persons_position: int | None = None
        measure_position: int | None = -1
        if layout.shape == "wide":
            for name, measure_code in layout.measures.items():
                found_position = column(name)
                if found_position is not None:
                    measures.append((measure_code, found_position))
        else:
            persons_position = column(layout.persons_column)
            if layout.measure_column:
                measure_position = column(layout.measure_column)
        if region_position is None or year_position is None or measure_position is None:
            return
        if layout.shape == "long" and persons_position is None:
            return
        if layout.shape == "wide" and len(measures) < len(layout.measures):
            return
        origins.region_column[index] = region_position
        origins.year_column[index] = year_position
        origins.measure_column[index] = measure_position
        used = {region_position, year_position, measure_position, persons_position, *(p for _c, p in measures)}
        for position, name in enumerate(header):
            if name and position not in used:
                label = origins.label(index, position)
                self.result.ignored_columns.append(f"{origins.sheet_label(index)}: {label}".lstrip(": "))

        kbo, markers, estimate = self.kbo, self.markers, self.layout.estimate
        refuse = layout.treatment == "refuse"
        names = self.names
        for number, cells in sheet.rows:
            if not any(cell_text(c) for c in cells):
                continue
            width = len(cells)
            raw_region = cells[region_position] if region_position < width else None
            region_text = cell_text(raw_region)
            first = region_text or next((cell_text(c) for c in cells if cell_text(c)), "")
            key = text_key(first)
            if key and key.startswith(self.ignore) and self.ignore:
                self.result.ignored_rows += 1
                continue
            year: int | str | None = fixed_year
            if year_position >= 0:
                year = parse_year(cells[year_position] if year_position < width else None)
            if key and self.totals and key.startswith(self.totals):
                self._total_row(cells, year, measures, measure_position, persons_position)
                continue
            if not region_text:
                errors.add_at(
                    index,
                    number,
                    origins.label(index, region_position),
                    "",
                    _("de regio ontbreekt; verwacht een %(what)s.")
                    % {"what": _("gemeentenaam") if names is not None else _("NIS-code")},
                )
                continue
            if type(year) is str:
                errors.add_at(index, number, origins.year_column_label(index), cells[year_position], year)
                continue
            region: Any = raw_region
            if names is None:
                problem = self._code_problem(region_text, year)  # type: ignore[arg-type]  # ok: an int here
                if problem:
                    errors.add_at(index, number, origins.label(index, region_position), region_text, problem)
                    continue
            else:
                found_region = names.find(region_text, year)  # type: ignore[arg-type]  # ok: an int here
                if type(found_region) is str:
                    errors.add_at(index, number, origins.label(index, region_position), region_text, found_region)
                    continue
                region = found_region.code  # type: ignore[union-attr]  # ok: a Region here
            if layout.shape == "wide":
                for code, position in measures:
                    raw = cells[position] if position < width else None
                    text = cell_text(raw)
                    if not text:
                        self.result.empty_cells += 1
                        continue
                    estimated = 0
                    if text.casefold() in markers:
                        if refuse:
                            errors.add_at(index, number, origins.label(index, position), text, self._refused(text))
                            continue
                        raw, estimated = estimate, 1
                    yield self._emit(index, number, position, [year, kbo, code, region, raw, estimated])
            else:
                assert persons_position is not None
                raw = cells[persons_position] if persons_position < width else None
                text = cell_text(raw)
                estimated = 0
                if text.casefold() in markers:
                    if refuse:
                        errors.add_at(index, number, origins.label(index, persons_position), text, self._refused(text))
                        continue
                    raw, estimated = estimate, 1
                measure: Any = layout.measure
                if measure_position >= 0:
                    measure = cells[measure_position] if measure_position < width else None
                yield self._emit(index, number, persons_position, [year, kbo, measure, region, raw, estimated])

    def _code_problem(self, text: str, year: int) -> str | None:
        """Why a region code cannot hold this row's figures in `year`: one error per row, not one per column."""
        key = (text, year)
        if key not in self.code_problems:
            digits = text.isascii() and text.isdigit()
            index = self.lookups.region_index.get(text.zfill(5) if digits else text)
            region = None if index is None else self.lookups.regions[index]
            if region is not None:
                self.code_problems[key] = validation_message(check_region_exists, region, year)
            elif digits and len(text) <= 5:
                self.code_problems[key] = _(
                    "er is geen regio met NIS-code ‘%(value)s’ (Statbel); controleer de code."
                ) % {"value": text}
            else:
                self.code_problems[key] = _(
                    "‘%(value)s’ is geen NIS-code; dit profiel verwacht NIS-codes in deze kolom (of kies in het "
                    "profiel ‘gemeentenaam’)."
                ) % {"value": cell_shown(text)}
        return self.code_problems[key]

    def _refused(self, text: str) -> str:
        return _(
            "‘%(value)s’ is een verborgen klein aantal; dit profiel weigert verborgen aantallen. Vraag de leverancier "
            "het aantal, of laat het profiel ze als schatting bewaren."
        ) % {"value": text}

    def _total_row(
        self,
        cells: Cells,
        year: int | str | None,
        measures: list[tuple[str, int]],
        measure_position: int,
        persons_position: int | None,
    ) -> None:
        self.result.total_rows += 1
        if type(year) is not int:
            return
        width = len(cells)
        pairs: Iterable[tuple[Any, int]]
        if self.layout.shape == "wide":
            pairs = measures
        else:
            code = self.layout.measure
            if measure_position >= 0:
                code = cell_text(cells[measure_position]) if measure_position < width else ""
            pairs = [(code, persons_position)] if persons_position is not None else []
        for code, position in pairs:
            value = parse_persons(cells[position]) if position < width else ""
            if type(value) is int and code:
                self.result.file_totals[(year, str(code).upper())] += value


def supplier_import(
    *,
    data: bytes,
    filename: str,
    profile: ImportProfile,
    user: User | None,
    dry_run: bool = False,
    validate: bool = False,
    layout: dict[str, Any] | None = None,
    published_totals: Sequence[PublishedTotal] = (),
    accept_differences: bool = False,
    expected_versions: dict[str, int | None] | None = None,
    acting_user: User | None = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import a supplier's file through `profile` (its `layout`, or the given one: a dry run's copy), all or
    nothing; staff only. The figures go into the profile organisation's submissions, like a headcount file's.
    `published_totals`: totals staff typed; with a difference against them or the file's totals row nothing is
    written unless `accept_differences`. The report's `supplier` holds the reshaped rows' preview, the counts per
    year and measure and the reconciliation."""
    if not is_staff_member(user) or (acting_user is not None and not is_staff_member(acting_user)):
        raise PermissionDenied(_("Enkel POM-medewerkers kunnen leveranciersbestanden inlezen."))
    report = ImportReport(dry_run=dry_run)
    checked = layout_parse(profile.layout if layout is None else layout)
    organisation = profile.organisation
    summary = SupplierSummary(
        profile=profile.name, organisation=f"{organisation.name} ({format_kbo(organisation.kbo)})"
    )
    report.supplier = summary
    origins = _Origins(several_sheets=False)
    errors = _SheetErrors(origins)
    try:
        sheets = read_sheets(data, filename, wanted=checked.sheets, columns=60)
        origins.several = len(sheets) > 1
        summary.sheets = [sheet.name for sheet in sheets]
        lookups = _Lookups(None, user)
        reshaper = _Reshaper(checked, organisation.kbo, sheets, errors, lookups)
        table = Table(header_row=0, header=list(_KEYS), rows=reshaper.rows(), estimate=0)
        report.rows, parsed = _parse_headcounts(table, _HEADER, lookups, errors, progress)
    except Refused as refused:
        errors.refuse(refused.row, refused.message)
        report.errors = errors.result()
        return report
    reshaped = reshaper.result
    summary.rows = reshaped.preview
    summary.long_rows = report.rows
    summary.ignored_columns = list(dict.fromkeys(reshaped.ignored_columns))
    summary.ignored_rows, summary.total_rows = reshaped.ignored_rows, reshaped.total_rows
    summary.empty_cells = reshaped.empty_cells
    summary.counts, summary.reconciliation = _reconcile(parsed, lookups, reshaped.file_totals, published_totals)
    summary.differences = any(line.difference for line in summary.reconciliation)
    summary.differences_accepted = summary.differences and accept_differences
    if not report.rows and not errors:
        errors.add(
            0, "", "", _("Het profiel vond geen cijfers in dit bestand; controleer de overgeslagen rijen en kolommen.")
        )
    if summary.differences and not accept_differences and not dry_run:
        errors.refuse(0, differences_message(summary.reconciliation))
    return headcounts_store_report(
        parsed,
        lookups,
        report,
        errors,
        context={
            "source": "supplier-import",
            "file": PurePath(filename).name,
            "profile": profile.name,
            "reconciliation": [asdict(line) for line in summary.reconciliation],
            "differences_accepted": summary.differences_accepted,
        },
        dry_run=dry_run,
        validate=validate,
        user=user,
        acting_user=acting_user,
        expected_versions=expected_versions,
        progress=progress,
    )


def _reconcile(
    parsed: Any,
    lookups: _Lookups,
    file_totals: dict[tuple[int, str], int],
    published_totals: Sequence[PublishedTotal],
) -> tuple[list[CountLine], list[ReconciliationLine]]:
    year_of_pair = {pair: year for (_organisation, year), pair in parsed.pairs.items()}
    rows: dict[tuple[int, str], int] = defaultdict(int)
    persons: dict[tuple[int, str], int] = defaultdict(int)
    estimates: dict[tuple[int, str], int] = defaultdict(int)
    codes = [m.code for m in lookups.measures]
    for pair, measure, value, estimated in zip(
        parsed.pair, parsed.measure, parsed.persons, parsed.estimated, strict=True
    ):
        key = (year_of_pair[pair], codes[measure])
        rows[key] += 1
        persons[key] += value
        estimates[key] += estimated
    counts = [CountLine(y, m, rows[(y, m)], persons[(y, m)], estimates[(y, m)]) for y, m in sorted(rows)]
    code_of = {code.upper(): code for code in codes}
    references = {(year, code_of.get(code, code), "file"): total for (year, code), total in file_totals.items()}
    for typed in published_totals:  # beside the file's own total of that measure and year, if it has one
        references[(typed.year, code_of.get(typed.measure, typed.measure), "typed")] = typed.total
    lines = [
        ReconciliationLine(
            year=year,
            measure=code,
            source=source,
            supplier_total=total,
            imported=persons.get((year, code), 0),
            difference=persons.get((year, code), 0) - total,
            estimates=estimates.get((year, code), 0),
        )
        for (year, code, source), total in sorted(references.items())
    ]
    return counts, lines


def differences_message(lines: Sequence[ReconciliationLine]) -> str:
    shown = "; ".join(
        _("%(measure)s %(year)s: leverancier %(total)s, ingelezen %(imported)s, verschil %(difference)s")
        % {
            "measure": line.measure,
            "year": line.year,
            "total": number_shown(line.supplier_total),
            "imported": number_shown(line.imported),
            "difference": f"{line.difference:+d}",
        }
        for line in lines
        if line.difference
    )
    return _(
        "De cijfers wijken af van de totalen van de leverancier (%(lines)s); er is niets ingelezen. Aanvaard de "
        "verschillen uitdrukkelijk om toch in te lezen."
    ) % {"lines": shown}
