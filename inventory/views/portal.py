"""The organisation portal: one form per organisation and year, measures as rows and regions as columns, last
year's figure beside each input. Works without JavaScript; viewers see it read-only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from inventory.access import (
    AuthenticatedHttpRequest,
    portal_organisation_get_for,
    submission_change_problem,
)
from inventory.forms import PortalForm, posted_cells
from inventory.models import CollectionRound, Measure, Region, Submission
from inventory.services.plausibility import Flag, plausibility_flags, previous_figures
from inventory.services.submissions import (
    SubmissionConflict,
    submission_get_or_create,
    submission_save_figures,
    submission_submit,
)


@dataclass
class Cell:
    region: Region
    name: str
    persons: int | None
    previous: int | None
    explanation: str
    flag: Flag | None = None
    errors: list[str] = field(default_factory=list)
    typed: str | None = None  # a refused value, shown again as typed


@dataclass
class Row:
    measure: Measure
    cells: list[Cell] = field(default_factory=list)
    previous_total: int = 0
    missing_flag: Flag | None = None


def _grid(
    submission: Submission,
    regions: list[Region],
    figures: dict[tuple[int, int], tuple[int | None, str]],
    flags: list[Flag],
    errors: dict[tuple[int, int], list[str]],
    typed: dict[tuple[int, int], str],
) -> list[Row]:
    year, kind = submission.year, submission.organisation.kind
    previous = previous_figures(submission)
    used = {m for m, _r in figures} | {m for m, _r in previous}
    measures = Measure.objects.filter(pk__in=used) | Measure.objects.valid_in(year).for_kind(kind)
    by_cell = {(f.measure_id, f.region_id): f for f in flags if f.region_id is not None}
    missing = {f.measure_id: f for f in flags if f.region_id is None}
    rows = []
    for measure in measures.distinct().order_by("trede", "group", "code"):
        row = Row(measure=measure, missing_flag=missing.get(measure.pk))
        for region in regions:
            persons, explanation = figures.get((measure.pk, region.pk), (None, ""))
            row.cells.append(
                Cell(
                    region=region,
                    name=f"{measure.pk}-{region.pk}",
                    persons=persons,
                    previous=previous.get((measure.pk, region.pk)),
                    explanation=explanation,
                    flag=by_cell.get((measure.pk, region.pk)),
                    errors=errors.get((measure.pk, region.pk), []),
                    typed=typed.get((measure.pk, region.pk)),
                )
            )
        row.previous_total = sum(v for (m, _r), v in previous.items() if m == measure.pk)
        rows.append(row)
    return rows


def _regions(submission: Submission, figures: Mapping[tuple[int, int], object], extra: list[str]) -> list[Region]:
    """Where its people work: the home municipality, every region with a figure now or last year, and the
    regions the user added."""
    ids = {submission.organisation.home_region_id} | {r for _m, r in figures}
    ids |= {r for _m, r in previous_figures(submission)}
    regions = Region.objects.filter(pk__in=ids) | Region.objects.filter(code__in=extra)
    return list(regions.valid_in(submission.year).distinct().order_by("code"))


def portal_form(request: AuthenticatedHttpRequest, organisation_pk: int, year: int) -> HttpResponse:
    organisation = portal_organisation_get_for(request.user, organisation_pk)
    if (
        not CollectionRound.objects.filter(year=year).exists()
        and not Submission.objects.filter(organisation=organisation, year=year).exists()
    ):
        raise Http404
    # Not saved until there is something to save: a refused or invalid POST leaves no empty draft behind.
    submission = Submission.objects.filter(organisation=organisation, year=year).first() or Submission(
        organisation=organisation, year=year
    )
    stored = (
        {(h.measure_id, h.region_id): (h.persons, h.explanation) for h in submission.headcounts.all()}
        if submission.pk
        else {}
    )
    extra = request.GET.getlist("regio") + request.POST.getlist("regio") + [request.POST.get("add_region", "")]
    # Region codes are letters and digits: anything else (a NUL byte PostgreSQL refuses) is no region, as an
    # unknown code is.
    extra = [code for code in extra if code.isascii() and code.isalnum()]
    regions = _regions(submission, stored, extra)
    # Why this user may not change these figures now (a viewer, a closed round, sent or validated), or None.
    readonly_reason = submission_change_problem(user=request.user, submission=submission)
    can_edit = readonly_reason is None
    figures: dict[tuple[int, int], tuple[int | None, str]] = dict(stored)
    errors: list[str] = []
    cell_errors: dict[tuple[int, int], list[str]] = {}
    typed: dict[tuple[int, int], str] = {}
    conflict = None
    if request.method == "POST":
        if readonly_reason is not None:
            raise PermissionDenied(readonly_reason)
        form = PortalForm(request.POST, cells=posted_cells(request.POST, regions), stored=stored)
        valid = form.is_valid()
        figures.update(form.posted_figures())
        errors, cell_errors, typed = form.messages(), form.cell_errors(), form.typed_values()
        # "Toevoegen" only adds the municipality's column; "Bewaren" and "Indienen" save whatever is chosen there.
        if valid and "add" not in request.POST:
            try:
                if submission._state.adding:
                    submission = submission_get_or_create(organisation=organisation, year=year)
                submission = submission_save_figures(
                    submission=submission,
                    figures=form.changed_figures(),
                    version=form.cleaned_data["version"],
                    user=request.user,
                )
                if "submit" in request.POST:
                    submission_submit(submission=submission, user=request.user)
                    messages.success(request, _("De aangifte is ingediend. Dank u!"))
                else:
                    messages.success(request, _("Opgeslagen als ontwerp."))
                return redirect("inventory:portal-form", organisation_pk=organisation.pk, year=year)
            except SubmissionConflict as error:
                conflict = error.current
                figures = {(h.measure_id, h.region_id): (h.persons, h.explanation) for h in conflict.headcounts.all()}
                submission = conflict
            except ValidationError as error:
                errors = error.messages
                submission.refresh_from_db()
    entered = {key: (persons, note) for key, (persons, note) in figures.items() if persons is not None}
    # A form nobody has filled in yet gets no warnings in every row; they come with the first figures (and the
    # submit checks them all the same).
    started = bool(entered) or request.method == "POST"
    flags = plausibility_flags(submission=submission, figures=entered) if started else []
    rows = _grid(submission, regions, figures, flags, cell_errors, typed)
    municipalities = Region.objects.municipalities().valid_in(year).exclude(pk__in=[r.pk for r in regions])
    return render(
        request,
        "inventory/portal_form.html",
        {
            "organisation": organisation,
            "year": year,
            "submission": submission,
            "regions": regions,
            "rows": rows,
            "can_edit": can_edit,
            "errors": errors,
            "conflict": conflict,
            "readonly_reason": readonly_reason,
            "flags": flags,
            "municipalities": municipalities,
            "extra": extra,
        },
    )
