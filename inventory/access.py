"""Who sees and changes what: the one place. Views, the API, exports, tables, the dashboard and the services
ask here; views guard themselves with the decorators at the end.

Roles (README, "Roles"): staff (`is_staff`) may do everything; coordinators (`is_coordinator`) see every
organisation's validated figures, export and publish; organisation editors report their own organisations'
figures, viewers read them. Outsiders get 404 (a page they may not see does not exist for them); someone who
may see a page but not do what they asked gets 403 with the reason, both on the same Dutch error page.

Provisional figures (submitted but not yet validated) are for staff only: a coordinator who asks for them gets
403 with PROVISIONAL_STAFF_ONLY on every page, export and API, never a silent fallback to validated figures.
Organisation users read their own organisations' headcounts in both scopes: those are their own figures.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import EDITING_ROLES, User
from inventory.models import (
    CollectionRound,
    Headcount,
    HeadcountQuerySet,
    ImportJob,
    Measure,
    Organisation,
    OrganisationKind,
    Region,
    Scope,
    Submission,
    SubmissionQuerySet,
    SubmissionStatus,
)

PROVISIONAL_STAFF_ONLY = gettext_lazy("Voorlopige cijfers zijn enkel voor POM-medewerkers.")
UPLOADERS_ONLY = gettext_lazy("Enkel POM-medewerkers en invoerders van een organisatie laden bestanden op.")

# --- roles ----------------------------------------------------------------------------------------------------


class AuthenticatedHttpRequest(HttpRequest):
    """A request past LoginRequiredMiddleware, for type checking: its user is signed in."""

    user: User


def is_staff_member(user: User | AnonymousUser | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def is_coordinator(user: User | AnonymousUser | None) -> bool:
    """Coordinators and staff: everyone who sees every organisation's validated figures."""
    return bool(
        user is not None and user.is_authenticated and user.is_active and (user.is_coordinator or user.is_staff)
    )


# --- organisations and their figures ------------------------------------------------------------------------


def organisations_visible_to(user: User) -> QuerySet[Organisation]:
    if is_coordinator(user):
        return Organisation.objects.all()
    return Organisation.objects.filter(memberships__user=user)


def organisations_editable_by(user: User) -> QuerySet[Organisation]:
    if is_staff_member(user):
        return Organisation.objects.all()
    return Organisation.objects.filter(memberships__user=user, memberships__role__in=EDITING_ROLES)


def organisation_get_for(user: User, pk: int) -> Organisation:
    """An organisation the user may see; 404 otherwise."""
    try:
        return organisations_visible_to(user).get(pk=pk)
    except Organisation.DoesNotExist:
        raise Http404 from None


def portal_organisation_get_for(user: User, pk: int) -> Organisation:
    """An organisation whose yearly form the user may open: their own (editor or viewer), any for staff. A
    coordinator who is not a member gets 404: drafts and figures under review are not theirs to read."""
    organisations = (
        Organisation.objects.all() if is_staff_member(user) else Organisation.objects.filter(memberships__user=user)
    )
    try:
        return organisations.distinct().get(pk=pk)
    except Organisation.DoesNotExist:
        raise Http404 from None


def may_upload(user: User | AnonymousUser) -> bool:
    """Staff, and editors of at least one organisation (their own organisations' headcount files)."""
    return is_staff_member(user) or (isinstance(user, User) and organisations_editable_by(user).exists())


def import_kinds_for(user: User) -> list[str]:
    """What the user may upload: staff headcount, organisation and invitation files, editors headcount files."""
    if is_staff_member(user):
        return list(ImportJob.Kind.values)
    return [ImportJob.Kind.HEADCOUNTS] if may_upload(user) else []


def import_organisations_for(user: User) -> QuerySet[Organisation] | None:
    """Whose rows the user's files may hold: None = any organisation and rows without one (staff)."""
    return None if is_staff_member(user) else organisations_editable_by(user)


def may_see_contact_emails(user: User) -> bool:
    """Organisations' contact addresses are for staff (they send the reminders)."""
    return is_staff_member(user)


def headcounts_visible_to(user: User) -> HeadcountQuerySet:
    """Every headcount the user may read, in any scope: staff every sent submission's (not drafts, which are
    still the organisation's), coordinators validated ones, organisation users their own organisations' in
    any status."""
    headcounts = Headcount.objects.all()
    if is_staff_member(user):
        return headcounts.exclude(submission__status=SubmissionStatus.DRAFT)
    if is_coordinator(user):
        return headcounts.in_scope(Scope.VALIDATED)
    return headcounts.filter(submission__organisation__in=organisations_visible_to(user))


def submissions_visible_to(user: User) -> SubmissionQuerySet:
    """The submissions whose headcounts the user may read (as headcounts_visible_to)."""
    if is_staff_member(user):
        return Submission.objects.exclude(status=SubmissionStatus.DRAFT)
    if is_coordinator(user):
        return Submission.objects.in_scope(Scope.VALIDATED)
    return Submission.objects.filter(organisation__in=organisations_visible_to(user))


# --- scopes ---------------------------------------------------------------------------------------------------


def scope_readable(user: User, scope: str, *, aggregates: bool) -> bool:
    """Whether the user may read figures of `scope`: aggregates (which mix every organisation's figures) for
    coordinators, provisional ones for staff; headcounts in both scopes for organisation users (their own)."""
    if aggregates and not is_coordinator(user):
        return False
    if scope == Scope.PROVISIONAL:
        return is_staff_member(user) or not is_coordinator(user)
    return True


def readable_scopes(user: User, *, aggregates: bool) -> list[str]:
    """The scopes the user may choose: what forms and filters offer."""
    return [scope for scope in Scope.values if scope_readable(user, scope, aggregates=aggregates)]


def scope_check(user: User, scope: str, *, aggregates: bool) -> None:
    """PermissionDenied with the reason when the user may not read figures of `scope` (see scope_readable)."""
    if not scope_readable(user, scope, aggregates=aggregates):
        if aggregates and not is_coordinator(user):
            raise PermissionDenied(_("Enkel POM-medewerkers en coördinatoren zien aggregaten."))
        raise PermissionDenied(str(PROVISIONAL_STAFF_ONLY))


# --- changing a submission ------------------------------------------------------------------------------------


def submission_locked_check(submission: Submission) -> None:
    """A validated submission is locked for everyone, staff included, until staff reopen it."""
    if submission.is_locked:
        raise ValidationError(
            _("De aangifte %(submission)s is gevalideerd en dus vergrendeld; een medewerker moet ze eerst heropenen.")
            % {"submission": submission},
            code="locked",
        )


def no_round_message(year: int) -> str:
    """What every page and import says about a year that has no collection round: nobody was asked for it."""
    return _("Er is geen bevraging voor %(year)s.") % {"year": year}


def submission_change_check(*, user: User | None, submission: Submission) -> None:
    """ValidationError with the reason when `user` may not change the submission's figures now: validated
    (locked until staff reopen it), no round for the year or the round not open (staff always may), or sent to
    POM (staff only; POM returns it when something must change). `user` None counts as not staff."""
    submission_locked_check(submission)
    if not is_staff_member(user):
        round_ = CollectionRound.objects.filter(year=submission.year).first()
        today = timezone.localdate()
        if round_ is None:
            raise ValidationError(
                no_round_message(submission.year)
                + " "
                + _("Enkel POM-medewerkers kunnen cijfers voor dat jaar invoeren."),
                code="no_round",
            )
        if not round_.opens_on <= today <= round_.closes_on:
            raise ValidationError(
                _("De bevraging voor %(year)s is niet open; enkel POM-medewerkers kunnen de cijfers nog wijzigen.")
                % {"year": submission.year},
                code="round_closed",
            )
        if submission.status == SubmissionStatus.SUBMITTED:
            raise ValidationError(
                _("De aangifte is al ingediend; POM kan ze terugsturen als er nog iets moet veranderen."),
                code="submitted",
            )


def organisation_editable(*, user: User, organisation_id: int) -> bool:
    """Whether the user may change this organisation's figures at all: its editors and staff (a viewer reads)."""
    return organisations_editable_by(user).filter(pk=organisation_id).exists()


def submission_change_problem(*, user: User, submission: Submission, editor: bool) -> str | None:
    """Why the user may not change the submission now (the first reason), or None when they may. `editor` is
    organisation_editable's answer for the submission's organisation, asked once by the caller (the portal words
    its page by it too)."""
    if not editor:
        return _("U kunt deze cijfers lezen maar niet wijzigen.")
    try:
        submission_change_check(user=user, submission=submission)
    except ValidationError as error:
        return error.messages[0]
    return None


def cell_measure_problem(*, user: User | None, kind: str, measure: Measure) -> str | None:
    """Why `user` may not give a figure for `measure` in a submission of an organisation of `kind` (None: they
    may). Organisation users report the measures their kind reports (`Measure.for_kind`, here for a loaded
    row); staff may fill in any measure."""
    if is_staff_member(user) or kind in measure.reporter_kinds:
        return None
    return _(
        "maatregel %(code)s wordt niet gerapporteerd door een %(kind)s; enkel POM-medewerkers kunnen hem invullen."
    ) % {"code": measure.code, "kind": OrganisationKind(kind).label if kind in OrganisationKind.values else kind}


def cell_region_problem(*, user: User | None, region: Region, year: int) -> str | None:
    """Why `user` may not give a figure at `region` for `year` (None: they may). Organisation users report per
    municipality that existed that year; staff may also fill in figures at a higher level (data known only
    there)."""
    if is_staff_member(user) or (region.level == Region.Level.GEMEENTE and region.is_valid_in(year)):
        return None
    if region.level != Region.Level.GEMEENTE:
        return _(
            "regio %(code)s (%(name)s) is een %(level)s; organisaties geven hun cijfers per gemeente, enkel "
            "POM-medewerkers vullen cijfers op een hoger niveau in."
        ) % {"code": region.code, "name": region.name, "level": region.get_level_display()}
    return _("gemeente %(code)s (%(name)s) bestond niet in %(year)s.") % {
        "code": region.code,
        "name": region.name,
        "year": year,
    }


def submission_cell_problem(
    *, user: User | None, submission: Submission, measure: Measure, region: Region
) -> str | None:
    """Why `user` may not give a figure for this measure and region in `submission` (None: they may): the
    per-cell half of "may this user change this submission now" (submission_change_check is the other). The
    portal, the upload, the import service and the admin all ask here. `user` None counts as not staff."""
    return cell_measure_problem(user=user, kind=submission.organisation.kind, measure=measure) or cell_region_problem(
        user=user, region=region, year=submission.year
    )


def submission_cell_check(*, user: User | None, submission: Submission, measure: Measure, region: Region) -> None:
    """ValidationError with submission_cell_problem's reason."""
    problem = submission_cell_problem(user=user, submission=submission, measure=measure, region=region)
    if problem is not None:
        raise ValidationError(problem, code="cell_not_allowed")


# --- import jobs ----------------------------------------------------------------------------------------------


def import_jobs_visible_to(user: User) -> QuerySet[ImportJob]:
    """A job belongs to whoever uploaded it; staff see every job."""
    jobs = ImportJob.objects.defer("data")
    return jobs if is_staff_member(user) else jobs.filter(user=user)


def import_job_get_for(user: User, pk: str) -> ImportJob:
    try:
        return import_jobs_visible_to(user).get(pk=pk)
    except (ImportJob.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


def edition_withdraw_check(user: User) -> None:
    """Withdrawing a published edition is for staff; a coordinator sees the editions page and gets the reason."""
    if not is_staff_member(user):
        raise PermissionDenied(_("Enkel POM-medewerkers trekken edities in."))


# --- guards for views -----------------------------------------------------------------------------------------

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def _guard(allowed: Callable[[User], bool], *, denied: Callable[[], Exception]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not allowed(request.user):  # type: ignore[arg-type]  # LoginRequiredMiddleware: never anonymous
                raise denied()
            return view(request, *args, **kwargs)

        return guarded  # type: ignore[return-value]  # same signature as the view it wraps

    return decorator


def _not_found() -> Exception:
    return Http404(_("Deze pagina bestaat niet of is niet voor u."))


# Pages for one role only: everyone else gets 404, the page does not exist for them.
staff_required = _guard(is_staff_member, denied=_not_found)
coordinator_required = _guard(is_coordinator, denied=_not_found)
# Uploading: a viewer sees that the page exists (the header does not link it) and gets the reason.
uploader_required = _guard(
    may_upload,
    denied=lambda: PermissionDenied(str(UPLOADERS_ONLY)),
)
