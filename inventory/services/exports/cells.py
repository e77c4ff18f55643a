"""Cells of an export file: what is escaped and how values are written."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from itertools import islice
from typing import Any

from django.utils import timezone

from inventory.constants import FORMULA_STARTS

FORMULA_FIRST = frozenset(FORMULA_STARTS)


# Rows written per chunk of a streamed file: big enough to keep per-chunk overhead small.
BATCH_ROWS = 2000


Row = Sequence[Any]


def escape_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class Kind(StrEnum):
    TEXT = "text"
    # Text the database constrains to digits or choices: nothing to escape.
    CODE = "code"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATETIME = "datetime"
    # true/false in text files, a boolean in JSON and XLSX.
    BOOLEAN = "boolean"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT


def cell_text(value: Any) -> str:
    """A metadata or attribute value as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def converter(
    columns: Sequence[Column], *, decimal_comma: bool = False, local_times: bool = False, for_json: bool = False
) -> Callable[[Row], list[Any]]:
    """A function that makes a row writable: formulas escaped, decimals and times as the format wants. Only
    the columns that need work are visited, since this runs once per row of a million-row file."""
    text = [i for i, c in enumerate(columns) if c.kind == Kind.TEXT]
    decimals = [i for i, c in enumerate(columns) if c.kind == Kind.DECIMAL]
    times = [i for i, c in enumerate(columns) if c.kind == Kind.DATETIME]
    booleans = [] if for_json else [i for i, c in enumerate(columns) if c.kind == Kind.BOOLEAN]
    first = FORMULA_FIRST

    def decimal(value: Decimal) -> Any:
        if for_json:
            return float(value)
        return str(value).replace(".", ",") if decimal_comma else str(value)

    def moment(value: dt.datetime) -> str:
        if local_times:
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")

    def convert(row: Row) -> list[Any]:
        out = list(row)
        for i in text:
            value = out[i]
            if value and value[0] in first:
                out[i] = "'" + value
        for i in decimals:
            value = out[i]
            if value is not None and not isinstance(value, str):
                out[i] = decimal(value)
        for i in times:
            value = out[i]
            if value is not None:
                out[i] = moment(value)
        for i in booleans:
            value = out[i]
            if value is not None:
                out[i] = "true" if value else "false"
        return out

    return convert


def batches(rows: Iterable[Row], size: int = BATCH_ROWS) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def escaped_meta(value: Any) -> Any:
    """Metadata (or any JSON) with every text escaped, keys included: a JSON-stat category id is a measure or
    grouping code that staff type, and a program that turns JSON into a sheet makes cells of keys too."""
    if isinstance(value, dict):
        return {escape_cell(k): escaped_meta(v) for k, v in value.items()}
    if isinstance(value, list):
        return [escaped_meta(v) for v in value]
    return escape_cell(value)


class CsvText:
    """Rows as CSV text, a chunk at a time, with LF line ends or (crlf) CRLF.

    The csv module quotes only the characters of its line terminator, so with LF it would leave a CR inside a
    value unquoted, and a spreadsheet starts a new row there, whose first cell may be a formula ("x\r=1+1").
    It writes CRLF, which quotes both, as PostgreSQL's COPY does; for LF the line ends are turned back."""

    def __init__(self, *, delimiter: str = ",", crlf: bool = False) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, delimiter=delimiter, lineterminator="\r\n")
        self._crlf = crlf

    def _take(self) -> str:
        value = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return value

    def rows(self, rows: Sequence[Row]) -> str:
        self._writer.writerows(rows)
        text = self._take()
        if self._crlf:
            return text
        if text.count("\r") == len(rows):  # every CR ends a line: the usual case, one replace per batch
            return text.replace("\r\n", "\n")
        lines = []
        for row in rows:
            self._writer.writerow(row)
            lines.append(self._take()[:-2] + "\n")
        return "".join(lines)

    def row(self, row: Row) -> str:
        return self.rows([row])
