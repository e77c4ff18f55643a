"""Aggregates: roll-up correctness against totals computed independently here, both scopes, incremental runs
equal to full runs, idempotence, and a failure that leaves the previous aggregates in place."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest
from django.db import DatabaseError, connection

from inventory.models import (
    Aggregate,
    AggregateDirtyKey,
    Headcount,
    Measure,
    Organisation,
    OverlapCorrection,
    Region,
    RegionGrouping,
    Submission,
)
from inventory.selectors.figures import aggregates_freshness
from inventory.services import catalogue, submissions
from inventory.services.aggregation import aggregates_recompute, aggregates_recompute_all
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
YEAR = 2019

Key = tuple[str, int | None, str, str | None]  # (target, trede, group, measure code)


def aggregates(scope: str, year: int = YEAR) -> dict[Key, int]:
    rows = Aggregate.objects.filter(year=year, scope=scope).select_related("region", "grouping", "measure")
    return {
        (
            a.region.code if a.region else "g:" + a.grouping.code,
            a.trede,
            a.group,
            a.measure.code if a.measure else None,
        ): (a.persons)
        for a in rows
    }


def targets_of(region: Region, year: int) -> set[str]:
    """Where a figure at `region` counts, worked out in Python from the model, not from the SQL."""
    targets = set()
    node: Region | None = region
    while node is not None:
        targets.add(node.code)
        node = node.parent
    selves = [region]
    while selves[-1].successor is not None:
        selves.append(selves[-1].successor)
        targets.add(selves[-1].code)
    for grouping in RegionGrouping.objects.all():
        if (grouping.first_year or 0) <= year <= (grouping.last_year or 9999) and any(
            grouping.members.filter(pk=r.pk).exists() for r in selves
        ):
            targets.add("g:" + grouping.code)
    return targets


def expected(scope: str, year: int = YEAR) -> dict[Key, int]:
    statuses = {"validated"} if scope == "validated" else {"validated", "submitted"}
    totals: dict[Key, int] = defaultdict(int)
    seen: set[Key] = set()
    for h in Headcount.objects.filter(submission__year=year, submission__status__in=statuses).select_related(
        "measure", "region__parent__parent__parent", "region__successor"
    ):
        m = h.measure
        for target in targets_of(h.region, year):
            for key in [
                (target, m.trede, m.group, m.code),
                (target, m.trede, m.group, None),
                (target, m.trede, "", None),
            ]:
                totals[key] += h.persons
                seen.add(key)
            if m.trede in (3, 4, 5):
                totals[(target, None, "", None)] += h.persons
            seen.add((target, None, "", None)) if m.trede in (3, 4, 5) else None
    for c in OverlapCorrection.objects.filter(year=year).select_related("region"):
        for target in targets_of(c.region, year):
            totals[(target, c.trede, "", None)] += c.persons
            seen.add((target, c.trede, "", None))
            if c.trede in (3, 4, 5):
                totals[(target, None, "", None)] += c.persons
                seen.add((target, None, "", None))
    return {key: totals[key] for key in seen}


@pytest.fixture
def world(reference_db) -> dict:
    """Three organisations in West-Vlaanderen and Antwerpen with submissions in every state, figures at
    municipalities (one merged in 2025) and an arrondissement, and corrections at a province and Flanders."""
    rng = random.Random(7)
    measures = {m.code: m for m in Measure.objects.valid_in(YEAR)}
    places = [Region.objects.get(code=c) for c in ("31005", "34022", "37007", "37015", "11002", "12025", "33000")]
    states = ["validated", "submitted", "draft"]
    organisations = []
    for i, state in enumerate(states):
        organisation = OrganisationFactory(home_region=places[i])
        organisations.append(organisation)
        submission = Submission.objects.create(organisation=organisation, year=YEAR, status=state)
        for code in rng.sample(sorted(measures), 8):
            for region in rng.sample(places, 3):
                Headcount.objects.create(
                    submission=submission, measure=measures[code], region=region, persons=rng.randint(0, 500)
                )
    OverlapCorrection.objects.create(
        year=YEAR, region=Region.objects.get(code="30000"), trede=5, persons=-40, reason="r"
    )
    OverlapCorrection.objects.create(
        year=YEAR, region=Region.objects.get(code="02000"), trede=4, persons=-7, reason="r"
    )
    aggregates_recompute(year=YEAR, full=True)
    return {"organisations": organisations, "measures": measures, "places": places}


def test_every_level_and_grouping_matches_totals_computed_independently_in_both_scopes(world) -> None:
    for scope in ("validated", "provisional"):
        assert aggregates(scope) == expected(scope)
    validated = aggregates("validated")
    provisional = aggregates("provisional")
    assert provisional[("02000", None, "", None)] > validated[("02000", None, "", None)]


def test_a_merged_municipality_counts_at_its_own_ancestors_and_at_its_successor(world) -> None:
    rows = aggregates("provisional")
    meulebeke, old_tielt = rows.get(("37007", None, "", None), 0), rows.get(("37015", None, "", None), 0)
    assert rows[("37022", None, "", None)] == meulebeke + old_tielt
    assert meulebeke + old_tielt > 0
    arrondissement_parts = sum(
        value
        for (target, trede, group, measure), value in rows.items()
        if trede is None
        and target in {r.code for r in Region.objects.filter(parent__code="37000", successor=None, first_year=None)}
    )
    assert rows[("37000", None, "", None)] == meulebeke + old_tielt + arrondissement_parts


def test_the_trede_total_is_its_measures_plus_corrections_and_the_headline_leaves_trede_6_out(world) -> None:
    rows = aggregates("validated")
    for trede in (3, 4, 5, 6):
        measures = sum(v for (t, tr, g, m), v in rows.items() if t == "30000" and tr == trede and m is not None)
        correction = -40 if trede == 5 else 0
        assert rows.get(("30000", trede, "", None), 0) == measures + correction
    headline = sum(rows.get(("30000", trede, "", None), 0) for trede in (3, 4, 5))
    assert rows[("30000", None, "", None)] == headline
    assert (
        rows[("02000", 4, "", None)]
        == sum(v for (t, tr, g, m), v in rows.items() if t == "02000" and tr == 4 and m is not None) - 7
    )


def test_draft_figures_count_in_no_scope(world) -> None:
    draft = Submission.objects.get(status="draft")
    before = {scope: aggregates(scope) for scope in ("validated", "provisional")}
    for headcount in draft.headcounts.all():
        submissions.headcount_save(
            submission=draft, measure=headcount.measure, region=headcount.region, persons=headcount.persons + 1000
        )
    aggregates_recompute(year=YEAR)
    assert {scope: aggregates(scope) for scope in ("validated", "provisional")} == before


def test_changes_through_the_services_recompute_incrementally_to_what_a_full_run_gives(world) -> None:
    rng = random.Random(11)
    submitted = Submission.objects.get(status="submitted")
    validated = Submission.objects.get(status="validated")
    for headcount in list(submitted.headcounts.all())[:5]:
        submissions.headcount_save(
            submission=submitted, measure=headcount.measure, region=headcount.region, persons=rng.randint(0, 900)
        )
    submissions.headcount_delete(headcount=submitted.headcounts.first())
    submissions.headcount_save(
        submission=submitted, measure=world["measures"]["AZ"], region=Region.objects.get(code="37018"), persons=77
    )
    submissions.submission_reopen(submission=validated, user=None, reason="correctie")
    submissions.submission_validate(submission=submitted, user=None)
    correction = OverlapCorrection.objects.get(trede=5)
    correction.persons = -55
    catalogue.overlap_correction_save(correction=correction)

    result = aggregates_recompute(year=YEAR)
    assert not result.full
    assert result.keys > 0
    incremental = {scope: aggregates(scope) for scope in ("validated", "provisional")}
    aggregates_recompute(year=YEAR, full=True)
    assert incremental == {scope: aggregates(scope) for scope in ("validated", "provisional")}
    assert incremental["validated"] == expected("validated")
    assert AggregateDirtyKey.objects.count() == 0
    assert not aggregates_freshness([YEAR]).pending


def test_a_measure_reclassified_to_another_trede_moves_its_figures(world) -> None:
    measure = Measure.objects.get(code="WW")
    measure.trede = 3
    measure.group = "arbeidszorg"
    catalogue.measure_save(measure=measure)
    assert aggregates_freshness([YEAR]).pending
    aggregates_recompute(year=YEAR)
    assert aggregates("provisional") == expected("provisional")
    assert all(trede == 3 for (_t, trede, _g, code) in aggregates("provisional") if code == "WW")


def test_a_grouping_change_is_recomputed(world) -> None:
    westhoek = RegionGrouping.objects.get(code="westhoek")
    catalogue.grouping_save(grouping=westhoek, members=[Region.objects.get(code="31005")])
    aggregates_recompute(year=YEAR)
    rows = aggregates("provisional")
    assert rows[("g:westhoek", None, "", None)] == rows.get(("31005", None, "", None))


def test_recomputing_twice_gives_the_same_rows(world) -> None:
    first = aggregates("provisional")
    assert aggregates_recompute(year=YEAR).skipped
    aggregates_recompute(year=YEAR, full=True)
    assert aggregates("provisional") == first
    assert Aggregate.objects.filter(year=YEAR).count() == len(first) + len(aggregates("validated"))


def test_a_failure_in_the_middle_of_a_recompute_leaves_the_previous_aggregates_and_the_year_dirty(world) -> None:
    before = aggregates("provisional")
    submitted = Submission.objects.get(status="submitted")
    headcount = submitted.headcounts.first()
    submissions.headcount_save(
        submission=submitted, measure=headcount.measure, region=headcount.region, persons=headcount.persons + 1
    )
    with connection.cursor() as cursor:
        # A real database error halfway: the leaves are already re-summed when the roll-up insert fails.
        cursor.execute(
            """create function fail_aggregate_insert() returns trigger language plpgsql as
               $$ begin raise exception 'schijf vol'; end $$;
               create trigger fail_aggregate_insert before insert on inventory_aggregate
               for each statement execute function fail_aggregate_insert();"""
        )
    with pytest.raises(DatabaseError, match="schijf vol"):
        aggregates_recompute(year=YEAR)
    with connection.cursor() as cursor:
        cursor.execute(
            "drop trigger fail_aggregate_insert on inventory_aggregate; drop function fail_aggregate_insert()"
        )
    assert aggregates("provisional") == before
    assert aggregates_freshness([YEAR]).pending
    assert AggregateDirtyKey.objects.filter(year=YEAR).exists()
    aggregates_recompute(year=YEAR)
    assert aggregates("provisional") == expected("provisional") != before


def test_recompute_all_covers_every_year_with_figures(world) -> None:
    organisation = Organisation.objects.first()
    Submission.objects.create(organisation=organisation, year=2018, status="validated")
    results = aggregates_recompute_all()
    assert [r.year for r in results] == [2018, 2019]
