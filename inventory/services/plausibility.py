"""Plausibility of a submission against the organisation's previous year, one rule set for the portal form,
imports and the API: a figure that moved more than PLAUSIBILITY_CHANGE_PCT % and more than
PLAUSIBILITY_CHANGE_PERSONS persons, or a measure reported last year and missing now, needs a written
explanation on that row before the submission can be sent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import ngettext

from inventory.models import Headcount, Submission
from inventory.templatetags.numbers import persons as count_text

# (measure id, region id) -> (persons, explanation)
Figures = Mapping[tuple[int, int], tuple[int, str]]


@dataclass(frozen=True)
class Flag:
    measure_id: int
    measure_name: str  # "Collectief maatwerk: maatwerkafdeling (CMW-AFD)": people read names, not codes
    region_id: int | None  # None: the measure as a whole (missing this year)
    region_name: str
    previous: int
    current: int | None
    explained: bool

    @property
    def message(self) -> str:
        if self.current is None:
            return ngettext(
                "%(measure)s had %(previous)s persoon vorig jaar en ontbreekt nu: licht toe.",
                "%(measure)s had %(previous)s personen vorig jaar en ontbreekt nu: licht toe.",
                self.previous,
            ) % {"measure": self.measure_name, "previous": count_text(self.previous)}
        return ngettext(
            "%(measure)s in %(region)s: nu %(current)s persoon, vorig jaar %(previous)s; licht de wijziging toe.",
            "%(measure)s in %(region)s: nu %(current)s personen, vorig jaar %(previous)s; licht de wijziging toe.",
            self.current,
        ) % {
            "measure": self.measure_name,
            "region": self.region_name,
            "current": count_text(self.current),
            "previous": count_text(self.previous),
        }


def previous_figures(submission: Submission) -> dict[tuple[int, int], int]:
    """The organisation's figures of the year before, whatever that submission's state."""
    rows = Headcount.objects.filter(
        submission__organisation_id=submission.organisation_id, submission__year=submission.year - 1
    ).values_list("measure_id", "region_id", "persons")
    return {(measure, region): persons for measure, region, persons in rows}


def current_figures(submission: Submission) -> dict[tuple[int, int], tuple[int, str]]:
    rows = submission.headcounts.values_list("measure_id", "region_id", "persons", "explanation")
    return {(measure, region): (persons, explanation) for measure, region, persons, explanation in rows}


def is_implausible(previous: int, current: int) -> bool:
    moved = abs(current - previous)
    return moved > settings.PLAUSIBILITY_CHANGE_PERSONS and (
        previous == 0 or moved * 100 > settings.PLAUSIBILITY_CHANGE_PCT * previous
    )


def plausibility_flags(
    *,
    submission: Submission,
    figures: Figures | None = None,
    previous: Mapping[tuple[int, int], int] | None = None,
    names: tuple[dict[int, str], dict[int, str]] | None = None,
) -> list[Flag]:
    """Every figure that needs an explanation, with whether it has one. `figures` defaults to what is stored."""
    figures = current_figures(submission) if figures is None else figures
    previous = previous_figures(submission) if previous is None else previous
    if names is None:
        names = _names({m for m, _r in [*figures, *previous]}, {r for _m, r in [*figures, *previous]})
    flags = []
    for (measure, region), before in sorted(previous.items()):
        persons, explanation = figures.get((measure, region), (None, ""))
        if persons is not None and is_implausible(before, persons):
            flags.append(
                Flag(measure, names[0][measure], region, names[1][region], before, persons, bool(explanation.strip()))
            )
    before_per_measure: dict[int, int] = defaultdict(int)
    for (measure, _region), persons in previous.items():
        before_per_measure[measure] += persons
    now_per_measure: dict[int, int] = defaultdict(int)
    explained_per_measure: dict[int, bool] = defaultdict(bool)
    for (measure, _region), (persons, explanation) in figures.items():
        now_per_measure[measure] += persons
        explained_per_measure[measure] |= bool(explanation.strip())
    for measure, before in sorted(before_per_measure.items()):
        if before > 0 and now_per_measure.get(measure, 0) == 0:
            flags.append(Flag(measure, names[0][measure], None, "", before, None, explained_per_measure[measure]))
    return flags


def _names(measures: set[int], regions: set[int]) -> tuple[dict[int, str], dict[int, str]]:
    """What the messages call measures (name and code, as the portal's rows show them) and regions (name)."""
    from inventory.models import Measure, Region

    return (
        {
            pk: f"{name} ({code})"
            for pk, name, code in Measure.objects.filter(pk__in=measures).values_list("pk", "name", "code")
        },
        dict(Region.objects.filter(pk__in=regions).values_list("pk", "name")),
    )


def unexplained(flags: list[Flag]) -> list[Flag]:
    return [flag for flag in flags if not flag.explained]


def plausibility_flag_counts(submissions: list[Submission]) -> dict[int, int]:
    """The number of flags of each submission, for a list page: the same rule, in four queries whatever the
    number of submissions."""
    ids = [s.pk for s in submissions]
    current: dict[int, dict[tuple[int, int], tuple[int, str]]] = {pk: {} for pk in ids}
    for submission_id, measure, region, persons, explanation in Headcount.objects.filter(
        submission_id__in=ids
    ).values_list("submission_id", "measure_id", "region_id", "persons", "explanation"):
        current[submission_id][(measure, region)] = (persons, explanation)
    wanted = {(s.organisation_id, s.year - 1) for s in submissions}
    previous: dict[tuple[int, int], dict[tuple[int, int], int]] = defaultdict(dict)
    for organisation, year, measure, region, persons in Headcount.objects.filter(
        submission__organisation_id__in={o for o, _y in wanted}, submission__year__in={y for _o, y in wanted}
    ).values_list("submission__organisation_id", "submission__year", "measure_id", "region_id", "persons"):
        previous[(organisation, year)][(measure, region)] = persons
    maps: list[Mapping[tuple[int, int], object]] = [*current.values(), *previous.values()]
    keys = [key for figures in maps for key in figures]
    names = _names({m for m, _r in keys}, {r for _m, r in keys})
    return {
        s.pk: len(
            plausibility_flags(
                submission=s,
                figures=current[s.pk],
                previous=previous.get((s.organisation_id, s.year - 1), {}),
                names=names,
            )
        )
        for s in submissions
    }
