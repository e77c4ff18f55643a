"""django-filter filter sets for the list pages."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import django_filters
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from inventory.constants import GROUPING_LEVEL
from inventory.models import (
    Aggregate,
    CountedAt,
    Headcount,
    Measure,
    MeasureMode,
    MeasureQuerySet,
    Organisation,
    OrganisationKind,
    Region,
    RegionGrouping,
    Scope,
    Submission,
    SubmissionStatus,
    Trede,
)
from inventory.parsing import IdChoiceField, YearField
from inventory.selectors.headcounts import regions_within
from inventory.selectors.years import YearStatus, year_choices
from inventory.widgets import QuickSelect, quick_selects

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class FilterSet(django_filters.FilterSet):
    """A filter set whose selects render quickly (inventory/widgets.py)."""

    @property
    def form(self) -> Any:
        form = super().form
        quick_selects(form)
        return form


class YearFilter(django_filters.Filter):
    """A year in ASCII digits, one the tables can hold (inventory.parsing.YearField): '٣' or '1e999999' is a form
    error, not a year 3 or a query PostgreSQL refuses."""

    field_class = YearField


class IdChoiceFilter(django_filters.ModelChoiceFilter):
    """A row chosen by its id in ASCII digits (inventory.parsing.IdChoiceField)."""

    field_class = IdChoiceField


# The review queue lists what was sent to POM; drafts are the organisation's own business.
QUEUE_STATUSES = [(value, label) for value, label in SubmissionStatus.choices if value != SubmissionStatus.DRAFT]


class SubmissionFilter(FilterSet):
    """The review queue's filters. Without a status in the query the queue shows what needs review (submitted);
    the empty choice ("alle statussen") shows every sent submission."""

    DEFAULT_STATUS = SubmissionStatus.SUBMITTED

    year = YearFilter(label=_("Jaar"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=QUEUE_STATUSES, empty_label=_("alle statussen"))
    kind = django_filters.ChoiceFilter(
        label=_("Soort organisatie"), field_name="organisation__kind", choices=OrganisationKind.choices
    )
    arrondissement = IdChoiceFilter(
        label=_("Arrondissement"),
        field_name="organisation__home_region__parent",
        queryset=Region.objects.filter(level=Region.Level.ARRONDISSEMENT),
    )
    organisation = django_filters.CharFilter(
        label=_("Organisatie"), field_name="organisation__name", lookup_expr="icontains"
    )

    class Meta:
        model = Submission
        fields = ["year", "status", "kind", "arrondissement", "organisation"]

    def __init__(self, data: QueryDict | None = None, *args: Any, **kwargs: Any) -> None:
        if data is None or "status" not in data:
            data = QueryDict(mutable=True) if data is None else data.copy()
            data["status"] = self.DEFAULT_STATUS
        super().__init__(data, *args, **kwargs)


# --- the list pages ("Tabellen", views/tables.py) --------------------------------------------------------------


def region_choices(*, groupings: bool = False) -> list[tuple[StrOrPromise, list[tuple[str, str]]]]:
    """The regions by code for a select, grouped (Flanders, provinces and arrondissements; region groupings;
    municipalities by name, merged ones too): one query for the regions and one for the groupings."""
    everything = list(Region.objects.order_by("code"))  # one query for both groups
    regions = [r for r in everything if r.level != Region.Level.GEMEENTE]
    municipalities = sorted((r for r in everything if r.level == Region.Level.GEMEENTE), key=lambda r: (r.name, r.code))
    choices: list[tuple[StrOrPromise, list[tuple[str, str]]]] = [
        (_("Gewest, provincies en arrondissementen"), [(r.code, f"{r.name} ({r.code})") for r in regions])
    ]
    if groupings:
        named = dict(RegionGrouping.objects.order_by("code", "first_year").values_list("code", "name"))
        choices.append((_("Regio-indelingen"), sorted(named.items())))
    choices.append((_("Gemeenten"), [(r.code, str(r)) for r in municipalities]))
    return choices


def measure_group_choices() -> list[tuple[str, str]]:
    return [(g, g) for g in Measure.objects.order_by("group").values_list("group", flat=True).distinct()]


class HeadcountTableFilter(FilterSet):
    """Filters of the headcounts page. Year, region, trede and measure mean what HeadcountFilters means (region:
    the headcount's region or any region inside it), so the page's export can name them in its metadata."""

    year = YearFilter(label=_("Jaar"), field_name="submission__year")
    organisation = django_filters.CharFilter(
        label=_("Organisatie"), field_name="submission__organisation__name", lookup_expr="icontains"
    )
    measure = django_filters.ModelChoiceFilter(
        label=_("Maatregel"),
        field_name="measure",
        to_field_name="code",
        queryset=Measure.objects.order_by("trede", "code"),
    )
    trede = django_filters.ChoiceFilter(label=_("Trede"), field_name="measure__trede", choices=Trede.choices)
    region = django_filters.ChoiceFilter(
        label=_("Regio"),
        choices=region_choices,
        method="filter_region",
        widget=QuickSelect,
        help_text=_("ook alles binnen de regio"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), field_name="submission__status", choices=SubmissionStatus.choices
    )

    class Meta:
        model = Headcount
        fields = ["year", "organisation", "measure", "trede", "region", "status"]

    def __init__(self, *args: Any, single_status: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if single_status:  # coordinators see validated headcounts only: nothing to choose
            del self.filters["status"]

    def filter_region(self, queryset: QuerySet[Headcount], name: str, value: str) -> QuerySet[Headcount]:
        return queryset.filter(region_id__in=regions_within([value]))


class OrganisationTableFilter(FilterSet):
    name = django_filters.CharFilter(label=_("Naam"), lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(label=_("Soort"), choices=OrganisationKind.choices)
    arrondissement = django_filters.ModelChoiceFilter(
        label=_("Arrondissement"),
        field_name="home_region__parent",
        to_field_name="code",
        queryset=Region.objects.filter(level=Region.Level.ARRONDISSEMENT).order_by("name"),
    )
    active = django_filters.BooleanFilter(label=_("Actief"))

    class Meta:
        model = Organisation
        fields = ["name", "kind", "arrondissement", "active"]


class MeasureTableFilter(FilterSet):
    trede = django_filters.ChoiceFilter(label=_("Trede"), choices=Trede.choices)
    group = django_filters.ChoiceFilter(label=_("Groep"), choices=measure_group_choices)
    mode = django_filters.ChoiceFilter(label=_("Modus"), choices=MeasureMode.choices)
    counted_at = django_filters.ChoiceFilter(label=_("Geteld naar"), choices=CountedAt.choices)
    year = YearFilter(label=_("Geldig in"), method="filter_year")

    class Meta:
        model = Measure
        fields = ["trede", "group", "mode", "counted_at", "year"]

    def filter_year(self, queryset: MeasureQuerySet, name: str, value: int) -> MeasureQuerySet:
        return queryset.valid_in(value)


AGGREGATE_LEVELS = [*Region.Level.choices, (GROUPING_LEVEL, _("regio-indeling"))]


class AggregateTableFilter(FilterSet):
    """Filters of the aggregates page, on aggregate_queryset's rows (its annotations level and region_code).
    Year, region, trede and measure mean what AggregateFilters means: region is a region's or a grouping's own
    figure, not the figures inside it. The years are those of `states` (year_states()), newest first, an
    incomplete one labelled; the empty choice is every year."""

    scope = django_filters.ChoiceFilter(
        label=_("Scope"), choices=Scope.choices, empty_label=None, method="filter_scope"
    )
    year = django_filters.TypedChoiceFilter(label=_("Jaar"), coerce=int, empty_value=None)
    region = django_filters.ChoiceFilter(
        label=_("Regio"), choices=partial(region_choices, groupings=True), method="filter_region", widget=QuickSelect
    )
    level = django_filters.ChoiceFilter(label=_("Niveau"), choices=AGGREGATE_LEVELS)
    trede = django_filters.ChoiceFilter(label=_("Trede"), choices=Trede.choices)
    group = django_filters.ChoiceFilter(label=_("Groep"), choices=measure_group_choices)
    measure = django_filters.ModelChoiceFilter(
        label=_("Maatregel"),
        field_name="measure",
        to_field_name="code",
        queryset=Measure.objects.order_by("trede", "code"),
    )

    class Meta:
        model = Aggregate
        fields = ["scope", "year", "region", "level", "trede", "group", "measure"]

    def __init__(
        self,
        *args: Any,
        scopes: list[str] | None = None,
        states: dict[int, YearStatus] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        years = year_choices(sorted(states or {}, reverse=True), states)
        self.filters["year"].extra["choices"] = [("", _("alle jaren")), *years]
        if len(scopes or []) < 2:  # only one scope to read (coordinators: validated figures)
            del self.filters["scope"]

    def filter_scope(self, queryset: QuerySet[Aggregate], name: str, value: str) -> QuerySet[Aggregate]:
        # The view builds the queryset for the scope (it refuses provisional to coordinators); the field is here
        # so that the GET form carries it.
        return queryset

    def filter_region(self, queryset: QuerySet[Aggregate], name: str, value: str) -> QuerySet[Aggregate]:
        return queryset.filter(Q(region__code=value) | Q(grouping__code=value))
