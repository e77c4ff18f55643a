"""Which editions the public site shows, and the figures it may show of them.

Only published editions are public, never live aggregates: a figure that is not final is never on this site
(an edition that froze an incomplete year says so, as everywhere). Withdrawn editions stay reachable at their
URLs, with their banner, and are listed apart.

Every figure passes small-cell protection (inventory/services/suppression.py) over the whole year's table of
the edition, whatever the page shows of it: every page, chart, download and API answer of the same edition and
year hides the same cells, so no combination of them gives a hidden count away.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property

from django.conf import settings
from django.utils.translation import gettext as _

from inventory import charts
from inventory.models import CountedAt, Edition, EditionFigure, Measure, Scope
from inventory.selectors.dashboard import Dashboard, Rung, trede_label
from inventory.selectors.figures import AggregateColumn as A
from inventory.selectors.sources import APART, FigureSource, Values, cached
from inventory.services.editions import edition_by_slug
from inventory.services.suppression import aggregate_key, aggregate_year_suppression, mark
from inventory.views.errors import NotFound

# (region or grouping code, trede, group, measure code) -> persons, or the mark of a hidden count
TableKey = tuple[str, int | None, str, str | None]
ProtectedTable = dict[TableKey, int | str]


def public_editions() -> tuple[list[Edition], list[Edition]]:
    """(current, withdrawn) editions, newest first."""
    editions = list(
        Edition.objects.select_related("replaces")
        .prefetch_related("replaced_by")
        .order_by("-reference_year", "-published_on", "-created_at")
    )
    return [e for e in editions if not e.withdrawn], [e for e in editions if e.withdrawn]


def public_edition_or_404(slug: str) -> Edition:
    edition = edition_by_slug(slug)
    if edition is None:
        raise NotFound(_("Er is geen editie ‘%(slug)s’. De gepubliceerde edities staan op /cijfers/.") % {"slug": slug})
    return edition


def edition_version(edition: Edition) -> str:
    """What an edition's public pages depend on besides its frozen figures: its withdrawal and next-edition date
    (the only things that change) and the threshold of small-cell protection."""
    withdrawn = edition.withdrawn_at.isoformat() if edition.withdrawn_at else ""
    # The creation time too: a database restored or made anew (tests) may give another edition the same id.
    made = edition.created_at.isoformat()
    return f"{edition.pk}:{made}:{withdrawn}:{edition.next_edition_on or ''}:{settings.SMALL_CELL_THRESHOLD}"


def protected_table(edition: Edition, year: int) -> ProtectedTable:
    """An edition's whole table of one year with every hidden count replaced by its mark ("<5" or "x"); kept in
    the cache, since an edition never changes."""

    def build() -> ProtectedTable:
        rows, hidden = aggregate_year_suppression(year=year, scope=Scope.VALIDATED, edition=edition)
        table: ProtectedTable = {}
        for row in rows:
            key = (row[A.region], row[A.trede], row[A.group], row[A.measure])
            status = hidden.get(aggregate_key(row))
            table[key] = row[A.persons] if status is None else mark(status)
        return table

    return cached(f"public-table:{edition_version(edition)}:{year}", build)


def is_hidden(value: object) -> bool:
    return isinstance(value, str)


@dataclass(frozen=True)
class CountedAtGroup:
    counted_at: str
    label: str
    measures: list[Measure]


def measures_counted_at(edition: Edition) -> list[CountedAtGroup]:
    """The measures an edition has figures of, by whether their source counts a person where they live or where
    they work (Measure.counted_at, as the catalogue says now), for its methodology note; residence first."""
    used = EditionFigure.objects.filter(edition=edition, measure__isnull=False).values("measure_id").distinct()
    measures = list(Measure.objects.filter(pk__in=used).order_by("trede", "group", "code"))
    groups = [
        CountedAtGroup(value, str(label), [m for m in measures if m.counted_at == value])
        for value, label in (
            (CountedAt.RESIDENCE, _("Geteld naar woonplaats")),
            (CountedAt.WORKPLACE, _("Geteld naar werkplaats")),
        )
    ]
    return [group for group in groups if group.measures]


@dataclass(frozen=True)
class PublicSource(FigureSource):
    """An edition's figures as the public may see them: the dashboard and Kerncijfers read this like any source;
    a hidden count is simply not there (shown as "–", with the legend), and so is everything computed from it."""

    def version(self) -> str:
        assert self.edition is not None
        return f"public-{edition_version(self.edition)}"

    def values(self, places: Iterable[str], years: Iterable[int], *, groups: bool = True) -> Values:
        assert self.edition is not None
        wanted = set(places)
        result: Values = {}
        for year in years:
            if year not in self.edition_years:
                continue
            for (code, trede, group, measure), persons in protected_table(self.edition, year).items():
                if measure is None and code in wanted and (groups or not group) and not is_hidden(persons):
                    result[(code, year, trede, group)] = int(persons)
        return result

    def hidden(self, places: Iterable[str], years: Iterable[int]) -> dict[tuple[str, int, int | None, str], str]:
        """The hidden headline, trede and group figures of these places and years, with their marks."""
        assert self.edition is not None
        wanted = set(places)
        return {
            (code, year, trede, group): str(persons)
            for year in years
            if year in self.edition_years
            for (code, trede, group, measure), persons in protected_table(self.edition, year).items()
            if measure is None and code in wanted and is_hidden(persons)
        }

    def target_group_values(self, places: list[str], years: list[int], target_group: str) -> dict[tuple[str, int], int]:
        """The sum of a target group's measures, only where none of them is hidden: a sum beside its shown parts
        would give the hidden one away."""
        assert self.edition is not None
        measures = set(Measure.objects.filter(target_group=target_group).values_list("code", flat=True))
        wanted = set(places)
        sums: dict[tuple[str, int], int] = {}
        spoiled: set[tuple[str, int]] = set()
        for year in years:
            if year not in self.edition_years:
                continue
            for (code, _trede, _group, measure), persons in protected_table(self.edition, year).items():
                if measure in measures and code in wanted:
                    if is_hidden(persons):
                        spoiled.add((code, year))
                    else:
                        sums[(code, year)] = sums.get((code, year), 0) + int(persons)
        return {key: total for key, total in sums.items() if key not in spoiled}

    @cached_property
    def edition_years(self) -> list[int]:
        return self.years()

    def years(self) -> list[int]:
        assert self.edition is not None
        edition = self.edition
        return cached(f"public-years:{edition_version(edition)}", lambda: FigureSource(edition=edition).years())


def dashboard_marked(data: Dashboard, hidden: Mapping[tuple[str, int, int | None, str], str]) -> Dashboard:
    """A fact sheet's dashboard with the marks of its hidden counts in the ladder table and chart, where the
    dashboard (reading PublicSource) shows "–". `hidden`: PublicSource.hidden() of the place and year. Shares
    and changes computed from a hidden count stay "–": they are computed from the figures, which leave it out."""
    code, year = data.place.code, data.year

    def marked(rung: Rung) -> Rung:
        groups = sorted(
            (group, mark_)
            for (c, y, t, group), mark_ in hidden.items()
            if (c, y, t) == (code, year, rung.trede) and group
        )
        return replace(rung, mark=hidden.get((code, year, rung.trede, ""), ""), groups=[*rung.groups, *groups])

    rungs = [marked(rung) for rung in data.rungs]
    apart = data.apart
    if apart is None and (code, year, APART, "") in hidden:
        apart = Rung(APART, trede_label(APART), None, None, [])
    bars = data.ladder_chart.bars if data.ladder_chart else []
    chart = (
        replace(
            data.ladder_chart,
            bars=[replace(bar, value=r.mark or bar.value) for bar, r in zip(bars, rungs, strict=True)],
        )
        if data.ladder_chart
        else charts.ladder_chart([])
    )
    return replace(
        data,
        rungs=rungs,
        apart=marked(apart) if apart else None,
        headline_mark=hidden.get((code, year, None, ""), ""),
        ladder_chart=chart,
    )
