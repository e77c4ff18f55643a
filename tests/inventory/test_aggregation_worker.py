"""Freshness through the real Celery worker on Redis: no recompute called by hand."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.db import connections

from config.celery import app
from inventory.models import Aggregate, AggregateYear, Headcount, Measure, Region, Submission
from inventory.selectors.figures import aggregates_freshness
from inventory.services import aggregation, submissions
from inventory.services.reference import reference_load
from inventory.tasks import sweep_aggregates
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)
YEAR = 2019


def wait_for(condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the aggregates did not become fresh in time")
        time.sleep(0.05)


def west_vlaanderen_total(scope: str = "provisional") -> int | None:
    row = Aggregate.objects.filter(year=YEAR, scope=scope, region__code="30000", trede__isnull=True).first()
    return row.persons if row else None


def fresh() -> bool:
    return (
        AggregateYear.objects.filter(year=YEAR, computed_at__isnull=False).exists()
        and not aggregates_freshness([YEAR]).pending
    )


@pytest.fixture
def submission(transactional_db) -> Submission:
    reference_load()
    organisation = OrganisationFactory(home_region=Region.objects.get(code="31005"))
    return Submission.objects.create(organisation=organisation, year=YEAR, status="submitted")


def test_a_headcount_saved_through_the_service_reaches_the_aggregates_by_itself(worker, submission) -> None:
    submissions.headcount_save(
        submission=submission,
        measure=Measure.objects.get(code="AZ"),
        region=submission.organisation.home_region,
        persons=42,
    )
    wait_for(lambda: west_vlaanderen_total() == 42 and fresh())
    submissions.headcount_save(
        submission=submission,
        measure=Measure.objects.get(code="IBO"),
        region=Region.objects.get(code="34022"),
        persons=8,
    )
    wait_for(lambda: west_vlaanderen_total() == 50 and fresh())
    assert west_vlaanderen_total("validated") is None
    submissions.submission_validate(submission=submission, user=None)
    wait_for(lambda: west_vlaanderen_total("validated") == 50 and fresh())


def test_with_the_broker_unreachable_the_save_succeeds_and_the_sweep_catches_up(worker, submission, settings) -> None:
    measure, region = Measure.objects.get(code="AZ"), submission.organisation.home_region
    submissions.headcount_save(submission=submission, measure=measure, region=region, persons=10)
    wait_for(lambda: west_vlaanderen_total() == 10 and fresh())

    # Redis goes away for the web process: nothing listens on port 1.
    redis_url = settings.REDIS_URL
    point_at_redis("redis://127.0.0.1:1/0", settings)
    try:
        submissions.headcount_save(submission=submission, measure=measure, region=region, persons=25)
    finally:
        point_at_redis(redis_url, settings)
    assert Headcount.objects.get(submission=submission, measure=measure, region=region).persons == 25
    assert west_vlaanderen_total() == 10
    assert aggregates_freshness([YEAR]).pending

    sweep_aggregates.delay()
    wait_for(lambda: west_vlaanderen_total() == 25 and fresh())


def point_at_redis(url: str, settings) -> None:
    """Our own Redis client and Celery's producer both talk to `url` from now on."""
    settings.REDIS_URL = url
    aggregation.redis_client.cache_clear()
    app.conf.broker_url = url
    # Celery keeps its connection and producer pools; drop them so that the next publish connects anew.
    app._pool = None
    app.amqp._producer_pool = None


def test_a_burst_of_edits_coalesces_into_far_fewer_recomputes(worker, submission) -> None:
    measure = Measure.objects.get(code="AZ")
    municipalities = list(Region.objects.municipalities().filter(parent__parent__code="30000").valid_in(YEAR)[:20])
    runs_before = count_recomputes()
    for i in range(100):
        submissions.headcount_save(submission=submission, measure=measure, region=municipalities[i % 20], persons=i)
    expected = sum(range(80, 100))
    wait_for(lambda: west_vlaanderen_total() == expected and fresh())
    assert count_recomputes() - runs_before < 100


def count_recomputes() -> int:
    return AggregateYear.objects.filter(year=YEAR).values_list("runs", flat=True).first() or 0


def test_a_dead_broker_behind_a_live_redis_does_not_fail_the_save_nor_block_later_queueing(
    worker, submission, settings
) -> None:
    measure, region = Measure.objects.get(code="AZ"), submission.organisation.home_region
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app._pool = None
    app.amqp._producer_pool = None
    try:
        submissions.headcount_save(submission=submission, measure=measure, region=region, persons=5)
        assert aggregation.redis_client().get(aggregation.QUEUED_KEY.format(year=YEAR)) is None
    finally:
        point_at_redis(settings.REDIS_URL, settings)
    assert aggregates_freshness([YEAR]).pending
    submissions.headcount_save(submission=submission, measure=measure, region=region, persons=6)
    wait_for(lambda: west_vlaanderen_total() == 6 and fresh())


def test_two_recomputes_of_the_same_year_never_run_at_once(submission) -> None:
    """A second recompute waits on the first one's advisory lock (held here by another connection)."""
    import threading

    import psycopg
    from django.db import connection

    from inventory.services.aggregation import LOCK_NAMESPACE, aggregates_recompute

    submissions.headcount_save(
        submission=submission,
        measure=Measure.objects.get(code="AZ"),
        region=submission.organisation.home_region,
        persons=3,
    )
    params = connection.get_connection_params()
    holder = psycopg.connect(**{k: v for k, v in params.items() if k in ("dbname", "user", "host", "port", "password")})
    holder.execute("select pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, YEAR])
    results = []
    thread = threading.Thread(target=lambda: (results.append(aggregates_recompute(year=YEAR)), connections.close_all()))
    thread.start()
    try:
        wait_for(
            lambda: (
                holder.execute(
                    "select count(*) from pg_locks where locktype = 'advisory' and not granted and objid = %s", [YEAR]
                ).fetchone()[0]
                == 1
            )
        )
        assert results == []
        assert west_vlaanderen_total() is None
    finally:
        holder.commit()
        holder.close()
    thread.join(timeout=30)
    assert results[0].rows > 0
    assert west_vlaanderen_total() == 3


def test_the_recompute_command_runs_the_service_for_every_year_or_one(submission) -> None:
    from io import StringIO

    from django.core.management import call_command

    submissions.headcount_save(
        submission=submission,
        measure=Measure.objects.get(code="AZ"),
        region=submission.organisation.home_region,
        persons=9,
    )
    out = StringIO()
    call_command("recompute_aggregates", "--year", str(YEAR), stdout=out)
    assert out.getvalue().startswith(f"{YEAR}: ")
    assert west_vlaanderen_total() == 9
    assert not aggregates_freshness([YEAR]).pending
