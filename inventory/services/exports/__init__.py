"""Exports of aggregates and headcounts for coordinators: streamed in constant memory, every file with its
metadata, every text cell that a spreadsheet would run as a formula escaped.

Formats (FORMATS, README "Exports"):
- `csv`: comma, UTF-8, LF, the header on the first line (the columns of DESIGN.md, so that programs read it
  as it is; scope and computed_at are columns of every aggregate row);
- `excel-nl`: for a Dutch-language Excel: UTF-8 BOM, semicolon, CRLF, decimal comma, local times, and a
  metadata block of `# key;value` lines before the header;
- `xlsx`: sheet `gegevens` (the rows) and sheet `metadata`; written with openpyxl's write-only mode;
- `json`: `{"meta": {...}, "results": [{column: value, ...}, ...]}`;
- `sdmx`: SDMX-CSV 1.0 (header first, as the standard wants: the metadata travel as attribute columns
  PREPARED, EDITION, COMPUTED_AT, OBS_STATUS and CONF_STATUS); dataflows POMWVL:INVENTARIS_SE(1.0)
  (aggregates) and POMWVL:INVENTARIS_SE_TELLINGEN(1.0) (headcounts);
- `jsonstat`: one JSON-stat 2.0 dataset; `value` is a sparse object keyed by the flat index (most
  combinations of region, measure and year hold no figure), metadata under `extension.metadata`.

The statistical formats (sdmx, jsonstat) need an export with dimensions: the aggregates and the headcounts
have them, the lists of organisations and measures (organisations_export, measures_export) do not, so those
refuse them (UnsupportedFormat) and `export_formats` leaves them out.

A list page (views/tables.py) exports exactly the rows it shows: it hands its filtered queryset to the
builder (`queryset=`), which then selects those rows in the export's shape.

A public file (public=True) hides small counts (services/suppression.py): "<5" and "x" in the count columns
of csv, excel-nl, xlsx and json; an empty OBS_VALUE with CONF_STATUS C (primary) or D (secondary) in SDMX;
a null value with the mark in `status` in JSON-stat.
"""

from inventory.services.exports.builders import (
    SOURCE,
    Export,
    UnsupportedFormat,
    aggregates_export,
    headcounts_export,
    measures_export,
    organisations_export,
)
from inventory.services.exports.cells import escape_cell
from inventory.services.exports.csv_files import csv_chunks
from inventory.services.exports.json_files import json_chunks
from inventory.services.exports.jsonstat import jsonstat_chunks
from inventory.services.exports.registry import FORMATS, Format, export_filename, export_formats, export_write
from inventory.services.exports.sdmx import sdmx_chunks
from inventory.services.exports.xlsx import xlsx_write

__all__ = [
    "FORMATS",
    "SOURCE",
    "Export",
    "Format",
    "UnsupportedFormat",
    "aggregates_export",
    "csv_chunks",
    "escape_cell",
    "export_filename",
    "export_formats",
    "export_write",
    "headcounts_export",
    "json_chunks",
    "jsonstat_chunks",
    "measures_export",
    "organisations_export",
    "sdmx_chunks",
    "xlsx_write",
]
