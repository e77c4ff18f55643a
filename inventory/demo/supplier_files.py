"""Two synthetic supplier files for the demo, in the suppliers' own layouts, and the import profiles that read them
(README, "Supplier files: try it"). The files and profiles are shipped in inventory/demo/supplier/;
`python scripts/demo_supplier_files.py` writes the files again from this module (same cells every time).

- RSZ_FILE: doelgroepverminderingen per municipality of West-Vlaanderen in 2020 as the social-security data
  warehouse sends them: a title and a source above the header, municipalities by name as the supplier writes them
  (some in capitals, hyphens as spaces), a column per target group and a "Totaal" column, small counts hidden as
  "<5", a totals row that counts the hidden persons at their true value, and a note under it. Through its profile
  the hidden counts become estimates of 2, so the dry run shows a difference with the totals row that staff must
  accept.
- VDAB_FILE: VDAB trajectories per municipality, a sheet per year (2020, 2021), by NIS code and name.

Both are for years after the demo's 2014-2019, for suppliers with no submission in those years: importing them
never changes the figures of the 2019 press release. Every figure is SYNTHETIC.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from inventory.demo.figures import apportion

FOLDER = Path(__file__).resolve().parent / "supplier"
RSZ_FILE = "rsz-doelgroepverminderingen-wvl-2020.xlsx"
VDAB_FILE = "vdab-trajecten-wvl-2020-2021.xlsx"
RSZ_PROFILE_FILE = "rsz-doelgroepverminderingen.json"
VDAB_PROFILE_FILE = "vdab-trajecten.json"
RSZ_PROFILE = "RSZ doelgroepverminderingen per gemeente (demo)"
VDAB_PROFILE = "VDAB trajecten per gemeente, blad per jaar (demo)"
RSZ_YEAR = 2020
VDAB_YEARS = (2020, 2021)
HIDDEN = "<5"
ESTIMATE = 2  # what the RSZ profile stores for a hidden count
FILE_DATE = dt.datetime(2022, 3, 1, 9, 0)
NOTE = "Opmerking: <5 = minder dan 5 werknemers, niet getoond (privacy); de totalen bevatten de werkelijke aantallen."

# Column header in the RSZ file -> measure, and West-Vlaanderen's total in 2020 (synthetic).
RSZ_MEASURES = {"Jongeren": "DGK-JONG", "Oudere werknemers": "DGK-OUD", "Arbeidshandicap": "VOP", "SINE": "SINE"}
RSZ_TOTALS = {"DGK-JONG": 6452, "DGK-OUD": 32108, "VOP": 7236, "SINE": 1664}
# Column header in the VDAB file -> measure, and West-Vlaanderen's total per year (synthetic).
VDAB_MEASURES = {
    "IBO": "IBO",
    "Gespecialiseerde IBO": "GIBO",
    "Tijdelijke werkervaring": "TWE",
    "Werkplekleren (stages)": "WPL",
}
VDAB_TOTALS = {
    2020: {"IBO": 3180, "GIBO": 655, "TWE": 1540, "WPL": 780},
    2021: {"IBO": 3495, "GIBO": 712, "TWE": 1610, "WPL": 965},
}


@dataclass(frozen=True)
class Place:
    code: str
    name: str  # as Statbel writes it
    rsz_name: str  # as the RSZ file writes it
    arrondissement: str
    weight: int  # synthetic, roughly the size of the municipality


# The 64 municipalities of West-Vlaanderen in 2019-2024 (before the 2025 mergers).
_PLACES = [  # code, name, as the RSZ file writes it, arrondissement, weight
    ("31003", "Beernem", "Beernem", "Brugge", 16),
    ("31004", "Blankenberge", "BLANKENBERGE", "Brugge", 20),
    ("31005", "Brugge", "BRUGGE", "Brugge", 118),
    ("31006", "Damme", "Damme", "Brugge", 11),
    ("31012", "Jabbeke", "Jabbeke", "Brugge", 14),
    ("31022", "Oostkamp", "Oostkamp", "Brugge", 23),
    ("31033", "Torhout", "Torhout", "Brugge", 20),
    ("31040", "Zedelgem", "Zedelgem", "Brugge", 23),
    ("31042", "Zuienkerke", "ZUIENKERKE", "Brugge", 3),
    ("31043", "Knokke-Heist", "KNOKKE-HEIST", "Brugge", 33),
    ("32003", "Diksmuide", "Diksmuide", "Diksmuide", 17),
    ("32006", "Houthulst", "Houthulst", "Diksmuide", 10),
    ("32010", "Koekelare", "Koekelare", "Diksmuide", 9),
    ("32011", "Kortemark", "Kortemark", "Diksmuide", 12),
    ("32030", "Lo-Reninge", "Lo Reninge", "Diksmuide", 3),
    ("33011", "Ieper", "IEPER", "Ieper", 35),
    ("33016", "Mesen", "MESEN", "Ieper", 1),
    ("33021", "Poperinge", "Poperinge", "Ieper", 20),
    ("33029", "Wervik", "Wervik", "Ieper", 18),
    ("33037", "Zonnebeke", "Zonnebeke", "Ieper", 12),
    ("33039", "Heuvelland", "Heuvelland", "Ieper", 8),
    ("33040", "Langemark-Poelkapelle", "Langemark Poelkapelle", "Ieper", 8),
    ("33041", "Vleteren", "Vleteren", "Ieper", 4),
    ("34002", "Anzegem", "Anzegem", "Kortrijk", 15),
    ("34003", "Avelgem", "Avelgem", "Kortrijk", 10),
    ("34009", "Deerlijk", "Deerlijk", "Kortrijk", 12),
    ("34013", "Harelbeke", "HARELBEKE", "Kortrijk", 28),
    ("34022", "Kortrijk", "KORTRIJK", "Kortrijk", 77),
    ("34023", "Kuurne", "Kuurne", "Kortrijk", 13),
    ("34025", "Lendelede", "Lendelede", "Kortrijk", 6),
    ("34027", "Menen", "MENEN", "Kortrijk", 33),
    ("34040", "Waregem", "WAREGEM", "Kortrijk", 38),
    ("34041", "Wevelgem", "Wevelgem", "Kortrijk", 31),
    ("34042", "Zwevegem", "Zwevegem", "Kortrijk", 24),
    ("34043", "Spiere-Helkijn", "SPIERE HELKIJN", "Kortrijk", 2),
    ("35002", "Bredene", "Bredene", "Oostende", 18),
    ("35005", "Gistel", "Gistel", "Oostende", 12),
    ("35006", "Ichtegem", "Ichtegem", "Oostende", 14),
    ("35011", "Middelkerke", "Middelkerke", "Oostende", 20),
    ("35013", "Oostende", "OOSTENDE", "Oostende", 71),
    ("35014", "Oudenburg", "Oudenburg", "Oostende", 9),
    ("35029", "De Haan", "DE HAAN", "Oostende", 13),
    ("36006", "Hooglede", "Hooglede", "Roeselare", 10),
    ("36007", "Ingelmunster", "Ingelmunster", "Roeselare", 11),
    ("36008", "Izegem", "IZEGEM", "Roeselare", 27),
    ("36010", "Ledegem", "Ledegem", "Roeselare", 10),
    ("36011", "Lichtervelde", "Lichtervelde", "Roeselare", 9),
    ("36012", "Moorslede", "Moorslede", "Roeselare", 11),
    ("36015", "Roeselare", "ROESELARE", "Roeselare", 63),
    ("36019", "Staden", "Staden", "Roeselare", 11),
    ("37002", "Dentergem", "Dentergem", "Tielt", 8),
    ("37007", "Meulebeke", "Meulebeke", "Tielt", 11),
    ("37010", "Oostrozebeke", "Oostrozebeke", "Tielt", 8),
    ("37011", "Pittem", "Pittem", "Tielt", 7),
    ("37012", "Ruiselede", "Ruiselede", "Tielt", 5),
    ("37015", "Tielt", "TIELT", "Tielt", 20),
    ("37017", "Wielsbeke", "Wielsbeke", "Tielt", 9),
    ("37018", "Wingene", "Wingene", "Tielt", 14),
    ("37020", "Ardooie", "Ardooie", "Tielt", 9),
    ("38002", "Alveringem", "Alveringem", "Veurne", 5),
    ("38008", "De Panne", "DE PANNE", "Veurne", 11),
    ("38014", "Koksijde", "Koksijde", "Veurne", 22),
    ("38016", "Nieuwpoort", "Nieuwpoort", "Veurne", 11),
    ("38025", "Veurne", "Veurne", "Veurne", 12),
]
PLACES = [Place(*place) for place in _PLACES]


def split(total: int, places: list[Place], seed: str) -> dict[str, int]:
    """`total` over the places by weight, each weight varied a little per measure; the parts add up exactly."""
    weights = [place.weight * random.Random(f"{seed}-{place.code}").randint(80, 120) for place in places]
    return {place.code: part for place, part in zip(places, apportion(total, weights), strict=True)}


def rsz_figures() -> dict[str, dict[str, int]]:
    """The true persons per measure and municipality of the RSZ file (hidden or not)."""
    return {measure: split(total, PLACES, f"rsz-{measure}") for measure, total in RSZ_TOTALS.items()}


def rsz_rows() -> list[list[Any]]:
    figures = rsz_figures()
    rows: list[list[Any]] = [
        [f"Doelgroepverminderingen en VOP per woonplaats (gemeente), West-Vlaanderen, 4de kwartaal {RSZ_YEAR}"],
        [
            "Bron: RSZ, Datawarehouse arbeidsmarkt en sociale bescherming; bewerking Departement WSE. "
            "Synthetische demogegevens."
        ],
        [],
        ["Gemeente", "Arrondissement", *RSZ_MEASURES, "Totaal"],
    ]
    for place in sorted(PLACES, key=lambda p: p.rsz_name.casefold()):
        values = [figures[measure][place.code] for measure in RSZ_MEASURES.values()]
        shown = [HIDDEN if value < 5 else value for value in values]
        rows.append([place.rsz_name, place.arrondissement, *shown, sum(values)])
    totals = [RSZ_TOTALS[measure] for measure in RSZ_MEASURES.values()]
    rows.append(["Totaal West-Vlaanderen", None, *totals, sum(totals)])
    rows.append([])
    rows.append([NOTE])
    return rows


def rsz_expected_differences() -> dict[str, int]:
    """Per measure: the rows imported (hidden ones as the estimate) minus the totals row, as the dry run shows."""
    return {
        measure: sum(ESTIMATE - value for value in by_place.values() if value < 5)
        for measure, by_place in rsz_figures().items()
    }


def vdab_figures(year: int) -> dict[str, dict[str, int]]:
    return {measure: split(total, PLACES, f"vdab-{year}-{measure}") for measure, total in VDAB_TOTALS[year].items()}


def vdab_rows(year: int) -> list[list[Any]]:
    figures = vdab_figures(year)
    rows: list[list[Any]] = [
        [
            f"VDAB: lopende trajecten op 31 december {year} naar woonplaats van de werkzoekende, West-Vlaanderen "
            "(synthetische demogegevens)"
        ],
        [],
        ["NIS-code", "Gemeente", *VDAB_MEASURES],
    ]
    for place in PLACES:
        values = [figures[measure][place.code] for measure in VDAB_MEASURES.values()]
        rows.append([int(place.code), place.name, *(value or None for value in values)])  # 0: an empty cell
    rows.append([])
    rows.append([f"Bron: VDAB, Arvastat; toestand op 31/12/{year}."])
    return rows


def workbook_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    book = Workbook()
    book.properties.creator = "Demo"
    book.properties.created = book.properties.modified = FILE_DATE
    book.remove(book.active)  # type: ignore[arg-type]  # ok: a new workbook has its active sheet
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        sheet.column_dimensions["A"].width = 24
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def files() -> dict[str, bytes]:
    """Each demo file's name and its bytes (the cells are the same every time; the zip's dates are not)."""
    return {
        RSZ_FILE: workbook_bytes({"Gemeenten": rsz_rows()}),
        VDAB_FILE: workbook_bytes({str(year): vdab_rows(year) for year in VDAB_YEARS}),
    }


def files_write(folder: Path = FOLDER) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in files().items():
        path = folder / name
        path.write_bytes(data)
        written.append(path)
    return written
