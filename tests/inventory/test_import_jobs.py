"""Import jobs: read only by the worker, always ending (killed, over the time limit, lost: "mislukt" with a reason),
confirmed at most once and only while nothing changed since the dry run, in the name of whoever confirmed, and
their files dropped after the retention days."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from inventory.models import CollectionRound, Headcount, ImportJob, Measure, Organisation, Region, Submission
from inventory.selectors.history import submission_history
from inventory.services.import_jobs import (
    ImportJobRefused,
    import_files_purge,
    import_job_confirm,
    import_jobs_sweep,
)
from inventory.services.imports import headcounts_import
from inventory.services.reference import reference_load
from inventory.services.submissions import submission_save_figures
from inventory.tasks import purge_import_files, sweep_import_jobs
from tests.conftest import logged_in
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.inventory.conftest import WorkerProcess, job_when


@pytest.fixture
def people(transactional_db: None) -> dict[str, Any]:
    """An editor of a maatwerkbedrijf in Brugge whose 2019 round is open, and a staff member."""
    reference_load()
    organisation = OrganisationFactory(home_region=Region.objects.get(code="31005"), kind="maatwerkbedrijf")
    editor = UserFactory(username="invoerder")
    MembershipFactory(user=editor, organisation=organisation, role="editor")
    today = timezone.localdate()
    CollectionRound.objects.create(
        year=2019, opens_on=today - dt.timedelta(days=1), closes_on=today + dt.timedelta(days=9)
    )
    return {"organisation": organisation, "editor": editor, "staff": UserFactory(username="pom", is_staff=True)}


def headcount_file(organisation: Organisation, persons: int = 42) -> bytes:
    return f"jaar;organisatie;maatregel;regio;personen\n2019;{organisation.kbo};CMW-BED;31005;{persons}\n".encode()


def upload(client: Client, content: bytes, name: str = "tellingen.csv") -> str:
    response = client.post("/import/", {"kind": "headcounts", "file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.content.decode()
    return str(ImportJob.objects.filter(dry_run=True).latest("created_at").pk)


@contextlib.contextmanager
def locked(table: str) -> Iterator[None]:
    """`table` locked by another session: a job that reaches a query of it waits there, running."""
    dsn = {k: v for k, v in connection.get_connection_params().items() if k in ("dbname", "user", "host", "port")}
    with psycopg.connect(**dsn) as lock:
        lock.execute(f"lock table {table} in access exclusive mode")
        yield
        lock.rollback()


@pytest.fixture
def measures_locked(people: dict[str, Any]) -> Iterator[None]:
    with locked("inventory_measure"):
        yield


# --- every file in the worker ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_upload_request_only_queues_the_file_for_the_worker(editor_a_client: Client, organisation_a) -> None:
    reference_load()
    response = editor_a_client.post(
        "/import/", {"kind": "headcounts", "file": SimpleUploadedFile("t.csv", headcount_file(organisation_a))}
    )

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert (job.status, job.result, job.started_at) == ("queued", None, None)
    page = editor_a_client.get(response["Location"]).content.decode()
    assert "in de wachtrij" in page
    assert 'http-equiv="refresh"' in page


# --- jobs always end -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_job_whose_process_is_killed_mid_run_ends_failed_and_the_worker_reads_the_next_file(
    people: dict[str, Any], worker_process: WorkerProcess
) -> None:
    client = logged_in(people["editor"])
    with locked("inventory_measure"):
        killed = upload(client, headcount_file(people["organisation"]))
        job_when(killed, ImportJob.Status.RUNNING)

        worker_process.kill_child()  # as the kernel does to a process that takes too much memory

        job = job_when(killed)
    assert (job.status, job.failure) == ("failed", "lost")
    page = client.get(f"/import/{killed}/").content.decode()
    assert "Het verwerken is onderbroken (het proces werd gestopt, bv. omdat het te veel geheugen gebruikte)" in page
    assert 'http-equiv="refresh"' not in page
    assert "Nieuwe proefdraai met hetzelfde bestand" in page
    assert client.get(f"/import/{killed}/status/").json()["failure"] == "lost"
    assert not Headcount.objects.exists()
    following = upload(client, headcount_file(people["organisation"]))
    assert job_when(following).result["created"] == 1  # type: ignore[index]
    assert worker_process.process.poll() is None


@pytest.mark.slow
def test_a_job_over_its_time_limit_is_stopped_and_ends_failed(
    people: dict[str, Any], worker_process: WorkerProcess, measures_locked: None, settings: Any
) -> None:
    settings.IMPORT_SOFT_TIME_LIMIT, settings.IMPORT_TIME_LIMIT = 1, 3
    client = logged_in(people["editor"])

    pk = upload(client, headcount_file(people["organisation"]))

    job = job_when(pk, timeout=30)
    assert (job.status, job.failure) == ("failed", "timeout")
    assert job.finished_at is not None


def test_the_time_limit_message_names_the_limit(people: dict[str, Any], settings: Any) -> None:
    settings.IMPORT_SOFT_TIME_LIMIT = 300
    job = ImportJob.objects.create(
        user=people["editor"], kind="headcounts", filename="t.csv", data=b"", status="failed", failure="timeout"
    )

    page = logged_in(people["editor"]).get(f"/import/{job.pk}/").content.decode()

    assert "Het verwerken duurde te lang (meer dan 300 seconden) en is gestopt; er is niets opgeslagen." in page


@pytest.mark.slow
def test_a_job_whose_worker_is_lost_is_failed_by_the_sweep_after_the_time_limit(
    people: dict[str, Any], worker_process: WorkerProcess, measures_locked: None, settings: Any
) -> None:
    client = logged_in(people["editor"])
    pk = upload(client, headcount_file(people["organisation"]))
    started = job_when(pk, ImportJob.Status.RUNNING).started_at
    assert started is not None

    worker_process.kill_all()  # worker and child at once: nobody reports the task

    assert ImportJob.objects.get(pk=pk).status == "running"
    limit = dt.timedelta(seconds=settings.IMPORT_TIME_LIMIT + 60)
    assert import_jobs_sweep(now=started + limit - dt.timedelta(seconds=1)) == 0
    assert import_jobs_sweep(now=started + limit + dt.timedelta(seconds=1)) == 1
    job = ImportJob.objects.get(pk=pk)
    assert (job.status, job.failure) == ("failed", "stuck")


def test_the_beat_task_fails_jobs_stuck_running_or_queued_for_too_long(
    people: dict[str, Any], worker: None, settings: Any
) -> None:
    settings.IMPORT_TIME_LIMIT, settings.IMPORT_QUEUE_TIMEOUT = 10, 600
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    make = dict(user=people["editor"], kind="headcounts", filename="t.csv", data=b"x")
    running = ImportJob.objects.create(**make, status="running", started_at=hour_ago)
    queued = ImportJob.objects.create(**make, status="queued")
    ImportJob.objects.filter(pk=queued.pk).update(created_at=hour_ago)
    recent = ImportJob.objects.create(**make, status="running", started_at=timezone.now())
    before_started_at = ImportJob.objects.create(**make, status="running")  # a job left running by the old code
    ImportJob.objects.filter(pk=before_started_at.pk).update(created_at=hour_ago)

    sweep_import_jobs.delay()

    assert job_when(running.pk).failure == "stuck"
    assert job_when(queued.pk).failure == "not_started"
    assert job_when(before_started_at.pk).failure == "stuck"
    assert ImportJob.objects.get(pk=recent.pk).status == "running"
    page = logged_in(people["editor"]).get(f"/import/{queued.pk}/").content.decode()
    assert "de verwerker is niet bereikbaar" in page
    schedule = django_settings.CELERY_BEAT_SCHEDULE
    assert schedule["sweep-import-jobs"]["task"] == "inventory.tasks.sweep_import_jobs"


# --- confirmed at most once, while nothing changed, in the confirmer's name -------------------------------------


def test_a_dry_run_is_confirmed_once_and_a_second_confirm_imports_nothing(people: dict[str, Any], worker: None) -> None:
    client = logged_in(people["editor"])
    dry_run = upload(client, headcount_file(people["organisation"], 42))
    job_when(dry_run)
    first = client.post(f"/import/{dry_run}/confirm/")
    imported = ImportJob.objects.get(dry_run=False)
    assert first["Location"] == f"/import/{imported.pk}/"
    job_when(imported.pk)
    headcount = Headcount.objects.get()
    # The editor then changes the figure on the portal form.
    submission_save_figures(
        submission=headcount.submission,
        figures={(headcount.measure_id, headcount.region_id): (50, "")},
        version=headcount.submission.version,
        user=people["editor"],
    )

    second = client.post(f"/import/{dry_run}/confirm/", follow=True)

    assert second.redirect_chain == [(f"/import/{imported.pk}/", 302)]
    assert "Deze proefdraai is al bevestigd (op " in second.content.decode()
    assert "het bestand wordt geen tweede keer ingelezen." in second.content.decode()
    assert ImportJob.objects.filter(dry_run=False).count() == 1
    assert Headcount.objects.get().persons == 50
    page = client.get(f"/import/{dry_run}/").content.decode()
    assert "Importeren bevestigen" not in page
    assert "Bevestigd op " in page


def test_two_confirms_at_the_same_time_make_one_import(people: dict[str, Any], worker: None) -> None:
    dry_run = upload(logged_in(people["editor"]), headcount_file(people["organisation"]))
    job = job_when(dry_run)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def confirm() -> None:
        barrier.wait()
        try:
            import_job_confirm(job=job, user=people["editor"])
            outcomes.append("imported")
        except ImportJobRefused as refused:
            outcomes.append("refused" if refused.job is not None else refused.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["imported", "refused"]
    assert ImportJob.objects.filter(source_job=job).count() == 1


def test_a_confirm_after_the_figures_changed_asks_for_a_new_dry_run(people: dict[str, Any], worker: None) -> None:
    client = logged_in(people["editor"])
    organisation = people["organisation"]
    dry_run = upload(client, headcount_file(organisation, 42))
    job_when(dry_run)
    # Meanwhile the editor starts the 2019 form on the portal: a submission the dry run did not see.
    submission = Submission.objects.create(organisation=organisation, year=2019)
    measure, brugge = Measure.objects.get(code="CMW-BED"), Region.objects.get(code="31005")
    submission_save_figures(
        submission=submission,
        figures={(measure.pk, brugge.pk): (7, "")},
        version=submission.version,
        user=people["editor"],
    )

    response = client.post(f"/import/{dry_run}/confirm/", follow=True)

    assert response.redirect_chain == [(f"/import/{dry_run}/", 302)]
    page = response.content.decode()
    assert "De cijfers van dit bestand zijn gewijzigd sinds de proefdraai" in page
    assert "Importeren bevestigen" not in page
    assert not ImportJob.objects.filter(dry_run=False).exists()
    assert Headcount.objects.get().persons == 7

    again = client.post(f"/import/{dry_run}/again/")
    new_dry_run = ImportJob.objects.exclude(pk=dry_run).get(dry_run=True)
    assert again["Location"] == f"/import/{new_dry_run.pk}/"
    assert job_when(new_dry_run.pk).result["updated"] == 1  # type: ignore[index]
    client.post(f"/import/{new_dry_run.pk}/confirm/")
    job_when(ImportJob.objects.get(dry_run=False).pk)
    assert Headcount.objects.get().persons == 42


def test_the_import_itself_refuses_when_the_figures_changed_after_the_confirm(people: dict[str, Any]) -> None:
    organisation, editor = people["organisation"], people["editor"]
    data = headcount_file(organisation, 42)
    dry_run = headcounts_import(data=data, filename="t.csv", user=editor, dry_run=True)
    assert dry_run.versions == {f"{organisation.pk}:2019": None}
    Submission.objects.create(organisation=organisation, year=2019, version=3)

    report = headcounts_import(data=data, filename="t.csv", user=editor, expected_versions=dry_run.versions)

    assert [str(e) for e in report.errors] == [
        "De cijfers van dit bestand zijn gewijzigd sinds de proefdraai (of er is intussen een aangifte bijgekomen); "
        "er is niets ingelezen. Start een nieuwe proefdraai met dit bestand."
    ]
    assert not Headcount.objects.exists()
    assert headcounts_import(
        data=data, filename="t.csv", user=editor, expected_versions={f"{organisation.pk}:2019": 3}
    ).ok


def test_the_audit_trail_names_the_staff_member_who_confirmed_an_editors_upload(
    people: dict[str, Any], worker: None
) -> None:
    dry_run = upload(logged_in(people["editor"]), headcount_file(people["organisation"]))
    job_when(dry_run)

    logged_in(people["staff"]).post(f"/import/{dry_run}/confirm/")

    imported = job_when(ImportJob.objects.get(dry_run=False).pk)
    assert (imported.user, imported.confirmed_by) == (people["editor"], people["staff"])
    entry = submission_history(submission=Submission.objects.get())[0]
    assert (entry.user, entry.source) == ("pom", "import van tellingen.csv")
    headcount = Headcount.objects.get()
    context = headcount.events.get().pgh_context  # type: ignore[attr-defined]  # pghistory's event model
    assert context.metadata["user"] == people["staff"].pk
    assert context.metadata["uploaded_by"] == people["editor"].pk
    page = logged_in(people["editor"]).get(f"/import/{imported.pk}/").content.decode()
    assert "Opgeladen door invoerder, bevestigd door pom." in page


# --- files kept for a while ------------------------------------------------------------------------------------


def aged(job: ImportJob, days: float) -> ImportJob:
    then = timezone.now() - dt.timedelta(days=days)
    ImportJob.objects.filter(pk=job.pk).update(created_at=then, finished_at=then)
    return job


def test_files_are_dropped_after_the_retention_days_and_refused_files_sooner(
    people: dict[str, Any], settings: Any
) -> None:
    settings.IMPORT_RETENTION_DAYS, settings.IMPORT_REFUSED_RETENTION_DAYS = 30, 1
    make = dict(user=people["editor"], kind="headcounts", filename="t.csv", data=b"jaar;...", status="done")
    ok, errors = {"ok": True, "rows": 1, "errors": []}, {"ok": False, "rows": 1, "errors": [{"row": 2}]}
    kept = aged(ImportJob.objects.create(**make, result=ok), 29)
    old = aged(ImportJob.objects.create(**make, result=ok), 31)
    refused = aged(ImportJob.objects.create(**make, result=errors), 2)
    failed = aged(ImportJob.objects.create(**{**make, "status": "failed"}, failure="timeout"), 2)
    refused_today = aged(ImportJob.objects.create(**make, result=errors), 0.5)

    assert import_files_purge() == 3

    dropped = {job.pk for job in ImportJob.objects.filter(data_deleted_at__isnull=False)}
    assert dropped == {old.pk, refused.pk, failed.pk}
    assert {bytes(job.data) for job in ImportJob.objects.filter(pk__in=dropped)} == {b""}
    assert ImportJob.objects.get(pk=refused.pk).result == errors  # the report stays
    assert bytes(ImportJob.objects.get(pk=kept.pk).data) == bytes(ImportJob.objects.get(pk=refused_today.pk).data)
    assert import_files_purge() == 0


def test_the_hourly_task_drops_old_files_and_their_dry_run_can_no_longer_be_confirmed(
    people: dict[str, Any], worker: None
) -> None:
    client = logged_in(people["editor"])
    dry_run = upload(client, headcount_file(people["organisation"]))
    aged(job_when(dry_run), 31)

    purge_import_files.delay()

    deadline = time.monotonic() + 30
    while ImportJob.objects.get(pk=dry_run).data_deleted_at is None:
        assert time.monotonic() < deadline, "the file was not dropped"
        time.sleep(0.05)
    page = client.get(f"/import/{dry_run}/").content.decode()
    assert "Het bestand van deze proefdraai is niet meer bewaard (bestanden worden na 30 dagen verwijderd)" in page
    assert "Importeren bevestigen" not in page
    response = client.post(f"/import/{dry_run}/confirm/", follow=True)
    assert "niet meer bewaard" in response.content.decode()
    assert not ImportJob.objects.filter(dry_run=False).exists()
    assert django_settings.CELERY_BEAT_SCHEDULE["purge-import-files"]["task"] == "inventory.tasks.purge_import_files"


def test_the_default_limits_stop_a_task_before_the_broker_would_hand_it_to_another_worker() -> None:
    visibility = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert 0 < django_settings.IMPORT_SOFT_TIME_LIMIT < django_settings.IMPORT_TIME_LIMIT < visibility
    assert django_settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD == 512 * 1024


def test_the_command_does_what_both_beat_tasks_do(people: dict[str, Any]) -> None:
    make = dict(user=people["editor"], kind="headcounts", filename="t.csv", data=b"x")
    stuck = ImportJob.objects.create(**make, status="running", started_at=timezone.now() - dt.timedelta(hours=1))
    old = aged(ImportJob.objects.create(**make, status="done", result={"ok": True}), 31)
    out = io.StringIO()

    call_command("clean_import_jobs", stdout=out)

    assert out.getvalue() == "als mislukt gemarkeerd: 1; bestanden verwijderd: 1\n"
    assert ImportJob.objects.get(pk=stuck.pk).failure == "stuck"
    assert ImportJob.objects.get(pk=old.pk).data_deleted_at is not None


def test_the_worker_writes_the_report_in_the_uploaders_language(people: dict[str, Any], worker: None) -> None:
    client = logged_in(people["editor"])
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    content = f"jaar;organisatie;maatregel;regio;personen\n2019;{people['organisation'].kbo};CMW-BED;31005;-3\n"

    job = job_when(upload(client, content.encode()))

    assert job.language == "en"
    assert job.result["errors"][0]["message"].startswith("‘-3’ is not a valid number")  # type: ignore[index]
    page = client.get(f"/import/{job.pk}/").content.decode()
    assert "1 error: nothing has been saved." in page
