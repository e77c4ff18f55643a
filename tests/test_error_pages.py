"""The error pages as the views raise them: in the site's layout, in Dutch (English when chosen), with the reason
when it was written for people and a way back; the 500 page renders without a context or a database."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.test import Client
from django.urls import path

from accounts.models import User
from config.urls import handler400, handler403, handler404
from config.urls import urlpatterns as site_patterns
from inventory.views.errors import NotFound
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db


def broken_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


def gone_view(request: HttpRequest) -> HttpResponse:
    raise NotFound("Deze editie is ingetrokken.")


# The site's URLs plus one view that fails, for the 500 test (@pytest.mark.urls("tests.test_error_pages")).
urlpatterns = [*site_patterns, path("kapot/", broken_view), path("weg/", gone_view)]
__all__ = ["handler400", "handler403", "handler404"]


def body(response: Any) -> str:
    return response.content.decode()


def test_a_coordinator_asking_for_provisional_figures_reads_the_dutch_reason_in_the_sites_layout(
    coordinator_client: Client,
) -> None:
    response = coordinator_client.get("/tabellen/aggregaten/?scope=provisional")
    assert response.status_code == 403
    assert "Voorlopige cijfers zijn enkel voor POM-medewerkers." in body(response)
    assert 'class="brand"' in body(response)  # base.html's header
    assert "Naar de startpagina" in body(response)


def test_the_reason_is_english_when_the_user_chose_english(coordinator: User) -> None:
    client = logged_in(coordinator)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/tabellen/aggregaten/?scope=provisional", headers={"referer": "http://testserver/"})
    assert response.status_code == 403
    assert "Provisional figures are for POM staff only." in body(response)
    assert "You may not do this" in body(response)
    assert 'href="http://testserver/"' in body(response)  # back to the previous page


def test_an_unknown_organisation_is_a_404_page_that_does_not_name_internals(editor_a_client: Client) -> None:
    response = editor_a_client.get("/portaal/999999/2019/")
    assert response.status_code == 404
    assert "Deze pagina bestaat niet of is niet voor u" in body(response)
    assert "matches the given query" not in body(response)


def test_a_link_back_only_to_a_page_of_this_site(editor_a_client: Client) -> None:
    response = editor_a_client.get("/portaal/999999/2019/", headers={"referer": "https://elders.example/x"})
    assert "elders.example" not in body(response)
    response = editor_a_client.get("/nergens/", headers={"referer": "http://testserver/tabellen/maatregelen/"})
    assert response.status_code == 404
    assert 'href="http://testserver/tabellen/maatregelen/"' in body(response)


def test_an_unknown_export_format_is_a_400_page_naming_the_field_and_value(staff_client: Client) -> None:
    response = staff_client.get("/tabellen/maatregelen/?export=pdf")
    assert response.status_code == 400
    assert "‘pdf’ is geen geldige keuze voor Formaat." in body(response)
    assert "Deze vraag kan niet beantwoord worden" in body(response)


@pytest.mark.urls("tests.test_error_pages")
def test_a_view_that_fails_shows_the_500_page(settings: Any, staff_user: User) -> None:
    settings.DEBUG = False
    client = logged_in(staff_user)
    client.raise_request_exception = False
    response = client.get("/kapot/")
    assert response.status_code == 500
    assert "Er ging iets mis op de server" in body(response)
    assert "a bug" not in body(response)


def test_the_500_page_renders_without_a_context_or_a_database(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        html = loader.get_template("500.html").render()
    assert "Er ging iets mis op de server" in html
    assert "/static/css/site.css" in html


def test_with_debug_on_a_missing_page_and_a_raised_404_still_show_the_friendly_page(
    settings: Any, staff_user: User
) -> None:
    settings.DEBUG = True
    client = logged_in(staff_user)  # a new client: its handler loads the middleware with DEBUG on
    for url in ("/nergens/", "/portaal/999999/2019/"):
        response = client.get(url)
        assert response.status_code == 404
        assert "Deze pagina bestaat niet of is niet voor u" in body(response)
    response = client.get("/tabellen/maatregelen/?export=pdf")
    assert response.status_code == 400
    assert "‘pdf’ is geen geldige keuze voor Formaat." in body(response)


def test_developers_get_djangos_technical_404_back_with_a_setting(settings: Any, staff_user: User) -> None:
    settings.DEBUG = True
    settings.DEBUG_TECHNICAL_ERRORS = True
    response = logged_in(staff_user).get("/nergens/")
    assert response.status_code == 404
    assert "Using the URLconf defined in" in body(response)


@pytest.mark.urls("tests.test_error_pages")
def test_a_404_written_for_people_shows_its_reason(staff_client: Client) -> None:
    response = staff_client.get("/weg/")
    assert response.status_code == 404
    assert "Deze editie is ingetrokken." in body(response)


def test_an_unknown_edition_in_kerncijfers_says_which(coordinator_client: Client) -> None:
    response = coordinator_client.get("/kerncijfers/?edition=999")
    assert response.status_code == 404
    assert "Editie ‘999’ bestaat niet; kies een editie uit de lijst van Kerncijfers." in body(response)
    response = coordinator_client.get("/kerncijfers/?edition=abc")  # no id at all: the parsers' 400
    assert response.status_code == 400
    assert "‘abc’ is geen geldige keuze voor Editie." in body(response)


def test_an_unknown_scope_on_the_dashboard_is_named_not_ignored(staff_client: Client) -> None:
    response = staff_client.get("/?scope=foo")
    assert response.status_code == 400
    assert "‘foo’ is geen geldige keuze voor Scope." in body(response)
