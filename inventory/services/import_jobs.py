"""Uploads as jobs: a dry run first, the import after confirmation; small files in the request, files over
IMPORT_ASYNC_ROWS rows in a Celery task whose progress the page polls (in Redis, because the import's own
transaction hides its writes until the end)."""

from __future__ import annotations

import contextlib
import io
import logging
import zipfile
from dataclasses import asdict
from typing import Any, cast
from uuid import UUID

import redis
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from inventory.access import UPLOADERS_ONLY, import_kinds_for, import_organisations_for
from inventory.models import ImportJob
from inventory.services import imports
from inventory.services.aggregation import redis_client

logger = logging.getLogger(__name__)
PROGRESS_KEY = "inventaris:import:{id}:progress"
PROGRESS_TTL_SECONDS = 3600


def count_rows(data: bytes, filename: str) -> int:
    """A cheap upper bound of the data rows, to choose between the request and a task; the import itself
    checks the file properly."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                # The sheet XML grows with its rows; a row of five cells takes ~100 bytes compressed or not.
                sizes = [i.file_size for i in archive.infolist() if i.filename.startswith("xl/worksheets/")]
            return max(sizes, default=0) // 100
        except zipfile.BadZipFile:
            return 0
    return max(data.count(b"\n") - 1, 0)


def import_job_create(*, user: User, kind: str, filename: str, data: bytes, dry_run: bool) -> ImportJob:
    if kind not in import_kinds_for(user):
        raise PermissionDenied(str(UPLOADERS_ONLY))
    job = ImportJob.objects.create(
        user=user, kind=kind, filename=filename, data=data, dry_run=dry_run, rows=count_rows(data, filename)
    )
    if job.rows > settings.IMPORT_ASYNC_ROWS:
        from inventory.tasks import run_import_job

        transaction.on_commit(lambda: run_import_job.delay(str(job.pk)))
    else:
        import_job_run(job_id=job.pk)
        job.refresh_from_db()
    return job


def import_job_confirm(*, job: ImportJob) -> ImportJob:
    """The import itself, from the file that passed its dry run."""
    return import_job_create(user=job.user, kind=job.kind, filename=job.filename, data=bytes(job.data), dry_run=False)


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


def import_job_run(*, job_id: UUID | str) -> None:
    """Run a job once (a redelivered task finds it no longer queued and does nothing)."""
    updated = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING
    )
    if not updated:
        return
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    common: dict[str, Any] = {
        "data": bytes(job.data),
        "filename": job.filename,
        "dry_run": job.dry_run,
        "progress": lambda done, total: _set_progress(job.pk, done, total),
    }
    try:
        if job.kind == ImportJob.Kind.ORGANISATIONS:
            report = imports.organisations_import(**common)
        else:
            report = imports.headcounts_import(
                **common, user=job.user, organisations=import_organisations_for(job.user)
            )
        status, result = ImportJob.Status.DONE, asdict(report) | {"ok": report.ok}
    except Exception:
        logger.exception("Import %s mislukt", job.pk)
        status, result = ImportJob.Status.FAILED, None
    ImportJob.objects.filter(pk=job.pk).update(status=status, result=result, finished_at=timezone.now())
