from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from config.commands import BaseCommand
from inventory.services.backups import BackupError, Manifest, backup_restore, database_name


class Command(BaseCommand):
    help = (
        "Zet een back-up terug in de ingestelde database: alle gegevens daarin worden vervangen. Het bestand wordt "
        "eerst helemaal gecontroleerd (een beschadigd bestand raakt niets aan), dan wordt om bevestiging gevraagd. "
        "Stop eerst de website, de workers en beat."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="BESTAND", help="de back-up (tar)")
        parser.add_argument(
            "--noinput",
            "--no-input",
            "--yes",
            action="store_false",
            dest="interactive",
            help="niet om bevestiging vragen (voor scripts)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = backup_restore(path=options["file"], confirm=self.confirm if options["interactive"] else None)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(summary)

    def confirm(self, manifest: Manifest) -> bool:
        name = database_name()
        application = manifest.get("application") or {}
        self.stdout.write(
            _(
                "Dit vervangt alle gegevens in database %(database)s door de back-up van %(created)s "
                "(versie %(version)s, commit %(commit)s)."
            )
            % {
                "database": name,
                "created": manifest.get("created_at", "?"),
                "version": application.get("version", "?"),
                "commit": str(application.get("commit", "?"))[:12],
            }
        )
        try:
            answer = input(_("Typ de naam van de database om te bevestigen: "))
        except EOFError:
            return False
        return answer.strip() == name
