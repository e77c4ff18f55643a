"""In Debian's Chromium: a coordinator publishing an edition that holds an incomplete year sees the warning,
cannot publish without ticking the confirmation, and publishes after ticking it; the date field is filled in
(an ISO value the browser can read)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import timezone

from inventory.models import CollectionRound, Edition, Headcount, Measure, Region
from inventory.services import aggregation
from inventory.services.aggregation import aggregates_recompute
from inventory.services.completeness import expected_organisations
from inventory.services.demo import DEMO_PASSWORD, demo_load
from tests.browser.conftest import log_in, needs_chromium, wait_for
from tests.factories import SubmissionFactory

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]


@pytest.fixture
def incomplete_2020(transactional_db: None) -> Iterator[None]:
    """The demo, and a 2020 round that is open with one expected organisation validated; committed so that the
    live server's thread sees it."""
    aggregation.redis_client().flushdb()
    demo_load()
    today = timezone.localdate()
    CollectionRound.objects.create(
        year=2020, opens_on=today - dt.timedelta(days=30), closes_on=today + dt.timedelta(days=30)
    )
    submission = SubmissionFactory(
        organisation=expected_organisations().order_by("pk").first(), year=2020, validated=True
    )
    Headcount.objects.create(
        submission=submission,
        measure=Measure.objects.get(code="IBO"),
        region=Region.objects.get(code="31005"),
        persons=755,
    )
    aggregates_recompute(year=2020, full=True)
    yield
    aggregation.redis_client().flushdb()


def test_a_coordinator_publishes_an_incomplete_year_only_after_confirming(browser, live_server, incomplete_2020):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    log_in(browser, live_server, "coordinator", DEMO_PASSWORD)
    browser.get(f"{live_server.url}/edities/")
    warning = browser.find_element(By.CSS_SELECTOR, 'tr[data-preview-year="2020"][data-incomplete]')
    assert "onvolledig: 1 van" in warning.text
    date = browser.find_element(By.NAME, "published_on")
    assert date.get_attribute("value") == timezone.localdate().isoformat()  # the browser reads the ISO value
    browser.find_element(By.NAME, "name").send_keys("Inventaris 2020")
    Select(browser.find_element(By.NAME, "reference_year")).select_by_value("2020")
    browser.find_element(By.CSS_SELECTOR, "#publish-form button[type=submit]").click()
    wait_for(lambda: "Bevestig dat u deze onvolledige cijfers wilt bevriezen" in browser.page_source)
    assert not Edition.objects.filter(name="Inventaris 2020").exists()
    # What was typed is still there; tick the box and publish.
    assert browser.find_element(By.NAME, "name").get_attribute("value") == "Inventaris 2020"
    browser.find_element(By.NAME, "confirm_incomplete").click()
    browser.find_element(By.CSS_SELECTOR, "#publish-form button[type=submit]").click()
    wait_for(lambda: "Editie ‘Inventaris 2020’ gepubliceerd" in browser.page_source)
    published = Edition.objects.get(name="Inventaris 2020")
    assert published.reference_year == 2020
    assert published.published_on == timezone.localdate()
    # Published with confirmation, it says what it froze and leads no default.
    row = browser.find_element(By.CSS_SELECTOR, f'tr[data-edition="{published.pk}"] [data-edition-incomplete="2020"]')
    assert "onvolledig bij publicatie: 1 van" in row.text
    browser.get(f"{live_server.url}/kerncijfers/")
    assert "Bron: editie Inventaris 2019." in browser.find_element(By.TAG_NAME, "main").text
    _screenshot(browser, "kerncijfers-default")


def test_staff_withdraw_an_edition_after_confirming(browser, live_server, incomplete_2020):
    from selenium.webdriver.common.by import By

    wrong = Edition.objects.get(name="Inventaris 2019")
    log_in(browser, live_server, "medewerker", DEMO_PASSWORD)
    browser.get(f"{live_server.url}/edities/")
    browser.find_element(By.ID, f"reason-{wrong.pk}").send_keys("dubbeltelling in 2019")
    browser.find_element(By.CSS_SELECTOR, f'tr[data-edition="{wrong.pk}"] form.withdraw button').click()
    wait_for(lambda: "Intrekken kan niet ongedaan gemaakt worden" in browser.page_source)
    _screenshot(browser, "withdraw-confirm")
    wrong.refresh_from_db()
    assert not wrong.withdrawn  # the first click only asks
    assert browser.find_element(By.NAME, "reason").get_attribute("value") == "dubbeltelling in 2019"
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for(lambda: "Editie ‘Inventaris 2019’ ingetrokken" in browser.page_source)
    wrong.refresh_from_db()
    assert wrong.withdrawn_reason == "dubbeltelling in 2019"
    assert browser.find_element(By.CSS_SELECTOR, f'tr[data-withdrawn-edition="{wrong.pk}"]')


def _screenshot(browser, name: str) -> None:
    """For a person to look at: set SCREENSHOT_DIR to keep the pages the test saw."""
    import os

    if directory := os.environ.get("SCREENSHOT_DIR"):
        browser.save_screenshot(os.path.join(directory, f"publishing-{name}.png"))
