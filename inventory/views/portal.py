"""The organisation portal: one form per organisation and year, measures as rows and regions as columns, last
year's figure beside each input, persons and VTE per cell, totals per measure and per region. Works without
JavaScript; viewers see it read-only.

Nothing typed is lost: a refused form comes back with every value as typed, and the column "Nieuwe gemeente"
(a municipality picked in "Gemeente toevoegen" with its figures typed, without clicking "Toevoegen") is saved
with the rest by "Bewaren als ontwerp" and "Indienen bij POM".
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from inventory.access import (
    AuthenticatedHttpRequest,
    cell_region_problem,
    no_round_message,
    organisation_editable,
    portal_organisation_get_for,
    submission_cell_problem,
    submission_change_problem,
)
from inventory.forms import PortalForm, posted_cells
from inventory.models import CollectionRound, Headcount, Measure, Region, Submission, SubmissionStatus
from inventory.parsing import is_digits
from inventory.selectors.indicators import fte_sum
from inventory.services.plausibility import Flag, plausibility_flags, previous_figures, unexplained
from inventory.services.submissions import (
    SubmissionConflict,
    submission_save_figures,
    submission_submit,
)
from inventory.views.errors import NotFound

# The GET parameter of "Cijfers van vorig jaar overnemen": fills the empty cells, saves nothing.
COPY_PREVIOUS = "vorig_jaar"


@dataclass
class Cell:
    region: Region
    name: str
    persons: int | None
    previous: int | None
    explanation: str
    fte: Decimal | None = None
    flag: Flag | None = None
    errors: list[str] = field(default_factory=list)
    typed: str | None = None  # a refused value, shown again as typed
    typed_fte: str | None = None  # the VTE as typed (12,5), on a page that comes back from a POST
    editable: bool = True  # this user may fill in this measure at this region (access.submission_cell_problem)


@dataclass
class Row:
    measure: Measure
    cells: list[Cell] = field(default_factory=list)
    previous_total: int = 0
    missing_flag: Flag | None = None
    persons_total: int = 0
    fte_total: Decimal | None = None
    new_persons: str = ""  # what was typed in the column "Nieuwe gemeente"
    new_fte: str = ""
    new_errors: list[str] = field(default_factory=list)

    @property
    def editable(self) -> bool:
        return any(cell.editable for cell in self.cells)


@dataclass
class Total:
    region: Region
    persons: int = 0
    fte: Decimal | None = None


@dataclass
class Page:
    """What the grid shows: (measure id, region id) -> persons and explanation, FTE, and what was typed."""

    figures: dict[tuple[int, int], tuple[int | None, str]]
    ftes: dict[tuple[int, int], Decimal | None]
    errors: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    typed: dict[tuple[int, int], str] = field(default_factory=dict)
    typed_ftes: dict[tuple[int, int], str] = field(default_factory=dict)


def _grid(
    request: AuthenticatedHttpRequest,
    submission: Submission,
    regions: list[Region],
    page: Page,
    flags: list[Flag],
    *,
    previous: dict[tuple[int, int], int],
    can_edit: bool,
) -> tuple[list[Row], list[Total]]:
    year, kind = submission.year, submission.organisation.kind
    used = {m for m, _r in page.figures} | {m for m, _r in previous}
    measures = Measure.objects.filter(pk__in=used) | Measure.objects.valid_in(year).for_kind(kind)
    by_cell = {(f.measure_id, f.region_id): f for f in flags if f.region_id is not None}
    missing = {f.measure_id: f for f in flags if f.region_id is None}
    totals = [Total(region=region) for region in regions]
    rows = []
    for measure in measures.distinct().order_by("trede", "group", "code"):
        row = Row(measure=measure, missing_flag=missing.get(measure.pk))
        for region, total in zip(regions, totals, strict=True):
            key = (measure.pk, region.pk)
            persons, explanation = page.figures.get(key, (None, ""))
            fte = page.ftes.get(key)
            row.cells.append(
                Cell(
                    region=region,
                    name=f"{measure.pk}-{region.pk}",
                    persons=persons,
                    previous=previous.get(key),
                    explanation=explanation,
                    fte=fte,
                    flag=by_cell.get(key),
                    errors=page.errors.get(key, []),
                    typed=page.typed.get(key),
                    typed_fte=page.typed_ftes.get(key),
                    editable=can_edit
                    and submission_cell_problem(
                        user=request.user, submission=submission, measure=measure, region=region
                    )
                    is None,
                )
            )
            if persons is not None:
                row.persons_total += persons
                total.persons += persons
                row.fte_total, total.fte = fte_sum(row.fte_total, fte), fte_sum(total.fte, fte)
        row.previous_total = sum(v for (m, _r), v in previous.items() if m == measure.pk)
        rows.append(row)
    return rows, totals


def _regions(
    request: AuthenticatedHttpRequest,
    submission: Submission,
    stored: set[tuple[int, int]],
    previous: set[tuple[int, int]],
    extra: list[str],
) -> list[Region]:
    """Where its people work: the home municipality, every region with a figure now or last year, and the
    regions the user added (for organisation users only municipalities of that year: the regions they may fill
    in, access.cell_region_problem)."""
    year = submission.year
    ids = {submission.organisation.home_region_id} | {r for _m, r in stored} | {r for _m, r in previous}
    added = [
        region.pk
        for region in Region.objects.filter(code__in=extra)
        if cell_region_problem(user=request.user, region=region, year=year) is None
    ]
    return list(Region.objects.filter(pk__in=ids | set(added)).valid_in(year).order_by("code"))


def _new_column(request: AuthenticatedHttpRequest, regions: list[Region]) -> tuple[QueryDict, list[str], bool]:
    """The POST with the column "Nieuwe gemeente" (`n-<measure id>` persons, `nv-<measure id>` VTE) moved to the
    cells of the municipality picked in "Gemeente toevoegen", so that those figures are saved like any other;
    the errors when figures were typed there without a municipality picked; and whether they were moved."""
    data = request.POST.copy()
    typed = {
        name: value
        for name in request.POST
        if (name.startswith("n-") or name.startswith("nv-")) and (value := str(request.POST.get(name, ""))).strip()
    }
    if not typed:
        return data, [], False
    code = request.POST.get("add_region", "")
    region = next((r for r in regions if r.code == code), None)
    if region is None:
        return (
            data,
            [
                _(
                    "Nieuwe gemeente: u typte cijfers maar koos geen gemeente boven die kolom; kies de gemeente en "
                    "bewaar opnieuw."
                )
            ],
            False,
        )
    for name, value in typed.items():
        prefix, measure_id = name.split("-", 1)
        target = f"{'p' if prefix == 'n' else 'v'}-{measure_id}-{region.pk}"
        if is_digits(measure_id) and not str(data.get(target, "")).strip():
            data[target] = value
    return data, [], True


def _new_column_typed(request: AuthenticatedHttpRequest, rows: list[Row]) -> None:
    """Show again what was typed in the column "Nieuwe gemeente" when it was not moved to a municipality."""
    for row in rows:
        row.new_persons = request.POST.get(f"n-{row.measure.pk}", "")
        row.new_fte = request.POST.get(f"nv-{row.measure.pk}", "")


def _copied_from_previous_year(
    request: AuthenticatedHttpRequest, submission: Submission, regions: list[Region], page: Page
) -> int:
    """ "Cijfers van vorig jaar overnemen": last year's figures (persons and VTE) in the cells that are empty
    now, for measures and regions valid this year that the user may fill in. Nothing is saved: the page says so,
    and "Bewaren als ontwerp" saves them. Returns the number of cells filled."""
    valid_regions = {region.pk: region for region in regions}
    previous = Headcount.objects.filter(
        submission__organisation_id=submission.organisation_id, submission__year=submission.year - 1
    ).select_related("measure")
    filled = 0
    for headcount in previous:
        key = (headcount.measure_id, headcount.region_id)
        region = valid_regions.get(headcount.region_id)
        if (
            page.figures.get(key, (None, ""))[0] is not None
            or region is None
            or not headcount.measure.is_valid_in(submission.year)
            or submission_cell_problem(
                user=request.user, submission=submission, measure=headcount.measure, region=region
            )
            is not None
        ):
            continue
        page.figures[key] = (headcount.persons, "")
        page.ftes[key] = headcount.fte
        filled += 1
    return filled


def _saved_message(changed: int, removed: int) -> str:
    if not changed and not removed:
        return _("Niets gewijzigd: alle cijfers stonden al zo bewaard.")
    parts = []
    if changed:
        parts.append(
            ngettext("%(count)s cijfer nieuw of gewijzigd", "%(count)s cijfers nieuw of gewijzigd", changed)
            % {"count": changed}
        )
    if removed:
        parts.append(
            ngettext("%(count)s cijfer verwijderd", "%(count)s cijfers verwijderd", removed) % {"count": removed}
        )
    return _("Bewaard als ontwerp: %(what)s.") % {"what": _(" en ").join(parts)}


def portal_form(request: AuthenticatedHttpRequest, organisation_pk: int, year: int) -> HttpResponse:
    organisation = portal_organisation_get_for(request.user, organisation_pk)
    round_ = CollectionRound.objects.filter(year=year).first()
    if round_ is None and not Submission.objects.filter(organisation=organisation, year=year).exists():
        raise NotFound(no_round_message(year))
    # Not saved until there is something to save: a refused or invalid POST leaves no empty draft behind.
    submission = Submission.objects.filter(organisation=organisation, year=year).first() or Submission(
        organisation=organisation, year=year
    )
    stored = (
        {(h.measure_id, h.region_id): (h.persons, h.fte, h.explanation) for h in submission.headcounts.all()}
        if submission.pk
        else {}
    )
    extra = request.GET.getlist("regio") + request.POST.getlist("regio") + [request.POST.get("add_region", "")]
    # Region codes are letters and digits: anything else (a NUL byte PostgreSQL refuses) is no region, as an
    # unknown code is.
    extra = [code for code in extra if code.isascii() and code.isalnum()]
    # Last year's figures, read once: the columns, the "vorig jaar" beside each input and the warnings.
    previous = previous_figures(submission)
    regions = _regions(request, submission, set(stored), set(previous), extra)
    # A viewer (or anyone else who is no editor) reads: the page has no word about submitting for them.
    editor = organisation_editable(user=request.user, organisation_id=organisation.pk)
    # Why this user may not change these figures now (a viewer, a closed round, sent or validated), or None.
    readonly_reason = submission_change_problem(user=request.user, submission=submission, editor=editor)
    can_edit = readonly_reason is None
    page = Page(
        figures={key: (persons, explanation) for key, (persons, _fte, explanation) in stored.items()},
        ftes={key: fte for key, (_persons, fte, _explanation) in stored.items()},
    )
    errors: list[str] = []
    conflict = None
    copied = None
    moved = False
    unsaved = False  # "Gemeente toevoegen": a column more, nothing saved yet
    new_column_error = False  # figures in "Nieuwe gemeente" without a municipality picked
    if request.method == "POST":
        if readonly_reason is not None:
            raise PermissionDenied(readonly_reason)
        data, errors, moved = _new_column(request, regions)
        new_column_error = bool(errors)
        form = PortalForm(data, cells=posted_cells(data, regions), stored=stored)
        valid = form.is_valid() and not errors
        page.figures.update(form.posted_figures())
        page.ftes.update(form.posted_ftes())
        errors += form.messages()
        page.errors, page.typed, page.typed_ftes = form.cell_errors(), form.typed_values(), form.typed_ftes()
        # "Toevoegen" only adds the municipality's column; "Bewaren" and "Indienen" save whatever was typed,
        # in the column "Nieuwe gemeente" too.
        if valid and "add" not in request.POST and "copy" not in request.POST:
            changed = form.changed_figures()
            try:
                # A new submission is made by the save, in its transaction: none is left when it refuses.
                submission = submission_save_figures(
                    submission=submission,
                    figures=changed,
                    ftes=form.changed_ftes(),
                    version=form.cleaned_data["version"],
                    user=request.user,
                )
            except SubmissionConflict as error:
                conflict = error.current
                current = list(conflict.headcounts.all())
                page = Page(
                    figures={(h.measure_id, h.region_id): (h.persons, h.explanation) for h in current},
                    ftes={(h.measure_id, h.region_id): h.fte for h in current},
                )
                submission = conflict
            except ValidationError as error:
                errors = error.messages
                if not submission._state.adding:
                    submission.refresh_from_db()
            else:
                return _after_save(request, submission, changed, [r for r in regions if r.code in extra])
        elif "copy" in request.POST:
            # Last year's figures in the cells still empty; what was typed stays, nothing is saved.
            copied = _copied_from_previous_year(request, submission, regions, page)
        elif "add" in request.POST:
            unsaved = True
    elif can_edit and request.GET.get(COPY_PREVIOUS):
        copied = _copied_from_previous_year(request, submission, regions, page)
    entered = {key: (persons, note) for key, (persons, note) in page.figures.items() if persons is not None}
    # A form nobody has filled in yet gets no warnings in every row; they come with the first figures (and the
    # submit checks them all the same). Warnings are for those who can still act on them.
    started = bool(entered) or request.method == "POST"
    flags = (
        plausibility_flags(submission=submission, figures=entered, previous=previous) if started and can_edit else []
    )
    rows, totals = _grid(request, submission, regions, page, flags, previous=previous, can_edit=can_edit)
    if request.method == "POST" and not moved:
        _new_column_typed(request, rows)
    municipalities = Region.objects.municipalities().valid_in(year).exclude(pk__in=[r.pk for r in regions])
    return render(
        request,
        "inventory/portal_form.html",
        {
            "organisation": organisation,
            "year": year,
            "round": round_,
            "round_closed": round_ is not None and round_.closes_on < timezone.localdate(),
            "reader": not editor,
            "submission": submission,
            "regions": regions,
            "rows": rows,
            "totals": totals,
            "grand_persons": sum(total.persons for total in totals),
            "grand_fte": functools.reduce(fte_sum, (t.fte for t in totals), None),
            "can_edit": can_edit,
            "errors": errors,
            "conflict": conflict,
            "readonly_reason": readonly_reason,
            "flags": flags,
            "municipalities": municipalities,
            "picked": request.POST.get("add_region", ""),
            "extra": [r.code for r in regions if r.code in extra],
            "copied": copied,
            "unsaved": unsaved,
            "new_column_error": new_column_error,
            "copy_previous": COPY_PREVIOUS if can_edit and previous and copied is None else "",
            "return_comment": _return_comment(submission),
        },
    )


def _return_comment(submission: Submission) -> str:
    """POM's comment stays visible while the submission is returned, and while the organisation works on it
    (a returned submission goes back to draft at the first save), until it is submitted again."""
    if submission.status in (SubmissionStatus.RETURNED, SubmissionStatus.DRAFT) and submission.returned_at:
        return submission.return_comment
    return ""


def _after_save(
    request: AuthenticatedHttpRequest,
    submission: Submission,
    changed: dict[tuple[int, int], tuple[int | None, str]],
    added: list[Region],
) -> HttpResponse:
    """The figures are saved: say exactly what was saved, then submit when asked, and say what still blocks
    the submission; back to the page (with the municipalities added that have no figures yet, so that their
    column stays)."""
    saved = _saved_message(
        sum(1 for persons, _e in changed.values() if persons is not None),
        sum(1 for persons, _e in changed.values() if persons is None),
    )
    if "submit" in request.POST:
        try:
            submission = submission_submit(submission=submission, user=request.user)
        except ValidationError as error:
            messages.warning(
                request,
                _("%(saved)s Nog niet ingediend: %(why)s") % {"saved": saved, "why": " ".join(error.messages)},
            )
        else:
            messages.success(
                request,
                _(
                    "De aangifte is ingediend. Dank u! POM kijkt de cijfers na; u krijgt een e-mail zodra ze "
                    "gevalideerd of teruggestuurd is."
                ),
            )
    else:
        missing = unexplained(plausibility_flags(submission=submission))
        if missing:
            saved += " " + ngettext(
                "Voor u kunt indienen: licht nog %(count)s opvallende wijziging toe (zie hieronder).",
                "Voor u kunt indienen: licht nog %(count)s opvallende wijzigingen toe (zie hieronder).",
                len(missing),
            ) % {"count": len(missing)}
        messages.success(request, saved)
    url = reverse(
        "inventory:portal-form", kwargs={"organisation_pk": submission.organisation_id, "year": submission.year}
    )
    with_figures = {r for _m, r in submission.headcounts.values_list("measure_id", "region_id")}
    empty = [r.code for r in added if r.pk not in with_figures]
    if empty and submission.status in (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED):
        url += "?" + urlencode([("regio", code) for code in empty])
    return redirect(url)
