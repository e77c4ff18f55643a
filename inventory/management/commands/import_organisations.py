from typing import Any

from django.core.management.base import CommandParser

from config.commands import BaseCommand
from inventory.history import command_history_context
from inventory.management.commands._imports import (
    invitation_lines,
    invitations_send,
    progress_printer,
    read_file,
    report,
    staff_user,
    unsent_error,
)
from inventory.services.imports import organisations_import


class Command(BaseCommand):
    help = (
        "Importeert organisaties uit een CSV- of XLSX-bestand met de kolommen kbo, naam, soort, regio (NIS-code "
        "van de vestigingsgemeente) en email (Engelse koppen mogen ook). Een bekend ondernemingsnummer wordt "
        "bijgewerkt. Alles of niets: met één fout wordt niets opgeslagen en staat elke fout op stderr."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="BESTAND", help="het CSV- of XLSX-bestand")
        parser.add_argument("--dry-run", action="store_true", help="alles controleren en tellen, maar niets opslaan")
        parser.add_argument(
            "--invite-contacts",
            action="store_true",
            help="daarna het e-mailadres van elke organisatie uitnodigen als contactpersoon (wie al lid of al "
            "uitgenodigd is, krijgt niets)",
        )
        parser.add_argument(
            "--user",
            metavar="GEBRUIKER",
            help="de POM-medewerker in wiens naam uitgenodigd wordt (zonder: namens POM West-Vlaanderen)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = staff_user(options["user"]) if options["user"] else None
        path = options["file"]
        with command_history_context(self):
            result = organisations_import(
                data=read_file(path),
                filename=path,
                dry_run=options["dry_run"],
                progress=progress_printer(self, options["verbosity"]),
                invite_contacts=options["invite_contacts"],
                actor=user,
                queue=False,
            )
        invitation_lines(self, result.invitations)
        unsent = 0 if result.errors or options["dry_run"] else invitations_send(self, result.invitations)
        report(self, path, result)
        if unsent:
            raise unsent_error(unsent)
