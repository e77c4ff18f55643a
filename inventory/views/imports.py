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
    may_upload,
    uploader_required,
)
from inventory.models import ImportJob
from inventory.services.import_jobs import import_job_confirm, import_job_create, import_job_progress
from inventory.services.imports import import_size_check


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Soort bestand"), choices=ImportJob.Kind.choices)
    file = forms.FileField(
        label=gettext_lazy("Bestand (CSV of XLSX)"),
        help_text=gettext_lazy("Kolommen jaar, organisatie, maatregel, regio, personen (of in het Engels)."),
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
    return render(request, "inventory/import_upload.html", {"form": form, "jobs": jobs})


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
