"""What the Celery workers and their queues are doing, read from Redis (README, "Production").

Every worker writes a heartbeat (config/celery.py, `Heartbeat`) every WORKER_HEARTBEAT_SECONDS: its name, pid and
queues, under one key per worker that lives a day, so that a worker that stopped or died still shows when it was
last seen. A worker is alive when its last beat is younger than WORKER_HEARTBEAT_MAX_AGE and it did not say it
stopped. Every task message carries the time it was published (`published_at`, config/celery.py), so the age of
a queue's oldest waiting task is read from the broker's own list, without a database."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from inventory.services.aggregation import redis_client

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "inventaris:worker:{hostname}"
# When celery beat last queued a task: beat sends the aggregates sweep every AGGREGATES_SWEEP_SECONDS, so a beat
# that queued nothing for BEAT_MAX_AGE seconds is gone (and the nightly backup and housekeeping with it).
BEAT_KEY = "inventaris:beat"
BEAT_MAX_AGE = 120
# What each queue does, for people who do not know Celery's names (config/settings/base.py, WORKER_QUEUES).
QUEUE_LABELS: dict[str, Promise] = {
    "aggregates": _("herberekening van de cijfers"),
    "imports": _("bestanden inlezen"),
    "mail": _("e-mails versturen"),
    "housekeeping": _("onderhoud: back-ups, opruiming"),
}


HEARTBEAT_PATTERN = "inventaris:worker:*"
HEARTBEAT_TTL_SECONDS = 24 * 3600
# kombu's Redis transport keeps one list per priority step: "name", "name\x06\x163", ... (kombu.transport.redis).
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (0, 3, 6, 9)


def queue_label(name: str) -> str:
    """ "herberekening van de cijfers (aggregates)": what the queue does, then its name as the settings spell it."""
    label = QUEUE_LABELS.get(name)
    return f"{label} ({name})" if label else name


@dataclass(frozen=True)
class WorkerBeat:
    hostname: str
    pid: int
    queues: tuple[str, ...]
    at: float  # epoch seconds of the last beat
    stopped: bool

    @property
    def age(self) -> float:
        return max(0.0, time.time() - self.at)

    @property
    def alive(self) -> bool:
        return not self.stopped and self.age <= settings.WORKER_HEARTBEAT_MAX_AGE

    @property
    def seen_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.at, tz=dt.UTC)


@dataclass(frozen=True)
class QueueState:
    name: str
    length: int
    oldest_age: float | None  # seconds the oldest waiting task has waited; None when empty or unknown
    workers: int  # alive workers that take from this queue

    @property
    def stalled(self) -> bool:
        return self.length > 0 and self.workers == 0

    @property
    def label(self) -> str:
        return queue_label(self.name)

    @property
    def oldest_since(self) -> dt.datetime | None:
        return None if self.oldest_age is None else dt.datetime.now(tz=dt.UTC) - dt.timedelta(seconds=self.oldest_age)


def beat_seen_write() -> None:
    """Beat queued a task now (config/celery.py, in the beat process). Never raises."""
    try:
        redis_client().set(BEAT_KEY, str(time.time()), ex=HEARTBEAT_TTL_SECONDS)
    except redis.RedisError as error:
        logger.warning("beat's heartbeat not written: %s", error)


def beat_seen() -> dt.datetime | None:
    """When beat last queued a task, in the last day; None when it did not. Raises RedisError."""
    raw = redis_client().get(BEAT_KEY)
    try:
        return dt.datetime.fromtimestamp(float(raw), tz=dt.UTC) if raw else None
    except ValueError:
        return None


def heartbeat_write(*, hostname: str, pid: int, queues: list[str], stopped: bool = False) -> None:
    """Never raises: a worker keeps working while Redis is away (its beat is then simply missing)."""
    beat = {"hostname": hostname, "pid": pid, "queues": sorted(queues), "at": time.time(), "stopped": stopped}
    try:
        redis_client().set(HEARTBEAT_KEY.format(hostname=hostname), json.dumps(beat), ex=HEARTBEAT_TTL_SECONDS)
    except redis.RedisError as error:
        logger.warning("heartbeat of %s not written: %s", hostname, error)


def _beat(raw: bytes | str) -> WorkerBeat | None:
    try:
        data = json.loads(raw)
        return WorkerBeat(
            hostname=str(data["hostname"]),
            pid=int(data["pid"]),
            queues=tuple(str(q) for q in data["queues"]),
            at=float(data["at"]),
            stopped=bool(data.get("stopped")),
        )
    except (ValueError, KeyError, TypeError):
        return None


def worker_beats() -> list[WorkerBeat]:
    """Every worker seen in the last day, alive first, then by name. Raises redis.RedisError when Redis is away."""
    client = redis_client()
    keys = sorted(client.scan_iter(match=HEARTBEAT_PATTERN, count=100))
    beats = [beat for raw in (client.mget(keys) if keys else []) if raw and (beat := _beat(raw)) is not None]
    return sorted(beats, key=lambda b: (not b.alive, b.hostname))


def workers_alive_for(queue: str) -> bool | None:
    """Whether some alive worker takes from `queue`; None when Redis cannot be asked."""
    try:
        return any(beat.alive and queue in beat.queues for beat in worker_beats())
    except redis.RedisError:
        return None


def _published_at(raw: bytes | str | None) -> float | None:
    if raw is None:
        return None
    with contextlib.suppress(ValueError, TypeError, AttributeError):
        return float(json.loads(raw)["headers"]["published_at"])
    return None


def queue_states(beats: list[WorkerBeat] | None = None) -> list[QueueState]:
    """Length and oldest task's age of every queue of WORKER_QUEUES. Raises redis.RedisError."""
    client = redis_client()
    beats = worker_beats() if beats is None else beats
    states = []
    for queue in settings.WORKER_QUEUES:
        keys = [queue if step == 0 else f"{queue}{_PRIORITY_SEPARATOR}{step}" for step in _PRIORITY_STEPS]
        with client.pipeline() as pipe:
            for key in keys:
                pipe.llen(key)
                pipe.lindex(key, -1)  # LPUSH in, RPOP out: the oldest is at the right end
            answers = pipe.execute()
        length = sum(int(n) for n in answers[0::2])
        published = [t for raw in answers[1::2] if (t := _published_at(raw)) is not None]
        oldest = max(0.0, time.time() - min(published)) if published else None
        workers = sum(1 for beat in beats if beat.alive and queue in beat.queues)
        states.append(QueueState(name=queue, length=length, oldest_age=oldest, workers=workers))
    return states
