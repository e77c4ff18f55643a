"""The audit trail: database triggers record every change to headcounts and submissions (bulk imports through
COPY and INSERT ... ON CONFLICT included) with who, when, old -> new and why; submission_history reads it."""

from __future__ import annotations

from pathlib import Path

import pghistory
import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from inventory.models import (
    HeadcountEvent,
    Organisation,
    Submission,
    SubmissionStatus,
)
from inventory.selectors.history import HistoryEntry, submission_history
from inventory.services import submissions
from inventory.services.imports import headcounts_import
from tests.factories import HeadcountFactory, MeasureFactory, OrganisationFactory, RegionFactory, SubmissionFactory

pytestmark = pytest.mark.django_db

HEADER = "year,organisation,measure,region,persons"


def latest(submission: Submission) -> HistoryEntry:
    return submission_history(submission=submission)[0]


def test_a_headcount_change_through_the_service_records_old_and_new_with_the_user_and_the_source(
    editor_a: User, organisation_a: Organisation
) -> None:
    headcount = HeadcountFactory(
        submission__organisation=organisation_a,
        measure=MeasureFactory(code="CMW-BED", name="Maatwerkbedrijf"),
        region=RegionFactory(code="31005", name="Brugge"),
        persons=12,
    )

    # What the middleware records for a request of the portal.
    with pghistory.context(user=editor_a.pk, url="/portaal/1/2019/"):
        submissions.headcount_save(
            submission=headcount.submission,
            measure=headcount.measure,
            region=headcount.region,
            persons=40,
            headcount=headcount,
        )

    entry = latest(headcount.submission)
    assert (entry.user, entry.action, entry.object, entry.source) == (
        "editor_a",
        "gewijzigd",
        "Maatwerkbedrijf (CMW-BED) in Brugge",
        "website",
    )
    assert entry.changes == [("personen", "12", "40")]
    assert list(HeadcountEvent.objects.filter(pgh_obj=headcount).values_list("pgh_label", "persons")) == [
        ("insert", 12),
        ("update", 40),
    ]


def test_a_deleted_headcount_stays_in_the_history_with_its_last_figure(staff_user: User) -> None:
    headcount = HeadcountFactory(
        persons=1234,
        measure=MeasureFactory(code="VOP", name="Ondersteuningspremie"),
        region=RegionFactory(code="31005", name="Brugge"),
    )

    with pghistory.context(user=staff_user.pk, url="/admin/inventory/headcount/1/delete/"):
        submissions.headcount_delete(headcount=headcount)

    entry = latest(headcount.submission)
    assert (entry.user, entry.action, entry.object, entry.source) == (
        "pom",
        "verwijderd",
        "Ondersteuningspremie (VOP) in Brugge",
        "beheer",
    )
    assert entry.changes == [("personen", "1.234", "")]


def test_returning_a_submission_records_the_status_change_with_the_comment(staff_user: User) -> None:
    submission = SubmissionFactory(status=SubmissionStatus.SUBMITTED)

    submissions.submission_return(submission=submission, user=staff_user, comment="Trede 4 ontbreekt.")

    entry = latest(submission)
    assert (entry.user, entry.action, entry.reason) == ("pom", "status: teruggestuurd", "Trede 4 ontbreekt.")
    assert ("status", "ingediend", "teruggestuurd") in entry.changes
    assert ("reden van terugsturen", "", "Trede 4 ontbreekt.") in entry.changes


def test_validating_and_reopening_record_who_and_the_reason(staff_user: User, coordinator: User) -> None:
    submission = SubmissionFactory(status=SubmissionStatus.SUBMITTED)

    submissions.submission_validate(submission=submission, user=staff_user)
    submissions.submission_reopen(submission=submission, user=coordinator, reason="Correctie VDAB-cijfers.")

    reopened, validated, *_ = submission_history(submission=submission)
    assert (validated.user, validated.action, validated.reason) == ("pom", "status: gevalideerd", "")
    assert ("gevalideerd door", "", "pom") in validated.changes
    assert (reopened.user, reopened.action, reopened.reason) == ("coordinator", "heropend", "Correctie VDAB-cijfers.")
    assert ("status", "gevalideerd", "ingediend") in reopened.changes


# Each import in a transaction of its own, as outside tests: a savepoint would hand the context on before the COPY.
@pytest.mark.django_db(transaction=True)
def test_a_csv_import_records_new_rows_and_then_old_and_new_of_a_changed_figure(staff_user: User) -> None:
    organisation = OrganisationFactory(home_region=RegionFactory(code="31005", name="Brugge"))
    MeasureFactory(code="VOP", name="Ondersteuningspremie", first_year=2014)
    MeasureFactory(code="IBO", name="Beroepsopleiding", first_year=2014)
    MeasureFactory(code="DC", name="Dienstencheques", first_year=2014)
    kbo = organisation.kbo

    first = headcounts_import(
        data=f"{HEADER}\n2019,{kbo},VOP,31005,10\n2019,{kbo},IBO,31005,3\n".encode(),
        filename="/tmp/upload/januari.csv",
        user=staff_user,
    )
    # Without a new submission nothing but the COPY of the new DC row comes before the changed VOP row.
    second = headcounts_import(
        data=f"{HEADER}\n2019,{kbo},VOP,31005,11\n2019,{kbo},IBO,31005,3\n2019,{kbo},DC,31005,8\n".encode(),
        filename="februari.csv",
        user=None,
    )

    assert first.ok, first.errors
    assert second.ok, second.errors
    assert (second.created, second.updated, second.unchanged) == (1, 1, 1)
    submission = Submission.objects.get(organisation=organisation, year=2019)
    entries = {(e.object, e.action): e for e in submission_history(submission=submission)}
    assert set(entries) == {
        ("Ondersteuningspremie (VOP) in Brugge", "aangemaakt"),
        ("Beroepsopleiding (IBO) in Brugge", "aangemaakt"),
        ("Ondersteuningspremie (VOP) in Brugge", "gewijzigd"),
        ("Dienstencheques (DC) in Brugge", "aangemaakt"),
        ("aangifte 2019", "aangemaakt"),
    }
    created = entries[("Beroepsopleiding (IBO) in Brugge", "aangemaakt")]
    assert (created.user, created.source) == ("pom", "import van januari.csv")
    assert created.changes == [("personen", "", "3")]
    changed = entries[("Ondersteuningspremie (VOP) in Brugge", "gewijzigd")]
    assert (changed.user, changed.source, changed.changes) == (
        None,
        "import van februari.csv",
        [("personen", "10", "11")],
    )
    assert entries[("Dienstencheques (DC) in Brugge", "aangemaakt")].source == "import van februari.csv"


def test_an_import_command_records_the_command_and_the_file(staff_user: User, tmp_path: Path) -> None:
    organisation = OrganisationFactory(home_region=RegionFactory(code="31005", name="Brugge"))
    MeasureFactory(code="VOP", name="Ondersteuningspremie", first_year=2014)
    path = tmp_path / "tellingen.csv"
    path.write_text(f"{HEADER}\n2019,{organisation.kbo},VOP,31005,10\n")

    call_command("import_headcounts", str(path), "--user", "pom")

    entry = latest(Submission.objects.get(organisation=organisation))
    assert (entry.user, entry.source) == ("pom", "import van tellingen.csv, opdracht import_headcounts")


def test_a_change_in_the_admin_records_the_admin_user(staff_client: Client, staff_user: User) -> None:
    headcount = HeadcountFactory(persons=12)
    submission = headcount.submission
    url = reverse("admin:inventory_submission_change", args=[submission.pk])
    prefix = "headcounts-0-"

    response = staff_client.post(
        url,
        {
            "organisation": submission.organisation_id,
            "year": submission.year,
            "note": "",
            "headcounts-TOTAL_FORMS": 1,
            "headcounts-INITIAL_FORMS": 1,
            "headcounts-MIN_NUM_FORMS": 0,
            "headcounts-MAX_NUM_FORMS": 1000,
            f"{prefix}id": headcount.pk,
            f"{prefix}submission": submission.pk,
            f"{prefix}measure": headcount.measure_id,
            f"{prefix}region": headcount.region_id,
            f"{prefix}persons": 15,
            f"{prefix}fte": "",
            f"{prefix}explanation": "",
        },
    )

    assert response.status_code == 302
    entry = latest(submission)
    assert (entry.user, entry.action, entry.changes, entry.source) == (
        "pom",
        "gewijzigd",
        [("personen", "12", "15")],
        "beheer",
    )


def test_the_submission_change_page_shows_its_history(staff_client: Client) -> None:
    headcount = HeadcountFactory(
        measure=MeasureFactory(code="CMW-BED", name="Maatwerkbedrijf"),
        region=RegionFactory(code="31005", name="Brugge"),
    )

    response = staff_client.get(reverse("admin:inventory_submission_change", args=[headcount.submission_id]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<caption>Geschiedenis: wie wijzigde wat, wanneer en waarom</caption>" in html
    assert "Maatwerkbedrijf (CMW-BED) in Brugge" in html
    assert [entry.object for entry in response.context["history"]] == [
        "Maatwerkbedrijf (CMW-BED) in Brugge",
        "aangifte 2019",
    ]


def test_the_event_lists_in_the_admin_show_old_and_new_read_only_and_for_staff(
    staff_client: Client, editor_a_client: Client, staff_user: User
) -> None:
    headcount = HeadcountFactory(
        persons=12,
        measure=MeasureFactory(code="VOP", name="Ondersteuningspremie"),
        region=RegionFactory(code="31005", name="Brugge"),
    )
    with pghistory.context(user=staff_user.pk, url="/admin/"):
        submissions.headcount_save(
            submission=headcount.submission,
            measure=headcount.measure,
            region=headcount.region,
            persons=40,
            headcount=headcount,
        )
    url = reverse("admin:inventory_headcountevent_changelist")

    response = staff_client.get(url)

    assert response.status_code == 200
    newest = response.context["cl"].result_list[0].history
    assert (newest.object, newest.action, newest.user) == (
        f"{headcount.submission}: Ondersteuningspremie (VOP) in Brugge",
        "gewijzigd",
        "pom",
    )
    assert "personen: 12 → 40" in response.content.decode()
    event = HeadcountEvent.objects.filter(pgh_obj=headcount).first()
    assert staff_client.get(reverse("admin:inventory_headcountevent_change", args=[event.pk])).status_code == 200
    assert staff_client.get(reverse("admin:inventory_headcountevent_add")).status_code == 403
    assert staff_client.post(reverse("admin:inventory_headcountevent_delete", args=[event.pk])).status_code == 403
    assert editor_a_client.get(url).status_code == 302


def test_the_history_is_newest_first_in_a_fixed_number_of_queries(
    staff_user: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    def changed_submission(headcounts: int) -> Submission:
        submission = SubmissionFactory()
        rows = [HeadcountFactory(submission=submission, region=RegionFactory()) for _ in range(headcounts)]
        for row in rows:
            with pghistory.context(user=staff_user.pk):
                submissions.headcount_save(
                    submission=submission, measure=row.measure, region=row.region, persons=99, headcount=row
                )
        submissions.submission_validate(submission=submission, user=staff_user)
        return submission

    for size in (2, 20):
        submission = changed_submission(size)
        with django_assert_max_num_queries(5):
            history = submission_history(submission=submission)
        assert len(history) == 1 + 2 * size + 1
        assert history[0].action == "status: gevalideerd"
        assert history[-1].object == "aangifte 2019"
        assert [entry.at for entry in history] == sorted((entry.at for entry in history), reverse=True)


def test_the_fragment_is_an_accessible_table() -> None:
    submission = SubmissionFactory()
    HeadcountFactory(
        submission=submission,
        measure=MeasureFactory(code="VOP", name="Ondersteuningspremie"),
        region=RegionFactory(code="31005", name="Brugge"),
    )

    html = render_to_string("inventory/_history.html", {"history": submission_history(submission=submission)})

    assert "<caption>" in html
    assert html.count('<th scope="col">') == 7
    assert html.count('<th scope="row">') == 2
    assert "Ondersteuningspremie (VOP) in Brugge" in html


def test_events_cannot_be_changed_or_deleted() -> None:
    HeadcountFactory()

    with pytest.raises(Exception, match="Cannot update or delete"):
        HeadcountEvent.objects.update(persons=0)
