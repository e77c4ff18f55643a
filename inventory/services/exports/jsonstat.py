"""JSON-stat 2.0, one dataset with a sparse value object."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from inventory.services.exports.builders import SOURCE, Export, require_statistical
from inventory.services.exports.cells import Row, batches, escaped_meta


def jsonstat_chunks(export: Export) -> Iterator[str]:
    """One JSON-stat 2.0 dataset. Two passes over the rows: the categories first (few), then the values; a
    public file makes a third pass for the marks of hidden cells. Refuses a list at once."""
    require_statistical(export, "JSON-stat")
    return _jsonstat_chunks(export)


def _jsonstat_chunks(export: Export) -> Iterator[str]:
    dimensions = export.dimensions
    categories: list[dict[str, str]] = [{} for _d in dimensions]
    for row in export.rows():
        for dimension, seen in zip(dimensions, categories, strict=True):
            code = dimension.code(row)
            if code not in seen:
                seen[code] = dimension.category_label(row)
    ordered = [
        sorted(seen, key=d.sort_key) if d.sort_key else list(seen)
        for d, seen in zip(dimensions, categories, strict=True)
    ]
    positions = [{code: i for i, code in enumerate(codes)} for codes in ordered]
    sizes = [len(codes) for codes in ordered]
    strides = [1] * len(sizes)
    for i in range(len(sizes) - 2, -1, -1):
        strides[i] = strides[i + 1] * sizes[i + 1]
    head: dict[str, Any] = {
        "version": "2.0",
        "class": "dataset",
        "label": export.title,
        "source": SOURCE,
        "updated": export.meta["generated_at"],
        "id": [d.id for d in dimensions],
        "size": sizes,
        "role": {"time": ["year"], "geo": ["region"]},
        "dimension": {
            d.id: {
                "label": d.label,
                "category": {
                    "index": positions[i],
                    "label": {code: categories[i][code] for code in ordered[i]},
                },
            }
            for i, d in enumerate(dimensions)
        },
        "extension": {"metadata": export.meta},
    }
    if export.public:
        head["note"] = [f"{mark}: {text}" for mark, text in export.meta["legend"].items()]
    # Every text of the head escaped, the category ids (codes, as in SDMX-CSV) as well as their labels.
    head = escaped_meta(head)
    value_at = export.index(export.value_column)

    def flat_index(row: Row) -> int:
        return sum(
            positions[i][d.code(row)] * strides[i] for i, d in enumerate(dimensions)
        )  # row-major, as JSON-stat wants

    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "value": {'
    separator = ""
    for batch in batches(export.rows()):
        parts = []
        for row in batch:
            value = row[value_at]
            parts.append(f'{separator}"{flat_index(row)}": {"null" if isinstance(value, str) else int(value)}')
            separator = ","
        yield "".join(parts)
    yield "}"
    if export.public:
        yield ', "status": {'
        separator = ""
        for row in export.rows():
            value = row[value_at]
            if isinstance(value, str):
                yield f"{separator}{json.dumps(str(flat_index(row)))}: {json.dumps(value)}"
                separator = ","
        yield "}"
    yield "}\n"
