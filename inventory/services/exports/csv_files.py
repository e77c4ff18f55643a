"""CSV and Excel (nl-BE) CSV; streamed through PostgreSQL's COPY when no Python is needed per row."""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, CharField, F, Func, TextField, Value, When
from django.db.models.functions import Cast, Concat, NullIf, Replace

from inventory.constants import FORMULA_STARTS
from inventory.services.exports.builders import Export
from inventory.services.exports.cells import CsvText, Kind, batches, cell_text, converter, escape_cell

if TYPE_CHECKING:
    from django.db.backends.postgresql.operations import DatabaseOperations


def csv_chunks(export: Export, *, excel_nl: bool = False, use_copy: bool = True) -> Iterator[str]:
    """The export as CSV text, a chunk per batch of rows; excel_nl: BOM, ';', CRLF, decimal comma.

    A file that needs no Python per row (not public) streams through PostgreSQL's COPY, with the same
    escaping done in SQL: a server-side cursor plus the csv module manage about half the rows per second."""
    delimiter = ";" if excel_nl else ","
    out = CsvText(delimiter=delimiter, crlf=excel_nl)
    if excel_nl:
        yield "\ufeff" + out.rows([[f"# {key}", escape_cell(cell_text(value))] for key, value in export.meta.items()])
    yield out.row(export.column_names)
    if use_copy and export.queryset is not None:
        yield from _copy_chunks(export, delimiter=delimiter, excel_nl=excel_nl)
        return
    convert = converter(export.columns, decimal_comma=excel_nl, local_times=excel_nl)
    for batch in batches(export.rows()):
        yield out.rows(list(map(convert, batch)))


# PostgreSQL's version of escape_cell, made from the same characters.
_FORMULA_REGEX = "^[" + "".join(sorted(FORMULA_STARTS, key=lambda c: c == "-")) + "]"


COPY_CHUNK_BYTES = 64 * 1024


def _copy_select(export: Export, *, excel_nl: bool) -> tuple[str, Sequence[Any]]:
    """The export's query with every column as the CSV file wants it: text escaped, decimals and times
    formatted."""
    assert export.queryset is not None
    qs = export.queryset()
    names = []
    for column, name in zip(export.columns, export.fields, strict=True):
        alias = f"csv_{column.name}"
        if column.kind == Kind.TEXT:
            # NULLIF: COPY quotes an empty string ("") where the csv module writes nothing.
            expression: Any = NullIf(
                Case(
                    When(**{f"{name}__regex": _FORMULA_REGEX}, then=Concat(Value("'"), F(name))),
                    default=F(name),
                    output_field=CharField(),
                ),
                Value(""),
            )
        elif column.kind == Kind.BOOLEAN:
            expression = Case(
                When(**{name: True}, then=Value("true")),
                When(**{name: False}, then=Value("false")),
                output_field=CharField(),
            )
        elif column.kind == Kind.DECIMAL and excel_nl:
            expression = Replace(Cast(F(name), TextField()), Value("."), Value(","), output_field=TextField())
        elif column.kind == Kind.DATETIME:
            zone, pattern = (
                (settings.TIME_ZONE, "YYYY-MM-DD HH24:MI:SS")
                if excel_nl
                else ("UTC", 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')
            )
            expression = Func(
                Func(Value(zone), F(name), function="timezone"),
                Value(pattern),
                function="to_char",
                output_field=CharField(),
            )
        else:
            expression = F(name)
        qs = qs.annotate(**{alias: expression})
        names.append(alias)
    return qs.values_list(*names).query.sql_with_params()


def _copy_chunks(export: Export, *, delimiter: str, excel_nl: bool) -> Iterator[str]:
    select, params = _copy_select(export, excel_nl=excel_nl)
    statement = cast("DatabaseOperations", connection.ops).compose_sql(
        f"COPY ({select}) TO STDOUT WITH (FORMAT csv, DELIMITER '{delimiter}')", params
    )
    decoder = codecs.getincrementaldecoder("utf-8")()
    pending: list[bytes] = []
    size = 0
    # A download stopped halfway cancels the COPY; the savepoint keeps an enclosing transaction usable.
    with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for block in copy:
            pending.append(bytes(block))
            size += len(block)
            if size >= COPY_CHUNK_BYTES:
                text = decoder.decode(b"".join(pending))
                yield text.replace("\n", "\r\n") if excel_nl else text
                pending, size = [], 0
    text = decoder.decode(b"".join(pending), final=True)
    yield text.replace("\n", "\r\n") if excel_nl else text
