"""Invitations: a link by e-mail to choose a password, single use, expiring; resend, revoke, a new link asked by the
invitee; an address with an account; organisation contacts who manage their colleagues (accounts/invitations.py,
accounts/members.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.invitations import Outcome, invitation_create, invitation_send
from accounts.models import Invitation, Membership, MembershipEvent, MembershipRole, User
from inventory.models import Organisation
from tests.browser.conftest import wait_for
from tests.conftest import logged_in
from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory
from tests.inventory.conftest import worker  # noqa: F401  (the real Celery worker, in a thread)

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Kwartaal-Tellen-2026!"
LINK = re.compile(r"https?://[^\s]+/accounts/uitnodiging/([^/\s]+)/")


def sent_link() -> str:
    """The path of the link in the last mail."""
    match = LINK.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return reverse("invitation-accept", args=[match.group(1)])


def invite(
    organisation: Organisation | None, *, email: str = "nieuw@example.be", role: str = "editor", **kw
) -> Invitation:
    result = invitation_create(email=email, role=role, organisation=organisation, queue=False, **kw)
    assert result.invitation is not None
    invitation_send(invitation_id=result.invitation.pk)
    result.invitation.refresh_from_db()
    return result.invitation


def accept(client: Client, path: str, password: str = NEW_PASSWORD):
    return client.post(path, {"new_password1": password, "new_password2": password})


@pytest.fixture
def organisation(db: None) -> Organisation:
    return OrganisationFactory(name="Maatwerkbedrijf Kust")


def test_the_invitee_chooses_a_password_with_the_link_and_is_logged_in_as_editor(organisation: Organisation) -> None:
    invite(organisation, name="An Peeters")

    assert mail.outbox[-1].to == ["nieuw@example.be"]
    assert "Maatwerkbedrijf Kust" in mail.outbox[-1].body
    assert "invoerder" in mail.outbox[-1].body
    client = Client()
    page = client.get(sent_link())
    assert page.status_code == 200
    assert set(page.context["form"].fields) == {"new_password1", "new_password2"}
    response = accept(client, sent_link())

    assert response.status_code == 302
    user = User.objects.get(email="nieuw@example.be")
    assert (user.username, user.first_name, user.last_name) == ("nieuw@example.be", "An", "Peeters")
    assert user.check_password(NEW_PASSWORD)
    assert Membership.objects.get(user=user).role == MembershipRole.EDITOR
    assert client.get(reverse("inventory:home")).context["user"] == user
    assert Invitation.objects.get().state == "accepted"


def test_the_link_works_once(organisation: Organisation) -> None:
    invite(organisation)
    path = sent_link()
    accept(Client(), path)

    again = Client().get(path)

    assert "al gebruikt" in again.content.decode()
    assert accept(Client(), path, "Een-Ander-Wachtwoord-9").status_code == 200
    assert User.objects.get(email="nieuw@example.be").check_password(NEW_PASSWORD)


def test_django_password_validators_refuse_a_weak_password_and_nothing_is_created(organisation: Organisation) -> None:
    invite(organisation)

    response = accept(Client(), sent_link(), "12345678")

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    assert not User.objects.filter(email="nieuw@example.be").exists()
    assert Invitation.objects.get().state == "open"


def test_sending_again_makes_a_new_link_and_the_old_one_stops_working(organisation: Organisation) -> None:
    invitation = invite(organisation)
    old = sent_link()
    first_expiry = invitation.expires_at

    invitation_send(invitation_id=invitation.pk)
    new = sent_link()

    assert new != old
    assert "vervangen door een nieuwere" in Client().get(old).content.decode()
    assert accept(Client(), old).status_code == 200
    assert not User.objects.filter(email="nieuw@example.be").exists()
    invitation.refresh_from_db()
    assert invitation.expires_at > first_expiry
    assert invitation.send_count == 2
    assert accept(Client(), new).status_code == 302


def test_an_unrelated_login_does_not_invalidate_the_link(organisation: Organisation) -> None:
    invite(organisation)
    other = UserFactory()
    # Others log in (and fail to) meanwhile; the link is not tied to anyone's login.
    assert Client().post(reverse("login"), {"username": other.username, "password": PASSWORD}).status_code == 302
    Client().post(reverse("login"), {"username": other.username, "password": "fout"})

    assert accept(Client(), sent_link()).status_code == 302


@pytest.mark.usefixtures("worker")
def test_an_expired_link_says_so_and_sends_a_new_one_to_the_invited_address(organisation: Organisation) -> None:
    invitation = invite(organisation)
    path = sent_link()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))

    page = Client().get(path)
    assert "Stuur mij een nieuwe link" in page.content.decode()
    assert accept(Client(), path).status_code == 200
    assert not User.objects.filter(email="nieuw@example.be").exists()
    sent = len(mail.outbox)
    renewed = Client().post(path, {"renew": "1"})

    assert "nieuwe link verstuurd" in renewed.content.decode()
    wait_for(lambda: len(mail.outbox) > sent, seconds=20)
    assert mail.outbox[-1].to == ["nieuw@example.be"]
    assert accept(Client(), sent_link()).status_code == 302


def test_a_revoked_invitation_asks_the_organisation_contact_to_invite_again(organisation: Organisation) -> None:
    contact = MembershipFactory(organisation=organisation, role=MembershipRole.CONTACT, user__email="baas@kust.be").user
    invitation = invite(organisation)
    path = sent_link()
    logged_in(contact).post(reverse("invitation-revoke", args=[invitation.pk]))

    assert "ingetrokken" in Client().get(path).content.decode()
    assert accept(Client(), path).status_code == 200
    renewed = Client().post(path, {"renew": "1"})

    assert "contactpersoon" in renewed.content.decode()
    assert mail.outbox[-1].to == ["baas@kust.be"]
    assert "nieuw@example.be" in mail.outbox[-1].subject


@pytest.mark.usefixtures("worker")
def test_an_unknown_link_answers_the_same_whether_the_address_was_invited_or_not(organisation: Organisation) -> None:
    invite(organisation)
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(days=1))
    sent = len(mail.outbox)

    known = Client().post("/accounts/uitnodiging/onbekend/", {"renew": "1", "email": "NIEUW@example.be"})
    unknown = Client().post("/accounts/uitnodiging/onbekend/", {"renew": "1", "email": "niemand@example.be"})

    assert known.content.decode().split("<main")[1] == unknown.content.decode().split("<main")[1]
    wait_for(lambda: len(mail.outbox) > sent, seconds=20)
    assert [m.to for m in mail.outbox[sent:]] == [["nieuw@example.be"]]


def test_an_address_with_an_account_gets_the_membership_and_a_mail_without_a_link(organisation: Organisation) -> None:
    user = UserFactory(email="Bestaand@Example.be")

    result = invitation_create(email="bestaand@example.BE", role="viewer", organisation=organisation, queue=False)
    invitation_send(invitation_id=result.invitation.pk)

    assert result.outcome == Outcome.ADDED
    assert Membership.objects.get(user=user, organisation=organisation).role == MembershipRole.VIEWER
    assert "bestaande account" in mail.outbox[-1].body
    assert not LINK.search(mail.outbox[-1].body)
    again = invitation_create(email="bestaand@example.be", role="viewer", organisation=organisation, queue=False)
    assert again.outcome == Outcome.ALREADY_MEMBER


def test_inviting_the_same_address_twice_sends_nothing_new(organisation: Organisation) -> None:
    invite(organisation)

    again = invitation_create(email="nieuw@example.be", role="editor", organisation=organisation, queue=False)

    assert again.outcome == Outcome.ALREADY_INVITED
    assert Invitation.objects.count() == 1


def test_a_mail_server_that_refuses_is_recorded_not_silent(organisation: Organisation, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    invitation = invite(organisation)

    assert invitation.send_error
    page = logged_in(UserFactory(is_staff=True)).get(reverse("invitation-list"))
    assert "niet verstuurd" in page.content.decode()


@pytest.mark.usefixtures("worker")
def test_staff_invite_through_the_page_and_the_worker_sends_the_mail(organisation: Organisation) -> None:
    staff = logged_in(UserFactory(is_staff=True, is_superuser=True))

    response = staff.post(
        reverse("invitation-new"),
        {"email": "Nieuw@Example.be", "name": "", "role": "contact", "organisation": organisation.pk, "language": "en"},
    )

    assert response.status_code == 302
    wait_for(lambda: len(mail.outbox) == 1, seconds=20)
    assert mail.outbox[0].subject.startswith("Invitation")
    assert accept(Client(), sent_link()).status_code == 302
    assert Membership.objects.get(user__email="nieuw@example.be").role == MembershipRole.CONTACT


def test_a_staff_or_coordinator_invitation_gives_that_role(db: None) -> None:
    for role in ("staff", "coordinator"):
        invite(None, email=f"{role}@pom.be", role=role)
        accept(Client(), sent_link())
    assert User.objects.get(email="staff@pom.be").is_staff
    assert User.objects.get(email="staff@pom.be").groups.filter(name="POM-medewerkers").exists()
    assert User.objects.get(email="coordinator@pom.be").is_coordinator


def test_invite_user_command_sends_and_prints_the_link_under_debug(
    organisation: Organisation, settings, capsys
) -> None:
    settings.DEBUG = True

    call_command("invite_user", "cmd@example.be", "--organisation", organisation.kbo_display, "--role", "viewer")

    out = capsys.readouterr().out
    assert "Uitnodiging verstuurd naar cmd@example.be" in out
    assert LINK.search(out).group(1) == LINK.search(mail.outbox[-1].body).group(1)
    with pytest.raises(CommandError, match="Geen organisatie"):
        call_command("invite_user", "x@example.be", "--organisation", "0123.456.749", "--role", "editor")
    with pytest.raises(CommandError, match="geen geldig e-mailadres"):
        call_command("invite_user", "geen-adres", "--role", "coordinator")
    with pytest.raises(CommandError, match="--organisation KBO is nodig"):
        call_command("invite_user", "y@example.be", "--role", "editor")


# --- contacts manage their colleagues ---------------------------------------------------------------------------


@pytest.fixture
def contact(organisation: Organisation) -> User:
    return MembershipFactory(organisation=organisation, role=MembershipRole.CONTACT).user


@pytest.mark.usefixtures("worker")
def test_a_contact_invites_a_colleague_and_sees_members_with_their_last_login(
    organisation: Organisation, contact: User
) -> None:
    colleague = MembershipFactory(organisation=organisation, role=MembershipRole.VIEWER).user
    User.objects.filter(pk=colleague.pk).update(last_login=timezone.make_aware(dt.datetime(2026, 3, 4, 10, 0)))
    client = logged_in(contact)

    response = client.post(
        reverse("members-invite", args=[organisation.pk]),
        {"email": "collega@kust.be", "name": "Collega", "role": "editor", "language": "nl-be"},
    )
    page = client.get(reverse("members", args=[organisation.pk])).content.decode()

    assert response.status_code == 302
    assert Invitation.objects.get(email="collega@kust.be").invited_by == contact
    assert "collega@kust.be" in page
    assert "04/03/2026" in page
    wait_for(lambda: len(mail.outbox) == 1, seconds=20)
    assert mail.outbox[-1].to == ["collega@kust.be"]


def test_a_contact_cannot_invite_as_staff_nor_touch_another_organisation(
    organisation: Organisation, contact: User
) -> None:
    other = OrganisationFactory()
    stranger = MembershipFactory(organisation=other, role=MembershipRole.EDITOR)
    invitation = Invitation.objects.create(email="ander@example.be", organisation=other, role="editor")
    client = logged_in(contact)

    staff_try = client.post(
        reverse("members-invite", args=[organisation.pk]),
        {"email": "baas@example.be", "role": "staff", "language": "nl-be"},
    )
    assert staff_try.status_code == 400
    assert not Invitation.objects.filter(email="baas@example.be").exists()
    for url in (
        reverse("members", args=[other.pk]),
        reverse("members-invite", args=[other.pk]),
        reverse("member-remove", args=[other.pk, stranger.pk]),
        reverse("member-remove", args=[organisation.pk, stranger.pk]),
        reverse("member-change", args=[other.pk, stranger.pk]),
        reverse("invitation-revoke", args=[invitation.pk]),
        reverse("invitation-resend", args=[invitation.pk]),
    ):
        method = client.get if url.endswith("/leden/") else client.post
        assert method(url, {f"m{stranger.pk}-role": "viewer"}).status_code == 404, url
    assert Membership.objects.filter(pk=stranger.pk, role="editor").exists()
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert invitation.send_count == 0


def test_the_last_contact_cannot_leave_without_naming_a_successor(organisation: Organisation, contact: User) -> None:
    colleague = MembershipFactory(organisation=organisation, role=MembershipRole.EDITOR)
    mine = Membership.objects.get(user=contact)
    client = logged_in(contact)
    url = reverse("member-remove", args=[organisation.pk, mine.pk])

    refused = client.post(url, follow=True)
    assert "kies eerst wie het overneemt" in refused.content.decode()
    assert Membership.objects.filter(pk=mine.pk).exists()
    demoted = client.post(reverse("member-change", args=[organisation.pk, mine.pk]), {f"m{mine.pk}-role": "editor"})
    assert demoted.status_code == 302
    assert Membership.objects.get(pk=mine.pk).role == MembershipRole.CONTACT

    response = client.post(url, {f"r{mine.pk}-successor": colleague.user_id})

    assert response.status_code == 302
    assert response["Location"] == reverse("inventory:home")
    assert not Membership.objects.filter(pk=mine.pk).exists()
    assert Membership.objects.get(pk=colleague.pk).role == MembershipRole.CONTACT


def test_staff_change_a_role_and_the_audit_trail_names_them(organisation: Organisation) -> None:
    staff_user = UserFactory(is_staff=True)
    member = MembershipFactory(organisation=organisation, role=MembershipRole.VIEWER)

    logged_in(staff_user).post(
        reverse("member-change", args=[organisation.pk, member.pk]), {f"m{member.pk}-role": "editor"}
    )

    member.refresh_from_db()
    assert member.role == MembershipRole.EDITOR
    event = MembershipEvent.objects.filter(pgh_obj_id=member.pk, pgh_label="update").get()
    assert event.role == "editor"
    assert event.pgh_context.metadata["user"] == staff_user.pk


def test_a_contact_edits_the_organisation_figures_like_an_editor(organisation: Organisation, contact: User) -> None:
    from inventory.access import organisations_editable_by

    assert list(organisations_editable_by(contact)) == [organisation]


def test_the_admin_lists_membership_and_invitation_changes_with_who_made_them(organisation: Organisation) -> None:
    staff_user = UserFactory(username="pom-beheer", is_staff=True, is_superuser=True)
    member = MembershipFactory(organisation=organisation, role=MembershipRole.VIEWER, user__username="lid")
    client = logged_in(staff_user)
    client.post(reverse("member-change", args=[organisation.pk, member.pk]), {f"m{member.pk}-role": "editor"})
    client.post(
        reverse("invitation-new"),
        {"email": "x@example.be", "role": "viewer", "organisation": organisation.pk, "language": "nl-be"},
    )

    memberships = client.get("/admin/accounts/membershipevent/").content.decode()
    invitations = client.get("/admin/accounts/invitationevent/").content.decode()

    assert "lid bij Maatwerkbedrijf Kust" in memberships
    assert "lezer → invoerder" in memberships
    assert "pom-beheer" in memberships
    assert "uitnodiging van x@example.be" in invitations


def test_an_invited_person_logs_in_with_the_address_in_any_case_and_cases_buy_no_extra_attempts(
    organisation: Organisation, settings
) -> None:
    invite(organisation)
    accept(Client(), sent_link())

    assert (
        Client().post(reverse("login"), {"username": " Nieuw@Example.BE", "password": NEW_PASSWORD}).status_code == 302
    )
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        typed = "nieuw@example.be".upper() if attempt % 2 else f"Nieuw@example.be{' ' * attempt}"
        Client().post(reverse("login"), {"username": typed, "password": "fout"})
    locked = Client().post(reverse("login"), {"username": "NIEUW@EXAMPLE.BE", "password": NEW_PASSWORD})
    assert locked.status_code == 429


def test_a_contact_is_not_told_that_an_address_has_an_account_elsewhere(
    organisation: Organisation, contact: User
) -> None:
    UserFactory(email="elders@example.be")

    response = logged_in(contact).post(
        reverse("members-invite", args=[organisation.pk]),
        {"email": "elders@example.be", "name": "", "role": "viewer", "language": "nl-be"},
        follow=True,
    )

    html = response.content.decode()
    assert "Uitnodiging voor elders@example.be wordt verstuurd." in html
    assert "had al een account" not in html
