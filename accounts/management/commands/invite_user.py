"""`manage.py invite_user EMAIL [--organisation KBO] [--role ROLE] [--name NAME]`: invite a person (README,
"Accounts and invitations"). The e-mail is sent now, from this process; under DEBUG the link is printed too."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from accounts.invitations import Outcome, email_problem, invitation_create, invitation_send
from accounts.models import ORGANISATION_ROLES, InvitationRole
from config.commands import BaseCommand
from inventory.history import command_history_context
from inventory.kbo import normalise_kbo


class Command(BaseCommand):
    help = "Nodig iemand uit per e-mail: een link om zelf een wachtwoord te kiezen."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--organisation", metavar="KBO", help="ondernemingsnummer van de organisatie")
        parser.add_argument("--role", choices=InvitationRole.values, default=InvitationRole.EDITOR)
        parser.add_argument("--name", default="", help="naam van de persoon")
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES])

    def handle(self, *args: Any, **options: Any) -> None:
        from inventory.models import Organisation

        email, role = options["email"], options["role"]
        if problem := email_problem(email):
            raise CommandError(problem)
        organisation = None
        if role in ORGANISATION_ROLES:
            if not options["organisation"]:
                raise CommandError(f"--organisation KBO is nodig voor de rol {role}.")
            try:
                kbo = normalise_kbo(options["organisation"])
            except ValidationError as error:
                raise CommandError(error.messages[0]) from None
            organisation = Organisation.objects.filter(kbo=kbo).first()
            if organisation is None:
                raise CommandError(f"Geen organisatie met ondernemingsnummer ‘{options['organisation']}’.")
        elif options["organisation"]:
            raise CommandError(f"Een {role} hoort bij geen organisatie: laat --organisation weg.")
        with command_history_context(self):
            result = invitation_create(
                email=email,
                role=role,
                organisation=organisation,
                name=options["name"],
                language=options["language"],
                queue=False,
            )
        if result.outcome == Outcome.ALREADY_MEMBER:
            self.stdout.write(f"{email} heeft die rol al; niets verstuurd.")
            return
        # Sent from here rather than by a worker, so that the link printed is the one in the mail.
        assert result.invitation is not None
        link = invitation_send(invitation_id=result.invitation.pk)
        result.invitation.refresh_from_db()
        if result.invitation.send_error:
            raise CommandError(f"De e-mail aan {email} is niet verstuurd: {result.invitation.send_error}")
        if result.outcome == Outcome.ADDED:
            self.stdout.write(f"{email} had al een account: de rol is toegevoegd en de persoon kreeg een e-mail.")
        elif result.outcome == Outcome.ALREADY_INVITED:
            self.stdout.write(f"{email} was al uitgenodigd; een nieuwe link is verstuurd (de vorige werkt niet meer).")
        else:
            self.stdout.write(f"Uitnodiging verstuurd naar {email}.")
        if settings.DEBUG and link:
            self.stdout.write(f"Link: {link}")
