"""What import_headcounts, import_organisations and invite_users share: read the file, print the summary and the
errors, find the user in whose name, print each invitation's outcome and send the mails."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from config.commands import BaseCommand
from inventory.access import is_staff_member
from inventory.services.imports import ImportReport, InvitationLine, import_size_check


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


def staff_user(name: str) -> User:
    """The staff member `name` (--user), or CommandError."""
    user = User.objects.filter(username=name).first()
    if user is None:
        raise CommandError(_("Gebruiker %(name)s bestaat niet.") % {"name": name})
    if not is_staff_member(user):
        raise CommandError(_("%(name)s is geen (actieve) POM-medewerker.") % {"name": user.username})
    return user


def invitation_lines(command: BaseCommand, lines: list[InvitationLine]) -> None:
    """Each invitation's outcome on standard output: "Rij 3: jan@example.be, Organisatie (0123.456.749),
    invoerder: nieuwe uitnodiging"."""
    for line in lines:
        place = f"{line.organisation} ({line.kbo})" if line.organisation else line.kbo
        what = ", ".join(part for part in (line.email, place, line.role) if part)
        command.stdout.write(
            _("Rij %(row)s: %(what)s: %(outcome)s") % {"row": line.row, "what": what, "outcome": line.label}
        )


def invitations_send(command: BaseCommand, lines: list[InvitationLine]) -> int:
    """Send the mails of the lines' new invitations from this process, as invite_user does (a command's
    invitations are made with queue=False); each mail the server refused on standard error. Returns how many."""
    from accounts.invitations import invitation_send
    from accounts.models import Invitation

    failed = 0
    for line in lines:
        if line.invitation_id is None:
            continue
        invitation_send(invitation_id=line.invitation_id)
        error = Invitation.objects.filter(pk=line.invitation_id).values_list("send_error", flat=True).first()
        if error:
            command.stderr.write(
                _("Rij %(row)s: de e-mail aan %(email)s is niet verstuurd: %(error)s")
                % {"row": line.row, "email": line.email, "error": error}
            )
            failed += 1
    return failed


def unsent_error(count: int) -> CommandError:
    return CommandError(
        ngettext(
            "%(count)s e-mail niet verstuurd; verstuur hem opnieuw vanuit /beheer/uitnodigingen/ (onbestelbaar).",
            "%(count)s e-mails niet verstuurd; verstuur ze opnieuw vanuit /beheer/uitnodigingen/ (onbestelbaar).",
            count,
        )
        % {"count": count}
    )
