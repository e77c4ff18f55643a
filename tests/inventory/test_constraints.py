"""Every named database constraint refuses a bad row at the database level (no model validation involved)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Membership, User
from inventory.models import (
    Aggregate,
    AggregateLeaf,
    CollectionRound,
    ContextFigure,
    Edition,
    EditionContextFigure,
    EditionFigure,
    EditionHeadcount,
    Headcount,
    ImportJob,
    ImportProfile,
    MaintenanceRun,
    Measure,
    Organisation,
    OverlapCorrection,
    Region,
    RegionGrouping,
    Reminder,
    Submission,
)

pytestmark = pytest.mark.django_db

VALID_KBO = "0202239951"


@pytest.fixture
def world() -> dict[str, Any]:
    gewest = Region.objects.create(code="02000", name="Vlaams Gewest", level=Region.Level.GEWEST)
    gemeente = Region.objects.create(code="31005", name="Brugge", level=Region.Level.GEMEENTE, parent=gewest)
    organisation = Organisation.objects.create(kbo=VALID_KBO, name="A", kind="maatwerkbedrijf", home_region=gemeente)
    measure = Measure.objects.create(code="AZ", name="Arbeidszorg", trede=3, mode="collectief", group="arbeidszorg")
    submission = Submission.objects.create(organisation=organisation, year=2019)
    Headcount.objects.create(submission=submission, measure=measure, region=gemeente, persons=5)
    OverlapCorrection.objects.create(year=2019, region=gemeente, trede=5, persons=-1, reason="dubbel geteld")
    ContextFigure.objects.create(year=2019, region=gemeente, indicator="loontrekkenden", value=1, source="x")
    CollectionRound.objects.create(year=2019, opens_on=dt.date(2020, 1, 1), closes_on=dt.date(2020, 3, 31))
    grouping = RegionGrouping.objects.create(code="westhoek", name="Westhoek", first_year=2014)
    edition = Edition.objects.create(name="Inventaris 2019", reference_year=2019, published_on=dt.date(2020, 6, 1))
    EditionFigure.objects.create(edition=edition, year=2019, region=gewest, persons=10)
    EditionHeadcount.objects.create(
        edition=edition, year=2019, organisation=organisation, measure=measure, trede=3, region=gemeente, persons=5
    )
    EditionContextFigure.objects.create(
        edition=edition, year=2019, region=gemeente, indicator="loontrekkenden", value=1, source="x"
    )
    Aggregate.objects.create(year=2019, scope="validated", region=gewest, persons=5, computed_at=timezone.now())
    AggregateLeaf.objects.create(
        year=2019, region=gemeente, measure=measure, validated=5, provisional=5, has_validated=True
    )
    Reminder.objects.create(organisation=organisation, year=2019, sent_on=dt.date(2020, 3, 1))
    user = User.objects.create_user("u", password="x")
    Membership.objects.create(user=user, organisation=organisation)
    dry_run = ImportJob.objects.create(user=user, kind="headcounts", filename="t.csv", data=b"", status="done")
    confirmed = ImportJob.objects.create(
        user=user, kind="headcounts", filename="t.csv", data=b"", dry_run=False, source_job=dry_run
    )
    ImportProfile.objects.create(name="RSZ per gemeente", organisation=organisation, layout={})
    return locals()


def import_job(w: dict[str, Any]) -> dict[str, Any]:
    return {"user": w["user"], "kind": "headcounts", "filename": "t.csv", "data": b""}


def headcount(w: dict[str, Any], **changes: Any) -> Headcount:
    values = {"submission": w["submission"], "measure": w["measure"], "region": w["gewest"], "persons": 1, **changes}
    return Headcount.objects.create(**values)


def aggregate(w: dict[str, Any], **changes: Any) -> Aggregate:
    values = {"year": 2019, "scope": "validated", "region": w["gewest"], "persons": 1, "computed_at": timezone.now()}
    return Aggregate.objects.create(**(values | changes))


BAD_ROWS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("aggregate_unique_key", lambda w: aggregate(w)),
    (
        "reminder_one_per_day",
        lambda w: Reminder.objects.create(organisation=w["organisation"], year=2019, sent_on=dt.date(2020, 3, 1)),
    ),
    ("aggregate_region_xor_grouping", lambda w: aggregate(w, region=None)),
    ("aggregate_region_xor_grouping", lambda w: aggregate(w, grouping=w["grouping"], trede=5)),
    ("aggregate_year_range", lambda w: aggregate(w, year=1900)),
    (
        "aggregateleaf_unique_key",
        lambda w: AggregateLeaf.objects.create(
            year=2019, region=w["gemeente"], measure=w["measure"], validated=1, provisional=1, has_validated=True
        ),
    ),
    ("region_code_five_digits", lambda w: Region.objects.create(code="2000", name="x", level="gemeente")),
    ("region_code_five_digits", lambda w: Region.objects.create(code="3100A", name="x", level="gemeente")),
    ("inventory_region_code_key", lambda w: Region.objects.create(code="31005", name="x", level="gemeente")),
    (
        "region_validity_ordered",
        lambda w: Region.objects.create(code="37099", name="x", level="gemeente", first_year=2020, last_year=2019),
    ),
    (
        "region_successor_has_end",
        lambda w: Region.objects.create(code="37098", name="x", level="gemeente", successor=w["gemeente"]),
    ),
    (
        "regiongrouping_unique_code_version",
        lambda w: RegionGrouping.objects.create(code="westhoek", name="x", first_year=2014),
    ),
    (
        "regiongrouping_validity_ordered",
        lambda w: RegionGrouping.objects.create(code="y", name="y", first_year=2020, last_year=2010),
    ),
    (
        "organisation_kbo_check_digits",
        lambda w: Organisation.objects.create(
            kbo="0202239952", name="x", kind="lde-initiatief", home_region=w["gemeente"]
        ),
    ),
    (
        "organisation_kbo_ten_digits",
        lambda w: Organisation.objects.create(
            kbo="2202239993", name="x", kind="lde-initiatief", home_region=w["gemeente"]
        ),
    ),
    (
        "inventory_organisation_kbo_key",
        lambda w: Organisation.objects.create(
            kbo=VALID_KBO, name="x", kind="lde-initiatief", home_region=w["gemeente"]
        ),
    ),
    (
        "measure_trede_3_to_6",
        lambda w: Measure.objects.create(code="X", name="x", trede=2, mode="individueel", group="g"),
    ),
    (
        "measure_trede_3_to_6",
        lambda w: Measure.objects.create(code="Y", name="x", trede=7, mode="individueel", group="g"),
    ),
    (
        "inventory_measure_code_key",
        lambda w: Measure.objects.create(code="AZ", name="x", trede=3, mode="collectief", group="g"),
    ),
    (
        "measure_validity_ordered",
        lambda w: Measure.objects.create(
            code="Z", name="z", trede=4, mode="individueel", group="g", first_year=2019, last_year=2014
        ),
    ),
    (
        "collectionround_year_range",
        lambda w: CollectionRound.objects.create(
            year=1999, opens_on=dt.date(2000, 1, 1), closes_on=dt.date(2000, 2, 1)
        ),
    ),
    (
        "collectionround_dates_ordered",
        lambda w: CollectionRound.objects.create(
            year=2020, opens_on=dt.date(2021, 3, 1), closes_on=dt.date(2021, 2, 1)
        ),
    ),
    (
        "collectionround_required_completeness_range",
        lambda w: CollectionRound.objects.create(
            year=2020, opens_on=dt.date(2021, 1, 1), closes_on=dt.date(2021, 2, 1), required_completeness=101
        ),
    ),
    (
        "inventory_collectionround_year_key",
        lambda w: CollectionRound.objects.create(
            year=2019, opens_on=dt.date(2020, 1, 1), closes_on=dt.date(2020, 2, 1)
        ),
    ),
    (
        "submission_unique_organisation_year",
        lambda w: Submission.objects.create(organisation=w["organisation"], year=2019),
    ),
    ("submission_year_range", lambda w: Submission.objects.create(organisation=w["organisation"], year=1999)),
    ("submission_year_range", lambda w: Submission.objects.create(organisation=w["organisation"], year=2101)),
    (
        "submission_version_positive",
        lambda w: Submission.objects.create(organisation=w["organisation"], year=2018, version=0),
    ),
    ("headcount_unique_submission_measure_region", lambda w: headcount(w, region=w["gemeente"])),
    ("headcount_persons_not_negative", lambda w: headcount(w, persons=-1)),
    ("headcount_fte_not_negative", lambda w: headcount(w, fte=-0.5)),
    (
        "overlapcorrection_unique_year_region_trede",
        lambda w: OverlapCorrection.objects.create(year=2019, region=w["gemeente"], trede=5, persons=-2, reason="r"),
    ),
    (
        "overlapcorrection_persons_not_positive",
        lambda w: OverlapCorrection.objects.create(year=2019, region=w["gewest"], trede=5, persons=1, reason="r"),
    ),
    (
        "overlapcorrection_year_range",
        lambda w: OverlapCorrection.objects.create(year=2200, region=w["gewest"], trede=5, persons=-1, reason="r"),
    ),
    (
        "overlapcorrection_trede_3_to_6",
        lambda w: OverlapCorrection.objects.create(year=2019, region=w["gewest"], trede=1, persons=-1, reason="r"),
    ),
    (
        "overlapcorrection_reason_required",
        lambda w: OverlapCorrection.objects.create(year=2019, region=w["gewest"], trede=4, persons=-1, reason=""),
    ),
    (
        "contextfigure_unique_year_region_indicator",
        lambda w: ContextFigure.objects.create(
            year=2019, region=w["gemeente"], indicator="loontrekkenden", value=2, source="y"
        ),
    ),
    (
        "contextfigure_year_range",
        lambda w: ContextFigure.objects.create(
            year=1990, region=w["gemeente"], indicator="invaliden", value=2, source="y"
        ),
    ),
    (
        "contextfigure_value_not_negative",
        lambda w: ContextFigure.objects.create(
            year=2019, region=w["gemeente"], indicator="invaliden", value=-2, source="y"
        ),
    ),
    (
        "edition_year_range",
        lambda w: Edition.objects.create(name="Oud", reference_year=1980, published_on=dt.date(1981, 1, 1)),
    ),
    (
        "edition_withdrawn_with_reason",
        lambda w: Edition.objects.create(
            name="Zonder reden",
            reference_year=2019,
            published_on=dt.date(2020, 1, 1),
            withdrawn_at=dt.datetime(2020, 2, 1, tzinfo=dt.UTC),
        ),
    ),
    (
        "editionfigure_unique_key",
        lambda w: EditionFigure.objects.create(edition=w["edition"], year=2019, region=w["gewest"], persons=11),
    ),
    (
        "editionfigure_year_range",
        lambda w: EditionFigure.objects.create(edition=w["edition"], year=3000, region=w["gewest"], persons=1),
    ),
    (
        "editionfigure_region_xor_grouping",
        lambda w: EditionFigure.objects.create(edition=w["edition"], year=2018, persons=1),
    ),
    (
        "editionfigure_region_xor_grouping",
        lambda w: EditionFigure.objects.create(
            edition=w["edition"], year=2018, region=w["gewest"], grouping=w["grouping"], persons=1
        ),
    ),
    (
        "editionheadcount_unique_key",
        lambda w: EditionHeadcount.objects.create(
            edition=w["edition"],
            year=2019,
            organisation=w["organisation"],
            measure=w["measure"],
            trede=3,
            region=w["gemeente"],
            persons=6,
        ),
    ),
    (
        "editioncontextfigure_unique_key",
        lambda w: EditionContextFigure.objects.create(
            edition=w["edition"], year=2019, region=w["gemeente"], indicator="loontrekkenden", value=2, source="y"
        ),
    ),
    (
        "editioncontextfigure_year_range",
        lambda w: EditionContextFigure.objects.create(
            edition=w["edition"], year=1990, region=w["gemeente"], indicator="invaliden", value=2, source="y"
        ),
    ),
    (
        "editionheadcount_year_range",
        lambda w: EditionHeadcount.objects.create(
            edition=w["edition"],
            year=1990,
            organisation=w["organisation"],
            measure=w["measure"],
            trede=3,
            region=w["gemeente"],
            persons=6,
        ),
    ),
    (
        "editionheadcount_persons_not_negative",
        lambda w: EditionHeadcount.objects.create(
            edition=w["edition"],
            year=2018,
            organisation=w["organisation"],
            measure=w["measure"],
            trede=3,
            region=w["gemeente"],
            persons=-1,
        ),
    ),
    (
        "membership_unique_user_organisation",
        lambda w: Membership.objects.create(user=w["user"], organisation=w["organisation"]),
    ),
    (
        "import_job_confirmed_once",
        lambda w: ImportJob.objects.create(**import_job(w), dry_run=False, source_job=w["dry_run"]),
    ),
    (
        "import_job_confirms_a_dry_run",
        lambda w: ImportJob.objects.create(**import_job(w), dry_run=True, source_job=w["confirmed"]),
    ),
    (
        "importprofile_unique_name_any_case",
        lambda w: ImportProfile.objects.create(name="rsz PER gemeente", organisation=w["organisation"], layout={}),
    ),
    (
        "maintenancerun_outcome_when_finished",
        lambda w: MaintenanceRun.objects.create(kind=MaintenanceRun.Kind.BACKUP, ok=True),
    ),
    (
        "maintenancerun_outcome_when_finished",
        lambda w: MaintenanceRun.objects.create(kind=MaintenanceRun.Kind.BACKUP, finished_at=timezone.now()),
    ),
]


@pytest.mark.parametrize(
    ("constraint", "insert"), BAD_ROWS, ids=[f"{name}-{i}" for i, (name, _f) in enumerate(BAD_ROWS)]
)
def test_the_database_refuses_a_row_that_breaks_a_named_constraint(
    world: dict[str, Any], constraint: str, insert: Callable[[dict[str, Any]], Any]
) -> None:
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        insert(world)
    assert constraint in str(excinfo.value)


def test_every_named_check_constraint_of_the_models_is_covered_by_a_bad_row() -> None:
    from django.apps import apps

    declared = {
        constraint.name
        for model in apps.get_app_config("inventory").get_models()
        for constraint in model._meta.constraints
    } | {"membership_unique_user_organisation"}
    assert declared <= {name for name, _insert in BAD_ROWS}


def test_a_kbo_that_is_not_a_number_never_reaches_the_table(world: dict[str, Any]) -> None:
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Organisation.objects.create(kbo="abcdefghij", name="x", kind="lde-initiatief", home_region=world["gemeente"])
    with connection.cursor() as cursor:
        cursor.execute("select count(*) from inventory_organisation")
        assert cursor.fetchone() == (1,)
