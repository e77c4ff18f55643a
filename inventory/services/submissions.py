"""Submissions and their headcounts: every write, from the portal, the admin, imports and commands, comes here.

Each function runs in one transaction, checks the rules that need other rows (a measure valid that year, a
region that existed that year, a locked submission), bumps the submission's version and marks what it
changed for the aggregates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from inventory.access import (
    submission_cell_check,
    submission_cell_problem,
    submission_change_check,
    submission_locked_check,
)
from inventory.constants import MAX_FTE, MAX_PERSONS
from inventory.history import history_context
from inventory.models import Headcount, Measure, Organisation, Region, Submission, SubmissionStatus
from inventory.parsing import text_check
from inventory.services.aggregation import aggregates_mark_keys, aggregates_mark_submissions
from inventory.services.notifications import queue_notification
from inventory.services.plausibility import plausibility_flags, unexplained


def check_measure_valid(measure: Measure, year: int) -> None:
    if not measure.is_valid_in(year):
        raise ValidationError(
            _("Maatregel %(code)s bestaat niet in %(year)s (geldig %(first)s-%(last)s).")
            % {"code": measure.code, "year": year, "first": measure.first_year or "", "last": measure.last_year or ""},
            code="measure_not_valid",
        )


def check_region_exists(region: Region, year: int) -> None:
    if region.is_valid_in(year):
        return
    names = {"code": region.code, "name": region.name, "year": year}
    if region.successor is not None and region.last_year is not None and year > region.last_year:
        message = _("Regio %(code)s (%(name)s) bestond niet in %(year)s; ze is opgegaan in %(successor)s (%(new)s).")
        names |= {"successor": region.successor.name, "new": region.successor.code}
    else:
        message = _("Regio %(code)s (%(name)s) bestond niet in %(year)s.")
    raise ValidationError(message % names, code="region_not_valid")


def check_persons(persons: int) -> None:
    if not isinstance(persons, int) or isinstance(persons, bool) or persons < 0:
        raise ValidationError(
            _("Aantal personen moet een geheel getal van 0 of meer zijn, niet %(value)s.") % {"value": persons},
            code="persons",
        )
    if persons > MAX_PERSONS:
        raise ValidationError(
            _("Aantal personen is hoogstens %(max)s, niet %(value)s.")
            % {"max": number_format(MAX_PERSONS, force_grouping=True), "value": persons},
            code="persons_max",
        )


def check_explanation(explanation: str) -> None:
    if not isinstance(explanation, str):
        raise ValidationError(_("Een toelichting is tekst zonder NUL-tekens."), code="explanation")
    text_check(explanation, multiline=True)


def _touch(submission: Submission) -> None:
    Submission.objects.filter(pk=submission.pk).update(version=F("version") + 1, updated_at=timezone.now())
    submission.refresh_from_db(fields=["version", "updated_at"])


def submission_get_or_create(*, organisation: Organisation, year: int) -> Submission:
    submission, _created = Submission.objects.get_or_create(organisation=organisation, year=year)
    return submission


@transaction.atomic
def headcount_save(
    *,
    submission: Submission,
    measure: Measure,
    region: Region,
    persons: int,
    fte: Decimal | None = None,
    explanation: str = "",
    headcount: Headcount | None = None,
    user: User | None = None,
) -> Headcount:
    """Create or change the headcount for (submission, measure, region); `headcount` to change an existing row
    (also when its measure or region changes). With `user` (the admin), the cell must be one that user may
    fill in (access.submission_cell_check: staff any, organisation users their kind's measures per
    municipality)."""
    submission_locked_check(submission)
    if user is not None:
        submission_cell_check(user=user, submission=submission, measure=measure, region=region)
    check_measure_valid(measure, submission.year)
    check_region_exists(region, submission.year)
    check_persons(persons)
    keys = [(region.pk, measure.pk)]
    if headcount is None:
        headcount = Headcount.objects.filter(submission=submission, measure=measure, region=region).first()
    if headcount is None:
        headcount = Headcount(submission=submission, measure=measure, region=region)
    elif headcount.pk:
        previous = Headcount.objects.get(pk=headcount.pk)
        keys.append((previous.region_id, previous.measure_id))
    if headcount.persons != persons:
        headcount.estimated = False  # a typed figure replaces a supplier's estimate
    headcount.measure, headcount.region = measure, region
    headcount.persons, headcount.fte, headcount.explanation = persons, fte, explanation
    headcount.save()
    _touch(submission)
    if submission.counts_in_aggregates:
        aggregates_mark_keys(year=submission.year, keys=keys)
    return headcount


@transaction.atomic
def headcount_delete(*, headcount: Headcount) -> None:
    submission = headcount.submission
    submission_locked_check(submission)
    headcount.delete()
    _touch(submission)
    if submission.counts_in_aggregates:
        aggregates_mark_keys(year=submission.year, keys=[(headcount.region_id, headcount.measure_id)])


def _transition(submission: Submission, allowed_from: tuple[str, ...], to: str) -> Submission:
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.status not in allowed_from:
        raise ValidationError(
            _("Een aangifte met status ‘%(status)s’ kan niet naar ‘%(to)s’.")
            % {"status": locked.get_status_display(), "to": SubmissionStatus(to).label},
            code="transition",
        )
    # The scope of its figures changes (draft -> provisional -> validated): re-sum its keys.
    aggregates_mark_submissions(submission_ids=[locked.pk])
    locked.status = to
    locked.version += 1
    return locked


@transaction.atomic
def submission_submit(*, submission: Submission, user: User | None) -> Submission:
    """Send a draft (or returned) submission to POM; refused while a plausibility flag has no explanation."""
    missing = unexplained(plausibility_flags(submission=submission))
    if missing:
        raise ValidationError([flag.message for flag in missing], code="plausibility")
    with history_context(user=user):
        locked = _transition(
            submission, (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED), SubmissionStatus.SUBMITTED
        )
        locked.submitted_at, locked.submitted_by = timezone.now(), user
        locked.save()
    queue_notification(locked.pk, SubmissionStatus.SUBMITTED)
    return locked


@transaction.atomic
def submission_validate(*, submission: Submission, user: User | None) -> Submission:
    with history_context(user=user):
        locked = _transition(
            submission, (SubmissionStatus.SUBMITTED, SubmissionStatus.DRAFT), SubmissionStatus.VALIDATED
        )
        locked.validated_at, locked.validated_by = timezone.now(), user
        locked.save()
    queue_notification(locked.pk)
    return locked


@transaction.atomic
def submission_return(*, submission: Submission, user: User | None, comment: str) -> Submission:
    if not comment.strip():
        raise ValidationError(_("Geef een reden op om de aangifte terug te sturen."), code="comment_required")
    text_check(comment, multiline=True)
    with history_context(user=user, reason=comment):
        locked = _transition(submission, (SubmissionStatus.SUBMITTED,), SubmissionStatus.RETURNED)
        locked.returned_at, locked.returned_by, locked.return_comment = timezone.now(), user, comment
        locked.save()
    queue_notification(locked.pk)
    return locked


@transaction.atomic
def submission_reopen(*, submission: Submission, user: User | None, reason: str) -> Submission:
    """A validated submission back to submitted, unlocked for corrections; its figures stay provisional."""
    if not reason.strip():
        raise ValidationError(_("Geef een reden op om de aangifte te heropenen."), code="reason_required")
    text_check(reason, multiline=True)
    with history_context(user=user, reason=reason):
        locked = _transition(submission, (SubmissionStatus.VALIDATED,), SubmissionStatus.SUBMITTED)
        locked.reopened_at, locked.reopen_reason = timezone.now(), reason
        locked.save()
    return locked


@transaction.atomic
def submission_delete(*, submission: Submission) -> None:
    submission_locked_check(submission)
    aggregates_mark_submissions(submission_ids=[submission.pk])
    submission.delete()


class SubmissionConflict(Exception):
    """Someone else saved the submission after this form was loaded; nothing was written."""

    def __init__(self, current: Submission) -> None:
        super().__init__(str(current))
        self.current = current


# The changed cells of a form in one statement each, whatever their number: unnest() turns the arrays into rows.
# A figure typed in a form is never an estimate (those come from supplier files): a changed one loses the flag.
_UPSERT_SQL = """
insert into inventory_headcount as h (submission_id, measure_id, region_id, persons, fte, explanation, estimated)
select %(submission)s, c.measure_id, c.region_id, c.persons, c.fte, c.explanation, false
from unnest(%(measures)s::bigint[], %(regions)s::bigint[], %(persons)s::integer[], %(ftes)s::numeric[],
            %(explanations)s::text[])
     as c(measure_id, region_id, persons, fte, explanation)
on conflict (submission_id, measure_id, region_id) do update
set persons = excluded.persons, fte = excluded.fte, explanation = excluded.explanation,
    -- a typed figure replaces a supplier's estimate
    estimated = h.estimated and h.persons = excluded.persons
where (h.persons, h.fte, h.explanation) is distinct from (excluded.persons, excluded.fte, excluded.explanation)
"""
_DELETE_SQL = """
delete from inventory_headcount
where submission_id = %(submission)s
  and (measure_id, region_id) in (select * from unnest(%(measures)s::bigint[], %(regions)s::bigint[]))
"""
_STORED_SQL = """
select measure_id, region_id, persons, fte, explanation from inventory_headcount
where submission_id = %(submission)s
  and (measure_id, region_id) in (select * from unnest(%(measures)s::bigint[], %(regions)s::bigint[]))
"""

Figures = Mapping[tuple[int, int], tuple[int | None, str]]
Ftes = Mapping[tuple[int, int], Decimal | None]
MAX_ID = 2**63 - 1
# The portal form says it beside the cell, the save service for any other caller.
FTE_WITHOUT_PERSONS = gettext_lazy("VTE zonder aantal personen; vul ook het aantal personen in.")


def _messages(check: Callable[..., None], *args: object) -> list[str]:
    try:
        check(*args)
    except ValidationError as error:
        return error.messages
    return []


def check_fte(fte: Decimal | None) -> None:
    if fte is not None and (not fte.is_finite() or fte < 0 or fte >= MAX_FTE):
        raise ValidationError(
            _("Aantal VTE moet een getal van 0 of meer zijn, niet %(value)s.") % {"value": fte}, code="fte"
        )


def _cell_problems(submission: Submission, figures: Figures, ftes: Ftes, user: User | None) -> list[str]:
    """Why cells of a form cannot be stored (Dutch, each naming its cell), in the order of `figures`: two
    queries, whatever the number of cells. A cell must also be one the user may fill in
    (access.submission_cell_problem), emptied ones included: an organisation user neither sets nor removes a
    figure of another kind's measure or at a higher level than a municipality."""
    year = submission.year
    # An id beyond a bigint is unknown without asking (PostgreSQL would refuse the number).
    measures = Measure.objects.in_bulk({m for m, _r in figures if 0 < m <= MAX_ID})
    regions = Region.objects.in_bulk({r for _m, r in figures if 0 < r <= MAX_ID})
    problems = []
    for (measure_id, region_id), (persons, explanation) in figures.items():
        measure, region = measures.get(measure_id), regions.get(region_id)
        found = []
        # A figure that is removed need not be valid that year: a measure that ended can still be emptied.
        if measure is None:
            found.append(_("er is geen maatregel met id %(id)s.") % {"id": measure_id})
        elif persons is not None:
            found += _messages(check_measure_valid, measure, year)
        if region is None:
            found.append(_("er is geen regio met id %(id)s.") % {"id": region_id})
        elif persons is not None:
            found += _messages(check_region_exists, region, year)
        if persons is not None:
            found += _messages(check_persons, persons)
        fte = ftes.get((measure_id, region_id))
        if fte is not None:
            found += _messages(check_fte, fte)
            if persons is None:
                found.append(str(FTE_WITHOUT_PERSONS))
        found += _messages(check_explanation, explanation)
        if measure is not None and region is not None:
            problem = submission_cell_problem(user=user, submission=submission, measure=measure, region=region)
            if problem is not None:
                found.append(problem)
        if found:
            cell = (
                _("%(measure)s in %(region)s") % {"measure": measure.code, "region": region.name}
                if measure is not None and region is not None
                else _("cel %(measure)s-%(region)s") % {"measure": measure_id, "region": region_id}
            )
            problems += [f"{cell}: {problem}" for problem in found]
    return problems


@transaction.atomic
def submission_save_figures(
    *,
    submission: Submission,
    figures: Figures,
    version: int,
    user: User | None,
    ftes: Ftes | None = None,
) -> Submission:
    """Save the changed cells of a form: (measure id, region id) -> (persons or None to remove, explanation).
    `ftes`: the full-time equivalents of cells, (measure id, region id) -> FTE or None (none given); a cell of
    `figures` not in `ftes` keeps its stored FTE.

    `version` is the one the form was loaded with: if the submission changed since, SubmissionConflict is
    raised with the current state and nothing is written (optimistic locking). A submission not saved yet (a
    form's first save) is made in this transaction, so that a refused save leaves no empty one behind. Every
    cell is checked first (ValidationError with a message per bad cell, nothing written); then the cells that
    differ from what is stored are written set-based, one statement for the new and changed ones and one for
    the removed ones, whatever their number, and the version goes up once. A returned submission goes back to
    draft."""
    if submission._state.adding:
        submission = submission_get_or_create(organisation=submission.organisation, year=submission.year)
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.version != version:
        raise SubmissionConflict(locked)
    submission_change_check(user=user, submission=locked)
    ftes = ftes or {}
    problems = _cell_problems(locked, figures, ftes, user) if figures else []
    if problems:
        raise ValidationError(problems, code="cells")
    stored: dict[tuple[int, int], tuple[int, Decimal | None, str]] = {}
    if figures:
        with connection.cursor() as cursor:
            cursor.execute(_STORED_SQL, _key_arrays(locked, figures))
            stored = {(m, r): (persons, fte, explanation) for m, r, persons, fte, explanation in cursor.fetchall()}
    wanted = {
        key: (persons, ftes[key] if key in ftes else (stored[key][1] if key in stored else None), explanation)
        for key, (persons, explanation) in figures.items()
        if persons is not None
    }
    upserts = {key: value for key, value in wanted.items() if stored.get(key) != value}
    deletes = [key for key, (persons, _explanation) in figures.items() if persons is None and key in stored]
    returned = locked.status == SubmissionStatus.RETURNED
    if not upserts and not deletes and not returned:
        return locked
    with history_context(user=user), connection.cursor() as cursor:
        if upserts:
            cursor.execute(
                _UPSERT_SQL,
                {
                    **_key_arrays(locked, upserts),
                    "persons": [persons for persons, _fte, _explanation in upserts.values()],
                    "ftes": [fte for _persons, fte, _explanation in upserts.values()],
                    "explanations": [explanation for _persons, _fte, explanation in upserts.values()],
                },
            )
        if deletes:
            cursor.execute(_DELETE_SQL, _key_arrays(locked, deletes))
        # Once per save, however many cells changed; back to draft once a returned submission is worked on.
        cursor.execute(
            """update inventory_submission set version = version + 1, updated_at = now(),
                      status = case when status = %(returned)s then %(draft)s else status end
               where id = %(id)s returning version, updated_at, status""",
            {"id": locked.pk, "returned": SubmissionStatus.RETURNED, "draft": SubmissionStatus.DRAFT},
        )
        locked.version, locked.updated_at, locked.status = cursor.fetchone()
    if locked.counts_in_aggregates:
        aggregates_mark_keys(year=locked.year, keys=[(r, m) for m, r in [*upserts, *deletes]])
    return locked


def _key_arrays(submission: Submission, keys: Iterable[tuple[int, int]]) -> dict[str, Any]:
    keys = list(keys)
    return {"submission": submission.pk, "measures": [m for m, _r in keys], "regions": [r for _m, r in keys]}
