"""Headcounts, live or an edition's, in the export's shape."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from enum import IntEnum
from typing import Any, TypeVar, cast

from django.db import connection
from django.db.models import (
    CharField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
)

from inventory.models import (
    Edition,
    EditionHeadcount,
    Headcount,
    HeadcountQuerySet,
    RegionGrouping,
    Scope,
    Submission,
    SubmissionQuerySet,
    SubmissionStatus,
    valid_in,
)
from inventory.selectors.figures import CHUNK_SIZE, AggregateFilters

HeadcountsT = TypeVar("HeadcountsT", bound="QuerySet[Any]")


class HeadcountColumn(IntEnum):
    """The headcount export's columns (and the API's), by their position in a row tuple: row[H.persons]."""

    year = 0
    organisation = 1
    organisation_name = 2
    measure = 3
    trede = 4
    group = 5
    region = 6
    region_name = 7
    persons = 8
    fte = 9
    status = 10
    scope = 11
    # After DESIGN.md's columns, so that programs reading those by position read them as before.
    estimated = 12


HEADCOUNT_COLUMNS = [column.name for column in HeadcountColumn]
# The queryset's names for HEADCOUNT_COLUMNS, in that order.
HEADCOUNT_FIELDS = (
    "year",
    "organisation_kbo",
    "organisation_name",
    "measure_code",
    "trede",
    "measure_group",
    "region_code",
    "region_name",
    "persons",
    "fte",
    "status",
    "scope",
    "estimated",
)


class HeadcountFilters(AggregateFilters):
    """The aggregate filters, read for headcounts: `region` selects the headcounts in that region or in any
    region inside it (a grouping: in its municipalities in the headcount's year); scope validated = validated
    submissions, provisional = submitted and validated ones."""


def regions_within(codes: list[str]) -> list[int]:
    """Ids of the regions with these codes and of every region inside them."""
    with connection.cursor() as cursor:
        cursor.execute(
            """with recursive inside(id) as (
                   select id from inventory_region where code = any(%(codes)s)
                   union
                   select r.id from inventory_region r join inside i on r.parent_id = i.id)
               select id from inside""",
            {"codes": codes},
        )
        return [region_id for (region_id,) in cursor.fetchall()]


def headcount_queryset(filters: AggregateFilters, *, visible: HeadcountQuerySet | None = None) -> QuerySet[Headcount]:
    """The headcounts the filters select, among `visible` (a user's: inventory.access.headcounts_visible_to)."""
    qs = (Headcount.objects.all() if visible is None else visible).in_scope(filters.scope)
    qs = headcounts_filtered(qs, filters, year="submission__year", trede="measure__trede")
    return headcount_shape(qs, scope=filters.scope)


def headcounts_filtered(qs: HeadcountsT, filters: AggregateFilters, *, year: str, trede: str) -> HeadcountsT:
    """Live headcounts or an edition's (`year` and `trede`: where each keeps them) narrowed by the filters; a
    region selects the headcounts in it or inside it, a grouping those in its municipalities that year."""
    if filters.years:
        qs = qs.filter(**{f"{year}__in": filters.years})
    if filters.regions:
        in_grouping = RegionGrouping.members.through.objects.filter(
            valid_in(OuterRef(year), "regiongrouping__"),
            region_id=OuterRef("region_id"),
            regiongrouping__code__in=filters.regions,
        )
        qs = qs.filter(Q(region_id__in=regions_within(filters.regions)) | Exists(in_grouping))
    if filters.treden:
        qs = qs.filter(**{f"{trede}__in": filters.treden})
    if filters.measures:
        qs = qs.filter(measure__code__in=filters.measures)
    return qs


def headcount_shape(qs: QuerySet[Headcount], *, scope: str) -> QuerySet[Headcount]:
    """Headcounts with the names (HEADCOUNT_FIELDS) and order of the export: the filtered queryset above, or a
    list page's selection in any status."""
    return qs.annotate(
        year=F("submission__year"),
        organisation_kbo=F("submission__organisation__kbo"),
        organisation_name=F("submission__organisation__name"),
        measure_code=F("measure__code"),
        trede=F("measure__trede"),
        measure_group=F("measure__group"),
        region_code=F("region__code"),
        region_name=F("region__name"),
        status=F("submission__status"),
        scope=Value(scope, output_field=CharField()),
    ).order_by("year", "region_code", "measure_code", "organisation_kbo")


def headcount_values(filters: AggregateFilters) -> Iterator[tuple[object, ...]]:
    """One tuple per headcount in HEADCOUNT_COLUMNS order, ordered by year, region, measure and organisation,
    streamed from a server-side cursor."""
    return headcount_queryset(filters).values_list(*HEADCOUNT_FIELDS).iterator(chunk_size=CHUNK_SIZE)


def headcounts_last_changed(
    filters: AggregateFilters, *, visible: SubmissionQuerySet | None = None
) -> dt.datetime | None:
    """When a submission in the export's scope and years last changed: headcounts are read live. `visible`: the
    submissions the reader may see (inventory.access.submissions_visible_to), so nobody learns of others'."""
    submissions = (Submission.objects.all() if visible is None else visible).in_scope(filters.scope)
    if filters.years:
        submissions = submissions.filter(year__in=filters.years)
    return cast("dt.datetime | None", submissions.aggregate(latest=Max("updated_at"))["latest"])


def edition_headcount_queryset(edition: Edition, filters: AggregateFilters) -> QuerySet[EditionHeadcount]:
    """An edition's headcounts with the names of the live headcounts' queryset (HEADCOUNT_FIELDS)."""
    qs = headcounts_filtered(EditionHeadcount.objects.filter(edition=edition), filters, year="year", trede="trede")
    return qs.annotate(
        organisation_kbo=F("organisation__kbo"),
        organisation_name=F("organisation__name"),
        measure_code=F("measure__code"),
        measure_group=F("group"),
        region_code=F("region__code"),
        region_name=F("region__name"),
        status=Value(SubmissionStatus.VALIDATED, output_field=CharField()),
        scope=Value(Scope.VALIDATED, output_field=CharField()),
    ).order_by("year", "region_code", "measure_code", "organisation_kbo")
