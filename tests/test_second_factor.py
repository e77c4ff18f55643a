"""Two-factor login: staff and coordinators set up an authenticator app at their first login and type its code at
every login after the password; organisation users may turn it on. Recovery codes work once; staff reset a
person's second factor (audited); django-axes counts wrong codes as failed logins."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import quote

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import StaticDeviceEvent, TOTPDeviceEvent, User
from accounts.second_factor import RECOVERY_CODE_COUNT, RESET_REASON, SETUP_KEY_SESSION_KEY, recovery_codes_renew
from accounts.services import STAFF_GROUP, staff_group_ensure
from accounts.tokens import api_token_create
from tests.conftest import app_code, app_device, logged_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SETUP, VERIFY = "/accounts/tweestapsaanmelding/instellen/", "/accounts/tweestapsaanmelding/code/"


@pytest.fixture(autouse=True)
def no_throttling(settings) -> None:
    """django-otp makes a device wait 1, 2, 4 ... seconds after each wrong code; the tests type the right code right
    after a wrong one. One test puts the wait back."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def password_login(user: User, *, client: Client | None = None) -> Client:
    client = client or Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def text(response) -> str:
    return response.content.decode()


def setup_code(client: Client) -> str:
    """The code an app that read the set-up page's QR code shows now."""
    device = TOTPDevice(key=client.session[SETUP_KEY_SESSION_KEY])
    return f"{TOTP(device.bin_key).token():06d}"


def set_up(client: Client, *, next_url: str = "/") -> list[str]:
    """Through the set-up page: its code, then the recovery codes page; returns the codes it shows."""
    client.get(SETUP)
    response = client.post(SETUP, {"code": setup_code(client), "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('second_factor_recovery_codes')}?next={quote(next_url, safe='')}"
    return client.get(response["Location"]).context["codes"]


def wrong_code(device: TOTPDevice) -> str:
    """A code of none of the steps the app accepts now (the current one and one on either side)."""
    near = {app_code(device, steps_ahead=steps) for steps in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)


def verified(client: Client) -> bool:
    return client.get("/beheer/aangiften/").status_code != 302 and client.get("/").status_code == 200


@pytest.fixture
def staff(db: None) -> User:
    return UserFactory(username="pom", is_staff=True, is_superuser=True)


@pytest.fixture
def coordinator(db: None) -> User:
    return UserFactory(username="coordinator", is_coordinator=True)


# --- required for staff and coordinators ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "coordinator"])
def test_after_the_password_staff_and_coordinators_reach_no_page_before_setting_up_their_second_factor(
    request: pytest.FixtureRequest, role: str
) -> None:
    client = password_login(request.getfixturevalue(role))

    for path in ("/", "/admin/", "/beheer/aangiften/", "/kerncijfers/", "/admin/accounts/user/", "/api/aggregates/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"{SETUP}?next={quote(path, safe='')}", path
    assert client.get("/accounts/tweestapsaanmelding/").status_code == 302
    # The code page has nothing to check yet: on to the set-up, with where the person was going.
    assert client.get(f"{VERIFY}?next=/admin/")["Location"] == f"{SETUP}?next=%2Fadmin%2F"


def test_a_session_waiting_for_its_second_factor_still_reaches_the_set_up_logout_language_static_files_and_probes(
    staff: User, settings
) -> None:
    settings.WHITENOISE_USE_FINDERS = True
    client = password_login(staff, client=Client())

    assert client.get(SETUP).status_code == 200
    assert client.get("/static/css/site.css").status_code == 200
    assert client.get("/livez").status_code == 200
    response = client.post(reverse("set_language"), {"language": "en", "next": SETUP})
    assert response["Location"] == SETUP
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_the_set_up_page_shows_a_qr_code_as_inline_svg_and_the_secret_for_typing_in_dutch(staff: User) -> None:
    client = password_login(staff)

    response = client.get(SETUP)

    page = text(response)
    assert "<h1>Tweestapsaanmelding instellen</h1>" in page
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "<title>QR-code voor uw authenticator-app</title>" in svg
    assert "data:" not in page
    assert " style=" not in svg
    assert "<img" not in page
    secret = response.context["secret"]
    assert secret.replace(" ", "") == b32encode(bytes.fromhex(client.session[SETUP_KEY_SESSION_KEY])).decode()
    assert f'<code class="secret">{secret}</code>' in page
    assert '<label for="id_code">Code uit uw authenticator-app:</label>' in page
    assert 'autocomplete="one-time-code"' in page
    assert 'inputmode="numeric"' in page
    # The header holds no links to pages the session cannot reach yet; logging out stays.
    assert 'href="/admin/"' not in page
    assert "Afmelden (pom)" in page
    # A reload shows the same secret: the app may have read it already.
    assert client.get(SETUP).context["secret"] == secret
    assert TOTPDevice.objects.count() == 0


@pytest.mark.parametrize("role", ["staff", "coordinator"])
def test_with_a_correct_code_the_set_up_shows_the_recovery_codes_once_and_every_page_opens(
    request: pytest.FixtureRequest, role: str
) -> None:
    user = request.getfixturevalue(role)
    client = password_login(user)

    codes = set_up(client, next_url="/kerncijfers/")

    assert len(codes) == RECOVERY_CODE_COUNT == len(set(codes))
    assert TOTPDevice.objects.get(user=user).confirmed
    assert sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == sorted(codes)
    page = client.get(f"{reverse('second_factor_recovery_codes')}?next=/kerncijfers/")
    assert page.context["codes"] is None  # shown once
    assert "U hebt nog 10 herstelcodes." in text(page)
    assert verified(client)
    assert client.get("/kerncijfers/").status_code == 200
    if role == "staff":
        assert client.get("/admin/").status_code == 200
    assert client.get(SETUP)["Location"] == reverse("second_factor")


def test_a_wrong_code_at_the_set_up_is_refused_in_dutch_and_stores_nothing(staff: User) -> None:
    client = password_login(staff)
    client.get(SETUP)
    wrong = wrong_code(TOTPDevice(key=client.session[SETUP_KEY_SESSION_KEY]))

    response = client.post(SETUP, {"code": wrong})

    assert response.status_code == 200
    assert "Deze code klopt niet." in text(response)
    assert 'aria-invalid="true"' in text(response)
    assert not TOTPDevice.objects.exists()
    assert client.get("/admin/")["Location"].startswith(SETUP)
    response = client.post(SETUP, {"code": "12a456"})
    assert "Typ de 6 cijfers die uw app nu toont." in text(response)


# --- the code at every login ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "coordinator"])
def test_a_login_with_an_app_asks_its_code_and_refuses_a_wrong_one_in_dutch(
    request: pytest.FixtureRequest, role: str
) -> None:
    user = request.getfixturevalue(role)
    device = app_device(user)
    client = password_login(user)

    assert client.get("/")["Location"] == f"{VERIFY}?next=%2F"
    page = client.get(f"{VERIFY}?next=/edities/")
    assert "<h1>Code van de tweestapsaanmelding</h1>" in text(page)
    assert 'autocomplete="one-time-code"' in text(page)
    response = client.post(VERIFY, {"code": wrong_code(device), "next": "/edities/"})
    assert response.status_code == 200
    assert "Deze code klopt niet. Typ de code die de app nu toont." in text(response)
    assert client.get("/edities/")["Location"].startswith(VERIFY)

    response = client.post(VERIFY, {"code": app_code(device), "next": "/edities/"})

    assert response["Location"] == "/edities/"
    assert client.get("/edities/").status_code == 200


def test_a_code_opens_one_login_only(staff: User) -> None:
    device = app_device(staff)
    code = app_code(device)
    first, second = password_login(staff), password_login(staff)

    assert first.post(VERIFY, {"code": code})["Location"] == "/"
    response = second.post(VERIFY, {"code": code})

    assert response.status_code == 200
    assert "Deze code klopt niet." in text(response)


def test_a_code_elsewhere_in_the_address_is_not_followed(staff: User) -> None:
    device = app_device(staff)
    client = password_login(staff)

    response = client.post(VERIFY, {"code": app_code(device), "next": "https://evil.example/"})

    assert response["Location"] == "/"


def test_a_recovery_code_logs_in_once_and_says_how_many_are_left(staff: User) -> None:
    app_device(staff)
    codes = recovery_codes_renew(user=staff)
    typed = f"{codes[0][:4].upper()} {codes[0][4:].upper()}"  # read off paper

    response = password_login(staff).post(VERIFY, {"recovery_code": typed, "next": "/beheer/aangiften/"}, follow=True)

    assert response.redirect_chain[0] == ("/beheer/aangiften/", 302)
    assert "U hebt nog 9 herstelcodes." in text(response)
    response = password_login(staff).post(VERIFY, {"recovery_code": codes[0]})
    assert response.status_code == 200
    assert "Deze herstelcode klopt niet, of werd al gebruikt." in text(response)
    assert password_login(staff).post(VERIFY, {"recovery_code": codes[1]})["Location"] == "/"


def test_new_recovery_codes_replace_the_old_ones(staff: User) -> None:
    app_device(staff)
    old = recovery_codes_renew(user=staff)
    client = logged_in(staff)

    response = client.post(reverse("second_factor_recovery_codes"), follow=True)

    new = response.context["codes"]
    assert len(new) == RECOVERY_CODE_COUNT
    assert not set(new) & set(old)
    assert set(StaticToken.objects.filter(device__user=staff).values_list("token", flat=True)) == set(new)


def test_after_several_wrong_codes_the_app_waits_before_it_checks_again(staff: User, settings) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    device = app_device(staff)
    client = password_login(staff)
    client.post(VERIFY, {"code": wrong_code(device)})

    response = client.post(VERIFY, {"code": app_code(device)})

    assert "Te veel foute codes na elkaar. Probeer opnieuw na " in text(response)
    assert client.get("/")["Location"].startswith(VERIFY)


# --- optional for organisation users ----------------------------------------------------------------------------


def test_organisation_users_are_not_asked_until_they_turn_it_on_and_then_always(editor_a: User) -> None:
    client = password_login(editor_a)
    assert client.get("/").status_code == 200
    page = client.get(reverse("second_factor"))
    assert "De tweestapsaanmelding staat uit" in text(page)
    assert f'href="{SETUP}"' in text(page)

    set_up(client)

    assert "De tweestapsaanmelding staat aan sinds" in text(client.get(reverse("second_factor")))
    again = password_login(editor_a)
    assert again.get("/")["Location"] == f"{VERIFY}?next=%2F"
    assert (
        again.post(VERIFY, {"code": app_code(TOTPDevice.objects.get(user=editor_a), steps_ahead=1)})["Location"] == "/"
    )
    assert again.get("/").status_code == 200


# --- reset by staff ---------------------------------------------------------------------------------------------


def reset_action(client: Client, *users: User):
    return client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "second_factor_reset_action", "_selected_action": [user.pk for user in users]},
        follow=True,
    )


def test_staff_reset_a_second_factor_which_ends_its_sessions_and_is_in_the_audit_trail(staff: User) -> None:
    person = UserFactory(username="collega", is_staff=True)
    app_device(person)
    recovery_codes_renew(user=person)
    their_session = logged_in(person)
    assert verified(their_session)

    response = reset_action(logged_in(staff), person)

    assert "Tweestapsaanmelding gereset voor 1 gebruiker." in text(response)
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert not StaticDevice.objects.filter(user=person).exists()
    # The session that passed with the deleted app no longer has; the person sets up a new one.
    assert their_session.get("/")["Location"] == f"{SETUP}?next=%2F"
    for model in (TOTPDeviceEvent, StaticDeviceEvent):
        event = model.objects.get(user_id=person.pk)
        assert event.pgh_label == "delete"
        assert event.pgh_context.metadata["reason"] == RESET_REASON
        assert event.pgh_context.metadata["user"] == staff.pk


def test_the_admin_lists_who_has_a_second_factor(staff: User) -> None:
    app_device(UserFactory(username="met-app"))
    UserFactory(username="zonder-app")

    response = logged_in(staff).get(reverse("admin:accounts_user_changelist"))

    shown = {user.username: user.has_second_factor for user in response.context["cl"].result_list}
    assert shown["met-app"] is True
    assert shown["zonder-app"] is False
    assert "Tweestapsaanmelding resetten" in text(response)


def test_staff_cannot_reset_the_second_factor_of_someone_who_holds_more(db: None) -> None:
    staff_group_ensure()
    member = UserFactory(username="medewerker", is_staff=True)
    member.groups.add(Group.objects.get(name=STAFF_GROUP))
    superuser = UserFactory(username="baas", is_staff=True, is_superuser=True)
    app_device(superuser)

    response = reset_action(logged_in(member), superuser)

    assert "Enkel een superuser wijzigt superuser ‘baas’." in text(response)
    assert "Tweestapsaanmelding gereset voor 0 gebruikers." in text(response)
    assert TOTPDevice.objects.filter(user=superuser).exists()
    assert not TOTPDeviceEvent.objects.exists()


# --- django-axes --------------------------------------------------------------------------------------------------


def test_wrong_codes_up_to_the_limit_lock_the_username_from_that_address_the_password_step_too(
    staff: User, settings
) -> None:
    device = app_device(staff)
    client = password_login(staff)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(VERIFY, {"code": wrong_code(device)}).status_code == 200

    response = client.post(VERIFY, {"code": wrong_code(device)})

    assert response.status_code == 429
    assert "Tijdelijk geblokkeerd" in text(response)
    # The right code does not help now, nor does logging in again.
    locked = client.post(VERIFY, {"code": app_code(device)})
    assert locked.status_code == 429
    assert "Tijdelijk geblokkeerd" in text(locked)
    assert client.get("/admin/")["Location"].startswith(VERIFY)
    # The codes typed are not kept in axes' records.
    attempt = AccessAttempt.objects.get(username=staff.username)
    assert attempt.failures_since_start == settings.AXES_FAILURE_LIMIT
    assert wrong_code(device) not in attempt.post_data
    assert "code=****" in attempt.post_data
    again = Client().post(reverse("login"), {"username": staff.username, "password": PASSWORD})
    assert again.status_code == 429


def test_the_right_password_does_not_wipe_the_count_of_wrong_codes(staff: User, settings) -> None:
    device = app_device(staff)
    client = password_login(staff)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(VERIFY, {"code": wrong_code(device)})

    client = password_login(staff)

    assert client.post(VERIFY, {"code": wrong_code(device)}).status_code == 429


def test_a_complete_login_ends_the_count(staff: User, editor_a: User, settings) -> None:
    device = app_device(staff)
    client = password_login(staff)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(VERIFY, {"code": wrong_code(device)})
    assert client.post(VERIFY, {"code": app_code(device)})["Location"] == "/"
    # Without a second factor the password completes the login.
    Client().post(reverse("login"), {"username": editor_a.username, "password": "fout"})
    password_login(editor_a)

    assert not AccessAttempt.objects.exists()


def test_another_address_is_not_locked_by_wrong_codes(staff: User, settings) -> None:
    device = app_device(staff)
    client = password_login(staff)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(VERIFY, {"code": wrong_code(device)})

    elsewhere = Client(REMOTE_ADDR="10.9.9.9")
    assert elsewhere.post(reverse("login"), {"username": staff.username, "password": PASSWORD}).status_code == 302
    assert elsewhere.post(VERIFY, {"code": app_code(device)})["Location"] == "/"


# --- API tokens -----------------------------------------------------------------------------------------------------


def test_api_tokens_are_not_sessions_and_need_no_second_factor(coordinator: User) -> None:
    key = api_token_create(user=coordinator, name="statistiek")

    response = Client().get("/api/aggregates/", HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 200
    assert not TOTPDevice.objects.exists()
