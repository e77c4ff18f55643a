"""An edition's tabellenbijlage on the public site: made from its frozen, protected figures."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.test import Client
from openpyxl import load_workbook

from inventory.models import Edition, Headcount
from inventory.services.aggregation import aggregates_recompute

pytestmark = pytest.mark.django_db
HEADLINE = "Tewerkstellings- en participatieplaatsen (treden 3-5)"


def download(slug: str = "inventaris-2019"):
    response = Client().get(f"/cijfers/{slug}/tabellenbijlage.xlsx")
    assert response.status_code == 200
    return response, load_workbook(io.BytesIO(response.content))


def test_the_workbook_of_an_edition_holds_its_figures(demo_db, clean_redis) -> None:
    response, book = download()

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="inventaris-2019-tabellenbijlage.xlsx"' in response["Content-Disposition"]
    assert book.sheetnames == ["Toelichting", "Tabel 1 Treden", "Tabel 2 Maatregelen", "Tabel 3 Arrondissementen"]
    treden = book["Tabel 1 Treden"]
    headline = next(row for row in treden.iter_rows(values_only=True) if row[0] == HEADLINE)
    assert (headline[1], headline[5], headline[6]) == (55_706, 57_462, 63_552)  # 2014, 2018, 2019
    notes = dict(row[:2] for row in book["Toelichting"].iter_rows(min_row=3, values_only=True))
    assert notes["Editie"] == "Inventaris 2019"
    assert notes["Gepubliceerd op"] == "30/06/2020"
    assert notes["Kleine aantallen afgeschermd"] == "ja"


def test_the_2018_edition_has_2018_as_it_was_published(demo_db, clean_redis) -> None:
    _response, book = download("inventaris-2018")

    headline = next(row for row in book["Tabel 1 Treden"].iter_rows(values_only=True) if row[0] == HEADLINE)
    assert headline[5] == 57_302


def test_no_cell_of_the_edition_workbook_holds_a_small_count(demo_db, clean_redis) -> None:
    _response, book = download()

    counts = [
        cell.value
        for sheet in book.worksheets[1:]
        for row in sheet.iter_rows(min_row=6, min_col=2)
        for cell in row
        if isinstance(cell.value, int) and cell.number_format == "#,##0"
    ]
    assert counts
    assert not [value for value in counts if 1 <= value < settings.SMALL_CELL_THRESHOLD]


def test_a_later_correction_of_live_data_does_not_change_the_edition_workbook(demo_db, clean_redis) -> None:
    Headcount.objects.filter(submission__year=2019, measure__code="DGK-OUD").update(persons=0)
    aggregates_recompute(year=2019, full=True)

    _response, book = download()

    headline = next(row for row in book["Tabel 1 Treden"].iter_rows(values_only=True) if row[0] == HEADLINE)
    assert headline[6] == 63_552


def test_the_edition_page_offers_the_workbook(demo_db, clean_redis) -> None:
    html = Client().get("/cijfers/inventaris-2019/").content.decode()

    assert 'href="/cijfers/inventaris-2019/tabellenbijlage.xlsx"' in html
    assert Edition.objects.filter(name="Inventaris 2019").exists()
