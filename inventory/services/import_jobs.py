"""Uploads as jobs: a dry run first, the import after confirmation, both read in the Celery task run_import_job and
never in a web process; the page polls the job (progress in Redis, because the import's own transaction hides its
writes until the end).

A job always ends: done with its report, or failed with a reason (`ImportJob.Failure`) the page explains. The
task's soft time limit stops an import that takes too long (IMPORT_SOFT_TIME_LIMIT); past the hard limit, or when
the worker's process dies (memory, SIGKILL), the worker reports the task failed and `import_job_interrupted`
marks the job; what no worker reports any more (a worker lost with its machine, a message that never arrived) the
beat task's `import_jobs_sweep` marks. Files are dropped after IMPORT_RETENTION_DAYS, refused ones after
IMPORT_REFUSED_RETENTION_DAYS (`import_files_purge`); the reports stay.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import asdict
from datetime import timedelta
from typing import Any, cast
from uuid import UUID

import redis
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from inventory.access import UPLOADERS_ONLY, import_kinds_for, import_organisations_for, is_staff_member
from inventory.models import ImportJob, ImportProfile
from inventory.services import imports
from inventory.services.aggregation import redis_client
from inventory.services.imports.headcounts import outdated_message, submission_versions
from inventory.services.imports.report import ImportReport
from inventory.services.imports.supplier import PublishedTotal, supplier_import

logger = logging.getLogger(__name__)
PROGRESS_KEY = "inventaris:import:{id}:progress"
PROGRESS_TTL_SECONDS = 3600
# After the hard time limit, how long the sweep waits for the worker's own report before it calls a job lost.
SWEEP_GRACE_SECONDS = 60
UNFINISHED = (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)


class ImportJobRefused(Exception):
    """A confirmation that cannot go ahead, with the reason for the user; `job`: the import that was made already."""

    def __init__(self, message: str, *, job: ImportJob | None = None) -> None:
        super().__init__(message)
        self.message, self.job = message, job


# --- starting a job ------------------------------------------------------------------------------------------


def import_job_create(
    *,
    user: User,
    kind: str,
    filename: str,
    data: bytes,
    dry_run: bool = True,
    invite_contacts: bool = False,
    profile: ImportProfile | None = None,
    published_totals: Sequence[PublishedTotal] = (),
    layout: dict[str, Any] | None = None,
    validate: bool = False,
) -> ImportJob:
    """A dry run of an uploaded file, queued for the worker once the transaction commits. `invite_contacts`
    (organisation files): the import invites each organisation's e-mail address as its contact. Supplier files:
    `profile` (required) is read with its layout as it is now (or `layout`: an earlier job's copy), compared with
    `published_totals`. `validate` (staff, headcount and supplier files): the import validates the file's
    submissions afterwards, so that its figures count at once."""
    if kind not in import_kinds_for(user):
        raise PermissionDenied(str(UPLOADERS_ONLY))
    supplier = kind == ImportJob.Kind.SUPPLIER
    if supplier and profile is None:
        raise ImportJobRefused(_("Kies het importprofiel van de leverancier."))
    job = ImportJob.objects.create(
        user=user,
        kind=kind,
        filename=filename,
        data=data,
        dry_run=dry_run,
        invite_contacts=invite_contacts and kind == ImportJob.Kind.ORGANISATIONS,
        language=translation.get_language() or "",
        profile=profile if supplier else None,
        layout=(layout or profile.layout) if supplier and profile is not None else None,
        published_totals=[asdict(total) for total in published_totals] if supplier else None,
        validate=validate and is_staff_member(user) and kind in (ImportJob.Kind.HEADCOUNTS, ImportJob.Kind.SUPPLIER),
    )
    _queue(job.pk)
    return job


def import_job_again(*, job: ImportJob, user: User) -> ImportJob:
    """A new dry run of a job's file (after a confirmation found the figures changed), the uploader's again."""
    job = ImportJob.objects.get(pk=job.pk)
    if job.kind not in import_kinds_for(user):
        raise PermissionDenied(str(UPLOADERS_ONLY))
    if job.data_deleted_at is not None:
        raise ImportJobRefused(file_deleted_message())
    return import_job_create(
        user=job.user,
        kind=job.kind,
        filename=job.filename,
        data=bytes(job.data),
        invite_contacts=job.invite_contacts,
        profile=job.profile,
        published_totals=job_published_totals(job),
        layout=job.layout,
        validate=job.validate,
    )


def job_published_totals(job: ImportJob) -> list[PublishedTotal]:
    return [PublishedTotal(**total) for total in job.published_totals or []]


@transaction.atomic
def import_job_confirm(*, job: ImportJob, user: User, accept_differences: bool = False) -> ImportJob:
    """The import of a dry run's file, at most once (the dry run's row is locked, and a constraint allows one
    confirmation), and only while the file's submissions are as the dry run saw them. The import runs with the
    uploader's rules in the name of `user` (the audit trail names who confirmed). A supplier file whose dry run
    found differences against the supplier's totals needs `accept_differences` (recorded on the job and in the
    audit trail's context)."""
    dry_run = ImportJob.objects.select_for_update().get(pk=job.pk)
    if dry_run.kind not in import_kinds_for(user):
        raise PermissionDenied(str(UPLOADERS_ONLY))
    done = ImportJob.objects.filter(source_job=dry_run).select_related("confirmed_by").first()
    if done is not None:
        raise ImportJobRefused(already_imported_message(done), job=done)
    if not (dry_run.dry_run and dry_run.status == ImportJob.Status.DONE and (dry_run.result or {}).get("ok")):
        raise PermissionDenied(_("Enkel een geslaagde proefdraai kan bevestigd worden."))
    if dry_run.data_deleted_at is not None:
        raise ImportJobRefused(file_deleted_message())
    if import_job_outdated(dry_run):
        raise ImportJobRefused(outdated_message())
    supplier = (dry_run.result or {}).get("supplier") or {}
    if dry_run.kind == ImportJob.Kind.SUPPLIER:
        if dry_run.profile is None:
            raise ImportJobRefused(_("Het importprofiel van deze proefdraai bestaat niet meer; kies een ander."))
        if supplier.get("differences") and not accept_differences:
            raise ImportJobRefused(
                _(
                    "De proefdraai vond verschillen met de totalen van de leverancier; vink aan dat u ze aanvaardt, "
                    "of laat de leverancier het bestand verbeteren."
                )
            )
    confirmed = ImportJob.objects.create(
        user=dry_run.user,
        kind=dry_run.kind,
        filename=dry_run.filename,
        data=dry_run.data,
        dry_run=False,
        source_job=dry_run,
        confirmed_by=user,
        versions=dry_run.versions,
        invite_contacts=dry_run.invite_contacts,
        language=translation.get_language() or "",
        profile=dry_run.profile,
        layout=dry_run.layout,
        published_totals=dry_run.published_totals,
        differences_accepted=bool(supplier.get("differences")) and accept_differences,
        validate=dry_run.validate,
    )
    _queue(confirmed.pk)
    return confirmed


def import_job_outdated(job: ImportJob) -> bool:
    """Whether a dry run's submissions changed since it read them (the import itself checks again, locked)."""
    if not job.versions:
        return False
    return submission_versions(job.versions) != dict(job.versions)


def _queue(job_id: UUID) -> None:
    def send() -> None:
        from inventory.tasks import run_import_job

        try:
            # The limits go with the message, so that they are the ones set where the job was made.
            run_import_job.apply_async(
                args=[str(job_id)],
                soft_time_limit=settings.IMPORT_SOFT_TIME_LIMIT,
                time_limit=settings.IMPORT_TIME_LIMIT,
                retry=False,
            )
        except Exception:
            logger.exception("Import %s niet in de wachtrij gezet", job_id)
            _fail(job_id, ImportJob.Failure.NOT_STARTED)

    transaction.on_commit(send, robust=True)


# --- running it (in the worker) ------------------------------------------------------------------------------


def import_job_run(*, job_id: UUID | str) -> None:
    """Run a job once: a redelivered task finds it no longer queued and does nothing (the sweep ends a job whose
    worker was lost)."""
    updated = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
    )
    if not updated:
        return
    job = ImportJob.objects.select_related("user", "confirmed_by", "profile__organisation").get(pk=job_id)
    report: ImportReport | None = None
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            report = _run(job)
    except SoftTimeLimitExceeded:
        if report is None:  # else the import had finished: its report stands
            logger.warning("Import %s duurde te lang", job.pk)
            _fail(job.pk, ImportJob.Failure.TIMEOUT)
            return
    except Exception:
        logger.exception("Import %s mislukt", job.pk)
        _fail(job.pk, ImportJob.Failure.ERROR)
        return
    result: dict[str, Any] = asdict(report) | {"ok": report.ok}
    versions = result.pop("versions")
    _finish(
        job.pk,
        status=ImportJob.Status.DONE,
        result=result,
        rows=report.rows,
        **({"versions": versions} if job.dry_run else {}),
    )


def _run(job: ImportJob) -> ImportReport:
    common: dict[str, Any] = {
        "data": bytes(job.data),
        "filename": job.filename,
        "dry_run": job.dry_run,
        "progress": lambda done, total: _set_progress(job.pk, done, total),
    }
    # Invitations go out in the name of whoever confirmed (a dry run's: its uploader's, for the rights it checks).
    actor = job.confirmed_by or job.user
    if job.kind == ImportJob.Kind.ORGANISATIONS:
        return imports.organisations_import(**common, invite_contacts=job.invite_contacts, actor=actor)
    if job.kind == ImportJob.Kind.INVITATIONS:
        return imports.invitations_import(**common, actor=actor)
    if job.kind == ImportJob.Kind.SUPPLIER:
        if job.profile is None:
            raise ImportJobRefused(_("Het importprofiel bestaat niet meer."))
        return supplier_import(
            **common,
            profile=job.profile,
            layout=job.layout,
            user=job.user,
            published_totals=job_published_totals(job),
            accept_differences=job.differences_accepted,
            expected_versions=None if job.dry_run else (job.versions or {}),
            acting_user=job.confirmed_by,
            validate=job.validate and not job.dry_run,
        )
    return imports.headcounts_import(
        **common,
        user=job.user,
        organisations=import_organisations_for(job.user),
        expected_versions=None if job.dry_run else (job.versions or {}),
        acting_user=job.confirmed_by,
        validate=job.validate and not job.dry_run,
    )


def _finish(job_id: UUID, **fields: Any) -> None:
    """End a job that is still unfinished. After a time limit the connection may be broken mid-query: a second
    try on a fresh connection."""
    for attempt in (1, 2):
        try:
            ImportJob.objects.filter(pk=job_id, status__in=UNFINISHED).update(finished_at=timezone.now(), **fields)
            return
        except DatabaseError:
            if attempt == 2:
                raise
            connection.close()


def _fail(job_id: UUID, failure: ImportJob.Failure) -> None:
    _finish(job_id, status=ImportJob.Status.FAILED, failure=failure, result=None)


def import_job_interrupted(*, job_id: UUID | str, timed_out: bool) -> None:
    """The worker reports the task failed outside it: past its hard time limit, or its process died."""
    logger.warning("Import %s onderbroken (%s)", job_id, "tijdslimiet" if timed_out else "proces gestopt")
    _fail(UUID(str(job_id)), ImportJob.Failure.TIMEOUT if timed_out else ImportJob.Failure.LOST)


def import_jobs_sweep(*, now: Any = None) -> int:
    """Fail the jobs no worker will finish: running past the hard time limit (plus a grace), or queued longer than
    IMPORT_QUEUE_TIMEOUT. Returns how many."""
    now = now or timezone.now()
    lost = now - timedelta(seconds=settings.IMPORT_TIME_LIMIT + SWEEP_GRACE_SECONDS)
    stuck = ImportJob.objects.filter(status=ImportJob.Status.RUNNING).filter(
        Q(started_at__lt=lost) | Q(started_at__isnull=True, created_at__lt=lost)  # jobs from before started_at
    )
    failed = stuck.update(status=ImportJob.Status.FAILED, failure=ImportJob.Failure.STUCK, finished_at=now)
    waiting = ImportJob.objects.filter(
        status=ImportJob.Status.QUEUED, created_at__lt=now - timedelta(seconds=settings.IMPORT_QUEUE_TIMEOUT)
    )
    failed += waiting.update(status=ImportJob.Status.FAILED, failure=ImportJob.Failure.NOT_STARTED, finished_at=now)
    if failed:
        logger.warning("%s imports als mislukt gemarkeerd (geen werker meer)", failed)
    return failed


def import_files_purge(*, now: Any = None) -> int:
    """Drop the files of jobs older than IMPORT_RETENTION_DAYS, and of refused ones (errors, failed) older than
    IMPORT_REFUSED_RETENTION_DAYS; their reports stay. Returns how many files."""
    now = now or timezone.now()
    refused = Q(status=ImportJob.Status.FAILED) | Q(status=ImportJob.Status.DONE, result__ok=False)
    expired = Q(created_at__lt=now - timedelta(days=settings.IMPORT_RETENTION_DAYS)) | (
        refused & Q(finished_at__lt=now - timedelta(days=settings.IMPORT_REFUSED_RETENTION_DAYS))
    )
    jobs = ImportJob.objects.filter(expired, data_deleted_at__isnull=True).exclude(status__in=UNFINISHED)
    return jobs.update(data=b"", data_deleted_at=now)


# --- progress and what the page says -------------------------------------------------------------------------


def _set_progress(job_id: object, done: int, total: int) -> None:
    # Without Redis the page shows no percentage; the import goes on.
    with contextlib.suppress(redis.RedisError):
        redis_client().set(PROGRESS_KEY.format(id=job_id), f"{done}/{total}", ex=PROGRESS_TTL_SECONDS)


def import_job_progress(job: ImportJob) -> tuple[int, int] | None:
    try:
        value = redis_client().get(PROGRESS_KEY.format(id=job.pk))
    except redis.RedisError:
        return None
    if not value:
        return None
    done, total = cast(bytes, value).decode().split("/")  # the client does not decode: bytes
    return int(done), int(total)


def failure_message(job: ImportJob) -> str:
    """Why a job failed, in the active language; nothing was stored in every case."""
    if job.failure == ImportJob.Failure.TIMEOUT:
        return _(
            "Het verwerken duurde te lang (meer dan %(seconds)s seconden) en is gestopt; er is niets opgeslagen. "
            "Splits het bestand op of sla het op als CSV."
        ) % {"seconds": settings.IMPORT_SOFT_TIME_LIMIT}
    if job.failure == ImportJob.Failure.LOST:
        return _(
            "Het verwerken is onderbroken (het proces werd gestopt, bv. omdat het te veel geheugen gebruikte); er is "
            "niets opgeslagen. Splits het bestand op of probeer later opnieuw."
        )
    if job.failure == ImportJob.Failure.STUCK:
        return _(
            "Het verwerken is niet binnen %(seconds)s seconden afgerond (de verwerker is weggevallen); er is niets "
            "opgeslagen. Probeer opnieuw."
        ) % {"seconds": settings.IMPORT_TIME_LIMIT}
    if job.failure == ImportJob.Failure.NOT_STARTED:
        return _(
            "Het bestand kon niet verwerkt worden: de verwerker is niet bereikbaar. Er is niets opgeslagen; probeer "
            "later opnieuw."
        )
    return _("Het verwerken is onverwacht mislukt; er is niets opgeslagen. Probeer opnieuw of contacteer POM.")


def file_deleted_message() -> str:
    return _(
        "Het bestand van deze proefdraai is niet meer bewaard (bestanden worden na %(days)s dagen verwijderd); laad "
        "het opnieuw op."
    ) % {"days": settings.IMPORT_RETENTION_DAYS}


def already_imported_message(done: ImportJob) -> str:
    return _(
        "Deze proefdraai is al bevestigd (op %(when)s door %(user)s); het bestand wordt geen tweede keer ingelezen."
    ) % {
        "when": date_format(timezone.localtime(done.created_at), "SHORT_DATETIME_FORMAT"),
        "user": done.confirmed_by or _("een gebruiker die niet meer bestaat"),
    }
