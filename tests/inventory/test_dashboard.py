"""The dashboard: the ladder, the series, West-Vlaanderen beside Flanders, the table per arrondissement, freshness,
own figures for organisation users, charts with their tables, and a bounded number of queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from inventory import charts
from inventory.models import Aggregate, AggregateDirtyKey, Headcount, Measure, Region, Submission, SubmissionStatus
from inventory.selectors.dashboard import dashboard
from inventory.selectors.sources import FigureSource, OwnSource, place_get
from inventory.services.aggregation import aggregates_recompute
from tests.conftest import logged_in
from tests.factories import HeadcountFactory, OrganisationFactory, SubmissionFactory

pytestmark = pytest.mark.django_db
WVL, FLANDERS = "30000", "02000"


@pytest.fixture
def demo(demo_aggregates: None) -> None:
    """The demo data of the press release with its aggregates."""


def text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def figure(response, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', response.content.decode())
    assert match, name
    return match.group(1)


def test_the_dashboard_shows_west_vlaanderen_in_the_latest_year_by_default(demo: None, coordinator_client: Client):
    response = coordinator_client.get("/")
    assert response.status_code == 200
    assert figure(response, "headline") == "63.552"
    assert [figure(response, f"trede-{t}") for t in (5, 4, 3, 6)] == ["51.901", "10.198", "1.453", "13.900"]
    page = text(response)
    assert "Participatieladder West-Vlaanderen, 2019" in page
    assert "+6.090 (+10,6 %)" in page
    assert "+7.846 (+14,1 %)" in page
    assert "20,0 %" in page  # share of Flanders


def test_the_ladder_splits_each_trede_into_its_measure_groups(demo: None):
    data = dashboard(source=FigureSource(), place=place_get(WVL), year=2019)
    rungs = {rung.trede: rung for rung in data.rungs}
    assert [rung.trede for rung in data.rungs] == [5, 4, 3]
    assert dict(rungs[5].groups) == {
        "doelgroepkortingen": 46649,
        "collectief maatwerk": 5050,
        "lokale diensteneconomie": 1049,
    }
    assert sum(dict(rungs[4].groups).values()) == rungs[4].persons == 10198
    assert data.apart.trede == 6
    assert data.apart.persons == 13900
    assert data.headline == sum(rung.persons for rung in data.rungs)  # trede 6 apart, not in the total


def test_the_series_runs_from_2014_to_the_latest_year_per_trede(demo: None):
    data = dashboard(source=FigureSource(), place=place_get(WVL), year=2019)
    totals = {row.year: row.total for row in data.series}
    assert totals == {2014: 55706, 2015: 57000, 2016: 56730, 2017: 55200, 2018: 57462, 2019: 63552}
    by_year = {row.year: row for row in data.series}
    assert by_year[2014].treden[1] == 12140  # trede 4 (3, 4, 5 order)
    assert all(sum(row.treden) == row.total for row in data.series)


def test_west_vlaanderen_stands_beside_flanders_with_its_share_and_changes(demo: None):
    data = dashboard(source=FigureSource(), place=place_get(WVL), year=2019)
    headline, *treden = data.comparison
    assert (headline.persons, headline.flanders) == (63552, 317495)
    assert float(round(headline.share_of_flanders, 1)) == 20.0
    assert (headline.change_previous, float(round(headline.change_previous_pct, 1))) == (6090, 10.6)
    assert (headline.change_base, float(round(headline.change_base_pct, 1))) == (7846, 14.1)
    trede4 = treden[1]
    assert (trede4.persons, trede4.change_base, float(round(trede4.change_base_pct, 1))) == (10198, -1942, -16.0)


def test_the_table_per_arrondissement_holds_the_eight_west_vlaanderen_arrondissements(demo: None):
    data = dashboard(source=FigureSource(), place=place_get(WVL), year=2019)
    assert data.children_title == "Per arrondissement"
    codes = [row.place.code for row in data.children]
    assert codes == ["31000", "32000", "33000", "34000", "35000", "36000", "37000", "38000"]
    stored = dict(
        Aggregate.objects.filter(scope="validated", year=2019, trede=None, region__code__in=codes).values_list(
            "region__code", "persons"
        )
    )
    assert {row.place.code: row.total for row in data.children} == stored


@pytest.mark.parametrize(
    ("region", "headline", "children"),
    [(FLANDERS, "317.495", 22), ("31000", None, None), ("westhoek", None, None)],
)
def test_any_province_arrondissement_grouping_or_flanders_can_be_chosen(
    demo: None, coordinator_client: Client, region: str, headline: str | None, children: int | None
):
    response = coordinator_client.get("/", {"region": region, "year": "2019"})
    assert response.status_code == 200
    data = response.context["dashboard"]
    assert data.place.code == region
    stored = Aggregate.objects.filter(scope="validated", year=2019, trede=None, measure=None, group="")
    stored = stored.filter(region__code=region) if region[0].isdigit() else stored.filter(grouping__code=region)
    assert data.headline == stored.get().persons
    if headline:
        assert figure(response, "headline") == headline
    if children:
        assert len(data.children) == children
    else:
        assert data.children
        assert all(row.place.level == "gemeente" for row in data.children)


def test_an_unknown_region_or_year_falls_back_to_the_defaults(demo: None, coordinator_client: Client):
    response = coordinator_client.get("/", {"region": "<script>", "year": "1800"})
    assert response.status_code == 200
    assert response.context["dashboard"].place.code == WVL
    assert response.context["dashboard"].year == 2019
    assert "<script>" not in response.content.decode()


def test_an_earlier_year_compares_with_its_own_previous_year(demo: None, coordinator_client: Client):
    response = coordinator_client.get("/", {"region": WVL, "year": "2018"})
    assert figure(response, "headline") == "57.462"
    assert response.context["dashboard"].comparison[0].change_previous == 57462 - 55200


def test_the_charts_are_svg_drawn_on_the_server_each_beside_its_table(demo: None, coordinator_client: Client):
    html = coordinator_client.get("/").content.decode()
    svgs = re.findall(r"<svg class=\"chart\".*?</svg>", html, re.S)
    assert len(svgs) == 2
    for svg in svgs:
        described = re.search(r'aria-describedby="([^"]+)"', svg).group(1)
        assert f'<table id="{described}"' in html
        assert "<script" not in svg
    ladder_widths = [float(w) for w in re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"', svgs[0])]
    assert len(ladder_widths) == 3
    assert ladder_widths[0] > ladder_widths[1] > ladder_widths[2] > 0
    assert svgs[1].count("<rect") == 6 * 3 + 3  # six years of three treden, and the legend
    assert "2019, Trede 5: 51.901" in svgs[1]


def test_a_marked_column_is_drawn_hatched_over_its_whole_stack():
    chart = charts.stacked_columns(
        ["2019", "2020*"], [("Trede 5", 5, [30, 10]), ("Trede 4", 4, [10, 5])], marked=[1], height=258
    )
    plain, marked = chart.columns
    assert chart.marked
    assert (plain.marked, marked.marked) == (False, True)
    assert marked.label == "2020*"
    assert marked.top == marked.segments[-1].y
    assert marked.height == pytest.approx(sum(segment.height for segment in marked.segments), abs=0.2)
    assert not charts.stacked_columns(["2019"], [("Trede 5", 5, [30])]).marked


def test_no_script_or_outside_file_is_needed(demo: None, coordinator_client: Client):
    html = coordinator_client.get("/").content.decode()
    assert "<script" not in html
    assert not re.search(r'(src|href)="https?://', html)


def test_freshness_says_when_the_aggregates_were_computed_and_what_is_pending(
    demo: None, coordinator_client: Client, aggregates_worker_alive: None
):
    assert "Alle wijzigingen zijn verwerkt." in text(coordinator_client.get("/"))
    AggregateDirtyKey.objects.create(year=2019, region=Region.objects.get(code="31005"), measure=None)
    assert "Herberekening bezig voor 2019." in text(coordinator_client.get("/"))


def test_staff_may_look_at_provisional_figures_and_coordinators_are_told_they_may_not(
    demo: None, coordinator_client: Client, staff_client: Client
):
    submission = SubmissionFactory(
        organisation=OrganisationFactory(home_region=Region.objects.get(code="31005")),
        year=2019,
        status=SubmissionStatus.SUBMITTED,
    )
    HeadcountFactory(
        submission=submission,
        measure=Measure.objects.get(code="AZ"),
        region=Region.objects.get(code="31005"),
        persons=100,
    )
    aggregates_recompute(year=2019, full=True)
    provisional = staff_client.get("/", {"scope": "provisional"})
    assert figure(provisional, "headline") == "63.652"
    refused = coordinator_client.get("/", {"scope": "provisional"})
    assert refused.status_code == 403
    assert "Voorlopige cijfers zijn enkel voor POM-medewerkers." in refused.content.decode()
    assert figure(coordinator_client.get("/"), "headline") == "63.552"
    assert figure(staff_client.get("/"), "headline") == "63.552"


def test_an_organisation_user_sees_only_the_figures_of_their_own_organisations(demo: None):
    editor = User.objects.get(username="invoerder")
    own = Headcount.objects.filter(
        submission__organisation__memberships__user=editor,
        submission__status__in=[SubmissionStatus.SUBMITTED, SubmissionStatus.VALIDATED],
        submission__year=2019,
        measure__trede__in=[3, 4, 5],
    )
    expected = own.aggregate(total=Sum("persons"))["total"]
    assert expected
    assert expected < 63552
    response = logged_in(editor).get("/")
    assert response.status_code == 200
    data = response.context["dashboard"]
    assert data.own
    assert data.headline == expected
    assert "63.552" not in response.content.decode()
    assert "aandeel in Vlaanderen" not in text(response)
    assert all(row.flanders is None for row in data.comparison)
    # Per arrondissement: only where their people work.
    assert sum(row.total or 0 for row in data.children) == expected


def test_an_organisation_user_without_submitted_figures_sees_an_empty_dashboard(demo: None, editor_a_client: Client):
    response = editor_a_client.get("/")
    assert response.status_code == 200
    assert response.context["dashboard"] is None
    assert "Er zijn nog geen ingediende cijfers van uw organisaties." in text(response)


def test_a_draft_of_an_organisation_does_not_show_on_its_dashboard(demo: None, editor_a: User):
    organisation = editor_a.memberships.get().organisation
    submission = SubmissionFactory(organisation=organisation, year=2019, status=SubmissionStatus.DRAFT)
    HeadcountFactory(submission=submission, persons=40)
    assert OwnSource(editor_a).years() == []
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.SUBMITTED)
    assert OwnSource(editor_a).years() == [2019]


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


@override_settings(CACHES=NO_CACHE)
@pytest.mark.parametrize("url", ["/", "/?region=02000", "/?region=31000", "/?region=westhoek", "/kerncijfers/"])
def test_the_pages_read_a_fixed_number_of_queries_whatever_the_size_of_the_data(
    demo: None, coordinator_client: Client, url: str, django_assert_max_num_queries
):
    before = queries_for(coordinator_client, url)
    # Many more figures: 10 organisations reporting every measure in 12 municipalities, recomputed.
    municipalities = list(Region.objects.filter(code__startswith="3", level="gemeente")[:12])
    measures = list(Measure.objects.filter(first_year__lte=2019).exclude(last_year__lt=2019))
    rows = []
    for _n in range(10):
        submission = SubmissionFactory(
            organisation=OrganisationFactory(home_region=municipalities[0]), year=2019, status="validated"
        )
        rows += [
            Headcount(submission=submission, measure=m, region=r, persons=1) for m in measures for r in municipalities
        ]
    Headcount.objects.bulk_create(rows)
    aggregates_recompute(year=2019, full=True)
    assert queries_for(coordinator_client, url) == before
    with django_assert_max_num_queries(17):  # 15, the year states and the session's second factor
        coordinator_client.get(url)


def test_an_organisation_users_dashboard_reads_a_fixed_number_of_queries(demo: None, django_assert_max_num_queries):
    client = logged_in(User.objects.get(username="invoerder"))
    with django_assert_max_num_queries(17):  # with the header's "Collega’s" link
        assert client.get("/").status_code == 200


def test_a_cached_dashboard_reads_five_queries_and_follows_every_recompute(
    demo: None, coordinator_client: Client, django_assert_max_num_queries, aggregates_worker_alive: None
):
    assert figure(coordinator_client.get("/"), "headline") == "63.552"
    with django_assert_max_num_queries(7):  # session, user, its second factor, the freshness and year states
        assert figure(coordinator_client.get("/"), "headline") == "63.552"
    headcount = Headcount.objects.filter(
        submission__year=2019, submission__status="validated", region__code__startswith="3", measure__trede=3
    ).first()
    Headcount.objects.filter(pk=headcount.pk).update(persons=headcount.persons + 7)
    AggregateDirtyKey.objects.create(year=2019, region=headcount.region, measure=headcount.measure)
    pending = coordinator_client.get("/")
    assert "Herberekening bezig voor 2019." in text(pending)
    aggregates_recompute(year=2019)
    assert figure(coordinator_client.get("/"), "headline") == "63.559"


def test_the_dashboard_works_while_redis_is_away(demo: None, coordinator_client: Client):
    away = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    with override_settings(CACHES=away):
        response = coordinator_client.get("/")
    assert response.status_code == 200
    assert figure(response, "headline") == "63.552"
