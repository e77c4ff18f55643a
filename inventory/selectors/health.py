"""What the operations page shows (README, "Production"): workers, queues, recomputes, imports, backups."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import redis
from django.db.models import Count, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.models import AggregateDirtyKey, AggregateYear, ImportJob, MaintenanceRun
from inventory.selectors.operations import last_maintenance_runs
from inventory.services.workers import (
    BEAT_MAX_AGE,
    QueueState,
    WorkerBeat,
    beat_seen,
    queue_label,
    queue_states,
    worker_beats,
)

logger = logging.getLogger(__name__)

# Failed imports stay on the page this long.
FAILED_IMPORTS_DAYS = 7


@dataclass(frozen=True)
class YearRecompute:
    year: int
    computed_at: dt.datetime | None
    runs: int
    pending_since: dt.datetime | None
    pending_keys: int


@dataclass(frozen=True)
class Operations:
    redis_ok: bool
    workers: list[WorkerBeat] = field(default_factory=list)
    queues: list[QueueState] = field(default_factory=list)
    years: list[YearRecompute] = field(default_factory=list)
    imports_active: list[ImportJob] = field(default_factory=list)
    imports_failed: list[ImportJob] = field(default_factory=list)
    # The latest backup, restore check and housekeeping run (None: never ran).
    maintenance: dict[str, MaintenanceRun | None] = field(default_factory=dict)
    # When the latest restore check was of another file than the latest backup (a test, an old file): the latest
    # check of that backup (None: it was not checked).
    backup_check_differs: bool = False
    backup_check: MaintenanceRun | None = None
    # When celery beat last queued a task (None: not in the last day, or Redis away).
    beat_seen_at: dt.datetime | None = None

    @property
    def workers_alive(self) -> int:
        return sum(1 for worker in self.workers if worker.alive)

    @property
    def maintenance_rows(self) -> list[tuple[str, str, MaintenanceRun | None]]:
        """(kind, its name, its latest run) in the order of MaintenanceRun.Kind; the restore check of the latest
        backup right after the backup, and a later check of another file (a test) after it, so that a failed test
        of some file never reads as the latest backup's result."""
        rows = []
        for kind, label in MaintenanceRun.Kind.choices:
            run = self.maintenance.get(kind)
            if kind == MaintenanceRun.Kind.RESTORE_CHECK and self.backup_check_differs:
                rows.append((kind, str(_("hersteltest van die back-up")), self.backup_check))
                rows.append((kind, str(_("hersteltest van een ander bestand")), run))
                continue
            rows.append((kind, str(label), run))
        return rows

    @property
    def stalled_queues(self) -> list[str]:
        """Queues with tasks waiting and no live worker to take them."""
        return [queue_label(queue.name) for queue in self.queues if queue.workers == 0 and queue.length]

    @property
    def idle_unserved_queues(self) -> list[str]:
        """Queues without a live worker where nothing waits yet."""
        return [queue_label(queue.name) for queue in self.queues if queue.workers == 0 and not queue.length]

    @property
    def beat_alive(self) -> bool:
        return self.beat_seen_at is not None and (timezone.now() - self.beat_seen_at).total_seconds() <= BEAT_MAX_AGE


def recomputes_per_year() -> list[YearRecompute]:
    states = {state.year: state for state in AggregateYear.objects.all()}
    marks = {
        mark["year"]: mark
        for mark in AggregateDirtyKey.objects.values("year").annotate(since=Min("created_at"), keys=Count("id"))
    }
    return [
        YearRecompute(
            year=year,
            computed_at=states[year].computed_at if year in states else None,
            runs=states[year].runs if year in states else 0,
            pending_since=marks[year]["since"] if year in marks else None,
            pending_keys=marks[year]["keys"] if year in marks else 0,
        )
        for year in sorted(set(states) | set(marks), reverse=True)
    ]


def operations_overview() -> Operations:
    """One read of everything the page shows; Redis being away is shown, not raised."""
    try:
        beats = worker_beats()
        queues = queue_states(beats)
        beat_at = beat_seen()
        redis_ok = True
    except redis.RedisError as error:
        logger.warning("operations page: Redis unavailable: %s", error)
        beats, queues, beat_at, redis_ok = [], [], None, False
    jobs = ImportJob.objects.select_related("user").defer("data", "result").order_by("-created_at")
    since = timezone.now() - dt.timedelta(days=FAILED_IMPORTS_DAYS)
    maintenance = last_maintenance_runs()
    backup, check = maintenance.get(MaintenanceRun.Kind.BACKUP), maintenance.get(MaintenanceRun.Kind.RESTORE_CHECK)
    backup_check, differs = None, False
    if backup is not None and backup.file_name and check is not None and check.file_name != backup.file_name:
        differs = True
        backup_check = (
            MaintenanceRun.objects.filter(kind=MaintenanceRun.Kind.RESTORE_CHECK, file_name=backup.file_name)
            .order_by("-started_at", "-pk")
            .first()
        )
    return Operations(
        redis_ok=redis_ok,
        workers=beats,
        queues=queues,
        years=recomputes_per_year(),
        imports_active=list(jobs.filter(status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING])[:50]),
        imports_failed=list(jobs.filter(status=ImportJob.Status.FAILED, created_at__gte=since)[:50]),
        maintenance=maintenance,
        backup_check=backup_check,
        backup_check_differs=differs,
        beat_seen_at=beat_at,
    )
