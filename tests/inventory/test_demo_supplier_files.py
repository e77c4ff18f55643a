"""The demo's two supplier files and their import profiles (inventory/demo/supplier/, README "Supplier files: try
it"): load_demo creates the profiles, each file's dry run is clean but for the difference its hidden counts make,
and importing both leaves every figure of the 2019 press release as it was."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from accounts.models import User
from inventory.demo import supplier_files
from inventory.demo.supplier_files import FOLDER, RSZ_FILE, RSZ_PROFILE, VDAB_FILE, VDAB_PROFILE
from inventory.models import Aggregate, AggregateDirtyKey, Headcount, ImportProfile, Region, Submission
from inventory.services.aggregation import aggregates_recompute_all, aggregates_sweep
from inventory.services.demo import VDAB, WSE, demo_profiles_load
from inventory.services.imports.profiles import profile_export_json
from inventory.services.imports.supplier import supplier_import
from tests.inventory.test_demo import FLANDERS, WVL, persons

pytestmark = pytest.mark.django_db

PROFILES = {
    RSZ_PROFILE: (supplier_files.RSZ_PROFILE_FILE, WSE.name),
    VDAB_PROFILE: (supplier_files.VDAB_PROFILE_FILE, VDAB.name),
}


def cells(data: bytes) -> dict[str, list[list[Any]]]:
    """Every sheet's rows as values, without the empty cells at the end of a row."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    sheets = {}
    for sheet in book.worksheets:
        rows = []
        for row in sheet.iter_rows(values_only=True):
            values = list(row)
            while values and values[-1] is None:
                values.pop()
            rows.append(values)
        sheets[sheet.title] = rows
    return sheets


def import_file(name: str, profile: str, **options: Any) -> Any:
    return supplier_import(
        data=(FOLDER / name).read_bytes(),
        filename=name,
        profile=ImportProfile.objects.get(name=profile),
        user=User.objects.get(username="medewerker"),
        **options,
    )


def test_the_shipped_files_hold_the_cells_their_generator_makes() -> None:
    for name, data in supplier_files.files().items():
        assert cells((FOLDER / name).read_bytes()) == cells(data), f"{name}: run scripts/demo_supplier_files.py"


def test_load_demo_creates_both_profiles_as_their_json_files_say(demo_db: None) -> None:
    profiles = {p.name: p for p in ImportProfile.objects.select_related("organisation")}
    assert set(profiles) == set(PROFILES)
    for name, (file, organisation) in PROFILES.items():
        assert profiles[name].organisation.name == organisation
        assert profiles[name].organisation.kind == "gegevensleverancier"
        shipped = json.loads((FOLDER / file).read_text(encoding="utf-8"))
        assert json.loads(profile_export_json(profiles[name])) == shipped


def test_loading_the_demo_profiles_again_keeps_the_same_two(demo_db: None) -> None:
    before = dict(ImportProfile.objects.values_list("name", "layout"))
    again = demo_profiles_load()
    assert sorted(p.name for p in again) == sorted(PROFILES)
    assert dict(ImportProfile.objects.values_list("name", "layout")) == before


def test_the_rsz_file_is_clean_but_for_the_difference_its_hidden_counts_make(demo_db: None) -> None:
    report = import_file(RSZ_FILE, RSZ_PROFILE, dry_run=True)
    assert report.ok, [str(e) for e in report.errors]
    summary = report.supplier
    assert report.created == report.rows == 64 * 4
    assert summary.total_rows == 1
    assert summary.ignored_rows == 1  # the note under the totals
    assert summary.ignored_columns == ["B (Arrondissement)", "G (Totaal)"]
    differences = {line.measure: line.difference for line in summary.reconciliation}
    assert differences == supplier_files.rsz_expected_differences()
    assert differences == {"DGK-JONG": 0, "DGK-OUD": 0, "VOP": 0, "SINE": -4}
    assert summary.differences
    assert {line.measure: line.estimates for line in summary.counts} == {
        "DGK-JONG": 0,
        "DGK-OUD": 0,
        "VOP": 0,
        "SINE": 4,
    }
    assert {line.year for line in summary.counts} == {2020}


def test_the_rsz_file_names_every_municipality_of_west_vlaanderen_in_2020(demo_db: None) -> None:
    municipalities = Region.objects.municipalities().valid_in(2020).filter(parent__parent__code=WVL)
    assert sorted(municipalities.values_list("code", flat=True)) == sorted(p.code for p in supplier_files.PLACES)
    written = {p.rsz_name for p in supplier_files.PLACES} - {p.name for p in supplier_files.PLACES}
    assert {"BRUGGE", "KNOKKE-HEIST", "Langemark Poelkapelle", "SPIERE HELKIJN"} <= written


def test_the_vdab_file_is_clean_with_a_year_per_sheet(demo_db: None) -> None:
    report = import_file(VDAB_FILE, VDAB_PROFILE, dry_run=True)
    assert report.ok, [str(e) for e in report.errors]
    summary = report.supplier
    assert summary.sheets == ["2020", "2021"]
    assert summary.reconciliation == []
    assert not summary.differences
    assert summary.ignored_columns == ["2020: B (Gemeente)", "2021: B (Gemeente)"]
    imported = {(line.year, line.measure): line.persons for line in summary.counts}
    assert imported == {
        (year, measure): total
        for year, totals in supplier_files.VDAB_TOTALS.items()
        for measure, total in totals.items()
    }


def press_release_figures() -> dict[tuple[int, str, tuple[int, ...]], int]:
    """Every year of the demo, for West-Vlaanderen, Flanders and each province, per trede."""
    provinces = list(Region.objects.filter(level="provincie").values_list("code", flat=True))
    return {
        (year, region, treden): persons(year, region, treden)
        for year in range(2014, 2020)
        for region in [FLANDERS, *provinces]
        for treden in ((3, 4, 5), (3,), (4,), (5,), (6,))
    }


def aggregates_of_the_demo_years() -> set[tuple[Any, ...]]:
    return set(
        Aggregate.objects.filter(year__lte=2019).values_list(
            "year", "scope", "region", "grouping", "trede", "group", "measure", "persons"
        )
    )


def test_importing_both_files_as_the_readme_says_leaves_the_press_release_figures(demo_db: None) -> None:
    figures, aggregates = press_release_figures(), aggregates_of_the_demo_years()
    assert len(aggregates) > 1_000
    assert figures[(2019, WVL, (3, 4, 5))] == 63_552
    assert figures[(2014, WVL, (3, 4, 5))] == 55_706
    assert figures[(2019, FLANDERS, (3, 4, 5))] == 317_495
    rsz = ["import_supplier", str(FOLDER / RSZ_FILE), "--profile", RSZ_PROFILE, "--user", "medewerker"]
    out = io.StringIO()
    call_command(*rsz, "--dry-run", stdout=out)
    assert "2020 SINE (totaalrij): 1.664, 1.660, -4" in out.getvalue()
    assert "lees enkel in met --accept-differences" in out.getvalue()
    with pytest.raises(CommandError, match="1 fout"):
        call_command(*rsz, stdout=io.StringIO(), stderr=io.StringIO())
    assert not Submission.objects.filter(year=2020).exists()

    call_command(*rsz, "--accept-differences", stdout=io.StringIO())
    vdab = ["import_supplier", str(FOLDER / VDAB_FILE), "--profile", VDAB_PROFILE, "--user", "medewerker"]
    call_command(*vdab, "--validate", stdout=io.StringIO())

    assert set(Submission.objects.filter(year__gte=2020).values_list("organisation__name", "year", "status")) == {
        (WSE.name, 2020, "draft"),
        (VDAB.name, 2020, "validated"),
        (VDAB.name, 2021, "validated"),
    }
    assert Headcount.objects.filter(submission__year=2020, estimated=True).count() == 4
    assert set(AggregateDirtyKey.objects.values_list("year", flat=True)) <= {2020, 2021}
    assert persons(2020, WVL, (4,)) == sum(supplier_files.VDAB_TOTALS[2020].values())
    aggregates_sweep()
    aggregates_recompute_all()
    assert press_release_figures() == figures
    assert aggregates_of_the_demo_years() == aggregates
