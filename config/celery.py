import os
from logging.config import dictConfig
from typing import Any

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("inventaris")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**kwargs: Any) -> None:
    """The worker and beat log as the site does (LOGGING, README "Logs and error reporting"): with a receiver of
    this signal Celery leaves logging alone, and `-l` is ignored (LOG_LEVEL decides)."""
    from django.conf import settings

    dictConfig(settings.LOGGING)
