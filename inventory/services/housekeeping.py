"""Housekeeping (README, "Production"): what the site keeps only for a while, removed by the daily beat task
`housekeeping` (and `python manage.py housekeeping`). Each run is recorded as a MaintenanceRun.

- expired sessions (Django's own `clearsessions`);
- the files of finished import jobs past IMPORT_RETENTION_DAYS (refused ones past IMPORT_REFUSED_RETENTION_DAYS),
  as the hourly purge does, and the finished jobs themselves, with their reports, past IMPORT_JOB_RETENTION_DAYS;
- reminders sent more than REMINDER_RETENTION_DAYS ago (the completeness page shows the last one per
  organisation for the open rounds only);
- django-axes' login records (successful and failed logins) past LOGIN_LOG_RETENTION_DAYS; lockouts themselves
  expire after AXES_COOLOFF_MINUTES."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from inventory.models import ImportJob, MaintenanceRun, Reminder
from inventory.services.import_jobs import UNFINISHED, import_files_purge
from inventory.services.maintenance import MaintenanceRecord


def _sessions_clear() -> int:
    from django.contrib.sessions.models import Session

    before = Session.objects.count() if settings.SESSION_ENGINE.endswith(".db") else 0
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    return before - Session.objects.count() if settings.SESSION_ENGINE.endswith(".db") else 0


def housekeeping_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Remove what is past its retention; how many of each were removed."""
    now = now or timezone.now()
    with MaintenanceRecord(MaintenanceRun.Kind.HOUSEKEEPING) as run:
        run.start()
        with transaction.atomic():
            days = dt.timedelta(days=1)
            jobs = ImportJob.objects.exclude(status__in=UNFINISHED).filter(
                created_at__lt=now - settings.IMPORT_JOB_RETENTION_DAYS * days
            )
            logins = now - settings.LOGIN_LOG_RETENTION_DAYS * days
            removed = {
                "sessions": _sessions_clear(),
                "import_jobs": jobs.delete()[1].get(ImportJob._meta.label, 0),
                "import_files": import_files_purge(now=now),
                "reminders": Reminder.objects.filter(
                    sent_on__lt=(now - settings.REMINDER_RETENTION_DAYS * days).date()
                ).delete()[0],
                "login_records": AccessLog.objects.filter(attempt_time__lt=logins).delete()[0]
                + AccessFailureLog.objects.filter(attempt_time__lt=logins).delete()[0],
            }
        run.detail = ", ".join(f"{name}: {count}" for name, count in removed.items())
    return removed
