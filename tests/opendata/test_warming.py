"""An edition's public pages are made once, right after it is published (opendata/warming.py): its first visitors
are served from the cache like everybody after them."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client, RequestFactory
from django.utils import translation

from accounts.models import User
from config.celery import app
from inventory.models import Edition
from inventory.services.aggregation import redis_client
from inventory.services.demo import demo_load
from inventory.services.editions import edition_publish, edition_schedule_next
from opendata.cache import response_key
from opendata.tasks import warm_public_pages
from opendata.views.site import catalogue_version, edition_page_version
from opendata.warming import edition_public_paths, public_pages_warm

pytestmark = pytest.mark.django_db
SLUG = "inventaris-2019"


@pytest.fixture(scope="module")
def demo_db(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    """The demo (it publishes Inventaris 2018 and 2019), once per module, rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_load()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def empty_cache(demo_db: None, settings) -> Iterator[None]:
    settings.SITE_URL = "http://testserver"
    cache.clear()
    yield
    cache.clear()


def edition() -> Edition:
    return Edition.objects.get(name="Inventaris 2019")


def kept(path: str, language: str = "nl-be") -> bool:
    """Whether the public site keeps an answer for `path` in `language`, under the view's own key."""
    version = catalogue_version() if path == "/cijfers/" else edition_page_version(edition().slug)
    with translation.override(language):
        return cache.get(response_key(RequestFactory().get(path), version)) is not None


def queued_tasks(queue: str) -> list[tuple[str, str]]:
    """(task name, its arguments) of the messages waiting in a Celery queue on the tests' Redis."""
    messages = [json.loads(raw) for raw in redis_client().lrange(queue, 0, -1)]
    return [(m["headers"]["task"], m["headers"]["argsrepr"]) for m in messages]


def test_an_editions_pages_are_every_places_fact_sheet_its_front_page_and_the_catalogue(empty_cache: None):
    paths = edition_public_paths(edition())

    assert paths[0] == "/cijfers/"
    assert f"/cijfers/{SLUG}/" in paths
    assert {f"/cijfers/{SLUG}/gebied/{code}/" for code in ("02000", "30000", "31000", "31005")} <= set(paths)
    assert len(paths) == len(set(paths))


def test_after_warming_the_first_visitor_of_a_fact_sheet_is_served_from_the_cache(empty_cache: None):
    path = f"/cijfers/{SLUG}/gebied/31005/"
    assert not kept(path)

    result = public_pages_warm(edition=edition())

    assert result.failed == []
    assert result.answers == 2 * result.paths  # Dutch and English
    assert kept(path)
    assert kept(path, "en")
    assert kept(f"/cijfers/{SLUG}/")
    assert kept("/cijfers/")


def test_a_warmed_page_is_read_with_one_query_and_is_the_page_a_visitor_would_have_made(
    empty_cache: None, django_assert_num_queries
):
    path = f"/cijfers/{SLUG}/gebied/31000/"
    made = Client().get(path).content
    cache.clear()
    public_pages_warm(edition=edition())

    with django_assert_num_queries(1):  # which edition the address names; the page is kept
        response = Client().get(path)

    assert response.status_code == 200
    assert response.content == made
    assert "Brugge" in response.content.decode()


def test_publishing_queues_the_warming_on_the_housekeeping_queue_after_commit(
    empty_cache: None, coordinator: User, django_capture_on_commit_callbacks
):
    redis_client().delete("housekeeping")
    with django_capture_on_commit_callbacks(execute=True):
        result = edition_publish(
            name="Inventaris 2019 bis", reference_year=2019, published_on=dt.date(2021, 3, 1), user=coordinator
        )
        assert queued_tasks("housekeeping") == []  # not before the edition is there for the worker to read

    assert ("opendata.tasks.warm_public_pages", f"[{result.edition.pk}]") in queued_tasks("housekeeping")
    redis_client().delete("housekeeping")


def test_the_task_makes_the_pages_of_the_edition_it_names(empty_cache: None):
    warm_public_pages(edition().pk)

    assert kept(f"/cijfers/{SLUG}/gebied/02000/")


def test_a_new_next_edition_date_queues_new_pages_too(
    empty_cache: None, coordinator: User, django_capture_on_commit_callbacks
):
    redis_client().delete("housekeeping")
    with django_capture_on_commit_callbacks(execute=True):
        edition_schedule_next(edition=edition(), next_edition_on=dt.date(2030, 1, 1), user=coordinator)

    assert ("opendata.tasks.warm_public_pages", f"[{edition().pk}]") in queued_tasks("housekeeping")
    redis_client().delete("housekeeping")


def test_the_command_makes_one_editions_pages_or_every_editions(empty_cache: None):
    out = io.StringIO()
    call_command("warm_public_pages", "--edition", SLUG, stdout=out)

    assert out.getvalue().startswith(f"{SLUG}: ")
    assert kept(f"/cijfers/{SLUG}/gebied/31000/")

    out = io.StringIO()
    call_command("warm_public_pages", stdout=out)
    assert [line.split(":")[0] for line in out.getvalue().splitlines()] == [SLUG, "inventaris-2018"]


def test_the_command_refuses_an_unknown_edition_in_dutch(empty_cache: None):
    with pytest.raises(CommandError, match="Er is geen editie ‘inventaris-1999’"):
        call_command("warm_public_pages", "--edition", "inventaris-1999")


def point_at_broker(url: str) -> None:
    """Celery's producer talks to `url` from now on (its pools dropped, so that the next publish connects anew)."""
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


def test_with_the_broker_away_publishing_succeeds_and_the_pages_wait_for_their_first_visitor(
    empty_cache: None, coordinator: User, django_capture_on_commit_callbacks, settings
):
    point_at_broker("redis://127.0.0.1:1/0")  # nothing listens on port 1
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = edition_publish(
                name="Inventaris 2019 ter", reference_year=2019, published_on=dt.date(2021, 4, 1), user=coordinator
            )
    finally:
        point_at_broker(settings.CELERY_BROKER_URL)

    assert Edition.objects.filter(pk=result.edition.pk).exists()
    assert Client().get(f"/cijfers/{result.edition.slug}/").status_code == 200
