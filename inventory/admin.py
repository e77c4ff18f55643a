"""The admin for POM staff: data entry and correction.

No rules live here: every save and delete calls the same service functions as the portal, imports and
commands (inventory/services/), which check the rules and mark the aggregates for recomputing. What the
admin adds is the lock of validated submissions in its pages.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, Model, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportMixin
from pghistory.models import Event

from accounts.models import User
from inventory.access import is_staff_member, submission_cell_problem
from inventory.kbo import format_kbo, normalise_kbo
from inventory.models import (
    HISTORY_BASELINE,
    Aggregate,
    AggregateDirtyKey,
    AggregateYear,
    CollectionRound,
    ContextFigure,
    Edition,
    Headcount,
    HeadcountEvent,
    ImportJob,
    Measure,
    MeasureEvent,
    Organisation,
    OrganisationKind,
    OverlapCorrection,
    OverlapCorrectionEvent,
    Region,
    RegionGrouping,
    Submission,
    SubmissionEvent,
)
from inventory.resources import (
    CheckedCSV,
    CheckedXLSX,
    ContextFigureResource,
    FileRefused,
    HeadcountFileResource,
    MeasureResource,
    OrganisationFileResource,
    OverlapCorrectionResource,
    UploadedFile,
)
from inventory.selectors.history import HistoryEntry, history_entries, submission_history
from inventory.selectors.years import year_states
from inventory.services import catalogue, submissions
from inventory.services.import_jobs import import_job_create
from inventory.services.imports import import_size_check
from inventory.services.years import round_mark_complete

if TYPE_CHECKING:
    from typing import TypedDict

    from django_stubs_ext import StrOrPromise, WithAnnotations

    class PendingAnnotation(TypedDict):
        is_pending: bool


admin.site.site_header = _("Inventaris sociale economie – beheer")
admin.site.site_title = _("Inventaris sociale economie – beheer")
admin.site.index_title = _("Beheer")

# Fields the submission workflow sets (status changes go through the service layer, never a form).
SUBMISSION_WORKFLOW_FIELDS = (
    "status",
    "version",
    "created_at",
    "updated_at",
    "submitted_at",
    "submitted_by",
    "validated_at",
    "validated_by",
    "returned_at",
    "returned_by",
    "return_comment",
    "reopened_at",
    "reopen_reason",
)


def submission_locked_error() -> ValidationError:
    return ValidationError(
        _("Deze aangifte is gevalideerd en dus vergrendeld; laat ze eerst heropenen."), code="submission_locked"
    )


class ServiceImportMixin(ImportMixin):
    """django-import-export's two-step import (dry run, then confirm), for users with the import permission. These
    small catalogue files are read in the request, after the import service's checks on size and zip bombs."""

    import_formats = (CheckedCSV, CheckedXLSX)

    def add_data_read_fail_error_to_form(self, form: forms.Form, e: Exception) -> None:
        if isinstance(e, FileRefused):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)


class FileImportMixin(ImportMixin):
    """Headcount and organisation files become an import job, as on the upload page: the worker reads the file
    (never this web process), the job's page shows its dry run, every error and the confirmation."""

    import_formats = (UploadedFile,)
    import_kind: ImportJob.Kind

    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.create_import_form(request)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["import_file"]
            try:
                import_size_check(size=upload.size)
            except ValidationError as error:
                form.add_error("import_file", error)
            else:
                job = import_job_create(
                    user=cast(User, request.user), kind=self.import_kind, filename=upload.name, data=upload.read()
                )
                return redirect("inventory:import-job", pk=job.pk)
        # The form again (first visit, or a file refused before it was stored), as django-import-export shows it.
        resources = [resource() for resource in self.get_import_resource_classes(request)]
        context = {
            **self.get_import_context_data(),
            **self.admin_site.each_context(request),
            "title": _("Importeren"),
            "form": form,
            "opts": self.model._meta,
            "media": self.media + form.media,
            "fields_list": [
                (resource.get_display_name(), [f.column_name for f in resource.get_user_visible_fields()])
                for resource in resources
            ],
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def process_import(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        raise Http404  # confirmed on the job's page


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "first_year", "last_year", "successor")
    list_filter = ("level", "last_year")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent", "successor")
    list_select_related = ("parent", "successor")

    def save_model(self, request: HttpRequest, obj: Region, form: forms.ModelForm, change: bool) -> None:
        catalogue.region_save(region=obj)


@admin.register(RegionGrouping)
class RegionGroupingAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "first_year", "last_year")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    autocomplete_fields = ("members",)

    def save_model(self, request: HttpRequest, obj: RegionGrouping, form: forms.ModelForm, change: bool) -> None:
        # The members are saved after this, in the same transaction, before the recompute runs on commit.
        catalogue.grouping_save(grouping=obj)

    def delete_model(self, request: HttpRequest, obj: RegionGrouping) -> None:
        catalogue.grouping_delete(grouping=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RegionGrouping]) -> None:
        for grouping in queryset:
            catalogue.grouping_delete(grouping=grouping)


class OrganisationAdminForm(forms.ModelForm):
    # Wider than the stored 10 digits, so "BE 0202 239 951" reaches clean_kbo.
    kbo = forms.CharField(
        label=Organisation._meta.get_field("kbo").verbose_name,
        help_text=Organisation._meta.get_field("kbo").help_text,
        max_length=20,
    )

    class Meta:
        model = Organisation
        fields = ("kbo", "name", "kind", "home_region", "active", "email", "note")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["kbo"] = format_kbo(self.instance.kbo)

    def clean_kbo(self) -> str:
        return normalise_kbo(self.cleaned_data["kbo"])


@admin.register(Organisation)
class OrganisationAdmin(FileImportMixin, admin.ModelAdmin):
    resource_classes = (OrganisationFileResource,)
    import_kind = ImportJob.Kind.ORGANISATIONS
    form = OrganisationAdminForm
    list_display = ("name", "kbo_column", "kind", "home_region", "active", "email")
    list_filter = ("kind", "active")
    search_fields = ("name", "kbo", "email")
    autocomplete_fields = ("home_region",)
    list_select_related = ("home_region",)

    @admin.display(description=Organisation._meta.get_field("kbo").verbose_name, ordering="kbo")
    def kbo_column(self, obj: Organisation) -> str:
        return obj.kbo_display

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Organisation], search_term: str
    ) -> tuple[QuerySet[Organisation], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # Stored as digits only: "0202.239.951" or "BE0202239951" must find the row too.
        digits = re.sub(r"\D", "", search_term)
        if len(digits) >= 4 and digits != search_term.strip():
            results |= queryset.filter(kbo__contains=digits)
        return results, may_have_duplicates


class MeasureAdminForm(forms.ModelForm):
    reporter_kinds = forms.TypedMultipleChoiceField(
        label=Measure._meta.get_field("reporter_kinds").verbose_name,
        help_text=Measure._meta.get_field("reporter_kinds").help_text,
        choices=OrganisationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Measure
        fields = (
            "code",
            "name",
            "trede",
            "mode",
            "group",
            "target_group",
            "administering_body",
            "reporter_kinds",
            "counted_at",
            "first_year",
            "last_year",
            "note",
        )


@admin.register(Measure)
class MeasureAdmin(ServiceImportMixin, admin.ModelAdmin):
    resource_classes = (MeasureResource,)
    form = MeasureAdminForm
    list_display = ("code", "name", "trede", "mode", "group", "counted_at", "first_year", "last_year")
    list_filter = ("trede", "mode", "group", "counted_at")
    search_fields = ("code", "name", "group")

    def save_model(self, request: HttpRequest, obj: Measure, form: forms.ModelForm, change: bool) -> None:
        catalogue.measure_save(measure=obj)

    def delete_model(self, request: HttpRequest, obj: Measure) -> None:
        catalogue.measure_delete(measure=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Measure]) -> None:
        for measure in queryset:
            catalogue.measure_delete(measure=measure)


@admin.register(CollectionRound)
class CollectionRoundAdmin(admin.ModelAdmin):
    """Staff set the required completeness per round and declare a year complete (or undo it) with the actions;
    the state itself is read by selectors.years.year_states, as everywhere."""

    list_display = ("year", "opens_on", "closes_on", "required_completeness", "year_state")
    list_filter = ("year",)
    search_fields = ("year", "instructions")
    fields = (
        "year",
        "opens_on",
        "closes_on",
        "instructions",
        "required_completeness",
        "marked_complete_at",
        "marked_complete_by",
    )
    readonly_fields = ("marked_complete_at", "marked_complete_by")
    actions = ("mark_complete", "undo_mark_complete")

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        self._states = year_states()  # one query for the whole list
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("stand van het jaar"))
    def year_state(self, obj: CollectionRound) -> str:
        status = getattr(self, "_states", {}).get(obj.year)
        return status.label if status else "–"

    def _mark(self, request: HttpRequest, queryset: QuerySet[CollectionRound], *, complete: bool) -> None:
        for collection_round in queryset:
            try:
                round_mark_complete(round=collection_round, user=cast(User, request.user), complete=complete)
            except ValidationError as error:
                self.message_user(request, f"{collection_round}: {' '.join(error.messages)}", messages.ERROR)
            else:
                done = (
                    _("%(round)s: jaar volledig verklaard.")
                    if complete
                    else _("%(round)s: niet langer volledig verklaard.")
                )
                self.message_user(request, done % {"round": collection_round}, messages.SUCCESS)

    @admin.action(description=_("Jaar volledig verklaren"))
    def mark_complete(self, request: HttpRequest, queryset: QuerySet[CollectionRound]) -> None:
        self._mark(request, queryset, complete=True)

    @admin.action(description=_("Volledig verklaren ongedaan maken"))
    def undo_mark_complete(self, request: HttpRequest, queryset: QuerySet[CollectionRound]) -> None:
        self._mark(request, queryset, complete=False)


def is_locked(submission: Model | None) -> bool:
    return isinstance(submission, Submission) and submission.is_locked


class HeadcountInline(admin.TabularInline):
    """A submission's rows: read-only once it is validated (`obj` is the submission)."""

    model = Headcount
    fields = ("measure", "region", "persons", "fte", "explanation")
    autocomplete_fields = ("measure", "region")
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Headcount]:
        return super().get_queryset(request).select_related("measure", "region")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return not is_locked(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return not is_locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return not is_locked(obj) and super().has_delete_permission(request, obj)


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    inlines = (HeadcountInline,)
    list_display = ("organisation", "year", "status", "version", "submitted_at", "validated_at")
    list_filter = ("status", "year", "organisation__kind")
    search_fields = ("organisation__name", "organisation__kbo")
    autocomplete_fields = ("organisation",)
    list_select_related = ("organisation",)
    readonly_fields = SUBMISSION_WORKFLOW_FIELDS

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # The audit trail under the form (templates/admin/inventory/submission/change_form.html).
        submission = self.get_object(request, object_id)
        if submission is not None and self.has_view_or_change_permission(request, submission):
            extra_context = {**(extra_context or {}), "history": submission_history(submission=submission)}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Submission]:
        # The autocomplete of a headcount's submission prints the organisation of every result.
        return super().get_queryset(request).select_related("organisation")

    def get_readonly_fields(self, request: HttpRequest, obj: Submission | None = None) -> list[str] | tuple[str, ...]:
        if is_locked(obj):
            return tuple(field.name for field in Submission._meta.fields if field.name != "id")
        return super().get_readonly_fields(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Submission | None = None) -> bool:
        # Without change permission the admin shows the page read-only and answers a POST with 403.
        return not is_locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Submission | None = None) -> bool:
        return not is_locked(obj) and super().has_delete_permission(request, obj)

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool) -> None:
        if formset.model is not Headcount:
            return super().save_formset(request, form, formset, change)
        for headcount in formset.save(commit=False):
            submissions.headcount_save(
                submission=form.instance,
                measure=headcount.measure,
                region=headcount.region,
                persons=headcount.persons,
                fte=headcount.fte,
                explanation=headcount.explanation,
                headcount=headcount,
                user=cast(User, request.user),
            )
        for headcount in formset.deleted_objects:
            submissions.headcount_delete(headcount=headcount)

    def delete_model(self, request: HttpRequest, obj: Submission) -> None:
        submissions.submission_delete(submission=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        for submission in queryset:
            submissions.submission_delete(submission=submission)

    actions = ("submit_submissions", "validate_submissions")

    def _run(self, request: HttpRequest, queryset: QuerySet[Submission], step: Any, done: StrOrPromise) -> None:
        count = 0
        for submission in queryset:
            try:
                step(submission=submission, user=request.user)
                count += 1
            except ValidationError as error:
                self.message_user(request, f"{submission}: {' '.join(error.messages)}", messages.ERROR)
        if count:
            self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Geselecteerde aangiften indienen"))
    def submit_submissions(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        self._run(request, queryset, submissions.submission_submit, _("%(count)s aangifte(n) ingediend."))

    @admin.action(description=_("Geselecteerde aangiften valideren"))
    def validate_submissions(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        self._run(request, queryset, submissions.submission_validate, _("%(count)s aangifte(n) gevalideerd."))


class HeadcountAdminForm(forms.ModelForm):
    # Set per request by HeadcountAdmin.get_form: the cell rule (access.submission_cell_problem) is the user's.
    user: User | None = None

    class Meta:
        model = Headcount
        fields = ("submission", "measure", "region", "persons", "fte", "explanation")

    def clean_submission(self) -> Submission:
        submission: Submission = self.cleaned_data["submission"]
        if submission.is_locked:
            raise submission_locked_error()
        return submission

    def clean(self) -> dict[str, Any]:
        data = cast("dict[str, Any]", super().clean())  # ModelForm.clean returns cleaned_data
        submission, measure, region = data.get("submission"), data.get("measure"), data.get("region")
        if submission and measure:
            try:
                submissions.check_measure_valid(measure, submission.year)
            except ValidationError as error:
                self.add_error("measure", error)
        if submission and region:
            try:
                submissions.check_region_exists(region, submission.year)
            except ValidationError as error:
                self.add_error("region", error)
        if submission and measure and region:
            problem = submission_cell_problem(user=self.user, submission=submission, measure=measure, region=region)
            if problem is not None:
                self.add_error(None, problem)
        return data


@admin.register(Headcount)
class HeadcountAdmin(FileImportMixin, admin.ModelAdmin):
    resource_classes = (HeadcountFileResource,)
    import_kind = ImportJob.Kind.HEADCOUNTS
    form = HeadcountAdminForm
    list_display = ("submission", "measure", "region", "persons", "fte", "submission_status")
    list_filter = ("submission__status", "submission__year", "measure__trede", "measure")
    search_fields = ("submission__organisation__name", "measure__code", "measure__name", "region__code", "region__name")
    autocomplete_fields = ("submission", "measure", "region")
    list_select_related = ("submission__organisation", "measure", "region")

    @admin.display(description=Submission._meta.get_field("status").verbose_name, ordering="submission__status")
    def submission_status(self, obj: Headcount) -> str:
        return obj.submission.get_status_display()

    def get_form(
        self, request: HttpRequest, obj: Headcount | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_readonly_fields(self, request: HttpRequest, obj: Headcount | None = None) -> list[str] | tuple[str, ...]:
        if obj is not None and obj.submission.is_locked:
            return ("submission", "measure", "region", "persons", "fte", "explanation")
        return super().get_readonly_fields(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Headcount | None = None) -> bool:
        return not (obj is not None and obj.submission.is_locked) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Headcount | None = None) -> bool:
        # The bulk "delete selected" action asks this per row too, so it cannot delete locked rows either.
        return not (obj is not None and obj.submission.is_locked) and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Headcount, form: forms.ModelForm, change: bool) -> None:
        submissions.headcount_save(
            submission=obj.submission,
            measure=obj.measure,
            region=obj.region,
            persons=obj.persons,
            fte=obj.fte,
            explanation=obj.explanation,
            headcount=obj,
            user=cast(User, request.user),
        )

    def delete_model(self, request: HttpRequest, obj: Headcount) -> None:
        submissions.headcount_delete(headcount=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Headcount]) -> None:
        for headcount in queryset.select_related("submission"):
            submissions.headcount_delete(headcount=headcount)


@admin.register(OverlapCorrection)
class OverlapCorrectionAdmin(ServiceImportMixin, admin.ModelAdmin):
    resource_classes = (OverlapCorrectionResource,)
    list_display = ("year", "region", "trede", "persons", "created_by", "created_at")
    list_filter = ("year", "trede")
    search_fields = ("region__code", "region__name", "reason")
    autocomplete_fields = ("region", "created_by")
    list_select_related = ("region", "created_by")
    readonly_fields = ("created_at",)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"created_by": request.user.pk, **super().get_changeform_initial_data(request)}

    def save_model(self, request: HttpRequest, obj: OverlapCorrection, form: forms.ModelForm, change: bool) -> None:
        catalogue.overlap_correction_save(correction=obj, user=cast(User, request.user))  # admin users: signed in

    def delete_model(self, request: HttpRequest, obj: OverlapCorrection) -> None:
        catalogue.overlap_correction_delete(correction=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[OverlapCorrection]) -> None:
        for correction in queryset:
            catalogue.overlap_correction_delete(correction=correction)


@admin.register(ContextFigure)
class ContextFigureAdmin(ServiceImportMixin, admin.ModelAdmin):
    resource_classes = (ContextFigureResource,)
    list_display = ("year", "region", "indicator", "value", "source", "synthetic")
    list_filter = ("year", "indicator", "synthetic")
    search_fields = ("region__code", "region__name", "source")
    autocomplete_fields = ("region",)
    list_select_related = ("region",)


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    """Read-only: coordinators publish editions through the publish page (the service freezes the figures), and
    a published edition is corrected by publishing a new one; database triggers refuse any other change."""

    list_display = ("name", "reference_year", "published_on", "published_by", "withdrawn_at", "created_at")
    list_filter = ("reference_year",)
    search_fields = ("name", "note")
    list_select_related = ("published_by",)
    fields = (
        "name",
        "reference_year",
        "published_on",
        "published_by",
        "note",
        "replaces",
        "created_at",
        "withdrawn_at",
        "withdrawn_by",
        "withdrawn_reason",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows only the aggregation service writes."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Aggregate)
class AggregateAdmin(ReadOnlyAdmin):
    list_display = ("year", "scope", "region", "grouping", "trede", "group", "measure", "persons", "computed_at")
    list_filter = ("scope", "year", "trede", "region__level")
    search_fields = ("region__code", "region__name", "grouping__name", "measure__code", "group")
    list_select_related = ("region", "grouping", "measure")
    show_full_result_count = False


@admin.register(AggregateYear)
class AggregateYearAdmin(ReadOnlyAdmin):
    list_display = ("year", "computed_at", "pending", "runs")

    def get_queryset(self, request: HttpRequest) -> QuerySet[AggregateYear]:
        dirty = AggregateDirtyKey.objects.filter(year=OuterRef("year"))
        return cast("QuerySet[AggregateYear]", super().get_queryset(request).annotate(is_pending=Exists(dirty)))

    @admin.display(boolean=True, description=_("herberekening bezig"), ordering="is_pending")
    def pending(self, obj: WithAnnotations[AggregateYear, PendingAnnotation]) -> bool:
        return obj.is_pending


class HistoryActionFilter(admin.SimpleListFilter):
    title = _("actie")
    parameter_name = "actie"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, StrOrPromise]]:
        return [
            ("insert", _("aangemaakt")),
            ("update", _("gewijzigd")),
            ("delete", _("verwijderd")),
            (HISTORY_BASELINE, _("beginstand")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Model]) -> QuerySet[Model]:
        return queryset.filter(pgh_label=self.value()) if self.value() else queryset


class HistoryChangeList(ChangeList):
    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        # The page's previous snapshots in one query, then the rows they name in one query per model.
        page = list(self.result_list)
        before = cast(
            "dict[int, Event]",
            self.model._default_manager.in_bulk([event.before_id for event in page if event.before_id]),
        )
        entries = history_entries([(event, before.get(event.before_id)) for event in page], parents=True)
        for event, entry in zip(page, entries, strict=True):
            event.history = entry


class ShownEvent(Protocol):
    """An event on HistoryChangeList's page, its entry set on it."""

    history: HistoryEntry


class HistoryAdmin(ReadOnlyAdmin):
    """One event table of the audit trail (models.py), newest first: who, when, what, old -> new, why; for staff.

    A list per table rather than django-pghistory's list of all events, which works out the changes of every
    event of every table before it shows a page (tens of seconds at a million events)."""

    list_display = ("at_column", "object_column", "action_column", "user_column", "changes_column", "reason_column")
    list_filter = (HistoryActionFilter,)
    list_select_related = ("pgh_context",)
    ordering = ("-pgh_id",)
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Model]:
        before = (
            self.model._default_manager.filter(pgh_obj_id=OuterRef("pgh_obj_id"), pgh_id__lt=OuterRef("pgh_id"))
            .order_by("-pgh_id")
            .values("pgh_id")[:1]
        )
        return cast("QuerySet[Model]", super().get_queryset(request).annotate(before_id=Subquery(before)))

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[HistoryChangeList]:
        return HistoryChangeList

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_staff_member(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return is_staff_member(request.user)

    @admin.display(description=_("tijdstip"), ordering="pgh_id")
    def at_column(self, obj: ShownEvent) -> str:
        return date_format(timezone.localtime(obj.history.at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("object"))
    def object_column(self, obj: ShownEvent) -> str:
        return obj.history.object

    @admin.display(description=_("actie"))
    def action_column(self, obj: ShownEvent) -> str:
        return obj.history.action

    @admin.display(description=_("gebruiker"))
    def user_column(self, obj: ShownEvent) -> str:
        return obj.history.user or ""

    @admin.display(description=_("wijzigingen"))
    def changes_column(self, obj: ShownEvent) -> str:
        return "; ".join(f"{label}: {old or '–'} → {new or '–'}" for label, old, new in obj.history.changes)

    @admin.display(description=_("reden en herkomst"))
    def reason_column(self, obj: ShownEvent) -> str:
        return " – ".join(part for part in (obj.history.reason, obj.history.source) if part)


for event_model in (SubmissionEvent, HeadcountEvent, OverlapCorrectionEvent, MeasureEvent):
    admin.site.register(event_model, HistoryAdmin)
