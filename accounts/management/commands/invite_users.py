"""`manage.py invite_users FILE [--dry-run] --user STAFF`: invite everyone in an invitation file (README, "Bulk
invitations"), with the service of the upload page (services.imports.invitations). The mails are sent from this
process, as invite_user's."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import ngettext

from config.commands import BaseCommand
from inventory.history import command_history_context
from inventory.management.commands._imports import (
    invitation_lines,
    invitations_send,
    read_file,
    staff_user,
    unsent_error,
)
from inventory.services.imports import invitations_import
from inventory.services.imports.invitations import invitations_summary


class Command(BaseCommand):
    help = (
        "Nodigt iedereen uit een CSV- of XLSX-bestand uit met de kolommen kbo (ondernemingsnummer, leeg voor een "
        "POM-medewerker of coördinator), email, rol en optioneel naam (Engelse koppen mogen ook). Alles of niets: "
        "met één fout wordt niets verstuurd en staat elke fout met rij, kolom en waarde op stderr. Wie al lid of al "
        "uitgenodigd is, krijgt niets."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="BESTAND", help="het CSV- of XLSX-bestand")
        parser.add_argument(
            "--dry-run", action="store_true", help="alles controleren en per rij tonen, niets versturen"
        )
        parser.add_argument(
            "--user", metavar="GEBRUIKER", required=True, help="de POM-medewerker in wiens naam uitgenodigd wordt"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = staff_user(options["user"])
        path = options["file"]
        with command_history_context(self):
            result = invitations_import(
                data=read_file(path), filename=path, actor=user, dry_run=options["dry_run"], queue=False
            )
        invitation_lines(self, result.invitations)
        for error in result.errors:
            self.stderr.write(f"{path}: {error}")
        unsent = 0 if result.errors or options["dry_run"] else invitations_send(self, result.invitations)
        self.stdout.write(invitations_summary(result))
        if result.errors:
            problems = len(result.errors)
            raise CommandError(
                ngettext(
                    "%(path)s: %(count)s fout gevonden; niets verstuurd.",
                    "%(path)s: %(count)s fouten gevonden; niets verstuurd.",
                    problems,
                )
                % {"path": path, "count": problems}
            )
        if unsent:
            raise unsent_error(unsent)
