from typing import Any

from django.core.management.base import CommandParser

from config.commands import BaseCommand
from inventory.services.aggregation import aggregates_recompute_all


class Command(BaseCommand):
    help = (
        "Herberekent de aggregaten synchroon, met dezelfde service als de worker: alle jaren met cijfers, "
        "of enkel --year."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, action="append", help="enkel dit jaar (mag herhaald worden)")

    def handle(self, *args: Any, **options: Any) -> None:
        for result in aggregates_recompute_all(years=options["year"]):
            self.stdout.write(f"{result.year}: {result.rows} aggregaten berekend")
