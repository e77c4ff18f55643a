"""Logins are locked per username and IP address after repeated failures, with a cool-off; django-axes' admin
pages are Dutch."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import axes
import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> int:
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip).status_code


def test_five_failures_lock_that_username_from_that_address_only(settings) -> None:
    user, other = UserFactory(), UserFactory()
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, user.username, "fout")
    assert login(client, user.username, PASSWORD) == 429
    assert (
        "Tijdelijk geblokkeerd"
        in client.post(
            "/accounts/login/", {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
        ).content.decode()
    )
    # Another user from the same address, and the same user from another address, still get in.
    assert login(Client(), other.username, PASSWORD) == 302
    assert login(Client(), user.username, PASSWORD, ip="10.0.0.2") == 302


def test_the_lock_ends_after_the_cool_off(settings) -> None:
    user = UserFactory()
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, user.username, "fout")
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(minutes=1))
    assert login(client, user.username, PASSWORD) == 302


# --- in the admin: Dutch, though django-axes ships no Dutch catalogue (accounts.apps.AxesConfig, locale/nl) ----

AXES_SOURCES = ("models.py", "admin.py", "conf.py")


def axes_msgids() -> set[str]:
    """Every gettext msgid in the installed django-axes' models, admin and settings, as written there."""
    folder = Path(axes.__file__).parent
    found: set[str] = set()
    for name in AXES_SOURCES:
        source = (folder / name).read_text(encoding="utf-8")
        found |= {match for match in re.findall(r'\b_\(\s*"((?:[^"\\]|\\.)+)"\s*\)', source)}
    return found


def test_axes_has_a_dutch_name_and_dutch_models_on_the_admin_index(staff_client: Client) -> None:
    page = staff_client.get("/admin/").content.decode()

    assert "Aanmeldbeveiliging" in page
    for model in ("Aanmeldpogingen", "Aanmeldingen", "Mislukte aanmeldingen"):
        assert f">{model}</a>" in page, model
    for english in (">Axes<", "Access attempts", "Access logs", "Access failures"):
        assert english not in page


def test_the_access_attempts_list_is_dutch(staff_client: Client) -> None:
    AccessAttempt.objects.create(
        username="iemand", ip_address="10.0.0.9", user_agent="test", path_info="/login/", failures_since_start=2
    )

    page = staff_client.get("/admin/axes/accessattempt/").content.decode()

    for dutch in ("IP-adres", "Gebruikersnaam", "Tijdstip van de poging", "Mislukte aanmeldingen", "Geblokkeerd"):
        assert dutch in page, dutch
    assert "3 poging(en) over" in page  # AXES_FAILURE_LIMIT 5, 2 failures
    for english in ("IP Address", "Attempt Time", "Failed Logins", "Locked Out", "Attempt Remaining"):
        assert english not in page


def test_every_message_of_the_installed_axes_has_a_dutch_translation() -> None:
    msgids = axes_msgids()

    assert {"access attempt", "Locked Out", "Meta Data"} <= msgids  # the pattern finds them
    with translation.override("nl-be"):
        untranslated = sorted(msgid for msgid in msgids if gettext(msgid) == msgid)
    assert untranslated == []


def test_axes_stays_english_in_english(staff_client: Client) -> None:
    staff_client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})

    page = staff_client.get("/admin/").content.decode()

    assert "Login security" in page
    assert ">Access attempts</a>" in page
