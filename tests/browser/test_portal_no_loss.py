"""In Debian's Chromium: the portal loses nothing. A figure typed for a municipality picked in "Nieuwe gemeente"
(without clicking "Gemeente toevoegen") and one typed in an existing column are both there after "Bewaren als
ontwerp" and a reload."""

from __future__ import annotations

import pytest

from inventory.models import Headcount, Measure, Region
from tests.browser.conftest import log_in, needs_chromium, portal_2020, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]


def test_a_picked_municipality_and_an_existing_cell_are_both_saved_and_there_after_a_reload(
    browser, live_server
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    organisation, editor, brugge = portal_2020("invoerder-b")
    kortrijk = Region.objects.get(code="34022")
    bed, afd = Measure.objects.get(code="CMW-BED"), Measure.objects.get(code="CMW-AFD")

    log_in(browser, live_server, editor.username)
    url = f"{live_server.url}/portaal/{organisation.pk}/2020/"
    browser.get(url)
    browser.find_element(By.ID, f"p-{afd.pk}-{brugge.pk}").send_keys("12")
    browser.find_element(By.ID, f"v-{afd.pk}-{brugge.pk}").send_keys("10,5")
    Select(browser.find_element(By.ID, "add_region")).select_by_value("34022")
    browser.find_element(By.ID, f"n-{bed.pk}").send_keys("7")
    browser.find_element(By.CSS_SELECTOR, "button[name=save]").click()
    wait_for(lambda: "Bewaard als ontwerp: 2 cijfers nieuw of gewijzigd." in browser.page_source)

    browser.get(url)
    assert browser.find_element(By.ID, f"p-{afd.pk}-{brugge.pk}").get_attribute("value") == "12"
    assert browser.find_element(By.ID, f"v-{afd.pk}-{brugge.pk}").get_attribute("value") == "10,5"
    assert browser.find_element(By.ID, f"p-{bed.pk}-{kortrijk.pk}").get_attribute("value") == "7"
    assert sorted(
        Headcount.objects.filter(submission__organisation=organisation, submission__year=2020).values_list(
            "measure__code", "region__code", "persons"
        )
    ) == [("CMW-AFD", "31005", 12), ("CMW-BED", "34022", 7)]


def test_a_form_outdated_by_a_login_in_another_tab_keeps_its_figures_and_sends_them_again(browser, live_server) -> None:
    from selenium.webdriver.common.by import By

    organisation, editor, brugge = portal_2020("invoerder-c")
    afd = Measure.objects.get(code="CMW-AFD")

    log_in(browser, live_server, editor.username)
    browser.get(f"{live_server.url}/portaal/{organisation.pk}/2020/")
    browser.find_element(By.ID, f"p-{afd.pk}-{brugge.pk}").send_keys("12")
    first = browser.current_window_handle
    # Another tab: log out and in again, which gives the browser a new security token.
    browser.switch_to.new_window("tab")
    browser.get(f"{live_server.url}/")
    browser.find_element(By.CSS_SELECTOR, "form[action$='/accounts/logout/'] button").click()
    log_in(browser, live_server, editor.username)
    browser.close()
    browser.switch_to.window(first)
    browser.find_element(By.CSS_SELECTOR, "button[name=save]").click()
    wait_for(lambda: "Het formulier is verlopen" in browser.page_source)
    assert not Headcount.objects.exists()
    browser.find_element(By.CSS_SELECTOR, "form[data-resend] button[type=submit]").click()
    wait_for(lambda: "Bewaard als ontwerp: 1 cijfer nieuw of gewijzigd." in browser.page_source)
    assert list(Headcount.objects.values_list("persons", flat=True)) == [12]
