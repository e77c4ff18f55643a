"""django-tables2 tables for the list pages."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from inventory.constants import GROUPING_LEVEL
from inventory.models import Aggregate, Headcount, Measure, Organisation, Region, Submission
from inventory.templatetags.numbers import persons as count_text

if TYPE_CHECKING:
    from typing import TypedDict

    from django_stubs_ext import StrOrPromise, WithAnnotations

    class ShapeAnnotation(TypedDict):
        """What figure_shape (selectors/figures.py) adds to an aggregate."""

        region_code: str
        region_label: str


class SubmissionTable(tables.Table):
    organisation = tables.Column(verbose_name=_("Organisatie"), order_by=("organisation__name",))
    kind = tables.Column(verbose_name=_("Soort"), accessor="organisation__kind", order_by=("organisation__kind",))
    arrondissement = tables.Column(
        verbose_name=_("Arrondissement"),
        accessor="organisation__home_region__parent__name",
        order_by=("organisation__home_region__parent__name",),
    )
    year = tables.Column(verbose_name=_("Jaar"))
    status = tables.Column(verbose_name=_("Status"))
    submitted_at = tables.DateTimeColumn(verbose_name=_("Ingediend op"), format="SHORT_DATETIME_FORMAT")
    flags = tables.Column(
        verbose_name=_("Opvallend"),
        empty_values=(),
        orderable=False,
        attrs={
            "th": {
                "title": _(
                    "Aantal cijfers dat sterk verschilt van vorig jaar of ontbreekt; zie de uitleg onder de tabel"
                ),
                "aria-describedby": "legend-flags",
            },
            "td": {"class": "num"},
        },
    )
    flag_counts: dict[int, int] = {}

    class Meta:
        model = Submission
        fields = ("organisation", "kind", "arrondissement", "year", "status", "submitted_at", "flags")
        order_by = ("-submitted_at",)
        attrs = {"class": "queue"}

    def render_organisation(self, record: Submission) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("inventory:review", args=[record.pk]), record.organisation.name
        )

    def render_kind(self, record: Submission) -> str:
        return record.organisation.get_kind_display()

    def render_flags(self, record: Submission) -> int:
        # Counted for the whole page at once (SubmissionQueue.get_table), not per row.
        return self.flag_counts.get(record.pk, 0)


# --- the list pages ("Tabellen", views/tables.py) --------------------------------------------------------------

NUMERIC = {"th": {"class": "num"}, "td": {"class": "num"}}
LEVEL_LABELS = {**dict(Region.Level.choices), GROUPING_LEVEL: _("regio-indeling")}


def _sort(*fields: str) -> tuple[str, ...]:
    # The id last, so that rows with the same value keep their place from one page to the next.
    return (*fields, "pk")


class YearColumn(tables.Column):
    """A year as written (2019): the site groups thousands in numbers, not in years."""

    def render(self, value: int) -> str:
        return str(value)


class CountColumn(tables.Column):
    """A count the Belgian way in nl-BE (63.552), right-aligned; `decimals` for FTE (8,75)."""

    def __init__(self, *args: Any, decimals: int = 0, **kwargs: Any) -> None:
        kwargs.setdefault("attrs", NUMERIC)
        super().__init__(*args, **kwargs)
        self.decimals = decimals

    def render(self, value: int | Decimal) -> str:
        if self.decimals:
            return number_format(value, decimal_pos=self.decimals, use_l10n=True, force_grouping=True)
        return count_text(value)


class HeadcountTable(tables.Table):
    year = YearColumn(verbose_name=_("Jaar"), accessor="submission__year", order_by=_sort("submission__year"))
    organisation = tables.Column(
        verbose_name=_("Organisatie"),
        accessor="submission__organisation__name",
        order_by=_sort("submission__organisation__name"),
    )
    measure = tables.Column(verbose_name=_("Maatregel"), accessor="measure__code", order_by=_sort("measure__code"))
    trede = tables.Column(verbose_name=_("Trede"), accessor="measure__trede", order_by=_sort("measure__trede"))
    group = tables.Column(verbose_name=_("Groep"), accessor="measure__group", order_by=_sort("measure__group"))
    region = tables.Column(verbose_name=_("Regio"), accessor="region__code", order_by=_sort("region__code"))
    persons = CountColumn(verbose_name=_("Personen"), order_by=_sort("persons"))
    fte = CountColumn(verbose_name=_("VTE"), decimals=2, order_by=_sort("fte"))
    status = tables.Column(
        verbose_name=_("Status"), accessor="submission__status", order_by=_sort("submission__status")
    )

    class Meta:
        attrs = {"class": "list"}

    def render_measure(self, record: Headcount) -> str:
        return format_html('<abbr title="{}">{}</abbr>', record.measure.name, record.measure.code)

    def render_trede(self, record: Headcount) -> str:
        return str(record.measure.trede)

    def render_region(self, record: Headcount) -> str:
        return f"{record.region.name} ({record.region.code})"

    def render_persons(self, record: Headcount, value: int) -> str:
        if not record.estimated:
            return count_text(value)
        # A supplier's hidden small count stored as an estimate: staff see it is one; public files never show it.
        return format_html(
            '<abbr class="estimated" title="{}">≈&nbsp;{}</abbr>',
            _("schatting van een klein aantal dat de leverancier afschermde: telt mee in de sommen, nooit apart"),
            count_text(value),
        )


class OrganisationTable(tables.Table):
    name = tables.Column(verbose_name=_("Naam"), order_by=_sort("name"))
    kbo = tables.Column(verbose_name=_("Ondernemingsnummer"), order_by=("kbo",))
    kind = tables.Column(verbose_name=_("Soort"), order_by=_sort("kind"))
    municipality = tables.Column(
        verbose_name=_("Vestigingsgemeente"), accessor="home_region__name", order_by=_sort("home_region__name")
    )
    arrondissement = tables.Column(
        verbose_name=_("Arrondissement"),
        accessor="home_region__parent__name",
        order_by=_sort("home_region__parent__name"),
    )
    active = tables.BooleanColumn(verbose_name=_("Actief"), yesno=(_("ja"), _("nee")), order_by=_sort("active"))
    email = tables.EmailColumn(verbose_name=_("Contact-e-mail"), order_by=_sort("email"))

    class Meta:
        attrs = {"class": "list"}

    def render_kbo(self, record: Organisation) -> str:
        return record.kbo_display


class MeasureTable(tables.Table):
    code = tables.Column(verbose_name=_("Code"), order_by=("code",))
    name = tables.Column(verbose_name=_("Naam"), order_by=_sort("name"))
    trede = tables.Column(verbose_name=_("Trede"), order_by=_sort("trede"))
    mode = tables.Column(verbose_name=_("Modus"), order_by=_sort("mode"))
    group = tables.Column(verbose_name=_("Groep"), order_by=_sort("group"))
    administering_body = tables.Column(verbose_name=_("Bevoegde instantie"), order_by=_sort("administering_body"))
    # Whether the source counts a person where they live or where they work: read beside any regional figure.
    counted_at = tables.Column(verbose_name=_("Geteld naar"), order_by=_sort("counted_at"))
    first_year = YearColumn(verbose_name=_("Geldig vanaf"), order_by=_sort("first_year"))
    last_year = YearColumn(verbose_name=_("Geldig tot en met"), order_by=_sort("last_year"))

    class Meta:
        attrs = {"class": "list"}

    def render_trede(self, record: Measure) -> str:
        return str(record.trede)

    def render_counted_at(self, record: Measure) -> str:
        return record.get_counted_at_display()


class AggregateTable(tables.Table):
    """Rows of selectors.aggregate_queryset: its annotations region_code, region_label, level and measure_code."""

    year = YearColumn(verbose_name=_("Jaar"), order_by=_sort("year"))
    region = tables.Column(verbose_name=_("Regio"), accessor="region_code", order_by=_sort("region_code"))
    level = tables.Column(verbose_name=_("Niveau"), order_by=_sort("level"))
    # Empty trede = the headline figure (treden 3-5): shown, not left blank.
    trede = tables.Column(verbose_name=_("Trede"), empty_values=(), order_by=_sort("trede"))
    group = tables.Column(verbose_name=_("Groep"), order_by=_sort("group"))
    measure = tables.Column(verbose_name=_("Maatregel"), accessor="measure_code", order_by=_sort("measure_code"))
    persons = CountColumn(verbose_name=_("Personen"), order_by=_sort("persons"))

    class Meta:
        attrs = {"class": "list"}

    def render_region(self, record: WithAnnotations[Aggregate, ShapeAnnotation]) -> str:
        return f"{record.region_label} ({record.region_code})"

    def render_level(self, value: str) -> str:
        return str(LEVEL_LABELS.get(value, value))

    def render_trede(self, record: Aggregate) -> StrOrPromise:
        return _("3-5 (totaal)") if record.trede is None else str(record.trede)
