"""Staff review: the queue (filter, sort, paginate, export), the review page and its steps, the e-mails."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from inventory.models import Headcount, Submission
from inventory.services.notifications import submission_notify
from tests.factories import (
    HeadcountFactory,
    MeasureFactory,
    MembershipFactory,
    OrganisationFactory,
    RegionFactory,
    SubmissionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted() -> Submission:
    organisation = OrganisationFactory(name="Werkplaats Zuid", email="info@werkplaats.example")
    MembershipFactory(organisation=organisation, user=UserFactory(email="invoerder@werkplaats.example"))
    submission = SubmissionFactory(organisation=organisation, year=2020, status="submitted")
    HeadcountFactory(submission=submission, persons=40)
    return submission


def test_staff_see_submitted_submissions_in_the_queue_filtered_and_exported(staff_client: Client, submitted) -> None:
    SubmissionFactory(organisation__name="Nog bezig vzw", status="draft")
    page = staff_client.get("/beheer/aangiften/").content.decode()
    assert "Werkplaats Zuid" in page
    assert "Nog bezig vzw" not in page
    assert "Werkplaats Zuid" not in staff_client.get("/beheer/aangiften/?status=validated").content.decode()
    rows = list(csv.DictReader(io.StringIO(staff_client.get("/beheer/aangiften/?export=csv").content.decode())))
    assert [(r["organisation"], r["status"]) for r in rows] == [("Werkplaats Zuid", "submitted")]


def test_the_queue_and_review_pages_are_404_for_everyone_but_staff(
    coordinator_client: Client, editor_a_client: Client, submitted
) -> None:
    for client in (coordinator_client, editor_a_client):
        assert client.get("/beheer/aangiften/").status_code == 404
        assert client.get(f"/beheer/aangiften/{submitted.pk}/").status_code == 404
        assert client.post(f"/beheer/aangiften/{submitted.pk}/validate/").status_code == 404
    assert Submission.objects.get(pk=submitted.pk).status == "submitted"


def test_validating_locks_the_submission_and_mails_the_organisation(
    staff_client: Client, submitted, django_capture_on_commit_callbacks
) -> None:
    page = staff_client.get(f"/beheer/aangiften/{submitted.pk}/").content.decode()
    assert "Valideren" in page
    with django_capture_on_commit_callbacks() as callbacks:
        assert staff_client.post(f"/beheer/aangiften/{submitted.pk}/validate/").status_code == 302
    assert Submission.objects.get(pk=submitted.pk).status == "validated"
    assert callbacks, "a notification is queued on commit"
    assert submission_notify(submission_id=submitted.pk) == 1
    assert sorted(mail.outbox[0].to) == ["info@werkplaats.example", "invoerder@werkplaats.example"]
    assert "gevalideerd" in mail.outbox[0].subject


def test_returning_needs_a_comment_that_the_mail_carries(staff_client: Client, submitted) -> None:
    staff_client.post(f"/beheer/aangiften/{submitted.pk}/return/", {"text": " "})
    assert Submission.objects.get(pk=submitted.pk).status == "submitted"
    staff_client.post(f"/beheer/aangiften/{submitted.pk}/return/", {"text": "Regio ontbreekt"})
    assert Submission.objects.get(pk=submitted.pk).status == "returned"
    submission_notify(submission_id=submitted.pk)
    assert "Regio ontbreekt" in mail.outbox[0].body


def test_reopening_a_validated_submission_needs_a_reason(staff_client: Client, submitted) -> None:
    Submission.objects.filter(pk=submitted.pk).update(status="validated")
    staff_client.post(f"/beheer/aangiften/{submitted.pk}/reopen/", {"text": ""})
    assert Submission.objects.get(pk=submitted.pk).status == "validated"
    staff_client.post(f"/beheer/aangiften/{submitted.pk}/reopen/", {"text": "Correctie van VDAB"})
    reopened = Submission.objects.get(pk=submitted.pk)
    assert (reopened.status, reopened.reopen_reason) == ("submitted", "Correctie van VDAB")
    assert Headcount.objects.filter(submission=reopened).exists()


def test_the_queue_runs_the_same_few_queries_whatever_the_number_of_submissions(
    staff_client: Client, django_assert_max_num_queries
) -> None:
    for _ in range(30):
        SubmissionFactory(status="submitted")
    with django_assert_max_num_queries(20):
        assert staff_client.get("/beheer/aangiften/").status_code == 200


def test_the_review_page_shows_the_history_with_who_and_why(staff_client: Client, submitted, staff_user) -> None:
    staff_client.post(f"/beheer/aangiften/{submitted.pk}/return/", {"text": "Regio ontbreekt"})
    page = staff_client.get(f"/beheer/aangiften/{submitted.pk}/").content.decode()
    assert "Regio ontbreekt" in page
    assert staff_user.username in page


def test_the_queue_counts_each_submissions_plausibility_flags_as_the_service_does(
    staff_client: Client, submitted
) -> None:
    from inventory.services.plausibility import plausibility_flags

    headcount = submitted.headcounts.get()
    last_year = SubmissionFactory(organisation=submitted.organisation, year=2019, status="validated")
    HeadcountFactory(submission=last_year, measure=headcount.measure, region=headcount.region, persons=10)
    HeadcountFactory(submission=last_year, persons=25)  # reported last year, missing now
    quiet = SubmissionFactory(status="submitted")

    table = staff_client.get("/beheer/aangiften/").context["table"]

    assert table.flag_counts[submitted.pk] == len(plausibility_flags(submission=submitted)) == 2
    assert table.flag_counts[quiet.pk] == 0


def test_a_vte_total_that_leaves_out_rows_without_vte_says_for_how_many_rows_it_holds(
    staff_client: Client, submitted
) -> None:
    Headcount.objects.filter(submission=submitted).update(fte=Decimal("10"))
    with_vte = MeasureFactory(code="MET-VTE")
    HeadcountFactory(submission=submitted, measure=with_vte, persons=5, fte=Decimal("2.5"))
    without = MeasureFactory(code="ZONDER-VTE")
    HeadcountFactory(submission=submitted, measure=without, persons=3)
    HeadcountFactory(submission=submitted, measure=without, region=RegionFactory(), persons=2, fte=Decimal("1"))

    page = staff_client.get(f"/beheer/aangiften/{submitted.pk}/").content.decode()

    total = page[page.index("<tfoot>") : page.index("</tfoot>")]
    assert '13,5 <span class="small">(voor 3 van 4 rijen opgegeven)</span>' in total
    subtotals = [row for row in page.split("<tr") if 'class="subtotal"' in row]
    assert "(voor 1 van 2 rijen opgegeven)" in next(row for row in subtotals if "Totaal ZONDER-VTE" in row)
    assert "opgegeven" not in next(row for row in subtotals if "Totaal MET-VTE" in row)


def test_the_review_page_explains_what_the_version_number_counts(staff_client: Client, submitted) -> None:
    page = staff_client.get(f"/beheer/aangiften/{submitted.pk}/").content.decode()

    assert f"versie {submitted.version}" in page
    assert "Het versienummer stijgt met één bij elke wijziging van de aangifte" in page
