"""The list pages ("Tabellen"): headcounts, organisations, measures and aggregates, each a sortable table with
filters in a GET form and an export of exactly the filtered rows ("Exporteer deze selectie").

Who sees what:
- headcounts: staff every submission's but drafts; coordinators validated ones; organisation users their own
  organisations', in any status;
- organisations: staff and coordinators all, organisation users their own; the e-mail column for staff only;
- measures: everyone;
- aggregates: staff and coordinators (organisation users get 404, as on the exports page); coordinators the
  validated scope, staff may choose provisional.

The exports are built by the export service and sent by the exports page's helpers: streamed, every text cell
escaped. Not django-tables2's TableExport, which holds the whole table in memory and leaves formulas alone.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.functional import Promise
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from accounts.models import User
from inventory.access import (
    coordinator_required,
    headcounts_visible_to,
    is_coordinator,
    is_staff_member,
    may_see_contact_emails,
    organisations_visible_to,
    readable_scopes,
    scope_check,
    scope_readable,
)
from inventory.filters import AggregateTableFilter, HeadcountTableFilter, MeasureTableFilter, OrganisationTableFilter
from inventory.models import Aggregate, Headcount, Measure, Organisation, Scope, SubmissionStatus
from inventory.parsing import YEARS, whole_number
from inventory.selectors.figures import AggregateFilters, aggregate_queryset
from inventory.selectors.headcounts import HeadcountFilters
from inventory.selectors.sources import FigureSource, figures_cached
from inventory.selectors.years import default_year, incomplete_labels, states_version, year_states
from inventory.services.exports import (
    FORMATS,
    Export,
    aggregates_export,
    headcounts_export,
    measures_export,
    organisations_export,
)
from inventory.tables import AggregateTable, HeadcountTable, MeasureTable, OrganisationTable
from inventory.views.errors import InvalidQuery, invalid_choice, no_such_page
from inventory.views.exports import export_response

# A list has no dimensions for SDMX-CSV or JSON-stat (the service refuses them).
LIST_FORMATS = ("csv", "excel-nl", "xlsx", "json")
# Parameters of the page itself, not of its selection.
PAGE_PARAMETERS = ("page", "sort", "export")


def _plain(value: Any) -> Any:
    """A filter's cleaned value as the export's metadata names it: a code, a year, a word."""
    if isinstance(value, Model):
        return getattr(value, "code", value.pk)
    if isinstance(value, Decimal):
        return int(value)
    return value


def table_query_check(request: HttpRequest, table: Any) -> Any:
    """The table as django-tables2 configured it from the address, refusing what it would silently ignore: a sort
    on a column that is not one, a page that does not exist (it would show page 1 or the last one instead, and
    int() reads '٣' as 3). The tables' pages and the review queue."""
    for value in request.GET.getlist("sort"):
        name = value.removeprefix("-")
        if name not in table.columns or not table.columns[name].orderable:
            raise InvalidQuery(invalid_choice(_("Sortering"), value))
    page = request.GET.get("page")
    if page is not None and whole_number(page, low=1, high=table.paginator.num_pages) != table.page.number:
        raise InvalidQuery(no_such_page(page, table.paginator.num_pages))
    return table


class TablePage(SingleTableMixin, FilterView):
    """A table with its filters and its export (`?export=<format>` with the same filters)."""

    template_name = "inventory/table_page.html"
    # table_pagination, not paginate_by: the latter makes django-tables2 count twice.
    table_pagination = {"per_page": 50}
    title: str | Promise = ""
    export_format_ids: tuple[str, ...] = LIST_FORMATS
    filterset: Any

    def export(self, queryset: QuerySet[Any]) -> Export:
        raise NotImplementedError

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse | StreamingHttpResponse:
        format_id = request.GET.get("export")
        if format_id is None:
            response = super().get(request, *args, **kwargs)
            if self.filterset.is_bound and not self.filterset.is_valid():  # the page with the filters' errors
                response.status_code = 400
            return response
        if format_id not in self.export_format_ids:
            raise InvalidQuery(invalid_choice(_("Formaat"), format_id))
        self.filterset = self.get_filterset(self.get_filterset_class())
        if not self.filterset.is_valid():
            response = super().get(request, *args, **kwargs)
            response.status_code = 400
            return response
        return export_response(self.export(self.filterset.qs), format_id)

    def get_table(self, **kwargs: Any) -> Any:
        return table_query_check(self.request, super().get_table(**kwargs))

    def filter_values(self) -> dict[str, Any]:
        """The chosen filters, for the export's metadata."""
        data = self.filterset.form.cleaned_data
        return {name: _plain(value) for name, value in data.items() if value not in (None, "")}

    def page_context(self) -> dict[str, Any]:
        """The page around the table: its title and the tabs to the other tables."""
        pages = [
            ("table-headcounts", gettext_lazy("Tellingen")),
            ("table-organisations", gettext_lazy("Organisaties")),
            ("table-measures", gettext_lazy("Maatregelen")),
        ]
        if is_coordinator(self.request.user):
            pages.append(("table-aggregates", gettext_lazy("Aggregaten")))
        current = self.request.resolver_match.url_name
        return {
            "title": self.title,
            "pages": [(reverse(f"inventory:{name}"), label, current == name) for name, label in pages],
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        for name in PAGE_PARAMETERS:
            params.pop(name, None)
        links = []
        for format_id in self.export_format_ids:
            params["export"] = format_id
            links.append((FORMATS[format_id].label, "?" + params.urlencode()))
        context.update(export_links=links, **self.page_context())
        return context


class HeadcountTablePage(TablePage):
    table_class = HeadcountTable
    filterset_class = HeadcountTableFilter
    title = gettext_lazy("Tellingen")
    export_format_ids = tuple(FORMATS)

    def get_queryset(self) -> QuerySet[Headcount]:
        return (
            headcounts_visible_to(self.request.user)
            .select_related("submission__organisation", "measure", "region")
            .order_by("-submission__year", "submission__organisation__name", "measure__code", "region__code", "pk")
        )

    def validated_only(self) -> bool:
        # Coordinators read validated headcounts only (inventory.access.headcounts_visible_to).
        return not scope_readable(cast(User, self.request.user), Scope.PROVISIONAL, aggregates=False)

    def get_filterset_kwargs(self, filterset_class: type) -> dict[str, Any]:
        return {**super().get_filterset_kwargs(filterset_class), "single_status": self.validated_only()}

    def export(self, queryset: QuerySet[Headcount]) -> Export:
        data = self.filter_values()
        # The file's scope says what it can hold: validated only, or also submissions still under review.
        validated = self.validated_only() or data.get("status") == SubmissionStatus.VALIDATED
        filters = HeadcountFilters(
            years=[data["year"]] if "year" in data else [],
            regions=[data["region"]] if "region" in data else [],
            treden=[int(data["trede"])] if "trede" in data else [],
            measures=[data["measure"]] if "measure" in data else [],
            scope=Scope.VALIDATED if validated else Scope.PROVISIONAL,
        )
        extra: dict[str, Any] = {name: data[name] for name in ("organisation", "status") if name in data}
        return headcounts_export(filters=filters, queryset=queryset, extra_filters=extra)


class OrganisationTablePage(TablePage):
    table_class = OrganisationTable
    filterset_class = OrganisationTableFilter
    title = gettext_lazy("Organisaties")

    def get_queryset(self) -> QuerySet[Organisation]:
        return organisations_visible_to(self.request.user).select_related("home_region__parent").order_by("name", "kbo")

    def get_table_kwargs(self) -> dict[str, Any]:
        return {} if may_see_contact_emails(cast(User, self.request.user)) else {"exclude": ("email",)}

    def export(self, queryset: QuerySet[Organisation]) -> Export:
        emails = may_see_contact_emails(cast(User, self.request.user))
        return organisations_export(queryset, email=emails, filters=self.filter_values())


class MeasureTablePage(TablePage):
    table_class = MeasureTable
    filterset_class = MeasureTableFilter
    title = gettext_lazy("Maatregelen")

    def get_queryset(self) -> QuerySet[Measure]:
        return Measure.objects.order_by("trede", "group", "code")

    def export(self, queryset: QuerySet[Measure]) -> Export:
        return measures_export(queryset, filters=self.filter_values())


class AggregateTablePage(TablePage):
    table_class = AggregateTable
    filterset_class = AggregateTableFilter
    title = gettext_lazy("Aggregaten")
    export_format_ids = tuple(FORMATS)

    @method_decorator(coordinator_required)
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.staff = is_staff_member(request.user)
        self.scope = request.GET.get("scope") or Scope.VALIDATED
        if self.scope not in Scope.values:
            raise InvalidQuery(invalid_choice(_("Scope"), self.scope))
        scope_check(cast(User, request.user), self.scope, aggregates=True)  # coordinator_required: signed in
        self.states = year_states()
        # year_states() holds every year with computed aggregates (and those with a round): no query more.
        self.default_year = default_year(list(self.states), self.states)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Aggregate]:
        return aggregate_queryset(AggregateFilters(scope=self.scope))

    def get_filterset_kwargs(self, filterset_class: type) -> dict[str, Any]:
        scopes = readable_scopes(cast(User, self.request.user), aggregates=True)
        kwargs = super().get_filterset_kwargs(filterset_class)
        # The latest complete year by default (selectors/years.py); `?year=` (empty) shows every year.
        data = self.request.GET.copy()
        if "year" not in data:
            data["year"] = str(self.default_year) if self.default_year else ""
        return {**kwargs, "data": data, "scopes": scopes, "states": self.states}

    def shown_incomplete(self) -> dict[int, str]:
        """The labels of the incomplete years the table shows."""
        raw = self.request.GET.get("year")
        if raw is None:
            years = [self.default_year] if self.default_year else []
        elif (year := whole_number(raw.strip(), low=YEARS[0], high=YEARS[1])) is not None:
            years = [year]
        else:
            years = list(self.states)
        return incomplete_labels(years, self.states)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse | StreamingHttpResponse:
        """Aggregates change only when a year is recomputed: the filters, table and links (no user's data, no CSRF
        token) are kept in the cache under the query and the aggregates' version, like the dashboard's."""
        if "export" in request.GET:
            return super().get(request, *args, **kwargs)
        source = FigureSource(scope=self.scope)

        def build() -> tuple[int, str]:
            response = cast(TemplateResponse, super(AggregateTablePage, self).get(request, *args, **kwargs))
            response.template_name = "inventory/_table_body.html"
            return response.status_code, response.rendered_content

        parts = (self.staff, sorted(request.GET.lists()), states_version(self.states))
        # Kept with its status (400 for a refused filter): a name of its own, so that no body kept without one is read.
        status, body = figures_cached("table-aggregates-status", build, source=source, parts=parts)
        incomplete = self.shown_incomplete()
        context = {
            **self.page_context(),
            "incomplete_years": incomplete,
            "incomplete_year": bool(incomplete),
            "freshness": source.freshness(),
            "body_html": mark_safe(body),  # rendered and escaped by our own template
        }
        return render(request, self.template_name, context, status=status)

    def export(self, queryset: QuerySet[Aggregate]) -> Export:
        data = self.filter_values()
        filters = AggregateFilters(
            years=[data["year"]] if "year" in data else [],
            regions=[data["region"]] if "region" in data else [],
            treden=[int(data["trede"])] if "trede" in data else [],
            measures=[data["measure"]] if "measure" in data else [],
            scope=self.scope,
        )
        extra: dict[str, Any] = {name: data[name] for name in ("level", "group") if name in data}
        return aggregates_export(filters=filters, queryset=queryset, extra_filters=extra)
