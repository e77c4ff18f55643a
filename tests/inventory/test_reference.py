import csv
from pathlib import Path

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict

from inventory.models import Measure, Region, RegionGrouping
from inventory.services.reference import MEASURES, reference_load

pytestmark = pytest.mark.django_db
# A copy of ../shared/seed-data/wvl_gemeenten_2019.csv: the 64 municipalities of West-Vlaanderen in 2019.
SEED_2019 = Path(__file__).resolve().parents[1] / "data" / "wvl_gemeenten_2019.csv"


def snapshot() -> dict[str, list[dict]]:
    return {
        "regions": [model_to_dict(r) for r in Region.objects.order_by("code")],
        "groupings": [
            {**model_to_dict(g, exclude=["members"]), "members": sorted(g.members.values_list("code", flat=True))}
            for g in RegionGrouping.objects.order_by("code")
        ],
        "measures": [model_to_dict(m) for m in Measure.objects.order_by("code")],
    }


def test_flanders_has_one_region_five_provinces_22_arrondissements_and_285_current_municipalities(reference_db) -> None:
    assert Region.objects.filter(level="gewest").get().code == "02000"
    assert sorted(Region.objects.filter(level="provincie").values_list("code", flat=True)) == [
        "10000",
        "20001",
        "30000",
        "40000",
        "70000",
    ]
    assert Region.objects.filter(level="arrondissement").count() == 22
    assert Region.objects.municipalities().filter(last_year__isnull=True).count() == 285
    assert Region.objects.get(code="02000").children.count() == 5


def test_every_municipality_lies_in_the_arrondissement_named_by_its_first_two_digits(reference_db) -> None:
    for municipality in Region.objects.municipalities().select_related("parent__parent__parent"):
        assert municipality.parent.code == municipality.code[:2] + "000"
        assert municipality.parent.parent.level == "provincie"
        assert municipality.parent.parent.parent.code == "02000"


def test_the_west_vlaanderen_municipalities_merged_in_2025_end_in_2024_and_point_to_their_successor(
    reference_db,
) -> None:
    merged = {
        r.code: (r.last_year, r.successor.code)
        for r in Region.objects.filter(successor__isnull=False, parent__parent__code="30000")
    }
    assert merged == {
        "37007": (2024, "37022"),
        "37015": (2024, "37022"),
        "37012": (2024, "37021"),
        "37018": (2024, "37021"),
    }
    assert Region.objects.get(code="37022").first_year == 2025
    assert Region.objects.get(code="37021").first_year == 2025
    assert Region.objects.get(code="37007").name == "Meulebeke"


def test_west_vlaanderen_had_the_64_municipalities_of_the_seed_list_in_2019_and_has_62_now(reference_db) -> None:
    with SEED_2019.open(encoding="utf-8") as f:
        seed = {row["nis_code"]: row["name"] for row in csv.DictReader(f)}
    wvl = Region.objects.municipalities().filter(parent__parent__code="30000")
    assert dict(wvl.valid_in(2019).values_list("code", "name")) == seed
    assert wvl.filter(last_year__isnull=True).count() == 62
    assert wvl.valid_in(2025).count() == 62


def test_the_socio_economic_regions_cover_every_west_vlaanderen_municipality_exactly_once(reference_db) -> None:
    groupings = RegionGrouping.objects.prefetch_related("members")
    assert sorted(g.name for g in groupings) == ["Midwest", "Noord-West-Vlaanderen", "Westhoek", "Zuid-West-Vlaanderen"]
    members = [m.code for g in groupings for m in g.members.all()]
    wvl = Region.objects.municipalities().filter(parent__parent__code="30000")
    assert sorted(members) == sorted(wvl.values_list("code", flat=True))
    assert Region.objects.get(code="37007").groupings.get().name == "Midwest"


def test_the_measure_catalogue_has_every_code_with_its_trede_and_years(reference_db) -> None:
    catalogue = {m.code: (m.trede, m.mode, m.group, m.first_year, m.last_year) for m in Measure.objects.all()}
    assert catalogue["DGK-JONG"] == (5, "individueel", "doelgroepkortingen", 2016, None)
    assert catalogue["CMW-BED"] == (5, "collectief", "collectief maatwerk", 2019, None)
    assert catalogue["PWA"] == (4, "individueel", "wijk-werken", 2014, 2017)
    assert catalogue["AZ"] == (3, "collectief", "arbeidszorg", 2014, None)
    assert catalogue["DC"] == (6, "individueel", "dienstencheques", 2014, None)
    assert len(catalogue) == len(MEASURES) == 23
    assert set(Measure.objects.valid_in(2019).filter(trede=3).values_list("code", flat=True)) == {"AZ", "AMA"}


def test_loading_the_reference_twice_changes_nothing(db) -> None:
    call_command("load_reference")
    before = snapshot()
    report = reference_load()
    assert not report.changed
    assert snapshot() == before


def test_a_second_load_keeps_what_staff_changed_in_a_measure_and_restores_a_renamed_municipality(db) -> None:
    reference_load()
    Measure.objects.filter(code="AZ").update(name="Arbeidszorg (hervormd)")
    Region.objects.filter(code="31005").update(name="Bruges")
    report = reference_load()
    assert Measure.objects.get(code="AZ").name == "Arbeidszorg (hervormd)"
    assert Region.objects.get(code="31005").name == "Brugge"
    assert report.updated == {"gemeente": 1}


def test_the_staff_group_holds_every_inventory_permission_including_import(reference_db) -> None:
    from django.contrib.auth.models import Group

    group = Group.objects.get(name="POM-medewerkers")
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"import_headcount", "import_measure", "change_submission", "view_aggregate"} <= codenames
