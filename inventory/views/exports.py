"""The exports page for coordinators and staff: a GET form whose submission downloads the file.

Coordinators export validated figures; staff may choose provisional ones. Organisation users get 404 (an
export mixes many organisations' figures, so it belongs to none of them). CSV, SDMX-CSV, JSON and JSON-stat
stream from a server-side cursor; XLSX is written to a temporary file first, then sent. The list pages
(views/tables.py) send their exports through export_response too. Who may export what: inventory/access.py.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import IO, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from inventory.access import (
    AuthenticatedHttpRequest,
    coordinator_required,
    readable_scopes,
    scope_check,
)
from inventory.forms import EditionChoiceField
from inventory.models import Edition, Measure, Region, RegionGrouping, Scope, Submission, Trede
from inventory.parsing import column_range, id_range, shown, whole_number
from inventory.selectors.figures import AggregateFilters, aggregate_years, aggregates_freshness
from inventory.selectors.headcounts import HeadcountFilters
from inventory.selectors.years import default_year, year_choices, year_states
from inventory.services.exports import (
    FORMATS,
    Export,
    aggregates_export,
    export_filename,
    headcounts_export,
    xlsx_write,
)
from inventory.services.publication import publication_filename, publication_workbook
from inventory.services.suppression import SECONDARY_MARK, primary_mark, small_cell_threshold
from inventory.views.errors import InvalidQuery, invalid_choice


def edition_id(value: str) -> int | None:
    """The edition id a link asks for, when it is one (ASCII digits that fit the column)."""
    return whole_number(value, low=1, high=id_range(Edition)[1])


DATASETS: dict[str, Callable[..., Export]] = {"aggregates": aggregates_export, "headcounts": headcounts_export}


class ExportForm(forms.Form):
    dataset = forms.ChoiceField(
        label=_("Gegevens"),
        choices=[
            ("aggregates", _("Aggregaten: cijfers per regio, trede en maatregel")),
            ("headcounts", _("Tellingen: cijfers per organisatie, maatregel en regio")),
        ],
        initial="aggregates",
        widget=forms.RadioSelect,
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=Scope.choices, initial=Scope.VALIDATED, required=False)
    year = forms.TypedMultipleChoiceField(
        label=_("Jaar"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple, help_text=_("geen = alle")
    )
    region = forms.MultipleChoiceField(
        label=_("Regio"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("geen = alle; bij tellingen ook alles binnen de regio"),
    )
    trede = forms.TypedMultipleChoiceField(
        label=_("Trede"), coerce=int, required=False, choices=Trede.choices, widget=forms.CheckboxSelectMultiple
    )
    measure = forms.MultipleChoiceField(
        label=_("Maatregel"), required=False, widget=forms.SelectMultiple(attrs={"size": 10})
    )
    format = forms.ChoiceField(
        label=_("Formaat"),
        choices=[(f.id, f.label) for f in FORMATS.values()],
        initial="excel-nl",
        widget=forms.RadioSelect,
    )
    public = forms.BooleanField(label=_("Voor publicatie: kleine aantallen afschermen"), required=False)
    edition = EditionChoiceField(
        label=_("Editie"),
        queryset=Edition.objects.current(),
        required=False,
        empty_label=_("actuele cijfers"),
        help_text=_("een gepubliceerde editie geeft haar bevroren cijfers (gevalideerd)"),
    )

    def __init__(self, *args: Any, scopes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["public"].help_text = _(
            "aantallen van 1 tot %(n)s worden ‘%(mark)s’, en waar nodig nog een cel ‘%(second)s’"
        ) % {"n": small_cell_threshold() - 1, "mark": primary_mark(), "second": SECONDARY_MARK}
        # Withdrawn editions are not offered, but one asked for by its id (the editions page links it) is exported.
        asked = edition_id(str((self.data or self.initial).get("edition") or ""))
        if asked is not None:
            edition_field = cast(EditionChoiceField, self.fields["edition"])
            edition_field.queryset = Edition.objects.filter(Q(withdrawn_at__isnull=True) | Q(pk=asked))
        cast(forms.ChoiceField, self.fields["scope"]).choices = [(s, Scope(s).label) for s in scopes]
        if len(scopes) == 1:
            self.fields["scope"].widget = forms.HiddenInput()
        years = set(aggregate_years()) | set(Submission.objects.values_list("year", flat=True).distinct())
        # Live figures of an incomplete year are not final: its choice says so.
        cast(forms.ChoiceField, self.fields["year"]).choices = year_choices(sorted(years), year_states())
        regions = Region.objects.exclude(level=Region.Level.GEMEENTE).order_by("code")
        municipalities = Region.objects.filter(level=Region.Level.GEMEENTE).order_by("name")
        cast(forms.ChoiceField, self.fields["region"]).choices = [
            (_("Gewest, provincies en arrondissementen"), [(r.code, f"{r.name} ({r.code})") for r in regions]),
            (_("Regio-indelingen"), sorted(dict(RegionGrouping.objects.values_list("code", "name")).items())),
            (_("Gemeenten"), [(r.code, str(r)) for r in municipalities]),
        ]
        cast(forms.ChoiceField, self.fields["measure"]).choices = [
            (m.code, str(m)) for m in Measure.objects.order_by("trede", "code")
        ]

    def filters(self) -> AggregateFilters:
        data = self.cleaned_data
        kind = HeadcountFilters if data["dataset"] == "headcounts" else AggregateFilters
        return kind(
            years=data["year"],
            regions=data["region"],
            treden=data["trede"],
            measures=data["measure"],
            scope=Scope.VALIDATED if data["edition"] else data["scope"] or Scope.VALIDATED,
        )


def _file_response(write: Callable[[IO[bytes]], None], *, filename: str, content_type: str) -> FileResponse:
    """openpyxl needs a seekable file: write to a temporary one, then send it; it is gone once the response
    is closed, so no context manager here."""
    out = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        write(out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return FileResponse(out, as_attachment=True, filename=filename, content_type=content_type)


def export_response(export: Export, format_id: str) -> StreamingHttpResponse | FileResponse:
    fmt = FORMATS[format_id]
    filename = export_filename(export, fmt)
    if fmt.chunks is None:
        return _file_response(lambda out: xlsx_write(export, out), filename=filename, content_type=fmt.content_type)
    response = StreamingHttpResponse(fmt.chunks(export), content_type=fmt.content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@coordinator_required
def exports(request: AuthenticatedHttpRequest) -> HttpResponse | StreamingHttpResponse:
    scope_check(request.user, request.GET.get("scope", Scope.VALIDATED), aggregates=True)
    bound = "format" in request.GET
    # The editions page links here with ?edition=<pk> (and staff with ?scope=provisional): the form opens so.
    scopes = readable_scopes(request.user, aggregates=True)
    form = ExportForm(
        request.GET if bound else None,
        scopes=scopes,
        initial={name: request.GET[name] for name in ("edition", "scope") if name in request.GET},
    )
    if form.is_bound and form.is_valid():
        build = DATASETS[form.cleaned_data["dataset"]]
        export = build(filters=form.filters(), public=form.cleaned_data["public"], edition=form.cleaned_data["edition"])
        return export_response(export, form.cleaned_data["format"])
    problems = [] if bound else _open_with(form, request)
    # "staff" in the page: whether provisional figures can be chosen (inventory.access decides).
    asked = edition_id(str(form.data.get("edition") or form.initial.get("edition") or ""))
    edition = Edition.objects.filter(pk=asked).first() if asked is not None else None
    years = aggregate_years()
    last = default_year(years, year_states())
    context = {
        "form": form,
        "staff": Scope.PROVISIONAL in scopes,
        "freshness": aggregates_freshness(),
        "edition": edition,
        # The workbook ends with the latest complete year; a later, incomplete one only when asked for.
        "publication_last": last,
        "publication_later": [y for y in years if last is not None and y > last],
        "problems": problems,
    }
    return render(request, "inventory/exports.html", context, status=400 if form.is_bound or problems else 200)


def _open_with(form: ExportForm, request: HttpRequest) -> list[str]:
    """Open the form with the edition and scope the link asks for; a value that is not one of the choices is
    named on the page (never silently replaced by the default)."""
    problems = []
    for name in ("edition", "scope"):
        value = request.GET.get(name)
        if value is None:
            continue
        try:
            form.fields[name].clean(value)
        except ValidationError:
            problems.append(invalid_choice(str(form.fields[name].label), value))
            form.initial.pop(name, None)
    return problems


@require_GET
@coordinator_required
def publication(request: AuthenticatedHttpRequest) -> FileResponse | HttpResponse:
    """The publication workbook (tabellenbijlage): public unless ?public=0."""
    scope = request.GET.get("scope", Scope.VALIDATED)
    if scope not in Scope.values:
        raise InvalidQuery(invalid_choice(gettext("Scope"), scope))
    scope_check(request.user, scope, aggregates=True)
    public = request.GET.get("public", "1") != "0"
    raw_year = request.GET.get("year", "").strip()
    # Any year the column holds: the workbook says which years have figures.
    last_year = whole_number(raw_year, high=column_range(Submission, "year")[1])
    try:
        if raw_year and last_year is None:
            raise ValidationError(_("Jaar ‘%(year)s’ is geen geldig jaar.") % {"year": shown(raw_year)})
        # The workbook checks its years before it writes a cell.
        return _file_response(
            lambda out: publication_workbook(out=out, scope=scope, public=public, last_year=last_year),
            filename=publication_filename(scope=scope, public=public),
            content_type=FORMATS["xlsx"].content_type,
        )
    except ValidationError as error:
        # Nothing to send: the exports page again, saying what was asked and why it cannot be made.
        scopes = readable_scopes(request.user, aggregates=True)
        context = {
            "form": ExportForm(scopes=scopes),
            "staff": Scope.PROVISIONAL in scopes,
            "freshness": aggregates_freshness(),
            "publication_error": " ".join(error.messages),
        }
        return render(request, "inventory/exports.html", context, status=400)
