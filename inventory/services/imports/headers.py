"""The header row: which column is which, in English or Dutch, in any case and order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.utils.translation import gettext as _

from inventory.services.imports.cells import cell_shown, cell_text
from inventory.services.imports.files import Cells, Table, read_table
from inventory.services.imports.report import Errors, Refused

Parsed = TypeVar("Parsed")


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
class Header:
    positions: dict[str, int]  # column key -> position in a row
    names: dict[str, str]  # column key -> the header as written in the file
    width: int  # up to the last named column
    unnamed: list[int]  # positions before that without a name


def read_header(table: Table, columns: Sequence[Column], errors: Errors) -> Header | None:
    by_name = {}
    column: Column | None  # a header's column, None when unknown
    for column in columns:
        by_name[column.english] = column
        by_name[column.dutch] = column
    positions: dict[str, int] = {}
    names: dict[str, str] = {}
    dutch = english = 0
    unknown: list[str] = []
    row = table.header_row
    for position, raw in enumerate(table.header):
        name = cell_text(raw)
        if not name:
            continue
        column = by_name.get(name.lower())
        if column is None:
            unknown.append(name)
            continue
        if column.key in positions:
            errors.add(
                row,
                name,
                name,
                _("de kolom ‘%(name)s’ komt meer dan eens voor (kolommen %(first)s en %(second)s).")
                % {"name": cell_shown(name), "first": positions[column.key] + 1, "second": position + 1},
            )
            continue
        positions[column.key] = position
        names[column.key] = name
        dutch += name.lower() == column.dutch != column.english
        english += name.lower() == column.english != column.dutch
    # The names of the file's own language; Dutch (the page's and the template's) unless it is written in English.
    in_dutch = bool(dutch) or not english
    for name in unknown:
        errors.add(
            row,
            name,
            name,
            _("onbekende kolom ‘%(name)s’; verwacht de kolommen %(expected)s.")
            % {"name": cell_shown(name), "expected": expected_header(columns, dutch=in_dutch)},
        )
    for column in columns:
        if column.required and column.key not in positions:
            name = column.dutch if in_dutch else column.english
            errors.add(
                row,
                name,
                "",
                _("de kolom ‘%(name)s’ ontbreekt; verwacht de kolommen %(expected)s.")
                % {"name": name, "expected": expected_header(columns, dutch=in_dutch)},
            )
    if errors:
        return None
    width = max(positions.values()) + 1
    unnamed = [p for p in range(width) if not cell_text(table.header[p])]
    return Header(positions, names, width, unnamed)


def expected_header(columns: Sequence[Column], *, dutch: bool) -> str:
    required = ", ".join(c.dutch if dutch else c.english for c in columns if c.required)
    optional = [c.dutch if dutch else c.english for c in columns if not c.required]
    if optional:
        return _("%(required)s (en optioneel %(optional)s)") % {"required": required, "optional": ", ".join(optional)}
    return required


def check_width(number: int, cells: Cells, header: Header, errors: Errors) -> bool:
    """Values in columns without a header are refused: they would be silently dropped."""
    extra = [cell for cell in cells[header.width :] if cell_text(cell)]
    extra += [cells[p] for p in header.unnamed if cell_text(cells[p])]
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


def read_rows(
    data: bytes,
    filename: str,
    columns: Sequence[Column],
    errors: Errors,
    parse: Callable[[Table, Header], tuple[int, Parsed]],
) -> tuple[int, Parsed] | None:
    """Every import's first step: the file's table, its header and its rows through `parse` (the row count and
    what it made of them). None when the file is refused or its header is wrong (`errors` says why); a file of
    a header alone is an error too."""
    try:
        table = read_table(data, filename, columns=len(columns))
        header = read_header(table, columns, errors)
        if header is None:
            return None
        rows, parsed = parse(table, header)
    except Refused as refused:
        errors.refuse(refused.row, refused.message)
        return None
    if not rows:
        errors.add(0, "", "", _("Het bestand bevat enkel een kopregel en geen gegevens."))
    return rows, parsed
