"""The Celery app of the worker and beat (README, "Production": queues, heartbeat, time limits)."""

import os
import threading
import time
from logging.config import dictConfig
from typing import Any

from celery import Celery, bootsteps
from celery.signals import beat_init, before_task_publish, setup_logging

from config.env import SettingError, exit_on_setting_error

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")


class App(Celery):  # type: ignore[misc]  # Celery ships no types
    def _load_config(self) -> Any:
        # The worker and beat read the settings here first: a bad one is one line, as in manage.py.
        try:
            return super()._load_config()
        except SettingError as error:
            exit_on_setting_error(error)


app = App("inventaris")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class Heartbeat(bootsteps.StartStopStep):  # type: ignore[misc]
    """Writes this worker's heartbeat (inventory/services/workers.py) from a thread of its main process, so that a
    long task does not hold it back; the last one, at a clean stop, says the worker stopped."""

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self, worker: Any) -> None:
        from django.conf import settings

        def beat() -> None:
            while True:
                self.write(worker)
                if self.stopping.wait(settings.WORKER_HEARTBEAT_SECONDS):
                    return

        self.thread = threading.Thread(target=beat, name="heartbeat", daemon=True)
        self.thread.start()

    def stop(self, worker: Any) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
        self.write(worker, stopped=True)

    terminate = stop  # a cold shutdown stops the beat too

    def write(self, worker: Any, stopped: bool = False) -> None:
        from inventory.services.workers import heartbeat_write

        queues = list(worker.app.amqp.queues.consume_from or worker.app.amqp.queues)
        heartbeat_write(hostname=worker.hostname, pid=os.getpid(), queues=queues, stopped=stopped)


app.steps["worker"].add(Heartbeat)


# Set in the beat process only: what it publishes is its heartbeat for the operations page.
_in_beat = False


@beat_init.connect
def mark_beat_process(**kwargs: Any) -> None:
    global _in_beat
    _in_beat = True


@before_task_publish.connect
def stamp_published_at(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """The time a task was queued travels in its message: the operations page reads a queue's oldest age. In
    beat, each task it queues also says that beat is running."""
    if headers is not None:
        headers.setdefault("published_at", time.time())
    if _in_beat:
        from inventory.services.workers import beat_seen_write

        beat_seen_write()


@setup_logging.connect
def use_django_logging(**kwargs: Any) -> None:
    """The worker and beat log as the site does (LOGGING, README "Logs and error reporting"): with a receiver of
    this signal Celery leaves logging alone, and `-l` is ignored (LOG_LEVEL decides)."""
    from django.conf import settings

    dictConfig(settings.LOGGING)
