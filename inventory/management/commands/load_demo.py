from typing import Any

from django.core.management.base import CommandError, CommandParser

from config.commands import BaseCommand
from inventory.history import command_history_context
from inventory.services.demo import demo_exists, demo_load, demo_logins


class Command(BaseCommand):
    help = (
        "Laadt de demogegevens 2014-2019 (organisaties, gebruikers, rondes, gevalideerde aangiften, correcties, "
        "contextcijfers, edities Inventaris 2018 en 2019) die de cijfers van het persbericht Inventaris 2019 "
        "reproduceren."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="niets doen (en niet falen) als er al organisaties zijn"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_exists():
            if options["if_empty"]:
                self.stdout.write("Er zijn al organisaties; demogegevens niet opnieuw geladen.")
                return
            raise CommandError(
                "De databank bevat al organisaties; demogegevens worden enkel in een lege databank geladen."
            )
        with command_history_context(self):
            demo_load()
        self.stdout.write(self.style.SUCCESS("Demogegevens geladen."))
        print_logins(self)


def print_logins(command: BaseCommand) -> None:
    command.stdout.write("Demo-aanmeldingen (gebruikersnaam / wachtwoord):")
    for username, password, role in demo_logins():
        command.stdout.write(f"  {username:<12} {password}   {role}")
