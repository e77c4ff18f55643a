"""Personas: POM staff, a coordinator, an editor and a viewer of organisation A, an editor of B."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import MembershipRole, User
from accounts.second_factor import second_factor_required
from inventory.models import Organisation
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


@pytest.fixture(autouse=True)
def dutch_by_default() -> Iterator[None]:
    """Every test starts in the default language: a request in English leaves English active in the thread."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def app_device(user: User) -> TOTPDevice:
    """The user's confirmed authenticator app, made if it has none (tests/test_second_factor.py makes one through
    the set-up page)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test-app", confirmed=True)


def app_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the app shows now (or `steps_ahead` steps of 30 seconds later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def force_login(client: Client, user: User) -> Client:
    """client.force_login, and for a user who needs a second factor (accounts/second_factor.py) a session that
    passed it: an app of the user's stored as the session's device, as django_otp.login does."""
    client.force_login(user)
    if second_factor_required(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = app_device(user).persistent_id
        session.save()
    return client


def logged_in(user: User) -> Client:
    return force_login(Client(), user)


@pytest.fixture
def organisation_a(db: None) -> Organisation:
    return OrganisationFactory(name="Maatwerkbedrijf A")


@pytest.fixture
def organisation_b(db: None) -> Organisation:
    return OrganisationFactory(name="Maatwerkbedrijf B")


@pytest.fixture
def staff_user(db: None) -> User:
    # POM staff manage everything in the admin; a permission group for them is not decided yet.
    return UserFactory(username="pom", is_staff=True, is_superuser=True)


@pytest.fixture
def coordinator(db: None) -> User:
    return UserFactory(username="coordinator", is_coordinator=True)


@pytest.fixture
def editor_a(organisation_a: Organisation) -> User:
    return MembershipFactory(user__username="editor_a", organisation=organisation_a, role=MembershipRole.EDITOR).user


@pytest.fixture
def viewer_a(organisation_a: Organisation) -> User:
    return MembershipFactory(user__username="viewer_a", organisation=organisation_a, role=MembershipRole.VIEWER).user


@pytest.fixture
def editor_b(organisation_b: Organisation) -> User:
    return MembershipFactory(user__username="editor_b", organisation=organisation_b, role=MembershipRole.EDITOR).user


@pytest.fixture
def staff_client(staff_user: User) -> Client:
    return logged_in(staff_user)


@pytest.fixture
def coordinator_client(coordinator: User) -> Client:
    return logged_in(coordinator)


@pytest.fixture
def editor_a_client(editor_a: User) -> Client:
    return logged_in(editor_a)


@pytest.fixture
def viewer_a_client(viewer_a: User) -> Client:
    return logged_in(viewer_a)


@pytest.fixture
def editor_b_client(editor_b: User) -> Client:
    return logged_in(editor_b)


@pytest.fixture
def uncounted_password_resets() -> Iterator[None]:
    """No password reset counted yet (accounts/throttle.py): the counts live in Redis for an hour, so earlier tests
    and runs would use up the limits."""

    def clear() -> None:
        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter(match="*throttle:password-reset:*"):
            client.delete(key)

    clear()
    yield
    clear()
