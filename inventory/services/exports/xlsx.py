"""XLSX, written row by row with openpyxl's write-only mode."""

from __future__ import annotations

from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from inventory.services.exports.builders import Export
from inventory.services.exports.cells import batches, cell_text, converter, escape_cell

XLSX_MAX_ROWS = 1_048_576


def xlsx_write(export: Export, out: IO[bytes]) -> None:
    """Sheet `gegevens` (continued on `gegevens 2`, ... past Excel's row limit), sheet `metadata` and, when the
    metadata name measures, sheet `maatregelen`, written row by row with openpyxl's write-only mode."""
    workbook = Workbook(write_only=True)
    convert = converter(export.columns, for_json=True)
    bold = Font(bold=True)
    sheet, used, number = None, XLSX_MAX_ROWS, 0
    for batch in batches(export.rows()):
        for row in batch:
            if used == XLSX_MAX_ROWS:
                number += 1
                sheet = workbook.create_sheet("gegevens" if number == 1 else f"gegevens {number}")
                _xlsx_header(sheet, export, bold)
                used = 1
            sheet.append(convert(row))  # type: ignore[union-attr]  # the first row made the sheet
            used += 1
    if sheet is None:
        _xlsx_header(workbook.create_sheet("gegevens"), export, bold)
    info = workbook.create_sheet("metadata")
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 80
    for key, value in export.meta.items():
        info.append([escape_cell(key), escape_cell(cell_text(value))])
    if export.meta.get("measures"):
        _measures_sheet(workbook.create_sheet("maatregelen"), export.meta["measures"], bold)
    workbook.save(out)


def _measures_sheet(sheet: Any, measures: list[dict[str, Any]], bold: Font) -> None:
    """The metadata's measures (also a JSON cell of sheet `metadata`, like every list there) as a table to read:
    code, name and counted_at, whether the source counts a person where they live or where they work."""
    columns = list(measures[0])
    for i, column in enumerate(columns):
        sheet.column_dimensions[get_column_letter(i + 1)].width = 80 if column == "name" else 14
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for measure in measures:
        sheet.append([escape_cell(cell_text(measure[column])) for column in columns])


def _xlsx_header(sheet: Any, export: Export, bold: Font) -> None:
    for i, column in enumerate(export.columns):
        sheet.column_dimensions[get_column_letter(i + 1)].width = 28 if column.name.endswith("name") else 14
    sheet.freeze_panes = "A2"
    cells = []
    for name in export.column_names:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
