"""The site's security settings come from the environment with secure defaults when DEBUG is off; with the
production variables the README lists, `manage.py check --deploy --fail-level WARNING` passes. Every page, API
answer and download is private and not stored, under a Content-Security-Policy that allows only the site's own
files; no template needs an inline script or style."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management.utils import get_random_secret_key
from django.test import Client

from accounts.tokens import api_token_create
from tests.conftest import logged_in
from tests.factories import PASSWORD, UserFactory
from tests.test_permissions import ROWS, Row, client_for, world  # noqa: F401  (world: the table's fixture)

ROOT = Path(__file__).resolve().parent.parent

CSP = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)

# What README's "Security" section tells production to set (with example values); SECRET_KEY is made per run.
PRODUCTION = {
    "DEBUG": "False",
    "ALLOWED_HOSTS": "inventaris.pomwvl.be",
    "CSRF_TRUSTED_ORIGINS": "https://inventaris.pomwvl.be",
    "SITE_URL": "https://inventaris.pomwvl.be",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "SECURE_HSTS_PRELOAD": "True",
}
# Every variable that changes what `check --deploy` sees: none of them may leak in from the tests' environment.
SECURITY_VARIABLES = [
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_COOKIES",
]


def environment(**variables: str) -> dict[str, str]:
    """The tests' environment (database, Redis) with base.py's settings and only the given security variables."""
    env = {k: v for k, v in os.environ.items() if k not in SECURITY_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.base", SECRET_KEY=get_random_secret_key())
    env.update(variables)
    return env


def deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_under(env: dict[str, str]) -> dict[str, object]:
    """The security settings base.py makes of an environment, read in a fresh process."""
    names = [
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "LANGUAGE_COOKIE_SECURE",
    ]
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- settings from the environment -------------------------------------------------------------------------------


def test_with_debug_off_every_switch_defaults_to_https_only() -> None:
    assert settings_under(environment()) == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_PROXY_SSL_HEADER": None,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
    }


def test_with_debug_on_the_development_site_speaks_plain_http() -> None:
    assert settings_under(environment(DEBUG="True")) == {
        "DEBUG": True,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_PROXY_SSL_HEADER": None,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "LANGUAGE_COOKIE_SECURE": False,
    }


def test_each_switch_is_set_from_its_own_variable() -> None:
    assert settings_under(
        environment(
            SECURE_SSL_REDIRECT="False",
            SECURE_HSTS_SECONDS="3600",
            SECURE_HSTS_INCLUDE_SUBDOMAINS="False",
            SECURE_HSTS_PRELOAD="True",
            SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
            SECURE_COOKIES="False",
        )
    ) == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 3600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "LANGUAGE_COOKIE_SECURE": False,
    }


def test_a_proxy_header_that_is_no_header_name_stops_start_up() -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment(SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "inventaris: ongeldige instelling SECURE_PROXY_SSL_HEADER: moet een headernaam zijn zoals X-Forwarded-Proto,"
        " niet 'X-Forwarded-Proto: https'\n"
    )


# --- check --deploy ----------------------------------------------------------------------------------------------


def test_with_the_production_variables_check_deploy_passes_at_warning_level() -> None:
    done = deploy_check(environment(**PRODUCTION))
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout


@pytest.mark.parametrize(
    ("change", "warnings"),
    [
        ({"SECURE_HSTS_PRELOAD": None}, ["security.W021"]),
        ({"SECRET_KEY": "x"}, ["security.W009"]),
        ({"SECURE_SSL_REDIRECT": "False"}, ["security.W008"]),
        ({"SECURE_HSTS_SECONDS": "0"}, ["security.W004"]),
        ({"SECURE_HSTS_INCLUDE_SUBDOMAINS": "False"}, ["security.W005"]),
        ({"SECURE_COOKIES": "False"}, ["security.W012", "security.W016"]),
        ({"DEBUG": "True"}, ["security.W004", "security.W008", "security.W012", "security.W016", "security.W018"]),
    ],
    ids=lambda v: ",".join(v) if isinstance(v, dict) else None,
)
def test_without_a_production_variable_check_deploy_fails_naming_the_warning(
    change: dict[str, str | None], warnings: list[str]
) -> None:
    env = environment(**PRODUCTION)
    for name, value in change.items():
        if value is None:
            env.pop(name)
        else:
            env[name] = value
    done = deploy_check(env)
    assert done.returncode == 1
    assert sorted(set(re.findall(r"security\.W\d+", done.stderr))) == warnings


def test_the_readme_lists_every_production_variable_in_its_security_section() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Security\n", 1)[1].split("\n## ", 1)[0]
    for name in [*PRODUCTION, "SECRET_KEY", *SECURITY_VARIABLES]:
        assert f"`{name}`" in section, name


# --- HTTPS behind a proxy ---------------------------------------------------------------------------------------


def test_plain_http_is_redirected_to_https_and_https_gets_hsts(settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    client = Client()  # a new client: its handler builds SecurityMiddleware with these settings

    response = client.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"
    assert "Strict-Transport-Security" not in response

    response = client.get("/accounts/login/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_behind_a_tls_proxy_its_header_counts_as_https_only_when_configured(settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 60
    # Not configured: a client that sends the header itself is still redirected.
    assert Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https").status_code == 301

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = Client()
    response = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=60; includeSubDomains"
    assert client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="http").status_code == 301


@pytest.mark.django_db
def test_the_session_csrf_and_language_cookies_are_secure_and_kept_from_scripts() -> None:
    # The tests run with DEBUG off and SECURE_COOKIES unset: production's defaults.
    user = UserFactory()
    client = Client()
    client.get("/accounts/login/")
    assert client.cookies["csrftoken"]["secure"] is True
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    session = client.cookies[django_settings.SESSION_COOKIE_NAME]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    client.post("/i18n/setlang/", {"language": "en"})
    language = client.cookies[django_settings.LANGUAGE_COOKIE_NAME]
    assert language["secure"] is True
    assert language["httponly"] is True


# --- headers on every answer -------------------------------------------------------------------------------------


def policy(header: str) -> dict[str, str]:
    """A Content-Security-Policy as {directive: sources}: django-csp writes the directives in no fixed order."""
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def assert_protected(response, what: str, *, public: bool = False) -> None:
    """Private and not stored; or, for the public site's kept answers (`public`), public but asked again each
    time (ETag) and carrying no cookie. The browser's protections on both."""
    cache_control = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    if public and "public" in cache_control:
        assert {"max-age=0", "must-revalidate"} <= cache_control, (what, response.get("Cache-Control"))
        assert response.has_header("ETag"), what
        assert not response.cookies, what
    else:
        assert {"private", "no-store"} <= cache_control, (what, response.get("Cache-Control"))
        assert "public" not in cache_control, what
    assert policy(response["Content-Security-Policy"]) == CSP, what
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY, what
    assert response["X-Frame-Options"] == "DENY", what
    assert response["X-Content-Type-Options"] == "nosniff", what
    assert response["Referrer-Policy"] == "same-origin", what
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", what


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
@pytest.mark.parametrize("role", ["anonymous", "editor_a", "staff"])
def test_every_url_of_the_permissions_table_is_private_not_stored_and_under_the_policy(
    world: dict,  # noqa: F811
    role: str,
    row: Row,
) -> None:
    client = client_for(world, role)
    url = row.url(world)
    response = client.post(url, row.data) if row.method == "post" else client.get(url)
    # The public site's pages are one copy for everyone (opendata/cache.py); everything else is private.
    assert_protected(response, f"{role} {row.id} -> {response.status_code}", public=row.name.startswith("opendata:"))


@pytest.mark.django_db
def test_downloads_the_api_by_token_and_the_admin_are_private_and_not_stored() -> None:
    staff = UserFactory(is_staff=True, is_superuser=True)
    client = logged_in(staff)
    for url in (
        "/tabellen/maatregelen/?export=csv",
        "/import/sjabloon/?format=xlsx",
        "/admin/",
        "/admin/inventory/submission/",
        "/admin/accounts/user/",
        "/nergens/",
    ):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_protected(response, url)
    key = api_token_create(user=UserFactory(is_coordinator=True), name="statistiek")
    response = Client().get("/api/aggregates/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert_protected(response, "API with a token")


def test_static_files_keep_whitenoises_caching_without_the_pages_headers(settings) -> None:
    settings.WHITENOISE_USE_FINDERS = True  # the test run has no collected static files
    response = Client().get("/static/css/site.css")  # a new client: whitenoise is built with the setting
    assert response.status_code == 200
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert "public" in cache_control
    assert any(part.startswith("max-age=") for part in cache_control)
    assert "no-store" not in cache_control
    assert "Content-Security-Policy" not in response


# --- what the policy needs of the templates ---------------------------------------------------------------------

# An inline <script> (one without src), an event-handler attribute, a style="" attribute, a javascript: URL, or
# an inline <style>: each would need 'unsafe-inline' (or a hash) in the policy.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|\s(?:on[a-z]+|style)=[\"'{]|javascript:|<style\b",
    re.IGNORECASE,
)
# Python modules that write HTML (format_html in tables, widgets, admin) are read too.
SOURCES = [
    *sorted((ROOT / "templates").rglob("*.html")),
    *sorted(p for app in ("accounts", "config", "inventory") for p in (ROOT / app).rglob("*.py")),
]


def test_no_template_or_module_writes_an_inline_script_or_style() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{text[: m.start()].count(chr(10)) + 1}: {m.group(0)}"
        for path in SOURCES
        if "migrations" not in path.parts
        for text in [path.read_text()]
        for m in INLINE.finditer(text)
    ]
    assert found == []
