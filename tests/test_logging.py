"""Logs and error reporting: one JSON line per request on stdout without personal data, an anonymous request that
gets no session, django-axes quiet at start-up and at login, and Sentry (or GlitchTip) events stripped of personal
data, started only from a valid SENTRY_DSN."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sentry_sdk
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from config.observability import JsonFormatter, scrub_event, sentry_init
from tests.conftest import logged_in
from tests.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parent.parent
EMAIL = "an.bogaert@example.be"


def request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "inventaris.request"]


# --- the request line --------------------------------------------------------------------------------------------


def run_python(code: str, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ALLOWED_HOSTS": "testserver", **variables}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )


LOGIN_PAGE = (
    "import django; django.setup(); from django.test import Client; "
    f"Client().get('/accounts/login/?next=/&email={EMAIL}', HTTP_X_REQUEST_ID='req-42')"
)


def test_without_debug_a_request_is_one_json_line_on_stdout_with_its_fields() -> None:
    done = run_python(LOGIN_PAGE, DEBUG="False")
    (line,) = [json.loads(t) for t in done.stdout.splitlines() if '"inventaris.request"' in t]
    assert line.keys() == {
        "time",
        "level",
        "logger",
        "message",
        "method",
        "path",
        "query_params",
        "status",
        "duration_ms",
        "user_id",
        "request_id",
    }
    assert line | {"time": None, "duration_ms": None, "message": None} == {
        "time": None,
        "level": "INFO",
        "logger": "inventaris.request",
        "message": None,
        "method": "GET",
        "path": "/accounts/login/",
        "query_params": ["next", "email"],
        "status": 200,
        "duration_ms": None,
        "user_id": None,
        "request_id": "req-42",
    }
    assert line["duration_ms"] > 0
    assert EMAIL not in done.stdout + done.stderr


def test_log_format_text_writes_plain_lines() -> None:
    done = run_python(LOGIN_PAGE, DEBUG="False", LOG_FORMAT="text")
    (line,) = [t for t in done.stdout.splitlines() if "inventaris.request" in t]
    assert " INFO inventaris.request: GET /accounts/login/ 200 " in line
    assert line.endswith(" ms user -")
    assert not line.startswith("{")


def test_a_management_command_logs_to_stderr_so_that_its_output_can_be_piped() -> None:
    code = "import logging; logging.getLogger('inventory').warning('Redis onbereikbaar'); print('jaar,personen')"
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "False"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout == "jaar,personen\n"
    assert json.loads(done.stderr.splitlines()[-1])["message"] == "Redis onbereikbaar"


def test_the_line_names_the_user_by_id_only_and_the_query_parameters_without_values(
    caplog: pytest.LogCaptureFixture, db: None
) -> None:
    user = UserFactory(username="an.bogaert", email=EMAIL)
    with caplog.at_level(logging.INFO):
        logged_in(user).get("/", {"jaar": "2019", "zoek": EMAIL, "nobody@example.be": ""})
    (line,) = request_lines(caplog)
    assert line["user_id"] == user.pk
    assert line["query_params"] == ["jaar", "zoek"]  # a name that is an address is no name
    assert (line["path"], line["status"]) == ("/", 200)
    raw = json.dumps(line)
    assert "an.bogaert" not in raw
    assert "example.be" not in raw
    assert "2019" not in raw


def test_an_anonymous_request_gets_no_session(caplog: pytest.LogCaptureFixture, db: None) -> None:
    client = Client()
    with caplog.at_level(logging.INFO):
        for url in ("/accounts/login/", "/", "/kerncijfers/?jaar=2019"):
            response = client.get(url)
            assert "sessionid" not in response.cookies, url
    assert Session.objects.count() == 0
    assert [line["user_id"] for line in request_lines(caplog)] == [None, None, None]


def test_the_token_of_a_password_reset_link_is_not_logged(caplog: pytest.LogCaptureFixture, db: None) -> None:
    with caplog.at_level(logging.INFO):
        Client().get("/accounts/reset/MQ/cbzk7e-0123456789abcdef/")
    (line,) = request_lines(caplog)
    assert line["path"] == "/accounts/reset/MQ/*/"
    assert "0123456789abcdef" not in caplog.text


@pytest.mark.parametrize(("header", "logged"), [("7f3c-aa01", "7f3c-aa01"), ("two words", None), ("x" * 129, None)])
def test_a_request_id_from_the_proxy_is_logged_when_it_is_a_plain_token(
    caplog: pytest.LogCaptureFixture, db: None, header: str, logged: str | None
) -> None:
    with caplog.at_level(logging.INFO):
        Client().get("/accounts/login/", HTTP_X_REQUEST_ID=header)
    assert [line["request_id"] for line in request_lines(caplog)] == [logged]


def test_the_health_probes_are_logged_at_debug_only(caplog: pytest.LogCaptureFixture, db: None) -> None:
    with caplog.at_level(logging.DEBUG, logger="inventaris.request"):
        for url in ("/livez", "/readyz", "/accounts/login/"):
            Client().get(url)
    assert [(r.levelname, r.path) for r in caplog.records if r.name == "inventaris.request"] == [  # type: ignore[attr-defined]
        ("DEBUG", "/livez"),
        ("DEBUG", "/readyz"),
        ("INFO", "/accounts/login/"),
    ]


# --- django-axes ------------------------------------------------------------------------------------------------


def test_management_commands_print_nothing_of_django_axes() -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    assert "AXES" not in done.stdout + done.stderr
    assert done.stderr == ""


def login(username: str, password: str) -> int:
    return Client().post("/accounts/login/", {"username": username, "password": password}).status_code


def test_logins_log_no_axes_info_and_a_lockout_logs_a_warning(
    caplog: pytest.LogCaptureFixture, settings: Any, db: None
) -> None:
    user = UserFactory()
    with caplog.at_level(logging.DEBUG):
        assert login(user.username, PASSWORD) == 302
        assert login(user.username, "fout") == 200
    assert [r for r in caplog.records if r.name.startswith("axes") and r.levelno < logging.WARNING] == []
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            login(user.username, "fout")
    axes = [r for r in caplog.records if r.name.startswith("axes")]
    assert all(r.levelno >= logging.WARNING for r in axes)
    assert any("Locking out" in r.getMessage() for r in axes)
    assert user.username not in caplog.text


# --- Sentry / GlitchTip -----------------------------------------------------------------------------------------

DSN = "https://key@glitchtip.example/1"


def sample_event() -> dict[str, Any]:
    """An event as the Django integration builds it for a logged-in user's failed POST."""
    return {
        "level": "error",
        "message": f"refused for {EMAIL} from 203.0.113.9",
        "exception": {"values": [{"type": "IntegrityError", "value": f"Key (email)=({EMAIL}) already exists."}]},
        "logentry": {"message": "password reset for %s from %s", "params": [EMAIL, "203.0.113.9"]},
        "request": {
            "url": "https://inventaris.pomwvl.be/accounts/reset/MQ/cbzk7e-0123456789abcdef/?email=" + EMAIL,
            "method": "POST",
            "query_string": f"email={EMAIL}",
            "cookies": {"sessionid": "s3cr3t", "csrftoken": "abc"},
            "headers": {
                "Authorization": "Token abcdef",
                "Cookie": "sessionid=s3cr3t",
                "Referer": f"https://inventaris.pomwvl.be/?email={EMAIL}",
                "X-Forwarded-For": "203.0.113.9",
                "User-Agent": "Mozilla/5.0",
                "X-Request-Id": "req-42",
            },
            "data": {"email": EMAIL, "new_password1": "geheim-wachtwoord"},
            "env": {"REMOTE_ADDR": "203.0.113.9", "SERVER_NAME": "web1"},
        },
        "user": {"id": "7", "email": EMAIL, "username": "an.bogaert", "ip_address": "203.0.113.9"},
        "breadcrumbs": {
            "values": [
                {"category": "axes.handlers.database", "message": "AXES: Locking out {username: 'an.bogaert'}"},
                {"category": "accounts.throttle", "message": f"password reset for {EMAIL} from 203.0.113.9 refused"},
                {"category": "inventaris.request", "message": "GET /tabellen/ 200 12.0 ms user 7"},
            ]
        },
    }


def test_scrub_event_keeps_the_user_id_and_drops_every_personal_detail() -> None:
    event = scrub_event(sample_event(), {})  # type: ignore[arg-type]
    assert event is not None
    assert event["user"] == {"id": "7"}
    assert event["request"] == {
        "url": "https://inventaris.pomwvl.be/accounts/reset/MQ/*/",
        "method": "POST",
        "headers": {"User-Agent": "Mozilla/5.0", "X-Request-Id": "req-42"},
    }
    assert event["exception"]["values"][0]["value"] == "Key (email)=([e-mail]) already exists."
    assert event["logentry"]["params"] == ["[e-mail]", "[ip]"]
    assert event["message"] == "refused for [e-mail] from [ip]"
    assert [b["message"] for b in event["breadcrumbs"]["values"]] == [
        "password reset for [e-mail] from [ip] refused",
        "GET /tabellen/ 200 12.0 ms user 7",
    ]
    raw = json.dumps(event)
    for secret in (EMAIL, "an.bogaert", "203.0.113.9", "s3cr3t", "abcdef", "geheim"):
        assert secret not in raw, secret


@pytest.fixture
def sentry_reset() -> Iterator[None]:
    yield
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


def test_without_sentry_dsn_nothing_is_started() -> None:
    assert sentry_init({}) is False
    assert not sentry_sdk.get_client().is_active()


def test_a_glitchtip_dsn_starts_error_reporting_with_the_settings_of_the_environment(sentry_reset: None) -> None:
    assert sentry_init({"SENTRY_DSN": DSN, "SENTRY_TRACES_SAMPLE_RATE": "0.25", "SENTRY_ENVIRONMENT": "staging"})
    client = sentry_sdk.get_client()
    assert client.is_active()
    assert client.options["dsn"] == DSN
    assert client.options["environment"] == "staging"
    assert client.options["release"] == "inventaris-sociale-economie@0.1.0"
    assert (client.options["sample_rate"], client.options["traces_sample_rate"]) == (1.0, 0.25)
    assert client.options["before_send"] is scrub_event
    assert client.options["data_collection"]["http_bodies"] == []
    assert client.options["data_collection"]["stack_frame_variables"] is False
    assert {"django", "celery"} <= set(client.integrations)


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"SENTRY_DSN": "glitchtip.example/1"}, "SENTRY_DSN"),
        ({"SENTRY_DSN": "https://glitchtip.example/1"}, "SENTRY_DSN"),
        ({"SENTRY_DSN": DSN, "SENTRY_SAMPLE_RATE": "1.5"}, "SENTRY_SAMPLE_RATE"),
        ({"SENTRY_TRACES_SAMPLE_RATE": "veel"}, "SENTRY_TRACES_SAMPLE_RATE"),
        ({"SENTRY_TRACES_SAMPLE_RATE": "nan"}, "SENTRY_TRACES_SAMPLE_RATE"),
    ],
)
def test_a_bad_dsn_or_rate_stops_start_up_naming_the_variable(variables: dict[str, str], named: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=rf"^{named}: ") as error:
        sentry_init(variables)
    assert "key@" not in str(error.value)
    assert not sentry_sdk.get_client().is_active()


class KeptTransport(Transport):
    """Keeps the envelopes instead of sending them."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)


def fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the view failed")


urlpatterns = [path("fails/", fails), path("accounts/", include("accounts.urls"))]


@pytest.mark.urls("tests.test_logging")
def test_an_error_in_a_view_reaches_sentry_without_personal_data(sentry_reset: None, db: None) -> None:
    transport = KeptTransport()
    sentry_init({"SENTRY_DSN": DSN}, transport=transport)
    user = UserFactory(username="an.bogaert", email=EMAIL)
    client = logged_in(user)
    client.raise_request_exception = False
    client.cookies["extra"] = "cookie-value"
    assert client.post(f"/fails/?email={EMAIL}", {"email": EMAIL, "password": "geheim"}).status_code == 500
    sentry_sdk.flush()
    (event,) = [e for e in (envelope.get_event() for envelope in transport.envelopes) if e is not None]
    assert event["exception"]["values"][-1]["value"] == "the view failed"
    assert event["user"] == {"id": str(user.pk)}
    assert "cookies" not in event["request"]
    assert "data" not in event["request"]
    raw = json.dumps(event, default=str)
    for secret in (EMAIL, "an.bogaert", "geheim", "cookie-value", client.cookies["sessionid"].value):
        assert secret not in raw, secret
