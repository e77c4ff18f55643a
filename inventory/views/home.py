"""The dashboard (home page) and Kerncijfers.

Staff and coordinators see the aggregates (staff may choose provisional ones); organisation users see the same
dashboard computed from their own organisations' figures only, with their open rounds and organisations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from inventory.access import (
    AuthenticatedHttpRequest,
    coordinator_required,
    is_coordinator,
    is_staff_member,
    organisations_visible_to,
    scope_check,
)
from inventory.constants import WEST_VLAANDEREN
from inventory.models import CollectionRound, Edition, Scope
from inventory.parsing import id_range, is_digits, whole_number
from inventory.selectors.dashboard import Dashboard, KeyFigures, dashboard, key_figures
from inventory.selectors.portal import round_forms
from inventory.selectors.sources import FigureSource, OwnSource, Place, figures_cached, place_choices, place_get
from inventory.selectors.years import YearStatus, edition_year_states, states_version, year_choices, year_states
from inventory.views.errors import InvalidQuery, NotFound, invalid_choice
from inventory.widgets import QuickSelect

LIVE = "live"


class PlaceForm(forms.Form):
    """Where and when: a GET form that works without JavaScript. An unknown or invalid value falls back to the
    default, and `notices()` says so on the page (what was asked, what is shown instead). With `states` (live
    figures), an incomplete year says so in the year choices."""

    region = forms.ChoiceField(label=gettext_lazy("Regio"), required=False, widget=QuickSelect)
    year = forms.TypedChoiceField(label=gettext_lazy("Jaar"), coerce=int, required=False, empty_value=None)

    def __init__(
        self,
        data: Any,
        *,
        years: list[int],
        places: list[Any] | None = None,
        states: Mapping[int, YearStatus] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.years, self.states = years, states
        cast(forms.ChoiceField, self.fields["region"]).choices = place_choices() if places is None else places
        cast(forms.ChoiceField, self.fields["year"]).choices = year_choices(reversed(years), states)

    def _valid(self, name: str) -> Any:
        """A field's cleaned value, even when the other field is invalid."""
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name) if name not in self.errors else None

    def chosen_place(self) -> Place:
        code = self._valid("region")
        return place_get(code or WEST_VLAANDEREN) or Place(WEST_VLAANDEREN, "West-Vlaanderen", "provincie")

    def chosen_year(self) -> int | None:
        year = self._valid("year")
        return year if isinstance(year, int) else None

    def asked(self, name: str) -> str:
        return str(self.data.get(name) or "").strip() if self.is_bound else ""

    def notices(self, *, place: Place, year: int, has_figures: bool) -> list[str]:
        """What the request asked for and did not get, and what the page shows instead."""
        notices = []
        region, asked_year = self.asked("region"), self.asked("year")
        shown = {"place": place.name, "year": year}
        if region and region != place.code:
            notices.append(
                _(
                    "Regio ‘%(asked)s’ bestaat niet of kan hier niet gekozen worden (kies Vlaanderen, een provincie, "
                    "een arrondissement of een regio-indeling); %(place)s wordt getoond."
                )
                % {**shown, "asked": region}
            )
        if asked_year and asked_year != str(year):
            if is_digits(asked_year):
                message = _("Voor het jaar %(asked)s zijn er geen cijfers; %(year)s wordt getoond.")
            else:
                message = _("Jaar ‘%(asked)s’ is geen geldig jaar; %(year)s wordt getoond.")
            notices.append(message % {**shown, "asked": asked_year})
        if not has_figures:
            notices.append(_("Er zijn geen cijfers voor %(place)s in %(year)s.") % shown)
        return notices

    def showing(self, place: Place, year: int) -> PlaceForm:
        """The form again, set to what the page shows (the defaults, when the request asked for nothing or for
        something unknown)."""
        places = cast("list[Any]", cast(forms.ChoiceField, self.fields["region"]).choices)  # a list once set
        form = PlaceForm({"region": place.code, "year": year}, years=self.years, places=places, states=self.states)
        form.is_valid()
        return form


def _source_for(request: AuthenticatedHttpRequest) -> FigureSource | OwnSource:
    """Organisation users: their own figures. Coordinators: the validated aggregates (403 when they ask for
    provisional ones, as everywhere); staff may choose. An unknown scope is a 400 naming it, as in the tables."""
    if not is_coordinator(request.user):
        return OwnSource(request.user)
    scope = request.GET.get("scope", Scope.VALIDATED)
    if scope not in Scope.values:
        raise InvalidQuery(invalid_choice(_("Scope"), scope))  # as the tables answer it
    scope_check(request.user, scope, aggregates=True)
    return FigureSource(scope=scope)


@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    source = _source_for(request)
    own = isinstance(source, OwnSource)
    staff = is_staff_member(request.user)

    # Year states lead the live figures (the latest complete year by default; labels): not an organisation's own,
    # which say instead which of their years are not final (not validated yet, or the round still open).
    states = None if own else year_states()
    today = timezone.localdate()
    open_rounds = list(CollectionRound.objects.filter(opens_on__lte=today, closes_on__gte=today)) if own else []

    def build() -> tuple[Dashboard | None, str]:
        years = source.years()
        form = PlaceForm(request.GET or None, years=years, states=states)
        data = dashboard(
            source=source,
            place=form.chosen_place(),
            year=form.chosen_year(),
            years=years,
            states=states,
            open_years={r.year for r in open_rounds},
        )
        notices: list[str] = []
        if data:
            notices = form.notices(place=data.place, year=data.year, has_figures=data.headline is not None)
            form = form.showing(data.place, data.year)
        context = {
            "form": form,
            "dashboard": data,
            "own": own,
            "staff": staff,
            "scope": getattr(source, "scope", ""),
            "notices": notices,
        }
        return data, render_to_string("inventory/_dashboard.html", context, request)

    if own:
        data, html = build()  # an organisation's own figures are few and read live
    else:
        chosen = (staff, request.GET.get("region"), request.GET.get("year"), states_version(states or {}))
        data, html = figures_cached("dashboard", build, source=cast(FigureSource, source), parts=chosen)
    # The fragment was rendered (and escaped) by our own template, above or when it was cached.
    context: dict[str, object] = {"dashboard": data, "dashboard_html": mark_safe(html), "own": own}
    if own:
        context["organisations"] = organisations_visible_to(request.user).select_related("home_region")
        context["open_rounds"] = open_rounds
        context["round_forms"] = round_forms(open_rounds, context["organisations"])  # type: ignore[arg-type]
    return render(request, "inventory/home.html", context)


@require_GET
@coordinator_required
def key_figures_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """An edition's headline facts the way the press release states them (the latest edition by default)."""
    # Withdrawn editions leave the choices and the default, but stay reachable by their id (with a banner).
    editions = list(Edition.objects.current().order_by("-reference_year", "-published_on", "-created_at"))
    chosen = request.GET.get("edition", "")
    if chosen == LIVE:
        edition = None
    elif chosen:
        pk = whole_number(chosen, low=1, high=id_range(Edition)[1])
        if pk is None:
            raise InvalidQuery(invalid_choice(_("Editie"), chosen))
        edition = next((e for e in editions if e.pk == pk), None) or Edition.objects.filter(pk=pk).first()
        if edition is None:
            raise NotFound(
                _("Editie ‘%(value)s’ bestaat niet; kies een editie uit de lijst van Kerncijfers.") % {"value": chosen}
            )
    else:
        # The latest edition that froze its reference year complete leads; one published incomplete (with
        # confirmation) is only shown when asked for, with its label.
        edition = next((e for e in editions if e.complete), editions[0] if editions else None)
    source = FigureSource(edition=edition)
    states = year_states() if edition is None else edition_year_states(edition)

    def build() -> tuple[KeyFigures | None, str]:
        years = source.years()
        form = PlaceForm(request.GET or None, years=years, states=states)
        year = form.chosen_year()
        if year is None and edition is not None and edition.reference_year in years:
            year = edition.reference_year  # an edition leads with its own year, complete or not (labelled)
        figures = key_figures(source=source, place=form.chosen_place(), year=year, years=years, states=states)
        notices: list[str] = []
        if figures:
            notices = form.notices(place=figures.place, year=figures.year, has_figures=figures.total is not None)
            form = form.showing(figures.place, figures.year)
        context = {
            "figures": figures,
            "form": form,
            "editions": editions,
            "edition": edition,
            "live": LIVE,
            "notices": notices,
        }
        return figures, render_to_string("inventory/_key_figures.html", context, request)

    parts = (
        [(e.pk, e.name) for e in editions],
        request.GET.get("region"),
        request.GET.get("year"),
        states_version(states),
    )
    figures, html = figures_cached("kerncijfers", build, source=source, parts=parts)
    context = {"figures": figures, "edition": edition, "key_figures_html": mark_safe(html)}
    return render(request, "inventory/key_figures.html", context)
