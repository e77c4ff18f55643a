"""Indicators an edition publishes, computed from their parts, with the parts beside the value.

Every indicator is `base + numerator / denominator x 100` (base only for the arbeidsmarktparticipatiegraad):
- share of wage earners: headline (treden 3-5) / loontrekkenden;
- share of Flanders: the place's headline / the Flemish headline;
- arbeidsmarktparticipatiegraad: werkzaamheidsgraad 20-64 + (treden 3 + 4) / bevolking 20-64. The press release
  only says POM "berekende" 79,2 % (West-Vlaanderen) and 77,1 % (Vlaanderen) from the employment rate and the
  11.651 people on treden 3 and 4; this is the formula that fits (a population of about 685.000 gives the
  +1,7 points). The methodology note (templates/opendata/_methodology.html) says it is inferred.

The parts are read from the edition only: its frozen context figures (EditionContextFigure, copied at publish)
and its protected figures (editions.protected_table), so a later correction of a live context figure never
changes a published indicator, and an indicator is never computed from a hidden count (it is then "niet
beschikbaar", with the reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from inventory.constants import FLANDERS
from inventory.models import Edition, EditionContextFigure, Indicator
from inventory.selectors.indicators import share
from inventory.selectors.sources import Place
from opendata.editions import is_hidden, protected_table

WAGE_EARNERS = Indicator.LOONTREKKENDEN
EMPLOYMENT_RATE = Indicator.WZG_20_64
POPULATION = Indicator.BEVOLKING_20_64
# The treden of people who take part without an employment contract (the release's 11.651 in West-Vlaanderen).
WITHOUT_CONTRACT = (3, 4)


@dataclass(frozen=True)
class Part:
    """One part of an indicator: what it is, its value (None when missing), where it comes from and its year."""

    label: str
    value: int | Decimal | None
    source: str
    year: int
    percent: bool = False
    synthetic: bool = False


@dataclass(frozen=True)
class ComputedIndicator:
    code: str
    label: str
    place: Place
    year: int
    numerator: Part
    denominator: Part
    base: Part | None = None  # a rate the share is added to
    value: Decimal | None = None  # unrounded; None: not available, see `reason`
    reason: str = ""

    @property
    def available(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class IndicatorGroup:
    place: Place
    year: int
    indicators: list[ComputedIndicator]


def indicator_groups(*, edition: Edition, places: list[Place], year: int | None = None) -> list[IndicatorGroup]:
    year = edition.reference_year if year is None else year
    return [IndicatorGroup(p, year, edition_indicators(edition=edition, place=p, year=year)) for p in places]


def edition_indicators(*, edition: Edition, place: Place, year: int | None = None) -> list[ComputedIndicator]:
    """The indicators of `place` in `year` (the edition's reference year by default), each with its parts."""
    year = edition.reference_year if year is None else year
    table = protected_table(edition, year)
    context = {
        figure.indicator: figure
        for figure in EditionContextFigure.objects.filter(edition=edition, year=year, region__code=place.code)
    }
    edition_source = _("%(edition)s, POM West-Vlaanderen") % {"edition": edition.name}

    def figure_part(label: str, code: str, treden: tuple[int | None, ...]) -> tuple[Part, str]:
        """The sum of these treden's totals of `code` (None: the headline), or why it cannot be shown."""
        values = [table.get((code, trede, "", None)) for trede in treden]
        part = Part(label, None, edition_source, year)
        if not table:
            return part, _("deze editie heeft geen cijfers voor %(year)s") % {"year": year}
        if any(is_hidden(v) for v in values):
            return part, _("%(part)s is afgeschermd (kleine aantallen)") % {"part": label}
        if any(v is None for v in values):
            return part, _("deze editie heeft geen %(part)s voor dit gebied") % {"part": label}
        return Part(label, sum(int(v) for v in values if v is not None), edition_source, year), ""

    def context_part(indicator: Indicator, *, percent: bool = False) -> tuple[Part, str]:
        label = str(indicator.label)
        figure = context.get(indicator)
        if figure is None:
            reason = _("deze editie heeft geen %(part)s voor %(place)s in %(year)s") % {
                "part": label,
                "place": place.name,
                "year": year,
            }
            return Part(label, None, "", year, percent=percent), reason
        value = figure.value if percent else int(figure.value)
        return Part(label, value, figure.source, year, percent=percent, synthetic=figure.synthetic), ""

    def indicator(
        code: str, label: str, parts: list[tuple[Part, str]], *, base: tuple[Part, str] | None = None
    ) -> ComputedIndicator:
        (numerator, n_reason), (denominator, d_reason) = parts
        reasons = [r for r in (base[1] if base else "", n_reason, d_reason) if r]
        value = None
        if not reasons:
            value = share(numerator.value, denominator.value)
            if value is None:
                reasons.append(_("%(part)s is nul") % {"part": denominator.label})
            elif base is not None:
                value += Decimal(base[0].value or 0)
        return ComputedIndicator(
            code,
            label,
            place,
            year,
            numerator,
            denominator,
            base[0] if base else None,
            value,
            _("niet beschikbaar: %(reasons)s") % {"reasons": "; ".join(reasons)} if reasons else "",
        )

    headline_label = _("personen op treden 3-5")
    result = [
        indicator(
            "aandeel-loontrekkenden",
            _("aandeel in de loontrekkenden"),
            [figure_part(headline_label, place.code, (None,)), context_part(WAGE_EARNERS)],
        )
    ]
    if place.code != FLANDERS:
        result.append(
            indicator(
                "aandeel-vlaanderen",
                _("aandeel in Vlaanderen"),
                [
                    figure_part(headline_label, place.code, (None,)),
                    figure_part(_("personen op treden 3-5 in Vlaanderen"), FLANDERS, (None,)),
                ],
            )
        )
    result.append(
        indicator(
            "arbeidsmarktparticipatiegraad",
            _("arbeidsmarktparticipatiegraad"),
            [figure_part(_("personen op treden 3 en 4"), place.code, WITHOUT_CONTRACT), context_part(POPULATION)],
            base=context_part(EMPLOYMENT_RATE, percent=True),
        )
    )
    return result


@dataclass(frozen=True)
class ContextSource:
    label: str
    source: str
    synthetic: bool
    years: list[int]


def context_sources(edition: Edition) -> list[ContextSource]:
    """Where the edition's frozen context figures that the indicators use come from, for its methodology note."""
    used = (WAGE_EARNERS, EMPLOYMENT_RATE, POPULATION)
    found: dict[tuple[str, str, bool], set[int]] = {}
    rows = EditionContextFigure.objects.filter(edition=edition, indicator__in=used)
    for indicator, source, synthetic, year in rows.values_list("indicator", "source", "synthetic", "year"):
        found.setdefault((indicator, source, synthetic), set()).add(year)
    return [
        ContextSource(str(Indicator(indicator).label), source, synthetic, sorted(years))
        for (indicator, source, synthetic), years in sorted(found.items(), key=lambda item: used.index(item[0][0]))
    ]
