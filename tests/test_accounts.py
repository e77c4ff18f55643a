"""Logging in and out, passwords, and which pages need a login."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern

from accounts.models import User
from tests.factories import PASSWORD

# Values for the URL parameters of every pattern; the pk does not have to exist, the login check comes first.
SAMPLE_VALUES = {
    "object_id": "1",
    "id": "1",
    "content_type_id": "1",
    "app_label": "inventory",
    "uidb64": "MQ",
    "token": "set-password",
    "url": "geen-pagina/",
    "step": "validate",
    "edition": "inventaris-2019",
    "code": "31005",
    "extension": "csv",
}
# The public site of the published editions: anyone reads it without logging in (opendata/).
PUBLIC_PREFIX = "/cijfers/"

# The only views an anonymous visitor may open.
ANONYMOUS_URL_NAMES = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    "admin:login",
    # The API's description holds no figures: public, so that a program reads it before it has a key.
    "inventory:api-schema",
    # The invitation's link: the invitee has no account yet.
    "invitation-accept",
}


def route_to_path(pattern: URLPattern | URLResolver) -> str:
    route = str(pattern.pattern)
    if isinstance(pattern.pattern, RegexPattern):
        route = route.removeprefix("^").removesuffix("$")
        return re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLE_VALUES[m.group(1)], route)
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: sample_value(m.group(1), m.group(2)), route)


def sample_value(converter: str | None, name: str) -> str:
    if converter == "int":
        return "1"
    if converter == "uuid":
        return "00000000-0000-0000-0000-000000000001"
    return SAMPLE_VALUES[name]


def every_url(
    patterns: list[URLPattern | URLResolver] | None = None, prefix: str = "/", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    """(name, path) of every pattern in the project, with sample values filled in; unnamed ones too."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        path = prefix + route_to_path(pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from every_url(pattern.url_patterns, path, inner)
        else:
            yield (f"{namespace}{pattern.name}" if pattern.name else "", path)


PROTECTED_PATHS = [
    path
    for name, path in every_url()
    if name not in ANONYMOUS_URL_NAMES and not path.startswith(("/api/", PUBLIC_PREFIX))
]
PUBLIC_PATHS = [path for _name, path in every_url() if path.startswith(PUBLIC_PREFIX)]
# Programs, not people, call the API: it answers 401 in JSON instead of redirecting to a login page.
API_PATHS = [path for name, path in every_url() if path.startswith("/api/") and name not in ANONYMOUS_URL_NAMES]
ANONYMOUS_PATHS = [(name, path) for name, path in every_url() if name in ANONYMOUS_URL_NAMES]


def test_the_url_walk_finds_the_admin_and_the_anonymous_pages() -> None:
    assert {name for name, _path in ANONYMOUS_PATHS} == ANONYMOUS_URL_NAMES
    assert "/admin/inventory/submission/1/change/" in PROTECTED_PATHS
    for path in PROTECTED_PATHS:
        resolve(path)


@pytest.mark.django_db
@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_anonymous_visitors_read_the_public_site_without_being_sent_to_a_login_page(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code != 302 or not response["Location"].startswith(reverse("login"))
    assert response.status_code < 500


@pytest.mark.django_db
@pytest.mark.parametrize("path", PROTECTED_PATHS)
def test_anonymous_users_are_sent_to_the_login_page(client: Client, path: str) -> None:
    response = client.get(path)

    login_url, _, query = response["Location"].partition("?")
    assert response.status_code == 302
    # The admin's own pages (index, app lists, logout...) send to the admin's login form instead.
    assert login_url == reverse("login") or (path.startswith("/admin/") and login_url == reverse("admin:login"))
    assert query == f"next={quote(path, safe='/')}"


@pytest.mark.django_db
@pytest.mark.parametrize("path", API_PATHS)
def test_anonymous_api_calls_get_401_in_json(client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "path"), [item for item in ANONYMOUS_PATHS if item[0] != "set_language"])
def test_the_login_and_password_reset_pages_open_without_logging_in(client: Client, name: str, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200, name


@pytest.mark.django_db
def test_the_language_switch_works_without_logging_in(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert response.cookies["django_language"].value == "en"


@pytest.mark.django_db
def test_the_login_page_is_in_dutch_with_a_forgotten_password_link(client: Client) -> None:
    response = client.get(reverse("login"))

    content = response.content.decode()
    assert '<html lang="nl-be">' in content
    assert "<h1>Aanmelden</h1>" in content
    assert '<label for="id_username">Gebruikersnaam:</label>' in content
    assert '<label for="id_password">Wachtwoord:</label>' in content
    assert f'<a href="{reverse("password_reset")}">Wachtwoord vergeten?</a>' in content


def test_a_wrong_password_is_refused_next_to_the_form_in_dutch(client: Client, editor_a: User) -> None:
    response = client.post(reverse("login"), {"username": "editor_a", "password": "niet-mijn-wachtwoord"})

    assert response.status_code == 200
    assert "Voer een juiste gebruikersnaam en wachtwoord in." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_user_can_log_in_and_log_out(client: Client, editor_a: User) -> None:
    response = client.post(reverse("login"), {"username": "editor_a", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("inventory:home")
    assert client.get(reverse("inventory:home")).context["user"] == editor_a

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("inventory:home"))["Location"].startswith(reverse("login"))


def test_login_sends_the_user_back_to_the_page_asked_for(client: Client, editor_a: User) -> None:
    response = client.post(
        reverse("login"), {"username": "editor_a", "password": PASSWORD, "next": reverse("password_change")}
    )

    assert response["Location"] == reverse("password_change")


def test_password_change_refuses_a_weak_password(editor_a_client: Client, editor_a: User) -> None:
    response = editor_a_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert {error.code for error in response.context["form"].errors.as_data()["new_password2"]} == {
        "password_too_short",
        "password_too_common",
        "password_entirely_numeric",
    }
    assert "Dit wachtwoord is te algemeen." in content
    assert 'aria-invalid="true"' in content
    editor_a.refresh_from_db()
    assert editor_a.check_password(PASSWORD)


def test_password_change_accepts_a_strong_password(editor_a_client: Client, editor_a: User) -> None:
    new_password = "Een-Heel-Ander-Wachtwoord-77"
    response = editor_a_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    editor_a.refresh_from_db()
    assert editor_a.check_password(new_password)
    assert editor_a_client.get(reverse("password_change_done")).status_code == 200


def test_password_reset_sends_one_email_with_a_working_link(
    client: Client, editor_a: User, uncounted_password_resets: None
) -> None:
    response = client.post(reverse("password_reset"), {"email": editor_a.email.upper()})

    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [editor_a.email]
    assert message.subject == "Nieuw wachtwoord voor de Inventaris sociale economie"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body)
    assert link is not None

    form_page = client.get(link.group(1), follow=True)
    assert form_page.context["validlink"] is True
    new_password = "Een-Heel-Ander-Wachtwoord-77"
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )

    assert response["Location"] == reverse("password_reset_complete")
    editor_a.refresh_from_db()
    assert editor_a.check_password(new_password)
    assert client.get(link.group(1), follow=True).context["validlink"] is False


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(
    client: Client, editor_a: User, uncounted_password_resets: None
) -> None:
    response = client.post(reverse("password_reset"), {"email": "niemand@example.be"})

    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []
