"""Editions: the list with their sizes, and the figures that differ between two."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    Max,
)

from inventory.constants import GROUPING_LEVEL
from inventory.models import (
    Aggregate,
    Edition,
    EditionHeadcount,
    Scope,
)
from inventory.selectors.indicators import change
from inventory.selectors.years import YearStatus, edition_year_states, incomplete_labels, year_states

# --- editions -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EditionSummary:
    edition: Edition
    figures: int
    headcounts: int
    first_year: int | None
    last_year: int | None
    incomplete: dict[int, str]  # the years it froze while still being collected, with their label then


def editions_list(*, withdrawn: bool | None = False) -> list[EditionSummary]:
    """The current editions (with `withdrawn`, the withdrawn ones; None: both) with their size and years (three
    queries)."""
    from django.db.models import Min

    editions: list[Any] = list(  # annotated Editions
        (Edition.objects.all() if withdrawn is None else Edition.objects.filter(withdrawn_at__isnull=not withdrawn))
        .select_related("published_by", "withdrawn_by", "replaces")
        .prefetch_related("replaced_by")
        .annotate(n_figures=Count("figures"), first=Min("figures__year"), last=Max("figures__year"))
        # Meta.ordering does not apply to a grouped query.
        .order_by("-reference_year", "-published_on", "-created_at")
    )
    headcounts = dict(EditionHeadcount.objects.values("edition").annotate(n=Count("id")).values_list("edition", "n"))
    return [
        EditionSummary(
            e,
            e.n_figures,
            headcounts.get(e.pk, 0),
            e.first,
            e.last,
            incomplete_labels(e.incomplete_years, edition_year_states(e)),
        )
        for e in editions
    ]


@dataclass(frozen=True)
class PreviewYear:
    """What publishing would freeze of one year: its state and its number of validated figures."""

    year: int
    status: YearStatus | None
    figures: int


def publish_preview(states: dict[int, YearStatus] | None = None) -> list[PreviewYear]:
    """Every year with validated aggregates, newest first, with its state (two queries; one with `states`). An
    edition with reference year Y freezes the years up to Y."""
    counts = (
        Aggregate.objects.filter(scope=Scope.VALIDATED)
        .values("year")
        .annotate(n=Count("id"))
        .order_by("-year")
        .values_list("year", "n")
    )
    states = year_states() if states is None else states
    return [PreviewYear(year, states.get(year), n) for year, n in counts]


class ChangeKind:
    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"
    ALL = "all"


@dataclass(frozen=True)
class ComparedFigure:
    year: int
    region: str
    region_name: str
    level: str
    trede: int | None
    group: str
    measure: str | None
    old: int | None
    new: int | None
    measure_name: str | None = None

    @property
    def difference(self) -> int | None:
        return None if self.old is None or self.new is None else self.new - self.old

    @property
    def difference_pct(self) -> Decimal | None:
        return change(self.old, self.new)[1]


@dataclass(frozen=True)
class Comparison:
    old: Edition
    new: Edition
    rows: list[ComparedFigure]
    changed: int
    added: int
    removed: int
    total: int  # rows matching the chosen kind and filters (for paging)


_COMPARE_CTE = """
with a as (select year, coalesce(region_id, 0) r, coalesce(grouping_id, 0) g, coalesce(trede, 0) t, "group" gr,
                  coalesce(measure_id, 0) m, persons from inventory_editionfigure where edition_id = %(old)s),
     b as (select year, coalesce(region_id, 0) r, coalesce(grouping_id, 0) g, coalesce(trede, 0) t, "group" gr,
                  coalesce(measure_id, 0) m, persons from inventory_editionfigure where edition_id = %(new)s),
     d as (select year, r, g, t, gr, m, a.persons as old, b.persons as new
           from a full join b using (year, r, g, t, gr, m)
           where a.persons is distinct from b.persons),
     labelled as (
           select d.*, coalesce(reg.code, grp.code) as code, coalesce(reg.name, grp.name) as name,
                  coalesce(reg.level, %(grouping_level)s) as level, mea.code as measure,
                  mea.name as measure_name
           from d left join inventory_region reg on reg.id = d.r
                  left join inventory_regiongrouping grp on grp.id = d.g
                  left join inventory_measure mea on mea.id = d.m)
"""


def editions_compare(
    *,
    old: Edition,
    new: Edition,
    places: list[str] | None = None,
    years: list[int] | None = None,
    kind: str = ChangeKind.CHANGED,
    offset: int = 0,
    limit: int = 100,
) -> Comparison:
    """The figures that differ between two editions: changed (in both, another value), added (only in `new`),
    removed (only in `old`). Two queries: the counts, and one page of rows."""
    params: dict[str, Any] = {
        "old": old.pk,
        "new": new.pk,
        "grouping_level": GROUPING_LEVEL,
        "places": places or [],
        "years": years or [],
        "offset": offset,
        "limit": limit,
    }
    where = ["(cardinality(%(places)s::text[]) = 0 or code = any(%(places)s))"]
    where.append("(cardinality(%(years)s::int[]) = 0 or year = any(%(years)s))")
    kinds = {
        ChangeKind.CHANGED: "old is not null and new is not null",
        ChangeKind.ADDED: "old is null",
        ChangeKind.REMOVED: "new is null",
        ChangeKind.ALL: "true",
    }
    conditions = " and ".join(where)
    with connection.cursor() as cursor:
        cursor.execute(
            _COMPARE_CTE
            + f"""select count(*) filter (where old is not null and new is not null),
                         count(*) filter (where old is null), count(*) filter (where new is null),
                         count(*) filter (where {kinds[kind]})
                  from labelled where {conditions}""",
            params,
        )
        changed, added, removed, total = cursor.fetchone()
        cursor.execute(
            _COMPARE_CTE
            + f"""select year, code, name, level, nullif(t, 0), gr, measure, old, new, measure_name from labelled
                  where {conditions} and {kinds[kind]}
                  order by year, code, t, gr, measure nulls first
                  limit %(limit)s offset %(offset)s""",
            params,
        )
        rows = [ComparedFigure(*row) for row in cursor.fetchall()]
    return Comparison(old, new, rows, changed, added, removed, total)
