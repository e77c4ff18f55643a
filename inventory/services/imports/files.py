"""Reading an uploaded file: CSV or XLSX, with the limits and refusals that protect the server."""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import PurePath
from typing import IO, Any

import defusedxml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from inventory.services.imports.cells import cell_shown, cell_text, number_shown
from inventory.services.imports.report import Refused

# Columns beyond this are not read from a sheet: a cell far to the right would otherwise make every row as wide.
MAX_COLUMNS = 50
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
CSV_SUFFIXES = (".csv", ".txt")
SHARED_STRINGS = "xl/sharedstrings.xml"
# A sheet's last row: openpyxl yields an empty row for every row number skipped, up to any number a file names.
EXCEL_MAX_ROWS = 1_048_576
SEP_LINE = re.compile(r"sep=(.)", re.IGNORECASE)


Cells = Sequence[Any]


@dataclass
class Table:
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
            % {"size": megabytes(size), "max": megabytes(settings.IMPORT_MAX_BYTES)},
            code="too_large",
        )


def read_table(data: bytes, filename: str, *, columns: int) -> Table:
    """The file's header and rows. `columns`: how many columns the importer knows; a sheet with more cells than
    IMPORT_MAX_ROWS times that is refused while it is read."""
    if _file_kind(data, filename) == "xlsx":
        return read_xlsx(data, columns=columns)
    return read_csv(data)


def _file_kind(data: bytes, filename: str) -> str:
    """ "xlsx" or "csv", after the refusals every file gets first: too large, empty, macros, encrypted or .xls, an
    unknown kind."""
    try:
        import_size_check(size=len(data))
    except ValidationError as error:
        raise Refused(" ".join(error.messages)) from None
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise Refused(_("Het bestand is leeg."))
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".xlsm":
        raise Refused(macro_message())
    if data.startswith(OLE2_SIGNATURE):
        raise Refused(
            _(
                "Het bestand is versleuteld (met een wachtwoord beveiligd) of in het oude Excel-formaat .xls; "
                "sla het op als Excel-werkmap (.xlsx) zonder wachtwoord, of als CSV."
            )
        )
    if suffix == ".xlsx" or data.startswith(ZIP_SIGNATURE):
        return "xlsx"
    if suffix in CSV_SUFFIXES:
        return "csv"
    raise Refused(
        _("Onbekend bestandstype ‘%(name)s’; verwacht een CSV-bestand (.csv) of een Excel-werkmap (.xlsx).")
        % {"name": cell_shown(filename)}
    )


def megabytes(size: int) -> str:
    megabytes = (Decimal(size) / (1024 * 1024)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return number_format(megabytes, decimal_pos=1, use_l10n=True, force_grouping=True)


def macro_message() -> str:
    return _("Excel-bestanden met macro’s worden niet aanvaard; sla het op als Excel-werkmap (.xlsx) zonder macro’s.")


def read_csv(data: bytes) -> Table:
    not_text = _(
        "Het bestand is geen tekstbestand in UTF-8 of Windows-1252; sla het op als CSV (UTF-8) of als "
        "Excel-werkmap (.xlsx)."
    )
    if b"\x00" in data:
        raise Refused(not_text)
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
        raise Refused(not_text) from None
    if not line.strip():
        raise Refused(_("Het bestand is leeg."))
    if delimiter is None:
        delimiter = ";" if line.count(";") > line.count(",") else ","
    reader = csv.reader(itertools.chain([line], stream), delimiter=delimiter)
    try:
        header = next(reader, [])
    except (csv.Error, UnicodeDecodeError):
        raise Refused(not_text, before) from None
    offset = before - reader.line_num

    def rows() -> Iterator[tuple[int, Cells]]:
        start = reader.line_num
        try:
            for cells in reader:
                if "".join(cells).strip():
                    yield offset + start + 1, cells
                start = reader.line_num
        except UnicodeDecodeError:
            raise Refused(not_text, offset + start + 1) from None
        except csv.Error as error:
            raise Refused(
                _("Het bestand is geen geldige CSV vanaf deze rij (%(error)s).") % {"error": error},
                offset + start + 1,
            ) from None

    return Table(before, header, rows(), max(data.count(b"\n") - before, 0))


def unzipped_size_check(entries: Sequence[zipfile.ZipInfo], size: int) -> None:
    """Refuse a zip of `size` bytes whose parts declare an unpacked size out of proportion, before anything is
    unpacked. Python's zipfile never unpacks more than a part declares (a part that lies fails its CRC)."""
    too_large = _("Het Excel-bestand is uitgepakt te groot (%(size)s MB); het maximum is %(max)s MB.")
    unzipped = sum(entry.file_size for entry in entries)
    if unzipped > settings.IMPORT_MAX_UNZIPPED_BYTES:
        raise Refused(too_large % {"size": megabytes(unzipped), "max": megabytes(settings.IMPORT_MAX_UNZIPPED_BYTES)})
    for entry in entries:
        if entry.filename.lower() == SHARED_STRINGS and entry.file_size > settings.IMPORT_MAX_SHARED_STRINGS_BYTES:
            raise Refused(
                too_large
                % {"size": megabytes(entry.file_size), "max": megabytes(settings.IMPORT_MAX_SHARED_STRINGS_BYTES)}
            )
        if entry.file_size > settings.IMPORT_MAX_UNZIPPED_RATIO * max(size, 1):
            raise Refused(
                _(
                    "Het Excel-bestand is uitgepakt te groot: het onderdeel ‘%(part)s’ wordt %(size)s MB, %(ratio)s "
                    "keer het bestand zelf (%(file)s MB); het maximum is %(max)s keer. Sla het op als CSV."
                )
                % {
                    "part": cell_shown(entry.filename),
                    "size": megabytes(entry.file_size),
                    "ratio": number_shown(entry.file_size // max(size, 1)),
                    "file": megabytes(size),
                    "max": settings.IMPORT_MAX_UNZIPPED_RATIO,
                }
            )


class _CellCounter:
    """A sheet's XML as openpyxl reads it, counting cells and rows on the way: a file over its limits is refused
    before openpyxl builds the rows (a single row of millions of cells would otherwise be built whole)."""

    TAG = re.compile(rb"<(?:\w{1,20}:)?(c|row)[\s/>]")
    TAIL = 32  # longer than any TAG match: a tag split between two reads is counted once

    def __init__(self, source: IO[bytes], *, max_cells: int, message: str) -> None:
        self.source, self.max_cells, self.message = source, max_cells, message
        self.cells = self.rows = 0
        self.tail = b""

    def read(self, size: int = -1) -> bytes:
        chunk = self.source.read(size)
        buffer = self.tail + chunk
        skip = len(self.tail)
        for match in self.TAG.finditer(buffer):
            if match.end() > skip:
                if match.group(1) == b"c":
                    self.cells += 1
                else:
                    self.rows += 1
        self.tail = buffer[-self.TAIL :]
        # Rows without cells too: millions of empty rows cost time as well.
        if self.cells > self.max_cells or self.rows > self.max_cells:
            raise Refused(self.message)
        return chunk

    def close(self) -> None:
        self.source.close()

    def __enter__(self) -> _CellCounter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def corrupt_message() -> str:
    return _("Het Excel-bestand is beschadigd of onleesbaar; open het in Excel en sla het opnieuw op als .xlsx.")


def xlsx_check(data: bytes) -> None:
    """What an XLSX must pass before anything in it is unpacked or parsed: a readable zip, no macros, no part
    unpacking out of proportion (unzipped_size_check). Raises Refused."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise Refused(corrupt_message()) from None
    if any(PurePath(entry.filename).name.lower() == "vbaproject.bin" for entry in entries):
        raise Refused(macro_message())
    unzipped_size_check(entries, len(data))
    try:
        content_types = archive.read("[Content_Types].xml")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise Refused(corrupt_message()) from None
    if b"macroenabled" in content_types.lower():
        raise Refused(macro_message())


def read_xlsx(data: bytes, *, columns: int) -> Table:
    corrupt = corrupt_message()
    xlsx_check(data)
    unsafe = _("Het Excel-bestand bevat onveilige XML (entiteiten of DTD’s) en wordt geweigerd.")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
        sheet = workbook.worksheets[0]
        estimate = sheet.max_row or 0
        sheet.reset_dimensions()  # the stored dimension may be wrong; read what is there
        max_cells = (settings.IMPORT_MAX_ROWS + 1) * columns
        too_many = _(
            "Het Excel-bestand heeft te veel cellen: meer dan %(max)s (%(rows)s rijen van %(columns)s kolommen); "
            "verwijder lege rijen en kolommen of splits het op."
        ) % {
            "max": number_shown(max_cells),
            "rows": number_shown(settings.IMPORT_MAX_ROWS),
            "columns": columns,
        }
        # openpyxl's read-only sheet opens its XML through this (private) method for every pass over the rows.
        source = getattr(sheet, "_get_source")  # noqa: B009
        setattr(sheet, "_get_source", lambda: _CellCounter(source(), max_cells=max_cells, message=too_many))  # noqa: B010
        iterator = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        header_row, header = 0, []
        for number, cells in enumerate(iterator, start=1):
            if number > EXCEL_MAX_ROWS:
                raise Refused(corrupt)  # a row number past Excel's last row; openpyxl would fill the gap
            if any(cell_text(cell) for cell in cells):
                header_row, header = number, [cell_text(cell) for cell in cells]
                break
    except Refused:
        raise
    except Exception as error:
        # openpyxl raises many kinds of errors on a damaged file (KeyError, ValueError, XML parse errors, ...),
        # and wraps defusedxml's refusal of a DTD in a ValueError of its own.
        raise Refused(unsafe if caused_by(error, defusedxml.DefusedXmlException) else corrupt) from None
    if not header_row:
        workbook.close()
        raise Refused(_("Het bestand is leeg."))
    while header and not header[-1]:
        header.pop()

    def rows() -> Iterator[tuple[int, Cells]]:
        number = header_row
        try:
            for number, cells in enumerate(iterator, start=header_row + 1):
                if number > EXCEL_MAX_ROWS:
                    raise Refused(corrupt)
                if any(cell_text(cell) for cell in cells):
                    yield number, cells
        except Refused:
            raise
        except Exception as error:
            raise Refused(unsafe if caused_by(error, defusedxml.DefusedXmlException) else corrupt, number + 1) from None
        finally:
            workbook.close()

    return Table(header_row, header, rows(), max(estimate - header_row, 0))


def caused_by(error: BaseException | None, kind: type[BaseException]) -> bool:
    while error is not None:
        if isinstance(error, kind):
            return True
        error = error.__cause__ or error.__context__
    return False


@dataclass
class Sheet:
    """One sheet of a supplier's workbook (a CSV file is one sheet without a name): every row with its number,
    blank rows included, so that a profile's skipped rows count as the supplier's file shows them."""

    name: str
    rows: Iterator[tuple[int, Cells]]


def read_sheets(data: bytes, filename: str, *, wanted: str | Sequence[str], columns: int) -> list[Sheet]:
    """The sheets a profile names (`wanted`: "first", "all" or sheet names, compared as `text_key` does), read
    lazily with read_table's limits; a sheet named but missing refuses the file, naming the sheets there are."""
    from inventory.parsing import text_key

    if _file_kind(data, filename) == "csv":
        return [Sheet("", _csv_rows(data))]
    corrupt = corrupt_message()
    xlsx_check(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        sheets = list(workbook.worksheets)
    except Exception as error:
        unsafe = _("Het Excel-bestand bevat onveilige XML (entiteiten of DTD’s) en wordt geweigerd.")
        raise Refused(unsafe if caused_by(error, defusedxml.DefusedXmlException) else corrupt) from None
    if wanted == "first":
        chosen = sheets[:1]
    elif wanted == "all":
        chosen = sheets
    else:
        by_key = {text_key(sheet.title): sheet for sheet in sheets}
        missing = [name for name in wanted if text_key(name) not in by_key]
        if missing:
            workbook.close()
            raise Refused(
                _("Het bestand heeft geen blad ‘%(name)s’; de bladen zijn: %(sheets)s.")
                % {"name": cell_shown(missing[0]), "sheets": ", ".join(s.title for s in sheets)}
            )
        chosen = [by_key[text_key(name)] for name in wanted]
    max_cells = (settings.IMPORT_MAX_ROWS + 1) * columns
    too_many = _(
        "Het Excel-bestand heeft te veel cellen: meer dan %(max)s; verwijder lege rijen en kolommen of splits het op."
    ) % {"max": number_shown(max_cells)}
    counted = [0]

    def rows(sheet: Any, last: bool) -> Iterator[tuple[int, Cells]]:
        sheet.reset_dimensions()
        source = getattr(sheet, "_get_source")  # noqa: B009
        # One limit for the whole workbook: each sheet's counter starts where the previous one stopped.
        counter_of = _CellCounter(source(), max_cells=max_cells - counted[0], message=too_many)
        setattr(sheet, "_get_source", lambda: counter_of)  # noqa: B010
        number = 0
        try:
            for number, cells in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
                if number > EXCEL_MAX_ROWS:
                    raise Refused(corrupt)
                yield number, cells
        except Refused:
            raise
        except Exception as error:
            unsafe = _("Het Excel-bestand bevat onveilige XML (entiteiten of DTD’s) en wordt geweigerd.")
            raise Refused(unsafe if caused_by(error, defusedxml.DefusedXmlException) else corrupt, number + 1) from None
        finally:
            counted[0] += counter_of.cells
            if last:
                workbook.close()

    return [Sheet(sheet.title, rows(sheet, i == len(chosen) - 1)) for i, sheet in enumerate(chosen)]


def _csv_rows(data: bytes) -> Iterator[tuple[int, Cells]]:
    """A CSV file's rows with their line numbers; the delimiter is the one most lines agree on (title lines above
    the header make the first line a poor guide)."""
    not_text = _(
        "Het bestand is geen tekstbestand in UTF-8 of Windows-1252; sla het op als CSV (UTF-8) of als "
        "Excel-werkmap (.xlsx)."
    )
    if b"\x00" in data:
        raise Refused(not_text)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        if "\ufffd" in text:
            raise Refused(not_text) from None
    lines = text.splitlines()[:50]
    delimiter = ";" if sum(line.count(";") for line in lines) > sum(line.count(",") for line in lines) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 0
    try:
        for cells in reader:
            yield start + 1, cells
            start = reader.line_num
    except csv.Error as error:
        raise Refused(
            _("Het bestand is geen geldige CSV vanaf deze rij (%(error)s).") % {"error": error}, start + 1
        ) from None
