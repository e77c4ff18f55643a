"""Bulk imports of headcounts and organisations from CSV or XLSX files: all or nothing.

    report = headcounts_import(data=..., filename="tellingen.csv", user=request.user)
    report = headcounts_import(..., organisations=Organisation.objects.filter(memberships__user=user))  # portal
    report = organisations_import(data=..., filename="organisaties.xlsx")

Each call reads the whole file first and collects every error (at most MAX_ERRORS, then one "and N more"),
each naming the row (the file's line or sheet row: header = 1), the column as written in the file, the value
and what was expected, in the active language. With any error, or with `dry_run`, nothing is written and the
report says what would have happened. Without errors everything is written in one transaction.

File formats (README, "Imports"): headcounts `year,organisation,measure,region,persons[,fte]` or Dutch
`jaar,organisatie,maatregel,regio,personen[,vte]`; organisations `kbo,name,kind,region,email` or Dutch
`kbo,naam,soort,regio,email`; headers in any case and order. CSV with `,` or `;` (or an Excel `sep=` first
line), UTF-8 with or without BOM or Windows-1252; XLSX: the first sheet, no macros, no encryption.

Headcounts are parsed and checked in Python against lookups loaded once, then written set-based: COPY into a
temporary table and one INSERT ... ON CONFLICT DO UPDATE that skips rows equal to what is stored; new
figures are copied straight into the table.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import PurePath
from typing import Any

import defusedxml
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import load_workbook

from accounts.models import User
from inventory.history import history_context, history_context_before_copy
from inventory.kbo import format_kbo, normalise_kbo
from inventory.models import (
    YEAR_MAX,
    YEAR_MIN,
    Measure,
    Organisation,
    OrganisationKind,
    Region,
    Submission,
    SubmissionStatus,
)
from inventory.services.aggregation import aggregates_mark_keys
from inventory.services.submissions import check_measure_valid, check_region_exists, check_unlocked, submission_validate

MAX_ERRORS = 1000
MAX_FIELD_LENGTH = 200
# Columns beyond this are not read from a sheet: a cell far to the right would otherwise make every row as wide.
MAX_COLUMNS = 50
MAX_PERSONS = 2_147_483_647  # the column is a PostgreSQL integer
PROGRESS_EVERY = 10_000
# A cell starting with one of these is run as a formula by Excel and LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
CSV_SUFFIXES = (".csv", ".txt")
SEP_LINE = re.compile(r"sep=(.)", re.IGNORECASE)
GROUPED_NUMBER = re.compile(r"\d{1,3}([., \u00a0\u202f]\d{3})+")
DECIMAL_NUMBER = re.compile(r"\d+([.,]\d+)?")

ProgressCallback = Callable[[int, int], None]


# --- report --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRowError:
    """One problem in a file. `row` 0 = the file as a whole; `column` "" = the row as a whole. Named
    ImportRowError rather than ImportError, which would shadow Python's own."""

    row: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        if not self.row:
            return self.message
        if not self.column:
            return _("Rij %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        return _("Rij %(row)s, kolom %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ImportReport:
    """What an import did, or with errors or a dry run, what it would have done (then nothing was written).

    rows: data rows read (header and blank rows not counted); created / updated / unchanged: rows that add a
    figure (organisation), change one, or equal what is stored; errors: every problem found (0 when ok);
    submission_ids (headcounts): the submissions the file's rows belong to, new ones included (empty for a dry
    run's new submissions, which do not exist); submissions_created: how many of them the import created.
    """

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[ImportRowError] = field(default_factory=list)
    submission_ids: list[int] = field(default_factory=list)
    submissions_created: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """ "1.234 rijen: 1.000 nieuw, 200 gewijzigd, 34 ongewijzigd" in the active language."""
        text = ngettext(
            "%(rows)s rij: %(created)s nieuw, %(updated)s gewijzigd, %(unchanged)s ongewijzigd",
            "%(rows)s rijen: %(created)s nieuw, %(updated)s gewijzigd, %(unchanged)s ongewijzigd",
            self.rows,
        ) % {
            "rows": _number(self.rows),
            "created": _number(self.created),
            "updated": _number(self.updated),
            "unchanged": _number(self.unchanged),
        }
        if self.errors:
            text += " – " + _("niets opgeslagen: het bestand bevat fouten")
        elif self.dry_run:
            text += " – " + _("proefimport: niets opgeslagen")
        return text


def _number(value: int) -> str:
    return number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


class _Errors:
    """Collects errors up to MAX_ERRORS and counts the rest."""

    def __init__(self) -> None:
        self.items: list[ImportRowError] = []
        self.more = 0

    def __bool__(self) -> bool:
        return bool(self.items)

    def add(self, row: int, column: str, value: Any, message: str) -> None:
        if len(self.items) >= MAX_ERRORS:
            self.more += 1
            return
        self.items.append(ImportRowError(row, column, _shown(value), message))

    def result(self) -> list[ImportRowError]:
        """In file order (a row's errors in column order), then how many more there were."""
        self.items.sort(key=lambda error: error.row)
        if not self.more:
            return self.items
        more = ngettext(
            "en nog %(count)s fout; verbeter eerst de bovenstaande.",
            "en nog %(count)s fouten; verbeter eerst de bovenstaande.",
            self.more,
        ) % {"count": _number(self.more)}
        return [*self.items, ImportRowError(0, "", "", more)]


class _Refused(Exception):
    """The file as a whole cannot be read; `row` where that became clear (0 = before any row)."""

    def __init__(self, message: str, row: int = 0) -> None:
        super().__init__(message)
        self.message, self.row = message, row


# --- cells ---------------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell as text: CSV cells are text already; sheet numbers lose a trailing .0."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _shown(value: Any) -> str:
    text = _text(value)
    return text if len(text) <= 100 else text[:100] + "…"


def _text_problem(text: str) -> str | None:
    """Why a text cell is refused whatever the column: too long, or a formula to a spreadsheet."""
    if len(text) > MAX_FIELD_LENGTH:
        return _("de waarde is te lang (%(length)s tekens); maximaal %(max)s tekens.") % {
            "length": _number(len(text)),
            "max": MAX_FIELD_LENGTH,
        }
    if text.startswith(FORMULA_STARTS):
        return _(
            "‘%(value)s’ begint met ‘%(char)s’, zodat een rekenblad het als formule zou uitvoeren; zulke waarden "
            "worden geweigerd. Verwijder dat teken vooraan."
        ) % {"value": _shown(text), "char": text[0].replace("\t", "tab").replace("\r", "CR")}
    return None


def _year(value: Any) -> int | str:
    """The year, or why not."""
    year: int | None = None
    if isinstance(value, bool):
        year = None
    elif isinstance(value, int):
        year = value
    elif isinstance(value, float) and value.is_integer():
        year = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit() and len(text) <= 4:
            year = int(text)
    if year is None or not YEAR_MIN <= year <= YEAR_MAX:
        if _text(value) == "":
            return _("het jaar ontbreekt; verwacht een jaartal van %(min)s tot en met %(max)s.") % {
                "min": YEAR_MIN,
                "max": YEAR_MAX,
            }
        return _("‘%(value)s’ is geen geldig jaar; verwacht een jaartal van %(min)s tot en met %(max)s.") % {
            "value": _shown(value),
            "min": YEAR_MIN,
            "max": YEAR_MAX,
        }
    return year


def _persons(value: Any) -> int | str:
    """A whole number of persons, or why not."""
    if type(value) is int:
        persons = value
    elif (type(value) is str and value.isascii() and value.isdigit()) or (type(value) is float and value.is_integer()):
        persons = int(value)
    else:
        text = _text(value)
        if text == "":
            return _("het aantal personen ontbreekt; verwacht een geheel getal van 0 of meer.")
        if text.isascii() and text.isdigit():
            persons = int(text)
        elif GROUPED_NUMBER.fullmatch(text) or DECIMAL_NUMBER.fullmatch(text):
            return _(
                "‘%(value)s’ is geen geldig aantal; verwacht een geheel getal van 0 of meer, zonder decimalen en "
                "zonder punt, komma of spatie tussen de duizendtallen (bv. 1234)."
            ) % {"value": _shown(text)}
        else:
            return _("‘%(value)s’ is geen geldig aantal; verwacht een geheel getal van 0 of meer.") % {
                "value": _shown(text)
            }
    if persons < 0:
        return _("‘%(value)s’ is geen geldig aantal; verwacht een geheel getal van 0 of meer.") % {
            "value": _shown(value)
        }
    if persons > MAX_PERSONS:
        return _("‘%(value)s’ is te groot; verwacht een geheel getal van 0 tot %(max)s.") % {
            "value": _shown(value),
            "max": _number(MAX_PERSONS),
        }
    return persons


def _fte_cents(value: Any) -> int | str | None:
    """Full-time equivalents in hundredths (None when empty), or why not. Decimal comma or point."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int | float):
        number = Decimal(str(value))
    else:
        text = _text(value)
        number = Decimal(text.replace(",", ".")) if DECIMAL_NUMBER.fullmatch(text) else None
    if number is None or not number.is_finite() or number < 0 or number >= Decimal("1e10"):
        return _("‘%(value)s’ is geen geldig aantal VTE; verwacht een getal van 0 of meer, bv. 12,5.") % {
            "value": _shown(value)
        }
    return int((number * 100).to_integral_value())


# --- reading files -------------------------------------------------------------------------------------------

Cells = Sequence[Any]


@dataclass
class _Table:
    header_row: int
    header: list[str]
    rows: Iterator[tuple[int, Cells]]  # (row number in the file, cells), blank rows left out
    estimate: int  # data rows expected, for progress; 0 when unknown


def import_size_check(*, size: int) -> None:
    """Raise ValidationError when a file of `size` bytes is over settings.IMPORT_MAX_BYTES: callers that hold a
    file (an upload, a path) check this before reading it into memory."""
    if size > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            _("Het bestand is te groot (%(size)s MB); het maximum is %(max)s MB.")
            % {"size": _megabytes(size), "max": _megabytes(settings.IMPORT_MAX_BYTES)},
            code="too_large",
        )


def _read_table(data: bytes, filename: str) -> _Table:
    try:
        import_size_check(size=len(data))
    except ValidationError as error:
        raise _Refused(" ".join(error.messages)) from None
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise _Refused(_("Het bestand is leeg."))
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".xlsm":
        raise _Refused(_macro_message())
    if data.startswith(OLE2_SIGNATURE):
        raise _Refused(
            _(
                "Het bestand is versleuteld (met een wachtwoord beveiligd) of in het oude Excel-formaat .xls; "
                "sla het op als Excel-werkmap (.xlsx) zonder wachtwoord, of als CSV."
            )
        )
    if suffix == ".xlsx" or data.startswith(ZIP_SIGNATURE):
        return _read_xlsx(data)
    if suffix in CSV_SUFFIXES:
        return _read_csv(data)
    raise _Refused(
        _("Onbekend bestandstype ‘%(name)s’; verwacht een CSV-bestand (.csv) of een Excel-werkmap (.xlsx).")
        % {"name": _shown(filename)}
    )


def _megabytes(size: int) -> str:
    megabytes = (Decimal(size) / (1024 * 1024)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return number_format(megabytes, decimal_pos=1, use_l10n=True, force_grouping=True)


def _macro_message() -> str:
    return _("Excel-bestanden met macro’s worden niet aanvaard; sla het op als Excel-werkmap (.xlsx) zonder macro’s.")


def _read_csv(data: bytes) -> _Table:
    not_text = _(
        "Het bestand is geen tekstbestand in UTF-8 of Windows-1252; sla het op als CSV (UTF-8) of als "
        "Excel-werkmap (.xlsx)."
    )
    if b"\x00" in data:
        raise _Refused(not_text)
    try:
        data.decode("utf-8")
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "cp1252"
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="strict", newline="")
    try:
        line = stream.readline()
        before = 1  # lines up to and including the header
        while line and not line.strip():
            line, before = stream.readline(), before + 1
        delimiter = None
        match = SEP_LINE.fullmatch(line.strip())
        if match:
            delimiter = match.group(1)
            line, before = stream.readline(), before + 1
    except UnicodeDecodeError:
        raise _Refused(not_text) from None
    if not line.strip():
        raise _Refused(_("Het bestand is leeg."))
    if delimiter is None:
        delimiter = ";" if line.count(";") > line.count(",") else ","
    reader = csv.reader(itertools.chain([line], stream), delimiter=delimiter)
    try:
        header = next(reader, [])
    except (csv.Error, UnicodeDecodeError):
        raise _Refused(not_text, before) from None
    offset = before - reader.line_num

    def rows() -> Iterator[tuple[int, Cells]]:
        start = reader.line_num
        try:
            for cells in reader:
                if "".join(cells).strip():
                    yield offset + start + 1, cells
                start = reader.line_num
        except UnicodeDecodeError:
            raise _Refused(not_text, offset + start + 1) from None
        except csv.Error as error:
            raise _Refused(
                _("Het bestand is geen geldige CSV vanaf deze rij (%(error)s).") % {"error": error},
                offset + start + 1,
            ) from None

    return _Table(before, header, rows(), max(data.count(b"\n") - before, 0))


def _read_xlsx(data: bytes) -> _Table:
    corrupt = _("Het Excel-bestand is beschadigd of onleesbaar; open het in Excel en sla het opnieuw op als .xlsx.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _Refused(corrupt) from None
    if any(PurePath(entry.filename).name.lower() == "vbaproject.bin" for entry in entries):
        raise _Refused(_macro_message())
    unzipped = sum(entry.file_size for entry in entries)
    if unzipped > settings.IMPORT_MAX_UNZIPPED_BYTES:
        raise _Refused(
            _("Het Excel-bestand is uitgepakt te groot (%(size)s MB); het maximum is %(max)s MB.")
            % {"size": _megabytes(unzipped), "max": _megabytes(settings.IMPORT_MAX_UNZIPPED_BYTES)}
        )
    try:
        content_types = archive.read("[Content_Types].xml")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _Refused(corrupt) from None
    if b"macroenabled" in content_types.lower():
        raise _Refused(_macro_message())

    unsafe = _("Het Excel-bestand bevat onveilige XML (entiteiten of DTD’s) en wordt geweigerd.")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
        sheet = workbook.worksheets[0]
        estimate = sheet.max_row or 0
        sheet.reset_dimensions()  # the stored dimension may be wrong; read what is there
        iterator = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        header_row, header = 0, []
        for number, cells in enumerate(iterator, start=1):
            if any(_text(cell) for cell in cells):
                header_row, header = number, [_text(cell) for cell in cells]
                break
    except Exception as error:
        # openpyxl raises many kinds of errors on a damaged file (KeyError, ValueError, XML parse errors, ...),
        # and wraps defusedxml's refusal of a DTD in a ValueError of its own.
        raise _Refused(unsafe if _caused_by(error, defusedxml.DefusedXmlException) else corrupt) from None
    if not header_row:
        workbook.close()
        raise _Refused(_("Het bestand is leeg."))
    while header and not header[-1]:
        header.pop()

    def rows() -> Iterator[tuple[int, Cells]]:
        number = header_row
        try:
            for number, cells in enumerate(iterator, start=header_row + 1):
                if any(_text(cell) for cell in cells):
                    yield number, cells
        except Exception as error:
            raise _Refused(
                unsafe if _caused_by(error, defusedxml.DefusedXmlException) else corrupt, number + 1
            ) from None
        finally:
            workbook.close()

    return _Table(header_row, header, rows(), max(estimate - header_row, 0))


def _caused_by(error: BaseException | None, kind: type[BaseException]) -> bool:
    while error is not None:
        if isinstance(error, kind):
            return True
        error = error.__cause__ or error.__context__
    return False


# --- headers -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    english: str
    dutch: str
    required: bool = True


HEADCOUNT_COLUMNS = (
    Column("year", "year", "jaar"),
    Column("organisation", "organisation", "organisatie"),
    Column("measure", "measure", "maatregel"),
    Column("region", "region", "regio"),
    Column("persons", "persons", "personen"),
    Column("fte", "fte", "vte", required=False),
)
ORGANISATION_COLUMNS = (
    Column("kbo", "kbo", "kbo"),
    Column("name", "name", "naam"),
    Column("kind", "kind", "soort"),
    Column("region", "region", "regio"),
    Column("email", "email", "email"),
)


@dataclass
class _Header:
    positions: dict[str, int]  # column key -> position in a row
    names: dict[str, str]  # column key -> the header as written in the file
    width: int  # up to the last named column
    unnamed: list[int]  # positions before that without a name


def _read_header(table: _Table, columns: Sequence[Column], errors: _Errors) -> _Header | None:
    by_name = {}
    for column in columns:
        by_name[column.english] = column
        by_name[column.dutch] = column
    positions: dict[str, int] = {}
    names: dict[str, str] = {}
    dutch = 0
    row = table.header_row
    for position, raw in enumerate(table.header):
        name = _text(raw)
        if not name:
            continue
        column = by_name.get(name.lower())
        if column is None:
            errors.add(
                row,
                name,
                name,
                _("onbekende kolom ‘%(name)s’; verwacht de kolommen %(expected)s.")
                % {"name": _shown(name), "expected": _expected(columns, dutch=False)},
            )
            continue
        if column.key in positions:
            errors.add(
                row,
                name,
                name,
                _("de kolom ‘%(name)s’ komt meer dan eens voor (kolommen %(first)s en %(second)s).")
                % {"name": _shown(name), "first": positions[column.key] + 1, "second": position + 1},
            )
            continue
        positions[column.key] = position
        names[column.key] = name
        dutch += name.lower() == column.dutch != column.english
    for column in columns:
        if column.required and column.key not in positions:
            name = column.dutch if dutch else column.english
            errors.add(
                row,
                name,
                "",
                _("de kolom ‘%(name)s’ ontbreekt; verwacht de kolommen %(expected)s.")
                % {"name": name, "expected": _expected(columns, dutch=bool(dutch))},
            )
    if errors:
        return None
    width = max(positions.values()) + 1
    unnamed = [p for p in range(width) if not _text(table.header[p])]
    return _Header(positions, names, width, unnamed)


def _expected(columns: Sequence[Column], *, dutch: bool) -> str:
    required = ", ".join(c.dutch if dutch else c.english for c in columns if c.required)
    optional = [c.dutch if dutch else c.english for c in columns if not c.required]
    if optional:
        return _("%(required)s (en optioneel %(optional)s)") % {"required": required, "optional": ", ".join(optional)}
    return required


def _check_width(number: int, cells: Cells, header: _Header, errors: _Errors) -> bool:
    """Values in columns without a header are refused: they would be silently dropped."""
    extra = [cell for cell in cells[header.width :] if _text(cell)]
    extra += [cells[p] for p in header.unnamed if _text(cells[p])]
    if not extra:
        return True
    errors.add(
        number,
        "",
        extra[0],
        _(
            "deze rij heeft een waarde in een kolom zonder naam in de kopregel; controleer het scheidingsteken en "
            "of er een kolom te veel is."
        ),
    )
    return False


# --- headcounts ----------------------------------------------------------------------------------------------


class _Lookups:
    """Organisations, measures and regions, loaded once per import."""

    def __init__(self, organisations: QuerySet[Organisation] | None) -> None:
        self.organisations = list(Organisation.objects.only("id", "kbo", "name"))
        self.organisation_index = {o.kbo: i for i, o in enumerate(self.organisations)}
        self.allowed = None if organisations is None else set(organisations.values_list("pk", flat=True))
        self.pom = self.organisation_index.get(settings.POM_KBO)
        self.measures = list(Measure.objects.all())
        self.measure_index = {m.code.upper(): i for i, m in enumerate(self.measures)}
        self.regions = list(Region.objects.all())
        self.region_index = {r.code: i for i, r in enumerate(self.regions)}

    def organisation(self, value: Any) -> int | str:
        text = _text(value)
        if not text:
            if self.allowed is not None:
                return _("de organisatie ontbreekt; vul het ondernemingsnummer van uw organisatie in.")
            if self.pom is None:
                return _(
                    "cijfers zonder organisatie horen bij POM West-Vlaanderen (ondernemingsnummer %(kbo)s), maar "
                    "die organisatie bestaat niet; voeg ze eerst toe of vul een ondernemingsnummer in."
                ) % {"kbo": format_kbo(settings.POM_KBO)}
            return self.pom
        problem = _text_problem(text)
        if problem:
            return problem
        try:
            kbo = normalise_kbo(text)
        except ValidationError as error:
            return " ".join(error.messages)
        index = self.organisation_index.get(kbo)
        if self.allowed is not None and (index is None or self.organisations[index].pk not in self.allowed):
            # The same answer for an unknown number: a portal user learns nothing about other organisations.
            return _(
                "%(kbo)s is geen van uw organisaties; u kunt enkel cijfers van uw eigen organisaties importeren."
            ) % {"kbo": format_kbo(kbo)}
        if index is None:
            return _(
                "er is geen organisatie met ondernemingsnummer %(kbo)s; voeg ze eerst toe (import_organisations "
                "of het beheer)."
            ) % {"kbo": format_kbo(kbo)}
        return index

    def measure(self, value: Any) -> int | str:
        text = _text(value)
        if not text:
            return _("de maatregel ontbreekt; verwacht een maatregelcode zoals %(example)s.") % {
                "example": self.measure_examples()
            }
        problem = _text_problem(text)
        if problem:
            return problem
        index = self.measure_index.get(text.upper())
        if index is None:
            return _("onbekende maatregel ‘%(value)s’; verwacht een maatregelcode zoals %(example)s.") % {
                "value": _shown(text),
                "example": self.measure_examples(),
            }
        return index

    def measure_examples(self) -> str:
        return ", ".join(m.code for m in self.measures[:3]) or "VOP"

    def region(self, value: Any) -> int | str:
        text = _text(value)
        if not text:
            return _("de regio ontbreekt; verwacht een NIS-code van vijf cijfers, bv. 31005 voor Brugge.")
        problem = _text_problem(text)
        if problem:
            return problem
        if text.isascii() and text.isdigit() and len(text) < 5:
            text = text.zfill(5)  # a spreadsheet drops the leading zero of 02000
        index = self.region_index.get(text)
        if index is None:
            return _("onbekende regio ‘%(value)s’; verwacht een NIS-code van vijf cijfers, bv. 31005 voor Brugge.") % {
                "value": _shown(value)
            }
        return index


def _validation_message(check: Callable[..., None], *args: Any) -> str | None:
    try:
        check(*args)
    except ValidationError as error:
        return " ".join(error.messages)
    return None


@dataclass
class _ParsedHeadcounts:
    """The valid rows, column by column in compact arrays (a 200,000-row file takes a few MB)."""

    has_fte: bool
    pairs: dict[tuple[int, int], int] = field(default_factory=dict)  # (organisation index, year) -> pair index
    row: array = field(default_factory=lambda: array("q"))
    pair: array = field(default_factory=lambda: array("q"))
    measure: array = field(default_factory=lambda: array("q"))
    region: array = field(default_factory=lambda: array("q"))
    persons: array = field(default_factory=lambda: array("q"))
    fte: array = field(default_factory=lambda: array("q"))  # hundredths; -1 = empty
    key: array = field(default_factory=lambda: array("q"))


def _parse_headcounts(
    table: _Table, header: _Header, lookups: _Lookups, errors: _Errors, progress: ProgressCallback | None
) -> tuple[int, _ParsedHeadcounts]:
    positions, names = header.positions, header.names
    p_year, p_org, p_measure, p_region, p_persons = (
        positions[k] for k in ("year", "organisation", "measure", "region", "persons")
    )
    p_fte = positions.get("fte")
    n_year, n_org, n_measure, n_region, n_persons = (
        names[k] for k in ("year", "organisation", "measure", "region", "persons")
    )
    n_fte = names.get("fte", "")
    parsed = _ParsedHeadcounts(has_fte=p_fte is not None)
    years: dict[Any, int | str] = {}
    organisations: dict[Any, int | str] = {}
    measures: dict[Any, int | str] = {}
    regions: dict[Any, int | str] = {}
    measure_in_year: dict[tuple[int, int], str | None] = {}
    region_in_year: dict[tuple[int, int], str | None] = {}
    first_row: dict[int, int] = {}  # key -> row number
    n_measures, n_regions = len(lookups.measures) or 1, len(lookups.regions) or 1
    max_rows = settings.IMPORT_MAX_ROWS
    width, unnamed = header.width, header.unnamed
    rows = 0
    append_row, append_pair, append_measure = parsed.row.append, parsed.pair.append, parsed.measure.append
    append_region, append_persons, append_fte = parsed.region.append, parsed.persons.append, parsed.fte.append
    append_key, pairs = parsed.key.append, parsed.pairs

    for number, cells in table.rows:
        rows += 1
        if rows > max_rows:
            raise _Refused(
                _("Het bestand heeft meer dan %(max)s rijen; splits het op.") % {"max": _number(max_rows)}, number
            )
        if progress is not None and rows % PROGRESS_EVERY == 0:
            progress(rows, max(table.estimate, rows))
        if len(cells) < width:
            cells = [*cells, *([None] * (width - len(cells)))]
        ok = True if len(cells) == width and not unnamed else _check_width(number, cells, header, errors)

        # Unrolled on purpose, each column with its own cache of parsed values: this runs once per row of
        # files of 200,000 rows, where a helper call per cell costs a tenth of the import's time.
        raw = cells[p_year]
        year = years.get(raw)
        if year is None:
            year = years[raw] = _year(raw)
        if type(year) is str:
            errors.add(number, n_year, raw, year)
            ok = False
        raw = cells[p_org]
        organisation = organisations.get(raw)
        if organisation is None:
            organisation = organisations[raw] = lookups.organisation(raw)
        if type(organisation) is str:
            errors.add(number, n_org, raw, organisation)
            ok = False
        raw = cells[p_measure]
        measure = measures.get(raw)
        if measure is None:
            measure = measures[raw] = lookups.measure(raw)
        if type(measure) is str:
            errors.add(number, n_measure, raw, measure)
            ok = False
        raw = cells[p_region]
        region = regions.get(raw)
        if region is None:
            region = regions[raw] = lookups.region(raw)
        if type(region) is str:
            errors.add(number, n_region, raw, region)
            ok = False
        raw = cells[p_persons]
        persons = _persons(raw)
        if type(persons) is str:
            errors.add(number, n_persons, raw, persons)
            ok = False
        fte: int | str | None = None
        if p_fte is not None:
            raw = cells[p_fte]
            fte = _fte_cents(raw)
            if type(fte) is str:
                errors.add(number, n_fte, raw, fte)
                ok = False

        if type(year) is int and type(measure) is int:
            problem = measure_in_year.get((measure, year), "")
            if problem == "":
                problem = measure_in_year[(measure, year)] = _validation_message(
                    check_measure_valid, lookups.measures[measure], year
                )
            if problem:
                errors.add(number, n_measure, cells[p_measure], problem)
                ok = False
        if type(year) is int and type(region) is int:
            problem = region_in_year.get((region, year), "")
            if problem == "":
                problem = region_in_year[(region, year)] = _validation_message(
                    check_region_exists, lookups.regions[region], year
                )
            if problem:
                errors.add(number, n_region, cells[p_region], problem)
                ok = False
        if not ok:
            continue

        pair = pairs.get((organisation, year))  # type: ignore[arg-type]
        if pair is None:
            pair = pairs[(organisation, year)] = len(pairs)  # type: ignore[index]
        key = (pair * n_measures + measure) * n_regions + region  # type: ignore[operator]
        first = first_row.get(key)
        if first is not None:
            errors.add(
                number,
                "",
                ", ".join(_text(cells[p]) for p in (p_year, p_org, p_measure, p_region)),
                _(
                    "dezelfde organisatie, hetzelfde jaar, dezelfde maatregel en dezelfde regio als rij %(first)s; "
                    "elke combinatie mag maar één keer voorkomen."
                )
                % {"first": first},
            )
            continue
        first_row[key] = number
        append_row(number)
        append_pair(pair)
        append_measure(measure)  # type: ignore[arg-type]
        append_region(region)  # type: ignore[arg-type]
        append_persons(persons)  # type: ignore[arg-type]
        append_fte(-1 if fte is None else fte)  # type: ignore[arg-type]
        append_key(key)
    return rows, parsed


_SUBMISSIONS_SQL = """
select id, organisation_id, year, status from inventory_submission
where (organisation_id, year) in (select * from unnest(%(organisations)s::bigint[], %(years)s::int[]))
"""

_UPSERT_SQL = """
insert into inventory_headcount as h (submission_id, measure_id, region_id, persons, fte, explanation)
select submission_id, measure_id, region_id, persons, fte, '' from import_headcount
on conflict (submission_id, measure_id, region_id) do update
set {set}
where {distinct}
"""
# A stored headcount as one int, persons and FTE (hundredths + 1, 0 = empty) packed: 200,000 of them fit in a
# dict of plain ints.
_FTE_BITS = 42


def _copy_text(value: int) -> str:
    return "\\N" if value < 0 else f"{value // 100}.{value % 100:02d}"


def headcounts_import(
    *,
    data: bytes,
    filename: str,
    user: User | None,
    dry_run: bool = False,
    validate: bool = False,
    organisations: QuerySet[Organisation] | None = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import a headcount file (CSV or XLSX), all or nothing.

    A row whose (organisation, year, measure, region) is stored already changes that figure (a draft, submitted
    or returned submission) or is refused (validated: locked until staff reopen it); a row equal to what is
    stored is counted unchanged. Submissions that do not exist yet are created as drafts. An empty organisation
    means POM's own submission (settings.POM_KBO); `organisations` given (a portal upload) allows only rows of
    those organisations, never an empty one. Without an `fte` column stored FTEs are left alone.

    `validate`: afterwards validate every submission of the file in the name of `user`, who must be staff.
    `progress(done, total)` is called every PROGRESS_EVERY rows (total is an estimate until the last call).
    Every changed submission's version goes up by one; changes to submitted or validated figures are marked for
    the aggregates.
    """
    if validate and (user is None or not user.is_staff):
        raise PermissionDenied(_("Enkel POM-medewerkers kunnen aangiften valideren."))
    report = ImportReport(dry_run=dry_run)
    errors = _Errors()
    try:
        table = _read_table(data, filename)
        header = _read_header(table, HEADCOUNT_COLUMNS, errors)
        if header is None:
            report.errors = errors.result()
            return report
        lookups = _Lookups(organisations)
        report.rows, parsed = _parse_headcounts(table, header, lookups, errors, progress)
    except _Refused as refused:
        errors.add(refused.row, "", "", refused.message)
        report.errors = errors.result()
        return report
    if not report.rows:
        errors.add(0, "", "", _("Het bestand bevat enkel een kopregel en geen gegevens."))
    if parsed.row:
        with history_context(source="import", file=PurePath(filename).name, user=user):
            _store_headcounts(
                parsed, lookups, report, errors, write=not errors and not dry_run, validate=validate, user=user
            )
    report.errors = errors.result()
    if report.errors:
        report.created = report.updated = report.unchanged = report.submissions_created = 0
        report.submission_ids = []
    if progress is not None:
        progress(report.rows, report.rows)
    return report


def _store_headcounts(
    parsed: _ParsedHeadcounts,
    lookups: _Lookups,
    report: ImportReport,
    errors: _Errors,
    *,
    write: bool,
    validate: bool,
    user: User | None,
) -> None:
    """Compare with what is stored (locked submissions), then, when `write`, write in one transaction."""
    pair_keys = list(parsed.pairs)  # pair index -> (organisation index, year)
    organisation_ids = [lookups.organisations[o].pk for o, _y in pair_keys]
    years = [y for _o, y in pair_keys]
    pair_of = {(lookups.organisations[o].pk, y): p for p, (o, y) in enumerate(pair_keys)}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_SUBMISSIONS_SQL, {"organisations": organisation_ids, "years": years})
            existing = {(o, y) for _id, o, y, _s in cursor.fetchall()}
        missing = [
            Submission(organisation_id=o, year=y)
            for o, y in zip(organisation_ids, years, strict=True)
            if (o, y) not in existing
        ]
        report.submissions_created = len(missing)
        if write:
            Submission.objects.bulk_create(missing, ignore_conflicts=True)
        submission_of: list[int | None] = [None] * len(pair_keys)
        status_of: list[str] = [SubmissionStatus.DRAFT] * len(pair_keys)
        with connection.cursor() as cursor:
            # Locked until the end of the transaction: nobody changes or validates them while we compare and write.
            cursor.execute(
                _SUBMISSIONS_SQL + (" for update" if write else ""), {"organisations": organisation_ids, "years": years}
            )
            for submission_id, organisation_id, year, status in cursor.fetchall():
                pair = pair_of[(organisation_id, year)]
                submission_of[pair], status_of[pair] = submission_id, status
            pair_of_submission = {s: p for p, s in enumerate(submission_of) if s is not None}
            stored: dict[int, int] = {}  # key -> persons and FTE, packed
            if pair_of_submission:
                measure_index = {m.pk: i for i, m in enumerate(lookups.measures)}
                region_index = {r.pk: i for i, r in enumerate(lookups.regions)}
                n_measures, n_regions = len(lookups.measures), len(lookups.regions)
                cursor.execute(
                    """select submission_id, measure_id, region_id, persons, (fte * 100)::bigint
                       from inventory_headcount where submission_id = any(%(ids)s)""",
                    {"ids": list(pair_of_submission)},
                )
                while batch := cursor.fetchmany(10_000):
                    for submission_id, measure_id, region_id, persons, fte in batch:
                        key = (pair_of_submission[submission_id] * n_measures + measure_index[measure_id]) * n_regions
                        stored[key + region_index[region_id]] = persons << _FTE_BITS | (0 if fte is None else fte + 1)

        changed = bytearray(len(parsed.row))
        changed_pairs: set[int] = set()
        fte_mask = (1 << _FTE_BITS) - 1 if parsed.has_fte else 0
        locked = [status == SubmissionStatus.VALIDATED for status in status_of]
        in_aggregates = [status in (SubmissionStatus.SUBMITTED, SubmissionStatus.VALIDATED) for status in status_of]
        dirty: dict[int, set[tuple[int, int]]] = {}  # year -> (region id, measure id) of changed figures
        new = bytearray(len(parsed.row))
        for i, key in enumerate(parsed.key):
            old = stored.get(key)
            if old is None:
                report.created += 1
                new[i] = 1
            elif old >> _FTE_BITS == parsed.persons[i] and (not fte_mask or old & fte_mask == parsed.fte[i] + 1):
                report.unchanged += 1
                continue
            else:
                report.updated += 1
            pair = parsed.pair[i]
            if in_aggregates[pair]:
                dirty.setdefault(pair_keys[pair][1], set()).add(
                    (lookups.regions[parsed.region[i]].pk, lookups.measures[parsed.measure[i]].pk)
                )
            if locked[pair]:
                organisation_index, year = pair_keys[pair]
                submission = Submission(
                    organisation=lookups.organisations[organisation_index], year=year, status=status_of[pair]
                )
                errors.add(
                    parsed.row[i],
                    "",
                    f"{year}, {format_kbo(submission.organisation.kbo)}, {lookups.measures[parsed.measure[i]].code}, "
                    f"{lookups.regions[parsed.region[i]].code}",
                    _validation_message(check_unlocked, submission) or "",
                )
            changed[i] = 1
            changed_pairs.add(pair)
        report.submission_ids = sorted(s for s in submission_of if s is not None)
        if errors or not write:
            transaction.set_rollback(True)  # the submissions created above
            return

        measure_ids = [m.pk for m in lookups.measures]
        region_ids = [r.pk for r in lookups.regions]

        def copy_lines(indexes: Iterator[int]) -> Iterator[str]:
            lines: list[str] = []
            for i in indexes:
                lines.append(
                    f"{submission_of[parsed.pair[i]]}\t{measure_ids[parsed.measure[i]]}\t"
                    f"{region_ids[parsed.region[i]]}\t{parsed.persons[i]}\t{_copy_text(parsed.fte[i])}\t\n"
                )
                if len(lines) >= 10_000:
                    yield "".join(lines)
                    lines.clear()
            yield "".join(lines)

        updated = bytes(c and not n for c, n in zip(changed, new, strict=True))
        with connection.cursor() as cursor:
            history_context_before_copy(cursor)
            # New figures go straight into the table: the file's submissions are locked (FOR UPDATE above), so
            # no other import adds the same keys meanwhile. Changed ones go through a temporary table.
            with cursor.copy(
                "copy inventory_headcount (submission_id, measure_id, region_id, persons, fte, explanation) from stdin"
            ) as copy:
                for chunk in copy_lines(itertools.compress(range(len(new)), new)):
                    copy.write(chunk)
            if any(updated):
                cursor.execute("drop table if exists pg_temp.import_headcount")
                cursor.execute(
                    """create temporary table import_headcount (submission_id bigint, measure_id bigint,
                       region_id bigint, persons integer, fte numeric(12, 2), explanation text)"""
                )
                with cursor.copy(
                    "copy import_headcount (submission_id, measure_id, region_id, persons, fte, explanation) from stdin"
                ) as copy:
                    for chunk in copy_lines(itertools.compress(range(len(updated)), updated)):
                        copy.write(chunk)
                if parsed.has_fte:
                    upsert = _UPSERT_SQL.format(
                        set="persons = excluded.persons, fte = excluded.fte",
                        distinct="(h.persons, h.fte) is distinct from (excluded.persons, excluded.fte)",
                    )
                else:
                    upsert = _UPSERT_SQL.format(
                        set="persons = excluded.persons", distinct="h.persons is distinct from excluded.persons"
                    )
                cursor.execute(upsert)
                cursor.execute("drop table import_headcount")
            cursor.execute(
                "update inventory_submission set version = version + 1, updated_at = now() where id = any(%(ids)s)",
                {"ids": sorted(submission_of[p] for p in changed_pairs)},
            )
        for year, keys in sorted(dirty.items()):
            aggregates_mark_keys(year=year, keys=sorted(keys))
        if validate:
            for submission in Submission.objects.filter(pk__in=report.submission_ids).exclude(
                status=SubmissionStatus.VALIDATED
            ):
                try:
                    submission_validate(submission=submission, user=user)
                except ValidationError as error:  # a returned submission goes back to draft first
                    errors.add(0, "", str(submission), f"{submission}: {' '.join(error.messages)}")
            if errors:
                transaction.set_rollback(True)


# --- organisations -------------------------------------------------------------------------------------------


def _kind_names() -> dict[str, str]:
    """Kind values and their labels in Dutch and English, lower case -> value."""
    names = {kind.value: kind.value for kind in OrganisationKind}
    for language in ("nl-be", "en"):
        with translation.override(language):
            names.update({str(kind.label).lower(): kind.value for kind in OrganisationKind})
    return names


@dataclass
class _OrganisationRow:
    row: int
    kbo: str
    name: str
    kind: str
    region: Region
    email: str


def organisations_import(
    *, data: bytes, filename: str, dry_run: bool = False, progress: ProgressCallback | None = None
) -> ImportReport:
    """Import an organisation file (CSV or XLSX), all or nothing: a KBO number not stored yet adds an (active)
    organisation, a stored one gets the file's name, kind, home municipality and e-mail address. `region` must
    be a municipality that exists today."""
    report = ImportReport(dry_run=dry_run)
    errors = _Errors()
    try:
        table = _read_table(data, filename)
        header = _read_header(table, ORGANISATION_COLUMNS, errors)
        if header is None:
            report.errors = errors.result()
            return report
        report.rows, parsed = _parse_organisations(table, header, errors, progress)
    except _Refused as refused:
        errors.add(refused.row, "", "", refused.message)
        report.errors = errors.result()
        return report
    if not report.rows:
        errors.add(0, "", "", _("Het bestand bevat enkel een kopregel en geen gegevens."))
    if errors:
        report.errors = errors.result()
        return report

    stored = {o.kbo: o for o in Organisation.objects.filter(kbo__in=[r.kbo for r in parsed])}
    writes: list[Organisation] = []
    for row in parsed:
        organisation = stored.get(row.kbo)
        if organisation is None:
            report.created += 1
            writes.append(
                Organisation(kbo=row.kbo, name=row.name, kind=row.kind, home_region=row.region, email=row.email)
            )
            continue
        if (organisation.name, organisation.kind, organisation.home_region_id, organisation.email) == (
            row.name,
            row.kind,
            row.region.pk,
            row.email,
        ):
            report.unchanged += 1
            continue
        report.updated += 1
        organisation.name, organisation.kind = row.name, row.kind
        organisation.home_region, organisation.email = row.region, row.email
        writes.append(organisation)
    if writes and not dry_run:
        with transaction.atomic(), history_context(source="import", file=PurePath(filename).name):
            Organisation.objects.bulk_create(
                writes,
                update_conflicts=True,
                unique_fields=["kbo"],
                update_fields=["name", "kind", "home_region", "email"],
            )
    if progress is not None:
        progress(report.rows, report.rows)
    return report


def _parse_organisations(
    table: _Table, header: _Header, errors: _Errors, progress: ProgressCallback | None
) -> tuple[int, list[_OrganisationRow]]:
    positions, names = header.positions, header.names
    width = header.width
    kinds = _kind_names()
    regions = {r.code: r for r in Region.objects.select_related("successor")}
    kind_list = ", ".join(kind.value for kind in OrganisationKind)
    first_row: dict[str, int] = {}
    parsed: list[_OrganisationRow] = []
    rows = 0
    for number, cells in table.rows:
        rows += 1
        if rows > settings.IMPORT_MAX_ROWS:
            raise _Refused(
                _("Het bestand heeft meer dan %(max)s rijen; splits het op.")
                % {"max": _number(settings.IMPORT_MAX_ROWS)},
                number,
            )
        if progress is not None and rows % PROGRESS_EVERY == 0:
            progress(rows, max(table.estimate, rows))
        if len(cells) < width:
            cells = [*cells, *([None] * (width - len(cells)))]
        ok = _check_width(number, cells, header, errors)
        values: dict[str, str] = {}
        for key, position in positions.items():
            raw = cells[position]
            text = _text(raw)
            problem = _text_problem(text) if text else None
            if problem:
                errors.add(number, names[key], raw, problem)
                ok = False
            values[key] = text

        kbo = ""
        if not values["kbo"]:
            errors.add(number, names["kbo"], "", _("het ondernemingsnummer ontbreekt; verwacht bv. 0123.456.749."))
            ok = False
        elif not _text_problem(values["kbo"]):
            try:
                kbo = normalise_kbo(values["kbo"])
            except ValidationError as error:
                errors.add(number, names["kbo"], values["kbo"], " ".join(error.messages))
                ok = False
        if not values["name"]:
            errors.add(number, names["name"], "", _("de naam ontbreekt."))
            ok = False
        kind = kinds.get(values["kind"].lower())
        if not values["kind"]:
            errors.add(
                number, names["kind"], "", _("de soort ontbreekt; verwacht een van %(kinds)s.") % {"kinds": kind_list}
            )
            ok = False
        elif kind is None and not _text_problem(values["kind"]):
            errors.add(
                number,
                names["kind"],
                values["kind"],
                _("onbekende soort ‘%(value)s’; verwacht een van %(kinds)s.")
                % {"value": _shown(values["kind"]), "kinds": kind_list},
            )
            ok = False
        region = _home_region(number, names["region"], values["region"], regions, errors)
        ok = ok and region is not None
        email = values.get("email", "")
        if email and not _text_problem(email):
            try:
                validate_email(email)
            except ValidationError:
                errors.add(
                    number,
                    names["email"],
                    email,
                    _("‘%(value)s’ is geen geldig e-mailadres.") % {"value": _shown(email)},
                )
                ok = False
        if kbo:
            first = first_row.get(kbo)
            if first is not None:
                errors.add(
                    number,
                    names["kbo"],
                    values["kbo"],
                    _("hetzelfde ondernemingsnummer als rij %(first)s; elke organisatie mag maar één keer voorkomen.")
                    % {"first": first},
                )
                continue
            first_row[kbo] = number
        if ok and kind is not None and region is not None:
            parsed.append(_OrganisationRow(number, kbo, values["name"], kind, region, email))
    return rows, parsed


def _home_region(number: int, column: str, text: str, regions: dict[str, Region], errors: _Errors) -> Region | None:
    if _text_problem(text):
        return None  # reported with the other text problems
    if text.isascii() and text.isdigit() and len(text) < 5:
        text = text.zfill(5)
    region = regions.get(text)
    if region is not None and region.level == Region.Level.GEMEENTE and region.last_year is None:
        return region
    if not text:
        message = _("de gemeente ontbreekt; verwacht de NIS-code van de vestigingsgemeente, bv. 31005 voor Brugge.")
    elif region is None:
        message = _(
            "onbekende regio ‘%(value)s’; verwacht de NIS-code van de vestigingsgemeente, bv. 31005 voor Brugge."
        ) % {"value": _shown(text)}
    elif region.level != Region.Level.GEMEENTE:
        message = _(
            "%(name)s (%(code)s) is een %(level)s, geen gemeente; verwacht de NIS-code van de vestigingsgemeente."
        ) % {"name": region.name, "code": region.code, "level": region.get_level_display()}
    elif region.successor is not None:
        message = _("de gemeente %(name)s (%(code)s) bestaat niet meer; ze is opgegaan in %(successor)s (%(new)s).") % {
            "name": region.name,
            "code": region.code,
            "successor": region.successor.name,
            "new": region.successor.code,
        }
    else:
        message = _("de gemeente %(name)s (%(code)s) bestaat niet meer.") % {"name": region.name, "code": region.code}
    errors.add(number, column, text, message)
    return None
