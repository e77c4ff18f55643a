"""What changed: the figures of an edition that differ from the edition it follows (opendata/changes.py), as a
page (paged, filtered by year, region and kind) and as CSV or XLSX of the same rows (?formaat=csv|xlsx)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from inventory.filters import region_choices
from inventory.models import Edition, EditionFigure
from inventory.parsing import whole_number
from inventory.selectors.editions import ChangeKind
from inventory.services.exports import FORMATS, SOURCE, Export, csv_chunks, xlsx_write
from inventory.services.exports.cells import Column, Kind, Row
from inventory.services.suppression import legend
from inventory.views.errors import no_such_page
from inventory.widgets import QuickSelect
from opendata.cache import public_page
from opendata.changes import PublicChange, PublicComparison, previous_edition, public_changes
from opendata.editions import edition_version, public_edition_or_404
from opendata.views.site import edition_context

PAGE_SIZE = 100
DOWNLOADS = ("csv", "xlsx")
COLUMNS = (
    Column("year", Kind.INTEGER),
    Column("region", Kind.CODE),
    Column("region_name"),
    Column("level", Kind.CODE),
    Column("trede", Kind.INTEGER),
    Column("group"),
    Column("measure"),
    Column("measure_name"),
    Column("old", Kind.INTEGER),
    Column("new", Kind.INTEGER),
    Column("difference", Kind.INTEGER),
)


class ChangesForm(forms.Form):
    """The choices of the page, in the address; a value that is not one of them is a 400 that names it."""

    jaar = forms.TypedChoiceField(
        label=gettext_lazy("Jaar"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": gettext_lazy("Jaar ‘%(value)s’ komt in deze editie niet voor.")},
    )
    regio = forms.ChoiceField(
        label=gettext_lazy("Regio"),
        required=False,
        widget=QuickSelect,
        error_messages={"invalid_choice": gettext_lazy("Regio ‘%(value)s’ bestaat niet; kies een regio uit de lijst.")},
    )
    toon = forms.ChoiceField(
        label=gettext_lazy("Toon"),
        required=False,
        choices=[
            (ChangeKind.CHANGED, gettext_lazy("gewijzigde cijfers")),
            (ChangeKind.ADDED, gettext_lazy("enkel in deze editie")),
            (ChangeKind.REMOVED, gettext_lazy("enkel in de vorige editie")),
            (ChangeKind.ALL, gettext_lazy("alle verschillen")),
        ],
        error_messages={"invalid_choice": gettext_lazy("‘%(value)s’ is geen keuze voor Toon.")},
    )
    formaat = forms.ChoiceField(
        label=gettext_lazy("Formaat"),
        required=False,
        choices=[("", "HTML"), *((f, FORMATS[f].label) for f in DOWNLOADS)],
        error_messages={"invalid_choice": gettext_lazy("Formaat ‘%(value)s’ bestaat niet; kies csv of xlsx.")},
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["regio"]).choices = [
            ("", gettext_lazy("alle regio’s")),
            *region_choices(groupings=True),
        ]
        cast(forms.ChoiceField, self.fields["jaar"]).choices = [
            ("", gettext_lazy("alle jaren")),
            *((y, str(y)) for y in years),
        ]


def changes_version(edition: str, **_kwargs: object) -> str:
    """The page depends on both editions, and on which one this edition follows (a withdrawal can change that)."""
    found = public_edition_or_404(edition)
    previous = previous_edition(found)
    return f"{edition_version(found)}|{edition_version(previous) if previous else ''}"


def _years(*editions: Edition) -> list[int]:
    years = EditionFigure.objects.filter(edition__in=editions).values_list("year", flat=True).distinct()
    return sorted(years, reverse=True)


@login_not_required
@require_GET
@public_page(changes_version)
def changes_page(request: HttpRequest, edition: str) -> HttpResponse:
    found = public_edition_or_404(edition)
    previous = previous_edition(found)
    context: dict[str, Any] = {**edition_context(request, found), "previous": previous, "public": True}
    form = ChangesForm(request.GET, years=_years(found, *([previous] if previous else [])))
    context["form"] = form
    if not form.is_valid():
        return render(request, "opendata/changes.html", context, status=400)
    if previous is None:
        return render(request, "opendata/changes.html", context)
    data = form.cleaned_data
    comparison = public_changes(
        old=previous,
        new=found,
        places=[data["regio"]] if data["regio"] else None,
        years=[data["jaar"]] if data["jaar"] else None,
        kind=data["toon"] or ChangeKind.CHANGED,
    )
    if data["formaat"]:
        return _download(comparison, data, fmt=data["formaat"])
    raw_number = request.GET.get("page", "1")
    paginator = Paginator(comparison.rows, PAGE_SIZE)
    number = whole_number(raw_number, low=1, high=max(paginator.num_pages, 1))
    if number is None:
        form.add_error(None, no_such_page(raw_number, paginator.num_pages))
        return render(request, "opendata/changes.html", context, status=400)
    context.update(comparison=comparison, page=paginator.page(number))
    return render(request, "opendata/changes.html", context)


def _row(change: PublicChange) -> Row:
    return (
        change.year,
        change.region,
        change.region_name,
        change.level,
        change.trede,
        change.group,
        change.measure,
        change.measure_name,
        change.old,
        change.new,
        change.difference,
    )


def _download(comparison: PublicComparison, data: dict[str, Any], *, fmt: str) -> HttpResponse:
    """The page's rows, all pages, with the hidden counts as their marks (as on the page)."""
    meta: dict[str, Any] = {
        "title": _("Wijzigingen in %(new)s tegenover %(old)s")
        % {"new": comparison.new.name, "old": comparison.old.name},
        "source": SOURCE,
        "edition": comparison.new.name,
        "previous_edition": comparison.old.name,
        "licence": comparison.new.get_licence_display(),
        "licence_url": comparison.new.licence_url,
        "filters": {"year": data["jaar"], "region": data["regio"] or None, "kind": data["toon"] or ChangeKind.CHANGED},
        "columns": _("old: in de vorige editie; new: in deze editie; difference: enkel waar beide getoond zijn"),
        "small_cells": legend(),
        "made_at": timezone.now().isoformat(timespec="seconds"),
    }

    def rows() -> Iterator[Row]:
        return map(_row, comparison.rows)

    export = Export(
        dataset="changes",
        title=meta["title"],
        columns=COLUMNS,
        rows=rows,
        meta=meta,
        public=True,
    )
    target = FORMATS[fmt]
    if fmt == "xlsx":
        out = io.BytesIO()
        xlsx_write(export, out)
        response = HttpResponse(out.getvalue(), content_type=target.content_type)
    else:
        response = HttpResponse("".join(csv_chunks(export, use_copy=False)), content_type=target.content_type)
    response["Content-Disposition"] = f'attachment; filename="{comparison.new.slug}-wijzigingen.{target.extension}"'
    return response
