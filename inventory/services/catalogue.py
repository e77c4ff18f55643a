"""Measures, overlap corrections, regions and groupings: staff edits that change how figures roll up."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from inventory.models import ContextFigure, Headcount, Measure, OverlapCorrection, Region, RegionGrouping
from inventory.services.aggregation import aggregates_mark_all, aggregates_mark_keys, aggregates_mark_years

# Changing one of these moves a measure's figures to another trede, group or year range.
MEASURE_ROLLUP_FIELDS = ("trede", "group", "first_year", "last_year")


@transaction.atomic
def measure_save(*, measure: Measure) -> Measure:
    """Create or change a measure; a reclassification recomputes every year that has its figures."""
    previous = Measure.objects.filter(pk=measure.pk).first() if measure.pk else None
    measure.full_clean()
    measure.save()
    if previous and any(getattr(previous, f) != getattr(measure, f) for f in MEASURE_ROLLUP_FIELDS):
        years = Headcount.objects.filter(measure=measure).values_list("submission__year", flat=True).distinct()
        aggregates_mark_years(years=years)
    return measure


@transaction.atomic
def measure_delete(*, measure: Measure) -> None:
    if Headcount.objects.filter(measure=measure).exists():
        raise ValidationError(
            _("Maatregel %(code)s heeft tellingen en kan niet verwijderd worden; zet een eindjaar.")
            % {"code": measure.code},
            code="measure_in_use",
        )
    measure.delete()


@transaction.atomic
def overlap_correction_save(*, correction: OverlapCorrection, user: User | None = None) -> OverlapCorrection:
    if correction.persons is not None and correction.persons > 0:
        raise ValidationError(
            _("Een overlapcorrectie is negatief of nul, niet %(value)s.") % {"value": correction.persons},
            code="correction_positive",
        )
    previous = OverlapCorrection.objects.filter(pk=correction.pk).first() if correction.pk else None
    if correction.created_by is None:
        correction.created_by = user
    correction.full_clean()
    correction.save()
    aggregates_mark_keys(year=correction.year, keys=[(correction.region_id, None)])
    if previous and (previous.year, previous.region_id) != (correction.year, correction.region_id):
        aggregates_mark_keys(year=previous.year, keys=[(previous.region_id, None)])
    return correction


@transaction.atomic
def overlap_correction_delete(*, correction: OverlapCorrection) -> None:
    aggregates_mark_keys(year=correction.year, keys=[(correction.region_id, None)])
    correction.delete()


@transaction.atomic
def region_save(*, region: Region) -> Region:
    """A region's parent, years or successor decide where figures roll up: every year is recomputed."""
    region.full_clean()
    region.save()
    aggregates_mark_all()
    return region


@transaction.atomic
def grouping_save(*, grouping: RegionGrouping, members: list[Region] | None = None) -> RegionGrouping:
    grouping.full_clean()
    grouping.save()
    if members is not None:
        grouping.members.set(members)
    aggregates_mark_all()
    return grouping


@transaction.atomic
def grouping_delete(*, grouping: RegionGrouping) -> None:
    grouping.delete()
    aggregates_mark_all()


@transaction.atomic
def context_figure_save(*, figure: ContextFigure) -> ContextFigure:
    """Context figures are read beside the aggregates, never rolled up: no recompute needed."""
    figure.full_clean()
    figure.save()
    return figure
