"""The demo's aggregates, the derived indicators, the API and the aggregate export."""

from __future__ import annotations

import csv
import io
import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import load_workbook

from accounts.models import User
from accounts.tokens import api_token_create
from inventory.models import Aggregate, Headcount
from inventory.selectors.dashboard import key_figures
from inventory.selectors.figures import AGGREGATE_COLUMNS
from inventory.selectors.sources import FigureSource, place_get
from inventory.services.aggregation import aggregates_mark_years, aggregates_recompute
from inventory.services.exports import escape_cell
from tests.conftest import force_login

pytestmark = pytest.mark.django_db
WVL, FLANDERS = "30000", "02000"


def one_decimal(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), ROUND_HALF_UP)


def headline(year: int, region: str, **kwargs: object) -> int:
    filters = {"trede": None, "group": "", "measure": None} | kwargs
    return Aggregate.objects.get(year=year, region__code=region, scope="validated", **filters).persons


def test_the_demo_aggregates_reproduce_the_press_release(demo_aggregates) -> None:
    assert [headline(y, WVL) for y in (2014, 2018, 2019)] == [55_706, 57_462, 63_552]
    assert [headline(2019, WVL, trede=t) for t in (5, 4, 3)] == [51_901, 10_198, 1_453]
    assert headline(2014, WVL, trede=4) == 12_140
    assert headline(2019, WVL, trede=5, group="doelgroepkortingen") == 46_649
    assert (
        headline(2019, WVL, trede=5, group="collectief maatwerk")
        + headline(2019, WVL, trede=5, group="lokale diensteneconomie")
        == 6_099
    )
    assert headline(2019, FLANDERS) == 317_495
    jongeren = [
        sum(
            a.persons
            for a in Aggregate.objects.filter(
                year=y, region__code=region, scope="validated", measure__target_group="jongeren"
            )
        )
        for region in (WVL, FLANDERS)
        for y in (2014, 2019)
    ]
    assert jongeren == [4_443, 6_906, 17_577, 34_365]


def test_derived_indicators_give_the_release_percentages(demo_aggregates) -> None:
    place = place_get(WVL)
    assert place is not None
    figures = key_figures(source=FigureSource(), place=place, year=2019)
    assert figures is not None
    assert (figures.base_year, figures.total, figures.change_previous, figures.change_base) == (
        2014,
        63_552,
        6_090,
        7_846,
    )
    assert one_decimal(figures.change_previous_pct) == Decimal("10.6")
    assert one_decimal(figures.change_base_pct) == Decimal("14.1")
    assert one_decimal(figures.share_of_flanders) == Decimal("20.0")
    assert one_decimal(figures.share_of_wage_earners) == Decimal("14.7")
    trede4, doelgroepkortingen, _young = figures.trends
    assert one_decimal(trede4.change_pct) == Decimal("-16.0")
    assert one_decimal(doelgroepkortingen.flanders_change_pct) == Decimal("29.2")


def test_coordinators_read_filtered_aggregates_with_freshness(demo_aggregates, coordinator_client: Client) -> None:
    response = coordinator_client.get("/api/aggregates/", {"year": "2019", "region": WVL, "trede": "4"})
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == len(body["results"]) > 1
    assert set(body["results"][0]) == set(AGGREGATE_COLUMNS)
    assert {(r["year"], r["region"], r["trede"], r["scope"]) for r in body["results"]} == {(2019, WVL, 4, "validated")}
    total = next(r for r in body["results"] if r["group"] == "" and r["measure"] is None)
    assert total["persons"] == 10_198
    assert body["freshness"]["computed_at"] is not None
    assert body["freshness"]["recompute_pending"] is False


def test_the_api_filters_by_measure_and_by_grouping(demo_aggregates, coordinator_client: Client) -> None:
    body = coordinator_client.get("/api/aggregates/?year=2019&measure=AZ&region=30000").json()
    assert [r["persons"] for r in body["results"]] == [1_203 - 0]
    body = coordinator_client.get("/api/aggregates/?year=2019&region=westhoek").json()
    assert {r["level"] for r in body["results"]} == {"regio-indeling"}


def test_a_cached_api_answer_reads_few_queries_and_follows_every_recompute(
    demo_aggregates, coordinator_client: Client, django_assert_max_num_queries
) -> None:
    def headline() -> int:
        rows = coordinator_client.get("/api/aggregates/", {"year": "2019", "region": "30000"}).json()["results"]
        return next(r["persons"] for r in rows if r["trede"] is None)

    assert headline() == 63552
    with django_assert_max_num_queries(6):  # session, user, its second factor, and the freshness that keys the cache
        assert headline() == 63552
    headcount = Headcount.objects.filter(
        submission__year=2019, submission__status="validated", region__code__startswith="3", measure__trede=4
    ).first()
    Headcount.objects.filter(pk=headcount.pk).update(persons=headcount.persons + 3)
    aggregates_mark_years(years=[2019])
    aggregates_recompute(year=2019)
    assert headline() == 63555


def test_a_program_reads_the_api_with_a_token(demo_aggregates, coordinator: User) -> None:
    key = api_token_create(user=coordinator, name="statistiek")
    response = Client().get("/api/aggregates/?year=2019&region=02000", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert any(r["persons"] == 317_495 for r in response.json()["results"])
    assert Client().get("/api/aggregates/", HTTP_AUTHORIZATION="Token verkeerd").status_code == 401


def test_organisation_users_get_403_and_provisional_figures_are_for_staff(
    demo_aggregates, editor_a_client: Client, coordinator_client: Client, staff_client: Client
) -> None:
    assert editor_a_client.get("/api/aggregates/").status_code == 403
    refused = coordinator_client.get("/api/aggregates/?scope=provisional")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Voorlopige cijfers zijn enkel voor POM-medewerkers."
    assert staff_client.get("/api/aggregates/?scope=provisional&year=2019&region=30000").json()["count"] > 0


@pytest.mark.parametrize(
    "query", ["scope=provisional&scope=validated", "scope=provisional,validated", "scope=%20provisional"]
)
def test_no_spelling_of_the_scope_gets_a_coordinator_provisional_figures(
    coordinator_client: Client, query: str
) -> None:
    response = coordinator_client.get(f"/api/aggregates/?{query}")

    assert response.status_code == 403
    assert response.json()["detail"] == "Voorlopige cijfers zijn enkel voor POM-medewerkers."


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("year=twintig", "twintig"),
        ("trede=9", "9"),
        ("region=99999", "99999"),
        ("measure=XYZ", "XYZ"),
        ("scope=alles", "alles"),
    ],
)
def test_bad_filters_get_a_dutch_message_naming_the_value(coordinator_client: Client, query: str, named: str) -> None:
    response = coordinator_client.get(f"/api/aggregates/?{query}")
    assert response.status_code == 400
    assert named in response.json()["detail"]


def test_export_aggregates_writes_csv_json_and_xlsx_with_the_documented_columns(demo_aggregates, tmp_path) -> None:
    out = io.StringIO()
    call_command("export_aggregates", "--year", "2019", "--region", WVL, stdout=out)
    # The metadata block comes first, in lines that start with #.
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == AGGREGATE_COLUMNS
    assert len(rows) == Aggregate.objects.filter(year=2019, region__code=WVL, scope="validated").count()
    assert next(r for r in rows if r["trede"] == "")["persons"] == "63552"

    call_command("export_aggregates", "--format", "json", "--year", "2019", "-o", str(tmp_path / "a.json"))
    data = json.loads((tmp_path / "a.json").read_text())
    assert data["meta"]["scope"] == "validated"
    assert len(data["results"]) == Aggregate.objects.filter(year=2019, scope="validated").count()

    call_command("export_aggregates", "--format", "xlsx", "--region", FLANDERS, "-o", str(tmp_path / "a.xlsx"))
    workbook = load_workbook(tmp_path / "a.xlsx", read_only=True)
    assert workbook.sheetnames == ["gegevens", "metadata", "maatregelen"]
    header, *values = list(workbook["gegevens"].values)
    assert list(header) == AGGREGATE_COLUMNS
    assert len(values) == Aggregate.objects.filter(region__code=FLANDERS, scope="validated").count()


def test_export_aggregates_refuses_bad_filters_with_a_message(demo_aggregates) -> None:
    with pytest.raises(CommandError, match="onbekende regio ‘12345’"):
        call_command("export_aggregates", "--region", "12345")


@pytest.mark.parametrize("text", ["=SUM(A1)", "+1", "-1", "@cmd", "\tx", "\rx"])
def test_text_that_a_spreadsheet_would_run_is_escaped(text: str) -> None:
    assert escape_cell(text) == "'" + text
    assert escape_cell("Brugge") == "Brugge"
    assert escape_cell(-847) == -847


def test_the_home_page_shows_the_series_the_belgian_way_with_its_freshness(
    demo_aggregates, coordinator_client: Client
) -> None:
    page = coordinator_client.get("/").content.decode()
    assert "63.552" in page
    assert "+6.090 (+10,6 %)" in page
    assert "+7.846 (+14,1 %)" in page
    assert "20,0 %" in page
    assert "Cijfers berekend op" in page
    assert "Alle wijzigingen zijn verwerkt." in page


def test_the_home_page_says_when_a_recompute_is_pending(
    demo_aggregates, coordinator_client: Client, aggregates_worker_alive: None
) -> None:
    from inventory.services.aggregation import aggregates_mark_years

    aggregates_mark_years(years=[2019])
    assert "Herberekening bezig voor 2019." in coordinator_client.get("/").content.decode()


def test_the_home_page_of_an_organisation_user_lists_only_their_organisations(
    editor_a_client: Client, organisation_a, organisation_b
) -> None:
    page = editor_a_client.get("/").content.decode()
    assert organisation_a.name in page
    assert organisation_b.name not in page


def test_the_headcounts_api_gives_the_export_columns_filtered(demo_aggregates, coordinator_client: Client) -> None:
    from inventory.selectors.headcounts import HEADCOUNT_COLUMNS

    body = coordinator_client.get("/api/headcounts/?year=2019&measure=AZ&region=30000").json()
    assert body["count"] == len(body["results"]) > 0
    assert list(body["results"][0]) == HEADCOUNT_COLUMNS
    assert sum(r["persons"] for r in body["results"]) == 1_203
    assert {r["scope"] for r in body["results"]} == {"validated"}
    assert coordinator_client.get("/api/headcounts/?scope=provisional").status_code == 403


def test_organisation_users_read_only_their_own_headcounts(demo_aggregates, db) -> None:
    from accounts.models import Membership
    from inventory.models import Organisation

    organisation = Organisation.objects.get(name="Maatwerkbedrijf De Brugse Poort (demo)")
    user = Membership.objects.get(organisation=organisation, role="viewer").user
    client = Client()
    force_login(client, user)

    body = client.get("/api/headcounts/?year=2019").json()

    assert body["count"] > 0
    assert {r["organisation"] for r in body["results"]} == {organisation.kbo}
    assert client.get("/api/aggregates/").status_code == 403
