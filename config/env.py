"""Settings read from the environment, each checked where it is read (README, "Production").

A missing or bad value raises SettingError, whose message is one line that names the variable; manage.py, the
WSGI module, the Celery app and scripts/entrypoint.sh print that line and stop, without a traceback."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

from django.core.exceptions import ImproperlyConfigured


class SettingError(ImproperlyConfigured):
    """One environment variable is missing or has a value the site cannot use."""

    def __init__(self, name: str, problem: str) -> None:
        self.name = name
        super().__init__(f"{name}: {problem}")


def _english() -> bool:
    # Settings load before any translation is active: the shell's LANGUAGE decides, as for the commands.
    return os.environ.get("LANGUAGE", "").split(":")[0].strip().lower().startswith("en")


def _say(dutch: str, english: str) -> str:
    return english if _english() else dutch


def envrequired(name: str) -> str:
    value = os.getenv(name, "").strip()
    if not value:
        raise SettingError(name, _say("ontbreekt; zet deze variabele", "is not set; set this variable"))
    return value


def envbool(name: str, default: str) -> bool:
    value = os.getenv(name, default).strip()
    if value not in ("True", "False", "1", "0", "true", "false"):
        raise SettingError(
            name, _say(f"moet True of False zijn, niet {value!r}", f"must be True or False, not {value!r}")
        )
    return value in ("True", "1", "true")


def envint(name: str, default: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    value = os.getenv(name, default).strip()
    try:
        number = int(value)
    except ValueError:
        number = minimum - 1
    if number < minimum or (maximum is not None and number > maximum):
        upto = "" if maximum is None else _say(f" tot en met {maximum}", f" to {maximum}")
        raise SettingError(
            name,
            _say(
                f"moet een geheel getal vanaf {minimum}{upto} zijn, niet {value!r}",
                f"must be a whole number from {minimum}{upto}, not {value!r}",
            ),
        )
    return number


def envfloat(name: str, default: str, *, minimum: float, maximum: float) -> float:
    value = os.getenv(name, default).strip()
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not minimum <= number <= maximum:  # also refuses nan
        raise SettingError(
            name,
            _say(
                f"moet een getal van {minimum:g} tot {maximum:g} zijn, niet {value!r}",
                f"must be a number from {minimum:g} to {maximum:g}, not {value!r}",
            ),
        )
    return number


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


def envchoice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.getenv(name, default).strip()
    if value not in choices:
        shown = ", ".join(choices)
        raise SettingError(
            name, _say(f"moet een van {shown} zijn, niet {value!r}", f"must be one of {shown}, not {value!r}")
        )
    return value


def envurl(name: str, default: str, *, schemes: tuple[str, ...] = ("http", "https")) -> str:
    value = (os.getenv(name, default) if default else envrequired(name)).strip()
    scheme, sep, rest = value.partition("://")
    if not sep or scheme not in schemes or not rest:
        shown = " of ".join(f"{s}://" for s in schemes) if not _english() else " or ".join(f"{s}://" for s in schemes)
        raise SettingError(
            name,
            _say(
                f"moet beginnen met {shown}, niet {_hidden(value)!r}",
                f"must start with {shown}, not {_hidden(value)!r}",
            ),
        )
    return value.rstrip("/") if scheme in ("http", "https") else value


def _hidden(url: str) -> str:
    """A URL as it may be printed: without the password it may hold."""
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        credentials, _at, host = rest.rpartition("@")
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
    return url


def envproxyheader(name: str) -> tuple[str, str] | None:
    # The header a TLS-terminating proxy sets to "https" (X-Forwarded-Proto). Trusted only when named here: a
    # client could send it itself to a site that is reached without that proxy.
    header = os.getenv(name, "").strip()
    if not header:
        return None
    if not all(c.isascii() and (c.isalnum() or c == "-") for c in header):
        raise SettingError(
            name,
            _say(
                f"moet een headernaam zijn zoals X-Forwarded-Proto, niet {header!r}",
                f"must be a header name such as X-Forwarded-Proto, not {header!r}",
            ),
        )
    return ("HTTP_" + header.upper().replace("-", "_"), "https")


def exit_on_setting_error(error: SettingError, status: int = 2) -> NoReturn:
    """The one line an operator sees for a bad setting, on stderr; exit status 2 as for a usage error."""
    print(_say(f"inventaris: ongeldige instelling {error}", f"inventaris: bad setting {error}"), file=sys.stderr)
    raise SystemExit(status)
