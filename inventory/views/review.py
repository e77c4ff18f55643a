"""Staff review: the queue of submissions, a review page with last year and explanations, and the steps
validate, return with a comment and reopen with a reason (all through the submission services)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from inventory.access import AuthenticatedHttpRequest, staff_required
from inventory.filters import QUEUE_STATUSES, SubmissionFilter
from inventory.models import Submission, SubmissionStatus
from inventory.selectors.history import submission_history
from inventory.selectors.review import review_figures
from inventory.selectors.rounds import round_for, round_years
from inventory.selectors.years import year_states
from inventory.services import submissions
from inventory.services.completeness import completeness, missing_organisations
from inventory.services.exports import escape_cell
from inventory.services.plausibility import plausibility_flag_counts, plausibility_flags
from inventory.tables import SubmissionTable
from inventory.tasks import send_reminders
from inventory.views.errors import NotFound
from inventory.views.tables import table_query_check


@method_decorator(staff_required, name="dispatch")
class SubmissionQueue(SingleTableMixin, FilterView):
    table_class = SubmissionTable
    filterset_class = SubmissionFilter
    template_name = "inventory/review_queue.html"
    # table_pagination, not paginate_by: the latter makes django-tables2 count twice.
    table_pagination = {"per_page": 25}

    def get_queryset(self) -> QuerySet[Submission]:
        return Submission.objects.exclude(status=SubmissionStatus.DRAFT).select_related(
            "organisation__home_region__parent"
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        if not self.filterset.is_valid():  # the queue with the filters' errors
            response.status_code = 400
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["status_counts"] = queue_status_counts(self.request.GET, self.get_queryset())
        # The paginator has counted the rows already: an empty queue says so and links every status.
        context["queue_empty"] = not context["table"].page.paginator.count
        context["round_years"] = round_years()
        context["flag_rule"] = {
            "pct": settings.PLAUSIBILITY_CHANGE_PCT,
            "persons": settings.PLAUSIBILITY_CHANGE_PERSONS,
        }
        return context

    def get_table(self, **kwargs: object) -> SubmissionTable:
        table = table_query_check(self.request, super().get_table(**kwargs))
        table.flag_counts = plausibility_flag_counts([row.record for row in table.paginated_rows])
        table.empty_text = queue_empty_text(self.request.GET.get("status", SubmissionFilter.DEFAULT_STATUS))
        return table

    def render_to_response(self, context: dict[str, Any], **kwargs: object) -> HttpResponse:
        if self.request.GET.get("export") == "csv":
            return self.export_csv(context["filter"].qs)
        return super().render_to_response(context, **kwargs)

    def export_csv(self, queryset: QuerySet[Submission]) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="aangiften.csv"'
        writer = csv.writer(response)
        writer.writerow(["organisation", "kbo", "kind", "arrondissement", "year", "status", "submitted_at"])
        for s in queryset.iterator():
            writer.writerow(
                [
                    escape_cell(s.organisation.name),
                    s.organisation.kbo,
                    s.organisation.kind,
                    escape_cell(s.organisation.home_region.parent.name) if s.organisation.home_region.parent else "",
                    s.year,
                    s.status,
                    s.submitted_at.isoformat() if s.submitted_at else "",
                ]
            )
        return response


def queue_empty_text(status: str) -> str:
    """What the queue says when no submission has the chosen status (under the other filters)."""
    if status == "":
        return _("Geen ingediende aangiften.")
    label = dict(QUEUE_STATUSES).get(status)
    if label is None:  # not a status: the filter refuses it and shows nothing
        return _("Geen aangiften.")
    return _("Geen aangiften met status ‘%(status)s’.") % {"status": label}


@dataclass(frozen=True)
class StatusCount:
    label: str
    count: int
    query: str  # the queue's query string with this status chosen
    current: bool


def queue_status_counts(query: QueryDict, queryset: QuerySet[Submission]) -> list[StatusCount]:
    """The queue's submissions per status under the other filters (year, kind ...), each a link that keeps them;
    last "alle statussen". One query."""
    others = query.copy()
    others["status"] = ""
    for key in ("page", "export"):
        others.pop(key, None)
    counted = dict(
        SubmissionFilter(others, queryset=queryset).qs.order_by().values_list("status").annotate(n=Count("pk"))
    )
    chosen = query.get("status", SubmissionFilter.DEFAULT_STATUS)
    counts = []
    for value, label in [*QUEUE_STATUSES, ("", _("alle statussen"))]:
        others["status"] = value
        number = sum(counted.values()) if value == "" else counted.get(value, 0)
        counts.append(StatusCount(str(label), number, others.urlencode(), chosen == value))
    return counts


@staff_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_object_or_404(Submission.objects.select_related("organisation"), pk=pk)
    figures = review_figures(submission=submission)
    return render(
        request,
        "inventory/review.html",
        {
            "submission": submission,
            "figures": figures,
            "flags": plausibility_flags(submission=submission, figures=figures.current, previous=figures.previous),
            "history": submission_history(submission=submission),
        },
    )


@require_POST
@staff_required
def review_step(request: AuthenticatedHttpRequest, pk: int, step: str) -> HttpResponse:
    submission = get_object_or_404(Submission, pk=pk)
    text = request.POST.get("text", "")
    try:
        if step == "validate":
            submissions.submission_validate(submission=submission, user=request.user)
            messages.success(request, _("Gevalideerd."))
        elif step == "return":
            submissions.submission_return(submission=submission, user=request.user, comment=text)
            messages.success(request, _("Teruggestuurd naar de organisatie."))
        elif step == "reopen":
            submissions.submission_reopen(submission=submission, user=request.user, reason=text)
            messages.success(request, _("Heropend."))
        else:
            raise Http404
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("inventory:review", pk=pk)


@staff_required
def completeness_page(request: HttpRequest, year: int) -> HttpResponse:
    round_ = round_for(year=year)
    years = round_years()
    if round_ is None:
        # Nobody was asked for this year: no counts to show, only the years that have a round (404, said why).
        return render(request, "inventory/completeness.html", {"year": year, "years": years}, status=404)
    return render(
        request,
        "inventory/completeness.html",
        {
            "year": year,
            "round": round_,
            "tables": completeness(year=year),
            "missing": missing_organisations(year=year),
            "years": years,
            # The overall line: validated against required, and whether the year counts as complete (one rule).
            "year_status": year_states().get(year),
        },
    )


@require_POST
@staff_required
def completeness_remind(request: HttpRequest, year: int) -> HttpResponse:
    if round_for(year=year) is None:
        raise NotFound(_("Er is geen bevragingsronde voor %(year)s.") % {"year": year})
    transaction.on_commit(lambda: send_reminders.delay(year), robust=True)
    messages.success(request, _("Herinneringen worden verstuurd (hoogstens één per organisatie per dag)."))
    return redirect("inventory:completeness", year=year)
