"""`manage.py mark_bounce EMAIL [--reason TEXT] [--clear]`: record an address whose mail bounced, or clear it
(README, "Bounces"). A mail server's bounce webhook would call the same service (accounts/bounces.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from accounts.bounces import address_clear_bouncing, address_mark_bouncing
from accounts.invitations import email_normalise, email_problem
from config.commands import BaseCommand
from inventory.history import command_history_context


class Command(BaseCommand):
    help = (
        "Noteert een e-mailadres als onbestelbaar: de openstaande uitnodigingen ernaar tonen als onbestelbaar. "
        "Met --clear werkt het adres weer."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--reason", default="", help="wat de mailserver meldde (bv. 550 mailbox unavailable)")
        parser.add_argument("--clear", action="store_true", help="het adres werkt weer: haal het van de lijst")

    def handle(self, *args: Any, **options: Any) -> None:
        email = email_normalise(options["email"])
        if problem := email_problem(email):
            raise CommandError(problem)
        with command_history_context(self):
            if options["clear"]:
                if address_clear_bouncing(email=email):
                    message = _("%(email)s staat niet meer op de lijst van onbestelbare adressen.")
                else:
                    message = _("%(email)s stond niet op de lijst van onbestelbare adressen.")
                self.stdout.write(message % {"email": email})
                return
            marked = address_mark_bouncing(email=email, reason=options["reason"])
        self.stdout.write(
            _("%(email)s genoteerd als onbestelbaar; %(n)s openstaande uitnodiging(en) gemarkeerd.")
            % {"email": email, "n": marked}
        )
