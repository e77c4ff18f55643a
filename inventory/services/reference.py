"""Reference data: Flemish regions (Statbel's REFNIS list since 2014, inventory/data/), the West-Vlaanderen
groupings, the measure catalogue.

`reference_load` is idempotent: a second run changes nothing. Regions follow Statbel and are brought in line
on every run; measures and groupings are only created when missing, because staff own them afterwards.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from accounts.services import staff_group_ensure
from inventory.constants import FLANDERS
from inventory.models import CountedAt, Measure, MeasureMode, OrganisationKind, Region, RegionGrouping
from inventory.services.aggregation import aggregates_mark_all

PROVINCES = {
    "10000": "Antwerpen",
    "20001": "Vlaams-Brabant",
    "30000": "West-Vlaanderen",
    "40000": "Oost-Vlaanderen",
    "70000": "Limburg",
}

# Administrative arrondissements: code = first two digits of a municipality's code + "000".
ARRONDISSEMENTS = {
    "11000": "Antwerpen",
    "12000": "Mechelen",
    "13000": "Turnhout",
    "23000": "Halle-Vilvoorde",
    "24000": "Leuven",
    "31000": "Brugge",
    "32000": "Diksmuide",
    "33000": "Ieper",
    "34000": "Kortrijk",
    "35000": "Oostende",
    "36000": "Roeselare",
    "37000": "Tielt",
    "38000": "Veurne",
    "41000": "Aalst",
    "42000": "Dendermonde",
    "43000": "Eeklo",
    "44000": "Gent",
    "45000": "Oudenaarde",
    "46000": "Sint-Niklaas",
    "71000": "Hasselt",
    "72000": "Maaseik",
    "73000": "Tongeren",
}

# The province of an arrondissement: the first digit of its code.
PROVINCE_OF_DIGIT = {"1": "10000", "2": "20001", "3": "30000", "4": "40000", "7": "70000"}

# Every Flemish municipality since 2014 with its years, arrondissement and successor: Statbel's REFNIS list with
# the 2025 mergers added (inventory/data/README.md; scripts/build_refnis.py makes it).
MUNICIPALITIES_FILE = Path(__file__).resolve().parents[1] / "data" / "refnis-gemeenten-vlaanderen.csv"
FIRST_REPORTING_YEAR = 2014
STILL_VALID = 9999

# The socio-economic regions of West-Vlaanderen, composed of whole arrondissements.
WVL_GROUPINGS = [
    ("westhoek", "Westhoek", ["32000", "33000", "38000"]),
    ("midwest", "Midwest", ["36000", "37000"]),
    ("noord-west-vlaanderen", "Noord-West-Vlaanderen", ["31000", "35000"]),
    ("zuid-west-vlaanderen", "Zuid-West-Vlaanderen", ["34000"]),
]
GROUPING_KIND = "sociaal-economische regio West-Vlaanderen"

K = OrganisationKind


@dataclass(frozen=True)
class MeasureSpec:
    code: str
    name: str
    trede: int
    mode: str
    group: str
    first_year: int | None
    last_year: int | None
    administering_body: str
    reporter_kinds: Sequence[str]
    target_group: str = ""
    note: str = ""
    counted_at: str = CountedAt.WORKPLACE


IND, COL = MeasureMode.INDIVIDUEEL, MeasureMode.COLLECTIEF
# Our reading of each source (README "Measure catalogue"; staff may change it): the individual measures come from
# the social-security and VDAB registers, which place a person at home; the collective ones are reported by the
# organisations themselves, at the workplace.
HOME, WORK = CountedAt.RESIDENCE, CountedAt.WORKPLACE
WSE = "Departement Werk en Sociale Economie"
VDAB = "VDAB"
SUPPLIER = [K.GEGEVENSLEVERANCIER]

# fmt: off
MEASURES = [
    MeasureSpec("DGK-JONG", "Doelgroepvermindering jongeren", 5, IND, "doelgroepkortingen", 2016, None, WSE,
                SUPPLIER, "jongeren", counted_at=HOME),
    # Not in DESIGN.md's catalogue: the press release counts 4,443 young people in 2014, before the Flemish
    # reduction existed (mid-2016); they were under the federal reduction that preceded it.
    MeasureSpec("DGK-JONG-FED", "Doelgroepvermindering jongeren (federaal, vóór de Vlaamse regeling)", 5, IND,
                "doelgroepkortingen", 2014, 2016, "RSZ", SUPPLIER, "jongeren",
                "Voorloper van DGK-JONG; nodig om de jongeren van 2014-2016 te tellen.", counted_at=HOME),
    MeasureSpec("DGK-OUD", "Doelgroepvermindering oudere werknemers", 5, IND, "doelgroepkortingen", 2014, None, WSE,
                SUPPLIER, "ouderen", counted_at=HOME),
    MeasureSpec("VOP", "Vlaamse ondersteuningspremie (arbeidshandicap)", 5, IND, "doelgroepkortingen", 2014, None,
                WSE, SUPPLIER, "arbeidshandicap", counted_at=HOME),
    MeasureSpec("DGK-LWZ", "Langdurig werkzoekenden (Activa)", 5, IND, "doelgroepkortingen", 2014, 2018, WSE,
                SUPPLIER, "langdurig werkzoekenden", counted_at=HOME),
    MeasureSpec("SINE", "Sociale inschakelingseconomie", 5, IND, "doelgroepkortingen", 2014, None, WSE, SUPPLIER,
                "langdurig werkzoekenden", counted_at=HOME),
    MeasureSpec("TWP50", "Tewerkstellingspremie 50-plussers", 5, IND, "doelgroepkortingen", 2014, 2016, WSE,
                SUPPLIER, "ouderen", counted_at=HOME),
    MeasureSpec("CMW-BED", "Collectief maatwerk: maatwerkbedrijf", 5, COL, "collectief maatwerk", 2019, None, WSE,
                [K.MAATWERKBEDRIJF, *SUPPLIER], counted_at=WORK),
    MeasureSpec("CMW-AFD", "Collectief maatwerk: maatwerkafdeling", 5, COL, "collectief maatwerk", 2019, None, WSE,
                [K.MAATWERKBEDRIJF, *SUPPLIER], counted_at=WORK),
    MeasureSpec("BW", "Beschutte werkplaats", 5, COL, "collectief maatwerk", 2014, 2018, WSE,
                [K.MAATWERKBEDRIJF, *SUPPLIER], counted_at=WORK),
    MeasureSpec("SW", "Sociale werkplaats", 5, COL, "collectief maatwerk", 2014, 2018, WSE,
                [K.MAATWERKBEDRIJF, *SUPPLIER], counted_at=WORK),
    MeasureSpec("LDE", "Lokale diensteneconomie", 5, COL, "lokale diensteneconomie", 2015, None, WSE,
                [K.LDE, K.LOKAAL_BESTUUR, *SUPPLIER], counted_at=WORK),
    MeasureSpec("IBO", "Individuele beroepsopleiding", 4, IND, "werkplekleren", 2014, None, VDAB, SUPPLIER,
                counted_at=HOME),
    MeasureSpec("GIBO", "Gespecialiseerde IBO", 4, IND, "werkplekleren", 2014, None, VDAB,
                [K.OPLEIDINGSPARTNER, *SUPPLIER], counted_at=HOME),
    MeasureSpec("WPL", "Werkplekleren (stages)", 4, IND, "werkplekleren", 2018, None, VDAB,
                [K.OPLEIDINGSPARTNER, *SUPPLIER], counted_at=HOME),
    MeasureSpec("TWE", "Tijdelijke werkervaring", 4, IND, "werkervaring", 2017, None, VDAB,
                [K.OPLEIDINGSPARTNER, *SUPPLIER], counted_at=HOME),
    MeasureSpec("WEP", "Werkervaringsprogramma (WEP+)", 4, IND, "werkervaring", 2014, 2016, VDAB,
                [K.OPLEIDINGSPARTNER, *SUPPLIER], counted_at=HOME),
    MeasureSpec("WW", "Wijk-werken", 4, IND, "wijk-werken", 2018, None, "lokale besturen",
                [K.LOKAAL_BESTUUR, *SUPPLIER], counted_at=HOME),
    MeasureSpec("PWA", "Plaatselijk werkgelegenheidsagentschap", 4, IND, "wijk-werken", 2014, 2017,
                "lokale besturen", [K.LOKAAL_BESTUUR, *SUPPLIER], counted_at=HOME),
    MeasureSpec("W2", "Activeringstraject (W2)", 4, IND, "activering", 2018, None, VDAB,
                [K.LOKAAL_BESTUUR, *SUPPLIER], counted_at=HOME),
    MeasureSpec("AZ", "Arbeidszorg", 3, COL, "arbeidszorg", 2014, None, WSE, [K.ARBEIDSZORG, *SUPPLIER],
                counted_at=WORK),
    MeasureSpec("AMA", "Arbeidsmatige activiteiten (W2)", 3, COL, "arbeidszorg", 2018, None, "lokale besturen",
                [K.ARBEIDSZORG, K.LOKAAL_BESTUUR, *SUPPLIER], counted_at=WORK),
    MeasureSpec("DC", "Dienstencheques", 6, IND, "dienstencheques", 2014, None, WSE, SUPPLIER, counted_at=HOME),
]
# fmt: on


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    # A region whose parent or successor changed: figures roll up elsewhere, so every year is recomputed.
    regions_moved: bool = False

    def count(self, bucket: dict[str, int], label: str) -> None:
        bucket[label] = bucket.get(label, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def lines(self) -> list[str]:
        if not self.changed:
            return ["Referentiegegevens waren al volledig; niets gewijzigd."]
        return [f"{label}: {n} nieuw" for label, n in sorted(self.created.items())] + [
            f"{label}: {n} bijgewerkt" for label, n in sorted(self.updated.items())
        ]


def _upsert(model: type[Region], report: LoadReport, label: str, code: str, **values: Any) -> Region:
    """Create the row with this code, or bring its fields in line; saves only what differs."""
    obj = model.objects.filter(code=code).first()
    if obj is None:
        report.count(report.created, label)
        return model.objects.create(code=code, **values)
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        report.count(report.updated, label)
        report.regions_moved |= bool({"parent", "successor"} & set(changed))
    return obj


@dataclass(frozen=True)
class MunicipalitySpec:
    code: str
    name: str
    arrondissement: str
    first_year: int | None
    last_year: int | None
    successor: str | None


def flemish_municipalities() -> list[MunicipalitySpec]:
    """Every Flemish municipality that existed in a year since 2014, from the shipped REFNIS file: years of
    validity (None = before 2014 / still valid), its arrondissement of its time and its successor."""
    with MUNICIPALITIES_FILE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    result = []
    for row in rows:
        start, end = int(row["DT_VLDT_START"][-4:]), int(row["DT_VLDT_END"][-4:])
        result.append(
            MunicipalitySpec(
                code=row["CD_REFNIS"],
                name=row["TX_REFNIS_NL"],
                arrondissement=row["CD_SUP_REFNIS"],
                # Validity starts on 1 January: a start in 2014 or before means valid in every reporting year.
                first_year=start if start > FIRST_REPORTING_YEAR else None,
                last_year=end if end != STILL_VALID else None,
                successor=row["CD_SUCCESSOR"] or None,
            )
        )
    return result


@transaction.atomic
def reference_load() -> LoadReport:
    report = LoadReport()
    gewest = _upsert(Region, report, "gewest", FLANDERS, name="Vlaams Gewest", level=Region.Level.GEWEST, parent=None)
    provinces = {
        code: _upsert(Region, report, "provincie", code, name=name, level=Region.Level.PROVINCIE, parent=gewest)
        for code, name in PROVINCES.items()
    }
    arrondissements = {
        code: _upsert(
            Region,
            report,
            "arrondissement",
            code,
            name=name,
            level=Region.Level.ARRONDISSEMENT,
            parent=provinces[PROVINCE_OF_DIGIT[code[0]]],
        )
        for code, name in ARRONDISSEMENTS.items()
    }

    municipalities = flemish_municipalities()
    successor_of = {m.code: m.successor for m in municipalities}

    def merges_left(code: str) -> int:
        successor = successor_of[code]
        return 0 if successor is None else 1 + merges_left(successor)

    # Successors first, so that a merged municipality can point to its successor.
    municipalities.sort(key=lambda m: merges_left(m.code))
    loaded: dict[str, Region] = {}
    for m in municipalities:
        loaded[m.code] = _upsert(
            Region,
            report,
            "gemeente" if m.last_year is None else "gemeente (opgeheven)",
            m.code,
            name=m.name,
            level=Region.Level.GEMEENTE,
            parent=arrondissements[m.arrondissement],
            first_year=m.first_year,
            last_year=m.last_year,
            successor=loaded[m.successor] if m.successor else None,
        )
    if report.regions_moved:
        aggregates_mark_all()

    for code, name, arrondissement_codes in WVL_GROUPINGS:
        if RegionGrouping.objects.filter(code=code).exists():
            continue
        grouping = RegionGrouping.objects.create(code=code, name=name, kind=GROUPING_KIND)
        grouping.members.set(Region.objects.municipalities().filter(parent__code__in=arrondissement_codes))
        report.count(report.created, "regio-indeling")

    if staff_group_ensure():
        report.count(report.updated, "groep POM-medewerkers")

    existing = set(Measure.objects.values_list("code", flat=True))
    for spec in MEASURES:
        if spec.code in existing:
            continue
        Measure.objects.create(**spec.__dict__)
        report.count(report.created, "maatregel")
    return report
