from typing import Any

from django.core.management.base import CommandError, CommandParser

from config.commands import BaseCommand
from inventory.services.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Schrijft een back-up in één bestand (tar): de hele database (pg_dump --format=custom, met de geüploade "
        "bestanden) en een manifest met de versie, de migraties, het aantal rijen per tabel en controlesommen. "
        "Standaard in BACKUP_DIR, anders in de huidige map; restore_check bewijst dat het terug te zetten is."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "-o", "--output", metavar="BESTAND", help="bestand (standaard: inventaris-backup-JJJJMMDD-UUMMSS.tar)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_create(output=options["output"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(str(result.path))
        self.stdout.write(result.summary)
