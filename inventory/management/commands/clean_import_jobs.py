from typing import Any

from config.commands import BaseCommand
from inventory.services.import_jobs import import_files_purge, import_jobs_sweep


class Command(BaseCommand):
    help = (
        "Doet wat de beat-taken sweep_import_jobs en purge_import_files doen: markeert imports die geen werker meer "
        "afrondt als mislukt en verwijdert de bestanden na IMPORT_RETENTION_DAYS (geweigerde na "
        "IMPORT_REFUSED_RETENTION_DAYS); de verslagen blijven."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        failed, dropped = import_jobs_sweep(), import_files_purge()
        self.stdout.write(f"als mislukt gemarkeerd: {failed}; bestanden verwijderd: {dropped}")
