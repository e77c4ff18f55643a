from typing import Any

from django.core.management.base import CommandError, CommandParser

from config.commands import BaseCommand
from inventory.services.backups import BackupError, backup_check


class Command(BaseCommand):
    help = (
        "Bewijst dat een back-up terug te zetten is: zet ze terug in een tijdelijke testdatabase (die altijd "
        "verwijderd wordt), controleert de controlesommen, de migraties en het aantal rijen per tabel en de "
        "controlesommen van de edities tegen het manifest. Bij het eerste verschil: dat verschil en exit 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="BESTAND", help="de back-up (tar)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_check(path=options["file"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(result.summary)
