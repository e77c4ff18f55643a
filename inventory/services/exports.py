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

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from itertools import islice
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, CharField, F, Func, QuerySet, TextField, Value, When
from django.db.models.functions import Cast, Concat, NullIf, Replace
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from inventory.models import Aggregate, Edition, Headcount, Measure, Organisation, Scope, SubmissionStatus, Trede
from inventory.selectors import (
    AGGREGATE_COLUMNS,
    AGGREGATE_FIELDS,
    CHUNK_SIZE,
    HEADCOUNT_COLUMNS,
    HEADCOUNT_FIELDS,
    AggregateFilters,
    aggregate_queryset,
    aggregate_values,
    aggregate_years,
    aggregates_freshness,
    edition_aggregate_queryset,
    edition_headcount_queryset,
    headcount_queryset,
    headcount_shape,
    headcount_values,
    headcounts_last_changed,
)
from inventory.services import suppression

# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
SOURCE = "POM West-Vlaanderen, Inventaris sociale economie"
AGGREGATES_DATAFLOW = "POMWVL:INVENTARIS_SE(1.0)"
HEADCOUNTS_DATAFLOW = "POMWVL:INVENTARIS_SE_TELLINGEN(1.0)"
# Rows written per chunk of a streamed file: big enough to keep per-chunk overhead small.
BATCH_ROWS = 2000
XLSX_MAX_ROWS = 1_048_576
TOTAL = "_T"

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


@dataclass(frozen=True)
class Dimension:
    """A dimension of the statistical formats: JSON-stat id, SDMX column, label, and how a row gives its
    category (code and label)."""

    id: str
    sdmx: str
    label: str
    code: Callable[[Row], str]
    category_label: Callable[[Row], str]
    # None keeps the categories in the order the rows bring them (year, region, trede, group, measure).
    sort_key: Callable[[str], Any] | None = None


@dataclass(frozen=True)
class Export:
    """What a file holds: columns, rows (a fresh iterator on every call, tuples in column order) and
    metadata, plus how the statistical formats read the rows (none for a plain list: no dimensions)."""

    dataset: str
    title: str
    columns: tuple[Column, ...]
    rows: Callable[[], Iterator[Row]]
    meta: dict[str, Any]
    value_column: str = ""
    dataflow: str = ""
    dimensions: tuple[Dimension, ...] = ()
    # SDMX attribute columns after OBS_VALUE (besides CONF_STATUS, PREPARED and EDITION).
    sdmx_attributes: tuple[tuple[str, Callable[[Row], Any]], ...] = ()
    public: bool = False
    # The rows as a queryset and its names for the columns: lets the CSV dialects stream through COPY.
    queryset: Callable[[], QuerySet[Any]] | None = None
    fields: tuple[str, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def statistical(self) -> bool:
        """Whether SDMX-CSV and JSON-stat can describe it: a value column and dimensions."""
        return bool(self.dimensions)

    def index(self, name: str) -> int:
        return self.column_names.index(name)


# --- building exports ----------------------------------------------------------------------------------------


def _metadata(
    *,
    dataset: str,
    title: str,
    filters: AggregateFilters,
    public: bool,
    freshness: dict[str, Any],
    dataflow: str,
    extra_filters: Mapping[str, Any] | None = None,
    edition: Edition | None = None,
) -> dict[str, Any]:
    chosen = {"year": filters.years, "region": filters.regions, "trede": filters.treden, "measure": filters.measures}
    chosen.update(extra_filters or {})
    meta: dict[str, Any] = {
        "dataset": dataset,
        "title": title,
        "source": SOURCE,
        "scope": filters.scope,
        "filters": {name: values for name, values in chosen.items() if values},
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "freshness": freshness,
        "edition": edition.name if edition else None,
        "public": public,
        "sdmx_dataflow": dataflow,
    }
    if public:
        meta["small_cell_threshold"] = suppression.small_cell_threshold()
        meta["legend"] = suppression.legend()
    return meta


def _trede_code(trede: int | None) -> str:
    return TOTAL if trede is None else str(trede)


def _trede_label(trede: int | None) -> str:
    return _("treden 3-5 (totaal)") if trede is None else str(Trede(trede).label)


def _group_code(group: str) -> str:
    return "G_" + re.sub(r"[^A-Z0-9]+", "_", slugify(group).upper())


def _edition_freshness(edition: Edition) -> dict[str, Any]:
    """An edition never changes: it says when it was published instead of when figures were computed."""
    return {
        "edition": edition.name,
        "published_on": edition.published_on.isoformat(),
        "frozen_at": edition.created_at.isoformat(timespec="seconds"),
    }


def _check_selection(queryset: QuerySet[Any] | None, *, public: bool, edition: Edition | None) -> None:
    if queryset is not None and public:
        # Small-count protection works on whole tables (secondary suppression), not on a page's selection.
        raise ValueError("a public export is built from filters, not from a selection")
    if queryset is not None and edition is not None:
        raise ValueError("an edition is exported by filters, not from a selection of live rows")


def aggregates_export(
    *,
    filters: AggregateFilters,
    public: bool = False,
    queryset: QuerySet[Aggregate] | None = None,
    extra_filters: Mapping[str, Any] | None = None,
    edition: Edition | None = None,
) -> Export:
    """The aggregates in the API's shape (AGGREGATE_COLUMNS); public hides small counts.

    edition: that edition's frozen figures instead of the live aggregates (scope validated, computed_at the
    moment it was published).

    queryset: exactly these aggregates (a list page's filtered rows of `aggregate_queryset`) instead of those
    `filters` select; the filters then give the scope, the freshness and the metadata, with `extra_filters` (the
    page's filters that AggregateFilters has no field for) beside them."""
    _check_selection(queryset, public=public, edition=edition)
    names = dict(Measure.objects.values_list("code", "name"))
    columns = (
        Column("year", Kind.INTEGER),
        Column("region"),
        Column("region_name"),
        Column("level", Kind.CODE),
        Column("trede", Kind.INTEGER),
        Column("group"),
        Column("measure"),
        Column("persons", Kind.INTEGER),
        Column("scope", Kind.CODE),
        Column("computed_at", Kind.DATETIME),
    )
    assert [c.name for c in columns] == AGGREGATE_COLUMNS
    if edition:
        freshness, pending = _edition_freshness(edition), set()
        years = filters.years or sorted(edition.figures.values_list("year", flat=True).distinct())
    else:
        live = aggregates_freshness(filters.years)
        freshness, pending = live.as_dict(), set(live.pending_years)
        years = filters.years or aggregate_years(scope=filters.scope)

    def shaped() -> QuerySet[Aggregate]:
        if edition:
            return edition_aggregate_queryset(edition, filters)
        if queryset is None:
            return aggregate_queryset(filters)
        return queryset  # rows of aggregate_queryset: already in the export's shape

    def rows() -> Iterator[Row]:
        if public:
            return suppression.public_aggregate_values(filters, sorted(years), edition=edition)
        if queryset is None and edition is None:
            return aggregate_values(filters)
        return shaped().values_list(*AGGREGATE_FIELDS).iterator(chunk_size=CHUNK_SIZE)

    def measure_code(row: Row) -> str:
        return row[6] or (_group_code(row[5]) if row[5] else TOTAL)

    def measure_label(row: Row) -> str:
        return names.get(row[6], row[6]) if row[6] else (row[5] or _("totaal"))

    title = _("Inventaris sociale economie: aggregaten per regio, trede en maatregel")
    return Export(
        dataset="aggregates",
        title=title,
        columns=columns,
        rows=rows,
        meta=_metadata(
            dataset="aggregates",
            title=title,
            filters=filters,
            public=public,
            freshness=freshness,
            dataflow=AGGREGATES_DATAFLOW,
            extra_filters=extra_filters,
            edition=edition,
        ),
        value_column="persons",
        dataflow=AGGREGATES_DATAFLOW,
        dimensions=(
            Dimension("year", "TIME_PERIOD", _("jaar"), lambda r: str(r[0]), lambda r: str(r[0])),
            Dimension("region", "REF_AREA", _("regio"), lambda r: r[1], lambda r: r[2], str),
            Dimension("trede", "TREDE", _("trede"), lambda r: _trede_code(r[4]), lambda r: _trede_label(r[4])),
            Dimension("measure", "MAATREGEL", _("maatregel"), measure_code, measure_label),
            Dimension("scope", "SCOPE", _("scope"), lambda r: r[8], lambda r: str(Scope(r[8]).label)),
        ),
        sdmx_attributes=(
            ("OBS_STATUS", lambda r: "P" if r[8] == Scope.PROVISIONAL or r[0] in pending else "A"),
            ("COMPUTED_AT", lambda r: _text(r[9])),
        ),
        public=public,
        queryset=None if public else shaped,
        fields=AGGREGATE_FIELDS,
    )


def headcounts_export(
    *,
    filters: AggregateFilters,
    public: bool = False,
    queryset: QuerySet[Headcount] | None = None,
    extra_filters: Mapping[str, Any] | None = None,
    edition: Edition | None = None,
) -> Export:
    """The headcounts (HEADCOUNT_COLUMNS), one row per submission, measure and region; public hides small
    counts and their FTE.

    edition: that edition's frozen headcounts (validated ones, with the trede and group of that moment).

    queryset: exactly these headcounts (a list page's filtered rows, already limited to what the user may
    see, in any status) instead of those `filters` select; the filters then give the scope column, the
    freshness and the metadata, with `extra_filters` (the page's filters HeadcountFilters has no field for)."""
    _check_selection(queryset, public=public, edition=edition)
    names = dict(Measure.objects.values_list("code", "name"))
    columns = (
        Column("year", Kind.INTEGER),
        Column("organisation", Kind.CODE),
        Column("organisation_name"),
        Column("measure"),
        Column("trede", Kind.INTEGER),
        Column("group"),
        Column("region", Kind.CODE),
        Column("region_name"),
        Column("persons", Kind.INTEGER),
        Column("fte", Kind.DECIMAL),
        Column("status", Kind.CODE),
        Column("scope", Kind.CODE),
    )
    assert [c.name for c in columns] == HEADCOUNT_COLUMNS
    if edition:
        freshness = _edition_freshness(edition)
    else:
        last_changed = headcounts_last_changed(filters)
        freshness = {"live": True, "last_changed": last_changed.isoformat() if last_changed else None}

    def shaped() -> QuerySet[Headcount]:
        if edition:
            return edition_headcount_queryset(edition, filters)
        if queryset is None:
            return headcount_queryset(filters)
        # The selection itself, not `pk in (selection)`: without statistics (a fresh table) PostgreSQL 18 planned
        # that as a nested loop that ran for minutes.
        return headcount_shape(queryset, scope=filters.scope)

    def rows() -> Iterator[Row]:
        if queryset is not None:
            return shaped().values_list(*HEADCOUNT_FIELDS).iterator(chunk_size=CHUNK_SIZE)
        if edition:
            values = shaped().values_list(*HEADCOUNT_FIELDS).iterator(chunk_size=CHUNK_SIZE)
        else:
            values = headcount_values(filters)
        return suppression.public_headcount_values(values) if public else values

    title = _("Inventaris sociale economie: tellingen per organisatie, maatregel en regio")
    return Export(
        dataset="headcounts",
        title=title,
        columns=columns,
        rows=rows,
        meta=_metadata(
            dataset="headcounts",
            title=title,
            filters=filters,
            public=public,
            freshness=freshness,
            dataflow=HEADCOUNTS_DATAFLOW,
            extra_filters=extra_filters,
            edition=edition,
        ),
        value_column="persons",
        dataflow=HEADCOUNTS_DATAFLOW,
        dimensions=(
            Dimension("year", "TIME_PERIOD", _("jaar"), lambda r: str(r[0]), lambda r: str(r[0])),
            Dimension("organisation", "ORGANISATIE", _("organisatie"), lambda r: r[1], lambda r: r[2], str),
            Dimension("region", "REF_AREA", _("regio"), lambda r: r[6], lambda r: r[7], str),
            Dimension("trede", "TREDE", _("trede"), lambda r: _trede_code(r[4]), lambda r: _trede_label(r[4]), str),
            Dimension("measure", "MAATREGEL", _("maatregel"), lambda r: r[3], lambda r: names.get(r[3], r[3]), str),
            Dimension("scope", "SCOPE", _("scope"), lambda r: r[11], lambda r: str(Scope(r[11]).label)),
        ),
        sdmx_attributes=(
            ("VTE", lambda r: r[9]),
            ("OBS_STATUS", lambda r: "A" if r[10] == SubmissionStatus.VALIDATED else "P"),
        ),
        public=public,
        queryset=None if public else shaped,
        fields=HEADCOUNT_FIELDS,
    )


def _list_metadata(*, dataset: str, title: str, filters: Mapping[str, Any] | None) -> dict[str, Any]:
    """The metadata of a plain list (organisations, measures): no scope, no freshness, read live."""
    return {
        "dataset": dataset,
        "title": title,
        "source": SOURCE,
        "filters": {name: value for name, value in (filters or {}).items() if value not in (None, "", [])},
        "generated_at": timezone.now().isoformat(timespec="seconds"),
    }


# (column, the queryset's name for it); email only for staff.
ORGANISATION_EXPORT_COLUMNS = (
    (Column("kbo", Kind.CODE), "kbo"),
    (Column("name"), "name"),
    (Column("kind", Kind.CODE), "kind"),
    (Column("region", Kind.CODE), "home_region__code"),
    (Column("region_name"), "home_region__name"),
    (Column("arrondissement", Kind.CODE), "home_region__parent__code"),
    (Column("arrondissement_name"), "home_region__parent__name"),
    (Column("active", Kind.BOOLEAN), "active"),
    (Column("email"), "email"),
)


def organisations_export(
    queryset: QuerySet[Organisation], *, email: bool = False, filters: Mapping[str, Any] | None = None
) -> Export:
    """These organisations, by name: `kbo` in 10 digits, `kind` and `region` (home municipality) as codes,
    the arrondissement, `active`, and the contact e-mail when `email` (staff). `filters`: the page's, for
    the metadata. CSV, XLSX and JSON only: a list has no dimensions for SDMX or JSON-stat."""
    chosen = [(c, name) for c, name in ORGANISATION_EXPORT_COLUMNS if email or c.name != "email"]
    fields = tuple(name for _c, name in chosen)

    def ordered() -> QuerySet[Organisation]:
        return queryset.order_by("name", "kbo")

    title = _("Inventaris sociale economie: organisaties")
    return Export(
        dataset="organisations",
        title=title,
        columns=tuple(c for c, _name in chosen),
        rows=lambda: ordered().values_list(*fields).iterator(chunk_size=CHUNK_SIZE),
        meta=_list_metadata(dataset="organisations", title=title, filters=filters),
        queryset=ordered,
        fields=fields,
    )


MEASURE_EXPORT_COLUMNS = (
    Column("code"),
    Column("name"),
    Column("trede", Kind.INTEGER),
    Column("mode", Kind.CODE),
    Column("group"),
    Column("administering_body"),
    Column("first_year", Kind.INTEGER),
    Column("last_year", Kind.INTEGER),
)


def measures_export(queryset: QuerySet[Measure], *, filters: Mapping[str, Any] | None = None) -> Export:
    """These measures, by trede, group and code. Codes are text staff type, so they are escaped like names.
    CSV, XLSX and JSON only."""
    fields = tuple(c.name for c in MEASURE_EXPORT_COLUMNS)

    def ordered() -> QuerySet[Measure]:
        return queryset.order_by("trede", "group", "code")

    title = _("Inventaris sociale economie: maatregelen")
    return Export(
        dataset="measures",
        title=title,
        columns=MEASURE_EXPORT_COLUMNS,
        rows=lambda: ordered().values_list(*fields).iterator(chunk_size=CHUNK_SIZE),
        meta=_list_metadata(dataset="measures", title=title, filters=filters),
        queryset=ordered,
        fields=fields,
    )


# --- cells ---------------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
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


def _converter(
    columns: Sequence[Column], *, decimal_comma: bool = False, local_times: bool = False, for_json: bool = False
) -> Callable[[Row], list[Any]]:
    """A function that makes a row writable: formulas escaped, decimals and times as the format wants. Only
    the columns that need work are visited, since this runs once per row of a million-row file."""
    text = [i for i, c in enumerate(columns) if c.kind == Kind.TEXT]
    decimals = [i for i, c in enumerate(columns) if c.kind == Kind.DECIMAL]
    times = [i for i, c in enumerate(columns) if c.kind == Kind.DATETIME]
    booleans = [] if for_json else [i for i, c in enumerate(columns) if c.kind == Kind.BOOLEAN]
    first = _FORMULA_FIRST

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


def _batches(rows: Iterable[Row], size: int = BATCH_ROWS) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


# --- writers -------------------------------------------------------------------------------------------------


class _Sink:
    """A file-like buffer that hands back what was written since the last take()."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def take(self) -> str:
        value = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return value


def csv_chunks(export: Export, *, excel_nl: bool = False, use_copy: bool = True) -> Iterator[str]:
    """The export as CSV text, a chunk per batch of rows; excel_nl: BOM, ';', CRLF, decimal comma.

    A file that needs no Python per row (not public) streams through PostgreSQL's COPY, with the same
    escaping done in SQL: a server-side cursor plus the csv module manage about half the rows per second."""
    sink = _Sink()
    delimiter = ";" if excel_nl else ","
    writer = csv.writer(sink.buffer, delimiter=delimiter, lineterminator="\r\n" if excel_nl else "\n")
    if excel_nl:
        yield "\ufeff"
        for key, value in export.meta.items():
            writer.writerow([f"# {key}", escape_cell(_text(value))])
    writer.writerow(export.column_names)
    yield sink.take()
    if use_copy and export.queryset is not None:
        yield from _copy_chunks(export, delimiter=delimiter, excel_nl=excel_nl)
        return
    convert = _converter(export.columns, decimal_comma=excel_nl, local_times=excel_nl)
    for batch in _batches(export.rows()):
        writer.writerows(map(convert, batch))
        yield sink.take()


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
    statement = connection.ops.compose_sql(
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


def json_chunks(export: Export) -> Iterator[str]:
    names = export.column_names
    convert = _converter(export.columns, for_json=True)
    yield '{"meta": ' + json.dumps(_escaped_meta(export.meta), ensure_ascii=False) + ', "results": ['
    separator = ""
    for batch in _batches(export.rows()):
        text = json.dumps([dict(zip(names, convert(row), strict=True)) for row in batch], ensure_ascii=False)
        yield separator + text[1:-1]
        separator = ","
    yield "]}\n"


def _escaped_meta(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _escaped_meta(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped_meta(v) for v in value]
    return escape_cell(value)


class UnsupportedFormat(ValueError):
    """The export cannot be written in this format (a list has no dimensions for SDMX or JSON-stat)."""


def _require_statistical(export: Export, fmt: str) -> None:
    if not export.statistical:
        raise UnsupportedFormat(
            _("%(format)s kan de gegevens ‘%(dataset)s’ niet beschrijven: ze hebben geen dimensies.")
            % {"format": fmt, "dataset": export.dataset}
        )


def sdmx_chunks(export: Export) -> Iterator[str]:
    """SDMX-CSV 1.0: DATAFLOW, the dimensions, OBS_VALUE, then attributes. Refuses a list at once."""
    _require_statistical(export, "SDMX-CSV")
    return _sdmx_chunks(export)


def _sdmx_chunks(export: Export) -> Iterator[str]:
    sink = _Sink()
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
    for batch in _batches(export.rows()):
        for row in batch:
            value = row[value_at]
            hidden = isinstance(value, str)
            writer.writerow(
                [
                    flow,
                    *(escape_cell(d.code(row)) for d in export.dimensions),
                    "" if hidden else value,
                    *("" if hidden and name == "VTE" else escape_cell(_text(f(row))) for name, f in attributes),
                    ("C" if value == primary else "D") if hidden else "F",
                    prepared,
                    edition,
                ]
            )
        yield sink.take()


def jsonstat_chunks(export: Export) -> Iterator[str]:
    """One JSON-stat 2.0 dataset. Two passes over the rows: the categories first (few), then the values; a
    public file makes a third pass for the marks of hidden cells. Refuses a list at once."""
    _require_statistical(export, "JSON-stat")
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
    head = {
        "version": "2.0",
        "class": "dataset",
        "label": escape_cell(export.title),
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
                    "label": {code: escape_cell(categories[i][code]) for code in ordered[i]},
                },
            }
            for i, d in enumerate(dimensions)
        },
        "extension": {"metadata": _escaped_meta(export.meta)},
    }
    if export.public:
        head["note"] = [f"{mark}: {text}" for mark, text in export.meta["legend"].items()]
    value_at = export.index(export.value_column)

    def flat_index(row: Row) -> int:
        return sum(
            positions[i][d.code(row)] * strides[i] for i, d in enumerate(dimensions)
        )  # row-major, as JSON-stat wants

    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "value": {'
    separator = ""
    for batch in _batches(export.rows()):
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


def xlsx_write(export: Export, out: IO[bytes]) -> None:
    """Sheet `gegevens` (continued on `gegevens 2`, ... past Excel's row limit) and sheet `metadata`, written
    row by row with openpyxl's write-only mode."""
    workbook = Workbook(write_only=True)
    convert = _converter(export.columns, for_json=True)
    bold = Font(bold=True)
    sheet, used, number = None, XLSX_MAX_ROWS, 0
    for batch in _batches(export.rows()):
        for row in batch:
            if used == XLSX_MAX_ROWS:
                number += 1
                sheet = workbook.create_sheet("gegevens" if number == 1 else f"gegevens {number}")
                _xlsx_header(sheet, export, bold)
                used = 1
            sheet.append(convert(row))
            used += 1
    if sheet is None:
        _xlsx_header(workbook.create_sheet("gegevens"), export, bold)
    info = workbook.create_sheet("metadata")
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 80
    for key, value in export.meta.items():
        info.append([key, escape_cell(_text(value))])
    workbook.save(out)


def _xlsx_header(sheet: Any, export: Export, bold: Font) -> None:
    for i, column in enumerate(export.columns):
        sheet.column_dimensions[get_column_letter(i + 1)].width = 28 if column.name.endswith("name") else 14
    sheet.freeze_panes = "A2"
    cells = []
    for name in export.column_names:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)


# --- formats -------------------------------------------------------------------------------------------------


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


def export_filename(export: Export, fmt: Format) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = {
        "aggregates": "aggregaten",
        "headcounts": "tellingen",
        "organisations": "organisaties",
        "measures": "maatregelen",
    }[export.dataset]
    suffix = {"sdmx": "-sdmx", "excel-nl": "-excel", "jsonstat": "-jsonstat"}.get(fmt.id, "")
    scope = f"-{export.meta['scope']}" if export.meta.get("scope") else ""
    if export.meta.get("edition"):
        scope = f"-{slugify(export.meta['edition'])}"
    public = "-publiek" if export.public else ""
    return f"inventaris-{name}{scope}{public}-{stamp}{suffix}.{fmt.extension}"


def export_write(export: Export, fmt: Format, out: IO[str] | IO[bytes]) -> None:
    """Write the whole file to `out` (text for the streamed formats, binary for XLSX)."""
    if fmt.statistical:
        _require_statistical(export, fmt.label)
    if fmt.chunks is None:
        xlsx_write(export, out)  # type: ignore[arg-type]
        return
    for chunk in fmt.chunks(export):
        out.write(chunk)  # type: ignore[arg-type]
