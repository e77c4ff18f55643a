"""Supplier files through import profiles (services/imports/supplier.py): a wide sheet with a title, notes, names,
a totals row and hidden small counts loads without editing the file; the reconciliation against the supplier's
totals; every error names the sheet, the file's row and column; profiles as JSON."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import Workbook

from accounts.models import User
from inventory.models import (
    Headcount,
    HeadcountEvent,
    ImportProfile,
    Organisation,
    OrganisationKind,
    Region,
    Submission,
)
from inventory.services.imports.profiles import layout_parse, profile_export, profile_load, profile_save
from inventory.services.imports.supplier import PublishedTotal, published_totals_parse, supplier_import
from tests.factories import OrganisationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_db")]

WIDE_LAYOUT: dict[str, Any] = {
    "shape": "wide",
    "sheets": "first",
    "skip_rows": 3,
    "region": {"column": "Gemeente", "by": "name"},
    "year": {"from": "fixed", "value": 2019},
    "measures": {"Jongeren": "DGK-JONG", "Ouderen": "DGK-OUD", "Arbeidshandicap (VOP)": "VOP"},
    "ignore_rows": ["Bron", "Opmerking"],
    "total_rows": ["Totaal"],
    "suppressed": {"markers": ["<5", "-"], "treatment": "estimate", "estimate": 2},
}


def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def wide_rows(total_jongeren: int = 30) -> list[list[Any]]:
    return [
        ["Doelgroepverminderingen per gemeente van de werkplaats, 2019"],
        ["Bron: RSZ, bewerking Departement WSE"],
        [],
        ["Gemeente", "NIS", "Jongeren", "Ouderen", "Arbeidshandicap (VOP)", "Totaal"],
        ["Brugge", "31005", 20, 100, "<5", 122],
        ["St.-Kruis?", None, None, None, None, None],  # replaced in some tests
        ["DAMME", "31006", 10, "-", 7, 19],
        ["Totaal", None, total_jongeren, 102, 9, 141],
        ["Opmerking: <5 = klein aantal, niet getoond"],
    ]


@pytest.fixture
def supplier() -> Organisation:
    return OrganisationFactory(
        kind=OrganisationKind.GEGEVENSLEVERANCIER, name="RSZ", home_region=Region.objects.get(code="31005")
    )


@pytest.fixture
def profile(supplier: Organisation) -> ImportProfile:
    return profile_save(name="RSZ per gemeente", organisation=supplier, layout=WIDE_LAYOUT)


def rows_without_placeholder(rows: list[list[Any]]) -> list[list[Any]]:
    return [row for row in rows if not (row and row[0] == "St.-Kruis?")]


def test_a_wide_sheet_with_title_notes_names_totals_and_hidden_counts_loads_through_its_profile(
    profile: ImportProfile, staff_user: User
) -> None:
    data = workbook({"2019": rows_without_placeholder(wide_rows())})
    report = supplier_import(data=data, filename="rsz.xlsx", profile=profile, user=staff_user)
    assert report.ok, [str(e) for e in report.errors]
    stored = {
        (h.region.code, h.measure.code): (h.persons, h.estimated)
        for h in Headcount.objects.filter(submission__organisation=profile.organisation, submission__year=2019)
    }
    assert stored == {
        ("31005", "DGK-JONG"): (20, False),
        ("31005", "DGK-OUD"): (100, False),
        ("31005", "VOP"): (2, True),
        ("31006", "DGK-JONG"): (10, False),
        ("31006", "DGK-OUD"): (2, True),
        ("31006", "VOP"): (7, False),
    }
    summary = report.supplier
    assert summary.total_rows == 1
    assert summary.ignored_rows == 1
    assert "B (NIS)" in summary.ignored_columns
    assert "F (Totaal)" in summary.ignored_columns
    by_measure = {line.measure: line for line in summary.reconciliation}
    assert (by_measure["DGK-JONG"].supplier_total, by_measure["DGK-JONG"].imported) == (30, 30)
    assert by_measure["DGK-OUD"].difference == 0  # 100 + the estimate 2
    assert by_measure["VOP"].difference == 0  # the estimate 2 + 7
    assert not summary.differences


def test_a_difference_is_only_written_when_accepted_and_the_audit_trail_keeps_it(
    profile: ImportProfile, staff_user: User
) -> None:
    data = workbook({"2019": rows_without_placeholder(wide_rows(total_jongeren=31))})
    dry = supplier_import(data=data, filename="rsz.xlsx", profile=profile, user=staff_user, dry_run=True)
    assert dry.ok
    assert dry.supplier.differences
    line = next(line for line in dry.supplier.reconciliation if line.measure == "DGK-JONG")
    assert (line.supplier_total, line.imported, line.difference) == (31, 30, -1)

    refused = supplier_import(data=data, filename="rsz.xlsx", profile=profile, user=staff_user)
    assert not refused.ok
    assert "DGK-JONG 2019" in str(refused.errors[0])
    assert not Headcount.objects.exists()

    accepted = supplier_import(
        data=data, filename="rsz.xlsx", profile=profile, user=staff_user, accept_differences=True
    )
    assert accepted.ok
    assert accepted.created == 6
    event = HeadcountEvent.objects.filter(pgh_context__isnull=False).select_related("pgh_context").first()
    assert event is not None
    assert event.pgh_context.metadata["differences_accepted"] is True
    assert event.pgh_context.metadata["profile"] == "RSZ per gemeente"
    assert {"measure": "DGK-JONG", "difference": -1}.items() <= event.pgh_context.metadata["reconciliation"][0].items()


def test_a_typed_total_is_reconciled_too(profile: ImportProfile, staff_user: User) -> None:
    data = workbook({"2019": rows_without_placeholder(wide_rows())})
    totals = published_totals_parse("VOP 2019 10\n")
    report = supplier_import(
        data=data, filename="rsz.xlsx", profile=profile, user=staff_user, dry_run=True, published_totals=totals
    )
    vop = next(line for line in report.supplier.reconciliation if line.measure == "VOP" and line.source == "typed")
    assert (vop.source, vop.supplier_total, vop.imported, vop.difference) == ("typed", 10, 9, -1)
    with pytest.raises(ValidationError) as error:
        published_totals_parse("VOP 2019\nVOP 2019 3\nVOP 2019 4")
    assert "Regel 1" in str(error.value)
    assert "Regel 3" in str(error.value)
    assert published_totals_parse("dgk-jong;2019;4443") == [PublishedTotal("DGK-JONG", 2019, 4443)]


@pytest.mark.parametrize(
    ("name", "code"),
    [("st.-andries", None), ("Sint-Andries", None), ("BLANKENBERGE", "31004"), ("Knokke-Heist", "31043")],
)
def test_names_are_matched_without_regard_to_case_accents_hyphens_and_saints(
    profile: ImportProfile, staff_user: User, name: str, code: str | None
) -> None:
    rows = wide_rows()
    rows[5] = [name, None, 1, None, None, None]
    rows[7][2] = 31
    report = supplier_import(
        data=workbook({"2019": rows}), filename="x.xlsx", profile=profile, user=staff_user, dry_run=True
    )
    if code is None:  # Sint-Andries is a part of Brugge, not a municipality: an error naming row and column
        assert not report.ok
        error = report.errors[0]
        assert (error.row, error.column) == (9 - 3, "A (Gemeente)")
        assert "Sint-Andries" in error.message or "st.-andries" in error.message
    else:
        assert report.ok, [str(e) for e in report.errors]
        assert any(row.region == code for row in report.supplier.rows)


def test_a_merged_municipality_is_named_with_what_it_became(profile: ImportProfile, staff_user: User) -> None:
    rows = wide_rows()
    rows[5] = ["Meulebeke", None, 1, None, None, None]
    layout = WIDE_LAYOUT | {"year": {"from": "fixed", "value": 2025}}
    report = supplier_import(
        data=workbook({"2025": rows}), filename="x.xlsx", profile=profile, user=staff_user, dry_run=True, layout=layout
    )
    messages = [e.message for e in report.errors if e.row == 6]
    assert messages
    assert "Tielt (37022)" in messages[0]
    assert "2024" in messages[0]


def test_refused_markers_and_bad_cells_name_the_files_row_and_column(profile: ImportProfile, staff_user: User) -> None:
    layout = WIDE_LAYOUT | {"suppressed": {"markers": ["<5"], "treatment": "refuse"}}
    rows = rows_without_placeholder(wide_rows())
    rows[5][3] = "veel"  # Damme, Ouderen
    report = supplier_import(
        data=workbook({"2019": rows}), filename="x.xlsx", profile=profile, user=staff_user, layout=layout
    )
    assert not report.ok
    found = {(e.row, e.column, e.value) for e in report.errors}
    assert (5, "E (Arbeidshandicap (VOP))", "<5") in found
    assert (6, "D (Ouderen)", "veel") in found
    assert not Headcount.objects.exists()
    assert not Submission.objects.exists()


def test_a_sheet_per_year_takes_the_year_from_the_sheets_name(profile: ImportProfile, staff_user: User) -> None:
    layout = WIDE_LAYOUT | {"sheets": "all", "year": {"from": "sheet"}, "total_rows": []}
    sheets = {f"Jaar {year}": rows_without_placeholder(wide_rows())[:6] for year in (2017, 2018)}
    report = supplier_import(data=workbook(sheets), filename="x.xlsx", profile=profile, user=staff_user, layout=layout)
    assert report.ok, [str(e) for e in report.errors]
    assert sorted(Submission.objects.values_list("year", flat=True)) == [2017, 2018]
    # DGK-JONG (2016-) exists in both years; an error of the second sheet names that sheet
    sheets["Jaar 2018"][4][2] = -3
    report = supplier_import(data=workbook(sheets), filename="x.xlsx", profile=profile, user=staff_user, layout=layout)
    assert [(e.sheet, e.row, e.column) for e in report.errors] == [("Jaar 2018", 5, "C (Jongeren)")]
    assert str(report.errors[0]).startswith("Blad Jaar 2018: Rij 5, kolom C (Jongeren)")


def test_a_missing_column_or_sheet_is_named(profile: ImportProfile, staff_user: User) -> None:
    rows = rows_without_placeholder(wide_rows())
    rows[3][3] = "Oudere werknemers"
    report = supplier_import(data=workbook({"2019": rows}), filename="x.xlsx", profile=profile, user=staff_user)
    assert [(e.row, e.value) for e in report.errors] == [(4, "Ouderen")]
    assert "Oudere werknemers" in report.errors[0].message
    layout = WIDE_LAYOUT | {"sheets": ["Gemeenten"]}
    report = supplier_import(
        data=workbook({"2019": rows}), filename="x.xlsx", profile=profile, user=staff_user, layout=layout
    )
    assert "geen blad ‘Gemeenten’" in report.errors[0].message
    assert "2019" in report.errors[0].message


def test_only_staff_import_supplier_files(profile: ImportProfile, editor_a: User) -> None:
    with pytest.raises(PermissionDenied):
        supplier_import(data=b"x", filename="x.csv", profile=profile, user=editor_a)


def test_a_long_csv_with_codes_and_a_year_column(supplier: Organisation, staff_user: User) -> None:
    profile = profile_save(
        name="VDAB lang",
        organisation=supplier,
        layout={
            "shape": "long",
            "skip_rows": 1,
            "region": {"column": "NIS-code", "by": "code"},
            "year": {"from": "column", "column": "Jaar"},
            "measure": {"column": "Maatregel"},
            "persons": {"column": "Aantal"},
        },
    )
    data = b"VDAB trajecten;;;\nJaar;NIS-code;Maatregel;Aantal\n2019;31005;IBO;12\n2019;31006;ibo;3\n"
    report = supplier_import(data=data, filename="vdab.csv", profile=profile, user=staff_user)
    assert report.ok, [str(e) for e in report.errors]
    assert Headcount.objects.filter(measure__code="IBO").count() == 2


def test_profiles_travel_as_json_and_bad_layouts_name_their_keys(profile: ImportProfile) -> None:
    exported = profile_export(profile)
    assert exported["format"] == "inventaris-importprofiel/1"
    assert exported["layout"] == layout_parse(WIDE_LAYOUT).as_json()
    ImportProfile.objects.all().delete()
    loaded, created = profile_load(json.dumps(exported).encode())
    assert created
    assert loaded.name == "RSZ per gemeente"
    assert loaded.layout == exported["layout"]
    bad = exported | {"layout": exported["layout"] | {"shape": "breed", "measures": {"Jongeren": "NOPE"}}}
    with pytest.raises(ValidationError) as error:
        profile_load(json.dumps(bad).encode())
    text = " ".join(error.value.messages)
    assert "shape" in text
    assert "breed" in text
    with pytest.raises(ValidationError):
        profile_load(b"{not json")


def test_the_command_runs_a_profile_and_needs_an_explicit_acceptance(
    profile: ImportProfile, staff_user: User, tmp_path: Any
) -> None:
    from django.core.management import CommandError, call_command

    path = tmp_path / "rsz.xlsx"
    path.write_bytes(workbook({"2019": rows_without_placeholder(wide_rows(total_jongeren=31))}))
    out = io.StringIO()
    call_command(
        "import_supplier", str(path), "--profile", "rsz PER gemeente", "--dry-run", "--user", "pom", stdout=out
    )
    text = out.getvalue()
    assert "2019 DGK-JONG (totaalrij): 31, 30, -1" in text
    assert "31005" in text
    with pytest.raises(CommandError):
        call_command(
            "import_supplier",
            str(path),
            "--profile",
            "RSZ per gemeente",
            "--user",
            "pom",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not Headcount.objects.exists()
    call_command(
        "import_supplier", str(path), "--profile", "RSZ per gemeente", "--user", "pom", "--accept-differences",
        "--validate", stdout=io.StringIO(),
    )  # fmt: skip
    assert Headcount.objects.filter(submission__status="validated").count() == 6
    with pytest.raises(CommandError, match="RSZ per gemeente"):
        call_command("import_supplier", str(path), "--profile", "onbekend", "--user", "pom")


def test_a_typed_figure_replaces_an_estimate_and_a_long_file_does_too(profile: ImportProfile, staff_user: User) -> None:
    from inventory.services.imports import headcounts_import
    from inventory.services.submissions import headcount_save

    supplier_import(
        data=workbook({"2019": rows_without_placeholder(wide_rows())}),
        filename="x.xlsx",
        profile=profile,
        user=staff_user,
    )
    brugge_vop = Headcount.objects.get(region__code="31005", measure__code="VOP")
    damme_oud = Headcount.objects.get(region__code="31006", measure__code="DGK-OUD")
    assert brugge_vop.estimated
    headcount_save(
        submission=brugge_vop.submission,
        measure=brugge_vop.measure,
        region=brugge_vop.region,
        persons=3,
        user=staff_user,
    )
    brugge_vop.refresh_from_db()
    assert (brugge_vop.persons, brugge_vop.estimated) == (3, False)
    kbo = profile.organisation.kbo
    report = headcounts_import(
        data=f"year,organisation,measure,region,persons\n2019,{kbo},DGK-OUD,31006,2\n".encode(),
        filename="x.csv",
        user=staff_user,
    )
    assert (report.ok, report.updated) == (True, 1)  # the same 2, now a real figure
    damme_oud.refresh_from_db()
    assert (damme_oud.persons, damme_oud.estimated) == (2, False)


# --- done when: files naming municipalities merged in 2019 and in 2025 land in the arrondissements and provinces of
# their year, and the present-day municipality shows them -------------------------------------------------------


def headline(year: int, code: str) -> int | None:
    from inventory.models import Aggregate, Scope

    row = Aggregate.objects.filter(
        year=year, scope=Scope.VALIDATED, region__code=code, trede__isnull=True, measure__isnull=True, grouping=None
    ).first()
    return None if row is None else row.persons


@pytest.mark.parametrize(
    ("year", "names", "places"),
    [
        # Nevele and Knesselare merged on 1 January 2019 into Deinze 44083 and Aalter 44084 (arrondissement Gent).
        (
            2016,
            ["Nevele", "KNESSELARE"],
            {"44049": 11, "44029": 22, "44000": 33, "40000": 33, "44083": 11, "44084": 22},
        ),
        # Borsbeek into Antwerpen (2025, same code 11002); Kortessem (arrondissement Tongeren) into Hasselt 71072
        # (arrondissement Hasselt): in 2024 Kortessem counts in Tongeren, Limburg; Hasselt 71072 shows it today.
        (
            2024,
            ["Borsbeek", "Kortessem"],
            {"11007": 11, "11000": 11, "10000": 11, "11002": 11, "73000": 22, "70000": 22, "71072": 22, "71000": None},
        ),
    ],
)
def test_a_file_naming_merged_municipalities_lands_in_the_regions_of_its_year(
    profile: ImportProfile, staff_user: User, year: int, names: list[str], places: dict[str, int | None]
) -> None:
    from inventory.services.aggregation import aggregates_recompute

    layout = WIDE_LAYOUT | {
        "skip_rows": 0, "year": {"from": "fixed", "value": year}, "total_rows": [], "measures": {"Ouderen": "DGK-OUD"}
    }  # fmt: skip
    rows = [["Gemeente", "Ouderen"], [names[0], 11], [names[1], 22]]
    report = supplier_import(
        data=workbook({str(year): rows}), filename="x.xlsx", profile=profile, user=staff_user, layout=layout,
        validate=True,
    )  # fmt: skip
    assert report.ok, [str(e) for e in report.errors]
    aggregates_recompute(year=year, full=True)
    assert {code: headline(year, code) for code in places} == places


def test_walkthrough_findings_typed_totals_codes_and_empty_cells(supplier: Organisation, staff_user: User) -> None:
    # Totals typed as a publication writes them; an unknown measure named with the closest one.
    assert published_totals_parse("DGK-OUD 2020 32.108\nVOP 2020 6 452") == [
        PublishedTotal("DGK-OUD", 2020, 32108),
        PublishedTotal("VOP", 2020, 6452),
    ]
    with pytest.raises(ValidationError, match="onbekende maatregel ‘NOPE’"):
        published_totals_parse("NOPE 2020 5")
    with pytest.raises(ValidationError) as error:
        layout_parse(WIDE_LAYOUT | {"measures": {"Jongeren": "DGK-JONGG"}})
    assert "bedoelt u DGK-JONG" in " ".join(error.value.messages)
    # An unknown NIS code is one error for its row, not one per measure column; empty cells are counted.
    profile = profile_save(
        name="Per code",
        organisation=supplier,
        layout=WIDE_LAYOUT | {"skip_rows": 0, "region": {"column": "NIS", "by": "code"}, "total_rows": []},
    )
    rows = [["NIS", "Jongeren", "Ouderen", "Arbeidshandicap (VOP)"], [31005, 1, None, 3], ["31099", 1, 2, 3]]
    report = supplier_import(data=workbook({"2019": rows}), filename="x.xlsx", profile=profile, user=staff_user)
    assert [(e.row, e.column, e.value) for e in report.errors] == [(3, "A (NIS)", "31099")]
    assert "geen regio met NIS-code ‘31099’" in report.errors[0].message
    rows.pop()
    report = supplier_import(data=workbook({"2019": rows}), filename="x.xlsx", profile=profile, user=staff_user)
    assert report.ok
    assert report.supplier.empty_cells == 1
