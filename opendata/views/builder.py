"""The table builder (/cijfers/<edition>/tabel/) and its downloads (…/tabel/download.<extension>).

A GET form that works without JavaScript: the page's address with its query is the permalink, and the downloads
take the same query. A value that is not one of the choices makes a 400 that says which value, in the form (the
page) or as text (a download); an edition's answers are made once and kept (opendata/cache.py)."""

from __future__ import annotations

import io
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from inventory.models import Edition, Region, RegionGrouping
from inventory.services.exports import FORMATS, export_write
from inventory.views.errors import NotFound
from inventory.widgets import QuickSelect, QuickSelectMultiple
from opendata.builder import (
    DEFAULT_TREDEN,
    DOWNLOADS,
    MAX_CELLS,
    Breakdown,
    BuiltTable,
    Layout,
    Level,
    TableChoice,
    download_format,
    table_build,
    trede_choices,
)
from opendata.cache import public_page
from opendata.editions import PublicSource, public_edition_or_404
from opendata.views.site import edition_context, edition_page_version

# Parameters that may hold several values (repeated, or separated by commas).
MULTIPLE = ("jaar", "regio", "trede")


class TableForm(forms.Form):
    """The builder's choices. Bound to the query with the defaults filled in (`table_data`), so the form always
    shows exactly what the table shows."""

    jaar = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Jaren"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": gettext_lazy("Jaar ‘%(value)s’ zit niet in deze editie.")},
    )
    niveau = forms.ChoiceField(
        label=gettext_lazy("Gebieden"),
        choices=Level.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("‘%(value)s’ is geen keuze voor Gebieden.")},
    )
    arrondissement = forms.ChoiceField(
        label=gettext_lazy("Gemeenten van"),
        required=False,
        widget=QuickSelect,
        help_text=gettext_lazy("Bij ‘de gemeenten’: die van één arrondissement, of alle."),
        error_messages={"invalid_choice": gettext_lazy("Arrondissement ‘%(value)s’ bestaat niet.")},
    )
    regio = forms.MultipleChoiceField(
        label=gettext_lazy("Zelf gekozen gebieden"),
        required=False,
        widget=QuickSelectMultiple(attrs={"size": 10}),
        help_text=gettext_lazy("Bij ‘zelf gekozen gebieden’; met Ctrl of Shift kiest u er meer."),
        error_messages={"invalid_choice": gettext_lazy("Gebied ‘%(value)s’ bestaat niet; kies gebieden uit de lijst.")},
    )
    indeling = forms.ChoiceField(
        label=gettext_lazy("Indeling"),
        choices=Breakdown.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("‘%(value)s’ is geen keuze voor Indeling.")},
    )
    trede = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Treden"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Bij een indeling per trede, maatregelgroep of maatregel."),
        error_messages={"invalid_choice": gettext_lazy("Trede ‘%(value)s’ bestaat niet; kies uit 3, 4, 5 en 6.")},
    )
    weergave = forms.ChoiceField(
        label=gettext_lazy("Weergave"),
        choices=Layout.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("‘%(value)s’ is geen keuze voor Weergave.")},
    )

    def __init__(self, data: QueryDict, *, years: list[int], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.field("jaar").choices = [(year, str(year)) for year in years]
        self.field("trede").choices = trede_choices()
        arrondissements = Region.objects.filter(level=Region.Level.ARRONDISSEMENT).order_by("code")
        self.field("arrondissement").choices = [
            ("", _("alle gemeenten van Vlaanderen")),
            *arrondissements.values_list("code", "name"),
        ]
        self.field("regio").choices = region_choices()

    def field(self, name: str) -> forms.ChoiceField:
        return cast(forms.ChoiceField, self.fields[name])

    def clean(self) -> dict[str, Any]:
        data = cast("dict[str, Any]", super().clean())
        if data.get("niveau") == Level.KEUZE and "regio" not in self.errors and not data.get("regio"):
            self.add_error("regio", _("Kies minstens één gebied bij ‘zelf gekozen gebieden’."))
        return data

    def choice(self) -> TableChoice:
        """The valid form's choice, in canonical order (years and treden sorted, chosen regions once each)."""
        data = self.cleaned_data
        level = data["niveau"]
        return TableChoice(
            years=tuple(sorted(set(data["jaar"]))),
            level=level,
            arrondissement=data["arrondissement"] if level == Level.GEMEENTE else "",
            regions=tuple(dict.fromkeys(data["regio"])) if level == Level.KEUZE else (),
            breakdown=data["indeling"],
            treden=tuple(sorted(set(data["trede"]))),
            layout=data["weergave"],
        )

    def problems(self) -> list[str]:
        return [f"{self.fields[name].label}: {message}" for name, errors in self.errors.items() for message in errors]


def region_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every region and grouping, by level (a grouping once, by its newest name)."""
    by_level: dict[str, list[tuple[str, str]]] = {level: [] for level in Region.Level.values}
    for code, name, level in Region.objects.order_by("code").values_list("code", "name", "level"):
        by_level[level].append((code, name))
    groupings = dict(RegionGrouping.objects.order_by("first_year").values_list("code", "name"))
    return [
        (_("Gewest"), by_level[Region.Level.GEWEST]),
        (_("Provincies"), by_level[Region.Level.PROVINCIE]),
        (_("Arrondissementen"), by_level[Region.Level.ARRONDISSEMENT]),
        (_("Regio-indelingen"), sorted(groupings.items(), key=lambda item: item[1])),
        (_("Gemeenten"), by_level[Region.Level.GEMEENTE]),
    ]


def table_data(query: QueryDict, *, default_year: int) -> QueryDict:
    """The query with every value stripped, several values split on commas, and a default for every choice left
    out: the reference year, the provinces (or the chosen regions when some are given), the total, treden 3-5."""
    data = QueryDict(mutable=True)
    for name in TableForm.base_fields:
        raw = query.getlist(name)
        if name in MULTIPLE:
            values = [part.strip() for value in raw for part in value.split(",") if part.strip()]
        else:
            values = [value.strip() for value in raw[-1:] if value.strip()]
        if values:
            data.setlist(name, values)
    defaults: dict[str, list[str]] = {
        "jaar": [str(default_year)],
        "niveau": [Level.KEUZE if "regio" in data else Level.PROVINCIE],
        "indeling": [Breakdown.TOTAAL],
        "trede": [str(trede) for trede in DEFAULT_TREDEN],
        "weergave": [Layout.GEBIEDEN],
    }
    for name, default in defaults.items():
        if name not in data:
            data.setlist(name, default)
    return data


def default_year(edition: Edition, years: list[int]) -> int:
    return edition.reference_year if edition.reference_year in years or not years else years[-1]


def read_table(request: HttpRequest, edition: Edition) -> tuple[TableForm, BuiltTable | None, list[str]]:
    """The form, the table (None when the query has a wrong value) and what is wrong."""
    # An edition without figures still offers its reference year: an empty table, never an error.
    years = sorted(set(PublicSource(edition=edition).years()) | {edition.reference_year})
    form = TableForm(table_data(request.GET, default_year=default_year(edition, years)), years=years)
    if not form.is_valid():
        return form, None, form.problems()
    table = table_build(edition=edition, choice=form.choice())
    if table.size > MAX_CELLS:
        problem = _(
            "Deze tabel zou %(cells)s cellen tellen, meer dan de %(max)s die een tabel hier kan hebben: kies minder"
            " jaren of gebieden, of een grovere indeling."
        ) % {"cells": f"{table.size:,}".replace(",", "."), "max": f"{MAX_CELLS:,}".replace(",", ".")}
        form.add_error(None, problem)
        return form, None, [problem]
    return form, table, []


def permalink(request: HttpRequest, edition: Edition, table: BuiltTable) -> str:
    path = reverse("opendata:table", kwargs={"edition": edition.slug})
    return request.build_absolute_uri(f"{path}?{urlencode(table.choice.query())}")


@login_not_required
@require_GET
@public_page(edition_page_version)
def table_page(request: HttpRequest, edition: str) -> HttpResponse:
    found = public_edition_or_404(edition)
    form, table, problems = read_table(request, found)
    context: dict[str, Any] = {**edition_context(request, found), "form": form, "table": table, "problems": problems}
    if table is not None:
        query = urlencode(table.choice.query())
        context["permalink"] = permalink(request, found, table)
        context["downloads"] = [
            (FORMATS[fmt].label, reverse("opendata:table-download", args=[found.slug, extension]) + f"?{query}")
            for extension, fmt in DOWNLOADS.items()
        ]
    return render(request, "opendata/table.html", context, status=400 if problems else 200)


@login_not_required
@require_GET
@public_page(edition_page_version)
def table_download(request: HttpRequest, edition: str, extension: str) -> HttpResponse:
    """Exactly the cells the page with this query shows, in one of the formats, with the edition's metadata."""
    found = public_edition_or_404(edition)
    fmt = download_format(extension)
    if fmt is None:
        raise NotFound(
            _("Er is geen download ‘%(name)s’; kies uit %(choices)s.")
            % {"name": f"download.{extension}", "choices": ", ".join(f"download.{e}" for e in DOWNLOADS)}
        )
    _form, table, problems = read_table(request, found)
    if table is None:
        return HttpResponse("\n".join(problems) + "\n", status=400, content_type="text/plain; charset=utf-8")
    export = table.export(permalink=permalink(request, found, table), fmt=fmt)
    if fmt.binary:
        out = io.BytesIO()
        export_write(export, fmt, out)
        body = out.getvalue()
    else:
        text = io.StringIO()
        export_write(export, fmt, text)
        body = text.getvalue().encode()
    response = HttpResponse(body, content_type=fmt.content_type)
    response["Content-Disposition"] = f'attachment; filename="{table.filename(fmt)}"'
    response["Link"] = f'<{found.licence_url}>; rel="license"'
    return response
