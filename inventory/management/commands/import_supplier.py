from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from config.commands import BaseCommand
from inventory.history import command_history_context
from inventory.management.commands._imports import progress_printer, read_file, report, staff_user
from inventory.models import ImportProfile
from inventory.services.imports.cells import number_shown
from inventory.services.imports.supplier import SupplierSummary, published_totals_parse, supplier_import


class Command(BaseCommand):
    help = (
        "Leest een bestand van een gegevensleverancier in via een opgeslagen importprofiel (de indeling van die "
        "leverancier: bladen, titelrijen, kolommen, totaalrij, verborgen aantallen). Alles of niets, zoals "
        "import_headcounts; met een verschil tegenover de totalen van de leverancier enkel met --accept-differences."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="BESTAND", help="het CSV- of XLSX-bestand van de leverancier")
        parser.add_argument("--profile", required=True, metavar="NAAM", help="de naam van het importprofiel")
        parser.add_argument("--dry-run", action="store_true", help="alles controleren en tonen, maar niets opslaan")
        parser.add_argument(
            "--validate",
            action="store_true",
            help="de aangiften van het bestand daarna valideren in naam van --user",
        )
        parser.add_argument("--user", metavar="GEBRUIKER", help="de POM-medewerker die inleest (verplicht)")
        parser.add_argument(
            "--total",
            action="append",
            default=[],
            metavar="'MAATREGEL JAAR TOTAAL'",
            help="een door de leverancier gepubliceerd totaal om mee te vergelijken, bv. 'DGK-JONG 2019 4443'",
        )
        parser.add_argument(
            "--accept-differences",
            action="store_true",
            help="verschillen tegenover de totalen van de leverancier uitdrukkelijk aanvaarden",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["user"]:
            raise CommandError(_("--user is verplicht: de POM-medewerker die het leveranciersbestand inleest."))
        user = staff_user(options["user"])
        profile = ImportProfile.objects.select_related("organisation").filter(name__iexact=options["profile"]).first()
        if profile is None:
            names = ", ".join(ImportProfile.objects.values_list("name", flat=True)) or _("geen")
            raise CommandError(
                _("Er is geen importprofiel ‘%(name)s’; de profielen zijn: %(names)s.")
                % {"name": options["profile"], "names": names}
            )
        try:
            totals = published_totals_parse("\n".join(options["total"]))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        path = options["file"]
        with command_history_context(self):
            result = supplier_import(
                data=read_file(path),
                filename=path,
                profile=profile,
                user=user,
                dry_run=options["dry_run"],
                validate=options["validate"],
                published_totals=totals,
                accept_differences=options["accept_differences"],
                progress=progress_printer(self, options["verbosity"]),
            )
        if result.supplier is not None:
            self._summary(result.supplier, show_rows=options["dry_run"])
        report(self, path, result)

    def _summary(self, summary: SupplierSummary, *, show_rows: bool) -> None:
        write = self.stdout.write
        write(_("Profiel %(profile)s, cijfers van %(organisation)s") % {
            "profile": summary.profile, "organisation": summary.organisation
        })  # fmt: skip
        if show_rows and summary.rows:
            write(_("Eerste rijen (blad, rij, kolom: jaar, maatregel, regio, personen):"))
            for row in summary.rows:
                place = ", ".join(str(p) for p in (row.sheet, row.row, row.column) if p)
                mark = " " + _("(schatting)") if row.estimated else ""
                write(f"  {place}: {row.year}, {row.measure}, {row.region}, {row.persons}{mark}")
        write(_("Per jaar en maatregel (rijen, personen, schattingen):"))
        for line in summary.counts:
            write(f"  {line.year} {line.measure}: {number_shown(line.rows)}, {number_shown(line.persons)}, "
                  f"{number_shown(line.estimates)}")  # fmt: skip
        if summary.reconciliation:
            write(_("Afstemming met de totalen van de leverancier (totaal, ingelezen, verschil):"))
            for rec in summary.reconciliation:
                source = _("totaalrij") if rec.source == "file" else _("opgegeven")
                write(f"  {rec.year} {rec.measure} ({source}): {number_shown(rec.supplier_total)}, "
                      f"{number_shown(rec.imported)}, {rec.difference:+d}")  # fmt: skip
            if summary.differences:
                write(
                    _("Verschillen aanvaard.")
                    if summary.differences_accepted
                    else _("Er zijn verschillen: lees enkel in met --accept-differences.")
                )
        if summary.ignored_columns:
            write(_("Niet ingelezen kolommen: %(columns)s") % {"columns": ", ".join(summary.ignored_columns)})
