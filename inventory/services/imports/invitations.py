"""Invitation files: many people invited at once, by staff (README, "Bulk invitations").

    report = invitations_import(data=..., filename="uitnodigingen.xlsx", actor=staff_member, dry_run=True)

Columns `kbo,email,role[,name]` or Dutch `kbo,email,rol[,naam]`, in any case and order. `role` a value (editor,
viewer, contact, staff, coordinator) or its label in Dutch or English (invoerder, contactpersoon); `kbo` the
organisation's enterprise number in any usual spelling, empty for staff and coordinators.

The rule of every import: the whole file is checked first and a file with any error is refused whole, nothing
sent; the report still says for every row what it does or would do, so that one pass over the file fixes it.
Each row goes through accounts.invitations (`invitation_preview` in a dry run, `invitation_create` otherwise),
which never invites twice: a file sent again sends nothing new. The organisation import's `invite_contacts` comes
here too (`invitations_apply`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.access import invitation_problem
from accounts.invitations import (
    OUTCOME_LABELS,
    Outcome,
    email_normalise,
    email_problem,
    invitation_create,
    invitation_preview,
)
from accounts.models import ORGANISATION_ROLES, Invitation, InvitationRole, User
from inventory.history import history_context
from inventory.kbo import format_kbo, normalise_kbo
from inventory.models import Organisation
from inventory.parsing import text_problem as plain_text_problem
from inventory.services.imports.cells import cell_shown, cell_text, number_shown, text_problem
from inventory.services.imports.files import Table
from inventory.services.imports.headers import Column, Header, check_width, read_rows
from inventory.services.imports.report import (
    Errors,
    ImportReport,
    InvitationLine,
    ProgressCallback,
    Refused,
)

INVITATION_COLUMNS = (
    Column("kbo", "kbo", "kbo"),
    Column("email", "email", "email"),
    Column("role", "role", "rol"),
    Column("name", "name", "naam", required=False),
)
# Each row is a person, a mail and a few queries (invitation_create's own checks): a file of more rows than this is
# a mistake (a mailing list, a sheet of figures), refused before anything is looked up.
MAX_ROWS = 5_000
NAME_MAX_LENGTH = Invitation._meta.get_field("name").max_length or 150
REFUSED = "refused"  # the row has errors (listed with the file's errors): never sent
SENDING = (Outcome.INVITED, Outcome.ADDED)  # the outcomes that send a mail


@dataclass
class InvitationRequest:
    """One invitation asked for: `email` normalised and `role` a value unless `refused` (then as written)."""

    row: int
    email: str
    role: str
    organisation: Organisation | None
    kbo: str = ""  # as shown in the report
    name: str = ""
    refused: bool = False


def _role_names() -> dict[str, str]:
    """Role values and their labels in Dutch and English, lower case -> value."""
    names = {role.value: role.value for role in InvitationRole}
    for language in ("nl-be", "en"):
        with translation.override(language):
            names.update({str(role.label).lower(): role.value for role in InvitationRole})
    return names


def _role_shown(role: str) -> str:
    return str(InvitationRole(role).label) if role in InvitationRole.values else cell_shown(role)


def invitations_import(
    *,
    data: bytes,
    filename: str,
    actor: User | None,
    dry_run: bool = False,
    queue: bool = True,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Invite every row of an invitation file (CSV or XLSX) in the name of `actor`, all or nothing: with any error
    nothing is sent. `actor` must be allowed each row's invitation (accounts.access.invitation_problem; None: a
    command run by the operator, who may invite anyone). `queue`: as invitation_create's (a command that sends the
    mails itself says False, and sends the lines' `invitation_id`s)."""
    report = ImportReport(dry_run=dry_run)
    errors = Errors()
    read = read_rows(
        data,
        filename,
        INVITATION_COLUMNS,
        errors,
        lambda table, header: _parse_invitations(table, header, errors, actor),
    )
    if read is None:
        report.errors = errors.result()
        return report
    report.rows, requests = read
    if errors:
        # Refused whole; what the other rows would do is still shown.
        report.invitations = invitations_apply(requests=requests, actor=actor, dry_run=True)
        report.errors = errors.result()
        return report
    if dry_run:
        report.invitations = invitations_apply(requests=requests, actor=actor, dry_run=True)
    else:
        with transaction.atomic(), history_context(user=actor, source="import", file=PurePath(filename).name):
            report.invitations = invitations_apply(requests=requests, actor=actor, dry_run=False, queue=queue)
    counts = invitation_counts(report.invitations)
    report.created, report.unchanged = counts["sent"], counts["nothing"]
    if progress is not None:
        progress(report.rows, report.rows)
    return report


def invitations_apply(
    *, requests: Iterable[InvitationRequest], actor: User | None, dry_run: bool, queue: bool = True
) -> list[InvitationLine]:
    """Each request's line: what invitation_preview says (`dry_run`) or what invitation_create did. The caller
    holds the transaction (one for a whole file) and checked the requests; refused ones only get their line."""
    lines = []
    for request in requests:
        invitation_id = None
        if request.refused:
            outcome = REFUSED
        elif dry_run:
            # An organisation the same file creates (organisation import) has no members or invitations yet: as
            # for no organisation, the preview looks at the address only.
            organisation = request.organisation if request.organisation and request.organisation.pk else None
            outcome = invitation_preview(email=request.email, role=request.role, organisation=organisation)
        else:
            result = invitation_create(
                email=request.email,
                role=request.role,
                organisation=request.organisation,
                name=request.name,
                invited_by=actor,
                queue=queue,
            )
            outcome = result.outcome
            if outcome in SENDING and result.invitation is not None:
                invitation_id = result.invitation.pk
        lines.append(
            InvitationLine(
                row=request.row,
                email=cell_shown(request.email),
                kbo=request.kbo,
                organisation=request.organisation.name if request.organisation else "",
                role=_role_shown(request.role),
                outcome=outcome,
                label=str(_("geweigerd: zie de fouten")) if outcome == REFUSED else str(OUTCOME_LABELS[outcome]),
                invitation_id=invitation_id,
            )
        )
    return lines


def invitation_counts(lines: Iterable[InvitationLine | Mapping[str, Any]]) -> dict[str, int]:
    """How many lines send a mail, send nothing (already a member or invited) and are refused; `lines` as
    reported, or as stored in a job's result (dicts)."""
    counts = {"sent": 0, "nothing": 0, "refused": 0}
    for line in lines:
        outcome = line["outcome"] if isinstance(line, Mapping) else line.outcome
        key = "refused" if outcome == REFUSED else "sent" if outcome in SENDING else "nothing"
        counts[key] += 1
    return counts


def _parse_invitations(
    table: Table, header: Header, errors: Errors, actor: User | None
) -> tuple[int, list[InvitationRequest]]:
    positions, names, width = header.positions, header.names, header.width
    read: list[tuple[int, dict[str, str], bool]] = []
    for number, cells in table.rows:
        if len(read) >= MAX_ROWS:
            raise Refused(
                _("Een bestand met uitnodigingen heeft hoogstens %(max)s rijen; splits het op.")
                % {"max": number_shown(MAX_ROWS)},
                number,
            )
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
        read.append((number, values, ok))

    # The file's enterprise numbers, each checked once and looked up in one query.
    digits_of: dict[str, str] = {}
    kbo_problems: dict[str, str] = {}
    for _number, values, _ok in read:
        text = values["kbo"]
        if text and not text_problem(text) and text not in digits_of and text not in kbo_problems:
            try:
                digits_of[text] = normalise_kbo(text)
            except ValidationError as error:
                kbo_problems[text] = " ".join(error.messages)
    organisations = {o.kbo: o for o in Organisation.objects.filter(kbo__in=set(digits_of.values()))}

    roles = _role_names()
    role_list = ", ".join(InvitationRole.values)
    first: dict[tuple[str, object], tuple[int, str]] = {}  # (email, organisation or role) -> (row, role)
    requests: list[InvitationRequest] = []
    for number, values, ok in read:
        kbo_text, email_text, role_text = values["kbo"], values["email"], values["role"]
        name = values.get("name", "")

        role = roles.get(role_text.lower())
        if not role_text:
            errors.add(
                number, names["role"], "", _("de rol ontbreekt; verwacht een van %(roles)s.") % {"roles": role_list}
            )
            ok = False
        elif role is None and not text_problem(role_text):
            errors.add(
                number,
                names["role"],
                role_text,
                _("onbekende rol ‘%(value)s’; verwacht een van %(roles)s.")
                % {"value": cell_shown(role_text), "roles": role_list},
            )
            ok = False

        email, email_ok = email_normalise(email_text), False
        if not email_text:
            errors.add(number, names["email"], "", _("het e-mailadres ontbreekt."))
        elif text_problem(email_text):
            pass  # reported with the other text problems
        elif problem := email_problem(email):
            errors.add(number, names["email"], email_text, problem)
        else:
            email_ok = True
        ok = ok and email_ok

        organisation, kbo = None, ""
        if role is not None and role not in ORGANISATION_ROLES:
            if kbo_text:
                errors.add(
                    number,
                    names["kbo"],
                    kbo_text,
                    _("een %(role)s hoort bij geen organisatie; laat het ondernemingsnummer leeg.")
                    % {"role": InvitationRole(role).label},
                )
                ok = False
        elif not kbo_text:
            if role is not None:
                errors.add(number, names["kbo"], "", _("het ondernemingsnummer ontbreekt; verwacht bv. 0123.456.749."))
                ok = False
        elif kbo_text in kbo_problems:
            errors.add(number, names["kbo"], kbo_text, kbo_problems[kbo_text])
            ok = False
        elif kbo_text in digits_of:
            kbo = format_kbo(digits_of[kbo_text])
            organisation = organisations.get(digits_of[kbo_text])
            if organisation is None:
                errors.add(
                    number,
                    names["kbo"],
                    kbo_text,
                    _(
                        "geen organisatie met ondernemingsnummer %(kbo)s; voeg ze eerst toe (organisatiebestand "
                        "of beheer)."
                    )
                    % {"kbo": kbo},
                )
                ok = False

        # Whom and where to invite are known: the actor's right to, and whether an earlier row asked the same.
        place_known = organisation is not None or role not in ORGANISATION_ROLES
        if role is not None and place_known and actor is not None:
            problem = invitation_problem(actor=actor, role=role, organisation=organisation)
            if problem:
                errors.add(number, names["role"], role_text, problem)
                ok = False

        if role is not None and place_known and email_ok:
            # A person has one membership per organisation: a second row for the same address and organisation is
            # a duplicate with any role. Staff and coordinator are roles of their own.
            seen = (email, organisation.pk if organisation is not None else role)
            earlier = first.get(seen)
            if earlier is None:
                first[seen] = (number, role)
            else:
                if earlier[1] == role:
                    message = _(
                        "hetzelfde e-mailadres, dezelfde organisatie en dezelfde rol als rij %(first)s; elke "
                        "uitnodiging mag maar één keer voorkomen."
                    ) % {"first": earlier[0]}
                else:
                    message = _(
                        "hetzelfde e-mailadres en dezelfde organisatie als rij %(first)s (als %(role)s); een persoon "
                        "heeft één rol per organisatie."
                    ) % {"first": earlier[0], "role": InvitationRole(earlier[1]).label}
                errors.add(number, names["email"], email_text, message)
                ok = False

        if name and not text_problem(name) and (problem := plain_text_problem(name, max_length=NAME_MAX_LENGTH)):
            errors.add(number, names["name"], name, problem)
            ok = False

        requests.append(
            InvitationRequest(
                row=number,
                email=email if email_ok else email_text,
                role=role or role_text,
                organisation=organisation,
                kbo=kbo or kbo_text,
                name=name,
                refused=not ok,
            )
        )
    return len(read), requests


def invitations_summary(report: ImportReport) -> str:
    """ "12 rijen: 10 krijgen een e-mail, 2 niet (al lid of al uitgenodigd)" in the active language, with the
    refusal or the dry run said."""
    counts = invitation_counts(report.invitations)
    values = {key: number_shown(count) for key, count in counts.items()}
    rows = ngettext("%(rows)s rij", "%(rows)s rijen", report.rows) % {"rows": number_shown(report.rows)}
    if report.errors:
        refused = _("%(refused)s met fouten: het bestand is geweigerd, er is niets verstuurd") % values
        return f"{rows}, {refused}"
    if report.dry_run:
        text = _("%(sent)s krijgen een e-mail, %(nothing)s niet (al lid of al uitgenodigd)") % values
        return f"{rows}: {text} – " + _("proefdraai: niets verstuurd")
    return f"{rows}: " + _("%(sent)s e-mails verstuurd, %(nothing)s niet (al lid of al uitgenodigd)") % values
