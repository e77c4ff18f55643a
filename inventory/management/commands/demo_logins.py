from typing import Any

from config.commands import BaseCommand
from inventory.management.commands.load_demo import print_logins


class Command(BaseCommand):
    help = "Toont de demo-aanmeldingen."

    def handle(self, *args: Any, **options: Any) -> None:
        print_logins(self)
