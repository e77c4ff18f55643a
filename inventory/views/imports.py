"""Uploading files: staff (headcounts and organisations) and organisation editors (headcounts of their own
organisations). A dry run first, then the import after confirmation; the worker reads every file, these pages
show its job (staff's invitation files too, uploaded on accounts' page)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from inventory.access import (
    AuthenticatedHttpRequest,
    import_job_get_for,
    import_kinds_for,
    import_organisations_for,
    uploader_required,
)
from inventory.models import ImportJob, ImportProfile, Region, Submission
from inventory.parsing import IdChoiceField, TextField
from inventory.selectors.rounds import latest_round_year
from inventory.services.import_jobs import (
    ImportJobRefused,
    failure_message,
    file_deleted_message,
    import_job_again,
    import_job_confirm,
    import_job_create,
    import_job_outdated,
    import_job_progress,
)
from inventory.services.imports import import_size_check
from inventory.services.imports.headers import HEADCOUNT_COLUMNS
from inventory.services.imports.invitations import invitation_counts
from inventory.services.imports.supplier import published_totals_parse
from inventory.services.imports.template import (
    TEMPLATE_FORMATS,
    OrganisationMeasures,
    headcount_template,
    template_csv,
    template_organisations,
    template_xlsx,
)
from inventory.views.errors import InvalidQuery, invalid_choice


class ProfileChoiceField(IdChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.organisation.name})"


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Soort bestand"), choices=ImportJob.Kind.choices)
    file = forms.FileField(
        label=gettext_lazy("Bestand (CSV of XLSX)"),
        help_text=gettext_lazy("De kolommen staan hieronder uitgelegd; een sjabloon kunt u downloaden."),
    )
    invite_contacts = forms.BooleanField(
        label=gettext_lazy("Nodig de contact-e-mail uit als contactpersoon"),
        required=False,
        help_text=gettext_lazy(
            "Enkel bij een organisatiebestand: na de import krijgt het e-mailadres van elke organisatie een "
            "uitnodiging als contactpersoon. Wie al lid of al uitgenodigd is, krijgt niets; de proefdraai toont het "
            "per rij."
        ),
    )

    # Supplier files (staff): the profile that reads them, and the totals the supplier published.
    profile = ProfileChoiceField(
        label=gettext_lazy("Importprofiel"),
        queryset=ImportProfile.objects.select_related("organisation").order_by("name"),
        required=False,
        help_text=gettext_lazy(
            "Enkel bij een leveranciersbestand: het profiel dat beschrijft hoe het bestand eruitziet."
        ),
    )
    published_totals = TextField(
        label=gettext_lazy("Gepubliceerde totalen van de leverancier"),
        required=False,
        multiline=True,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 40}),
        help_text=gettext_lazy(
            "Optioneel, één per regel: MAATREGEL JAAR TOTAAL, bv. ‘DGK-JONG 2019 4443’. De proefdraai vergelijkt ze "
            "met de som van de ingelezen rijen, net als de totaalrijen van het bestand."
        ),
    )
    validate = forms.BooleanField(
        label=gettext_lazy("De aangiften van het bestand na het inlezen valideren"),
        required=False,
        help_text=gettext_lazy(
            "Enkel bij tellingen en leveranciersbestanden, voor POM-medewerkers: de cijfers tellen dan meteen mee in "
            "de aggregaten. Zonder vinkje komen ze in een ontwerp-aangifte die u later valideert."
        ),
    )
    SUPPLIER_FIELDS = ("profile", "published_totals")

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Invitation files have their own page (accounts: /beheer/uitnodigingen/bestand/), with its explanation.
        kinds = [k for k in kinds if k != ImportJob.Kind.INVITATIONS]
        cast(forms.ChoiceField, self.fields["kind"]).choices = [(k, ImportJob.Kind(k).label) for k in kinds]
        if ImportJob.Kind.ORGANISATIONS not in kinds:
            del self.fields["invite_contacts"]
        if ImportJob.Kind.SUPPLIER not in kinds:  # staff only
            for name in (*self.SUPPLIER_FIELDS, "validate"):
                del self.fields[name]
        self.totals: list[Any] = []

    @property
    def supplier(self) -> bool:
        return "profile" in self.fields

    def main_fields(self) -> list[forms.BoundField]:
        """The fields after the supplier's (the template writes `kind` and those first)."""
        return [field for field in self.visible_fields() if field.name not in ("kind", *self.SUPPLIER_FIELDS)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("validate") and data.get("kind") not in (ImportJob.Kind.HEADCOUNTS, ImportJob.Kind.SUPPLIER):
            self.add_error("validate", _("Valideren kan enkel bij een bestand met tellingen of van een leverancier."))
        if data.get("invite_contacts") and data.get("kind") != ImportJob.Kind.ORGANISATIONS:
            self.add_error("invite_contacts", _("Contactpersonen uitnodigen kan enkel bij een organisatiebestand."))
        if data.get("kind") == ImportJob.Kind.SUPPLIER:
            if not data.get("profile") and "profile" not in self.errors:
                self.add_error("profile", _("Kies het importprofiel van de leverancier."))
            try:
                self.totals = published_totals_parse(data.get("published_totals") or "")
            except ValidationError as error:
                self.add_error("published_totals", error)
        return data

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        # The service's own limit and message, checked before the file is read into memory.
        import_size_check(size=upload.size)
        return upload


@uploader_required
def upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    # ?kind=supplier&profile=<id> (the profiles' links) choose them; an unknown value chooses nothing.
    initial = {key: request.GET[key] for key in ("kind", "profile") if key in request.GET}
    form = UploadForm(
        request.POST or None, request.FILES or None, kinds=import_kinds_for(request.user), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        supplier = form.cleaned_data["kind"] == ImportJob.Kind.SUPPLIER
        job = import_job_create(
            user=request.user,
            kind=form.cleaned_data["kind"],
            filename=upload.name,
            data=upload.read(),
            dry_run=True,
            invite_contacts=form.cleaned_data.get("invite_contacts", False),
            profile=form.cleaned_data.get("profile") if supplier else None,
            published_totals=form.totals if supplier else (),
            validate=form.cleaned_data.get("validate", False),
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
            "profiles_exist": form.supplier and ImportProfile.objects.exists(),
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
    confirmation = import_job.imports.select_related("confirmed_by").first() if import_job.dry_run else None
    ok = import_job.status == ImportJob.Status.DONE and bool((import_job.result or {}).get("ok"))
    kept = import_job.data_deleted_at is None
    invitations = (import_job.result or {}).get("invitations") or []
    counts = invitation_counts(invitations)
    invitation_file = import_job.kind == ImportJob.Kind.INVITATIONS
    supplier = (import_job.result or {}).get("supplier") or None
    result = import_job.result or {}
    submissions = (
        Submission.objects.filter(pk__in=result.get("submission_ids") or []).select_related("organisation")
        if ok and not import_job.dry_run and import_job.kind in (ImportJob.Kind.HEADCOUNTS, ImportJob.Kind.SUPPLIER)
        else Submission.objects.none()
    )
    if supplier:
        # The preview's regions as codes and names: whether the profile matched the supplier's names shows.
        codes = {str(row["region"]) for row in supplier.get("rows") or []}
        names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
        supplier = supplier | {
            "rows": [row | {"region_name": names.get(str(row["region"]), "")} for row in supplier.get("rows") or []]
        }
    return render(
        request,
        "inventory/import_job.html",
        {
            "job": import_job,
            "running": running,
            "progress": import_job_progress(import_job) if running else None,
            "failure": failure_message(import_job) if import_job.status == ImportJob.Status.FAILED else "",
            "confirmation": confirmation,
            "confirmable": ok and import_job.dry_run and confirmation is None and kept,
            "outdated": ok and import_job.dry_run and confirmation is None and kept and import_job_outdated(import_job),
            # A job that failed, or an import that found errors its dry run did not (figures changed meanwhile, a
            # round closed), may start again from the same file.
            "again": kept
            and (
                import_job.status == ImportJob.Status.FAILED
                or (import_job.status == ImportJob.Status.DONE and not ok and not import_job.dry_run)
            ),
            "file_deleted_message": "" if kept else file_deleted_message(),
            "invitation_file": invitation_file,
            "invitations": invitations,
            "invitation_counts": counts | {"valid": counts["sent"] + counts["nothing"]},
            "upload_url": reverse("invitation-bulk") if invitation_file else reverse("inventory:import"),
            "supplier": supplier,
            "submissions": list(submissions.order_by("year", "organisation__name")),
            "error_sheets": any(error.get("sheet") for error in (import_job.result or {}).get("errors") or []),
        },
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
            "failure": import_job.failure or None,
            "message": failure_message(import_job) if import_job.status == ImportJob.Status.FAILED else None,
        }
    )


@require_POST
def job_confirm(request: AuthenticatedHttpRequest, pk: str) -> HttpResponse:
    import_job = import_job_get_for(request.user, pk)
    try:
        confirmed = import_job_confirm(
            job=import_job, user=request.user, accept_differences=request.POST.get("accept_differences") == "1"
        )
    except ImportJobRefused as refused:
        messages.error(request, refused.message)
        return redirect("inventory:import-job", pk=(refused.job or import_job).pk)
    return redirect("inventory:import-job", pk=confirmed.pk)


@require_POST
def job_again(request: AuthenticatedHttpRequest, pk: str) -> HttpResponse:
    """A new dry run of the same file."""
    import_job = import_job_get_for(request.user, pk)
    try:
        again = import_job_again(job=import_job, user=request.user)
    except ImportJobRefused as refused:
        messages.error(request, refused.message)
        return redirect("inventory:import-job", pk=import_job.pk)
    return redirect("inventory:import-job", pk=again.pk)
