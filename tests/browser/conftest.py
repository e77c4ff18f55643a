"""Shared by the browser tests: Debian's Chromium (headless, Dutch), logging in through the form, waiting."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator

import pytest

from tests.factories import PASSWORD
from tests.inventory.conftest import worker  # noqa: F401  (the real Celery worker of the inventory tests)

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
needs_chromium = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER), reason="chromium and chromium-driver: `make test` installs them"
)


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1280,1600",
        "--lang=nl-BE",
    ):
        options.add_argument(flag)
    # A Belgian user's browser: the site answers in Dutch.
    options.add_experimental_option("prefs", {"intl.accept_languages": "nl-BE,nl"})
    # The console, for driver.get_log("browser"): Content-Security-Policy violations are reported there.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait_for(condition: Callable[[], object], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def log_in(driver, live_server, username: str, password: str = PASSWORD) -> None:
    """Through the login form; a user who needs a second factor (staff, coordinators) then types the current code
    of an authenticator app made for them here (tests/test_second_factor.py sets one up through the pages)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from selenium.webdriver.common.by import By

    from accounts.models import User
    from accounts.second_factor import second_factor_required
    from tests.conftest import app_code, app_device

    user = User.objects.get(username=username)
    device = app_device(user) if second_factor_required(user) else None
    if device is not None:
        # A test may log the same user in twice within one 30-second code: the app's replay protection (tested in
        # test_second_factor.py) would refuse the second, so it forgets the last code here.
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    driver.delete_all_cookies()
    driver.get(f"{live_server.url}/accounts/login/")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit], main form input[type=submit]").click()
    wait_for(lambda: "/accounts/login/" not in driver.current_url)
    if device is not None:
        wait_for(lambda: "/accounts/tweestapsaanmelding/code/" in driver.current_url)
        driver.find_element(By.NAME, "code").send_keys(app_code(device))
        driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        wait_for(lambda: "/accounts/tweestapsaanmelding/" not in driver.current_url)


def portal_2020(username: str) -> tuple[object, object, object]:
    """The reference data, a maatwerkbedrijf in Brugge with an editor `username` and an open 2020 round, committed
    for the live server: (organisation, editor, Brugge)."""
    import datetime as dt

    from django.utils import timezone

    from inventory.models import CollectionRound, Region
    from inventory.services.reference import reference_load
    from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

    reference_load()
    brugge = Region.objects.get(code="31005")
    organisation = OrganisationFactory(home_region=brugge, kind="maatwerkbedrijf", name="Werkplaats Brugge")
    editor = UserFactory(username=username)
    MembershipFactory(user=editor, organisation=organisation, role="editor")
    today = timezone.localdate()
    CollectionRound.objects.create(
        year=2020, opens_on=today - dt.timedelta(days=3), closes_on=today + dt.timedelta(days=30)
    )
    return organisation, editor, brugge
