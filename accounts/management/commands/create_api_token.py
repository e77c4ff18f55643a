from typing import Any

from django.core.management.base import CommandError, CommandParser

from accounts.models import User
from accounts.tokens import api_token_create
from config.commands import BaseCommand


class Command(BaseCommand):
    help = "Maakt een API-sleutel voor een gebruiker en toont ze één keer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="api", help="waarvoor de sleutel dient")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"Gebruiker {options['username']} bestaat niet.")
        self.stdout.write(api_token_create(user=user, name=options["name"]))
