"""The audit trail's context: who made a change, why, and through which way (README, "Audit trail").

Database triggers (django-pghistory, see the event models in models.py) record every change; they find the
context of the transaction in two PostgreSQL settings that pghistory sets before each statement. The
middleware puts the request's user and URL there; services add a reason, commands and imports their source:

    with history_context(user=user, reason=comment):
        ...writes...

Keys of the metadata: `user` (a user id), `url` (the request's path), `source` ("import" or "command"),
`file` (an import's file name), `command` (a management command's name), `reason`.
"""

from __future__ import annotations

import json

import pghistory
import pghistory.config
from django.core.management.base import BaseCommand
from django.db.backends.utils import CursorWrapper

from accounts.models import User


def history_context(*, user: User | None = None, **metadata: object) -> pghistory.context:
    """pghistory's context with `metadata`, and the user when known (a request's user stays when None).

    Nested in another context (a request, a command), this adds to it: all changes of one request or command
    share one context."""
    if user is not None:
        metadata["user"] = user.pk
    return pghistory.context(**metadata)


def history_context_before_copy(cursor: CursorWrapper) -> None:
    """Hand the current context to the triggers for the rest of the transaction.

    pghistory passes it in front of each statement that goes through Django's execute(); COPY does not, so a
    COPY into a tracked table that comes before any such statement in its transaction would lose it."""
    with pghistory.context() as context:
        cursor.execute(
            "select set_config('pghistory.context_id', %s, true), set_config('pghistory.context_metadata', %s, true)",
            [str(context.id), json.dumps(context.metadata, cls=pghistory.config.json_encoder())],
        )


def command_history_context(command: BaseCommand) -> pghistory.context:
    """The context of a management command's writes: its name (import_headcounts, load_demo)."""
    return history_context(source="command", command=command.__module__.rpartition(".")[2])
