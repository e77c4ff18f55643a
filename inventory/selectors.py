"""Reads: aggregates and headcounts in the export's shape, their freshness, and indicators derived from them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    Exists,
    F,
    Field,
    Max,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from pghistory.models import Event

from inventory.models import (
    HISTORY_BASELINE,
    Aggregate,
    AggregateDirtyKey,
    AggregateYear,
    ContextFigure,
    Edition,
    EditionFigure,
    EditionHeadcount,
    Headcount,
    HeadcountEvent,
    Measure,
    Organisation,
    OverlapCorrection,
    OverlapCorrectionEvent,
    Region,
    RegionGrouping,
    Scope,
    Submission,
    SubmissionEvent,
    SubmissionStatus,
)

AGGREGATE_COLUMNS = [
    "year",
    "region",
    "region_name",
    "level",
    "trede",
    "group",
    "measure",
    "persons",
    "scope",
    "computed_at",
]
GROUPING_LEVEL = "regio-indeling"
FLANDERS = "02000"


@dataclass(frozen=True)
class AggregateFilters:
    years: list[int] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    treden: list[int] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    scope: str = Scope.VALIDATED

    @classmethod
    def parse(cls, params: dict[str, list[str]], *, allow_provisional: bool = True) -> AggregateFilters:
        """From query parameters (each may repeat or hold commas); Dutch errors naming parameter and value."""

        def values(name: str) -> list[str]:
            return [v.strip() for raw in params.get(name, []) for v in raw.split(",") if v.strip()]

        def integers(name: str, low: int, high: int) -> list[int]:
            result = []
            for value in values(name):
                if not value.isdigit() or not low <= int(value) <= high:
                    raise ValidationError(
                        _("Parameter %(name)s: ‘%(value)s’ is geen geheel getal van %(low)s tot %(high)s.")
                        % {"name": name, "value": value, "low": low, "high": high}
                    )
                result.append(int(value))
            return result

        scope = (values("scope") or [Scope.VALIDATED])[0]
        if scope not in Scope.values:
            raise ValidationError(
                _("Parameter scope: ‘%(value)s’ is onbekend; verwacht validated of provisional.") % {"value": scope}
            )
        if scope == Scope.PROVISIONAL and not allow_provisional:
            raise ValidationError(_("Voorlopige cijfers zijn enkel voor POM-medewerkers."))
        regions = values("region")
        known = set(Region.objects.filter(code__in=regions).values_list("code", flat=True))
        known |= set(RegionGrouping.objects.filter(code__in=regions).values_list("code", flat=True))
        for region in regions:
            if region not in known:
                raise ValidationError(_("Parameter region: onbekende regio ‘%(value)s’.") % {"value": region})
        measures = values("measure")
        known_measures = set(Measure.objects.filter(code__in=measures).values_list("code", flat=True))
        for measure in measures:
            if measure not in known_measures:
                raise ValidationError(_("Parameter measure: onbekende maatregel ‘%(value)s’.") % {"value": measure})
        return cls(
            years=integers("year", 2000, 2100),
            regions=regions,
            treden=integers("trede", 3, 6),
            measures=measures,
            scope=scope,
        )


def place_ids_q(codes: list[str]) -> Q:
    """Figures (aggregates, an edition's) of these regions or groupings, on ids looked up first: then the
    (region, year, scope) and (grouping, year, scope) indexes answer, where an OR on the joined codes, or on
    subqueries, reads every figure of the years."""
    with connection.cursor() as cursor:
        cursor.execute(
            """select id, false from inventory_region where code = any(%(codes)s)
               union all select id, true from inventory_regiongrouping where code = any(%(codes)s)""",
            {"codes": list(codes)},
        )
        found = cursor.fetchall()
    regions = [pk for pk, grouping in found if not grouping]
    groupings = [pk for pk, grouping in found if grouping]
    return Q(region_id__in=regions) | Q(grouping_id__in=groupings)


def aggregate_queryset(filters: AggregateFilters) -> QuerySet[Aggregate]:
    return _figure_shape(_figures_filtered(Aggregate.objects.filter(scope=filters.scope), filters))


def _figures_filtered(qs: QuerySet, filters: AggregateFilters) -> QuerySet:
    """Aggregates or an edition's figures (the same columns) narrowed by the filters."""
    if filters.years:
        qs = qs.filter(year__in=filters.years)
    if filters.regions:
        qs = qs.filter(place_ids_q(filters.regions))
    if filters.treden:
        qs = qs.filter(trede__in=filters.treden)
    if filters.measures:
        qs = qs.filter(measure__code__in=filters.measures)
    return qs


def _figure_shape(qs: QuerySet) -> QuerySet:
    """The names and order of AGGREGATE_FIELDS on aggregates or on an edition's figures (same columns)."""
    return qs.annotate(
        region_code=Coalesce(F("region__code"), F("grouping__code"), output_field=CharField()),
        region_label=Coalesce(F("region__name"), F("grouping__name"), output_field=CharField()),
        level=Case(
            When(grouping__isnull=False, then=Value(GROUPING_LEVEL)),
            default=F("region__level"),
            output_field=CharField(),
        ),
        measure_code=F("measure__code"),
    ).order_by(
        "year", "region_code", F("trede").asc(nulls_first=True), "group", F("measure_code").asc(nulls_first=True)
    )


# The queryset's names for AGGREGATE_COLUMNS, in that order.
AGGREGATE_FIELDS = (
    "year",
    "region_code",
    "region_label",
    "level",
    "trede",
    "group",
    "measure_code",
    "persons",
    "scope",
    "computed_at",
)
# Rows stream from a server-side cursor in chunks of this many.
CHUNK_SIZE = 5000


def aggregate_values(
    filters: AggregateFilters, *, offset: int = 0, limit: int | None = None
) -> Iterator[tuple[object, ...]]:
    """One tuple per figure in AGGREGATE_COLUMNS order, streamed from a server-side cursor."""
    rows = aggregate_queryset(filters).values_list(*AGGREGATE_FIELDS)
    if offset or limit is not None:
        rows = rows[offset : offset + limit if limit is not None else None]
    return rows.iterator(chunk_size=CHUNK_SIZE)


def aggregate_keyed_values(*, year: int, scope: str, edition: Edition | None = None) -> list[tuple[object, ...]]:
    """A whole year of aggregates (or of an edition's figures) in AGGREGATE_COLUMNS order, each followed by
    (region id, grouping id, measure id): the table small-cell protection works on (one year at a time, so memory
    stays bounded)."""
    filters = AggregateFilters(years=[year], scope=scope)
    qs = edition_aggregate_queryset(edition, filters) if edition else aggregate_queryset(filters)
    return list(qs.values_list(*AGGREGATE_FIELDS, "region_id", "grouping_id", "measure_id"))


def aggregate_years(*, scope: str = Scope.VALIDATED) -> list[int]:
    return sorted(Aggregate.objects.filter(scope=scope).values_list("year", flat=True).distinct())


# --- headcounts ----------------------------------------------------------------------------------------------

HEADCOUNT_COLUMNS = [
    "year",
    "organisation",
    "organisation_name",
    "measure",
    "trede",
    "group",
    "region",
    "region_name",
    "persons",
    "fte",
    "status",
    "scope",
]
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
)
SCOPE_STATUSES = {
    Scope.VALIDATED: [SubmissionStatus.VALIDATED],
    Scope.PROVISIONAL: [SubmissionStatus.SUBMITTED, SubmissionStatus.VALIDATED],
}


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


def headcount_queryset(filters: AggregateFilters) -> QuerySet[Headcount]:
    qs = Headcount.objects.filter(submission__status__in=SCOPE_STATUSES[Scope(filters.scope)])
    qs = _headcounts_filtered(qs, filters, year="submission__year", trede="measure__trede")
    return headcount_shape(qs, scope=filters.scope)


def _headcounts_filtered(qs: QuerySet, filters: AggregateFilters, *, year: str, trede: str) -> QuerySet:
    """Live headcounts or an edition's (`year` and `trede`: where each keeps them) narrowed by the filters; a
    region selects the headcounts in it or inside it, a grouping those in its municipalities that year."""
    if filters.years:
        qs = qs.filter(**{f"{year}__in": filters.years})
    if filters.regions:
        in_grouping = RegionGrouping.members.through.objects.filter(
            Q(regiongrouping__first_year__isnull=True) | Q(regiongrouping__first_year__lte=OuterRef(year)),
            Q(regiongrouping__last_year__isnull=True) | Q(regiongrouping__last_year__gte=OuterRef(year)),
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


def headcounts_last_changed(filters: AggregateFilters) -> dt.datetime | None:
    """When a submission in the export's scope and years last changed: headcounts are read live."""
    submissions = Submission.objects.filter(status__in=SCOPE_STATUSES[Scope(filters.scope)])
    if filters.years:
        submissions = submissions.filter(year__in=filters.years)
    return submissions.aggregate(latest=Max("updated_at"))["latest"]


# --- editions: their frozen rows in the same shapes ----------------------------------------------------------


def edition_aggregate_queryset(edition: Edition, filters: AggregateFilters) -> QuerySet[EditionFigure]:
    """An edition's figures with the names and order of the live aggregates' queryset (AGGREGATE_FIELDS)."""
    qs = _figures_filtered(EditionFigure.objects.filter(edition=edition), filters)
    return _figure_shape(
        qs.annotate(
            scope=Value(Scope.VALIDATED, output_field=CharField()),
            computed_at=Value(edition.created_at, output_field=DateTimeField()),
        )
    )


def edition_headcount_queryset(edition: Edition, filters: AggregateFilters) -> QuerySet[EditionHeadcount]:
    """An edition's headcounts with the names of the live headcounts' queryset (HEADCOUNT_FIELDS)."""
    qs = _headcounts_filtered(EditionHeadcount.objects.filter(edition=edition), filters, year="year", trede="trede")
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


@dataclass(frozen=True)
class Freshness:
    computed_at: dt.datetime | None
    pending: bool
    pending_years: list[int]

    def as_dict(self) -> dict[str, object]:
        return {
            "computed_at": self.computed_at.isoformat() if self.computed_at else None,
            "recompute_pending": self.pending,
            "pending_years": self.pending_years,
        }


def aggregates_freshness(years: list[int] | None = None) -> Freshness:
    """When the aggregates (of `years`, or all) were last computed and whether a recompute is pending."""
    states = AggregateYear.objects.all()
    dirty = AggregateDirtyKey.objects.all()
    if years:
        states, dirty = states.filter(year__in=years), dirty.filter(year__in=years)
    computed = states.aggregate(latest=Max("computed_at"))["latest"]
    pending = sorted(set(dirty.values_list("year", flat=True)))
    return Freshness(computed_at=computed, pending=bool(pending), pending_years=pending)


def year_pending(year: int) -> bool:
    return AggregateDirtyKey.objects.filter(year=year).exists()


# --- derived indicators -------------------------------------------------------------------------------------


def change(old: int | None, new: int | None) -> tuple[int | None, Decimal | None]:
    """(absolute, %) change from old to new; % is None when old is 0 or missing."""
    if old is None or new is None:
        return None, None
    pct = (Decimal(new - old) * 100 / old) if old else None
    return new - old, pct


def share(part: int | Decimal | None, whole: int | Decimal | None) -> Decimal | None:
    if part is None or not whole:
        return None
    return Decimal(part) * 100 / Decimal(whole)


@dataclass(frozen=True)
class SeriesPoint:
    year: int
    persons: int | None
    change_previous: int | None
    change_previous_pct: Decimal | None
    change_base: int | None
    change_base_pct: Decimal | None
    flanders: int | None
    share_of_flanders: Decimal | None


def series_point(value: Callable[[str, int], int | None], *, region: str, year: int, base_year: int) -> SeriesPoint:
    """A figure in `year` with its change against the previous year and the base year and its share of Flanders;
    `value(region code, year)` reads the figure."""
    persons, flanders = value(region, year), value(FLANDERS, year)
    return SeriesPoint(
        year,
        persons,
        *change(value(region, year - 1), persons),
        *change(value(region, base_year), persons),
        flanders,
        share(persons, flanders),
    )


def aggregate_series(
    *,
    region: str,
    years: list[int],
    base_year: int,
    trede: int | None = None,
    group: str = "",
    measure: str | None = None,
    scope: str = Scope.VALIDATED,
) -> list[SeriesPoint]:
    """A figure over the years with its change against the previous year and the base year and its share of
    Flanders, in one query."""
    wanted = sorted(set(years) | {base_year} | {y - 1 for y in years})
    qs = Aggregate.objects.filter(
        scope=scope, year__in=wanted, trede=trede, group=group, region__code__in=[region, FLANDERS]
    )
    qs = qs.filter(measure__code=measure) if measure else qs.filter(measure__isnull=True)
    values = {(code, year): persons for code, year, persons in qs.values_list("region__code", "year", "persons")}

    def value(code: str, year: int) -> int | None:
        return values.get((code, year))

    return [series_point(value, region=region, year=year, base_year=base_year) for year in years]


def share_of_context(*, region: str, year: int, indicator: str, persons: int | None) -> Decimal | None:
    """`persons` as a % of a context figure (63.552 of 433.385 wage earners = 14,7 %)."""
    figure = ContextFigure.objects.filter(region__code=region, year=year, indicator=indicator).first()
    return share(persons, figure.value) if figure else None


# --- audit trail ---------------------------------------------------------------------------------------------

HistoryChange = tuple[Field, object, object]

# Shown when a row is created or deleted (the object's label names the rest); every field when one changes.
HISTORY_CREATE_FIELDS: dict[type[Model], tuple[str, ...]] = {
    Submission: ("status", "note"),
    Headcount: ("persons", "fte", "explanation"),
    OverlapCorrection: ("persons", "reason"),
    Measure: ("name", "trede", "mode", "group", "first_year", "last_year"),
}
# The id never changes; the event's own time is the creation time.
HISTORY_HIDDEN_FIELDS = {"id", "created_at"}
# Counts the Belgian way (1.234); years are not grouped.
HISTORY_GROUPED_FIELDS = {"persons"}


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded change, ready to show: labels and values in the active language.

    changes: (field label, old value, new value), "" where there is none; reason: given with the change (a return
    comment, a reopen reason); source: the way it came in (admin, website, an import's file, a command).
    """

    at: dt.datetime
    user: str | None
    action: str
    object: str
    changes: list[tuple[str, str, str]]
    reason: str
    source: str = ""


def submission_history(*, submission: Submission) -> list[HistoryEntry]:
    """The recorded changes to a submission and to its headcounts (deleted ones included), newest first.

    A fixed number of queries whatever the number of events: the submission's and its headcounts' events with
    their context, then the users, measures and regions they name (organisations and submissions only when a
    change names one)."""
    headcount_ids = HeadcountEvent.objects.filter(submission_id=submission.pk).values("pgh_obj_id")
    events: list[Event] = [
        *SubmissionEvent.objects.filter(pgh_obj_id=submission.pk).select_related("pgh_context").order_by("pgh_id"),
        *HeadcountEvent.objects.filter(pgh_obj_id__in=headcount_ids).select_related("pgh_context").order_by("pgh_id"),
    ]
    # An update's old values are in the previous snapshot of the same row.
    previous: dict[tuple[type[Event], int], Event] = {}
    pairs: list[tuple[Event, Event | None]] = []
    for event in events:
        key = (type(event), event.pgh_obj_id)
        before, previous[key] = previous.get(key), event
        if event.pgh_label != HISTORY_BASELINE:
            pairs.append((event, before))
    # Events written together can share their time: then table, then the order they were written in.
    pairs.sort(key=lambda pair: (pair[0].pgh_created_at, isinstance(pair[0], SubmissionEvent), pair[0].pgh_id))
    return history_entries(pairs[::-1])


def history_entries(pairs: Sequence[tuple[Event, Event | None]], *, parents: bool = False) -> list[HistoryEntry]:
    """A HistoryEntry for each (event, the previous snapshot of its row or None), in the order given.

    The rows they name are looked up in one query per model. `parents`: the object names the submission of a
    headcount and the organisation of a submission too (for lists of many submissions)."""
    changed = [(event, _history_changes(event, before)) for event, before in pairs]
    user_model = get_user_model()
    wanted: dict[type[Model], set[object]] = {}
    for event, changes in changed:
        wanted.setdefault(user_model, set()).add(_history_metadata(event).get("user"))
        for model, pk in _history_names(event, parents=parents):
            wanted.setdefault(model, set()).add(pk)
        for changed_field, old, new in changes:
            if changed_field.is_relation:
                wanted.setdefault(changed_field.related_model, set()).update((old, new))
    labels = _history_labels(wanted)
    return [
        HistoryEntry(
            at=event.pgh_created_at,
            user=labels.get((user_model, _history_metadata(event).get("user"))),
            action=_history_action(event, changes),
            object=_history_object(event, labels, parents=parents),
            changes=[
                (str(f.verbose_name), _history_value(f, old, labels), _history_value(f, new, labels))
                for f, old, new in changes
            ],
            reason=str(_history_metadata(event).get("reason") or ""),
            source=_history_source(_history_metadata(event)),
        )
        for event, changes in changed
    ]


def _history_metadata(event: Event) -> dict[str, object]:
    return event.pgh_context.metadata if event.pgh_context else {}


def _history_names(event: Event, *, parents: bool) -> list[tuple[type[Model], object]]:
    """The rows whose labels name the event's object."""
    names: list[tuple[type[Model], object]] = []
    if isinstance(event, HeadcountEvent):
        names = [(Measure, event.measure_id), (Region, event.region_id)]
        if parents:
            names.append((Submission, event.submission_id))
    elif isinstance(event, SubmissionEvent) and parents:
        names = [(Organisation, event.organisation_id)]
    elif isinstance(event, OverlapCorrectionEvent):
        names = [(Region, event.region_id)]
    return names


def _history_object(event: Event, labels: dict[tuple[type[Model], object], str], *, parents: bool) -> str:
    """CMW-BED 31005, aangifte 2019, overlapcorrectie 2019 30000 trede 5, VOP; with `parents` the submission of a
    headcount and the organisation of a submission first."""
    if isinstance(event, HeadcountEvent):
        shown = f"{labels.get((Measure, event.measure_id), '?')} {labels.get((Region, event.region_id), '?')}"
        return f"{labels.get((Submission, event.submission_id), '?')}: {shown}" if parents else shown
    if isinstance(event, SubmissionEvent):
        shown = f"{Submission._meta.verbose_name} {event.year}"
        return f"{labels.get((Organisation, event.organisation_id), '?')}: {shown}" if parents else shown
    if isinstance(event, OverlapCorrectionEvent):
        region = labels.get((Region, event.region_id), "?")
        return f"{OverlapCorrection._meta.verbose_name} {event.year} {region} trede {event.trede}"
    return str(getattr(event, "code", event.pgh_obj_id))


def _history_changes(event: Event, before: Event | None) -> list[HistoryChange]:
    """(field, old, new) of one event, raw values (ids for foreign keys); old or new None where there is none."""
    model = event.pgh_tracked_model
    tracked = {f.name for f in model._meta.concrete_fields} - HISTORY_HIDDEN_FIELDS
    fields = [f for f in type(event)._meta.concrete_fields if f.name in tracked]
    values = [(f, getattr(event, f.attname)) for f in fields]
    created = HISTORY_CREATE_FIELDS[model]
    if event.pgh_label == "delete":  # the snapshot is the row as it was
        return [(f, value, None) for f, value in values if f.name in created and value not in (None, "", [])]
    if event.pgh_label in ("insert", HISTORY_BASELINE) or before is None:
        return [(f, None, value) for f, value in values if f.name in created and value not in (None, "", [])]
    return [(f, getattr(before, f.attname), value) for f, value in values if getattr(before, f.attname) != value]


def _history_action(event: Event, changes: list[HistoryChange]) -> str:
    if event.pgh_label == "insert":
        return _("aangemaakt")
    if event.pgh_label == "delete":
        return _("verwijderd")
    if event.pgh_label == HISTORY_BASELINE:
        return _("beginstand")
    status = next(((old, new) for f, old, new in changes if f.name == "status"), None)
    if status is None:
        return _("gewijzigd")
    if status == (SubmissionStatus.VALIDATED, SubmissionStatus.SUBMITTED):
        return _("heropend")
    return _("status: %(status)s") % {"status": SubmissionStatus(status[1]).label}


def _history_labels(wanted: dict[type[Model], set[object]]) -> dict[tuple[type[Model], object], str]:
    """What each referenced row is called, one query per model that has ids."""
    labels: dict[tuple[type[Model], object], str] = {}
    for model, ids in wanted.items():
        ids.discard(None)
        if not ids:
            continue
        rows = model._default_manager.filter(pk__in=ids)
        if model is Submission:
            rows = rows.select_related("organisation")
        for row in rows:
            if isinstance(row, Measure | Region):
                labels[(model, row.pk)] = row.code
            elif isinstance(row, get_user_model()):
                labels[(model, row.pk)] = row.get_full_name() or row.get_username()
            else:
                labels[(model, row.pk)] = str(row)
    return labels


def _history_value(field: Field, value: object, labels: dict[tuple[type[Model], object], str]) -> str:
    if value is None or value == "":
        return ""
    if field.is_relation:
        # A row deleted since: its id is all that is left.
        return labels.get((field.related_model, value), f"#{value}")
    if isinstance(value, list):
        return ", ".join(str(dict(field.base_field.flatchoices).get(item, item)) for item in value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, Decimal):
        return number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    if field.name in HISTORY_GROUPED_FIELDS:
        return number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)
    return str(value)


def _history_source(metadata: dict[str, object]) -> str:
    """How the change came in, from the context: an import's file, a command, or a page (admin or website)."""
    parts = []
    if metadata.get("file"):
        parts.append(_("import van %(file)s") % {"file": metadata["file"]})
    if metadata.get("command"):
        parts.append(_("opdracht %(command)s") % {"command": metadata["command"]})
    url = str(metadata.get("url") or "")
    if url and not parts:
        parts.append(_("beheer") if url.startswith(reverse("admin:index")) else _("website"))
    return ", ".join(parts)
