from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from inventory.selectors import AGGREGATE_COLUMNS, AggregateFilters, aggregate_rows, aggregates_freshness
from inventory.services.exports import FORMATS, csv_stream, json_stream, xlsx_write


class Command(BaseCommand):
    help = "Exporteert de aggregaten (jaar, regio, trede, groep, maatregel, personen) als CSV, XLSX of JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scope", choices=["validated", "provisional"], default="validated")
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("-o", "--output", help="bestand (standaard: standaarduitvoer; verplicht voor xlsx)")
        parser.add_argument("--year", action="append", default=[], help="enkel dit jaar (mag herhaald worden)")
        parser.add_argument("--region", action="append", default=[], help="NIS-code of code van een regio-indeling")
        parser.add_argument("--trede", action="append", default=[])
        parser.add_argument("--measure", action="append", default=[], help="code van een maatregel")

    def handle(self, *args: Any, **options: Any) -> None:
        params = {name: options[name] for name in ("year", "region", "trede", "measure")} | {
            "scope": [options["scope"]]
        }
        try:
            filters = AggregateFilters.parse(params)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        meta = {
            "scope": filters.scope,
            "filters": {k: v for k, v in params.items() if v and k != "scope"},
            "generated_at": timezone.now().isoformat(),
            **aggregates_freshness(filters.years).as_dict(),
        }
        rows = aggregate_rows(filters)
        fmt, output = options["format"], options["output"]
        if fmt == "xlsx":
            if not output:
                raise CommandError("Een XLSX-export heeft een bestand nodig: -o bestand.xlsx")
            with open(output, "wb") as out:
                xlsx_write(rows, AGGREGATE_COLUMNS, meta, out)
            return
        chunks = csv_stream(rows, AGGREGATE_COLUMNS) if fmt == "csv" else json_stream(rows, meta)
        if not output:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            return
        with open(output, "w", encoding="utf-8", newline="") as out:
            out.writelines(chunks)
