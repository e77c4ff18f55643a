"""What changed: the figures of an edition that differ from the edition it follows, each side as its own edition
shows it, with a difference only where both are shown; as a page and as CSV and XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import html as html_text
import io
import re

import openpyxl
import pytest
from django.conf import settings
from django.test import Client

from inventory.models import Edition
from opendata.changes import previous_edition, public_changes
from opendata.editions import is_hidden, protected_table
from tests.factories import EditionFactory, EditionFigureFactory, RegionFactory

pytestmark = pytest.mark.django_db
WVL = "30000"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def cells(response) -> list[list[str]]:
    """The changes table's rows, as text per cell."""
    html = response.content.decode()
    body = html[html.index("<tbody>", html.index("data-changes")) : html.index("</tbody>", html.index("data-changes"))]
    return [
        [
            html_text.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip())
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


@pytest.fixture
def pair(db: None) -> tuple[Edition, Edition]:
    """Two editions of one province: trede 3 goes from 7 (shown) to 3 (hidden), which hides another trede of the
    new edition too; the headline stays 100 in 2018, and 2019 is new."""
    province = RegionFactory(code=WVL, name="West-Vlaanderen", level="provincie")
    old = EditionFactory(name="Inventaris oud", reference_year=2018, published_on=dt.date(2019, 6, 1))
    new = EditionFactory(name="Inventaris nieuw", reference_year=2019, published_on=dt.date(2020, 6, 1))
    for edition, figures in (
        (old, {None: 100, 3: 7, 4: 25, 5: 68}),
        (new, {None: 100, 3: 3, 4: 29, 5: 68}),
    ):
        for trede, persons in figures.items():
            EditionFigureFactory(edition=edition, year=2018, region=province, trede=trede, persons=persons)
    EditionFigureFactory(edition=new, year=2019, region=province, trede=None, persons=120)
    return old, new


def test_an_edition_follows_the_one_it_replaces_else_the_previous_one(pair: tuple[Edition, Edition]) -> None:
    old, new = pair
    assert previous_edition(new) == old
    assert previous_edition(old) is None
    correction = EditionFactory(name="Inventaris nieuw, gecorrigeerd", reference_year=2019, replaces=old)
    assert previous_edition(correction) == old


def test_each_side_is_shown_as_its_own_edition_shows_it(pair: tuple[Edition, Edition], clean_redis) -> None:
    old, new = pair
    comparison = public_changes(old=old, new=new)

    assert comparison.rows, "trede 3 changed"
    for row in comparison.rows:
        key = (row.region, row.trede, row.group, row.measure)
        assert row.old == protected_table(old, row.year)[key]
        assert row.new == protected_table(new, row.year)[key]
        assert not (is_hidden(row.old) and is_hidden(row.new))
        if is_hidden(row.old) or is_hidden(row.new):
            assert row.difference is None
    trede3 = next(row for row in comparison.rows if row.trede == 3)
    assert (trede3.old, trede3.new, trede3.difference) == (7, "<5", None)


def test_the_page_never_gives_a_hidden_count_away(pair: tuple[Edition, Edition], clean_redis) -> None:
    _old, new = pair
    response = Client().get(f"/cijfers/{new.slug}/wijzigingen/")

    assert response.status_code == 200
    rows = cells(response)
    trede3 = next(row for row in rows if row[2] == "3")
    assert trede3[5:] == ["7", "<5", ""]
    for row in rows:
        shown = [value for value in row[5:] if value]
        for value in shown:
            number = value.split(" ")[0].lstrip("+-").replace(".", "")
            assert not (number.isdigit() and 1 <= int(number) < settings.SMALL_CELL_THRESHOLD), row
        if "<5" in row[5:7] or "x" in row[5:7]:
            assert row[7] == "", row


def test_the_page_lists_added_figures_when_asked(pair: tuple[Edition, Edition], clean_redis) -> None:
    _old, new = pair
    response = Client().get(f"/cijfers/{new.slug}/wijzigingen/", {"toon": "added"})

    assert cells(response) == [["2019", "West-Vlaanderen (30000)", "3-5", "", "", "–", "120", ""]]


def test_an_edition_without_a_previous_one_says_so(pair: tuple[Edition, Edition], clean_redis) -> None:
    old, _new = pair
    response = Client().get(f"/cijfers/{old.slug}/wijzigingen/")

    assert response.status_code == 200
    assert "volgt op geen eerdere editie" in text(response)


def test_a_choice_that_is_not_offered_is_refused_with_its_name(pair: tuple[Edition, Edition], clean_redis) -> None:
    _old, new = pair
    for query, message in (
        ({"jaar": "1999"}, "Jaar ‘1999’ komt in deze editie niet voor."),
        ({"regio": "99999"}, "Regio ‘99999’ bestaat niet"),
        ({"formaat": "pdf"}, "Formaat ‘pdf’ bestaat niet"),
        ({"page": "7"}, "Pagina ‘7’ bestaat niet"),
    ):
        response = Client().get(f"/cijfers/{new.slug}/wijzigingen/", query)
        assert response.status_code == 400, query
        assert message in text(response), query


def test_the_demo_shows_the_restated_2018(demo_db, clean_redis) -> None:
    response = Client().get("/cijfers/inventaris-2019/wijzigingen/", {"regio": WVL, "jaar": "2018"})

    assert response.status_code == 200
    rows = cells(response)
    assert ["2018", "West-Vlaanderen (30000)", "3-5", "", "", "57.302", "57.462", "+160 (+0,3 %)"] in rows
    assert len(rows) == 4  # headline, trede 5, doelgroepkortingen, DGK-OUD
    assert "8 cijfers gewijzigd" in text(Client().get("/cijfers/inventaris-2019/wijzigingen/"))


def test_the_edition_page_links_to_what_changed(demo_db, clean_redis) -> None:
    html = Client().get("/cijfers/inventaris-2019/").content.decode()
    nav = html[html.index('class="edition-nav') : html.index("</nav>", html.index('class="edition-nav'))]

    assert 'href="/cijfers/inventaris-2019/wijzigingen/"' in nav


def test_the_downloads_hold_the_rows_of_the_page(demo_db, clean_redis) -> None:
    query = {"regio": WVL, "jaar": "2018"}
    response = Client().get("/cijfers/inventaris-2019/wijzigingen/", {**query, "formaat": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "inventaris-2019-wijzigingen.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 4
    headline = next(row for row in rows if not row["trede"])
    assert (headline["old"], headline["new"], headline["difference"]) == ("57302", "57462", "160")

    response = Client().get("/cijfers/inventaris-2019/wijzigingen/", {**query, "formaat": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["gegevens"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][-3:] == ("old", "new", "difference")
    assert (2018, "30000", "West-Vlaanderen", "provincie", None, None, None, None, 57302, 57462, 160) in values
    assert len(values) == 5
