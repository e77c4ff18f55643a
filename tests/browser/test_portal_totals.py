"""In Debian's Chromium: the portal's totals follow what is typed (static/js/portal.js), per measure, per
municipality and overall, persons and VTE, before anything is saved."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory.models import Headcount, Measure, Submission
from tests.browser.conftest import log_in, needs_chromium, portal_2020, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]


def test_typing_a_figure_updates_the_totals_of_its_measure_its_municipality_and_the_whole_form(
    browser, live_server
) -> None:
    from selenium.webdriver.common.by import By

    organisation, editor, brugge = portal_2020("invoerder-t")
    bed, afd = Measure.objects.get(code="CMW-BED"), Measure.objects.get(code="CMW-AFD")
    submission = Submission.objects.create(organisation=organisation, year=2020)
    Headcount.objects.create(submission=submission, measure=bed, region=brugge, persons=1000, fte=Decimal("800"))
    # Entered by POM: a measure a maatwerkbedrijf does not report, read-only for the editor, in the totals too.
    Headcount.objects.create(submission=submission, measure=Measure.objects.get(code="VOP"), region=brugge, persons=5)

    log_in(browser, live_server, editor.username)
    browser.get(f"{live_server.url}/portaal/{organisation.pk}/2020/")

    def total(key: str) -> str:
        return browser.find_element(By.CSS_SELECTOR, f'[data-total="{key}"]').text.replace("\n", " ")

    assert total("all") == "1.005 800 VTE"
    assert total(f"row-{afd.pk}") == "0"
    browser.find_element(By.ID, f"p-{afd.pk}-{brugge.pk}").send_keys("12")
    browser.find_element(By.ID, f"v-{afd.pk}-{brugge.pk}").send_keys("10,5")

    wait_for(lambda: total("all") == "1.017 810,5 VTE")
    assert total(f"row-{afd.pk}") == "12 10,5 VTE"
    assert total(f"col-{brugge.pk}") == "1.017 810,5 VTE"
    assert total(f"row-{bed.pk}") == "1.000 800 VTE"

    persons = browser.find_element(By.ID, f"p-{bed.pk}-{brugge.pk}")
    persons.clear()
    persons.send_keys("7")
    wait_for(lambda: total(f"row-{bed.pk}") == "7 800 VTE")
    assert total("all") == "24 810,5 VTE"
    assert Headcount.objects.get(measure=bed).persons == 1000  # nothing saved

    # Sent back with an error elsewhere, the page's totals hold what was typed, not the saved figures.
    vte = browser.find_element(By.ID, f"v-{afd.pk}-{brugge.pk}")
    vte.clear()
    vte.send_keys("abc")
    browser.find_element(By.CSS_SELECTOR, "button[name=save]").click()
    wait_for(lambda: "Niet bewaard" in browser.page_source)
    assert browser.find_element(By.ID, f"v-{afd.pk}-{brugge.pk}").get_attribute("aria-invalid") == "true"
    wait_for(lambda: total(f"row-{bed.pk}") == "7 800 VTE")
    assert total(f"row-{afd.pk}") == "12"
    errors = browser.find_element(By.ID, "portal-errors")
    assert errors.location["y"] < browser.find_element(By.CSS_SELECTOR, "table.portal").location["y"]
