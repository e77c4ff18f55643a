from typing import Any

from django.core.management.base import CommandParser

from config.commands import BaseCommand
from inventory.history import command_history_context
from inventory.management.commands._imports import progress_printer, read_file, report
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

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        with command_history_context(self):
            result = organisations_import(
                data=read_file(path),
                filename=path,
                dry_run=options["dry_run"],
                progress=progress_printer(self, options["verbosity"]),
            )
        report(self, path, result)
