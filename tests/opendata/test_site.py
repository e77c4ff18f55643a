"""The public site's editions, front pages and fact sheets: no login, the press release's figures, every answer
made once and kept for everyone, withdrawn editions only with their banner, small counts never shown."""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.test import Client

from accounts.models import User
from inventory.models import ContextFigure, Edition, EditionContextFigure, Region
from inventory.selectors.sources import cached
from inventory.services.editions import edition_publish, edition_schedule_next, edition_withdraw
from tests.factories import EditionFactory, EditionFigureFactory, RegionFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def demo(demo_db: None) -> None:
    """The demo: Inventaris 2019 (the press release) and Inventaris 2018."""


def test_anyone_finds_the_published_editions_without_logging_in(demo: None):
    response = Client().get("/cijfers/")
    assert response.status_code == 200
    page = text(response)
    assert page.index("Inventaris 2019") < page.index("Inventaris 2018")
    assert 'href="/cijfers/inventaris-2019/"' in response.content.decode()
    assert "definitief" in page


def test_an_editions_front_page_states_the_press_release_and_its_facts(demo: None):
    response = Client().get("/cijfers/inventaris-2019/")
    assert response.status_code == 200
    page = text(response)
    for figure in ("63.552", "51.901", "10.198", "1.453", "+6.090 (+10,6 %)", "+7.846 (+14,1 %)", "20,0 %", "14,7 %"):
        assert figure in page, figure
    assert "Referentiejaar 2019" in page
    assert "Gepubliceerd op 30 juni 2020" in page
    assert "CC BY 4.0" in page
    assert "Volgende editie nog niet gepland" in page
    assert "POM West-Vlaanderen (2020). Inventaris 2019." in page
    # Every arrondissement of West-Vlaanderen links to its fact sheet.
    assert 'href="/cijfers/inventaris-2019/gebied/31000/"' in response.content.decode()


def test_public_pages_may_be_kept_by_anyone_and_set_no_cookie(demo: None):
    response = Client().get("/cijfers/inventaris-2019/")
    assert "public" in response["Cache-Control"]
    assert "no-store" not in response["Cache-Control"]
    assert not response.cookies
    assert "csrfmiddlewaretoken" not in response.content.decode()
    # The staff pages stay private.
    assert "no-store" in Client().get("/accounts/login/")["Cache-Control"]


def test_a_public_page_is_made_once_and_then_served_from_the_cache(demo: None, django_assert_max_num_queries):
    first = Client().get("/cijfers/inventaris-2019/gebied/31000/")
    with django_assert_max_num_queries(1):  # which edition the slug names, nothing else
        again = Client().get("/cijfers/inventaris-2019/gebied/31000/")
    assert again.content == first.content


def test_a_logged_in_user_sees_the_same_public_page(demo: None):
    anonymous = Client().get("/cijfers/inventaris-2019/")
    coordinator = Client()
    coordinator.force_login(User.objects.get(username="coordinator"))
    assert coordinator.get("/cijfers/inventaris-2019/").content == anonymous.content


def test_a_fact_sheet_shows_an_arrondissement_beside_flanders(demo: None):
    page = text(Client().get("/cijfers/inventaris-2019/gebied/31000/"))
    assert "Brugge" in page
    assert "Vlaanderen" in page
    assert "Per gemeente" in page


def test_an_unknown_edition_or_area_is_404_in_dutch(demo: None):
    missing = Client().get("/cijfers/inventaris-1999/")
    assert missing.status_code == 404
    assert "Er is geen editie ‘inventaris-1999’" in text(missing)
    area = Client().get("/cijfers/inventaris-2019/gebied/99999/")
    assert area.status_code == 404
    assert "Er is geen gebied met code ‘99999’" in text(area)


def test_a_withdrawn_edition_stays_at_its_address_only_with_its_banner(demo: None):
    staff = User.objects.get(username="medewerker")
    before = Client().get("/cijfers/inventaris-2018/").content
    edition_withdraw(edition=Edition.objects.get(name="Inventaris 2018"), reason="Vervangen door 2019", user=staff)
    page = Client().get("/cijfers/inventaris-2018/")
    assert page.content != before  # a new page at once, not the kept one
    assert "is ingetrokken op" in text(page)
    assert "Vervangen door 2019" in text(page)
    index = text(Client().get("/cijfers/"))
    assert "Ingetrokken edities" in index
    assert index.index("Ingetrokken edities") < index.index("Inventaris 2018")


def test_the_next_edition_date_is_set_by_a_coordinator_and_shown_at_once(demo: None):
    edition = Edition.objects.get(name="Inventaris 2019")
    Client().get("/cijfers/inventaris-2019/")
    edition_schedule_next(
        edition=edition, next_edition_on=dt.date(2021, 6, 30), user=User.objects.get(username="coordinator")
    )
    assert "Volgende editie verwacht op 30 juni 2021" in text(Client().get("/cijfers/inventaris-2019/"))
    with pytest.raises(ValidationError, match="na de publicatie"):
        edition_schedule_next(
            edition=edition, next_edition_on=dt.date(2020, 1, 1), user=User.objects.get(username="coordinator")
        )
    with pytest.raises(ValidationError):
        edition_schedule_next(edition=edition, next_edition_on=None, user=User.objects.get(username="invoerder"))


def test_only_the_next_edition_date_of_a_published_edition_may_change(demo: None):
    edition = Edition.objects.get(name="Inventaris 2019")
    Edition.objects.filter(pk=edition.pk).update(next_edition_on=dt.date(2021, 6, 30))
    with pytest.raises(DatabaseError), transaction.atomic():
        Edition.objects.filter(pk=edition.pk).update(licence="CC0-1.0")


def test_publishing_freezes_the_context_figures_with_the_edition(demo: None):
    coordinator = User.objects.get(username="coordinator")
    result = edition_publish(
        name="Inventaris 2019 bis", reference_year=2019, published_on=dt.date(2021, 1, 1), user=coordinator
    )
    frozen = EditionContextFigure.objects.filter(edition=result.edition)
    assert frozen.count() == ContextFigure.objects.filter(year__lte=2019).count()
    wage_earners = frozen.get(region__code="30000", year=2019, indicator="loontrekkenden")
    assert wage_earners.value == 433385
    ContextFigure.objects.filter(region__code="30000", year=2019, indicator="loontrekkenden").update(value=1)
    wage_earners.refresh_from_db()
    assert wage_earners.value == 433385
    assert result.edition.licence == "CC-BY-4.0"


@pytest.mark.parametrize(
    ("name", "message"),
    [("API", "een eigen webadres"), ("???", "een eigen webadres"), ("inventaris 2019", "al een editie")],
)
def test_a_name_that_gives_no_address_of_its_own_is_refused(demo: None, name: str, message: str):
    with pytest.raises(ValidationError, match=message):
        edition_publish(
            name=name,
            reference_year=2019,
            published_on=dt.date(2021, 1, 1),
            user=User.objects.get(username="coordinator"),
        )


def test_a_name_whose_address_is_taken_is_refused(demo: None):
    with pytest.raises(ValidationError, match="hetzelfde webadres"):
        edition_publish(
            name="Inventaris-2019",
            reference_year=2019,
            published_on=dt.date(2021, 1, 1),
            user=User.objects.get(username="coordinator"),
        )


def test_the_language_link_sets_the_language_and_goes_back_on_this_site_only(demo: None):
    client = Client()
    response = client.get("/cijfers/taal/?taal=en&next=/cijfers/inventaris-2019/")
    assert response.status_code == 302
    assert response["Location"] == "/cijfers/inventaris-2019/"
    assert response.cookies["django_language"].value == "en"
    assert client.get("/cijfers/").content.decode().count('<html lang="en">') == 1
    away = Client().get("/cijfers/taal/?taal=en&next=https://elders.example/")
    assert away["Location"] == "/cijfers/"
    unknown = Client().get("/cijfers/taal/?taal=xx")
    assert "django_language" not in unknown.cookies


def small_edition() -> tuple[Edition, Region]:
    """An edition with an arrondissement of two municipalities, one of them with 3 persons on trede 3."""
    province = RegionFactory(code="30000", name="West-Vlaanderen", level=Region.Level.PROVINCIE)
    arrondissement = RegionFactory(code="91000", name="Klein", level=Region.Level.ARRONDISSEMENT, parent=province)
    small = RegionFactory(code="91001", name="Kleindorp", parent=arrondissement)
    large = RegionFactory(code="91002", name="Grootdorp", parent=arrondissement)
    edition = EditionFactory(name="Klein 2019")
    for region, trede3, trede5 in ((small, 3, 40), (large, 20, 60), (arrondissement, 23, 100), (province, 23, 100)):
        EditionFigureFactory(edition=edition, region=region, trede=3, persons=trede3)
        EditionFigureFactory(edition=edition, region=region, trede=5, persons=trede5)
        EditionFigureFactory(edition=edition, region=region, persons=trede3 + trede5)
    return edition, small


def test_no_public_page_shows_a_count_below_the_threshold_nor_what_gives_it_away(db: None):
    edition, small = small_edition()
    sheet = text(Client().get(f"/cijfers/{edition.slug}/gebied/{small.code}/"))
    assert "Kleindorp" in sheet
    numbers = re.sub(r"[Tt]rede(n)? 3(-5)?", "", sheet)
    assert not re.search(r"(?<![\d.,])3(?![\d.,])", numbers)
    # Trede 3 is hidden, so trede 5 (40) would give it away beside the total (43): it is hidden too.
    assert " 43 " in sheet
    assert " 40 " not in sheet
    arrondissement = text(Client().get(f"/cijfers/{edition.slug}/gebied/91000/"))
    # The municipalities' table: Kleindorp's trede 3 is hidden, and so is Grootdorp's (20), or 23 - 20 = 3.
    assert "Grootdorp" in arrondissement
    assert " 20 " not in arrondissement


def test_an_older_edition_says_a_newer_one_followed_it_and_where_its_changes_are(demo: None):
    page = Client().get("/cijfers/inventaris-2018/")
    assert "Er is een nieuwere editie: Inventaris 2019" in text(page)
    assert 'href="/cijfers/inventaris-2019/wijzigingen/"' in page.content.decode()
    assert "opgevolgd door Inventaris 2019" in text(page)
    assert "nieuwere editie" not in text(Client().get("/cijfers/inventaris-2019/"))


def test_a_browser_asks_again_each_time_and_gets_304_while_the_page_is_the_same(demo: None):
    first = Client().get("/cijfers/inventaris-2019/")
    assert "must-revalidate" in first["Cache-Control"]
    again = Client().get("/cijfers/inventaris-2019/", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert not again.content
    edition_schedule_next(
        edition=Edition.objects.get(name="Inventaris 2019"),
        next_edition_on=dt.date(2021, 6, 30),
        user=User.objects.get(username="coordinator"),
    )
    changed = Client().get("/cijfers/inventaris-2019/", headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200
    assert "verwacht op 30 juni 2021" in text(changed)


def test_a_cold_value_is_made_once_while_the_others_asking_for_it_wait():
    key = f"test-single-flight:{uuid.uuid4()}"
    made: list[int] = []

    def build() -> str:
        made.append(1)
        time.sleep(0.5)  # long enough for the other requests to arrive while it is being made
        return "the page"

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _i: cached(key, build), range(6)))
    assert answers == ["the page"] * 6
    assert len(made) == 1
