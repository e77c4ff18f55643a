from typing import Any

from config.commands import BaseCommand
from inventory.history import command_history_context
from inventory.services.reference import reference_load


class Command(BaseCommand):
    help = (
        "Laadt de referentiegegevens: Vlaams Gewest, provincies, arrondissementen, elke Vlaamse gemeente sinds 2014 "
        "(REFNIS-lijst van Statbel, inventory/data/) met haar jaren, haar arrondissement van toen en bij een fusie "
        "(2019, 2025) de gemeente waarin ze opging, de sociaal-economische regio's en de maatregelencatalogus. "
        "Idempotent: een tweede keer wijzigt niets."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with command_history_context(self):
            report = reference_load()
        for line in report.lines():
            self.stdout.write(line)
