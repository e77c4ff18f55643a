"""Liveness and readiness probes: GET /livez and /readyz (README, "Production").

Answered by the first middleware, before host checks, HTTPS redirects, sessions and logins: a probe from a
container runtime or load balancer asks over plain HTTP by IP address, and must never create a session. Both
answer JSON with no-store; /readyz gives 503 when one of its checks fails. Failures are logged with their reason;
the answer names only the check, not the server's addresses or messages."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

LIVE_PATHS = frozenset({"/livez", "/livez/"})
READY_PATHS = frozenset({"/readyz", "/readyz/"})
# The migration plan is read from disk and the database: once found complete, trusted for this long.
MIGRATIONS_TRUSTED_SECONDS = 60.0
_migrations_checked_at = 0.0


class CheckFailed(Exception):
    """A readiness check that did not pass, with what the probe may say about it."""


def _database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("select 1")
    except (InterfaceError, OperationalError):
        # A connection the server dropped (a restart): once more on a new one before saying "unreachable". Closing
        # a broken connection may raise; Django forgets it all the same.
        with contextlib.suppress(DatabaseError):
            connection.close()
        with connection.cursor() as cursor:
            cursor.execute("select 1")


def _migrations() -> None:
    global _migrations_checked_at
    if time.monotonic() - _migrations_checked_at < MIGRATIONS_TRUSTED_SECONDS:
        return
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise CheckFailed(f"{len(plan)} migration(s) not applied")
    _migrations_checked_at = time.monotonic()


def _redis() -> None:
    from inventory.services.aggregation import redis_client

    redis_client().ping()


def _workers() -> None:
    from django.conf import settings

    from inventory.services.workers import worker_beats

    beats = worker_beats()
    missing = [q for q in settings.WORKER_QUEUES if not any(b.alive and q in b.queues for b in beats)]
    if missing:
        raise CheckFailed("no worker alive for queue " + ", ".join(missing))


CHECKS: dict[str, Callable[[], None]] = {
    "database": _database,
    "migrations": _migrations,
    "redis": _redis,
    "workers": _workers,
}
# A check whose dependency failed is not run (no migrations without a database, no workers without Redis).
NEEDS = {"migrations": "database", "workers": "redis"}


def readiness() -> tuple[bool, dict[str, dict[str, object]]]:
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        needed = NEEDS.get(name)
        if needed and not results[needed]["ok"]:
            results[name] = {"ok": False, "detail": f"{needed} unavailable"}
            continue
        started = time.monotonic()
        try:
            check()
        except CheckFailed as failure:
            results[name] = {"ok": False, "detail": str(failure)}
        except Exception as error:  # a probe answers, whatever broke
            logger.warning("readiness check %s failed: %s", name, error)
            results[name] = {"ok": False, "detail": "unavailable"}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    if not results["database"]["ok"]:
        connection.close()  # the next request connects anew
    return all(result["ok"] for result in results.values()), results


def _answer(request: HttpRequest, status: int, body: dict[str, object]) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        response: HttpResponse = JsonResponse({"status": "error", "detail": "GET only"}, status=405)
        response["Allow"] = "GET, HEAD"
    else:
        response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


class ProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path in LIVE_PATHS:
            return _answer(request, 200, {"status": "ok"})
        if request.path in READY_PATHS:
            ok, checks = readiness()
            return _answer(request, 200 if ok else 503, {"status": "ok" if ok else "fail", "checks": checks})
        return self.get_response(request)
