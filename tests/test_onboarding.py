"""Onboarding per round: how far each expected organisation got, counted per state, and the two nudges (invite the
contact, send the round's reminder); bounced addresses (`manage.py mark_bounce`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import BouncedAddress, Invitation, MembershipRole, User
from config.celery import app
from inventory.models import Organisation
from inventory.selectors.onboarding import onboarding_counts, onboarding_rows
from tests.factories import CollectionRoundFactory, MembershipFactory, OrganisationFactory, SubmissionFactory

pytestmark = pytest.mark.django_db

URL = "/beheer/onboarding/2020/"


@pytest.fixture
def tasks_run_here() -> Iterator[None]:
    """Queued mails are sent in this process, as a worker would."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def invitation(organisation: Organisation, email: str, **fields: object) -> Invitation:
    now = timezone.now()
    values: dict[str, object] = {"sent_at": now, "send_count": 1, "expires_at": now + dt.timedelta(days=7)}
    return Invitation.objects.create(email=email, organisation=organisation, role="contact", **{**values, **fields})


@pytest.fixture
def round_2020(db: None) -> dict[str, Organisation]:
    """One organisation in each state (stuck invitations for each of their four reasons), and two that are not
    expected (a data supplier, an inactive organisation)."""
    CollectionRoundFactory(year=2020)
    now = timezone.now()
    o = {key: OrganisationFactory(name=f"{key} vzw", email=f"{key}@example.be") for key in STATES}
    # Neither a revoked invitation nor a deactivated member is an account.
    invitation(o["geen"], "weg@example.be", revoked_at=now)
    MembershipFactory(organisation=o["geen"], user__is_active=False)
    invitation(o["uitgenodigd"], "nieuw@example.be")
    invitation(o["uitgenodigd"], "oud@example.be", expires_at=now - dt.timedelta(days=1))  # one still works
    invitation(o["verlopen"], "traag@example.be", expires_at=now - dt.timedelta(days=1))
    invitation(o["teruggekaatst"], "vol@example.be", bounced_at=now)
    invitation(o["verzendfout"], "fout@example.be", send_error="550 mailbox unavailable")
    invitation(o["adres"], "kapot@example.be")
    BouncedAddress.objects.create(email="kapot@example.be")
    MembershipFactory(organisation=o["nooit"], user__last_login=None)
    MembershipFactory(organisation=o["aangemeld"], user__last_login=now - dt.timedelta(days=3))
    SubmissionFactory(organisation=o["aangemeld"], year=2019, validated=True)  # another year's
    for key, status in (("ontwerp", "draft"), ("teruggestuurd", "returned"), ("ingediend", "submitted")):
        SubmissionFactory(organisation=o[key], year=2020, status=status)
    SubmissionFactory(organisation=o["gevalideerd"], year=2020, validated=True)
    OrganisationFactory(name="leverancier nv", kind="gegevensleverancier")
    OrganisationFactory(name="gestopt vzw", active=False)
    return o


STATES = {
    "geen": "no-account",
    "uitgenodigd": "invited",
    "verlopen": "invitation-stuck",
    "teruggekaatst": "invitation-stuck",
    "verzendfout": "invitation-stuck",
    "adres": "invitation-stuck",
    "nooit": "no-login",
    "aangemeld": "logged-in",
    "ontwerp": "started",
    "teruggestuurd": "started",
    "ingediend": "submitted",
    "gevalideerd": "validated",
}


def test_every_expected_organisation_has_the_furthest_state_it_reached(round_2020) -> None:
    states = {row.organisation.name.removesuffix(" vzw"): row.state for row in onboarding_rows(year=2020)}

    assert states == STATES


def test_the_counts_per_state_cover_every_expected_organisation(round_2020) -> None:
    counts = {count.state: count.count for count in onboarding_counts(year=2020)}

    assert counts == {
        "no-account": 1,
        "invitation-stuck": 4,
        "invited": 1,
        "no-login": 1,
        "logged-in": 1,
        "started": 2,
        "submitted": 1,
        "validated": 1,
    }


def test_staff_filter_by_state_and_search_by_name_or_enterprise_number(staff_client: Client, round_2020) -> None:
    stuck = staff_client.get(URL, {"state": "invitation-stuck"})
    assert stuck.status_code == 200
    assert sorted(row.organisation.name for row in stuck.context["rows"]) == [
        "adres vzw",
        "teruggekaatst vzw",
        "verlopen vzw",
        "verzendfout vzw",
    ]
    kbo = round_2020["nooit"].kbo_display  # as printed: 0400.000.012
    assert [row.organisation.name for row in staff_client.get(URL, {"q": kbo}).context["rows"]] == ["nooit vzw"]
    assert [row.organisation.name for row in staff_client.get(URL, {"q": "ONTWERP"}).context["rows"]] == ["ontwerp vzw"]
    # An unknown state is no filter.
    assert len(staff_client.get(URL, {"state": "alles"}).context["rows"]) == len(STATES)


def test_the_page_shows_the_counts_contacts_bounces_last_login_and_the_members_link(
    staff_client: Client, round_2020
) -> None:
    contact = MembershipFactory(organisation=round_2020["nooit"], role=MembershipRole.CONTACT, user__email="c@x.be")
    page = staff_client.get(URL).content.decode()

    counts = re.search(r'<ul id="counts">(.*?)</ul>', page, re.S)
    assert counts
    assert "uitnodiging verlopen of onbestelbaar: 4" in counts.group(1)
    row = page.split(">nooit vzw<", 1)[1].split("</tr>", 1)[0]
    assert "nooit@example.be" in row
    assert contact.user.email in row
    assert f'href="/organisaties/{round_2020["nooit"].pk}/leden/"' in row
    adres = page.split(">adres vzw<", 1)[1].split("</tr>", 1)[0]
    assert "kapot@example.be: open · <strong>onbestelbaar</strong>" in adres
    aangemeld = page.split(">aangemeld vzw<", 1)[1].split("</tr>", 1)[0]
    assert "nog nooit" not in aangemeld
    assert "Herinnering sturen" not in page.split(">ingediend vzw<", 1)[1].split("</tr>", 1)[0]


def test_the_page_takes_the_same_few_queries_for_30_organisations(
    staff_client: Client, django_assert_max_num_queries
) -> None:
    CollectionRoundFactory(year=2020)
    now = timezone.now()
    for n in range(30):
        organisation = OrganisationFactory()
        if n % 3 == 0:
            invitation(organisation, f"p{n}@example.be", bounced_at=now if n % 2 else None)
        if n % 3 == 1:
            MembershipFactory(organisation=organisation, role=MembershipRole.CONTACT, user__last_login=now)
        if n % 5 == 0:
            SubmissionFactory(organisation=organisation, year=2020, status="submitted")

    with django_assert_max_num_queries(10):  # with the second factor's device (django-otp)
        response = staff_client.get(URL)
    assert len(response.context["rows"]) == 30


def test_one_or_thirty_organisations_take_as_many_queries(staff_client: Client) -> None:
    CollectionRoundFactory(year=2020)
    OrganisationFactory()
    with CaptureQueriesContext(connection) as one:
        staff_client.get(URL)
    for _n in range(29):
        MembershipFactory(organisation=OrganisationFactory(), role=MembershipRole.CONTACT)
    with CaptureQueriesContext(connection) as thirty:
        staff_client.get(URL)
    assert len(thirty) == len(one)


def test_staff_invite_the_contact_of_an_organisation_without_account(
    staff_client: Client, staff_user: User, round_2020, tasks_run_here, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"{URL}uitnodigen/", {"row": round_2020["geen"].pk})

    assert response.status_code == 302
    invited = Invitation.objects.get(organisation=round_2020["geen"], revoked_at=None)
    assert (invited.email, invited.role, invited.invited_by) == ("geen@example.be", "contact", staff_user)
    assert [m.to for m in mail.outbox] == [["geen@example.be"]]
    assert {row.organisation.name: row.state for row in onboarding_rows(year=2020)}["geen vzw"] == "invited"


def test_inviting_a_stuck_organisation_sends_its_invitation_again(
    staff_client: Client, round_2020, tasks_run_here, django_capture_on_commit_callbacks
) -> None:
    stuck = Invitation.objects.get(organisation=round_2020["verlopen"])
    expired_at = stuck.expires_at
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"{URL}uitnodigen/", {"row": round_2020["verlopen"].pk})

    stuck.refresh_from_db()
    assert stuck.send_count == 2
    assert stuck.expires_at > expired_at
    assert [m.to for m in mail.outbox] == [["traag@example.be"]]
    assert Invitation.objects.filter(organisation=round_2020["verlopen"]).count() == 1


def test_a_bouncing_address_is_not_sent_again_the_organisation_address_is_invited_instead(
    staff_client: Client, round_2020, tasks_run_here, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"{URL}uitnodigen/", {"row": round_2020["adres"].pk})

    assert [m.to for m in mail.outbox] == [["adres@example.be"]]
    assert Invitation.objects.get(email="kapot@example.be").send_count == 1


def test_without_a_usable_address_staff_are_sent_to_the_members_page(staff_client: Client, round_2020) -> None:
    Organisation.objects.filter(pk=round_2020["geen"].pk).update(email="")
    page = staff_client.get(URL).content.decode()
    row = page.split(">geen vzw<", 1)[1].split("</tr>", 1)[0]
    assert f'href="/organisaties/{round_2020["geen"].pk}/leden/#uitnodigen"' in row
    assert "Contactpersoon uitnodigen" not in row

    response = staff_client.post(f"{URL}uitnodigen/", {"row": round_2020["geen"].pk}, follow=True)
    assert "Geen bruikbaar e-mailadres voor geen vzw" in response.content.decode()
    assert not Invitation.objects.filter(organisation=round_2020["geen"], revoked_at=None).exists()


def test_inviting_a_selection_acts_only_on_those_without_account_or_stuck(
    staff_client: Client, round_2020, tasks_run_here, django_capture_on_commit_callbacks
) -> None:
    chosen = [round_2020[key].pk for key in ("geen", "verzendfout", "uitgenodigd", "ingediend")]
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"{URL}uitnodigen/", {"organisation": chosen}, follow=True)

    assert sorted(m.to[0] for m in mail.outbox) == ["fout@example.be", "geen@example.be"]
    page = response.content.decode()
    assert "Uitnodigingen: 1 nieuw, 1 opnieuw verstuurd, 0 bestaand account toegevoegd." in page
    assert "2 organisatie(s) overgeslagen" in page


def test_the_reminder_goes_to_the_chosen_organisations_that_have_not_submitted(
    staff_client: Client, round_2020, tasks_run_here, django_capture_on_commit_callbacks
) -> None:
    chosen = [round_2020[key].pk for key in ("ontwerp", "ingediend")]
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"{URL}herinneren/", {"organisation": chosen})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["ontwerp@example.be"]]

    # One reminder per organisation and day: the completeness page's rule, which this page calls.
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"{URL}herinneren/", {"row": round_2020["ontwerp"].pk})
    assert len(mail.outbox) == 1


def test_an_action_without_a_choice_says_so(staff_client: Client, round_2020) -> None:
    for action in ("uitnodigen", "herinneren"):
        response = staff_client.post(f"{URL}{action}/", {"organisation": ["x", "0"]}, follow=True)
        assert "Kies eerst" in response.content.decode()


def test_a_year_without_a_round_has_no_onboarding_page(staff_client: Client) -> None:
    CollectionRoundFactory(year=2019)
    assert staff_client.get(URL).status_code == 404
    assert staff_client.post(f"{URL}uitnodigen/", {"row": "1"}).status_code == 404


def test_onboarding_is_404_for_everyone_but_staff(
    coordinator_client: Client, editor_a_client: Client, round_2020
) -> None:
    for client in (coordinator_client, editor_a_client):
        assert client.get(URL).status_code == 404
        assert client.post(f"{URL}uitnodigen/", {"row": round_2020["geen"].pk}).status_code == 404
        assert client.post(f"{URL}herinneren/", {"row": round_2020["geen"].pk}).status_code == 404
    assert not Invitation.objects.filter(organisation=round_2020["geen"], revoked_at=None).exists()


def test_the_header_and_the_completeness_page_link_to_onboarding(staff_client: Client, round_2020) -> None:
    assert f'href="{URL}"' in staff_client.get("/").content.decode()
    assert f'href="{URL}"' in staff_client.get("/beheer/volledigheid/2020/").content.decode()


# --- bounces ---------------------------------------------------------------------------------------------------


def test_mark_bounce_records_the_address_and_marks_its_pending_invitations(staff_client: Client, round_2020) -> None:
    nieuw = Invitation.objects.get(email="nieuw@example.be")
    call_command("mark_bounce", "Nieuw@Example.be", "--reason", "550 unknown user")

    assert BouncedAddress.objects.get(email="nieuw@example.be").reason == "550 unknown user"
    nieuw.refresh_from_db()
    assert nieuw.bounced_at is not None
    # uitgenodigd vzw's other invitation is expired: it is stuck now.
    assert {row.organisation.name: row.state for row in onboarding_rows(year=2020)}["uitgenodigd vzw"] == (
        "invitation-stuck"
    )
    listed = staff_client.get("/beheer/uitnodigingen/", {"state": "bounced"}).context["page_obj"]
    assert {i.email for i in listed} == {"nieuw@example.be", "vol@example.be", "fout@example.be", "kapot@example.be"}


def test_mark_bounce_clear_removes_the_address(round_2020) -> None:
    call_command("mark_bounce", "kapot@example.be", "--clear")

    assert not BouncedAddress.objects.exists()
    # Its invitation had never been marked itself: with the address cleared it is open again.
    assert {row.organisation.name: row.state for row in onboarding_rows(year=2020)}["adres vzw"] == "invited"
