"""A MaintenanceRun around a block of work (backups, restore checks, housekeeping): the operations page shows the
latest of each kind with its outcome."""

from __future__ import annotations

import logging
from types import TracebackType

from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.models import MaintenanceRun

logger = logging.getLogger(__name__)


def first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


class MaintenanceRecord:
    """Recorded at `start()` (or at the end, for a block that failed before it), finished with the block's outcome:
    the summary in `detail`, or the error's message. Errors of the `expected` type are the work's own messages
    and are recorded as they are; others as an unexpected error."""

    def __init__(
        self, kind: str, *, file_name: str = "", expected: type[Exception] | tuple[type[Exception], ...] = ()
    ) -> None:
        self.kind, self.file_name, self.expected = kind, file_name, expected
        self.record: MaintenanceRun | None = None
        self.size: int | None = None
        self.detail = ""

    def start(self) -> None:
        self.record = MaintenanceRun.objects.create(kind=self.kind, file_name=self.file_name[:500])

    def __enter__(self) -> MaintenanceRecord:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if error is None:
            self._finish(ok=True, detail=self.detail)
            return
        if self.expected and isinstance(error, self.expected):
            detail = str(error)
        elif isinstance(error, KeyboardInterrupt):
            detail = _("Afgebroken.")
        else:
            detail = _("Onverwachte fout: %(error)s") % {"error": f"{type(error).__name__}: {first_line(error)}"}
        try:
            self._finish(ok=False, detail=detail)
        except DatabaseError:  # the database that failed the run may refuse its record too; the error goes on
            logger.exception("%s niet geregistreerd", self.kind)

    def _finish(self, *, ok: bool, detail: str) -> None:
        if self.record is None:
            self.start()
        assert self.record is not None
        MaintenanceRun.objects.filter(pk=self.record.pk).update(
            finished_at=timezone.now(), ok=ok, detail=detail, size_bytes=self.size
        )
