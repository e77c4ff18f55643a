"""The list pages ("Tabellen"): who sees what, filters, sorting, pagination, the export of the filtered rows
(streamed, escaped, through the export service) and a bounded number of queries."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from config.settings.base import redis_cache
from inventory.models import Aggregate, Headcount, Measure, Organisation, Region, Scope, Submission
from inventory.selectors.headcounts import HeadcountFilters, regions_within
from inventory.services.aggregation import aggregates_mark_years, aggregates_recompute
from inventory.services.exports import (
    FORMATS,
    UnsupportedFormat,
    csv_chunks,
    export_write,
    headcounts_export,
    measures_export,
    organisations_export,
)
from tests.factories import (
    HeadcountFactory,
    MeasureFactory,
    MembershipFactory,
    OrganisationFactory,
    SubmissionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def build_every_page(settings: Any) -> None:
    """These tests read the table and filter a page was built with; the aggregates page keeps its body in the
    cache (test_a_cached_aggregates_table_... below checks that), so here every request builds it."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


HEADCOUNTS, ORGANISATIONS, MEASURES, AGGREGATES = (
    "/tabellen/tellingen/",
    "/tabellen/organisaties/",
    "/tabellen/maatregelen/",
    "/tabellen/aggregaten/",
)
WVL, BRUGGE_ARR, BRUGGE = "30000", "31000", "31005"
FORMULA_NAME = '=HYPERLINK("x")'


def page(client: Client, url: str, **params: Any) -> Any:
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return response


def belgian(number: int) -> str:
    """63552 -> 63.552"""
    return f"{number:,}".replace(",", ".")


def shown(response: Any) -> list[Any]:
    """The records on the page shown."""
    return [row.record for row in response.context["table"].paginated_rows]


def selected(response: Any) -> list[Any]:
    """Every record the page's filters select, on this page and the next ones."""
    return list(response.context["filter"].qs)


def content(response: Any) -> bytes:
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content)
    return b"".join(response)


def exported(client: Client, url: str, fmt: str, **params: Any) -> tuple[Any, list[dict[str, Any]]]:
    """(response, rows as dicts) of the page's export in `fmt`."""
    response = client.get(url, {**params, "export": fmt})
    assert response.status_code == 200, response.content[:300] if not response.streaming else fmt
    data = content(response)
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(data.decode())))
    elif fmt == "excel-nl":
        lines = [line for line in data.decode("utf-8-sig").splitlines() if not line.startswith("#")]
        rows = list(csv.DictReader(lines, delimiter=";"))
    elif fmt == "json":
        rows = json.loads(data)["results"]
    else:
        workbook = load_workbook(io.BytesIO(data), read_only=True)
        header, *values = list(workbook["gegevens"].values)
        # Read-only openpyxl leaves out a row's empty cells at its end.
        rows = [dict(zip(header, (*row, *[None] * (len(header) - len(row))), strict=True)) for row in values]
    return response, rows


# --- headcounts ---------------------------------------------------------------------------------------------------


@pytest.fixture
def statuses(organisation_a: Organisation, organisation_b: Organisation) -> dict[str, Submission]:
    """Organisation A: a validated 2019 and a draft 2020; B: a submitted and a returned one."""
    made = {
        "validated": SubmissionFactory(organisation=organisation_a, year=2019, validated=True),
        "draft": SubmissionFactory(organisation=organisation_a, year=2020),
        "submitted": SubmissionFactory(organisation=organisation_b, year=2019, status="submitted"),
        "returned": SubmissionFactory(organisation=organisation_b, year=2020, status="returned"),
    }
    for persons, submission in zip((40, 5, 7, 9), made.values(), strict=True):
        HeadcountFactory(submission=submission, persons=persons)
    return made


def test_organisation_users_see_their_own_organisations_headcounts_in_any_status(
    statuses, editor_a_client: Client, viewer_a_client: Client, editor_b_client: Client
) -> None:
    for client in (editor_a_client, viewer_a_client):
        rows = selected(page(client, HEADCOUNTS))
        assert sorted((h.submission.status, h.persons) for h in rows) == [("draft", 5), ("validated", 40)]

    response = page(editor_b_client, HEADCOUNTS)
    assert sorted((h.submission.status, h.persons) for h in selected(response)) == [("returned", 9), ("submitted", 7)]
    assert "Maatwerkbedrijf A" not in response.content.decode()


def test_coordinators_see_validated_headcounts_and_staff_all_but_drafts(
    demo_aggregates, statuses, coordinator_client: Client, staff_client: Client
) -> None:
    validated = Headcount.objects.filter(submission__status="validated").count()
    assert validated > 4000

    coordinator_page = page(coordinator_client, HEADCOUNTS)
    assert coordinator_page.context["table"].paginator.count == validated
    assert "status" not in coordinator_page.context["filter"].form.fields  # nothing to choose

    staff_page = page(staff_client, HEADCOUNTS)
    assert staff_page.context["table"].paginator.count == validated + 2  # submitted and returned, no draft
    assert {h.persons for h in selected(page(staff_client, HEADCOUNTS, status="submitted"))} == {7}
    assert not selected(page(staff_client, HEADCOUNTS, status="draft"))


def test_filtering_the_headcounts_on_a_region_takes_everything_inside_it(
    demo_aggregates, coordinator_client: Client
) -> None:
    rows = selected(page(coordinator_client, HEADCOUNTS, year=2019, region=WVL))

    inside = set(regions_within([WVL]))
    assert len(rows) == Headcount.objects.filter(submission__year=2019, region_id__in=inside).count() > 400
    by_trede: dict[int, int] = {}
    for h in rows:
        by_trede[h.measure.trede] = by_trede.get(h.measure.trede, 0) + h.persons
    # The press release's measure sums for West-Vlaanderen 2019 (trede 5 before its overlap correction).
    assert (by_trede[3], by_trede[4], by_trede[5]) == (1_453, 10_198, 52_748)

    arrondissement = selected(page(coordinator_client, HEADCOUNTS, year=2019, region=BRUGGE_ARR))
    municipality = selected(page(coordinator_client, HEADCOUNTS, year=2019, region=BRUGGE))
    assert len(rows) > len(arrondissement) > len(municipality) > 0
    assert {h.region.code for h in municipality} == {BRUGGE}

    narrowed = selected(page(coordinator_client, HEADCOUNTS, year=2019, region=WVL, trede=5, measure="VOP"))
    assert narrowed
    assert {(h.measure.code, h.submission.year) for h in narrowed} == {("VOP", 2019)}
    named = selected(page(coordinator_client, HEADCOUNTS, organisation="brugse poort"))
    assert {h.submission.organisation.name for h in named} == {"Maatwerkbedrijf De Brugse Poort (demo)"}


def test_the_headcounts_sort_by_a_column_and_come_fifty_to_a_page(demo_aggregates, staff_client: Client) -> None:
    response = page(staff_client, HEADCOUNTS, year=2019, region=WVL, sort="-persons")
    persons = [h.persons for h in shown(response)]
    assert len(persons) == 50
    assert persons == sorted(persons, reverse=True)
    assert persons[0] == max(h.persons for h in selected(response))
    html = response.content.decode()
    assert "page=2" in html
    # Counts the Belgian way, years as written.
    assert f">{belgian(persons[0])}<" in html
    assert ">2019<" in html
    assert ">2.019<" not in html

    second = shown(page(staff_client, HEADCOUNTS, year=2019, region=WVL, sort="-persons", page=2))
    assert len(second) == 50
    assert not {h.pk for h in second} & {h.pk for h in shown(response)}
    assert max(h.persons for h in second) <= persons[-1]

    by_name = page(staff_client, HEADCOUNTS, sort="organisation")
    names = [h.submission.organisation.name for h in shown(by_name)]
    assert names == sorted(names)
    total = by_name.context["table"].paginator.count
    assert total > 1000
    assert f">{belgian(total)} rijen<" in by_name.content.decode()


def test_the_headcount_export_holds_exactly_the_filtered_rows_and_streams(
    demo_aggregates, staff_client: Client
) -> None:
    params = {"year": 2019, "region": BRUGGE_ARR, "trede": 5}
    rows = selected(page(staff_client, HEADCOUNTS, **params))
    wanted = {(h.submission.organisation.kbo, h.measure.code, h.region.code, h.persons) for h in rows}

    for fmt in ("csv", "excel-nl", "json", "xlsx"):
        response, exported_rows = exported(staff_client, HEADCOUNTS, fmt, **params)
        got = [(str(r["organisation"]), r["measure"], str(r["region"]), int(r["persons"])) for r in exported_rows]
        assert len(got) == len(rows) > 20, fmt
        assert set(got) == wanted, fmt
        assert {int(r["year"]) for r in exported_rows} == {2019}
        if fmt == "xlsx":
            assert isinstance(response, FileResponse)
        else:
            assert isinstance(response, StreamingHttpResponse), fmt
            assert not isinstance(response, FileResponse)
    assert "attachment;" in response["Content-Disposition"]


def test_an_organisation_user_exports_only_their_own_headcounts(
    demo_aggregates, statuses, editor_a_client: Client
) -> None:
    _response, rows = exported(editor_a_client, HEADCOUNTS, "json")
    assert sorted((r["status"], r["persons"]) for r in rows) == [("draft", 5), ("validated", 40)]
    _response, rows = exported(editor_a_client, HEADCOUNTS, "csv", year=2020)
    assert [(r["status"], r["persons"]) for r in rows] == [("draft", "5")]


def test_the_statistical_formats_of_the_headcounts_carry_the_selection(
    demo_aggregates, coordinator_client: Client
) -> None:
    rows = selected(page(coordinator_client, HEADCOUNTS, year=2019, region=BRUGGE))
    response = coordinator_client.get(HEADCOUNTS, {"year": 2019, "region": BRUGGE, "export": "sdmx"})
    sdmx = list(csv.DictReader(io.StringIO(content(response).decode())))
    assert len(sdmx) == len(rows)
    assert {r["REF_AREA"] for r in sdmx} == {BRUGGE}
    response = coordinator_client.get(HEADCOUNTS, {"year": 2019, "region": BRUGGE, "export": "jsonstat"})
    assert len(json.loads(content(response))["value"]) == len(rows)


def test_a_selection_of_headcounts_exports_the_same_bytes_as_the_export_service_s_own_filters(
    demo_aggregates,
) -> None:
    """The selection path shapes the rows itself; it must stay what selectors.headcount_queryset gives."""
    filters = HeadcountFilters(years=[2019], regions=[BRUGGE_ARR])
    own = headcounts_export(filters=filters)
    chosen = Headcount.objects.filter(
        submission__year=2019, submission__status="validated", region_id__in=regions_within([BRUGGE_ARR])
    )
    selection = headcounts_export(filters=filters, queryset=chosen)
    for excel_nl in (False, True):
        for use_copy in (True, False):
            expected = "".join(csv_chunks(own, excel_nl=excel_nl, use_copy=use_copy)).splitlines()
            got = "".join(csv_chunks(selection, excel_nl=excel_nl, use_copy=use_copy)).splitlines()
            # The metadata block carries the time it was made.
            assert [line for line in got if "generated_at" not in line] == [
                line for line in expected if "generated_at" not in line
            ]
    with pytest.raises(ValueError, match="public"):
        headcounts_export(filters=filters, queryset=chosen, public=True)


# --- organisations ------------------------------------------------------------------------------------------------


def test_organisation_users_see_their_own_organisations_and_coordinators_all(
    demo_aggregates, editor_a_client: Client, editor_b_client: Client, coordinator_client: Client
) -> None:
    assert [o.name for o in selected(page(editor_a_client, ORGANISATIONS))] == ["Maatwerkbedrijf A"]
    response = page(editor_b_client, ORGANISATIONS)
    assert [o.name for o in selected(response)] == ["Maatwerkbedrijf B"]
    assert "Maatwerkbedrijf A" not in response.content.decode()
    assert page(coordinator_client, ORGANISATIONS).context["table"].paginator.count == Organisation.objects.count()


def test_the_organisation_table_shows_the_kbo_number_dotted_and_the_e_mail_to_staff_only(
    demo_aggregates, coordinator_client: Client, staff_client: Client
) -> None:
    poort = Organisation.objects.get(name="Maatwerkbedrijf De Brugse Poort (demo)")
    dotted = f"{poort.kbo[:4]}.{poort.kbo[4:7]}.{poort.kbo[7:]}"
    coordinator_html = page(coordinator_client, ORGANISATIONS).content.decode()
    staff_html = page(staff_client, ORGANISATIONS).content.decode()
    assert dotted in coordinator_html
    assert poort.email not in coordinator_html
    assert poort.email in staff_html

    _response, rows = exported(coordinator_client, ORGANISATIONS, "csv")
    assert "email" not in rows[0]
    _response, rows = exported(staff_client, ORGANISATIONS, "csv")
    assert next(r for r in rows if r["name"] == poort.name)["email"] == poort.email


def test_filtering_and_sorting_the_organisations(demo_aggregates, coordinator_client: Client) -> None:
    maatwerk = selected(page(coordinator_client, ORGANISATIONS, kind="maatwerkbedrijf"))
    assert len(maatwerk) == Organisation.objects.filter(kind="maatwerkbedrijf").count() == 10
    in_brugge = selected(page(coordinator_client, ORGANISATIONS, kind="maatwerkbedrijf", arrondissement=BRUGGE_ARR))
    assert [o.name for o in in_brugge] == ["Maatwerkbedrijf De Brugse Poort (demo)"]
    assert [o.name for o in selected(page(coordinator_client, ORGANISATIONS, name="poort"))] == [in_brugge[0].name]

    OrganisationFactory(name="Gesloten vzw", active=False, home_region=Region.objects.get(code=BRUGGE))
    assert [o.name for o in selected(page(coordinator_client, ORGANISATIONS, active="false"))] == ["Gesloten vzw"]
    assert len(selected(page(coordinator_client, ORGANISATIONS, active="true"))) == 44

    names = [o.name for o in shown(page(coordinator_client, ORGANISATIONS, sort="-name"))]
    assert names == sorted(names, reverse=True)
    kinds = [o.kind for o in shown(page(coordinator_client, ORGANISATIONS, sort="kind"))]
    assert kinds == sorted(kinds)


def test_the_organisation_export_holds_the_filtered_rows_with_ten_digit_numbers(
    demo_aggregates, coordinator_client: Client
) -> None:
    params = {"arrondissement": BRUGGE_ARR}
    wanted = {o.kbo for o in selected(page(coordinator_client, ORGANISATIONS, **params))}
    assert len(wanted) == Organisation.objects.filter(home_region__parent__code=BRUGGE_ARR).count() > 5
    for fmt in ("csv", "excel-nl", "json", "xlsx"):
        response, rows = exported(coordinator_client, ORGANISATIONS, fmt, **params)
        assert list(rows[0]) == [
            "kbo",
            "name",
            "kind",
            "region",
            "region_name",
            "arrondissement",
            "arrondissement_name",
            "active",
        ]
        assert {str(r["kbo"]) for r in rows} == wanted, fmt
        assert all(len(str(r["kbo"])) == 10 and str(r["kbo"]).isdigit() for r in rows)
        assert {str(r["arrondissement"]) for r in rows} == {BRUGGE_ARR}
        assert {r["active"] for r in rows} == ({True} if fmt in ("json", "xlsx") else {"true"})
        assert isinstance(response, FileResponse if fmt == "xlsx" else StreamingHttpResponse)
    assert "inventaris-organisaties-" in response["Content-Disposition"]


# --- measures -----------------------------------------------------------------------------------------------------


def test_everyone_sees_the_measure_catalogue_filtered_and_sorted(demo_aggregates, editor_a_client: Client) -> None:
    assert page(editor_a_client, MEASURES).context["table"].paginator.count == Measure.objects.count()

    codes = {m.code for m in selected(page(editor_a_client, MEASURES, trede=5, year=2019))}
    assert codes == {"DGK-JONG", "DGK-OUD", "VOP", "SINE", "CMW-BED", "CMW-AFD", "LDE"}
    assert {m.code for m in selected(page(editor_a_client, MEASURES, group="wijk-werken", year=2017))} == {"PWA"}
    assert {m.code for m in selected(page(editor_a_client, MEASURES, mode="collectief", trede=3))} == {"AZ", "AMA"}

    years = [m.first_year for m in shown(page(editor_a_client, MEASURES, sort="-first_year"))]
    assert years == sorted(years, reverse=True)


def test_the_measure_export_holds_the_filtered_rows(demo_aggregates, editor_a_client: Client) -> None:
    for fmt in ("csv", "json", "xlsx"):
        _response, rows = exported(editor_a_client, MEASURES, fmt, trede=4, year=2019)
        assert list(rows[0]) == [
            "code",
            "name",
            "trede",
            "mode",
            "group",
            "administering_body",
            "first_year",
            "last_year",
            "counted_at",
        ]
        assert {r["code"] for r in rows} == {"IBO", "GIBO", "WPL", "TWE", "WW", "W2"}, fmt
        assert {r["counted_at"] for r in rows} == {"woonplaats"}, fmt
        assert {int(r["trede"]) for r in rows} == {4}


def test_lists_offer_no_statistical_formats_and_the_service_refuses_them(demo_aggregates, staff_client: Client) -> None:
    for url in (ORGANISATIONS, MEASURES):
        links = page(staff_client, url).context["export_links"]
        assert [label for label, _url in links] == ["CSV", "Excel (nl-BE) CSV", "Excel (XLSX)", "JSON"]
        assert staff_client.get(url, {"export": "sdmx"}).status_code == 400
        assert staff_client.get(url, {"export": "jsonstat"}).status_code == 400
    for url in (HEADCOUNTS, AGGREGATES):
        assert len(page(staff_client, url).context["export_links"]) == len(FORMATS)

    for export in (organisations_export(Organisation.objects.all()), measures_export(Measure.objects.all())):
        for fmt in ("sdmx", "jsonstat"):
            with pytest.raises(UnsupportedFormat):
                FORMATS[fmt].chunks(export)
            with pytest.raises(UnsupportedFormat):
                export_write(export, FORMATS[fmt], io.StringIO())


# --- escaping -----------------------------------------------------------------------------------------------------


@pytest.fixture
def formulas(demo_aggregates) -> Organisation:
    organisation = OrganisationFactory(name=FORMULA_NAME, home_region=Region.objects.get(code=BRUGGE))
    measure = MeasureFactory(code="-M1", name="+SUM(A1)", group="@groep", administering_body="\tVDAB")
    HeadcountFactory(submission=SubmissionFactory(organisation=organisation, validated=True), measure=measure)
    return organisation


@pytest.mark.parametrize("fmt", ["csv", "excel-nl", "json", "xlsx"])
def test_every_text_cell_that_starts_a_formula_is_escaped_in_every_export(
    formulas: Organisation, staff_client: Client, fmt: str
) -> None:
    _response, rows = exported(staff_client, ORGANISATIONS, fmt, name="hyperlink")
    assert [r["name"] for r in rows] == ["'" + FORMULA_NAME]

    _response, rows = exported(staff_client, HEADCOUNTS, fmt, organisation="hyperlink")
    assert [(r["organisation_name"], r["measure"], r["group"]) for r in rows] == [
        ("'" + FORMULA_NAME, "'-M1", "'@groep")
    ]

    _response, rows = exported(staff_client, MEASURES, fmt, group="@groep")
    assert [(r["code"], r["name"], r["group"], r["administering_body"]) for r in rows] == [
        ("'-M1", "'+SUM(A1)", "'@groep", "'\tVDAB")
    ]


def test_the_list_exports_write_the_same_bytes_through_copy_and_through_the_cursor(formulas: Organisation) -> None:
    OrganisationFactory(name="Gesloten vzw", active=False, home_region=Region.objects.get(code=BRUGGE))
    for export in (
        organisations_export(Organisation.objects.all(), email=True),
        measures_export(Measure.objects.all()),
    ):
        for excel_nl in (False, True):
            copied = "".join(csv_chunks(export, excel_nl=excel_nl))
            assert copied == "".join(csv_chunks(export, excel_nl=excel_nl, use_copy=False))
            assert "'=HYPERLINK" in copied or "'-M1" in copied


# --- aggregates ---------------------------------------------------------------------------------------------------


def test_the_aggregates_are_for_staff_and_coordinators_only(
    demo_aggregates, editor_a_client: Client, viewer_a_client: Client, coordinator_client: Client
) -> None:
    for client in (editor_a_client, viewer_a_client):
        assert client.get(AGGREGATES).status_code == 404
        assert client.get(AGGREGATES, {"export": "csv"}).status_code == 404
    assert coordinator_client.get(AGGREGATES, {"scope": "provisional"}).status_code == 403
    assert coordinator_client.get(AGGREGATES, {"scope": "provisional", "export": "csv"}).status_code == 403
    assert "scope" not in page(coordinator_client, AGGREGATES).context["filter"].form.fields
    assert "/tabellen/aggregaten/" not in page(editor_a_client, HEADCOUNTS).content.decode()


def test_the_aggregates_table_shows_the_press_release_figures(demo_aggregates, coordinator_client: Client) -> None:
    response = page(coordinator_client, AGGREGATES, region=WVL, year=2019)

    rows = selected(response)
    assert len(rows) == Aggregate.objects.filter(region__code=WVL, year=2019, scope="validated").count()
    headline = next(a for a in rows if a.trede is None)
    assert (headline.persons, headline.region_label, headline.level) == (63_552, "West-Vlaanderen", "provincie")
    html = response.content.decode()
    assert ">63.552<" in html
    assert "3-5 (totaal)" in html

    groups = selected(page(coordinator_client, AGGREGATES, region=WVL, year=2019, group="doelgroepkortingen"))
    assert next(a.persons for a in groups if a.measure_code is None) == 46_649
    assert {a.group for a in groups} == {"doelgroepkortingen"}

    treden = selected(page(coordinator_client, AGGREGATES, region=WVL, year=2019, trede=4, measure="IBO"))
    assert [(a.trede, a.measure_code) for a in treden] == [(4, "IBO")]

    arrondissements = selected(page(coordinator_client, AGGREGATES, year=2019, level="arrondissement", trede=5))
    assert {a.level for a in arrondissements} == {"arrondissement"}
    assert {a.region_code for a in arrondissements} >= {BRUGGE_ARR, "38000"}
    westhoek = selected(page(coordinator_client, AGGREGATES, year=2019, region="westhoek"))
    assert westhoek
    assert {a.level for a in westhoek} == {"regio-indeling"}

    top = shown(page(coordinator_client, AGGREGATES, region=WVL, year=2019, sort="-persons"))
    assert top[0].persons == 63_552
    assert [a.persons for a in top] == sorted((a.persons for a in top), reverse=True)
    assert page(coordinator_client, AGGREGATES).context["table"].paginator.num_pages > 1


def test_staff_choose_the_provisional_aggregates(demo_aggregates, staff_client: Client) -> None:
    rows = selected(page(staff_client, AGGREGATES, scope="provisional", region=WVL, year=2019))
    assert {a.scope for a in rows} == {"provisional"}
    assert next(a.persons for a in rows if a.trede is None) == 63_552
    _response, exported_rows = exported(staff_client, AGGREGATES, "json", scope="provisional", region=WVL, year=2019)
    assert {r["scope"] for r in exported_rows} == {"provisional"}
    unknown = staff_client.get(AGGREGATES, {"scope": "elk"})
    assert unknown.status_code == 400
    assert "‘elk’ is geen geldige keuze voor Scope." in unknown.content.decode()


def test_the_aggregate_export_holds_exactly_the_filtered_rows(demo_aggregates, coordinator_client: Client) -> None:
    params = {"year": 2019, "region": WVL, "group": "doelgroepkortingen"}
    chosen = selected(page(coordinator_client, AGGREGATES, **params))
    wanted = {(a.trede, a.group, a.measure_code, a.persons) for a in chosen}
    for fmt in ("csv", "excel-nl", "json", "xlsx"):
        response, rows = exported(coordinator_client, AGGREGATES, fmt, **params)
        got = [(int(r["trede"]), r["group"], r["measure"] or None, int(r["persons"])) for r in rows]
        assert len(got) == len(wanted), fmt
        assert set(got) == wanted, fmt
        assert (5, "doelgroepkortingen", None, 46_649) in got
        assert isinstance(response, FileResponse if fmt == "xlsx" else StreamingHttpResponse)

    response = coordinator_client.get(AGGREGATES, {**params, "export": "excel-nl"})
    text = content(response).decode("utf-8-sig")
    meta = {row[0]: row[1] for row in csv.reader(text.splitlines(), delimiter=";") if row[0].startswith("#")}
    assert json.loads(meta["# filters"]) == {
        "year": [2019],
        "region": [WVL],
        "group": "doelgroepkortingen",
    }
    assert meta["# scope"] == "validated"

    assert coordinator_client.get(AGGREGATES, {"year": "elk", "export": "csv"}).status_code == 400
    assert coordinator_client.get(AGGREGATES, {"export": "pdf"}).status_code == 400


# --- queries ------------------------------------------------------------------------------------------------------


def more_headcounts() -> None:
    submission = SubmissionFactory(validated=True, organisation__home_region=Region.objects.get(code=BRUGGE))
    HeadcountFactory.create_batch(150, submission=submission)


def more_organisations() -> None:
    OrganisationFactory.create_batch(150, home_region=Region.objects.get(code=BRUGGE))


def more_measures() -> None:
    MeasureFactory.create_batch(100)


def more_aggregates() -> None:
    now = dt.datetime(2021, 3, 1, tzinfo=dt.UTC)
    regions = list(Region.objects.filter(level="gemeente")[:150])
    Aggregate.objects.bulk_create(
        Aggregate(year=2030, scope=Scope.VALIDATED, region=r, persons=i, computed_at=now) for i, r in enumerate(regions)
    )


PAGES = [
    (HEADCOUNTS, more_headcounts),
    (ORGANISATIONS, more_organisations),
    (MEASURES, more_measures),
    (AGGREGATES, more_aggregates),
]


def queries_of(client: Client, url: str, at_most: Callable) -> int:
    with CaptureQueriesContext(connection) as captured, at_most(14):
        response = client.get(url)
        assert response.status_code == 200
    assert len(shown(response)) > 0
    return len(captured.captured_queries)


@pytest.mark.parametrize(("url", "grow"), PAGES)
@pytest.mark.parametrize("role", ["staff", "coordinator"])
def test_each_page_runs_the_same_few_queries_whatever_the_number_of_rows(
    demo_aggregates,
    request: pytest.FixtureRequest,
    django_assert_max_num_queries: Callable,
    url: str,
    grow: Callable[[], None],
    role: str,
) -> None:
    client = request.getfixturevalue(f"{role}_client")
    before = queries_of(client, url, django_assert_max_num_queries)
    grow()
    assert queries_of(client, url, django_assert_max_num_queries) == before


@pytest.mark.parametrize("url", [HEADCOUNTS, ORGANISATIONS, MEASURES])
def test_an_organisation_user_s_pages_run_the_same_few_queries_whatever_the_number_of_rows(
    demo_aggregates,
    organisation_a: Organisation,
    editor_a: Any,
    editor_a_client: Client,
    django_assert_max_num_queries: Callable,
    url: str,
) -> None:
    def grow(year: int) -> None:
        submission = SubmissionFactory(organisation=organisation_a, year=year, validated=True)
        HeadcountFactory.create_batch(40, submission=submission)
        MembershipFactory.create_batch(30, user=editor_a, organisation__home_region=organisation_a.home_region)

    grow(2018)
    before = queries_of(editor_a_client, url, django_assert_max_num_queries)
    grow(2019)
    grow(2020)
    assert queries_of(editor_a_client, url, django_assert_max_num_queries) == before


def test_the_navigation_links_to_the_tables(editor_a_client: Client) -> None:
    assert f'href="{HEADCOUNTS}"' in page(editor_a_client, "/").content.decode()


def test_the_export_names_a_coordinator_s_file_validated_and_staff_s_provisional(
    demo_aggregates, coordinator_client: Client, staff_client: Client
) -> None:
    response = coordinator_client.get(HEADCOUNTS, {"year": 2019, "region": BRUGGE, "export": "json"})
    assert json.loads(content(response))["meta"]["scope"] == "validated"
    response = staff_client.get(HEADCOUNTS, {"year": 2019, "region": BRUGGE, "export": "json"})
    body = json.loads(content(response))
    assert body["meta"]["scope"] == "provisional"
    assert body["meta"]["filters"] == {"year": [2019], "region": [BRUGGE]}
    response = staff_client.get(HEADCOUNTS, {"status": "validated", "organisation": "poort", "export": "json"})
    body = json.loads(content(response))
    assert body["meta"]["scope"] == "validated"
    assert body["meta"]["filters"] == {"organisation": "poort", "status": "validated"}


def test_a_cached_aggregates_table_reads_five_queries_and_follows_every_recompute(
    demo_aggregates: None, coordinator_client: Client, settings: Any, django_assert_max_num_queries: Any
) -> None:
    settings.CACHES = {"default": redis_cache(settings.REDIS_URL)}
    params = {"region": "30000", "year": "2019", "level": "provincie"}
    first = page(coordinator_client, AGGREGATES, **params).content.decode()
    assert "63.552" in first
    with django_assert_max_num_queries(7):  # session, user, its second factor, the freshness and year states
        assert page(coordinator_client, AGGREGATES, **params).content.decode().count("63.552") == first.count("63.552")
    headcount = Headcount.objects.filter(
        submission__year=2019, submission__status="validated", region__code__startswith="3", measure__trede=3
    ).first()
    Headcount.objects.filter(pk=headcount.pk).update(persons=headcount.persons + 7)
    aggregates_mark_years(years=[2019])
    aggregates_recompute(year=2019)
    assert "63.559" in page(coordinator_client, AGGREGATES, **params).content.decode()


def test_staff_see_an_estimated_headcount_marked_in_the_table_and_its_export(staff_client: Client) -> None:
    supplier = OrganisationFactory(name="Leverancier", kind="gegevensleverancier")
    submission = SubmissionFactory(organisation=supplier, year=2019, status="submitted")
    HeadcountFactory(submission=submission, persons=2, estimated=True)
    HeadcountFactory(submission=submission, persons=40)

    response = page(staff_client, HEADCOUNTS, organisation="Leverancier")
    html = response.content.decode()
    assert "≈&nbsp;2</abbr>" in html
    assert 'class="estimated"' in html
    assert html.count('class="estimated"') == 1  # the 40 is no estimate
    for fmt in ("csv", "json", "xlsx"):
        _response, rows = exported(staff_client, HEADCOUNTS, fmt, organisation="Leverancier")
        assert list(rows[-1])[-1] == "estimated", fmt
        assert {int(r["persons"]): str(r["estimated"]).lower() for r in rows} == {2: "true", 40: "false"}, fmt
