"""Indicators computed from their parts: the press release's rates from the demo edition, the formula beside the
value, frozen context figures, and a reason instead of a value when a part is missing or hidden."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from inventory.models import ContextFigure, Edition, EditionContextFigure
from inventory.selectors.sources import Place
from inventory.templatetags.numbers import rounded
from opendata.indicators import ComputedIndicator, edition_indicators
from tests.factories import EditionFactory, EditionFigureFactory, RegionFactory

pytestmark = pytest.mark.django_db
WVL, FLANDERS = "30000", "02000"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def indicators_of(edition: Edition, code: str, name: str) -> dict[str, ComputedIndicator]:
    return {i.code: i for i in edition_indicators(edition=edition, place=Place(code, name, "provincie"))}


def test_the_demo_edition_computes_the_participation_rates_of_the_press_release(demo_db, clean_redis) -> None:
    edition = Edition.objects.get(name="Inventaris 2019")
    wvl = indicators_of(edition, WVL, "West-Vlaanderen")["arbeidsmarktparticipatiegraad"]
    flanders = indicators_of(edition, FLANDERS, "Vlaanderen")["arbeidsmarktparticipatiegraad"]

    assert rounded(wvl.value, 1) == Decimal("79.2")
    assert rounded(flanders.value, 1) == Decimal("77.1")
    assert (wvl.base.value, wvl.numerator.value, wvl.denominator.value) == (Decimal("77.5"), 11_651, 685_000)
    assert (flanders.base.value, flanders.numerator.value) == (Decimal("75.5"), 56_910)
    assert wvl.denominator.synthetic
    assert wvl.denominator.year == 2019


def test_the_shares_are_computed_from_the_edition_figures(demo_db, clean_redis) -> None:
    wvl = indicators_of(Edition.objects.get(name="Inventaris 2019"), WVL, "West-Vlaanderen")

    assert rounded(wvl["aandeel-loontrekkenden"].value, 1) == Decimal("14.7")
    assert (wvl["aandeel-loontrekkenden"].numerator.value, wvl["aandeel-loontrekkenden"].denominator.value) == (
        63_552,
        433_385,
    )
    assert rounded(wvl["aandeel-vlaanderen"].value, 1) == Decimal("20.0")
    assert wvl["aandeel-vlaanderen"].denominator.value == 317_495


def test_the_edition_page_shows_each_indicator_with_its_formula_and_parts(demo_db, clean_redis) -> None:
    page = text(Client().get("/cijfers/inventaris-2019/"))

    assert "Indicatoren" in page
    assert "79,2 % = 77,5 % + 11.651 / 685.000 × 100" in page
    assert "77,1 % = 75,5 % + 56.910 / 3.557.000 × 100" in page
    assert "14,7 % = 63.552 / 433.385 × 100" in page
    assert "20,0 % = 63.552 / 317.495 × 100" in page
    assert "noemer: bevolking 20-64 jaar 685.000 ( synthetisch demogegeven , 2019)" in page
    assert "plus: werkzaamheidsgraad 20-64 jaar (%) 77,5 % (bron: Statbel, EAK 2019; verwerking POM" in page


def test_the_province_fact_sheet_shows_its_indicators(demo_db, clean_redis) -> None:
    page = text(Client().get("/cijfers/inventaris-2019/gebied/30000/"))

    assert "79,2 % = 77,5 % + 11.651 / 685.000 × 100" in page


def test_the_methodology_note_says_the_formula_is_inferred_and_names_the_sources(demo_db, clean_redis) -> None:
    page = text(Client().get("/cijfers/inventaris-2019/"))

    assert "Die formule is afgeleid uit het persbericht: POM West-Vlaanderen „berekende” 79,2 %" in page
    assert "precies de +1,7 procentpunt" in page
    assert "Bevolking 20-64 jaar (2019): synthetisch (demo)" in page
    assert "Werkzaamheidsgraad 20-64 jaar (%) (2019): Statbel, EAK 2019; verwerking POM West-Vlaanderen" in page
    assert "Enquête naar de Arbeidskrachten" in page


def test_the_methodology_note_lists_which_measures_count_by_residence_and_which_by_workplace(
    demo_db, clean_redis
) -> None:
    response = Client().get("/cijfers/inventaris-2019/")
    html = response.content.decode()

    assert "Woonplaats of werkplaats" in text(response)
    residence = re.search(r'<ul data-methodology="woonplaats">(.*?)</ul>', html, re.S)
    workplace = re.search(r'<ul data-methodology="werkplaats">(.*?)</ul>', html, re.S)
    assert residence is not None
    assert workplace is not None
    assert "Vlaamse ondersteuningspremie (arbeidshandicap) (VOP)" in residence.group(1)
    assert "Dienstencheques (DC)" in residence.group(1)
    assert "Arbeidszorg (AZ)" in workplace.group(1)
    assert "Lokale diensteneconomie (LDE)" in workplace.group(1)
    assert "(AZ)" not in residence.group(1)
    assert "(VOP)" not in workplace.group(1)
    assert html.index("Geteld naar woonplaats") < html.index("Geteld naar werkplaats")


def test_a_later_correction_of_a_live_context_figure_does_not_change_the_edition(demo_db, clean_redis) -> None:
    ContextFigure.objects.filter(region__code=WVL, year=2019, indicator="wzg-20-64").update(value=Decimal("70.0"))
    ContextFigure.objects.filter(region__code=WVL, year=2019, indicator="bevolking-20-64").update(value=600_000)
    ContextFigure.objects.filter(region__code=WVL, year=2019, indicator="loontrekkenden").update(value=500_000)

    wvl = indicators_of(Edition.objects.get(name="Inventaris 2019"), WVL, "West-Vlaanderen")
    page = text(Client().get("/cijfers/inventaris-2019/"))

    assert rounded(wvl["arbeidsmarktparticipatiegraad"].value, 1) == Decimal("79.2")
    assert "79,2 % = 77,5 % + 11.651 / 685.000 × 100" in page
    # The Kerncijfers read the edition's frozen wage earners too.
    assert "14,7 % van alle loontrekkenden" in page
    assert "433.385 personen" in page


@pytest.fixture
def small_edition(db: None) -> Edition:
    """A province with 2 people on trede 3 (hidden) and no context figures but its wage earners."""
    province = RegionFactory(code=WVL, name="West-Vlaanderen", level="provincie")
    edition = EditionFactory(name="Inventaris klein", reference_year=2019)
    for trede, persons in ((None, 100), (3, 2), (4, 30), (5, 68)):
        EditionFigureFactory(edition=edition, region=province, trede=trede, persons=persons)
    EditionContextFigure.objects.create(
        edition=edition, year=2019, region=province, indicator="loontrekkenden", value=1000, source="test"
    )
    return edition


def test_a_hidden_or_missing_part_gives_no_value_and_says_why(small_edition: Edition, clean_redis) -> None:
    found = indicators_of(small_edition, WVL, "West-Vlaanderen")

    participation = found["arbeidsmarktparticipatiegraad"]
    assert participation.value is None
    assert not participation.available
    assert participation.reason.startswith("niet beschikbaar: ")
    missing = "deze editie heeft geen werkzaamheidsgraad 20-64 jaar (%) voor West-Vlaanderen in 2019"
    assert missing in participation.reason
    assert "personen op treden 3 en 4 is afgeschermd (kleine aantallen)" in participation.reason
    assert participation.numerator.value is None  # never the sum of a hidden count
    assert rounded(found["aandeel-loontrekkenden"].value, 1) == Decimal("10.0")
    assert "geen personen op treden 3-5 in Vlaanderen" in found["aandeel-vlaanderen"].reason


def test_the_page_shows_the_reason_where_an_indicator_is_not_available(small_edition: Edition, clean_redis) -> None:
    response = Client().get(f"/cijfers/{small_edition.slug}/")

    assert response.status_code == 200
    page = text(response)
    assert "niet beschikbaar: deze editie heeft geen werkzaamheidsgraad 20-64 jaar (%)" in page
    assert "10,0 % = 100 / 1.000 × 100" in page
