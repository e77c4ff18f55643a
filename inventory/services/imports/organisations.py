"""Organisation files: new and changed organisations by KBO number."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.invitations import email_normalise
from accounts.models import InvitationRole, User
from inventory.history import history_context
from inventory.kbo import format_kbo, normalise_kbo
from inventory.models import (
    Organisation,
    OrganisationKind,
    Region,
)
from inventory.parsing import is_digits
from inventory.services.imports.cells import cell_shown, cell_text, number_shown, text_problem
from inventory.services.imports.files import Table
from inventory.services.imports.headers import ORGANISATION_COLUMNS, Header, check_width, read_rows
from inventory.services.imports.invitations import InvitationRequest, invitations_apply
from inventory.services.imports.report import (
    PROGRESS_EVERY,
    Errors,
    ImportReport,
    ProgressCallback,
    Refused,
)


def _kind_names() -> dict[str, str]:
    """Kind values and their labels in Dutch and English, lower case -> value."""
    names = {kind.value: kind.value for kind in OrganisationKind}
    for language in ("nl-be", "en"):
        with translation.override(language):
            names.update({str(kind.label).lower(): kind.value for kind in OrganisationKind})
    return names


@dataclass
class _OrganisationRow:
    row: int
    kbo: str
    name: str
    kind: str
    region: Region
    email: str


def organisations_import(
    *,
    data: bytes,
    filename: str,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    invite_contacts: bool = False,
    actor: User | None = None,
    queue: bool = True,
) -> ImportReport:
    """Import an organisation file (CSV or XLSX), all or nothing: a KBO number not stored yet adds an (active)
    organisation, a stored one gets the file's name, kind, home municipality and e-mail address. `region` must
    be a municipality that exists today.

    `invite_contacts`: then, in the same transaction, each row's e-mail address is invited as the organisation's
    contact in the name of `actor` (staff, or None: the operator of a command), as an invitation file's rows are
    (services.imports.invitations; `queue` as there): an address that is already a member or invited gets
    nothing, so importing the file again sends nothing twice. A dry run lists what each would do."""
    report = ImportReport(dry_run=dry_run)
    errors = Errors()
    read = read_rows(
        data,
        filename,
        ORGANISATION_COLUMNS,
        errors,
        lambda table, header: _parse_organisations(table, header, errors, progress),
    )
    if read is None:
        report.errors = errors.result()
        return report
    report.rows, parsed = read
    if errors:
        report.errors = errors.result()
        return report

    stored = {o.kbo: o for o in Organisation.objects.filter(kbo__in=[r.kbo for r in parsed])}
    writes: list[Organisation] = []
    for row in parsed:
        organisation = stored.get(row.kbo)
        if organisation is None:
            report.created += 1
            writes.append(
                Organisation(kbo=row.kbo, name=row.name, kind=row.kind, home_region=row.region, email=row.email)
            )
            continue
        if (organisation.name, organisation.kind, organisation.home_region_id, organisation.email) == (
            row.name,
            row.kind,
            row.region.pk,
            row.email,
        ):
            report.unchanged += 1
            continue
        report.updated += 1
        organisation.name, organisation.kind = row.name, row.kind
        organisation.home_region, organisation.email = row.region, row.email
        writes.append(organisation)
    if dry_run:
        if invite_contacts:
            report.invitations = invitations_apply(
                requests=_contact_requests(parsed, stored, writes), actor=actor, dry_run=True
            )
    elif writes or invite_contacts:
        with transaction.atomic(), history_context(user=actor, source="import", file=PurePath(filename).name):
            if writes:
                Organisation.objects.bulk_create(
                    writes,
                    update_conflicts=True,
                    unique_fields=["kbo"],
                    update_fields=["name", "kind", "home_region", "email"],
                )
            if invite_contacts:
                saved = {o.kbo: o for o in Organisation.objects.filter(kbo__in=[r.kbo for r in parsed])}
                report.invitations = invitations_apply(
                    requests=_contact_requests(parsed, saved, []), actor=actor, dry_run=False, queue=queue
                )
    if progress is not None:
        progress(report.rows, report.rows)
    return report


def _contact_requests(
    parsed: list[_OrganisationRow], stored: dict[str, Organisation], new: list[Organisation]
) -> list[InvitationRequest]:
    """Each row's e-mail address as its organisation's contact; `stored` by KBO, or `new` (not saved yet: a dry
    run's organisations to be created)."""
    organisations = {**{o.kbo: o for o in new}, **stored}
    return [
        InvitationRequest(
            row=row.row,
            email=email_normalise(row.email),
            role=InvitationRole.CONTACT,
            organisation=organisations[row.kbo],
            kbo=format_kbo(row.kbo),
        )
        for row in parsed
        if row.email
    ]


def _parse_organisations(
    table: Table, header: Header, errors: Errors, progress: ProgressCallback | None
) -> tuple[int, list[_OrganisationRow]]:
    positions, names = header.positions, header.names
    width = header.width
    kinds = _kind_names()
    regions = {r.code: r for r in Region.objects.select_related("successor")}
    kind_list = ", ".join(kind.value for kind in OrganisationKind)
    first_row: dict[str, int] = {}
    parsed: list[_OrganisationRow] = []
    rows = 0
    for number, cells in table.rows:
        rows += 1
        if rows > settings.IMPORT_MAX_ROWS:
            raise Refused(
                _("Het bestand heeft meer dan %(max)s rijen; splits het op.")
                % {"max": number_shown(settings.IMPORT_MAX_ROWS)},
                number,
            )
        if progress is not None and rows % PROGRESS_EVERY == 0:
            progress(rows, max(table.estimate, rows))
        if len(cells) < width:
            cells = [*cells, *([None] * (width - len(cells)))]
        ok = check_width(number, cells, header, errors)
        values: dict[str, str] = {}
        for key, position in positions.items():
            raw = cells[position]
            text = cell_text(raw)
            problem = text_problem(text) if text else None
            if problem:
                errors.add(number, names[key], raw, problem)
                ok = False
            values[key] = text

        kbo = ""
        if not values["kbo"]:
            errors.add(number, names["kbo"], "", _("het ondernemingsnummer ontbreekt; verwacht bv. 0123.456.749."))
            ok = False
        elif not text_problem(values["kbo"]):
            try:
                kbo = normalise_kbo(values["kbo"])
            except ValidationError as error:
                errors.add(number, names["kbo"], values["kbo"], " ".join(error.messages))
                ok = False
        if not values["name"]:
            errors.add(number, names["name"], "", _("de naam ontbreekt."))
            ok = False
        kind = kinds.get(values["kind"].lower())
        if not values["kind"]:
            errors.add(
                number, names["kind"], "", _("de soort ontbreekt; verwacht een van %(kinds)s.") % {"kinds": kind_list}
            )
            ok = False
        elif kind is None and not text_problem(values["kind"]):
            errors.add(
                number,
                names["kind"],
                values["kind"],
                _("onbekende soort ‘%(value)s’; verwacht een van %(kinds)s.")
                % {"value": cell_shown(values["kind"]), "kinds": kind_list},
            )
            ok = False
        region = _home_region(number, names["region"], values["region"], regions, errors)
        ok = ok and region is not None
        email = values.get("email", "")
        if email and not text_problem(email):
            try:
                validate_email(email)
            except ValidationError:
                errors.add(
                    number,
                    names["email"],
                    email,
                    _("‘%(value)s’ is geen geldig e-mailadres.") % {"value": cell_shown(email)},
                )
                ok = False
        if kbo:
            first = first_row.get(kbo)
            if first is not None:
                errors.add(
                    number,
                    names["kbo"],
                    values["kbo"],
                    _("hetzelfde ondernemingsnummer als rij %(first)s; elke organisatie mag maar één keer voorkomen.")
                    % {"first": first},
                )
                continue
            first_row[kbo] = number
        if ok and kind is not None and region is not None:
            parsed.append(_OrganisationRow(number, kbo, values["name"], kind, region, email))
    return rows, parsed


def _home_region(number: int, column: str, text: str, regions: dict[str, Region], errors: Errors) -> Region | None:
    if text_problem(text):
        return None  # reported with the other text problems
    if is_digits(text) and len(text) < 5:
        text = text.zfill(5)
    region = regions.get(text)
    if region is not None and region.level == Region.Level.GEMEENTE and region.last_year is None:
        return region
    if not text:
        message = _("de gemeente ontbreekt; verwacht de NIS-code van de vestigingsgemeente, bv. 31005 voor Brugge.")
    elif region is None:
        message = _(
            "onbekende regio ‘%(value)s’; verwacht de NIS-code van de vestigingsgemeente, bv. 31005 voor Brugge."
        ) % {"value": cell_shown(text)}
    elif region.level != Region.Level.GEMEENTE:
        message = _(
            "%(name)s (%(code)s) is een %(level)s, geen gemeente; verwacht de NIS-code van de vestigingsgemeente."
        ) % {"name": region.name, "code": region.code, "level": region.get_level_display()}
    elif region.successor is not None:
        message = _("de gemeente %(name)s (%(code)s) bestaat niet meer; ze is opgegaan in %(successor)s (%(new)s).") % {
            "name": region.name,
            "code": region.code,
            "successor": region.successor.name,
            "new": region.successor.code,
        }
    else:
        message = _("de gemeente %(name)s (%(code)s) bestaat niet meer.") % {"name": region.name, "code": region.code}
    errors.add(number, column, text, message)
    return None
