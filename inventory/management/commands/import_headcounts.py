from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from accounts.models import User
from config.commands import BaseCommand
from inventory.access import is_staff_member
from inventory.history import command_history_context
from inventory.management.commands._imports import progress_printer, read_file, report
from inventory.services.imports import headcounts_import


class Command(BaseCommand):
    help = (
        "Importeert tellingen uit een CSV- of XLSX-bestand met de kolommen jaar, organisatie (ondernemingsnummer, "
        "leeg = POM), maatregel, regio (NIS-code), personen en optioneel vte (Engelse koppen mogen ook). Alles of "
        "niets: met één fout wordt niets opgeslagen en staat elke fout met rij, kolom en waarde op stderr."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="BESTAND", help="het CSV- of XLSX-bestand")
        parser.add_argument("--dry-run", action="store_true", help="alles controleren en tellen, maar niets opslaan")
        parser.add_argument(
            "--validate",
            action="store_true",
            help="de aangiften van het bestand daarna valideren in naam van --user (een POM-medewerker)",
        )
        parser.add_argument("--user", metavar="GEBRUIKER", help="gebruikersnaam van wie importeert")

    def handle(self, *args: Any, **options: Any) -> None:
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(_("Gebruiker %(name)s bestaat niet.") % {"name": options["user"]})
        if options["validate"]:
            if user is None:
                raise CommandError(_("--validate heeft --user nodig: de POM-medewerker die valideert."))
            if not is_staff_member(user):
                raise CommandError(
                    _("%(name)s is geen POM-medewerker en kan niet valideren.") % {"name": user.username}
                )
        path = options["file"]
        with command_history_context(self):
            result = headcounts_import(
                data=read_file(path),
                filename=path,
                user=user,
                dry_run=options["dry_run"],
                validate=options["validate"],
                progress=progress_printer(self, options["verbosity"]),
            )
        report(self, path, result)
