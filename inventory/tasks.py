"""Celery tasks: thin adapters that take ids and call a service (each has a management command too)."""

from typing import Any

from celery import shared_task
from celery.exceptions import TimeLimitExceeded
from celery.signals import task_failure

from inventory.services.aggregation import aggregates_recompute, aggregates_sweep, clear_queued
from inventory.services.backups import backups_nightly
from inventory.services.completeness import reminders_send
from inventory.services.housekeeping import housekeeping_run
from inventory.services.import_jobs import import_files_purge, import_job_interrupted, import_job_run, import_jobs_sweep
from inventory.services.notifications import submission_notify


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def recompute_aggregates(year: int) -> None:
    clear_queued(year)
    aggregates_recompute(year=year)


@shared_task(ignore_result=True)
def sweep_aggregates() -> None:
    aggregates_sweep()


# Not redelivered when its process dies: a file that kills a worker would kill the next one too. The time limits
# come with each message (services.import_jobs).
@shared_task(acks_late=True, reject_on_worker_lost=False, ignore_result=True)
def run_import_job(job_id: str) -> None:
    import_job_run(job_id=job_id)


@task_failure.connect
def import_job_failed(
    sender: Any = None, exception: BaseException | None = None, args: Any = None, **kwargs: Any
) -> None:
    """The worker's report of a task that failed outside its own code: past the hard time limit, or its process
    died (memory, SIGKILL). Sent in the worker's main process."""
    if getattr(sender, "name", None) != run_import_job.name:
        return
    job_id = (args or [None])[0] or (kwargs.get("kwargs") or {}).get("job_id")
    if job_id:
        import_job_interrupted(job_id=job_id, timed_out=isinstance(exception, TimeLimitExceeded))


@shared_task(ignore_result=True)
def sweep_import_jobs() -> None:
    import_jobs_sweep()


@shared_task(ignore_result=True)
def purge_import_files() -> None:
    import_files_purge()


@shared_task(acks_late=True, ignore_result=True)
def notify_submission(submission_id: int, event: str | None = None) -> None:
    submission_notify(submission_id=submission_id, event=event)


@shared_task(ignore_result=True)
def send_reminders(year: int, organisation_ids: list[int] | None = None) -> None:
    reminders_send(year=year, organisation_ids=organisation_ids)


@shared_task(ignore_result=True)
def housekeeping() -> None:
    housekeeping_run()


# Acknowledged on arrival, not at the end: a backup that outlasts the broker's visibility timeout (600 s) is never
# handed to a second worker; one lost with its worker waits for the next night. The advisory lock in
# backups_nightly keeps two beats from running two at once.
# Not under the general TASK_TIME_LIMIT: a large database takes longer than 6 minutes to dump and check.
@shared_task(acks_late=False, ignore_result=True, soft_time_limit=3 * 3600, time_limit=3 * 3600 + 300)
def nightly_backup() -> None:
    backups_nightly()
