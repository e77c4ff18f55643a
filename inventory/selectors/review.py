"""The staff review page's figures: each headcount beside last year's, with totals per measure and overall."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from inventory.models import Headcount, Measure, Region, Submission
from inventory.selectors.indicators import change, fte_sum


@dataclass
class Figure:
    """This year's persons and VTE beside last year's persons; `current` None: reported last year, missing now.
    A total also counts its rows with a figure this year (`rows`) and those of them with a VTE (`fte_rows`)."""

    current: int | None
    fte: Decimal | None
    previous: int | None
    rows: int = 0
    fte_rows: int = 0

    @property
    def fte_partial(self) -> bool:
        """A total whose VTE leaves out rows that gave none: the page says for how many rows it holds."""
        return 0 < self.fte_rows < self.rows

    @property
    def change(self) -> int | None:
        """A new figure (none last year) changes by all of it, as the totals count it."""
        previous = (self.previous or 0) if self.is_new else self.previous
        return change(previous, self.current or 0)[0]

    @property
    def change_pct(self) -> Decimal | None:
        """None where there is nothing to divide by (no figure last year, or 0): see `is_new`."""
        return change(self.previous, self.current or 0)[1]

    @property
    def is_new(self) -> bool:
        """Persons now where last year had none (no figure or 0): "nieuw" instead of a percentage."""
        return bool(self.current) and not self.previous


@dataclass
class ReviewRow:
    measure: Measure
    region: Region
    figure: Figure
    explanation: str = ""


@dataclass
class MeasureTotal:
    measure: Measure
    figure: Figure
    rows: list[ReviewRow] = field(default_factory=list)


@dataclass
class ReviewFigures:
    measures: list[MeasureTotal]
    total: Figure
    # The same headcounts as the plausibility rules read them: (measure id, region id) -> (persons, explanation)
    # now, -> persons last year.
    current: dict[tuple[int, int], tuple[int, str]] = field(default_factory=dict)
    previous: dict[tuple[int, int], int] = field(default_factory=dict)


def review_figures(*, submission: Submission) -> ReviewFigures:
    """Every figure of the submission and every figure the organisation reported the year before and not now,
    per measure (by code) with the measure's total and the submission's total. Two queries."""
    current = list(submission.headcounts.select_related("measure", "region").order_by("measure__code", "region__code"))
    previous = {
        (h.measure_id, h.region_id): h
        for h in Headcount.objects.filter(
            submission__organisation_id=submission.organisation_id, submission__year=submission.year - 1
        ).select_related("measure", "region")
    }
    rows = [
        ReviewRow(
            h.measure,
            h.region,
            Figure(h.persons, h.fte, before.persons if (before := previous.get((h.measure_id, h.region_id))) else None),
            h.explanation,
        )
        for h in current
    ]
    seen = {(h.measure_id, h.region_id) for h in current}
    rows += [
        ReviewRow(h.measure, h.region, Figure(None, None, h.persons)) for key, h in previous.items() if key not in seen
    ]
    rows.sort(key=lambda row: (row.measure.code, row.region.code))

    per_measure: dict[int, MeasureTotal] = {}
    total = Figure(0, None, None)
    for row in rows:
        group = per_measure.setdefault(row.measure.pk, MeasureTotal(row.measure, Figure(0, None, None)))
        group.rows.append(row)
        for figure in (group.figure, total):
            figure.current = (figure.current or 0) + (row.figure.current or 0)
            figure.fte = fte_sum(figure.fte, row.figure.fte)
            if row.figure.current is not None:
                figure.rows += 1
                figure.fte_rows += row.figure.fte is not None
            if row.figure.previous is not None:
                figure.previous = (figure.previous or 0) + row.figure.previous
    return ReviewFigures(
        list(per_measure.values()),
        total,
        current={(h.measure_id, h.region_id): (h.persons, h.explanation) for h in current},
        previous={key: h.persons for key, h in previous.items()},
    )
