"""django-tables2 tables for the list pages."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from inventory.models import Submission


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
    flags = tables.Column(verbose_name=_("Opvallend"), empty_values=(), orderable=False)
    flag_counts: dict[int, int] = {}

    class Meta:
        model = Submission
        fields = ("organisation", "kind", "arrondissement", "year", "status", "submitted_at", "flags")
        order_by = ("-submitted_at",)
        attrs = {"class": "queue"}

    def render_organisation(self, record: Submission) -> str:
        return format_html('<a href="{}">{}</a>', reverse("review", args=[record.pk]), record.organisation.name)

    def render_kind(self, record: Submission) -> str:
        return record.organisation.get_kind_display()

    def render_flags(self, record: Submission) -> int:
        # Counted for the whole page at once (SubmissionQueue.get_table), not per row.
        return self.flag_counts.get(record.pk, 0)
