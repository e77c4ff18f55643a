"""Exports: streamed, in constant memory, every text cell that a spreadsheet would run as a formula escaped."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook

# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx", "json")


def escape_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class _Line:
    """A file-like sink that hands back what csv.writer wrote, one row at a time."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def take(self) -> str:
        value = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return value


def csv_stream(rows: Iterable[dict[str, Any]], columns: list[str]) -> Iterator[str]:
    line = _Line()
    writer = csv.writer(line.buffer, lineterminator="\n")
    writer.writerow(columns)
    yield line.take()
    for row in rows:
        writer.writerow(["" if row[c] is None else escape_cell(_plain(row[c])) for c in columns])
        yield line.take()


def json_stream(rows: Iterable[dict[str, Any]], meta: dict[str, Any]) -> Iterator[str]:
    yield '{"meta": ' + json.dumps(meta, default=str) + ', "results": ['
    for i, row in enumerate(rows):
        yield ("," if i else "") + json.dumps({k: escape_cell(_plain(v)) for k, v in row.items()})
    yield "]}\n"


def xlsx_write(rows: Iterable[dict[str, Any]], columns: list[str], meta: dict[str, Any], out: IO[bytes]) -> None:
    workbook = Workbook(write_only=True)
    data = workbook.create_sheet("gegevens")
    data.append(columns)
    for row in rows:
        data.append([escape_cell(_plain(row[c])) for c in columns])
    info = workbook.create_sheet("metadata")
    for key, value in meta.items():
        info.append([key, escape_cell(_plain(value))])
    workbook.save(out)
