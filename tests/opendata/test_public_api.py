"""The public API without key (/cijfers/api/, opendata/views/api.py): an edition's published figures in the staff
API's shape, every small count hidden, CORS open, a limit per client address, answers kept per edition."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from inventory.models import Edition, Region
from inventory.openapi import PUBLIC_PARAMETERS
from inventory.selectors.figures import AGGREGATE_COLUMNS
from inventory.services.editions import edition_withdraw
from tests.factories import EditionFactory, EditionFigureFactory, MeasureFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db
API = "/cijfers/api/aggregates/"


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Each test starts with no counted requests and no kept answers."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def edition() -> Edition:
    """West-Vlaanderen 43 = Brugge 3 + Oostende 40 in 2019: Brugge is a small count ("<5"), and Oostende must be
    hidden too ("x"), or 43 - 40 would give Brugge away."""
    province = RegionFactory(code="30000", name="West-Vlaanderen", level=Region.Level.PROVINCIE)
    brugge = RegionFactory(code="31005", name="Brugge", parent=province)
    oostende = RegionFactory(code="35013", name="Oostende", parent=province)
    edition = EditionFactory(name="Inventaris 2019", reference_year=2019)
    for region, persons in ((province, 43), (brugge, 3), (oostende, 40)):
        EditionFigureFactory(edition=edition, region=region, year=2019, persons=persons)
    EditionFigureFactory(edition=edition, region=province, year=2018, persons=41)
    return edition


def persons(answer: dict) -> dict[tuple[int, str], object]:
    return {(row["year"], row["region"]): row["persons"] for row in answer["results"]}


def test_anyone_reads_an_editions_figures_without_a_key_in_the_staff_apis_shape(edition: Edition) -> None:
    response = Client().get(API, {"edition": "inventaris-2019"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    answer = response.json()
    assert [answer["count"], answer["offset"], answer["limit"]] == [4, 0, 1000]
    assert answer["edition"]["slug"] == "inventaris-2019"
    assert answer["edition"]["withdrawn"] is False
    assert all(list(row) == AGGREGATE_COLUMNS for row in answer["results"])
    assert {row["scope"] for row in answer["results"]} == {"validated"}
    assert persons(answer) == {(2018, "30000"): 41, (2019, "30000"): 43, (2019, "31005"): "<5", (2019, "35013"): "x"}
    assert answer["legend"]["<5"] == "tussen 1 en 4 personen, afgeschermd"
    assert answer["small_cell_threshold"] == 5


def test_the_staff_apis_filters_narrow_the_answer(edition: Edition) -> None:
    client = Client()

    assert persons(client.get(API, {"region": "31005"}).json()) == {(2019, "31005"): "<5"}
    assert persons(client.get(API, {"year": "2018"}).json()) == {(2018, "30000"): 41}
    assert persons(client.get(API, {"region": "30000,35013", "year": ["2019"]}).json()) == {
        (2019, "30000"): 43,
        (2019, "35013"): "x",
    }
    assert client.get(API, {"trede": "3"}).json()["count"] == 0
    measure = MeasureFactory(code="MWB-DOEL")
    assert client.get(API, {"measure": measure.code}).json()["count"] == 0


def test_pages_through_the_figures_with_offset_and_limit(edition: Edition) -> None:
    answer = Client().get(API, {"limit": "2", "offset": "1"}).json()

    assert [answer["count"], answer["offset"], answer["limit"]] == [4, 1, 2]
    assert persons(answer) == {(2019, "30000"): 43, (2019, "31005"): "<5"}


def test_no_answer_holds_a_count_between_one_and_the_threshold(edition: Edition) -> None:
    client = Client()
    queries = [
        {},
        {"region": "31005"},
        {"region": "35013"},
        {"year": "2019"},
        {"limit": "1", "offset": "2"},
        {"region": "30000,31005,35013", "year": "2019"},
    ]
    shown = [row["persons"] for query in queries for row in client.get(API, query).json()["results"]]

    assert shown
    assert not [value for value in shown if isinstance(value, int) and 1 <= value < 5]


def test_without_an_edition_the_latest_current_complete_one_answers() -> None:
    EditionFactory(name="Inventaris 2018", reference_year=2018, published_on=dt.date(2019, 6, 1))
    complete = EditionFactory(name="Inventaris 2019", reference_year=2019, published_on=dt.date(2020, 6, 1))
    EditionFactory(
        name="Inventaris 2020",
        reference_year=2020,
        published_on=dt.date(2021, 3, 1),
        year_states={"2020": {"state": "collecting", "expected": 40, "validated": 20}},
    )
    staff = UserFactory(is_staff=True)
    later = EditionFactory(name="Inventaris 2021", reference_year=2021, published_on=dt.date(2022, 6, 1))
    edition_withdraw(edition=later, reason="Fout in de cijfers van Brugge.", user=staff)

    answer = Client().get(API).json()
    index = Client().get("/cijfers/api/").json()

    assert answer["edition"]["slug"] == complete.slug
    assert index["default_edition"] == "inventaris-2019"
    assert [e["slug"] for e in index["editions"]] == ["inventaris-2020", "inventaris-2019", "inventaris-2018"]
    assert [e["slug"] for e in index["withdrawn_editions"]] == ["inventaris-2021"]
    assert index["editions"][1]["links"] == {
        "page": "/cijfers/inventaris-2019/",
        "aggregates": "/cijfers/api/aggregates/?edition=inventaris-2019",
    }
    assert index["schema"] == "/api/schema/"


def test_a_withdrawn_edition_still_answers_and_says_so(edition: Edition) -> None:
    edition_withdraw(edition=edition, reason="Vervangen door een correctie.", user=UserFactory(is_staff=True))

    answer = Client().get(API, {"edition": "inventaris-2019"}).json()

    assert answer["edition"]["withdrawn"] is True
    assert answer["edition"]["withdrawn_reason"] == "Vervangen door een correctie."
    assert answer["count"] == 4


def test_without_any_edition_the_answer_is_404_in_json() -> None:
    response = Client().get(API)

    assert response.status_code == 404
    assert response.json() == {"detail": "Er is nog geen editie gepubliceerd."}


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ({"edition": "inventaris-1999"}, "Parameter edition: er is geen editie ‘inventaris-1999’"),
        ({"edition": "inventaris-2019,inventaris-2018"}, "Parameter edition: één editie per vraag"),
        ({"scope": "provisional"}, "Parameter scope: de publieke API geeft enkel gevalideerde cijfers"),
        ({"region": "99999"}, "Parameter region: onbekende regio ‘99999’."),
        ({"year": "abc"}, "Parameter year: ‘abc’ is geen geheel getal"),
        ({"limit": "10001"}, "Parameter limit: ‘10001’ is geen geheel getal van 0 tot 10000."),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it_and_its_value(edition: Edition, query: dict, detail: str) -> None:
    response = Client().get(API, query)

    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("name", PUBLIC_PARAMETERS)
def test_the_api_reads_every_described_parameter(edition: Edition, name: str) -> None:
    response = Client().get(API, {name: "²"})

    assert response.status_code == 400
    assert name in response.json()["detail"]
    assert "²" in response.json()["detail"]


def test_a_control_character_in_the_query_is_refused_in_json(edition: Edition) -> None:
    response = Client().get(API, {"region": "31\x00005"})

    assert response.status_code == 400
    assert "region" in response.json()["detail"]


def test_any_site_may_read_the_answers_from_a_browser(edition: Edition) -> None:
    client = Client()
    answer = client.get(API)
    preflight = client.options(API, HTTP_ORIGIN="https://example.org", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")

    assert answer["Access-Control-Allow-Origin"] == "*"
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert client.get("/cijfers/api/")["Access-Control-Allow-Origin"] == "*"


def test_only_get_is_answered(edition: Edition) -> None:
    response = Client().post(API, {})

    assert response.status_code == 405
    assert response["Allow"] == "GET, OPTIONS"
    assert response.json()["detail"] == "Deze API beantwoordt enkel GET."


@override_settings(PUBLIC_API_RATE=3, PUBLIC_API_WINDOW_SECONDS=60)
def test_a_client_address_over_the_limit_gets_429_with_retry_after(edition: Edition) -> None:
    client = Client(REMOTE_ADDR="192.0.2.10")
    answered = [client.get(API).status_code for _ in range(3)]
    refused = client.get(API)
    other = Client(REMOTE_ADDR="192.0.2.11").get(API)

    # The same question three times: the cache answers, and each one counts all the same.
    assert answered == [200, 200, 200]
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["retry_after"] == int(refused["Retry-After"])
    assert refused.json()["detail"].startswith("Te veel vragen van dit adres: ten hoogste 3 per 60 seconden.")
    assert refused["Access-Control-Allow-Origin"] == "*"
    assert "no-store" in refused["Cache-Control"]
    assert client.get("/cijfers/api/").status_code == 429
    assert other.status_code == 200


@override_settings(PUBLIC_API_RATE=2, TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_the_limit_counts_the_client_address_it_forwarded(edition: Edition) -> None:
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    first = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.1")
    second = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.2")

    assert [first.get(API).status_code for _ in range(3)] == [200, 200, 429]
    assert second.get(API).status_code == 200


@override_settings(
    PUBLIC_API_RATE=1,
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    },
)
def test_without_redis_nothing_is_counted_and_every_request_is_answered(edition: Edition) -> None:
    client = Client()

    assert [client.get(API).status_code for _ in range(3)] == [200, 200, 200]


@override_settings(PUBLIC_API_RATE=0)
def test_a_rate_of_zero_means_no_limit(edition: Edition) -> None:
    client = Client()

    assert {client.get(API).status_code for _ in range(5)} == {200}


def test_answers_are_kept_per_edition_until_it_changes(edition: Edition) -> None:
    client, query = Client(), {"edition": "inventaris-2019"}
    first = client.get(API, query).json()
    # Never done to a published edition; here it shows which answer comes from the cache.
    EditionFigureFactory(edition=edition, region=RegionFactory(code="34022", name="Kortrijk"), persons=60)
    kept = client.get(API, query)
    edition_withdraw(edition=edition, reason="Correctie.", user=UserFactory(is_staff=True))
    after = client.get(API, query).json()

    assert kept.json() == first
    assert "public" in kept["Cache-Control"]
    assert after["count"] == first["count"] + 1
    assert after["edition"]["withdrawn"] is True


def test_the_answer_says_when_the_edition_froze_its_figures(edition: Edition) -> None:
    answer = Client().get(API).json()

    assert answer["freshness"]["edition"] == "Inventaris 2019"
    assert answer["freshness"]["published_on"] == "2020-06-01"
    assert answer["freshness"]["frozen_at"] == edition.created_at.isoformat(timespec="seconds")
