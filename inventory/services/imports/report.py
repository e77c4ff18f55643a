"""The import report: counts and every error with row, column and value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from inventory.services.imports.cells import cell_shown, number_shown

MAX_ERRORS = 1000
PROGRESS_EVERY = 10_000

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportRowError:
    """One problem in a file. `row` 0 = the file as a whole; `column` "" = the row as a whole. Named
    ImportRowError rather than ImportError, which would shadow Python's own."""

    row: int
    column: str
    value: str
    message: str
    sheet: str = ""  # a supplier workbook's sheet, when it has several

    def __str__(self) -> str:
        if self.sheet:
            return _("Blad %(sheet)s: %(error)s") % {
                "sheet": self.sheet,
                "error": str(ImportRowError(self.row, self.column, self.value, self.message)),
            }
        if not self.row:
            return self.message
        if not self.column:
            return _("Rij %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        return _("Rij %(row)s, kolom %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass(frozen=True)
class InvitationLine:
    """One invitation of a file (an invitation file's row, or an organisation file's contact address): what it did,
    or would do. `outcome` one of accounts.invitations.Outcome or REFUSED (the row has errors, listed apart);
    `label` says it in the active language (the report is written in the uploader's); `invitation_id`: the
    invitation whose mail goes out (new or added), None otherwise and in a dry run."""

    row: int
    email: str
    kbo: str  # as shown: 0123.456.749; "" for staff and coordinators
    organisation: str  # its name; "" when unknown or none
    role: str  # the role's label (or the value as written when unknown)
    outcome: str
    label: str
    invitation_id: int | None = None


@dataclass
class ImportReport:
    """What an import did, or with errors or a dry run, what it would have done (then nothing was written).

    rows: data rows read (header and blank rows not counted); created / updated / unchanged: rows that add a
    figure (organisation), change one, or equal what is stored; errors: every problem found (0 when ok);
    submission_ids (headcounts): the submissions the file's rows belong to, new ones included (empty for a dry
    run's new submissions, which do not exist); submissions_created: how many of them the import created;
    versions (headcounts): every (organisation id, year) of the file as "12:2019" with its submission's version as
    read (None: no submission yet), for a confirmation to check that nothing changed since (headcounts_import's
    expected_versions); invitations (invitation files, and organisation files with invite_contacts): every
    invitation's line in file order (services.imports.invitations); supplier (supplier files): the reshaped rows'
    preview, counts and reconciliation (services.imports.supplier).
    """

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[ImportRowError] = field(default_factory=list)
    submission_ids: list[int] = field(default_factory=list)
    submissions_created: int = 0
    dry_run: bool = False
    versions: dict[str, int | None] = field(default_factory=dict)
    invitations: list[InvitationLine] = field(default_factory=list)
    supplier: Any = None  # supplier files: services.imports.supplier.SupplierSummary

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
            "rows": number_shown(self.rows),
            "created": number_shown(self.created),
            "updated": number_shown(self.updated),
            "unchanged": number_shown(self.unchanged),
        }
        if self.errors:
            text += " – " + _("niets opgeslagen: het bestand bevat fouten")
        elif self.dry_run:
            text += " – " + _("proefimport: niets opgeslagen")
        return text


class Errors:
    """Collects errors up to MAX_ERRORS and counts the rest; a refusal of the file as a whole is kept apart, so that
    it is shown whatever else was found."""

    def __init__(self) -> None:
        self.items: list[ImportRowError] = []
        self.more = 0
        self.refusal: ImportRowError | None = None

    def __bool__(self) -> bool:
        return bool(self.items) or self.refusal is not None

    def refuse(self, row: int, message: str) -> None:
        """The file as a whole is refused (too many rows, unreadable, changed since its dry run): listed first."""
        self.refusal = ImportRowError(row, "", "", message)

    def row_label(self, row: int) -> str:
        """How a message names another row of the file (a supplier file's errors name the sheet's own rows)."""
        return str(row)

    def add(self, row: int, column: str, value: Any, message: str, *, sheet: str = "") -> None:
        if len(self.items) >= MAX_ERRORS:
            self.more += 1
            return
        self.items.append(ImportRowError(row, column, cell_shown(value), message, sheet=sheet))

    def order(self, error: ImportRowError) -> Any:
        """Where an error goes in the list: file order (a supplier workbook's: sheet, then row)."""
        return error.row

    def result(self) -> list[ImportRowError]:
        """In file order (a row's errors in column order), then how many more there were."""
        self.items.sort(key=self.order)
        items = self.items if self.refusal is None else [self.refusal, *self.items]
        if not self.more:
            return items
        more = ngettext(
            "en nog %(count)s fout; verbeter eerst de bovenstaande.",
            "en nog %(count)s fouten; verbeter eerst de bovenstaande.",
            self.more,
        ) % {"count": number_shown(self.more)}
        return [*items, ImportRowError(0, "", "", more)]


class Refused(Exception):
    """The file as a whole cannot be read; `row` where that became clear (0 = before any row)."""

    def __init__(self, message: str, row: int = 0) -> None:
        super().__init__(message)
        self.message, self.row = message, row
