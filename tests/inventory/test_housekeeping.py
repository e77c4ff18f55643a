"""Issue 13 item 8: the nightly housekeeping removes only what is past its retention, and says so."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from inventory.models import ImportJob, MaintenanceRun, Reminder
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def job(user: object, status: str, days_ago: int) -> ImportJob:
    made = ImportJob.objects.create(
        user=user, kind=ImportJob.Kind.HEADCOUNTS, filename="f.csv", data=b"x", status=status
    )
    ImportJob.objects.filter(pk=made.pk).update(created_at=timezone.now() - dt.timedelta(days=days_ago))
    return made


def test_housekeeping_removes_what_is_past_retention_and_keeps_the_rest() -> None:
    user = UserFactory()
    old_done, recent_done = job(user, ImportJob.Status.DONE, 800), job(user, ImportJob.Status.DONE, 10)
    stuck_old = job(user, ImportJob.Status.RUNNING, 800)  # the sweep decides about unfinished jobs, not this
    expired, live = SessionStore(), SessionStore()
    expired.set_expiry(-10)
    expired.create()
    live.create()
    organisation = OrganisationFactory()
    today = timezone.now().date()
    Reminder.objects.create(organisation=organisation, year=2020, sent_on=today - dt.timedelta(days=800))
    Reminder.objects.create(organisation=organisation, year=2024, sent_on=today)
    for model in (AccessLog, AccessFailureLog):
        old = model.objects.create(username="x", ip_address="10.0.0.1", user_agent="t", path_info="/accounts/login/")
        model.objects.filter(pk=old.pk).update(attempt_time=timezone.now() - dt.timedelta(days=100))
        model.objects.create(username="y", ip_address="10.0.0.2", user_agent="t", path_info="/accounts/login/")

    out = StringIO()
    call_command("housekeeping", stdout=out)

    assert set(ImportJob.objects.values_list("pk", flat=True)) == {recent_done.pk, stuck_old.pk}
    assert bytes(ImportJob.objects.get(pk=recent_done.pk).data) == b"x"  # 10 days: within IMPORT_RETENTION_DAYS
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    assert list(Reminder.objects.values_list("year", flat=True)) == [2024]
    assert list(AccessLog.objects.values_list("username", flat=True)) == ["y"]
    assert list(AccessFailureLog.objects.values_list("username", flat=True)) == ["y"]
    assert out.getvalue().strip() == (
        "verwijderd: verlopen sessies 1; afgeronde imports 1; importbestanden 0; herinneringen 1; aanmeldgegevens 2"
    )
    run = MaintenanceRun.objects.get(kind=MaintenanceRun.Kind.HOUSEKEEPING)
    assert run.ok is True
    assert run.detail == "sessions: 1, import_jobs: 1, import_files: 0, reminders: 1, login_records: 2"
    assert old_done.pk not in set(ImportJob.objects.values_list("pk", flat=True))


def test_housekeeping_runs_nightly_on_its_own_queue() -> None:
    from django.conf import settings

    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["housekeeping"]
    assert entry["task"] == "inventory.tasks.housekeeping"
    assert entry["schedule"].hour == {3}
    assert app.amqp.router.route({}, "inventory.tasks.housekeeping")["queue"].name == "housekeeping"
