"""A headcount file to start from: the header the importer reads (headers.HEADCOUNT_COLUMNS, in Dutch) and, for an
organisation user, one row per measure each of their organisations reports, to fill in and upload."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from inventory.models import Measure, Organisation
from inventory.services.exports.cells import escape_cell
from inventory.services.imports.headers import HEADCOUNT_COLUMNS

TEMPLATE_FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class OrganisationMeasures:
    """An organisation with the measures its kind reports in `year` (Measure.for_kind), as the portal's rows."""

    organisation: Organisation
    measures: list[Measure]


def template_organisations(*, organisations: QuerySet[Organisation], year: int | None) -> list[OrganisationMeasures]:
    """Each organisation (by name) with its measures for `year` (none without a year). Two queries."""
    listed = list(organisations.select_related("home_region").order_by("name").distinct())
    measures = list(Measure.objects.valid_in(year).order_by("trede", "group", "code")) if year is not None else []
    return [
        OrganisationMeasures(organisation, [m for m in measures if organisation.kind in m.reporter_kinds])
        for organisation in listed
    ]


def headcount_template(*, organisations: Sequence[OrganisationMeasures], year: int | None) -> list[list[object]]:
    """The header row, then per organisation and measure: year, KBO number, measure code, home municipality's
    code, and persons and VTE left empty (an empty number of persons is refused: nothing goes in unfilled)."""
    rows: list[list[object]] = [[column.dutch for column in HEADCOUNT_COLUMNS]]
    for entry in organisations:
        organisation = entry.organisation
        for measure in entry.measures:
            example = {
                "year": year,
                "organisation": organisation.kbo_display,
                "measure": escape_cell(measure.code),
                "region": organisation.home_region.code,
            }
            rows.append([example.get(column.key, "") for column in HEADCOUNT_COLUMNS])
    return rows


def template_csv(rows: list[list[object]]) -> bytes:
    """UTF-8 with a BOM and `;` between the columns, as Excel in Belgium writes and opens CSV (the importer reads
    both)."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(rows: list[list[object]]) -> bytes:
    """One sheet, the header in bold; every value but the year as text, so a KBO number or code keeps its zeros."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has its sheet
    sheet.title = "tellingen"
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number in range(1, len(rows[0]) + 1):
        sheet.column_dimensions[get_column_letter(number)].width = 16
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
