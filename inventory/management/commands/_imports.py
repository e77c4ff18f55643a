"""What import_headcounts and import_organisations share: read the file, print the summary and the errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.commands import BaseCommand
from inventory.services.imports import ImportReport, import_size_check


def read_file(path: str) -> bytes:
    file = Path(path)
    try:
        import_size_check(size=file.stat().st_size)
        return file.read_bytes()
    except ValidationError as error:
        raise CommandError(f"{path}: {' '.join(error.messages)}") from None
    except OSError as error:
        raise CommandError(
            _("%(path)s kan niet gelezen worden: %(error)s") % {"path": path, "error": error.strerror}
        ) from None


def progress_printer(command: BaseCommand, verbosity: int) -> Callable[[int, int], None] | None:
    if verbosity < 2:
        return None

    def progress(done: int, total: int) -> None:
        command.stderr.write(
            ngettext(
                "%(done)s van ongeveer %(total)s rij gelezen", "%(done)s van ongeveer %(total)s rijen gelezen", total
            )
            % {"done": done, "total": total}
        )

    return progress


def report(command: BaseCommand, path: str, result: ImportReport) -> None:
    """The summary on standard output, every error on standard error; CommandError (exit 1) with errors."""
    for error in result.errors:
        command.stderr.write(f"{path}: {error}")
    command.stdout.write(result.summary())
    if result.errors:
        problems = len(result.errors)
        raise CommandError(
            ngettext(
                "%(path)s: %(count)s fout gevonden; niets opgeslagen.",
                "%(path)s: %(count)s fouten gevonden; niets opgeslagen.",
                problems,
            )
            % {"path": path, "count": problems}
        )
