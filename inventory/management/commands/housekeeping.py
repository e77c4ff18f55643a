from typing import Any

from django.utils.translation import gettext as _

from config.commands import BaseCommand
from inventory.services.housekeeping import housekeeping_run


class Command(BaseCommand):
    help = (
        "Doet wat de nachtelijke beat-taak housekeeping doet: verwijdert verlopen sessies, importbestanden en "
        "afgeronde imports voorbij hun bewaartermijn, oude herinneringen en oude aanmeldgegevens (README, "
        "'Production')."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        removed = housekeeping_run()
        labels = {
            "sessions": _("verlopen sessies"),
            "import_jobs": _("afgeronde imports"),
            "import_files": _("importbestanden"),
            "reminders": _("herinneringen"),
            "login_records": _("aanmeldgegevens"),
        }
        self.stdout.write(_("verwijderd: ") + "; ".join(f"{labels[name]} {n}" for name, n in removed.items()))
