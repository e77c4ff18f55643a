"""Uploading files: staff (headcounts and organisations) and organisation editors (headcounts of their own
organisations). A dry run first, then the import after confirmation."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from inventory.access import (
    UPLOADERS_ONLY,
    AuthenticatedHttpRequest,
    import_job_get_for,
    import_kinds_for,
    import_organisations_for,
    may_upload,
    uploader_required,
)
from inventory.models import ImportJob
from inventory.selectors.rounds import latest_round_year
from inventory.services.import_jobs import import_job_confirm, import_job_create, import_job_progress
from inventory.services.imports import import_size_check
from inventory.services.imports.headers import HEADCOUNT_COLUMNS
from inventory.services.imports.template import (
    TEMPLATE_FORMATS,
    OrganisationMeasures,
    headcount_template,
    template_csv,
    template_organisations,
    template_xlsx,
)
from inventory.views.errors import InvalidQuery, invalid_choice


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Soort bestand"), choices=ImportJob.Kind.choices)
    file = forms.FileField(
        label=gettext_lazy("Bestand (CSV of XLSX)"),
        help_text=gettext_lazy("De kolommen staan hieronder uitgelegd; een sjabloon kunt u downloaden."),
    )

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [(k, ImportJob.Kind(k).label) for k in kinds]

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        # The service's own limit and message, checked before the file is read into memory.
        import_size_check(size=upload.size)
        return upload


@uploader_required
def upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None, kinds=import_kinds_for(request.user))
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = import_job_create(
            user=request.user, kind=form.cleaned_data["kind"], filename=upload.name, data=upload.read(), dry_run=True
        )
        return redirect("inventory:import-job", pk=job.pk)
    jobs = ImportJob.objects.filter(user=request.user).defer("data")[:10]
    year = latest_round_year()
    return render(
        request,
        "inventory/import_upload.html",
        {
            "form": form,
            "jobs": jobs,
            "columns": HEADCOUNT_COLUMNS,
            "year": year,
            "own": _own_organisations(request, year),
            "template_formats": TEMPLATE_FORMATS,
        },
    )


def _own_organisations(request: AuthenticatedHttpRequest, year: int | None) -> list[OrganisationMeasures]:
    """The organisations whose figures an editor's files hold, with their measures in `year`; none for staff (any
    organisation)."""
    organisations = import_organisations_for(request.user)
    return [] if organisations is None else template_organisations(organisations=organisations, year=year)


@uploader_required
def template(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A headcount file to fill in: the importer's header and, for an editor, one row per own measure for the
    latest round's year."""
    fmt = request.GET.get("format", "csv")
    if fmt not in TEMPLATE_FORMATS:
        raise InvalidQuery(invalid_choice(_("formaat"), fmt))
    year = latest_round_year()
    rows = headcount_template(organisations=_own_organisations(request, year), year=year)
    if fmt == "xlsx":
        response = HttpResponse(
            template_xlsx(rows), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        response = HttpResponse(template_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sjabloon-tellingen.{fmt}"'
    return response


def job(request: AuthenticatedHttpRequest, pk: str) -> HttpResponse:
    import_job = import_job_get_for(request.user, pk)
    running = import_job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)
    return render(
        request,
        "inventory/import_job.html",
        {"job": import_job, "running": running, "progress": import_job_progress(import_job) if running else None},
    )


def job_status(request: AuthenticatedHttpRequest, pk: str) -> JsonResponse:
    import_job = import_job_get_for(request.user, pk)
    progress = import_job_progress(import_job)
    return JsonResponse(
        {
            "status": import_job.status,
            "done": progress[0] if progress else None,
            "total": progress[1] if progress else None,
            "result": import_job.result,
        }
    )


@require_POST
def job_confirm(request: AuthenticatedHttpRequest, pk: str) -> HttpResponse:
    import_job = import_job_get_for(request.user, pk)
    if not (import_job.dry_run and import_job.status == ImportJob.Status.DONE and (import_job.result or {}).get("ok")):
        raise PermissionDenied(_("Enkel een geslaagde proefdraai kan bevestigd worden."))
    if not may_upload(request.user):
        raise PermissionDenied(str(UPLOADERS_ONLY))
    return redirect("inventory:import-job", pk=import_job_confirm(job=ImportJob.objects.get(pk=import_job.pk)).pk)
