"""Completeness of a round and reminders."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import User
from inventory.models import CollectionRound
from inventory.services.completeness import completeness, missing_organisations, reminders_send
from inventory.services.years import round_mark_complete
from tests.factories import CollectionRoundFactory, OrganisationFactory, SubmissionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_2020() -> dict:
    CollectionRoundFactory(year=2020)
    done = OrganisationFactory(name="Klaar vzw", kind="maatwerkbedrijf", email="klaar@example.org")
    checked = OrganisationFactory(name="Nagekeken vzw", kind="arbeidszorg", email="nagekeken@example.org")
    late = OrganisationFactory(name="Laat vzw", kind="maatwerkbedrijf", email="laat@example.org")
    OrganisationFactory(name="Gegevens nv", kind="gegevensleverancier")
    SubmissionFactory(organisation=done, year=2020, status="submitted")
    SubmissionFactory(organisation=checked, year=2020, status="validated")
    SubmissionFactory(organisation=late, year=2020, status="draft")
    return {"late": late}


def test_completeness_counts_expected_submitted_and_validated_per_kind(round_2020) -> None:
    kinds = {row.label: (row.expected, row.submitted, row.validated) for row in completeness(year=2020)["kind"]}
    assert kinds == {"maatwerkbedrijf": (2, 1, 0), "arbeidszorgorganisatie": (1, 1, 1)}
    assert [o.name for o in missing_organisations(year=2020)] == ["Laat vzw"]


def test_reminders_go_at_most_once_per_organisation_per_day(round_2020) -> None:
    assert reminders_send(year=2020) == 1
    assert mail.outbox[0].to == ["laat@example.org"]
    assert reminders_send(year=2020) == 0
    assert len(mail.outbox) == 1


def test_staff_see_the_page_and_queue_reminders(
    staff_client: Client, round_2020, django_capture_on_commit_callbacks
) -> None:
    page = staff_client.get("/beheer/volledigheid/2020/").content.decode()
    assert "Laat vzw" in page
    assert "Klaar vzw" not in page.split("Nog niet ingediend")[1]
    with django_capture_on_commit_callbacks() as callbacks:
        assert staff_client.post("/beheer/volledigheid/2020/herinneren/").status_code == 302
    assert len(callbacks) == 1


def test_the_completeness_page_is_404_for_everyone_but_staff(
    coordinator_client: Client, editor_a_client: Client
) -> None:
    for client in (coordinator_client, editor_a_client):
        assert client.get("/beheer/volledigheid/2020/").status_code == 404
        assert client.post("/beheer/volledigheid/2020/herinneren/").status_code == 404


def overall(client: Client, year: int) -> str:
    page = client.get(f"/beheer/volledigheid/{year}/").content.decode()
    match = re.search(r'<p id="overall">(.*?)</p>', page, re.S)
    assert match, "no overall line"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip()


def test_the_page_says_how_many_organisations_are_validated_against_the_share_required(
    staff_client: Client, round_2020
) -> None:
    CollectionRound.objects.filter(year=2020).update(required_completeness=90)

    assert overall(staff_client, 2020) == (
        "1 van 3 organisaties gevalideerd (33,3 %), vereist 90 %. Het jaar telt als onvolledig: de bevraging is "
        "gesloten met minder dan 90 % van de organisaties gevalideerd."
    )


def test_a_closed_round_with_the_share_required_validated_counts_as_complete(staff_client: Client, round_2020) -> None:
    CollectionRound.objects.filter(year=2020).update(required_completeness=30)

    assert overall(staff_client, 2020).endswith(
        "Het jaar telt als volledig: de bevraging is gesloten met minstens 30 % van de organisaties gevalideerd."
    )


def test_an_open_round_is_not_complete_yet_whatever_the_share(staff_client: Client, round_2020) -> None:
    today = timezone.localdate()
    CollectionRound.objects.filter(year=2020).update(
        opens_on=today - dt.timedelta(days=1), closes_on=today + dt.timedelta(days=9), required_completeness=0
    )

    assert overall(staff_client, 2020).endswith(
        "Het jaar telt als onvolledig: de bevraging loopt nog; een jaar telt pas als volledig na de sluitingsdatum."
    )


def test_a_year_staff_declared_complete_says_so(staff_client: Client, staff_user: User, round_2020) -> None:
    round_mark_complete(round=CollectionRound.objects.get(year=2020), user=staff_user)

    assert overall(staff_client, 2020).endswith("Het jaar telt als volledig: volledig verklaard door POM.")
