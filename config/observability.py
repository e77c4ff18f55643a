"""Logs and error reporting (README, "Logs and error reporting"): the JSON log formatter, and Sentry (or GlitchTip,
which speaks its protocol) when SENTRY_DSN is set, with what it would send stripped of personal data.

Imported by the settings: nothing here reads django.conf.settings, and sentry_sdk (half a second to import) is
imported only when a DSN is set."""

from __future__ import annotations

import json
import logging
import re
import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from django.urls import Resolver404, resolve

from config.env import SettingError

if TYPE_CHECKING:
    from sentry_sdk._types import Event, Hint

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"

# --- logs --------------------------------------------------------------------------------------------------------

# What every LogRecord carries; anything else on a record was passed with extra= and goes into the line.
_RECORD_ATTRIBUTES = {*vars(logging.makeLogRecord({})), "message", "asctime"}
# django.request passes the HttpRequest itself, whose repr holds the query string.
_NOT_LOGGED = {"request"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the fields given with extra= and the
    traceback, if any."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _RECORD_ATTRIBUTES and name not in _NOT_LOGGED:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


# URL arguments that are secrets: the password reset link's token would let a reader of the logs set a password.
SECRET_URL_ARGUMENTS = ("token",)


def redacted_path(path: str, url_kwargs: Mapping[str, object]) -> str:
    """`path` with the values of its secret URL arguments (SECRET_URL_ARGUMENTS) replaced by "*"."""
    for name in SECRET_URL_ARGUMENTS:
        value = url_kwargs.get(name)
        if isinstance(value, str) and value:
            path = path.replace(f"/{value}/", "/*/")
    return path


# --- error reporting ---------------------------------------------------------------------------------------------

# The request headers an event may carry (by substring, as sentry-sdk matches them); every other header's value is
# "[Filtered]". No Referer: its query string can hold an e-mail address.
SENTRY_HEADERS = ["accept", "content-type", "content-length", "host", "user-agent", "x-request-id", "x-forwarded-proto"]
_DROPPED_HEADERS = {"authorization", "proxy-authorization", "cookie", "referer", "x-forwarded-for", "x-real-ip"}
_EMAIL = re.compile(r"[^\s@'\"<>(){}\[\],;:]+@[^\s@'\"<>(){}\[\],;:]+\.[A-Za-z]{2,}")
_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")


def _rate(environ: Mapping[str, str], name: str, default: str) -> float:
    value = environ.get(name, "") or default
    try:
        rate = float(value)
    except ValueError:
        rate = -1.0
    if not 0.0 <= rate <= 1.0:  # also refuses nan
        raise SettingError(name, f"must be a number from 0 to 1, not {value!r}")
    return rate


def default_release() -> str | None:
    """The release "inventaris-sociale-economie@<version>" from pyproject.toml; None without that file."""
    try:
        project = tomllib.loads(PYPROJECT.read_text())["project"]
    except FileNotFoundError:
        return None
    return f"{project['name']}@{project['version']}"


def sentry_init(environ: Mapping[str, str], **options: Any) -> bool:
    """Start error reporting when SENTRY_DSN is set (the settings call this once, so the web, the worker, beat and
    management commands all report); whether it started. The other variables are checked with or without a DSN.
    `options` go to sentry_sdk.init as they are (the tests give a transport)."""
    sample_rate = _rate(environ, "SENTRY_SAMPLE_RATE", "1.0")
    traces_sample_rate = _rate(environ, "SENTRY_TRACES_SAMPLE_RATE", "0")
    dsn = environ.get("SENTRY_DSN", "")
    if not dsn:
        return False

    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import ignore_logger
    from sentry_sdk.utils import BadDsn, Dsn

    try:
        Dsn(dsn)
    except BadDsn as error:  # the DSN holds a key: not repeated in the message
        raise SettingError("SENTRY_DSN", f"not a DSN ({error}); expected https://<key>@<host>/<project>") from None
    sentry_sdk.init(
        dsn=dsn,
        environment=environ.get("SENTRY_ENVIRONMENT") or "production",
        release=environ.get("SENTRY_RELEASE") or default_release(),
        sample_rate=sample_rate,
        # 0 is no tracing at all, not unsampled transactions on every request.
        traces_sample_rate=traces_sample_rate or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # sentry-sdk 2.75 replaces send_default_pii (deprecated, with a warning) by data_collection: what
        # send_default_pii=False withholds, and more. The user is collected so that scrub_event can keep its id.
        data_collection={
            "user_info": True,
            "cookies": {"mode": "off"},
            "http_headers": {"request": {"mode": "allowlist", "terms": SENTRY_HEADERS}},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "database_query_data": False,
            "queues": False,
            # A frame's variables hold forms, users and rows of figures.
            "stack_frame_variables": False,
        },
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        **options,
    )
    # A request for a host not in ALLOWED_HOSTS (scanners) logs an error; the request line shows its 400.
    ignore_logger("django.security.DisallowedHost")
    return True


def _redact(text: str) -> str:
    return _IPV4.sub("[ip]", _EMAIL.sub("[e-mail]", text))


def _redacted(value: object) -> object:
    """A log message or its parameters (a logentry's message, formatted and params), redacted."""
    if isinstance(value, str):
        return _redact(value)
    if isinstance(value, list | tuple):
        return [_redact(str(item)) for item in value]
    return value


def scrub_event(event: Event, hint: Hint) -> Event | None:
    """The event without personal data, whatever an integration put in: no cookies, credentials, client addresses,
    request bodies or query strings; of the user only the id; e-mail addresses masked in messages and exception
    values, client addresses in log messages; no breadcrumbs of django-axes (usernames and addresses). Runs on
    every event (before_send: sentry-sdk drops the event if it raises)."""
    request = event.get("request")
    if request is not None:
        for key in ("cookies", "data", "env", "query_string"):
            request.pop(key, None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {k: v for k, v in headers.items() if k.lower() not in _DROPPED_HEADERS}
        url = request.get("url")
        if isinstance(url, str):
            parts = urlsplit(url)
            try:
                url_kwargs: Mapping[str, object] = resolve(parts.path).kwargs
            except Resolver404:
                url_kwargs = {}
            request["url"] = urlunsplit(parts._replace(path=redacted_path(parts.path, url_kwargs), query=""))
    user = event.get("user")
    if user is not None:
        event["user"] = {"id": user["id"]} if user.get("id") is not None else {}
    for exception in event.get("exception", {}).get("values", []):
        if isinstance(exception.get("value"), str):
            exception["value"] = _EMAIL.sub("[e-mail]", exception["value"])
    logentry = event.get("logentry")
    if logentry is not None:
        event["logentry"] = {key: _redacted(value) for key, value in logentry.items()}
    if isinstance(event.get("message"), str):
        event["message"] = _redact(event["message"])
    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict) and "values" in breadcrumbs:
        kept = [b for b in breadcrumbs["values"] if str(b.get("category", "")).split(".")[0] != "axes"]
        for breadcrumb in kept:
            if isinstance(breadcrumb.get("message"), str):
                breadcrumb["message"] = _redact(breadcrumb["message"])
        breadcrumbs["values"] = kept
    return event
