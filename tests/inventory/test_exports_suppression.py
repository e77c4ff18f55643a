"""Small-cell protection: primary and secondary suppression, and public files that apply it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping

import pytest
from django.test import Client

from inventory.models import Measure, Region, Submission, SubmissionStatus
from inventory.selectors.figures import AggregateFilters
from inventory.selectors.headcounts import HeadcountFilters
from inventory.services.aggregation import aggregates_recompute
from inventory.services.exports import FORMATS, Export, aggregates_export, csv_chunks, headcounts_export
from inventory.services.suppression import (
    PRIMARY,
    SECONDARY,
    Group,
    aggregate_groups,
    aggregate_key,
    aggregate_year_suppression,
    suppress,
)
from tests.factories import HeadcountFactory, OrganisationFactory, SubmissionFactory

pytestmark = pytest.mark.django_db

# A table with row and column totals:
#          c1  c2  c3 | total
#   r1      3  10  12 |  25
#   r2      7   8   9 |  24
#   total  10  18  21 |  49
TABLE = {
    ("r1", "c1"): 3,
    ("r1", "c2"): 10,
    ("r1", "c3"): 12,
    ("r2", "c1"): 7,
    ("r2", "c2"): 8,
    ("r2", "c3"): 9,
    ("r1", "total"): 25,
    ("r2", "total"): 24,
    ("total", "c1"): 10,
    ("total", "c2"): 18,
    ("total", "c3"): 21,
    ("total", "total"): 49,
}
GROUPS = [
    *(Group(tuple((r, c) for c in ("c1", "c2", "c3")), (r, "total")) for r in ("r1", "r2", "total")),
    *(Group(tuple((r, c) for r in ("r1", "r2")), ("total", c)) for c in ("c1", "c2", "c3", "total")),
]


def recoverable(values: Mapping, groups: list[Group], hidden: Mapping) -> list:
    """Hidden cells that equal their group's total minus the shown cells (or a hidden total that equals the sum
    of its shown members)."""
    found = []
    for group in groups:
        members = [m for m in group.members if m in values]
        hidden_members = [m for m in members if m in hidden]
        shown_sum = sum(values[m] for m in members if m not in hidden)
        if group.total is not None and group.total in hidden and not hidden_members:
            found.append(group.total)
        if len(hidden_members) == 0:
            continue
        if group.total is None or group.total not in hidden:
            total = values[group.total] if group.total is not None else sum(values[m] for m in members)
            found += [m for m in hidden_members if values[m] == total - shown_sum]
    return found


def test_a_small_count_is_hidden_and_so_is_the_next_smallest_cell_of_each_of_its_groups() -> None:
    hidden = suppress(TABLE, GROUPS)

    assert {cell for cell, status in hidden.items() if status == PRIMARY} == {("r1", "c1")}
    # Column c1 needs a second cell (r2: 7), then row r2 (c2: 8), then column c2 (r1: 10), which covers row r1.
    assert {cell for cell, status in hidden.items() if status == SECONDARY} == {
        ("r1", "c2"),
        ("r2", "c1"),
        ("r2", "c2"),
    }
    assert recoverable(TABLE, GROUPS, hidden) == []
    for group in GROUPS:
        cells = [*group.members, group.total]
        assert sum(cell in hidden for cell in cells) != 1, group


def test_without_secondary_suppression_the_small_count_would_be_recoverable() -> None:
    primary_only = {("r1", "c1"): PRIMARY}

    assert ("r1", "c1") in recoverable(TABLE, GROUPS, primary_only)


def test_zeros_are_shown_and_only_picked_when_no_other_cell_is_left() -> None:
    values = {"a": 2, "b": 0, "c": 30, "t": 32}
    hidden = suppress(values, [Group(("a", "b", "c"), "t")])

    assert hidden == {"a": PRIMARY, "c": SECONDARY}
    assert recoverable(values, [Group(("a", "b", "c"), "t")], hidden) == []


def test_a_group_whose_total_lives_in_another_file_still_gets_a_second_cell() -> None:
    hidden = suppress({"a": 4, "b": 50, "c": 60}, [Group(("a", "b", "c"))])

    assert hidden == {"a": PRIMARY, "b": SECONDARY}


def test_a_total_hidden_as_a_second_cell_hides_one_of_its_members_too() -> None:
    values = {"m1": 20, "m2": 30, "t": 50, "s": 2, "g": 52}
    groups = [Group(("m1", "m2"), "t"), Group(("t", "s"), "g")]

    hidden = suppress(values, groups)

    assert hidden == {"s": PRIMARY, "t": SECONDARY, "m1": SECONDARY}
    assert recoverable(values, groups, hidden) == []


def test_the_threshold_is_a_setting(settings) -> None:
    settings.SMALL_CELL_THRESHOLD = 10

    hidden = suppress(TABLE, GROUPS)

    assert {cell for cell, status in hidden.items() if status == PRIMARY} == {
        ("r1", "c1"),
        ("r2", "c1"),
        ("r2", "c2"),
        ("r2", "c3"),
    }
    assert recoverable(TABLE, GROUPS, hidden) == []


def test_a_cell_holding_an_estimate_is_hidden_whatever_its_count_and_cannot_be_recovered() -> None:
    values = {"a": 13, "b": 40, "c": 30, "t": 83}
    groups = [Group(("a", "b", "c"), "t")]

    hidden = suppress(values, groups, estimated=["a"])

    # 13 is no small count: its mark must not say "<5" (SECONDARY shows "x"), but it is hidden as a first cell.
    assert hidden == {"a": SECONDARY, "c": SECONDARY}
    assert recoverable(values, groups, hidden) == []
    assert suppress(values, groups) == {}


def test_a_small_estimate_is_a_small_count() -> None:
    hidden = suppress({"a": 2, "b": 40, "t": 42}, [Group(("a", "b"), "t")], estimated=["a"])

    assert hidden == {"a": PRIMARY, "b": SECONDARY}


# --- public files -----------------------------------------------------------------------------------------------


@pytest.fixture
def small_counts(demo_aggregates) -> None:
    """In Diksmuide (32003), where the demo has no trede 3: arbeidszorg (AZ) for two organisations, 3 and 40
    people, and arbeidsmatige activiteiten (AMA) for 2 people of the small one."""
    diksmuide = Region.objects.get(code="32003")
    small = SubmissionFactory(organisation=OrganisationFactory(name="Kleine zorgboerderij", home_region=diksmuide))
    big = SubmissionFactory(organisation=OrganisationFactory(name="Grote zorgboerderij", home_region=diksmuide))
    az, ama = Measure.objects.get(code="AZ"), Measure.objects.get(code="AMA")
    HeadcountFactory(submission=small, measure=az, persons=3, fte=2)
    HeadcountFactory(submission=small, measure=ama, persons=2)
    HeadcountFactory(submission=big, measure=az, persons=40, fte=30)
    Submission.objects.filter(pk__in=[small.pk, big.pk]).update(status=SubmissionStatus.VALIDATED)
    aggregates_recompute(year=2019, full=True)


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader([line for line in text.splitlines(keepends=True) if not line.startswith("#")]))


def test_no_hidden_aggregate_of_a_public_year_can_be_recovered_from_its_totals(small_counts) -> None:
    rows, hidden = aggregate_year_suppression(year=2019, scope="validated")
    values = {aggregate_key(row): row[7] for row in rows}
    groups = aggregate_groups(values, year=2019)

    assert PRIMARY in hidden.values()
    assert SECONDARY in hidden.values()
    for group in groups:
        cells = [c for c in (*group.members, group.total) if c is not None and c in values]
        assert sum(c in hidden for c in cells) != 1
    assert recoverable(values, groups, hidden) == []


def test_a_public_headcount_export_hides_the_small_count_its_fte_and_the_other_organisation(
    small_counts, coordinator_client: Client
) -> None:
    query = {"dataset": "headcounts", "format": "csv", "year": "2019", "region": "32003", "measure": "AZ"}
    public = rows_of(b"".join(coordinator_client.get("/exports/", query | {"public": "1"}).streaming_content).decode())
    internal = rows_of(b"".join(coordinator_client.get("/exports/", query).streaming_content).decode())

    by_name = {r["organisation_name"]: r for r in public}
    assert (by_name["Kleine zorgboerderij"]["persons"], by_name["Kleine zorgboerderij"]["fte"]) == ("<5", "<5")
    assert (by_name["Grote zorgboerderij"]["persons"], by_name["Grote zorgboerderij"]["fte"]) == ("x", "x")
    assert {r["organisation_name"]: r["persons"] for r in internal} == {
        "Kleine zorgboerderij": "3",
        "Grote zorgboerderij": "40",
    }


def test_a_public_aggregate_export_hides_small_counts_in_every_format(small_counts) -> None:
    filters = AggregateFilters(years=[2019], regions=["32003"], treden=[3])

    rows = rows_of("".join(csv_chunks(aggregates_export(filters=filters, public=True))))
    internal = rows_of("".join(csv_chunks(aggregates_export(filters=filters))))

    shown = {(r["group"], r["measure"]): r["persons"] for r in rows}
    assert shown[("arbeidszorg", "AMA")] == "<5"
    # AMA and AZ make up arbeidszorg; the cascade through the regions above hides the group and the trede too.
    assert shown[("arbeidszorg", "AZ")] == "x"
    assert {(r["group"], r["measure"]): r["persons"] for r in internal} == {
        ("", ""): "45",
        ("arbeidszorg", ""): "45",
        ("arbeidszorg", "AMA"): "2",
        ("arbeidszorg", "AZ"): "43",
    }
    public = aggregates_export(filters=filters, public=True)
    sdmx = list(csv.DictReader(io.StringIO("".join(export_format(public, "sdmx")))))
    marks = {r["MAATREGEL"]: (r["OBS_VALUE"], r["CONF_STATUS"]) for r in sdmx}
    assert marks["AMA"] == ("", "C")
    assert marks["AZ"] == ("", "D")

    export = headcounts_export(filters=HeadcountFilters(years=[2019], regions=["32003"], measures=["AZ"]), public=True)
    sdmx = list(csv.DictReader(io.StringIO("".join(export_format(export, "sdmx")))))
    assert {(r["OBS_VALUE"], r["CONF_STATUS"], r["VTE"]) for r in sdmx} == {("", "C", ""), ("", "D", "")}
    stat = json.loads("".join(export_format(export, "jsonstat")))
    assert sorted(stat["status"].values()) == ["<5", "x"]  # AZ: 3 and 40
    assert all(stat["value"][index] is None for index in stat["status"])
    assert stat["extension"]["metadata"]["public"] is True
    assert stat["extension"]["metadata"]["small_cell_threshold"] == 5
    assert any(note.startswith("<5: ") for note in stat["note"])


def export_format(export: Export, fmt: str) -> Iterator[str]:
    chunks = FORMATS[fmt].chunks
    assert chunks is not None
    return chunks(export)


def test_small_aggregates_are_hidden_the_same_way_whatever_the_filters(small_counts) -> None:
    everything = rows_of("".join(csv_chunks(aggregates_export(filters=AggregateFilters(years=[2019]), public=True))))
    one_region = rows_of(
        "".join(csv_chunks(aggregates_export(filters=AggregateFilters(years=[2019], regions=["32003"]), public=True)))
    )

    key = ("region", "trede", "group", "measure")
    full = {tuple(r[k] for k in key): r["persons"] for r in everything}
    assert {tuple(r[k] for k in key): r["persons"] for r in one_region}.items() <= full.items()
    ama = next(r for r in one_region if r["measure"] == "AMA")
    assert ama["persons"] == "<5"
    assert "x" in {r["persons"] for r in one_region}


def test_staff_exports_are_not_touched(small_counts, staff_client: Client) -> None:
    query = {"dataset": "headcounts", "format": "json", "year": "2019", "region": "32003", "measure": "AZ"}
    body = json.loads(b"".join(staff_client.get("/exports/", query).streaming_content))

    assert sorted(r["persons"] for r in body["results"]) == [3, 40]
    assert body["meta"]["public"] is False
    assert "legend" not in body["meta"]


def test_a_higher_threshold_hides_more_and_says_so(small_counts, settings) -> None:
    settings.SMALL_CELL_THRESHOLD = 50
    export = headcounts_export(filters=HeadcountFilters(years=[2019], regions=["32003"], measures=["AZ"]), public=True)
    text = "".join(csv_chunks(export))

    assert {r["persons"] for r in rows_of(text)} == {"<50"}
    assert export.meta["small_cell_threshold"] == 50
    assert "# small_cell_threshold;50" in "".join(csv_chunks(export, excel_nl=True))


@pytest.fixture
def estimates(demo_aggregates) -> None:
    """In Koekelare (32010), where the demo has no trede 3: arbeidszorg (AZ) for 10 people of a care farm and a
    supplier's estimate of 2 (its "<5"), in validated submissions."""
    koekelare = Region.objects.get(code="32010")
    farm = SubmissionFactory(organisation=OrganisationFactory(name="Zorgboerderij Koekelare", home_region=koekelare))
    supplier = SubmissionFactory(
        organisation=OrganisationFactory(name="Leverancier", kind="gegevensleverancier", home_region=koekelare)
    )
    az = Measure.objects.get(code="AZ")
    HeadcountFactory(submission=farm, measure=az, persons=10)
    HeadcountFactory(submission=supplier, measure=az, persons=2, estimated=True)
    Submission.objects.filter(pk__in=[farm.pk, supplier.pk]).update(status=SubmissionStatus.VALIDATED)
    aggregates_recompute(year=2019, full=True)


def test_a_public_aggregate_file_hides_the_municipalitys_cell_that_holds_an_estimate(estimates) -> None:
    public = rows_of(
        "".join(csv_chunks(aggregates_export(filters=AggregateFilters(years=[2019], measures=["AZ"]), public=True)))
    )
    internal = rows_of("".join(csv_chunks(aggregates_export(filters=AggregateFilters(years=[2019], measures=["AZ"])))))

    shown = {r["region"]: r["persons"] for r in public}
    staff = {r["region"]: int(r["persons"]) for r in internal}
    assert staff["32010"] == 12
    assert shown["32010"] == "x"
    # The province and Flanders count the estimate as usual. The arrondissement Diksmuide has no other arbeidszorg:
    # its 12 would show Koekelare's, so secondary suppression hides it, and another arrondissement beside it.
    assert staff["32000"] == 12
    assert shown["32000"] == "x"
    for code in ("30000", "02000"):
        assert shown[code] == str(staff[code]), code
    assert sum(1 for r in public if r["level"] == "arrondissement" and r["persons"] == "x") >= 2


def test_a_public_headcount_file_hides_an_estimated_row_and_a_second_one(estimates) -> None:
    export = headcounts_export(filters=HeadcountFilters(years=[2019], regions=["32010"], measures=["AZ"]), public=True)
    rows = {r["organisation_name"]: r for r in rows_of("".join(csv_chunks(export)))}

    assert (rows["Leverancier"]["persons"], rows["Leverancier"]["estimated"]) == ("<5", "true")
    assert (rows["Zorgboerderij Koekelare"]["persons"], rows["Zorgboerderij Koekelare"]["estimated"]) == ("x", "false")
