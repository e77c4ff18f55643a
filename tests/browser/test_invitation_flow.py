"""In Debian's Chromium: staff invite a new organisation's contact, the worker mails the link, the invitee chooses a
password, is logged in, opens the organisation's 2020 form and submits it; nobody handled a password."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from accounts.models import Membership
from inventory.models import Submission
from tests.browser.conftest import log_in, needs_chromium, portal_2020, wait_for
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]

LINK = re.compile(r"https?://[^\s]+(/accounts/uitnodiging/[^/\s]+/)")


def test_staff_invite_a_contact_who_sets_a_password_and_reaches_the_portal(browser, live_server, worker) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    organisation, _editor, _brugge = portal_2020("bestaande-invoerder")
    Membership.objects.filter(organisation=organisation).delete()
    staff = UserFactory(username="pom-staff", is_staff=True, is_superuser=True)

    log_in(browser, live_server, staff.username)
    browser.get(f"{live_server.url}/beheer/uitnodigingen/nieuw/")
    assert not browser.find_elements(By.CSS_SELECTOR, "input[type=password]")
    browser.find_element(By.NAME, "email").send_keys("An.Peeters@Werkplaats.example")
    browser.find_element(By.NAME, "name").send_keys("An Peeters")
    Select(browser.find_element(By.NAME, "role")).select_by_value("contact")
    Select(browser.find_element(By.NAME, "organisation")).select_by_visible_text(organisation.name)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for(lambda: "wordt verstuurd" in browser.page_source)
    wait_for(lambda: len(mail.outbox) == 1)
    assert mail.outbox[0].to == ["an.peeters@werkplaats.example"]
    path = LINK.search(mail.outbox[0].body).group(1)

    browser.delete_all_cookies()
    browser.get(f"{live_server.url}{path}")
    assert "Uw account instellen" in browser.page_source
    browser.find_element(By.NAME, "new_password1").send_keys("Kwartaal-Tellen-2026!")
    browser.find_element(By.NAME, "new_password2").send_keys("Kwartaal-Tellen-2026!")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for(lambda: "Welkom!" in browser.page_source)
    assert "Afmelden (an.peeters@werkplaats.example)" in browser.page_source

    browser.find_element(By.PARTIAL_LINK_TEXT, f"Aangifte 2020 van {organisation.name}").click()
    wait_for(lambda: "/portaal/" in browser.current_url)
    browser.find_element(By.CSS_SELECTOR, "input[id^='p-']").send_keys("12")
    browser.find_element(By.CSS_SELECTOR, "button[name=submit]").click()
    wait_for(lambda: Submission.objects.filter(organisation=organisation, year=2020, status="submitted").exists())
    # The contact manages the colleagues too: the header links the members page.
    browser.find_element(By.LINK_TEXT, "Collega’s").click()
    wait_for(lambda: "Leden van" in browser.page_source)
    assert "an.peeters@werkplaats.example" in browser.page_source
