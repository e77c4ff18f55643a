"""django-filter filter sets for the list pages."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from inventory.models import OrganisationKind, Region, Submission, SubmissionStatus


class SubmissionFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Jaar"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=SubmissionStatus.choices)
    kind = django_filters.ChoiceFilter(
        label=_("Soort organisatie"), field_name="organisation__kind", choices=OrganisationKind.choices
    )
    arrondissement = django_filters.ModelChoiceFilter(
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
