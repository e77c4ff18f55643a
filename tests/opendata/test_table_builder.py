"""The public table builder (/cijfers/<edition>/tabel/): its form's defaults, downloads of exactly the cells it
shows in every format, its permalink, Dutch 400s for wrong values, and small-cell protection."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from inventory.models import Edition, Measure, Region, Submission, SubmissionStatus
from inventory.services.aggregation import aggregates_recompute
from inventory.services.demo import demo_load
from inventory.services.editions import edition_publish
from opendata.editions import PublicSource
from tests.factories import HeadcountFactory, OrganisationFactory, SubmissionFactory

pytestmark = pytest.mark.django_db

DEMO = "/cijfers/inventaris-2019/tabel/"
SMALL = "/cijfers/inventaris-2019-klein/tabel/"
FORMATS = ["csv", "excel.csv", "xlsx", "json", "sdmx.csv", "jsonstat.json"]
# Every breakdown of the municipalities of the arrondissement Diksmuide, where the small edition counts 3 people.
DIKSMUIDE_TABLES = [
    {"niveau": "gemeente", "arrondissement": "32000", "indeling": indeling, "trede": ["3", "4", "5", "6"]}
    for indeling in ("totaal", "trede", "groep", "maatregel")
]


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The demo (its editions Inventaris 2019 and 2018), then the small edition "Inventaris 2019 klein": the demo's
    figures plus arbeidszorg (AZ) for 3 people in Diksmuide (32003) and 40 in its neighbour Houthulst (32006), in
    an arrondissement that has no trede 3 otherwise."""
    with django_db_blocker.unblock(), transaction.atomic():
        cache.clear()  # answers kept by an earlier run of the tests, of editions with the same ids
        demo_load()
        az = Measure.objects.get(code="AZ")
        for code, persons in (("32003", 3), ("32006", 40)):
            organisation = OrganisationFactory(home_region=Region.objects.get(code=code), kind="arbeidszorg")
            submission = SubmissionFactory(organisation=organisation)
            HeadcountFactory(submission=submission, measure=az, persons=persons)
            Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.VALIDATED)
        aggregates_recompute(year=2019, full=True)
        edition_publish(
            name="Inventaris 2019 klein",
            reference_year=2019,
            published_on=dt.date(2020, 7, 1),
            user=None,
            confirm_incomplete=True,
        )
        # Check the deferred constraints of all this now, once: else every test's end checks them again.
        with connection.cursor() as cursor:
            cursor.execute("set constraints all immediate")
            cursor.execute("set constraints all deferred")
        yield
        transaction.set_rollback(True)
    cache.clear()


def shown_cells(response: Any) -> dict[str, int | str]:
    """The table's cells by id (region|year|category) with what they show: a number, or a mark; "–" left out."""
    cells = {}
    for cell_id, content in re.findall(r'<td class="num" data-cell="([^"]+)">(.*?)</td>', response.content.decode()):
        text = html.unescape(re.sub(r"<[^>]+>", "", content))
        if text != "–":
            cells[html.unescape(cell_id)] = int(text.replace(".", "")) if text.isdigit() or "." in text else text
    return cells


def category_id(trede: Any, group: Any, measure: Any) -> str:
    if trede in (None, ""):
        return "_T"
    return "/".join(str(part) for part in (trede, group, measure) if part not in (None, ""))


def value(persons: Any) -> int | str:
    return int(persons) if isinstance(persons, int) or str(persons).isdigit() else str(persons)


def rows_cells(rows: list[dict[str, Any]]) -> dict[str, int | str]:
    return {
        f"{r['region']}|{r['year']}|{category_id(r['trede'], r['group'], r['measure'])}": value(r["persons"])
        for r in rows
    }


def sdmx_cells(text: str) -> dict[str, int | str]:
    """SDMX-CSV's observations by id: the measure dimension is _T for a trede (or the headline)."""
    cells = {}
    for row in csv.DictReader(io.StringIO(text)):
        assert row["MAATREGEL"] == "_T"  # these tables are per trede
        shown = row["OBS_VALUE"] or {"C": "<5", "D": "x"}[row["CONF_STATUS"]]
        cells[f"{row['REF_AREA']}|{row['TIME_PERIOD']}|{row['TREDE']}"] = value(shown)
    return cells


def jsonstat_cells(data: dict[str, Any]) -> dict[str, int | str]:
    """JSON-stat's values by id, the flat index turned back into its categories (row-major)."""
    ids, sizes = data["id"], data["size"]
    indexes = [data["dimension"][d]["category"]["index"] for d in ids]
    codes = [sorted(index, key=index.get) for index in indexes]
    cells = {}
    for index, number in data["value"].items():
        rest, position = int(index), {}
        for dimension, size, names in reversed(list(zip(ids, sizes, codes, strict=True))):
            rest, at = divmod(rest, size)
            position[dimension] = names[at]
        shown = number if number is not None else data["status"][index]
        cells[f"{position['region']}|{position['year']}|{position['trede']}"] = value(shown)
    return cells


def download_cells(client: Client, path: str, extension: str, query: dict[str, Any]) -> dict[str, int | str]:
    response = client.get(f"{path}download.{extension}", query)
    assert response.status_code == 200, response.content[:300]
    body = response.content
    if extension == "csv":
        return rows_cells(list(csv.DictReader(io.StringIO(body.decode()))))
    if extension == "excel.csv":
        text = body.decode("utf-8-sig")
        lines = [line for line in text.splitlines(keepends=True) if not line.startswith("# ")]
        return rows_cells(list(csv.DictReader(lines, delimiter=";")))
    if extension == "xlsx":
        sheet = load_workbook(io.BytesIO(body), read_only=True)["gegevens"]
        header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        return rows_cells([dict(zip(header, r, strict=True)) for r in rows])
    if extension == "json":
        return rows_cells(json.loads(body)["results"])
    if extension == "sdmx.csv":
        return sdmx_cells(body.decode())
    return jsonstat_cells(json.loads(body))


def metadata(client: Client, path: str, extension: str, query: dict[str, Any]) -> str:
    """Everything a download says besides its cells, as text."""
    body = client.get(f"{path}download.{extension}", query).content
    if extension == "xlsx":
        sheet = load_workbook(io.BytesIO(body), read_only=True)["metadata"]
        return json.dumps([list(r) for r in sheet.iter_rows(values_only=True)], ensure_ascii=False)
    if extension == "jsonstat.json":
        return json.dumps(json.loads(body)["extension"], ensure_ascii=False)
    if extension == "json":
        return json.dumps(json.loads(body)["meta"], ensure_ascii=False)
    return body.decode("utf-8-sig")


# --- the form and its defaults -----------------------------------------------------------------------------------


def test_the_edition_page_links_to_the_table_builder(demo: None, client: Client) -> None:
    page = client.get("/cijfers/inventaris-2019/").content.decode()

    assert 'href="/cijfers/inventaris-2019/tabel/">Tabel samenstellen</a>' in page


def test_without_a_query_the_table_shows_the_provinces_total_in_the_reference_year(demo: None, client: Client) -> None:
    response = client.get(DEMO)
    page = response.content.decode()

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("public")
    assert re.search(r'<input type="checkbox" name="jaar" value="2019"[^>]*checked', page)
    assert not re.search(r'<input type="checkbox" name="jaar" value="2018"[^>]*checked', page)
    assert re.search(r'<input type="radio" name="niveau" value="provincie"[^>]*checked', page)
    assert re.search(r'<input type="radio" name="indeling" value="totaal"[^>]*checked', page)
    assert set(shown_cells(response)) == {f"{code}|2019|_T" for code in ("10000", "20001", "30000", "40000", "70000")}
    # The press release's headline for West-Vlaanderen, in the Belgian way.
    assert '<td class="num" data-cell="30000|2019|_T">63.552</td>' in page
    assert "<caption" in page
    assert '<th scope="row"><a href="/cijfers/inventaris-2019/gebied/30000/">West-Vlaanderen' in page
    for label in ("Jaren", "Gebieden", "Gemeenten van", "Zelf gekozen gebieden", "Indeling", "Treden", "Weergave"):
        assert label in page


def test_every_field_of_the_form_has_a_label(demo: None, client: Client) -> None:
    page = client.get(DEMO).content.decode()
    form = page[page.index("<form") : page.index("</form>")]

    for control_id in re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', form):
        assert f'for="{control_id}"' in form, control_id
    assert form.count("<legend>") == 5  # years, places, breakdown, treden, layout: one legend per group of boxes


def test_a_table_per_trede_over_two_years_has_a_column_per_year_and_trede(demo: None, client: Client) -> None:
    response = client.get(DEMO, {"jaar": ["2018", "2019"], "niveau": "arrondissement", "indeling": "trede"})
    page = response.content.decode()
    cells = shown_cells(response)

    assert response.status_code == 200
    assert '<th scope="colgroup" colspan="3">2018</th>' in page
    assert len({key.split("|")[0] for key in cells}) == 22
    assert {key.split("|")[2] for key in cells} == {"3", "4", "5"}
    assert cells["31000|2019|5"] > 0


def test_the_long_layout_shows_the_same_cells_as_the_wide_one(demo: None, client: Client) -> None:
    query = {"jaar": ["2018", "2019"], "niveau": "gemeente", "arrondissement": "31000", "indeling": "maatregel"}
    wide = client.get(DEMO, query)
    long = client.get(DEMO, query | {"weergave": "jaren"})

    assert '<th scope="rowgroup"' in long.content.decode()
    assert shown_cells(long) == shown_cells(wide)
    assert len(shown_cells(wide)) > 20


def test_chosen_regions_come_in_the_order_chosen(demo: None, client: Client) -> None:
    response = client.get(DEMO, {"regio": ["westhoek", "02000", "31005"], "indeling": "groep"})
    page = response.content.decode()
    table = page[page.index("<table") :]

    assert response.status_code == 200
    assert table.index(">Westhoek<") < table.index(">Vlaams Gewest<") < table.index(">Brugge<")
    assert re.search(r'<input type="radio" name="niveau" value="keuze"[^>]*checked', page)


# --- downloads -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("extension", FORMATS)
def test_each_download_holds_exactly_the_cells_the_page_shows(demo: None, client: Client, extension: str) -> None:
    query = {"jaar": ["2018", "2019"], "niveau": "arrondissement", "indeling": "trede", "trede": ["3", "5"]}
    shown = shown_cells(client.get(DEMO, query))

    # Every arrondissement has a trede 5; a few have no trede 3 ("–"), and those cells are in no file either.
    assert 22 * 2 < len(shown) < 22 * 2 * 2
    assert download_cells(client, DEMO, extension, query) == shown


@pytest.mark.parametrize("extension", FORMATS)
def test_each_download_says_its_edition_licence_source_and_threshold(
    demo: None, client: Client, extension: str
) -> None:
    response = client.get(f"{DEMO}download.{extension}", {"indeling": "trede"})
    text = metadata(client, DEMO, extension, {"indeling": "trede"})

    assert response["Content-Disposition"].startswith(
        'attachment; filename="inventaris-2019-tabel-provincies-per-trede-2019'
    )
    assert response["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    assert "Inventaris 2019" in text
    assert "CC-BY-4.0" in text
    assert "POM West-Vlaanderen, Inventaris sociale economie" in text
    if extension == "sdmx.csv":
        assert ",CONF_THRESHOLD," in text.splitlines()[0]
    elif extension != "csv":
        assert "small_cell_threshold" in text
        assert "/cijfers/inventaris-2019/tabel/?jaar=2019&" in text  # the permalink


def test_download_names_are_stable_and_tell_what_they_hold(demo: None, client: Client) -> None:
    def name(extension: str, query: dict[str, Any]) -> str:
        cache.clear()
        return client.get(f"{DEMO}download.{extension}", query)["Content-Disposition"]

    query = {"jaar": ["2017", "2018", "2019"], "niveau": "gemeente", "arrondissement": "31000", "indeling": "maatregel"}
    assert name("xlsx", query) == (
        'attachment; filename="inventaris-2019-tabel-gemeenten-31000-per-maatregel-2017-tot-2019.xlsx"'
    )
    assert name("xlsx", query) == name("xlsx", query | {"weergave": "jaren"})
    assert name("sdmx.csv", {"trede": "4", "indeling": "groep"}).endswith(
        'inventaris-2019-tabel-provincies-per-maatregelgroep-treden-4-2019-sdmx.csv"'
    )


def test_a_download_of_groups_and_measures_keeps_their_trede_group_and_code(demo: None, client: Client) -> None:
    query = {"niveau": "gewest", "indeling": "maatregel", "trede": "5"}
    rows = list(csv.DictReader(io.StringIO(client.get(f"{DEMO}download.csv", query).content.decode())))
    shown = shown_cells(client.get(DEMO, query))

    assert rows_cells(rows) == shown
    vop = next(r for r in rows if r["measure"] == "VOP")
    assert (vop["region"], vop["trede"], vop["group"], vop["edition"], vop["licence"]) == (
        "02000",
        "5",
        "doelgroepkortingen",
        "Inventaris 2019",
        "CC-BY-4.0",
    )


# --- the permalink -------------------------------------------------------------------------------------------------


def test_the_permalink_spells_out_the_choice_and_gives_the_same_table(demo: None, client: Client) -> None:
    asked = client.get(DEMO + "?jaar=2019,2017&trede=5&trede=4&indeling=trede&niveau=regio-indeling")
    link = html.unescape(re.search(r'<a href="([^"]+)" data-permalink>', asked.content.decode()).group(1))
    cache.clear()  # made again, not read back
    again = client.get(link)

    assert link == (
        "http://testserver/cijfers/inventaris-2019/tabel/"
        "?jaar=2017&jaar=2019&niveau=regio-indeling&indeling=trede&trede=4&trede=5&weergave=gebieden"
    )
    assert "Vaste link naar deze tabel" in again.content.decode()
    assert shown_cells(again) == shown_cells(asked)
    assert len(shown_cells(again)) == 4 * 2 * 2
    table = re.compile(r"<table.*?</table>", re.S)
    assert table.search(again.content.decode()).group(0) == table.search(asked.content.decode()).group(0)
    assert html.unescape(re.search(r'<a href="([^"]+)" data-permalink>', again.content.decode()).group(1)) == link


def test_a_table_and_its_download_are_made_once_and_then_read_from_the_cache(demo: None, client: Client) -> None:
    query = {"jaar": ["2018", "2019"], "niveau": "arrondissement", "indeling": "groep"}
    answers, queries = [], []
    for path in (DEMO, DEMO, f"{DEMO}download.xlsx", f"{DEMO}download.xlsx"):
        with CaptureQueriesContext(connection) as done:
            answers.append(client.get(path, query))
        queries.append(len(done))

    assert answers[1].content == answers[0].content
    assert answers[3].content == answers[2].content
    # Made: the form's choices and the table; kept: only the edition is looked up (what its answers depend on).
    assert queries[0] > queries[1]
    assert queries[2] > queries[3]
    assert queries[1] == queries[3] <= 3


# --- wrong values --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"jaar": "1999"}, "Jaar ‘1999’ zit niet in deze editie."),
        ({"jaar": "٢٠١٩"}, "Jaar ‘٢٠١٩’ zit niet in deze editie."),
        ({"niveau": "land"}, "‘land’ is geen keuze voor Gebieden."),
        ({"niveau": "gemeente", "arrondissement": "30000"}, "Arrondissement ‘30000’ bestaat niet."),
        ({"regio": ["31000", "99999"]}, "Gebied ‘99999’ bestaat niet; kies gebieden uit de lijst."),
        ({"niveau": "keuze"}, "Kies minstens één gebied bij ‘zelf gekozen gebieden’."),
        ({"indeling": "per-kwartaal"}, "‘per-kwartaal’ is geen keuze voor Indeling."),
        ({"indeling": "trede", "trede": "7"}, "Trede ‘7’ bestaat niet; kies uit 3, 4, 5 en 6."),
        ({"weergave": "taart"}, "‘taart’ is geen keuze voor Weergave."),
        (
            {"niveau": "gemeente", "indeling": "maatregel", "jaar": "2014,2015,2016,2017,2018,2019"},
            "cellen tellen, meer dan de 20.000 die een tabel hier kan hebben",
        ),
    ],
)
def test_a_wrong_value_is_a_400_that_names_it_on_the_page_and_for_a_download(
    demo: None, client: Client, query: dict[str, Any], message: str
) -> None:
    page = client.get(DEMO, query)
    download = client.get(f"{DEMO}download.csv", query)

    assert page.status_code == 400
    assert message in html.unescape(page.content.decode())
    assert "data-cell" not in page.content.decode()
    assert download.status_code == 400
    assert message in download.content.decode()
    assert download["Content-Type"] == "text/plain; charset=utf-8"


def test_an_unknown_download_or_edition_is_a_404_that_says_so(demo: None, client: Client) -> None:
    unknown_format = client.get(f"{DEMO}download.pdf")
    unknown_edition = client.get("/cijfers/inventaris-1999/tabel/download.csv")

    assert unknown_format.status_code == 404
    assert "Er is geen download ‘download.pdf’" in html.unescape(unknown_format.content.decode())
    assert unknown_edition.status_code == 404


def test_empty_values_and_unknown_parameters_fall_back_to_the_defaults(demo: None, client: Client) -> None:
    response = client.get(DEMO, {"jaar": "", "niveau": " ", "onbekend": "1"})

    assert response.status_code == 200
    assert shown_cells(response)["30000|2019|_T"] == 63552


# --- small-cell protection -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", DIKSMUIDE_TABLES, ids=[q["indeling"] for q in DIKSMUIDE_TABLES])
def test_no_table_or_download_of_the_small_edition_shows_the_count_of_3(
    demo: None, client: Client, query: dict[str, Any]
) -> None:
    for layout in ("gebieden", "jaren"):
        cells = shown_cells(client.get(SMALL, query | {"weergave": layout}))
        assert 3 not in cells.values()
        assert cells
    for extension in ("csv", "excel.csv", "xlsx", "json"):
        assert 3 not in download_cells(client, SMALL, extension, query).values()


def test_the_count_of_3_and_its_neighbour_are_hidden_in_every_format(demo: None, client: Client) -> None:
    query = {"niveau": "gemeente", "arrondissement": "32000", "indeling": "trede"}
    cells = shown_cells(client.get(SMALL, query))

    assert cells["32003|2019|3"] == "<5"
    # Houthulst's 40 is hidden too: the arrondissement's trede 3 (43) minus it would give Diksmuide's 3 away.
    assert cells["32006|2019|3"] == "x"
    assert "32003|2019|3" not in shown_cells(client.get(DEMO, query))  # the demo has no trede 3 there
    for extension in FORMATS:
        assert download_cells(client, SMALL, extension, query) == cells, extension
    page = client.get(SMALL, query).content.decode()
    assert "tussen 1 en 4 personen, afgeschermd" in page  # the legend


def test_the_builder_hides_the_same_cells_as_the_fact_sheets_and_shows_the_same_totals(
    demo: None, client: Client
) -> None:
    edition = Edition.objects.get(name="Inventaris 2019 klein")
    source = PublicSource(edition=edition)
    codes = ["32003", "32006", "32010", "32011", "32030"]
    figures = source.values(codes, [2019], groups=False)
    hidden = source.hidden(codes, [2019])
    cells = shown_cells(client.get(SMALL, {"niveau": "gemeente", "arrondissement": "32000", "indeling": "trede"}))
    totals = shown_cells(client.get(SMALL, {"niveau": "gemeente", "arrondissement": "32000"}))

    for code in codes:
        for trede in (3, 4, 5):
            expected = figures.get((code, 2019, trede, "")) or hidden.get((code, 2019, trede, ""))
            assert cells.get(f"{code}|2019|{trede}") == expected, (code, trede)
        assert totals[f"{code}|2019|_T"] == figures[(code, 2019, None, "")]
    assert totals["32003|2019|_T"] == 1536  # 1.533 of the demo plus the 3: a total stays shown
    sheet = client.get("/cijfers/inventaris-2019-klein/gebied/32003/").content.decode()
    assert "1.536" in sheet
