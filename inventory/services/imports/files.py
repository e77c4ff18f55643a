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
from typing import Any

import defusedxml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from inventory.services.imports.cells import cell_shown, cell_text
from inventory.services.imports.report import Refused

# Columns beyond this are not read from a sheet: a cell far to the right would otherwise make every row as wide.
MAX_COLUMNS = 50
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
CSV_SUFFIXES = (".csv", ".txt")
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


def read_table(data: bytes, filename: str) -> Table:
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
        return read_xlsx(data)
    if suffix in CSV_SUFFIXES:
        return read_csv(data)
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


def read_xlsx(data: bytes) -> Table:
    corrupt = _("Het Excel-bestand is beschadigd of onleesbaar; open het in Excel en sla het opnieuw op als .xlsx.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise Refused(corrupt) from None
    if any(PurePath(entry.filename).name.lower() == "vbaproject.bin" for entry in entries):
        raise Refused(macro_message())
    unzipped = sum(entry.file_size for entry in entries)
    if unzipped > settings.IMPORT_MAX_UNZIPPED_BYTES:
        raise Refused(
            _("Het Excel-bestand is uitgepakt te groot (%(size)s MB); het maximum is %(max)s MB.")
            % {"size": megabytes(unzipped), "max": megabytes(settings.IMPORT_MAX_UNZIPPED_BYTES)}
        )
    try:
        content_types = archive.read("[Content_Types].xml")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise Refused(corrupt) from None
    if b"macroenabled" in content_types.lower():
        raise Refused(macro_message())

    unsafe = _("Het Excel-bestand bevat onveilige XML (entiteiten of DTD’s) en wordt geweigerd.")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
        sheet = workbook.worksheets[0]
        estimate = sheet.max_row or 0
        sheet.reset_dimensions()  # the stored dimension may be wrong; read what is there
        iterator = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        header_row, header = 0, []
        for number, cells in enumerate(iterator, start=1):
            if any(cell_text(cell) for cell in cells):
                header_row, header = number, [cell_text(cell) for cell in cells]
                break
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
                if any(cell_text(cell) for cell in cells):
                    yield number, cells
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
