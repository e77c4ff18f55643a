"""The e-mails of the yearly cycle: who gets them, what they say, and the absolute link each carries."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core import mail
from django.utils import translation

from accounts.models import User
from inventory.models import Reminder, Submission
from inventory.services import submissions
from inventory.services.completeness import reminders_send
from inventory.services.notifications import submission_notify
from tests.factories import (
    CollectionRoundFactory,
    HeadcountFactory,
    MembershipFactory,
    OrganisationFactory,
    SubmissionFactory,
    UserFactory,
)

SITE = "https://inventaris.pomwvl.example"


@pytest.fixture(autouse=True)
def site_url(settings) -> None:
    settings.SITE_URL = SITE


@pytest.fixture
def pom_staff(db: None) -> list[User]:
    UserFactory(username="oud-personeel", is_staff=True, is_active=False)  # left POM: no mail
    UserFactory(username="zonder-adres", is_staff=True, email="")
    UserFactory(username="coordinator", is_coordinator=True)  # not staff
    return [UserFactory(username="an", is_staff=True), UserFactory(username="bert", is_staff=True, is_superuser=True)]


@pytest.fixture
def draft(db: None) -> Submission:
    organisation = OrganisationFactory(name="Werkplaats Zuid", email="info@werkplaats.example")
    MembershipFactory(organisation=organisation, user=UserFactory(email="invoerder@werkplaats.example"))
    submission = SubmissionFactory(organisation=organisation, year=2020, status="draft")
    HeadcountFactory(submission=submission, persons=40)
    return submission


def form_link(submission: Submission) -> str:
    return f"{SITE}/portaal/{submission.organisation_id}/{submission.year}/"


@pytest.mark.django_db
def test_submitting_queues_a_receipt_to_the_organisation_and_a_notice_to_staff(
    draft, pom_staff, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        submissions.submission_submit(submission=draft, user=None)
    assert len(callbacks) >= 1, "the mails are queued after the commit"

    assert submission_notify(submission_id=draft.pk, event="submitted") == 2
    receipt, notice = mail.outbox
    assert receipt.to == ["info@werkplaats.example", "invoerder@werkplaats.example"]
    assert receipt.subject == "Ontvangstbevestiging: uw aangifte 2020"
    assert form_link(draft) in receipt.body
    assert notice.to == ["an@example.be", "bert@example.be"]
    assert notice.subject == "Nieuwe aangifte 2020: Werkplaats Zuid"
    assert f"{SITE}/beheer/aangiften/{draft.pk}/" in notice.body


@pytest.mark.django_db
def test_without_staff_addresses_the_receipt_still_goes(draft) -> None:
    assert submission_notify(submission_id=draft.pk, event="submitted") == 1
    assert [m.subject for m in mail.outbox] == ["Ontvangstbevestiging: uw aangifte 2020"]


@pytest.mark.django_db
def test_the_validated_mail_links_to_the_organisations_form(draft, pom_staff) -> None:
    Submission.objects.filter(pk=draft.pk).update(status="validated")
    assert submission_notify(submission_id=draft.pk) == 1
    (message,) = mail.outbox
    assert message.to == ["info@werkplaats.example", "invoerder@werkplaats.example"]
    assert message.subject == "Uw aangifte 2020 is gevalideerd"
    assert form_link(draft) in message.body


@pytest.mark.django_db
def test_the_returned_mail_carries_poms_comment_and_the_link_to_correct(draft, pom_staff) -> None:
    Submission.objects.filter(pk=draft.pk).update(status="submitted")
    submissions.submission_return(submission=draft, user=pom_staff[0], comment="Regio Oostkamp ontbreekt")
    assert submission_notify(submission_id=draft.pk, event="returned") == 1
    (message,) = mail.outbox
    assert message.subject == "Uw aangifte 2020 is teruggestuurd"
    assert "Regio Oostkamp ontbreekt" in message.body
    assert form_link(draft) in message.body


@pytest.mark.django_db
def test_the_mail_is_in_dutch_whatever_language_the_sender_has_active(draft) -> None:
    Submission.objects.filter(pk=draft.pk).update(status="validated")
    with translation.override("en"):
        submission_notify(submission_id=draft.pk)
    assert mail.outbox[0].subject == "Uw aangifte 2020 is gevalideerd"


@pytest.mark.django_db
def test_the_reminder_names_the_rounds_deadline_and_links_to_the_form(draft) -> None:
    CollectionRoundFactory(year=2020, opens_on=dt.date(2021, 1, 15), closes_on=dt.date(2021, 3, 31))
    assert reminders_send(year=2020) == 1
    (message,) = mail.outbox
    assert message.to == ["info@werkplaats.example", "invoerder@werkplaats.example"]
    assert message.subject == "Herinnering: aangifte 2020, uiterlijk 31 maart 2021"
    assert "De bevraging sluit op 31 maart 2021." in message.body
    assert form_link(draft) in message.body


@pytest.mark.django_db
def test_a_year_without_a_round_sends_no_reminders(draft) -> None:
    assert reminders_send(year=2020) == 0
    assert mail.outbox == []
    assert not Reminder.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_submission_sent_through_the_service_reaches_the_mailboxes_through_the_worker(worker, draft, pom_staff):
    submissions.submission_submit(submission=draft, user=None)
    deadline = time.monotonic() + 20
    while len(mail.outbox) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(m.subject for m in mail.outbox) == [
        "Nieuwe aangifte 2020: Werkplaats Zuid",
        "Ontvangstbevestiging: uw aangifte 2020",
    ]
