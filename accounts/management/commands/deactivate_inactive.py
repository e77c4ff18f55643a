"""`manage.py deactivate_inactive [--dry-run]`: what the daily beat task `deactivate_inactive_accounts` does
(README, "Account hygiene"), now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext as _

from accounts.hygiene import users_inactive_sweep
from config.commands import BaseCommand
from inventory.history import command_history_context


class Command(BaseCommand):
    help = (
        "Stuurt de herinneringen aan accounts die ACCOUNT_INACTIVE_DAYS niet gebruikt werden en deactiveert ze na "
        "de tweede (superusers niet)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="toon wie aan de beurt is, zonder iets te doen")

    def handle(self, *args: Any, **options: Any) -> None:
        with command_history_context(self):
            result = users_inactive_sweep(dry_run=options["dry_run"])
        lines = (
            (_("eerste herinnering"), result.first_reminders),
            (_("tweede herinnering"), result.second_reminders),
            (_("gedeactiveerd"), result.deactivated),
        )
        if options["dry_run"]:
            self.stdout.write(_("Proef: er is niets verstuurd of gewijzigd."))
        for label, names in lines:
            self.stdout.write(f"{label}: {len(names)}" + (f" ({', '.join(names)})" if names else ""))
