from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from config.commands import BaseCommand
from inventory.services.editions import edition_by_slug
from opendata.editions import public_editions
from opendata.warming import public_pages_warm


class Command(BaseCommand):
    help = (
        "Maakt de publieke pagina's van de edities vooraf (dezelfde service als de worker na een publicatie): "
        "alle edities, of enkel --edition."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--edition", help="enkel de editie met dit webadres (bv. inventaris-2019)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["edition"]:
            edition = edition_by_slug(options["edition"])
            if edition is None:
                raise CommandError(_("Er is geen editie ‘%(slug)s’.") % {"slug": options["edition"]})
            editions = [edition]
        else:
            current, withdrawn = public_editions()
            editions = current + withdrawn
        failed = False
        for edition in editions:
            result = public_pages_warm(edition=edition)
            self.stdout.write(
                _("%(slug)s: %(answers)s pagina's gemaakt (%(paths)s adressen in elke taal)")
                % {"slug": edition.slug, "answers": result.answers, "paths": result.paths}
            )
            for path, language, status in result.failed:
                failed = True
                self.stderr.write(f"  {path} ({language}): {status}")
        if failed:
            raise CommandError(_("Niet elke pagina kon gemaakt worden."))
