import argparse
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from config.commands import BaseCommand
from inventory.models import Scope
from inventory.services.publication import publication_filename, publication_workbook, publication_years


class Command(BaseCommand):
    help = (
        "Schrijft de tabellenbijlage (XLSX): per trede, per maatregel en per arrondissement, West-Vlaanderen naast "
        "Vlaanderen, de jaren tot en met het laatste volledige jaar (of --year). Kleine aantallen zijn afgeschermd, "
        "tenzij --no-public."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", help="bestand (standaard: inventaris-tabellenbijlage-....xlsx)")
        parser.add_argument("--scope", choices=Scope.values, default=Scope.VALIDATED)
        parser.add_argument(
            "--year",
            type=int,
            help="laatste jaar (standaard het laatste volledige jaar; een onvolledig jaar wordt zo gemarkeerd)",
        )
        parser.add_argument(
            "--public",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="kleine aantallen afschermen (standaard); --no-public voor intern gebruik",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = options["output"] or publication_filename(scope=options["scope"], public=options["public"])
        try:
            publication_years(scope=options["scope"], last_year=options["year"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        try:
            with open(output, "wb") as out:
                publication_workbook(
                    out=out, scope=options["scope"], public=options["public"], last_year=options["year"]
                )
        except OSError as error:
            raise CommandError(f"Kan {output} niet schrijven: {error.strerror}") from None
        self.stdout.write(output)
