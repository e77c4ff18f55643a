"""Staff review: the queue of submissions, a review page with last year and explanations, and the steps
validate, return with a comment and reopen with a reason (all through the submission services)."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from inventory.access import AuthenticatedHttpRequest, staff_required
from inventory.filters import SubmissionFilter
from inventory.models import CollectionRound, Submission, SubmissionStatus
from inventory.selectors.history import submission_history
from inventory.services import submissions
from inventory.services.completeness import completeness, missing_organisations
from inventory.services.exports import escape_cell
from inventory.services.plausibility import plausibility_flag_counts, plausibility_flags, previous_figures
from inventory.tables import SubmissionTable
from inventory.tasks import send_reminders


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

    def get_table(self, **kwargs: object) -> SubmissionTable:
        table = super().get_table(**kwargs)
        table.flag_counts = plausibility_flag_counts([row.record for row in table.paginated_rows])
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
                    s.organisation.home_region.parent.name if s.organisation.home_region.parent else "",
                    s.year,
                    s.status,
                    s.submitted_at.isoformat() if s.submitted_at else "",
                ]
            )
        return response


@staff_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_object_or_404(Submission.objects.select_related("organisation"), pk=pk)
    previous = previous_figures(submission)
    rows = []
    for h in submission.headcounts.select_related("measure", "region").order_by("measure__code", "region__code"):
        before = previous.get((h.measure_id, h.region_id))
        rows.append({"headcount": h, "previous": before, "change": None if before is None else h.persons - before})
    return render(
        request,
        "inventory/review.html",
        {
            "submission": submission,
            "rows": rows,
            "flags": plausibility_flags(submission=submission),
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
    return render(
        request,
        "inventory/completeness.html",
        {
            "year": year,
            "tables": completeness(year=year),
            "missing": missing_organisations(year=year),
            "rounds": CollectionRound.objects.order_by("-year"),
        },
    )


@require_POST
@staff_required
def completeness_remind(request: HttpRequest, year: int) -> HttpResponse:
    transaction.on_commit(lambda: send_reminders.delay(year), robust=True)
    messages.success(request, _("Herinneringen worden verstuurd (hoogstens één per organisatie per dag)."))
    return redirect("inventory:completeness", year=year)
