"""Celery tasks: thin adapters that take ids and call a service (each has a management command too)."""

from celery import shared_task

from inventory.services.aggregation import aggregates_recompute, aggregates_sweep, clear_queued
from inventory.services.completeness import reminders_send
from inventory.services.import_jobs import import_job_run
from inventory.services.notifications import submission_notify


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def recompute_aggregates(year: int) -> None:
    clear_queued(year)
    aggregates_recompute(year=year)


@shared_task(ignore_result=True)
def sweep_aggregates() -> None:
    aggregates_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_import_job(job_id: str) -> None:
    import_job_run(job_id=job_id)


@shared_task(acks_late=True, ignore_result=True)
def notify_submission(submission_id: int, event: str | None = None) -> None:
    submission_notify(submission_id=submission_id, event=event)


@shared_task(ignore_result=True)
def send_reminders(year: int) -> None:
    reminders_send(year=year)
