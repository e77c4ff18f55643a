"""In Debian's Chromium: staff find the completeness page from the header, open the queue on what needs review,
switch to the validated ones with the status links, and go from a review page to the form that corrects it."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from tests.browser.conftest import log_in, needs_chromium, wait_for
from tests.factories import (
    CollectionRoundFactory,
    HeadcountFactory,
    OrganisationFactory,
    SubmissionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]


def look(browser, name: str) -> None:
    # STAFF_LOOK_DIR=<folder> keeps a picture of each step for a person to look at; tests never need it.
    if folder := os.environ.get("STAFF_LOOK_DIR"):
        browser.save_screenshot(os.path.join(folder, name))


def test_staff_go_from_the_header_to_completeness_and_from_the_queue_to_the_correcting_form(
    browser, live_server
) -> None:
    from selenium.webdriver.common.by import By

    staff = UserFactory(username="medewerker", is_staff=True)
    CollectionRoundFactory(year=2019)
    CollectionRoundFactory(year=2020, opens_on=dt.date(2021, 1, 15), closes_on=dt.date(2021, 3, 31))
    waiting = SubmissionFactory(organisation__name="Wacht vzw", year=2020, status="submitted")
    HeadcountFactory(submission=waiting, persons=12)
    SubmissionFactory(organisation__name="Klaar vzw", year=2020, status="validated")
    OrganisationFactory(name="Stil vzw")

    log_in(browser, live_server, staff.username)
    browser.find_element(By.LINK_TEXT, "Volledigheid").click()
    wait_for(lambda: browser.current_url.endswith("/beheer/volledigheid/2020/"))
    assert "31/03/2021" in browser.page_source
    assert "Stil vzw" in browser.find_element(By.CSS_SELECTOR, "table.missing").text
    look(browser, "completeness.png")

    browser.find_element(By.LINK_TEXT, "Aangiften nakijken").click()
    wait_for(lambda: "/beheer/aangiften/" in browser.current_url)
    queue = browser.find_element(By.CSS_SELECTOR, "table.queue").text
    assert "Wacht vzw" in queue
    assert "Klaar vzw" not in queue
    look(browser, "queue.png")
    browser.find_element(By.PARTIAL_LINK_TEXT, "gevalideerd (1)").click()
    wait_for(lambda: "status=validated" in browser.current_url)
    assert "Klaar vzw" in browser.find_element(By.CSS_SELECTOR, "table.queue").text

    browser.find_element(By.PARTIAL_LINK_TEXT, "ingediend (1)").click()
    wait_for(lambda: "status=submitted" in browser.current_url)
    browser.find_element(By.LINK_TEXT, "Wacht vzw").click()
    wait_for(lambda: "Cijfers corrigeren" in browser.page_source)
    browser.find_element(By.LINK_TEXT, "Cijfers corrigeren").click()
    wait_for(lambda: browser.current_url.endswith(f"/portaal/{waiting.organisation_id}/2020/"))
    assert "Wacht vzw" in browser.find_element(By.TAG_NAME, "h1").text
