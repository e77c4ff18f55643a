"""SDMX-CSV 1.0."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from inventory.services import suppression
from inventory.services.exports.builders import Export, require_statistical
from inventory.services.exports.cells import Sink, batches, cell_text, escape_cell


def sdmx_chunks(export: Export) -> Iterator[str]:
    """SDMX-CSV 1.0: DATAFLOW, the dimensions, OBS_VALUE, then attributes. Refuses a list at once."""
    require_statistical(export, "SDMX-CSV")
    return _sdmx_chunks(export)


def _sdmx_chunks(export: Export) -> Iterator[str]:
    sink = Sink()
    writer = csv.writer(sink.buffer, lineterminator="\n")
    attributes = export.sdmx_attributes
    writer.writerow(
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
    yield sink.take()
    value_at = export.index(export.value_column)
    prepared = export.meta["generated_at"]
    edition = export.meta["edition"] or ""
    flow = export.dataflow
    primary = suppression.primary_mark()
    for batch in batches(export.rows()):
        for row in batch:
            value = row[value_at]
            hidden = isinstance(value, str)
            writer.writerow(
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
        yield sink.take()
