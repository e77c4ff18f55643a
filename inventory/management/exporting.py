"""What export_aggregates and export_headcounts share: options, filters, writing to a file or stdout."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from config.commands import BaseCommand
from inventory.models import Scope
from inventory.selectors.figures import AggregateFilters
from inventory.services.exports import FORMATS, Export, export_write


class ExportCommand(BaseCommand):
    filters_class: type[AggregateFilters] = AggregateFilters
    build: Callable[..., Export]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scope", choices=Scope.values, default=Scope.VALIDATED)
        parser.add_argument(
            "--format",
            choices=list(FORMATS),
            default="csv",
            help="csv, excel-nl (puntkomma, BOM, decimale komma), xlsx, json, sdmx (SDMX-CSV) of jsonstat",
        )
        parser.add_argument("-o", "--output", help="bestand (standaard: standaarduitvoer; verplicht voor xlsx)")
        parser.add_argument("--year", action="append", default=[], help="enkel dit jaar (mag herhaald worden)")
        parser.add_argument("--region", action="append", default=[], help="NIS-code of code van een regio-indeling")
        parser.add_argument("--trede", action="append", default=[])
        parser.add_argument("--measure", action="append", default=[], help="code van een maatregel")
        parser.add_argument(
            "--public", action="store_true", help="voor publicatie: kleine aantallen afschermen (<5 en x)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        params = {name: options[name] for name in ("year", "region", "trede", "measure")}
        try:
            filters = self.filters_class.parse(params | {"scope": [options["scope"]]})
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        fmt, output = FORMATS[options["format"]], options["output"]
        if fmt.binary and not output:
            raise CommandError(f"Een {fmt.label}-export heeft een bestand nodig: -o bestand.{fmt.extension}")
        export = self.build(filters=filters, public=options["public"])
        if fmt.binary:
            with open(output, "wb") as out:
                export_write(export, fmt, out)
        elif output:
            with open(output, "w", encoding="utf-8", newline="") as out:
                export_write(export, fmt, out)
        else:
            assert fmt.chunks is not None
            for chunk in fmt.chunks(export):
                self.stdout.write(chunk, ending="")
