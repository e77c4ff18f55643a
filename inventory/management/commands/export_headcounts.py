from inventory.management.exporting import ExportCommand
from inventory.selectors.headcounts import HeadcountFilters
from inventory.services.exports import headcounts_export


class Command(ExportCommand):
    help = (
        "Exporteert de tellingen (jaar, organisatie, maatregel, regio, personen, VTE, status) als CSV, Excel-CSV "
        "(nl-BE), XLSX, JSON, SDMX-CSV of JSON-stat, met metadata. --region kiest ook alles binnen die regio."
    )
    filters_class = HeadcountFilters
    build = staticmethod(headcounts_export)
