"""Editions for coordinators and staff: the list with a publish form, the comparison of two editions, and an
edition's export in the same formats as live data. Organisation users get 404."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from inventory.access import AuthenticatedHttpRequest, coordinator_required, edition_withdraw_check, is_staff_member
from inventory.filters import region_choices
from inventory.forms import EditionChoiceField
from inventory.models import Edition, EditionFigure, Licence
from inventory.parsing import TextField, column_range, whole_number
from inventory.selectors.editions import ChangeKind, editions_compare, editions_list, publish_preview
from inventory.selectors.figures import aggregate_years
from inventory.selectors.years import YearStatus, default_year, year_states
from inventory.services.editions import edition_publish, edition_schedule_next, edition_withdraw
from inventory.templatetags.numbers import persons
from inventory.views.errors import no_such_page
from inventory.widgets import QuickSelect

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

COMPARE_PAGE_SIZE = 100
# The highest page whose offset PostgreSQL takes (a bigint).
MAX_PAGE = column_range(EditionFigure, "id")[1] // COMPARE_PAGE_SIZE


class PublicationDateField(forms.DateField):
    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except ValidationError:
            raise ValidationError(
                _("Publicatiedatum ‘%(value)s’ is geen geldige datum; gebruik jjjj-mm-dd of dd/mm/jjjj."),
                code="invalid",
                params={"value": value},
            ) from None


class PublishForm(forms.Form):
    name = TextField(label=gettext_lazy("Naam"), max_length=100, help_text=gettext_lazy("bv. Inventaris 2020"))
    reference_year = forms.TypedChoiceField(label=gettext_lazy("Referentiejaar"), coerce=int)
    # ISO in the value: what <input type="date"> reads, whatever the interface language.
    published_on = PublicationDateField(
        label=gettext_lazy("Publicatiedatum"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    note = TextField(
        label=gettext_lazy("Toelichting"), required=False, multiline=True, widget=forms.Textarea(attrs={"rows": 3})
    )
    replaces = EditionChoiceField(
        label=gettext_lazy("Vervangt editie"),
        queryset=Edition.objects.all(),
        required=False,
        empty_label=gettext_lazy("geen (een nieuwe editie)"),
        help_text=gettext_lazy("Voor een gecorrigeerde editie: de editie die ze vervangt."),
    )
    # Not chosen (a form or a program that does not send it): CC BY 4.0, as the issue asks.
    licence = forms.TypedChoiceField(
        label=gettext_lazy("Licentie"),
        choices=Licence.choices,
        initial=Licence.CC_BY_4_0,
        required=False,
        empty_value=Licence.CC_BY_4_0,
        error_messages={"invalid_choice": gettext_lazy("Licentie ‘%(value)s’ is onbekend.")},
        help_text=gettext_lazy("Onder welke licentie de open-datasite de cijfers aanbiedt."),
    )
    confirm_incomplete = forms.BooleanField(
        label=gettext_lazy("Ik bevestig dat ik ook onvolledige jaren publiceer"),
        required=False,
        help_text=gettext_lazy("Nodig wanneer een jaar tot en met het referentiejaar nog niet volledig is."),
    )

    def __init__(self, *args: Any, states: dict[int, YearStatus] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        years = aggregate_years()
        states = states or {}
        cast(forms.ChoiceField, self.fields["reference_year"]).choices = [
            (y, _("%(year)s (onvolledig)") % {"year": y} if y in states and not states[y].complete else str(y))
            for y in reversed(years)
        ]
        # The latest complete year: publishing an incomplete one is a choice made on purpose.
        self.fields["reference_year"].initial = default_year(years, states)
        self.fields["published_on"].initial = timezone.localdate()
        replaces = cast(EditionChoiceField, self.fields["replaces"])
        replaces.queryset = Edition.objects.order_by("-reference_year", "-published_on", "-created_at")


class NextEditionDateField(forms.DateField):
    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except ValidationError:
            raise ValidationError(
                _("‘%(value)s’ is geen geldige datum voor de volgende editie; gebruik jjjj-mm-dd of dd/mm/jjjj."),
                code="invalid",
                params={"value": value},
            ) from None


class ScheduleForm(forms.Form):
    """When the next edition is expected; empty (or "wissen") clears it."""

    next_edition_on = NextEditionDateField(
        label=gettext_lazy("Volgende editie verwacht op"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )


class WithdrawForm(forms.Form):
    reason = TextField(
        label=gettext_lazy("Reden van intrekken"),
        max_length=2000,
        multiline=True,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _edition_years() -> list[tuple[int, str]]:
    years = EditionFigure.objects.order_by("-year").values_list("year", flat=True).distinct()
    return [(year, str(year)) for year in years]


def _compare_regions() -> list[tuple[StrOrPromise, Any]]:
    return [("", gettext_lazy("alle regio’s")), *region_choices(groupings=True)]


class CompareForm(forms.Form):
    """Every choice is a select; a value in the address that is not one of them is an error naming the field and
    the value (never a comparison of something else, never "no differences")."""

    old = EditionChoiceField(
        label=gettext_lazy("Oude editie"),
        queryset=Edition.objects.all(),
        error_messages={"invalid_choice": gettext_lazy("Editie ‘%(value)s’ bestaat niet.")},
    )
    new = EditionChoiceField(
        label=gettext_lazy("Nieuwe editie"),
        queryset=Edition.objects.all(),
        error_messages={"invalid_choice": gettext_lazy("Editie ‘%(value)s’ bestaat niet.")},
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Toon"),
        required=False,
        choices=[
            (ChangeKind.CHANGED, gettext_lazy("gewijzigde cijfers")),
            (ChangeKind.ADDED, gettext_lazy("enkel in de nieuwe editie")),
            (ChangeKind.REMOVED, gettext_lazy("enkel in de oude editie")),
            (ChangeKind.ALL, gettext_lazy("alle verschillen")),
        ],
        error_messages={"invalid_choice": gettext_lazy("‘%(value)s’ is geen keuze voor Toon.")},
    )
    region = forms.ChoiceField(
        label=gettext_lazy("Regio"),
        required=False,
        widget=QuickSelect,
        error_messages={"invalid_choice": gettext_lazy("Regio ‘%(value)s’ bestaat niet; kies een regio uit de lijst.")},
    )
    year = forms.TypedChoiceField(
        label=gettext_lazy("Jaar"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": gettext_lazy("Jaar ‘%(value)s’ komt in geen editie voor.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Once per form, not at validation and again at rendering.
        cast(forms.ChoiceField, self.fields["region"]).choices = _compare_regions()
        cast(forms.ChoiceField, self.fields["year"]).choices = [("", gettext_lazy("alle jaren")), *_edition_years()]

    def clean(self) -> dict[str, Any]:
        data = cast("dict[str, Any]", super().clean())  # Form.clean returns cleaned_data
        if data.get("old") and data.get("old") == data.get("new"):
            raise ValidationError(_("Kies twee verschillende edities."))
        return data


def _page(
    request: HttpRequest,
    *,
    form: PublishForm | None = None,
    schedule_errors: tuple[int, list[str], str] | None = None,
    status: int = 200,
) -> HttpResponse:
    everything = editions_list(withdrawn=None)
    states = year_states()
    editions = [e for e in everything if not e.edition.withdrawn]
    compare = CompareForm(
        initial={"old": editions[1].edition.pk, "new": editions[0].edition.pk} if len(editions) > 1 else None
    )
    context = {
        "editions": editions,
        "withdrawn": [e for e in everything if e.edition.withdrawn],
        "form": form or PublishForm(states=states),
        "compare": compare,
        "preview": publish_preview(states),
        "staff": is_staff_member(request.user),
        "withdraw_form": WithdrawForm(),
        # Beside the edition whose next-edition date was refused: why (the other rows keep their forms).
        "schedule_edition": schedule_errors[0] if schedule_errors else None,
        "schedule_errors": schedule_errors[1] if schedule_errors else [],
        # ... and the date as it was typed, so nothing typed is lost.
        "schedule_value": schedule_errors[2] if schedule_errors else "",
    }
    return render(request, "inventory/editions.html", context, status=status)


@require_GET
@coordinator_required
def edition_list(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@coordinator_required
def edition_publish_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PublishForm(request.POST, states=year_states())
    if form.is_valid():
        try:
            result = edition_publish(**form.cleaned_data, user=request.user)
        except ValidationError as error:
            form.add_error(None, error)  # a dict of errors goes to its fields
        else:
            messages.success(
                request,
                _("Editie ‘%(name)s’ gepubliceerd: %(figures)s cijfers en %(headcounts)s tellingen bevroren.")
                % {
                    "name": result.edition.name,
                    "figures": persons(result.figures),
                    "headcounts": persons(result.headcounts),
                },
            )
            return redirect("inventory:editions")
    return _page(request, form=form, status=400)


@require_POST
@coordinator_required
def edition_withdraw_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    edition_withdraw_check(request.user)
    edition = get_object_or_404(Edition, pk=pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Geef een reden om de editie ‘%(name)s’ in te trekken.") % {"name": edition.name})
        return redirect("inventory:editions")
    if edition.withdrawn_at is None and request.POST.get("confirm") != "1":
        # Withdrawing cannot be undone: the first click asks, with what it means, the second withdraws.
        context = {"edition": edition, "form": form}
        return render(request, "inventory/edition_withdraw_confirm.html", context)
    try:
        edition_withdraw(edition=edition, reason=form.cleaned_data["reason"], user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Editie ‘%(name)s’ ingetrokken.") % {"name": edition.name})
    return redirect("inventory:editions")


@require_POST
@coordinator_required
def edition_schedule_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Set or clear when the next edition is expected (the public pages and the catalogue show it)."""
    edition = get_object_or_404(Edition, pk=pk)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        date = None if request.POST.get("clear") else form.cleaned_data["next_edition_on"]
        try:
            edition_schedule_next(edition=edition, next_edition_on=date, user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
    if form.errors:
        problems = [str(message) for errors in form.errors.values() for message in errors]
        typed = str(request.POST.get("next_edition_on", ""))
        return _page(request, schedule_errors=(edition.pk, problems, typed), status=400)
    if edition.next_edition_on:
        messages.success(
            request,
            _("De volgende editie na ‘%(name)s’ wordt verwacht op %(date)s.")
            % {"name": edition.name, "date": edition.next_edition_on.strftime("%d/%m/%Y")},
        )
    else:
        messages.success(request, _("Geen datum meer voor de editie na ‘%(name)s’.") % {"name": edition.name})
    return redirect("inventory:editions")


@require_GET
@coordinator_required
def edition_compare(request: HttpRequest) -> HttpResponse:
    form = CompareForm(request.GET or None)
    comparison = page = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        raw_number = request.GET.get("page", "1")
        # Not a page (no ASCII digits, or an offset beyond a bigint): 0, refused below with the number of pages.
        number = whole_number(raw_number, low=1, high=MAX_PAGE) or 0
        comparison = editions_compare(
            old=data["old"],
            new=data["new"],
            places=[data["region"]] if data["region"] else None,
            years=[data["year"]] if data["year"] else None,
            kind=data["kind"] or ChangeKind.CHANGED,
            offset=max(number - 1, 0) * COMPARE_PAGE_SIZE,
            limit=COMPARE_PAGE_SIZE,
        )
        # A paginator over the counted total, so the page links need no second count.
        paginator = Paginator(range(comparison.total), COMPARE_PAGE_SIZE)
        if not 1 <= number <= paginator.num_pages:
            form.add_error(None, no_such_page(raw_number, paginator.num_pages))
            comparison = None
        else:
            page = paginator.page(number)
    context = {"form": form, "comparison": comparison, "page": page}
    return render(request, "inventory/edition_compare.html", context, status=400 if form.errors else 200)
