from inventory.management.exporting import ExportCommand
from inventory.services.exports import aggregates_export


class Command(ExportCommand):
    help = (
        "Exporteert de aggregaten (jaar, regio, trede, groep, maatregel, personen) als CSV, Excel-CSV (nl-BE), "
        "XLSX, JSON, SDMX-CSV of JSON-stat, met metadata."
    )
    build = staticmethod(aggregates_export)
