"""The upload page explains a headcount file's columns in Dutch (with an editor's own KBO numbers, measures and
municipality) and offers a template, CSV and XLSX, written with the importer's own column names: filled in, it
passes the importer."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from inventory.models import CollectionRound, Measure, Organisation, Region
from inventory.services.imports import headcounts_import
from inventory.services.imports.headers import HEADCOUNT_COLUMNS
from tests.conftest import logged_in
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = [column.dutch for column in HEADCOUNT_COLUMNS]


@pytest.fixture
def editor(reference_db: None) -> dict:
    organisation = OrganisationFactory(
        name="Werkplaats Brugge", home_region=Region.objects.get(code="31005"), kind="maatwerkbedrijf"
    )
    user = UserFactory()
    MembershipFactory(user=user, organisation=organisation, role="editor")
    today = timezone.localdate()
    CollectionRound.objects.create(year=2019, opens_on=today - dt.timedelta(days=1), closes_on=today)
    measures = sorted(Measure.objects.valid_in(2019).for_kind("maatwerkbedrijf").values_list("code", flat=True))
    assert measures  # the catalogue's measures of a maatwerkbedrijf in 2019
    return {"client": logged_in(user), "user": user, "organisation": organisation, "measures": measures}


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())  # a BOM: Excel reads the UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_the_upload_page_explains_each_column_with_the_editors_own_numbers_measures_and_municipality(
    editor: dict,
) -> None:
    page = editor["client"].get("/import/").content.decode()

    for column in HEADCOUNT_COLUMNS:
        assert f"<code>{column.dutch}</code> (<code>{column.english}</code>)" in page
    assert "Het ondernemingsnummer (KBO) van de organisatie" in page
    assert f"Uw organisaties: <code>{editor['organisation'].kbo_display}</code> (Werkplaats Brugge)" in page
    assert "De NIS-code van de gemeente waar de mensen werken, bv. 31005 (Brugge)." in page
    assert "Vestigingsgemeente van Werkplaats Brugge: <code>31005</code> (Brugge)." in page
    assert "Maatregelen van Werkplaats Brugge in 2019:" in page
    for code in editor["measures"]:
        assert f"<code>{code}</code>" in page
    assert 'href="/import/sjabloon/?format=csv"' in page
    assert 'href="/import/sjabloon/?format=xlsx"' in page


def test_staff_see_the_columns_explained_without_anyones_organisations(staff_client: Client, editor: dict) -> None:
    page = staff_client.get("/import/").content.decode()

    assert "Het ondernemingsnummer (KBO) van de organisatie" in page
    assert "Uw organisaties" not in page
    assert editor["organisation"].kbo_display not in page


def test_the_csv_template_has_the_importers_header_and_a_row_per_own_measure(editor: dict) -> None:
    response = editor["client"].get("/import/sjabloon/?format=csv")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="sjabloon-tellingen.csv"'
    rows = csv_rows(response.content)
    assert rows[0] == HEADER == ["jaar", "organisatie", "maatregel", "regio", "personen", "vte"]
    kbo = editor["organisation"].kbo_display
    assert rows[1:] == [
        ["2019", kbo, code, "31005", "", ""] for code in sorted(editor["measures"], key=lambda c: measure_order(c))
    ]


def measure_order(code: str) -> tuple[int, str, str]:
    measure = Measure.objects.get(code=code)
    return (measure.trede, measure.group, measure.code)


def test_the_csv_template_filled_in_passes_the_importer(editor: dict) -> None:
    rows = csv_rows(editor["client"].get("/import/sjabloon/?format=csv").content)
    persons = HEADER.index("personen")
    for row in rows[1:]:
        row[persons] = "7"
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)

    report = headcounts_import(
        data=out.getvalue().encode(),
        filename="sjabloon-tellingen.csv",
        user=editor["user"],
        organisations=Organisation.objects.filter(pk=editor["organisation"].pk),
        dry_run=True,
    )

    assert report.ok, report.errors
    assert report.created == len(editor["measures"])


def test_the_unfilled_template_imports_nothing(editor: dict) -> None:
    content = editor["client"].get("/import/sjabloon/?format=csv").content

    report = headcounts_import(
        data=content,
        filename="sjabloon-tellingen.csv",
        user=editor["user"],
        organisations=Organisation.objects.filter(pk=editor["organisation"].pk),
        dry_run=True,
    )

    assert not report.ok
    assert {error.column for error in report.errors} == {"personen"}


def test_the_xlsx_template_filled_in_passes_the_importer_with_the_kbo_number_as_text(editor: dict) -> None:
    response = editor["client"].get("/import/sjabloon/?format=xlsx")

    assert response["Content-Disposition"] == 'attachment; filename="sjabloon-tellingen.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    assert [cell.value for cell in sheet[1]] == HEADER
    assert sheet.cell(row=2, column=2).value == editor["organisation"].kbo_display
    assert sheet.cell(row=2, column=4).value == "31005"
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row=row, column=HEADER.index("personen") + 1, value=3)
    out = io.BytesIO()
    workbook.save(out)

    report = headcounts_import(
        data=out.getvalue(),
        filename="sjabloon-tellingen.xlsx",
        user=editor["user"],
        organisations=Organisation.objects.filter(pk=editor["organisation"].pk),
        dry_run=True,
    )

    assert report.ok, report.errors
    assert report.created == len(editor["measures"])


def test_staffs_template_is_the_header_alone(staff_client: Client, editor: dict) -> None:
    assert csv_rows(staff_client.get("/import/sjabloon/").content) == [HEADER]


def test_a_template_in_another_format_is_a_dutch_400(editor: dict) -> None:
    response = editor["client"].get("/import/sjabloon/?format=ods")

    assert response.status_code == 400
    assert "‘ods’ is geen geldige keuze voor formaat." in response.content.decode()


def test_a_viewer_gets_no_template(editor: dict, viewer_a: User) -> None:
    assert logged_in(viewer_a).get("/import/sjabloon/").status_code == 403
