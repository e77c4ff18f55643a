"""SDMX-CSV 1.0."""

from __future__ import annotations

from collections.abc import Iterator

from inventory.services import suppression
from inventory.services.exports.builders import Export, require_statistical
from inventory.services.exports.cells import CsvText, batches, cell_text, escape_cell


def sdmx_chunks(export: Export) -> Iterator[str]:
    """SDMX-CSV 1.0: DATAFLOW, the dimensions, OBS_VALUE, then attributes. Refuses a list at once."""
    require_statistical(export, "SDMX-CSV")
    return _sdmx_chunks(export)


def _sdmx_chunks(export: Export) -> Iterator[str]:
    out = CsvText()
    attributes = export.sdmx_attributes
    yield out.row(
        [
            "DATAFLOW",
            *(d.sdmx for d in export.dimensions),
            "OBS_VALUE",
            *(name for name, _f in attributes),
            "CONF_STATUS",
            "PREPARED",
            "EDITION",
        ]
    )
    value_at = export.index(export.value_column)
    # Attributes from the metadata are text like any other cell: an edition named "=HYPERLINK(...)" stays text.
    prepared = escape_cell(cell_text(export.meta["generated_at"]))
    edition = escape_cell(cell_text(export.meta["edition"]))
    flow = export.dataflow
    primary = suppression.primary_mark()
    for batch in batches(export.rows()):
        lines = []
        for row in batch:
            value = row[value_at]
            hidden = isinstance(value, str)
            lines.append(
                [
                    flow,
                    *(escape_cell(d.code(row)) for d in export.dimensions),
                    "" if hidden else value,
                    *("" if hidden and name == "VTE" else escape_cell(cell_text(f(row))) for name, f in attributes),
                    ("C" if value == primary else "D") if hidden else "F",
                    prepared,
                    edition,
                ]
            )
        yield out.rows(lines)
