"""Account hygiene: a deactivated person keeps no session, API key or invitation; unused accounts get two
reminders and are deactivated, unless they log in in between."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.hygiene import user_deactivate, users_inactive_sweep
from accounts.models import ApiToken, Invitation, User
from accounts.tokens import api_token_create
from inventory.models import Organisation
from tests.conftest import logged_in
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.test_admin_users import change_post

pytestmark = pytest.mark.django_db


def sessions_of(user: User) -> int:
    return sum(1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk))


@pytest.fixture
def person(organisation_a: Organisation) -> User:
    user = UserFactory(username="persoon", email="persoon@example.be")
    api_token_create(user=user, name="script")
    return user


def test_deactivating_ends_the_sessions_deletes_the_api_keys_and_revokes_invitations_to_the_address(
    person: User, organisation_a: Organisation
) -> None:
    client, other = logged_in(person), logged_in(UserFactory())
    assert client.get("/").status_code == 200
    to_them = Invitation.objects.create(email="persoon@example.be", organisation=organisation_a, role="editor")
    by_them = Invitation.objects.create(
        email="collega@example.be", organisation=organisation_a, role="editor", invited_by=person
    )

    result = user_deactivate(user=person, reason="vertrokken")

    assert (result.sessions, result.api_tokens, result.invitations) == (1, 1, 1)
    assert sessions_of(person) == 0
    assert not ApiToken.objects.filter(user=person).exists()
    to_them.refresh_from_db()
    by_them.refresh_from_db()
    assert to_them.revoked_at is not None
    assert by_them.revoked_at is None  # sent for the organisation: the colleague still gets in
    # Even made active again, the old session is gone: the next request goes to the login page.
    User.objects.filter(pk=person.pk).update(is_active=True)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert other.get("/").status_code == 200


def test_unticking_active_in_the_admin_deactivates_through_the_service(staff_client: Client, person: User) -> None:
    client = logged_in(person)
    url = reverse("admin:accounts_user_change", args=[person.pk])
    data = change_post(person)
    del data["is_active"]

    response = staff_client.post(url, data)

    assert response.status_code == 302
    person.refresh_from_db()
    assert not person.is_active
    assert sessions_of(person) == 0
    assert not ApiToken.objects.filter(user=person).exists()
    assert client.get("/").status_code == 302


def test_ticking_active_again_in_the_admin_starts_the_warnings_over(staff_client: Client, person: User) -> None:
    User.objects.filter(pk=person.pk).update(
        is_active=False, inactivity_reminders=2, inactivity_reminded_at=timezone.now()
    )
    person.refresh_from_db()

    staff_client.post(reverse("admin:accounts_user_change", args=[person.pk]), change_post(person))

    person.refresh_from_db()
    assert (person.is_active, person.inactivity_reminders, person.inactivity_reminded_at) == (True, 0, None)


# --- the inactivity sweep ------------------------------------------------------------------------------------


@pytest.fixture
def dormant() -> User:
    """Made 400 days ago, never logged in: past ACCOUNT_INACTIVE_DAYS (365) already."""
    return UserFactory(username="slaper", email="slaper@example.be", date_joined=timezone.now() - dt.timedelta(400))


def sweep(day: int) -> tuple[list[str], list[str], list[str]]:
    result = users_inactive_sweep(now=timezone.now() + dt.timedelta(days=day))
    return result.first_reminders, result.second_reminders, result.deactivated


def test_an_unused_account_gets_two_reminders_a_week_apart_at_least_then_is_deactivated(dormant: User) -> None:
    assert settings.ACCOUNT_INACTIVE_DAYS == 365
    assert sweep(0) == (["slaper"], [], [])
    assert mail.outbox[0].to == ["slaper@example.be"]
    assert "gedeactiveerd" in mail.outbox[0].subject
    assert sweep(1) == ([], [], [])  # long past its date, but the second reminder waits
    assert sweep(23) == ([], ["slaper"], [])
    assert sweep(29) == ([], [], [])
    assert len(mail.outbox) == 2
    assert sweep(30) == ([], [], ["slaper"])

    dormant.refresh_from_db()
    assert not dormant.is_active
    assert sweep(31) == ([], [], [])


def test_the_reminders_come_30_and_7_days_before_the_date(db: None) -> None:
    user = UserFactory(username="recent", last_login=timezone.now() - dt.timedelta(days=300))
    assert sweep(34) == ([], [], [])
    assert sweep(35) == (["recent"], [], [])  # 365 - 30 days after the last login
    assert sweep(57) == ([], [], [])
    assert sweep(58) == ([], ["recent"], [])  # 365 - 7
    assert sweep(64) == ([], [], [])
    assert sweep(65) == ([], [], ["recent"])
    user.refresh_from_db()
    assert user.inactivity_reminders == 2


def test_a_login_between_the_reminders_starts_over(dormant: User) -> None:
    assert sweep(0) == (["slaper"], [], [])

    response = Client().post(reverse("login"), {"username": "slaper", "password": PASSWORD})
    assert response.status_code == 302

    dormant.refresh_from_db()
    assert (dormant.inactivity_reminders, dormant.inactivity_reminded_at) == (0, None)
    assert sweep(23) == ([], [], [])
    assert sweep(30) == ([], [], [])
    dormant.refresh_from_db()
    assert dormant.is_active


def test_staff_are_swept_superusers_are_not(db: None) -> None:
    long_ago = timezone.now() - dt.timedelta(days=400)
    UserFactory(username="medewerker", is_staff=True, date_joined=long_ago)
    UserFactory(username="eigenaar", is_staff=True, is_superuser=True, date_joined=long_ago)

    assert sweep(0) == (["medewerker"], [], [])


def test_the_command_runs_the_sweep_and_its_dry_run_changes_nothing(dormant: User) -> None:
    out = StringIO()
    call_command("deactivate_inactive", "--dry-run", stdout=out)
    assert "eerste herinnering: 1 (slaper)" in out.getvalue()
    dormant.refresh_from_db()
    assert dormant.inactivity_reminders == 0
    assert mail.outbox == []

    call_command("deactivate_inactive", stdout=StringIO())
    dormant.refresh_from_db()
    assert dormant.inactivity_reminders == 1
    assert len(mail.outbox) == 1


def test_the_sweep_runs_daily_on_the_housekeeping_queue() -> None:
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["deactivate-inactive-accounts"]
    assert entry["task"] == "accounts.tasks.deactivate_inactive_accounts"
    assert entry["schedule"].hour == {3}
    assert entry["options"]["expires"] == 12 * 3600
    assert app.amqp.router.route({}, entry["task"])["queue"].name == "housekeeping"


def test_the_members_page_shows_the_last_login(staff_client: Client, organisation_a: Organisation) -> None:
    MembershipFactory(organisation=organisation_a, user__last_login=None)
    page = staff_client.get(reverse("members", args=[organisation_a.pk])).content.decode()
    assert "Laatst aangemeld" in page
    assert "nog nooit" in page
