"""The formats by id, and writing an export in one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, cast

from django.utils import timezone
from django.utils.text import slugify

from inventory.services.exports.builders import Export, require_statistical
from inventory.services.exports.csv_files import csv_chunks
from inventory.services.exports.json_files import json_chunks
from inventory.services.exports.jsonstat import jsonstat_chunks
from inventory.services.exports.sdmx import sdmx_chunks
from inventory.services.exports.xlsx import xlsx_write


@dataclass(frozen=True)
class Format:
    id: str
    label: str
    extension: str
    content_type: str
    chunks: Callable[[Export], Iterator[str]] | None = field(default=None, repr=False)
    # Needs an export with dimensions (Export.statistical).
    statistical: bool = False

    @property
    def binary(self) -> bool:
        return self.chunks is None


FORMATS: dict[str, Format] = {
    f.id: f
    for f in (
        Format("csv", "CSV", "csv", "text/csv; charset=utf-8", csv_chunks),
        Format(
            "excel-nl",
            "Excel (nl-BE) CSV",
            "csv",
            "text/csv; charset=utf-8",
            lambda export: csv_chunks(export, excel_nl=True),
        ),
        Format("xlsx", "Excel (XLSX)", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        Format("json", "JSON", "json", "application/json", json_chunks),
        Format(
            "sdmx",
            "SDMX-CSV",
            "csv",
            "application/vnd.sdmx.data+csv; version=1.0.0; charset=utf-8",
            sdmx_chunks,
            statistical=True,
        ),
        Format("jsonstat", "JSON-stat 2.0", "json", "application/json", jsonstat_chunks, statistical=True),
    )
}


def export_formats(export: Export) -> list[Format]:
    """The formats that can hold this export: all of them, or for a list all but SDMX and JSON-stat."""
    return [f for f in FORMATS.values() if export.statistical or not f.statistical]


# What a file name says after its name, so that two files of one export in different formats never share a name.
FILENAME_SUFFIXES = {"sdmx": "-sdmx", "excel-nl": "-excel", "jsonstat": "-jsonstat"}


def export_filename(export: Export, fmt: Format) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = {
        "aggregates": "aggregaten",
        "headcounts": "tellingen",
        "organisations": "organisaties",
        "measures": "maatregelen",
    }[export.dataset]
    suffix = FILENAME_SUFFIXES.get(fmt.id, "")
    scope = f"-{export.meta['scope']}" if export.meta.get("scope") else ""
    if export.meta.get("edition"):
        scope = f"-{slugify(export.meta['edition'])}"
    public = "-publiek" if export.public else ""
    return f"inventaris-{name}{scope}{public}-{stamp}{suffix}.{fmt.extension}"


def export_write(export: Export, fmt: Format, out: IO[str] | IO[bytes]) -> None:
    """Write the whole file to `out` (text for the streamed formats, binary for XLSX)."""
    if fmt.statistical:
        require_statistical(export, fmt.label)
    if fmt.chunks is None:
        xlsx_write(export, cast("IO[bytes]", out))
        return
    for chunk in fmt.chunks(export):
        cast("IO[str]", out).write(chunk)
