"""The publication workbook (tabellenbijlage), read back with openpyxl."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook
from openpyxl.workbook import Workbook

from inventory.models import Aggregate, Measure, Region
from inventory.selectors.figures import aggregate_years
from inventory.services.aggregation import aggregates_recompute
from inventory.services.publication import publication_workbook
from tests.factories import HeadcountFactory, OrganisationFactory, SubmissionFactory

pytestmark = pytest.mark.django_db
YEARS = list(range(2014, 2020))
SHEETS = ["Toelichting", "Tabel 1 Treden", "Tabel 2 Maatregelen", "Tabel 3 Arrondissementen"]
HEADER_ROW = 5


def workbook(**kwargs: Any) -> Workbook:
    out = io.BytesIO()
    publication_workbook(out=out, **kwargs)
    out.seek(0)
    return load_workbook(out)


def table(sheet: Any) -> dict[str, dict[tuple[str, Any], Any]]:
    """{row label: {(block, column heading): cell}} under the two header rows."""
    blocks, block = {}, ""
    for column in range(2, sheet.max_column + 1):
        block = sheet.cell(HEADER_ROW - 1, column).value or block
        blocks[column] = (block, sheet.cell(HEADER_ROW, column).value)
    rows = {}
    for row in range(HEADER_ROW + 1, sheet.max_row + 1):
        label = sheet.cell(row, 1).value
        if label:
            rows.setdefault(label, {c: sheet.cell(row, c) for c in range(2, sheet.max_column + 1)})
    return {label: {blocks[c]: cell for c, cell in cells.items()} for label, cells in rows.items()}


def values(row: dict[tuple[str, Any], Any], block: str, years: list[int]) -> list[Any]:
    return [row[(block, year)].value for year in years]


HEADLINE = "Tewerkstellings- en participatieplaatsen (treden 3-5)"


def test_the_headline_row_has_west_vlaanderen_beside_flanders_for_every_year(demo_aggregates) -> None:
    book = workbook()

    assert book.sheetnames == SHEETS
    assert aggregate_years() == YEARS
    rows = table(book["Tabel 1 Treden"])
    headline = rows[HEADLINE]
    assert values(headline, "West-Vlaanderen", YEARS) == [55_706, 57_000, 56_730, 55_200, 57_462, 63_552]
    assert headline[("Vlaanderen", 2019)].value == 317_495
    assert values(rows["Trede 5: betaald werk met ondersteuning"], "West-Vlaanderen", [2019]) == [51_901]
    assert values(rows["Trede 4: tijdelijke competentieversterkende trajecten"], "West-Vlaanderen", [2019]) == [10_198]
    assert values(rows["Trede 3: arbeidsmatige activiteiten onder zorgbegeleiding"], "West-Vlaanderen", [2019]) == [
        1_453
    ]


def test_change_columns_hold_fractions_shown_as_percentages(demo_aggregates) -> None:
    headline = table(workbook()["Tabel 1 Treden"])[HEADLINE]

    previous = headline[("West-Vlaanderen", "% 2019 t.o.v. 2018")]
    first = headline[("West-Vlaanderen", "% 2019 t.o.v. 2014")]
    share = headline[("Aandeel", "aandeel West-Vlaanderen in Vlaanderen 2019")]
    assert round(Decimal(str(previous.value)), 3) == Decimal("0.106")
    assert round(Decimal(str(first.value)), 3) == Decimal("0.141")
    assert round(Decimal(str(share.value)), 3) == Decimal("0.200")
    assert previous.number_format == first.number_format == share.number_format == "0.0%"
    assert headline[("West-Vlaanderen", 2019)].number_format == "#,##0"
    assert headline[("Vlaanderen", 2019)].number_format == "#,##0"
    assert isinstance(headline[("West-Vlaanderen", 2019)].value, int)


def test_every_table_has_dutch_headings_frozen_header_rows_and_column_widths(demo_aggregates) -> None:
    book = workbook()

    for name in SHEETS[1:]:
        sheet = book[name]
        assert sheet["A1"].value.startswith(f"Tabel {name.split()[1]}. ")
        assert sheet.freeze_panes == "B6"
        assert sheet.column_dimensions["A"].width >= 40
        assert sheet.column_dimensions["B"].width == 10
        assert [sheet.cell(HEADER_ROW, c).value for c in range(2, 8)] == YEARS
    assert book["Tabel 1 Treden"]["A5"].value == "Trede"
    assert book["Tabel 1 Treden"]["B4"].value == "West-Vlaanderen"
    assert book["Tabel 1 Treden"]["J4"].value == "Vlaanderen"
    assert "Bron: POM West-Vlaanderen" in " ".join(
        str(c.value) for row in book["Tabel 1 Treden"].iter_rows() for c in row if c.value
    )
    explanation = {row[0]: row[1] for row in book["Toelichting"].iter_rows(min_row=3, values_only=True) if row[0]}
    assert explanation["Scope"] == "gevalideerd"
    assert explanation["Jaren"] == "2014-2019"
    assert explanation["Editie"] == "–"
    assert explanation["Kleine aantallen afgeschermd"] == "ja"
    # Local time, written as "Gemaakt op" is: dd/mm/yyyy hh:mm.
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", explanation["Cijfers berekend op"])


def test_the_measure_table_lists_treden_groups_and_measures(demo_aggregates) -> None:
    rows = table(workbook()["Tabel 2 Maatregelen"])

    assert values(rows["Doelgroepkortingen"], "West-Vlaanderen", [2019]) == [46_649]
    assert values(rows["Arbeidszorg (AZ)"], "West-Vlaanderen", [2019]) == [1_203]
    assert values(rows["Beschutte werkplaats (BW)"], "West-Vlaanderen", [2019]) == [None]
    assert "Dienstencheques (DC)" in rows


def test_the_arrondissement_table_holds_each_arrondissement_of_west_vlaanderen(demo_aggregates) -> None:
    sheet = workbook()["Tabel 3 Arrondissementen"]
    labels = [sheet.cell(r, 1).value for r in range(HEADER_ROW + 1, sheet.max_row + 1)]
    names = list(Region.objects.filter(parent__code="30000").order_by("code").values_list("name", flat=True))

    assert [label for label in labels if label in names] == names
    column = 7  # 2019
    rows = {sheet.cell(r, 1).value: sheet.cell(r, column).value for r in range(HEADER_ROW + 1, sheet.max_row + 1)}
    assert rows["West-Vlaanderen"] == 63_552
    assert rows["Vlaanderen"] == 317_495
    for region in Region.objects.filter(parent__code="30000"):
        assert (
            rows[region.name]
            == Aggregate.objects.get(
                year=2019, scope="validated", region=region, trede=None, group="", measure=None
            ).persons
        )


@pytest.fixture
def small_trede_3_in_diksmuide(demo_aggregates) -> None:
    """3 people on trede 3 in Diksmuide, where the demo has none."""
    organisation = OrganisationFactory(name="Zorgboerderij (test)", home_region=Region.objects.get(code="32003"))
    HeadcountFactory(
        submission=SubmissionFactory(organisation=organisation, validated=True),
        measure=Measure.objects.get(code="AZ"),
        persons=3,
    )
    aggregates_recompute(year=2019, full=True)


def arrondissement_cells(book: Workbook, name: str) -> dict[str, Any]:
    """{trede label: 2019 cell} of one arrondissement's block in table 3."""
    sheet = book["Tabel 3 Arrondissementen"]
    labels = [sheet.cell(r, 1).value for r in range(1, sheet.max_row + 1)]
    start = labels.index(name) + 1
    return {sheet.cell(r, 1).value: sheet.cell(r, 7) for r in range(start, start + 4)}


def test_the_public_workbook_hides_a_small_count_and_a_second_cell(small_trede_3_in_diksmuide) -> None:
    public = arrondissement_cells(workbook(), "Diksmuide")
    internal = arrondissement_cells(workbook(public=False), "Diksmuide")

    trede3 = "Trede 3: arbeidsmatige activiteiten onder zorgbegeleiding"
    assert internal[trede3].value == 3
    assert public[trede3].value == "<5"
    hidden = [label for label, cell in public.items() if cell.value == "x"]
    assert hidden, "a second cell of Diksmuide's treden is hidden too"
    assert all(isinstance(internal[label].value, int) for label in hidden)


def test_a_change_computed_from_a_hidden_count_is_hidden_too(small_trede_3_in_diksmuide) -> None:
    sheet = workbook()["Tabel 3 Arrondissementen"]
    labels = [sheet.cell(r, 1).value for r in range(1, sheet.max_row + 1)]
    row = labels.index("Diksmuide") + 4  # trede 3, after the total, trede 5 and trede 4
    assert sheet.cell(row, 7).value == "<5"
    assert [sheet.cell(row, c).value for c in (8, 9, 10)] == ["x", "x", "x"]


def test_export_publication_writes_the_workbook(demo_aggregates, tmp_path) -> None:
    path = tmp_path / "tabellenbijlage.xlsx"
    call_command("export_publication", "-o", str(path))

    book = load_workbook(path)
    assert book.sheetnames == SHEETS
    assert table(book["Tabel 1 Treden"])[HEADLINE][("Vlaanderen", 2019)].value == 317_495

    call_command("export_publication", "-o", str(path), "--no-public", "--scope", "provisional")
    explanation = {r[0]: r[1] for r in load_workbook(path)["Toelichting"].iter_rows(min_row=3, values_only=True)}
    assert explanation["Kleine aantallen afgeschermd"] == "nee"
    assert explanation["Scope"] == "voorlopig"


def test_the_exports_page_sends_the_workbook(demo_aggregates, coordinator_client: Client) -> None:
    response = coordinator_client.get("/exports/publication/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="inventaris-tabellenbijlage-validated-')
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert table(book["Tabel 1 Treden"])[HEADLINE][("West-Vlaanderen", 2019)].value == 63_552
