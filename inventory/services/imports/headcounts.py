"""Headcount files: parsed and checked against lookups loaded once, then stored set-based."""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from inventory.access import (
    cell_measure_problem,
    cell_region_problem,
    is_staff_member,
    submission_change_check,
    submission_locked_check,
)
from inventory.history import history_context, history_context_before_copy
from inventory.kbo import format_kbo, normalise_kbo
from inventory.models import (
    Measure,
    Organisation,
    Region,
    Submission,
    SubmissionStatus,
    counts_in_aggregates,
)
from inventory.parsing import is_digits
from inventory.services.aggregation import aggregates_mark_keys
from inventory.services.imports.cells import (
    cell_shown,
    cell_text,
    number_shown,
    parse_fte_cents,
    parse_persons,
    parse_year,
    text_problem,
)
from inventory.services.imports.files import Table, read_table
from inventory.services.imports.headers import HEADCOUNT_COLUMNS, Header, check_width, read_header
from inventory.services.imports.report import (
    PROGRESS_EVERY,
    Errors,
    ImportReport,
    ProgressCallback,
    Refused,
)
from inventory.services.submissions import check_measure_valid, check_region_exists, submission_validate


class _Lookups:
    """Organisations, measures and regions, loaded once per import."""

    def __init__(self, organisations: QuerySet[Organisation] | None, user: User | None = None) -> None:
        self.user = user
        self.organisations = list(Organisation.objects.only("id", "kbo", "name", "kind"))
        self.organisation_index = {o.kbo: i for i, o in enumerate(self.organisations)}
        self.allowed = None if organisations is None else set(organisations.values_list("pk", flat=True))
        self.pom = self.organisation_index.get(settings.POM_KBO)
        self.measures = list(Measure.objects.all())
        self.measure_index = {m.code.upper(): i for i, m in enumerate(self.measures)}
        self.regions = list(Region.objects.all())
        self.region_index = {r.code: i for i, r in enumerate(self.regions)}

    def organisation(self, value: Any) -> int | str:
        text = cell_text(value)
        if not text:
            if self.allowed is not None:
                return _("de organisatie ontbreekt; vul het ondernemingsnummer van uw organisatie in.")
            if self.pom is None:
                return _(
                    "cijfers zonder organisatie horen bij POM West-Vlaanderen (ondernemingsnummer %(kbo)s), maar "
                    "die organisatie bestaat niet; voeg ze eerst toe of vul een ondernemingsnummer in."
                ) % {"kbo": format_kbo(settings.POM_KBO)}
            return self.pom
        problem = text_problem(text)
        if problem:
            return problem
        try:
            kbo = normalise_kbo(text)
        except ValidationError as error:
            return " ".join(error.messages)
        index = self.organisation_index.get(kbo)
        if self.allowed is not None and (index is None or self.organisations[index].pk not in self.allowed):
            # The same answer for an unknown number: a portal user learns nothing about other organisations.
            return _(
                "%(kbo)s is geen van uw organisaties; u kunt enkel cijfers van uw eigen organisaties importeren."
            ) % {"kbo": format_kbo(kbo)}
        if index is None:
            return _(
                "er is geen organisatie met ondernemingsnummer %(kbo)s; voeg ze eerst toe (import_organisations "
                "of het beheer)."
            ) % {"kbo": format_kbo(kbo)}
        return index

    def measure(self, value: Any) -> int | str:
        text = cell_text(value)
        if not text:
            return _("de maatregel ontbreekt; verwacht een maatregelcode zoals %(example)s.") % {
                "example": self.measure_examples()
            }
        problem = text_problem(text)
        if problem:
            return problem
        index = self.measure_index.get(text.upper())
        if index is None:
            return _("onbekende maatregel ‘%(value)s’; verwacht een maatregelcode zoals %(example)s.") % {
                "value": cell_shown(text),
                "example": self.measure_examples(),
            }
        return index

    def measure_examples(self) -> str:
        return ", ".join(m.code for m in self.measures[:3]) or "VOP"

    def region(self, value: Any) -> int | str:
        text = cell_text(value)
        if not text:
            return _("de regio ontbreekt; verwacht een NIS-code van vijf cijfers, bv. 31005 voor Brugge.")
        problem = text_problem(text)
        if problem:
            return problem
        if is_digits(text) and len(text) < 5:
            text = text.zfill(5)  # a spreadsheet drops the leading zero of 02000
        index = self.region_index.get(text)
        if index is None:
            if is_digits(text) and len(text) == 5:
                return _("er is geen regio met NIS-code ‘%(value)s’ (Statbel); controleer de code.") % {
                    "value": cell_shown(value)
                }
            return _("onbekende regio ‘%(value)s’; verwacht een NIS-code van vijf cijfers, bv. 31005 voor Brugge.") % {
                "value": cell_shown(value)
            }
        return index


def validation_message(check: Callable[..., None], *args: Any) -> str | None:
    try:
        check(*args)
    except ValidationError as error:
        return " ".join(error.messages)
    return None


@dataclass
class _ParsedHeadcounts:
    """The valid rows, column by column in compact arrays (a 200,000-row file takes a few MB)."""

    has_fte: bool
    year_column: str = ""  # the file's name of the year column, for errors about the year
    pairs: dict[tuple[int, int], int] = field(default_factory=dict)  # (organisation index, year) -> pair index
    row: array[int] = field(default_factory=lambda: array("q"))
    pair: array[int] = field(default_factory=lambda: array("q"))
    measure: array[int] = field(default_factory=lambda: array("q"))
    region: array[int] = field(default_factory=lambda: array("q"))
    persons: array[int] = field(default_factory=lambda: array("q"))
    fte: array[int] = field(default_factory=lambda: array("q"))  # hundredths; -1 = empty
    key: array[int] = field(default_factory=lambda: array("q"))
    # 1 = a supplier's hidden small count stored as an estimate (only a supplier file's table has this column).
    estimated: array[int] = field(default_factory=lambda: array("b"))


def _parse_headcounts(
    table: Table, header: Header, lookups: _Lookups, errors: Errors, progress: ProgressCallback | None
) -> tuple[int, _ParsedHeadcounts]:
    positions, names = header.positions, header.names
    p_year, p_org, p_measure, p_region, p_persons = (
        positions[k] for k in ("year", "organisation", "measure", "region", "persons")
    )
    p_fte = positions.get("fte")
    p_estimated = positions.get("estimated")
    n_year, n_org, n_measure, n_region, n_persons = (
        names[k] for k in ("year", "organisation", "measure", "region", "persons")
    )
    n_fte = names.get("fte", "")
    parsed = _ParsedHeadcounts(has_fte=p_fte is not None, year_column=n_year)
    years: dict[Any, int | str] = {}
    organisations: dict[Any, int | str] = {}
    measures: dict[Any, int | str] = {}
    regions: dict[Any, int | str] = {}
    measure_in_year: dict[tuple[int, int], str | None] = {}
    region_in_year: dict[tuple[int, int], str | None] = {}
    measure_for_kind: dict[tuple[str, int], str | None] = {}
    region_allowed: dict[tuple[int, int], str | None] = {}
    restricted = lookups.allowed is not None
    first_row: dict[int, int] = {}  # key -> row number
    n_measures, n_regions = len(lookups.measures) or 1, len(lookups.regions) or 1
    max_rows = settings.IMPORT_MAX_ROWS
    width, unnamed = header.width, header.unnamed
    rows = 0
    append_row, append_pair, append_measure = parsed.row.append, parsed.pair.append, parsed.measure.append
    append_region, append_persons, append_fte = parsed.region.append, parsed.persons.append, parsed.fte.append
    append_key, pairs = parsed.key.append, parsed.pairs
    append_estimated = parsed.estimated.append

    for number, cells in table.rows:
        rows += 1
        if rows > max_rows:
            raise Refused(
                _("Het bestand heeft meer dan %(max)s rijen; splits het op.") % {"max": number_shown(max_rows)}, number
            )
        if progress is not None and rows % PROGRESS_EVERY == 0:
            progress(rows, max(table.estimate, rows))
        if len(cells) < width:
            cells = [*cells, *([None] * (width - len(cells)))]
        ok = True if len(cells) == width and not unnamed else check_width(number, cells, header, errors)

        # Unrolled on purpose, each column with its own cache of parsed values: this runs once per row of
        # files of 200,000 rows, where a helper call per cell costs a tenth of the import's time.
        raw = cells[p_year]
        year = years.get(raw)
        if year is None:
            year = years[raw] = parse_year(raw)
        if type(year) is str:
            errors.add(number, n_year, raw, year)
            ok = False
        raw = cells[p_org]
        organisation = organisations.get(raw)
        if organisation is None:
            organisation = organisations[raw] = lookups.organisation(raw)
        if type(organisation) is str:
            errors.add(number, n_org, raw, organisation)
            ok = False
        raw = cells[p_measure]
        measure = measures.get(raw)
        if measure is None:
            measure = measures[raw] = lookups.measure(raw)
        if type(measure) is str:
            errors.add(number, n_measure, raw, measure)
            ok = False
        raw = cells[p_region]
        region = regions.get(raw)
        if region is None:
            region = regions[raw] = lookups.region(raw)
        if type(region) is str:
            errors.add(number, n_region, raw, region)
            ok = False
        raw = cells[p_persons]
        persons = parse_persons(raw)
        if type(persons) is str:
            errors.add(number, n_persons, raw, persons)
            ok = False
        fte: int | str | None = None
        if p_fte is not None:
            raw = cells[p_fte]
            fte = parse_fte_cents(raw)
            if type(fte) is str:
                errors.add(number, n_fte, raw, fte)
                ok = False

        if type(year) is int and type(measure) is int:
            problem = measure_in_year.get((measure, year), "")
            if problem == "":
                problem = measure_in_year[(measure, year)] = validation_message(
                    check_measure_valid, lookups.measures[measure], year
                )
            if problem:
                errors.add(number, n_measure, cells[p_measure], problem)
                ok = False
        if type(year) is int and type(region) is int:
            problem = region_in_year.get((region, year), "")
            if problem == "":
                problem = region_in_year[(region, year)] = validation_message(
                    check_region_exists, lookups.regions[region], year
                )
            if problem:
                errors.add(number, n_region, cells[p_region], problem)
                ok = False
        # An upload restricted to the user's organisations (an editor's): the cells they may fill in, as on the
        # portal (access: the kind's measures, municipalities of that year).
        if restricted and type(organisation) is int and type(measure) is int:
            kind = lookups.organisations[organisation].kind
            problem = measure_for_kind.get((kind, measure), "")
            if problem == "":
                problem = measure_for_kind[(kind, measure)] = cell_measure_problem(
                    user=lookups.user, kind=kind, measure=lookups.measures[measure]
                )
            if problem:
                errors.add(number, n_measure, cells[p_measure], problem)
                ok = False
        if restricted and type(year) is int and type(region) is int:
            problem = region_allowed.get((region, year), "")
            if problem == "":
                problem = region_allowed[(region, year)] = cell_region_problem(
                    user=lookups.user, region=lookups.regions[region], year=year
                )
            if problem:
                errors.add(number, n_region, cells[p_region], problem)
                ok = False
        if not ok:
            continue

        pair = pairs.get((organisation, year))  # type: ignore[arg-type]  # ok: ints here, not error messages
        if pair is None:
            pair = pairs[(organisation, year)] = len(pairs)  # type: ignore[index]  # ok: ints here, not error messages
        key = (pair * n_measures + measure) * n_regions + region  # type: ignore[operator]  # ok: ints here, not error messages
        first = first_row.get(key)
        if first is not None:
            errors.add(
                number,
                "",
                ", ".join(cell_text(cells[p]) for p in (p_year, p_org, p_measure, p_region)),
                _(
                    "dezelfde organisatie, hetzelfde jaar, dezelfde maatregel en dezelfde regio als rij %(first)s; "
                    "elke combinatie mag maar één keer voorkomen."
                )
                % {"first": errors.row_label(first)},
            )
            continue
        first_row[key] = number
        append_row(number)
        append_pair(pair)
        append_measure(measure)  # type: ignore[arg-type]  # ok: ints here, not error messages
        append_region(region)  # type: ignore[arg-type]  # ok: ints here, not error messages
        append_persons(persons)  # type: ignore[arg-type]  # ok: ints here, not error messages
        append_fte(-1 if fte is None else fte)  # type: ignore[arg-type]  # ok: ints here, not error messages
        append_key(key)
        append_estimated(1 if p_estimated is not None and cells[p_estimated] else 0)
    return rows, parsed


_SUBMISSIONS_SQL = """
select id, organisation_id, year, status, version from inventory_submission
where (organisation_id, year) in (select * from unnest(%(organisations)s::bigint[], %(years)s::int[]))
"""

_UPSERT_SQL = """
insert into inventory_headcount as h (submission_id, measure_id, region_id, persons, fte, explanation, estimated)
select submission_id, measure_id, region_id, persons, fte, '', estimated from import_headcount
on conflict (submission_id, measure_id, region_id) do update
set {set}
where {distinct}
"""
# A stored headcount as one int, persons, the estimate flag and FTE (hundredths + 1, 0 = empty) packed: 200,000
# of them fit in a dict of plain ints.
_FTE_BITS = 42
_ESTIMATED = 1 << _FTE_BITS
_PERSONS_SHIFT = _FTE_BITS + 1


def _copy_text(value: int) -> str:
    return "\\N" if value < 0 else f"{value // 100}.{value % 100:02d}"


def headcounts_import(
    *,
    data: bytes,
    filename: str,
    user: User | None,
    dry_run: bool = False,
    validate: bool = False,
    organisations: QuerySet[Organisation] | None = None,
    progress: ProgressCallback | None = None,
    expected_versions: Mapping[str, int | None] | None = None,
    acting_user: User | None = None,
) -> ImportReport:
    """Import a headcount file (CSV or XLSX), all or nothing.

    A row whose (organisation, year, measure, region) is stored already changes that figure (a draft, submitted
    or returned submission) or is refused (validated: locked until staff reopen it); a row equal to what is
    stored is counted unchanged. Submissions that do not exist yet are created as drafts. An empty organisation
    means POM's own submission (settings.POM_KBO); `organisations` given (a portal upload) allows only rows of
    those organisations, never an empty one. Without an `fte` column stored FTEs are left alone.

    `validate`: afterwards validate every submission of the file in the name of `user`, who must be staff.
    `progress(done, total)` is called every PROGRESS_EVERY rows (total is an estimate until the last call).
    Every changed submission's version goes up by one; changes to submitted or validated figures are marked for
    the aggregates.

    `expected_versions` (the confirmation of a dry run: its report's `versions`): when the file's submissions,
    locked, no longer have these versions (someone changed them since, or created one), nothing is written and
    the report asks for a new dry run. `acting_user`: whom the audit trail names (staff confirming an editor's
    upload); the rules stay `user`'s, whose file it is.
    """
    if validate and not is_staff_member(user):
        raise PermissionDenied(_("Enkel POM-medewerkers kunnen aangiften valideren."))
    report = ImportReport(dry_run=dry_run)
    errors = Errors()
    try:
        table = read_table(data, filename, columns=len(HEADCOUNT_COLUMNS))
        header = read_header(table, HEADCOUNT_COLUMNS, errors)
        if header is None:
            report.errors = errors.result()
            return report
        lookups = _Lookups(organisations, user)
        report.rows, parsed = _parse_headcounts(table, header, lookups, errors, progress)
    except Refused as refused:
        errors.refuse(refused.row, refused.message)
        report.errors = errors.result()
        return report
    if not report.rows:
        errors.add(0, "", "", _("Het bestand bevat enkel een kopregel en geen gegevens."))
    return headcounts_store_report(
        parsed,
        lookups,
        report,
        errors,
        context={"source": "import", "file": PurePath(filename).name},
        dry_run=dry_run,
        validate=validate,
        user=user,
        acting_user=acting_user,
        expected_versions=expected_versions,
        progress=progress,
    )


def headcounts_store_report(
    parsed: _ParsedHeadcounts,
    lookups: _Lookups,
    report: ImportReport,
    errors: Errors,
    *,
    context: dict[str, Any],
    dry_run: bool,
    validate: bool,
    user: User | None,
    acting_user: User | None,
    expected_versions: Mapping[str, int | None] | None,
    progress: ProgressCallback | None,
) -> ImportReport:
    """The parsed rows compared with what is stored and, without errors and dry run, written, under the audit
    trail's `context` in the name of `acting_user` (the uploader beside it); then the report's errors and, with
    any, no counts. A headcount file's and a supplier file's last step."""
    if parsed.row:
        if acting_user is not None and user is not None and acting_user.pk != user.pk:
            context = context | {"uploaded_by": user.pk}
        with history_context(user=acting_user or user, **context):
            _store_headcounts(
                parsed,
                lookups,
                report,
                errors,
                write=not errors and not dry_run,
                validate=validate,
                user=user,
                expected_versions=expected_versions,
            )
    report.errors = errors.result()
    if report.errors:
        report.created = report.updated = report.unchanged = report.submissions_created = 0
        report.submission_ids, report.versions = [], {}
    if progress is not None:
        progress(report.rows, report.rows)
    return report


@dataclass
class _Stored:
    """The file's submissions (one per (organisation, year) pair) and the figures they hold."""

    pair_keys: list[tuple[int, int]]  # pair index -> (organisation index, year)
    submission_of: list[int | None]  # pair index -> submission id (None: not created, a dry run)
    status_of: list[str]
    figures: dict[int, int]  # key -> persons and FTE, packed


@dataclass
class _Changes:
    changed: bytearray  # per parsed row: to write
    new: bytearray  # per parsed row: not stored yet
    pairs: set[int] = field(default_factory=set)  # pairs with a change: their version goes up once
    dirty: dict[int, set[tuple[int, int]]] = field(default_factory=dict)  # year -> (region id, measure id)


def _store_headcounts(
    parsed: _ParsedHeadcounts,
    lookups: _Lookups,
    report: ImportReport,
    errors: Errors,
    *,
    write: bool,
    validate: bool,
    user: User | None,
    expected_versions: Mapping[str, int | None] | None,
) -> None:
    """Compare with what is stored (locked submissions), then, when `write`, write in one transaction."""
    with transaction.atomic():
        stored = _submissions_locked(parsed, lookups, report, write=write)
        if expected_versions is not None and report.versions != dict(expected_versions):
            errors.refuse(0, outdated_message())
            transaction.set_rollback(True)
            return
        changes = _compared(parsed, lookups, stored, report, errors, problems=_change_problems(lookups, stored, user))
        report.submission_ids = sorted(s for s in stored.submission_of if s is not None)
        if errors or not write:
            transaction.set_rollback(True)  # the submissions created above
            return
        _write_changes(parsed, lookups, stored, changes)
        for year, keys in sorted(changes.dirty.items()):
            aggregates_mark_keys(year=year, keys=sorted(keys))
        if validate:
            _validate_submissions(report.submission_ids, user, errors)
            if errors:
                transaction.set_rollback(True)


def _submissions_locked(parsed: _ParsedHeadcounts, lookups: _Lookups, report: ImportReport, *, write: bool) -> _Stored:
    """The file's submissions, created as drafts where missing (when writing), locked FOR UPDATE until the end of
    the transaction so that nobody changes or validates them meanwhile, with the figures they hold."""
    pair_keys = list(parsed.pairs)
    organisation_ids = [lookups.organisations[o].pk for o, _y in pair_keys]
    years = [y for _o, y in pair_keys]
    pair_of = {(lookups.organisations[o].pk, y): p for p, (o, y) in enumerate(pair_keys)}
    wanted = {"organisations": organisation_ids, "years": years}
    with connection.cursor() as cursor:
        # Locked from here when writing, so that the versions read are the ones the import changes.
        cursor.execute(_SUBMISSIONS_SQL + (" for update" if write else ""), wanted)
        versions = {(o, y): version for _id, o, y, _s, version in cursor.fetchall()}
    existing = set(versions)
    report.versions = {version_key(o, y): versions.get((o, y)) for o, y in zip(organisation_ids, years, strict=True)}
    missing = [
        Submission(organisation_id=o, year=y)
        for o, y in zip(organisation_ids, years, strict=True)
        if (o, y) not in existing
    ]
    report.submissions_created = len(missing)
    if write:
        Submission.objects.bulk_create(missing, ignore_conflicts=True)
    stored = _Stored(pair_keys, [None] * len(pair_keys), [SubmissionStatus.DRAFT] * len(pair_keys), {})
    with connection.cursor() as cursor:
        cursor.execute(_SUBMISSIONS_SQL + (" for update" if write else ""), wanted)
        for submission_id, organisation_id, year, status, _version in cursor.fetchall():
            pair = pair_of[(organisation_id, year)]
            stored.submission_of[pair], stored.status_of[pair] = submission_id, status
        stored.figures = _stored_figures(cursor, stored.submission_of, lookups)
    return stored


def version_key(organisation_id: int, year: int) -> str:
    return f"{organisation_id}:{year}"


def outdated_message() -> str:
    return _(
        "De cijfers van dit bestand zijn gewijzigd sinds de proefdraai (of er is intussen een aangifte bijgekomen); "
        "er is niets ingelezen. Start een nieuwe proefdraai met dit bestand."
    )


def submission_versions(keys: Iterable[str]) -> dict[str, int | None]:
    """The current version of each "organisation id:year" submission (None: there is none), as a report's
    `versions` records them."""
    pairs = [tuple(int(part) for part in key.split(":")) for key in keys]
    with connection.cursor() as cursor:
        cursor.execute(_SUBMISSIONS_SQL, {"organisations": [o for o, _y in pairs], "years": [y for _o, y in pairs]})
        found = {(o, y): version for _id, o, y, _s, version in cursor.fetchall()}
    return {version_key(o, y): found.get((o, y)) for o, y in pairs}


def _stored_figures(cursor: Any, submission_of: list[int | None], lookups: _Lookups) -> dict[int, int]:
    """The submissions' headcounts by the parsed rows' key, persons and FTE packed in one int."""
    pair_of_submission = {s: p for p, s in enumerate(submission_of) if s is not None}
    figures: dict[int, int] = {}
    if not pair_of_submission:
        return figures
    measure_index = {m.pk: i for i, m in enumerate(lookups.measures)}
    region_index = {r.pk: i for i, r in enumerate(lookups.regions)}
    n_measures, n_regions = len(lookups.measures), len(lookups.regions)
    cursor.execute(
        """select submission_id, measure_id, region_id, persons, (fte * 100)::bigint, estimated
           from inventory_headcount where submission_id = any(%(ids)s)""",
        {"ids": list(pair_of_submission)},
    )
    while batch := cursor.fetchmany(10_000):
        for submission_id, measure_id, region_id, persons, fte, estimated in batch:
            key = (pair_of_submission[submission_id] * n_measures + measure_index[measure_id]) * n_regions
            figures[key + region_index[region_id]] = (
                persons << _PERSONS_SHIFT | (_ESTIMATED if estimated else 0) | (0 if fte is None else fte + 1)
            )
    return figures


def _change_problems(lookups: _Lookups, stored: _Stored, user: User | None) -> list[ValidationError | None]:
    """Per pair, why its figures may not change (None: they may). The rule is inventory.access's, as on the
    portal's form: a validated submission is locked for everyone; an upload restricted to the user's own
    organisations (an editor's) also needs the year's round open and a submission not yet sent to POM."""
    problems: list[ValidationError | None] = []
    for pair, (organisation_index, year) in enumerate(stored.pair_keys):
        submission = Submission(
            organisation=lookups.organisations[organisation_index], year=year, status=stored.status_of[pair]
        )
        try:
            if lookups.allowed is None:
                submission_locked_check(submission)
            else:
                submission_change_check(user=user, submission=submission)
        except ValidationError as error:
            problems.append(error)
        else:
            problems.append(None)
    return problems


def _compared(
    parsed: _ParsedHeadcounts,
    lookups: _Lookups,
    stored: _Stored,
    report: ImportReport,
    errors: Errors,
    *,
    problems: list[ValidationError | None],
) -> _Changes:
    """Which rows are new, changed or unchanged (counted in the report); a change where `problems` says the
    submission may not change is an error on that row: in the year column when the year has no round or its round
    is not open, on the row as a whole otherwise (sent to POM, validated)."""
    changes = _Changes(changed=bytearray(len(parsed.row)), new=bytearray(len(parsed.row)))
    fte_mask = (1 << _FTE_BITS) - 1 if parsed.has_fte else 0
    in_aggregates = [counts_in_aggregates(status) for status in stored.status_of]
    estimated = parsed.estimated
    for i, key in enumerate(parsed.key):
        old = stored.figures.get(key)
        if old is None:
            report.created += 1
            changes.new[i] = 1
        elif (
            old >> _PERSONS_SHIFT == parsed.persons[i]
            and bool(old & _ESTIMATED) == bool(estimated[i])
            and (not fte_mask or old & fte_mask == parsed.fte[i] + 1)
        ):
            report.unchanged += 1
            continue
        else:
            report.updated += 1
        pair = parsed.pair[i]
        if in_aggregates[pair]:
            changes.dirty.setdefault(stored.pair_keys[pair][1], set()).add(
                (lookups.regions[parsed.region[i]].pk, lookups.measures[parsed.measure[i]].pk)
            )
        problem = problems[pair]
        if problem is not None:
            organisation_index, year = stored.pair_keys[pair]
            message = " ".join(problem.messages)
            if problem.code in ("no_round", "round_closed"):
                errors.add(parsed.row[i], parsed.year_column, year, message)
            else:
                errors.add(
                    parsed.row[i],
                    "",
                    f"{year}, {format_kbo(lookups.organisations[organisation_index].kbo)}, "
                    f"{lookups.measures[parsed.measure[i]].code}, {lookups.regions[parsed.region[i]].code}",
                    message,
                )
        changes.changed[i] = 1
        changes.pairs.add(pair)
    return changes


def _write_changes(parsed: _ParsedHeadcounts, lookups: _Lookups, stored: _Stored, changes: _Changes) -> None:
    """New figures by COPY straight into the table, changed ones by COPY into a temporary table and one
    INSERT ... ON CONFLICT DO UPDATE; then each changed submission's version goes up once."""
    measure_ids = [m.pk for m in lookups.measures]
    region_ids = [r.pk for r in lookups.regions]
    submission_of = stored.submission_of

    estimated = parsed.estimated

    def copy_lines(indexes: Iterator[int]) -> Iterator[str]:
        lines: list[str] = []
        for i in indexes:
            lines.append(
                f"{submission_of[parsed.pair[i]]}\t{measure_ids[parsed.measure[i]]}\t"
                f"{region_ids[parsed.region[i]]}\t{parsed.persons[i]}\t{_copy_text(parsed.fte[i])}\t\t"
                f"{'t' if estimated[i] else 'f'}\n"
            )
            if len(lines) >= 10_000:
                yield "".join(lines)
                lines.clear()
        yield "".join(lines)

    new = changes.new
    updated = bytes(c and not n for c, n in zip(changes.changed, new, strict=True))
    with connection.cursor() as cursor:
        history_context_before_copy(cursor)
        # New figures go straight into the table: the file's submissions are locked (FOR UPDATE), so no other
        # import adds the same keys meanwhile.
        with cursor.copy(
            "copy inventory_headcount (submission_id, measure_id, region_id, persons, fte, explanation, estimated) "
            "from stdin"
        ) as copy:
            for chunk in copy_lines(itertools.compress(range(len(new)), new)):
                copy.write(chunk)
        if any(updated):
            cursor.execute("drop table if exists pg_temp.import_headcount")
            cursor.execute(
                """create temporary table import_headcount (submission_id bigint, measure_id bigint,
                   region_id bigint, persons integer, fte numeric(12, 2), explanation text, estimated boolean)"""
            )
            with cursor.copy(
                "copy import_headcount (submission_id, measure_id, region_id, persons, fte, explanation, estimated) "
                "from stdin"
            ) as copy:
                for chunk in copy_lines(itertools.compress(range(len(updated)), updated)):
                    copy.write(chunk)
            if parsed.has_fte:
                upsert = _UPSERT_SQL.format(
                    set="persons = excluded.persons, fte = excluded.fte, estimated = excluded.estimated",
                    distinct="(h.persons, h.fte, h.estimated) is distinct from "
                    "(excluded.persons, excluded.fte, excluded.estimated)",
                )
            else:
                upsert = _UPSERT_SQL.format(
                    set="persons = excluded.persons, estimated = excluded.estimated",
                    distinct="(h.persons, h.estimated) is distinct from (excluded.persons, excluded.estimated)",
                )
            cursor.execute(upsert)
            cursor.execute("drop table import_headcount")
        cursor.execute(
            # As on the portal: a returned submission goes back to draft once it is worked on.
            """update inventory_submission set version = version + 1, updated_at = now(),
                   status = case when status = %(returned)s then %(draft)s else status end
               where id = any(%(ids)s)""",
            {
                "ids": sorted(submission_of[p] for p in changes.pairs),
                "returned": SubmissionStatus.RETURNED.value,
                "draft": SubmissionStatus.DRAFT.value,
            },
        )


def _validate_submissions(submission_ids: list[int], user: User | None, errors: Errors) -> None:
    """Validate the file's submissions in the name of `user` (staff: checked by headcounts_import)."""
    for submission in Submission.objects.filter(pk__in=submission_ids).exclude(status=SubmissionStatus.VALIDATED):
        try:
            submission_validate(submission=submission, user=user)
        except ValidationError as error:  # a returned submission goes back to draft first
            errors.add(0, "", str(submission), f"{submission}: {' '.join(error.messages)}")
