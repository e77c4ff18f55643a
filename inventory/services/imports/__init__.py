"""Bulk imports of headcounts, organisations and invitations from CSV or XLSX files: all or nothing.

    report = headcounts_import(data=..., filename="tellingen.csv", user=request.user)
    report = headcounts_import(..., organisations=Organisation.objects.filter(memberships__user=user))  # portal
    report = organisations_import(data=..., filename="organisaties.xlsx", invite_contacts=True, actor=staff)
    report = invitations_import(data=..., filename="uitnodigingen.csv", actor=staff)  # invitations.py

Each call reads the whole file first and collects every error (at most MAX_ERRORS, then one "and N more"),
each naming the row (the file's line or sheet row: header = 1), the column as written in the file, the value
and what was expected, in the active language. With any error, or with `dry_run`, nothing is written and the
report says what would have happened. Without errors everything is written in one transaction.

File formats (README, "Imports"): headcounts `year,organisation,measure,region,persons[,fte]` or Dutch
`jaar,organisatie,maatregel,regio,personen[,vte]`; organisations `kbo,name,kind,region,email` or Dutch
`kbo,naam,soort,regio,email`; invitations `kbo,email,role[,name]` or `kbo,email,rol[,naam]`; headers in any case
and order. CSV with `,` or `;` (or an Excel `sep=` first line), UTF-8 with or without BOM or Windows-1252; XLSX:
the first sheet, no macros, no encryption.

Headcounts are parsed and checked in Python against lookups loaded once, then written set-based: COPY into a
temporary table and one INSERT ... ON CONFLICT DO UPDATE that skips rows equal to what is stored; new
figures are copied straight into the table.
"""

from inventory.services.imports.files import import_size_check
from inventory.services.imports.headcounts import headcounts_import
from inventory.services.imports.invitations import invitations_import
from inventory.services.imports.organisations import organisations_import
from inventory.services.imports.report import ImportReport, ImportRowError, InvitationLine

__all__ = [
    "ImportReport",
    "ImportRowError",
    "InvitationLine",
    "headcounts_import",
    "import_size_check",
    "invitations_import",
    "organisations_import",
]
