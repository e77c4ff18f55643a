"""JSON: the metadata and a list of rows."""

from __future__ import annotations

import json
from collections.abc import Iterator

from inventory.services.exports.builders import Export
from inventory.services.exports.cells import batches, converter, escaped_meta


def json_chunks(export: Export) -> Iterator[str]:
    names = export.column_names
    convert = converter(export.columns, for_json=True)
    yield '{"meta": ' + json.dumps(escaped_meta(export.meta), ensure_ascii=False) + ', "results": ['
    separator = ""
    for batch in batches(export.rows()):
        text = json.dumps([dict(zip(names, convert(row), strict=True)) for row in batch], ensure_ascii=False)
        yield separator + text[1:-1]
        separator = ","
    yield "]}\n"
