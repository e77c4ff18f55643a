"""The exports: what a file holds (columns, rows, metadata, dimensions), built from the selectors."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import reduce
from typing import Any, cast

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from inventory.models import (
    Aggregate,
    Edition,
    EditionFigure,
    EditionHeadcount,
    Headcount,
    Measure,
    Organisation,
    Scope,
    SubmissionStatus,
    Trede,
    valid_in,
)
from inventory.selectors.figures import (
    AGGREGATE_COLUMNS,
    AGGREGATE_FIELDS,
    CHUNK_SIZE,
    AggregateFilters,
    aggregate_queryset,
    aggregate_values,
    aggregate_years,
    aggregates_freshness,
    edition_aggregate_queryset,
)
from inventory.selectors.figures import AggregateColumn as A
from inventory.selectors.headcounts import (
    HEADCOUNT_COLUMNS,
    HEADCOUNT_FIELDS,
    edition_headcount_queryset,
    headcount_queryset,
    headcount_shape,
    headcount_values,
    headcounts_last_changed,
)
from inventory.selectors.headcounts import HeadcountColumn as H
from inventory.selectors.years import YearState, YearStatus, edition_year_states, year_states
from inventory.services import suppression
from inventory.services.exports.cells import Column, Kind, Row, cell_text

SOURCE = "POM West-Vlaanderen, Inventaris sociale economie"


AGGREGATES_DATAFLOW = "POMWVL:INVENTARIS_SE(1.0)"


HEADCOUNTS_DATAFLOW = "POMWVL:INVENTARIS_SE_TELLINGEN(1.0)"


TOTAL = "_T"


@dataclass(frozen=True)
class Dimension:
    """A dimension of the statistical formats: JSON-stat id, SDMX column, label, and how a row gives its
    category (code and label)."""

    id: str
    sdmx: str
    label: str
    code: Callable[[Row], str]
    category_label: Callable[[Row], str]
    # None keeps the categories in the order the rows bring them (year, region, trede, group, measure).
    sort_key: Callable[[str], Any] | None = None


@dataclass(frozen=True)
class Export:
    """What a file holds: columns, rows (a fresh iterator on every call, tuples in column order) and
    metadata, plus how the statistical formats read the rows (none for a plain list: no dimensions)."""

    dataset: str
    title: str
    columns: tuple[Column, ...]
    rows: Callable[[], Iterator[Row]]
    meta: dict[str, Any]
    value_column: str = ""
    dataflow: str = ""
    dimensions: tuple[Dimension, ...] = ()
    # SDMX attribute columns after OBS_VALUE (besides CONF_STATUS, PREPARED and EDITION).
    sdmx_attributes: tuple[tuple[str, Callable[[Row], Any]], ...] = ()
    public: bool = False
    # The rows as a queryset and its names for the columns: lets the CSV dialects stream through COPY.
    queryset: Callable[[], QuerySet[Any]] | None = None
    fields: tuple[str, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def statistical(self) -> bool:
        """Whether SDMX-CSV and JSON-stat can describe it: a value column and dimensions."""
        return bool(self.dimensions)

    def index(self, name: str) -> int:
        return self.column_names.index(name)


class UnsupportedFormat(ValueError):
    """The export cannot be written in this format (a list has no dimensions for SDMX or JSON-stat)."""


def require_statistical(export: Export, fmt: str) -> None:
    if not export.statistical:
        raise UnsupportedFormat(
            _("%(format)s kan de gegevens ‘%(dataset)s’ niet beschrijven: ze hebben geen dimensies.")
            % {"format": fmt, "dataset": export.dataset}
        )


def _metadata(
    *,
    dataset: str,
    title: str,
    filters: AggregateFilters,
    public: bool,
    freshness: dict[str, Any],
    dataflow: str,
    extra_filters: Mapping[str, Any] | None = None,
    edition: Edition | None = None,
    years: list[int] | None = None,
) -> dict[str, Any]:
    chosen = {"year": filters.years, "region": filters.regions, "trede": filters.treden, "measure": filters.measures}
    chosen.update(extra_filters or {})
    meta: dict[str, Any] = {
        "dataset": dataset,
        "title": title,
        "source": SOURCE,
        "scope": filters.scope,
        "filters": {name: values for name, values in chosen.items() if values},
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "freshness": freshness,
        "edition": edition.name if edition else None,
        "public": public,
        "sdmx_dataflow": dataflow,
        # Each year's state (selectors/years.py), so a file never makes an incomplete year look final: live, as it
        # is now; an edition, as it was when the edition was published (and whether it was withdrawn).
        "year_states": _year_states_meta(
            years or filters.years, edition_year_states(edition) if edition else year_states()
        ),
        # Whether each measure's source counts a person where they live or where they work: a regional figure
        # means something else for each (README "Measure catalogue").
        "measures": _measures_meta(codes=filters.measures, years=years or filters.years),
    }
    if edition is not None:
        meta["licence"] = edition.licence
        meta["licence_url"] = edition.licence_url
        meta["edition_withdrawn"] = (
            {"withdrawn_at": edition.withdrawn_at.isoformat(timespec="seconds"), "reason": edition.withdrawn_reason}
            if edition.withdrawn_at
            else None
        )
    if public:
        meta["small_cell_threshold"] = suppression.small_cell_threshold()
        meta["legend"] = suppression.legend()
    return meta


def _year_states_meta(years: list[int], states: dict[int, YearStatus]) -> dict[str, Any]:
    """The state of the export's years (every year with a state when no year was chosen)."""
    wanted = years or list(states)
    return {str(y): states[y].as_dict() for y in sorted(wanted) if y in states}


def _measures_meta(*, codes: list[str], years: list[int]) -> list[dict[str, Any]]:
    """The export's measures (those asked for, else those valid in one of its years, else all), each with its
    code, name and counted_at (woonplaats or werkplaats), by trede, group and code."""
    measures = Measure.objects.order_by("trede", "group", "code")
    if codes:
        measures = measures.filter(code__in=codes)
    elif years:
        measures = measures.filter(reduce(operator.or_, (valid_in(year) for year in set(years))))
    return [
        {"code": code, "name": name, "counted_at": counted_at}
        for code, name, counted_at in measures.values_list("code", "name", "counted_at")
    ]


def _incomplete(meta: dict[str, Any]) -> set[int]:
    return {int(y) for y, state in (meta.get("year_states") or {}).items() if state["state"] == YearState.COLLECTING}


def _trede_code(trede: int | None) -> str:
    return TOTAL if trede is None else str(trede)


def _trede_label(trede: int | None) -> str:
    return _("treden 3-5 (totaal)") if trede is None else str(Trede(trede).label)


def _group_code(group: str) -> str:
    return "G_" + re.sub(r"[^A-Z0-9]+", "_", slugify(group).upper())


def _edition_freshness(edition: Edition) -> dict[str, Any]:
    """An edition never changes: it says when it was published instead of when figures were computed."""
    return {
        "edition": edition.name,
        "published_on": edition.published_on.isoformat(),
        "frozen_at": edition.created_at.isoformat(timespec="seconds"),
    }


def _check_selection(queryset: QuerySet[Any] | None, *, public: bool, edition: Edition | None) -> None:
    if queryset is not None and public:
        # Small-count protection works on whole tables (secondary suppression), not on a page's selection.
        raise ValueError("a public export is built from filters, not from a selection")
    if queryset is not None and edition is not None:
        raise ValueError("an edition is exported by filters, not from a selection of live rows")


def aggregates_export(
    *,
    filters: AggregateFilters,
    public: bool = False,
    queryset: QuerySet[Aggregate] | None = None,
    extra_filters: Mapping[str, Any] | None = None,
    edition: Edition | None = None,
    cells: Callable[[], Iterable[Row]] | None = None,
) -> Export:
    """The aggregates in the API's shape (AGGREGATE_COLUMNS); public hides small counts.

    edition: that edition's frozen figures instead of the live aggregates (scope validated, computed_at the
    moment it was published).

    queryset: exactly these aggregates (a list page's filtered rows of `aggregate_queryset`) instead of those
    `filters` select; the filters then give the scope, the freshness and the metadata, with `extra_filters` (the
    page's filters that AggregateFilters has no field for) beside them.

    cells: exactly these rows (AGGREGATE_COLUMNS order), already protected: a public view's cells (the table
    builder, opendata/builder.py, which reads them from the edition's protected table); `filters` then only
    describe them in the metadata."""
    _check_selection(queryset, public=public, edition=edition)
    if cells is not None and not (public and edition):
        raise ValueError("a view's cells are an edition's protected figures")
    names = dict(Measure.objects.values_list("code", "name"))
    columns = (
        Column("year", Kind.INTEGER),
        Column("region"),
        Column("region_name"),
        Column("level", Kind.CODE),
        Column("trede", Kind.INTEGER),
        Column("group"),
        Column("measure"),
        Column("persons", Kind.INTEGER),
        Column("scope", Kind.CODE),
        Column("computed_at", Kind.DATETIME),
    )
    assert [c.name for c in columns] == AGGREGATE_COLUMNS
    if edition:
        freshness, pending = _edition_freshness(edition), set()
        years = filters.years or sorted(edition.figures.values_list("year", flat=True).distinct())
    else:
        live = aggregates_freshness(filters.years)
        freshness, pending = live.as_dict(), set(live.pending_years)
        years = filters.years or aggregate_years(scope=filters.scope)

    def shaped() -> QuerySet[Aggregate] | QuerySet[EditionFigure]:
        if edition:
            return edition_aggregate_queryset(edition, filters)
        if queryset is None:
            return aggregate_queryset(filters)
        return queryset  # rows of aggregate_queryset: already in the export's shape

    def rows() -> Iterator[Row]:
        if cells is not None:
            return iter(cells())
        if public:
            return suppression.public_aggregate_values(filters, sorted(years), edition=edition)
        if queryset is None and edition is None:
            return aggregate_values(filters)
        return shaped().values_list(*AGGREGATE_FIELDS).iterator(chunk_size=CHUNK_SIZE)

    def measure_code(row: Row) -> str:
        return row[A.measure] or (_group_code(row[A.group]) if row[A.group] else TOTAL)

    def measure_label(row: Row) -> str:
        return cast(str, names.get(row[A.measure], row[A.measure]) if row[A.measure] else (row[A.group] or _("totaal")))

    title = _("Inventaris sociale economie: aggregaten per regio, trede en maatregel")
    meta = _metadata(
        dataset="aggregates",
        title=title,
        filters=filters,
        public=public,
        freshness=freshness,
        dataflow=AGGREGATES_DATAFLOW,
        extra_filters=extra_filters,
        edition=edition,
        years=sorted(years),
    )
    # A year that is still being collected is not final: provisional in SDMX, like a pending recompute.
    pending |= _incomplete(meta)
    return Export(
        dataset="aggregates",
        title=title,
        columns=columns,
        rows=rows,
        meta=meta,
        value_column="persons",
        dataflow=AGGREGATES_DATAFLOW,
        dimensions=(
            Dimension("year", "TIME_PERIOD", _("jaar"), lambda r: str(r[A.year]), lambda r: str(r[A.year])),
            Dimension("region", "REF_AREA", _("regio"), lambda r: r[A.region], lambda r: r[A.region_name], str),
            Dimension(
                "trede", "TREDE", _("trede"), lambda r: _trede_code(r[A.trede]), lambda r: _trede_label(r[A.trede])
            ),
            Dimension("measure", "MAATREGEL", _("maatregel"), measure_code, measure_label),
            Dimension("scope", "SCOPE", _("scope"), lambda r: r[A.scope], lambda r: str(Scope(r[A.scope]).label)),
        ),
        sdmx_attributes=(
            ("OBS_STATUS", lambda r: "P" if r[A.scope] == Scope.PROVISIONAL or r[A.year] in pending else "A"),
            ("COMPUTED_AT", lambda r: cell_text(r[A.computed_at])),
        ),
        public=public,
        queryset=None if public else shaped,
        fields=AGGREGATE_FIELDS,
    )


def headcounts_export(
    *,
    filters: AggregateFilters,
    public: bool = False,
    queryset: QuerySet[Headcount] | None = None,
    extra_filters: Mapping[str, Any] | None = None,
    edition: Edition | None = None,
) -> Export:
    """The headcounts (HEADCOUNT_COLUMNS), one row per submission, measure and region; public hides small
    counts and their FTE.

    edition: that edition's frozen headcounts (validated ones, with the trede and group of that moment).

    queryset: exactly these headcounts (a list page's filtered rows, already limited to what the user may
    see, in any status) instead of those `filters` select; the filters then give the scope column, the
    freshness and the metadata, with `extra_filters` (the page's filters HeadcountFilters has no field for)."""
    _check_selection(queryset, public=public, edition=edition)
    names = dict(Measure.objects.values_list("code", "name"))
    columns = (
        Column("year", Kind.INTEGER),
        Column("organisation", Kind.CODE),
        Column("organisation_name"),
        Column("measure"),
        Column("trede", Kind.INTEGER),
        Column("group"),
        Column("region", Kind.CODE),
        Column("region_name"),
        Column("persons", Kind.INTEGER),
        Column("fte", Kind.DECIMAL),
        Column("status", Kind.CODE),
        Column("scope", Kind.CODE),
        Column("estimated", Kind.BOOLEAN),
    )
    assert [c.name for c in columns] == HEADCOUNT_COLUMNS
    if edition:
        freshness = _edition_freshness(edition)
    else:
        last_changed = headcounts_last_changed(filters)
        freshness = {"live": True, "last_changed": last_changed.isoformat() if last_changed else None}

    def shaped() -> QuerySet[Headcount] | QuerySet[EditionHeadcount]:
        if edition:
            return edition_headcount_queryset(edition, filters)
        if queryset is None:
            return headcount_queryset(filters)
        # The selection itself, not `pk in (selection)`: without statistics (a fresh table) PostgreSQL 18 planned
        # that as a nested loop that ran for minutes.
        return headcount_shape(queryset, scope=filters.scope)

    def rows() -> Iterator[Row]:
        if queryset is not None:
            return shaped().values_list(*HEADCOUNT_FIELDS).iterator(chunk_size=CHUNK_SIZE)
        if edition:
            values = shaped().values_list(*HEADCOUNT_FIELDS).iterator(chunk_size=CHUNK_SIZE)
        else:
            values = headcount_values(filters)
        return suppression.public_headcount_values(values) if public else values

    title = _("Inventaris sociale economie: tellingen per organisatie, maatregel en regio")
    return Export(
        dataset="headcounts",
        title=title,
        columns=columns,
        rows=rows,
        meta=_metadata(
            dataset="headcounts",
            title=title,
            filters=filters,
            public=public,
            freshness=freshness,
            dataflow=HEADCOUNTS_DATAFLOW,
            extra_filters=extra_filters,
            edition=edition,
        ),
        value_column="persons",
        dataflow=HEADCOUNTS_DATAFLOW,
        dimensions=(
            Dimension("year", "TIME_PERIOD", _("jaar"), lambda r: str(r[H.year]), lambda r: str(r[H.year])),
            Dimension(
                "organisation",
                "ORGANISATIE",
                _("organisatie"),
                lambda r: r[H.organisation],
                lambda r: r[H.organisation_name],
                str,
            ),
            Dimension("region", "REF_AREA", _("regio"), lambda r: r[H.region], lambda r: r[H.region_name], str),
            Dimension(
                "trede",
                "TREDE",
                _("trede"),
                lambda r: _trede_code(r[H.trede]),
                lambda r: _trede_label(r[H.trede]),
                str,
            ),
            Dimension(
                "measure",
                "MAATREGEL",
                _("maatregel"),
                lambda r: r[H.measure],
                lambda r: cast(str, names.get(r[H.measure], r[H.measure])),
                str,
            ),
            Dimension("scope", "SCOPE", _("scope"), lambda r: r[H.scope], lambda r: str(Scope(r[H.scope]).label)),
        ),
        sdmx_attributes=(
            ("VTE", lambda r: r[H.fte]),
            ("OBS_STATUS", lambda r: "A" if r[H.status] == SubmissionStatus.VALIDATED else "P"),
        ),
        public=public,
        queryset=None if public else shaped,
        fields=HEADCOUNT_FIELDS,
    )


def _list_metadata(*, dataset: str, title: str, filters: Mapping[str, Any] | None) -> dict[str, Any]:
    """The metadata of a plain list (organisations, measures): no scope, no freshness, read live."""
    return {
        "dataset": dataset,
        "title": title,
        "source": SOURCE,
        "filters": {name: value for name, value in (filters or {}).items() if value not in (None, "", [])},
        "generated_at": timezone.now().isoformat(timespec="seconds"),
    }


# (column, the queryset's name for it); email only for staff.
ORGANISATION_EXPORT_COLUMNS = (
    (Column("kbo", Kind.CODE), "kbo"),
    (Column("name"), "name"),
    (Column("kind", Kind.CODE), "kind"),
    (Column("region", Kind.CODE), "home_region__code"),
    (Column("region_name"), "home_region__name"),
    (Column("arrondissement", Kind.CODE), "home_region__parent__code"),
    (Column("arrondissement_name"), "home_region__parent__name"),
    (Column("active", Kind.BOOLEAN), "active"),
    (Column("email"), "email"),
)


def organisations_export(
    queryset: QuerySet[Organisation], *, email: bool = False, filters: Mapping[str, Any] | None = None
) -> Export:
    """These organisations, by name: `kbo` in 10 digits, `kind` and `region` (home municipality) as codes,
    the arrondissement, `active`, and the contact e-mail when `email` (staff). `filters`: the page's, for
    the metadata. CSV, XLSX and JSON only: a list has no dimensions for SDMX or JSON-stat."""
    chosen = [(c, name) for c, name in ORGANISATION_EXPORT_COLUMNS if email or c.name != "email"]
    fields = tuple(name for _c, name in chosen)

    def ordered() -> QuerySet[Organisation]:
        return queryset.order_by("name", "kbo")

    title = _("Inventaris sociale economie: organisaties")
    return Export(
        dataset="organisations",
        title=title,
        columns=tuple(c for c, _name in chosen),
        rows=lambda: ordered().values_list(*fields).iterator(chunk_size=CHUNK_SIZE),
        meta=_list_metadata(dataset="organisations", title=title, filters=filters),
        queryset=ordered,
        fields=fields,
    )


MEASURE_EXPORT_COLUMNS = (
    Column("code"),
    Column("name"),
    Column("trede", Kind.INTEGER),
    Column("mode", Kind.CODE),
    Column("group"),
    Column("administering_body"),
    Column("first_year", Kind.INTEGER),
    Column("last_year", Kind.INTEGER),
    Column("counted_at", Kind.CODE),
)


def measures_export(queryset: QuerySet[Measure], *, filters: Mapping[str, Any] | None = None) -> Export:
    """These measures, by trede, group and code. Codes are text staff type, so they are escaped like names.
    CSV, XLSX and JSON only."""
    fields = tuple(c.name for c in MEASURE_EXPORT_COLUMNS)

    def ordered() -> QuerySet[Measure]:
        return queryset.order_by("trede", "group", "code")

    title = _("Inventaris sociale economie: maatregelen")
    return Export(
        dataset="measures",
        title=title,
        columns=MEASURE_EXPORT_COLUMNS,
        rows=lambda: ordered().values_list(*fields).iterator(chunk_size=CHUNK_SIZE),
        meta=_list_metadata(dataset="measures", title=title, filters=filters),
        queryset=ordered,
        fields=fields,
    )
