"""In Debian's Chromium, on the demo: the main pages, the portal's live totals and the admin's widgets work under
the site's Content-Security-Policy, and the browser reports no violation (nor any other console error) on any
of them. CSP_LOOK_DIR=<folder> keeps a screenshot of each page for a person to look at."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import User
from inventory.models import CollectionRound, Edition, Organisation, Submission
from inventory.services import aggregation
from inventory.services.demo import DEMO_PASSWORD, DEMO_USER_ORGANISATION, demo_load
from tests.browser.conftest import log_in, needs_chromium, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]


@pytest.fixture
def demo(transactional_db: None) -> Iterator[None]:
    """The demo, committed for the live server's thread, with an open round for the editor's form."""
    aggregation.redis_client().flushdb()
    demo_load()
    today = timezone.localdate()
    CollectionRound.objects.create(
        year=2020, opens_on=today - dt.timedelta(days=3), closes_on=today + dt.timedelta(days=30)
    )
    yield
    aggregation.redis_client().flushdb()


def by(css: str):
    from selenium.webdriver.common.by import By

    return By.CSS_SELECTOR, css


def visit(driver, url: str, name: str) -> list[str]:
    """Opens `url` and returns what the console said about it (every message, any level)."""
    driver.get(url)
    wait_for(lambda: driver.execute_script("return document.readyState") == "complete")
    return settle(driver, name)


def settle(driver, name: str) -> list[str]:
    if folder := os.environ.get("CSP_LOOK_DIR"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(os.path.join(folder, f"{name}.png"))
    return [f"{name}: {entry['level']} {entry['message']}" for entry in driver.get_log("browser")]


def test_the_pages_load_under_the_policy_without_a_violation(browser, live_server, demo) -> None:
    site = live_server.url
    said: list[str] = []

    said += visit(browser, f"{site}/accounts/login/", "login")
    assert browser.find_element(*by("link[rel=stylesheet]"))
    # The stylesheet applied (site.css sets the header's background): no style was blocked.
    header = browser.find_element(*by("header.site"))
    assert header.value_of_css_property("background-color") not in ("rgba(0, 0, 0, 0)", "transparent")

    log_in(browser, live_server, "coordinator", DEMO_PASSWORD)
    said += settle(browser, "dashboard")
    charts = browser.find_elements(*by("svg.chart"))
    assert len(charts) == 2
    # The bars keep their colours: SVG presentation attributes, which the policy does not touch.
    bar = charts[0].find_element(*by("rect"))
    assert bar.value_of_css_property("fill") == "rgb(0, 70, 90)"
    said += visit(browser, f"{site}/kerncijfers/", "kerncijfers")
    assert "63.552" in browser.page_source
    older, newer = Edition.objects.get(name="Inventaris 2018"), Edition.objects.get(name="Inventaris 2019")
    for name, path in [
        ("table-headcounts", "/tabellen/tellingen/"),
        ("table-aggregates", "/tabellen/aggregaten/?year=2019"),
        ("table-organisations", "/tabellen/organisaties/"),
        ("exports", "/exports/"),
        ("editions", "/edities/"),
        ("compare", "/edities/vergelijken/?old={old}&new={new}"),
        ("refused", "/?scope=provisional"),
        ("not-found", "/nergens/"),
    ]:
        said += visit(browser, site + path.format(old=older.pk, new=newer.pk), name)
        assert browser.find_element(*by("main h1")), name

    # The editor's yearly form: portal.js (a static file) sums what is typed.
    log_in(browser, live_server, "invoerder", DEMO_PASSWORD)
    organisation = Organisation.objects.get(name=DEMO_USER_ORGANISATION)
    said += visit(browser, f"{site}/portaal/{organisation.pk}/2020/", "portal")
    cell = browser.find_element(*by('input[name^="p-"]'))
    cell.send_keys("12")

    def overall() -> str:
        return browser.find_element(*by('[data-total="all"] [data-persons-total]')).text

    wait_for(lambda: overall() == "12")
    said += settle(browser, "portal-typed")
    # The second factor's pages: the QR code is an inline SVG made on the server, no image a policy could block.
    said += visit(browser, f"{site}/accounts/tweestapsaanmelding/", "second-factor")
    said += visit(browser, f"{site}/accounts/tweestapsaanmelding/instellen/", "second-factor-setup")
    assert browser.find_element(*by("figure.qr svg path")).is_displayed()

    # The admin: its scripts are files too; the date shortcuts and the two-box permission picker appear.
    log_in(browser, live_server, "medewerker", DEMO_PASSWORD)
    submission = Submission.objects.filter(organisation=organisation, year=2019).get()
    staff = User.objects.get(username="medewerker")
    for name, path in [
        ("admin-index", "/admin/"),
        ("admin-submissions", "/admin/inventory/submission/?year=2019"),
        ("admin-submission", f"/admin/inventory/submission/{submission.pk}/change/"),
        ("admin-headcounts", "/admin/inventory/headcount/"),
        ("admin-organisation-import", "/admin/inventory/organisation/import/"),
        ("admin-measure-import", "/admin/inventory/measure/import/"),
        ("admin-history", "/admin/inventory/headcountevent/"),
    ]:
        said += visit(browser, site + path, name)
        assert browser.find_element(*by("#content")), name
    said += visit(browser, f"{site}/admin/accounts/user/{staff.pk}/change/", "admin-user")
    assert browser.find_elements(*by(".selector .selector-available")), "SelectFilter2 did not run"
    # The autocomplete (select2) asks the server as one types: connect-src 'self'.
    said += visit(browser, f"{site}/admin/inventory/organisation/{organisation.pk}/change/", "admin-organisation")
    browser.find_element(*by(".field-home_region .select2-selection")).click()
    browser.find_element(*by(".select2-search__field")).send_keys("Brug")
    wait_for(lambda: "Brugge" in browser.find_element(*by(".select2-results")).text)
    said += settle(browser, "admin-autocomplete")
    said += visit(browser, f"{site}/admin/inventory/collectionround/add/", "admin-round-add")
    browser.find_element(*by(".datetimeshortcuts a[id^=calendarlink]")).click()
    wait_for(lambda: browser.find_element(*by(".calendarbox")).is_displayed())
    said += settle(browser, "admin-round-calendar")
    # The staff pages outside the admin.
    for name, path in [
        ("review-queue", "/beheer/aangiften/"),
        ("review", f"/beheer/aangiften/{submission.pk}/"),
        ("completeness", "/beheer/volledigheid/2020/"),
        ("operations", "/beheer/werking/"),
        ("invitations", "/beheer/uitnodigingen/"),
        ("invitation-new", "/beheer/uitnodigingen/nieuw/"),
        ("members", f"/organisaties/{organisation.pk}/leden/"),
        ("import", "/import/"),
    ]:
        said += visit(browser, site + path, name)
        assert browser.find_element(*by("main h1")), name

    # The refusal and the missing page: the console notes their status, and nothing else may be said anywhere.
    status = re.compile(r"^(refused|not-found): .* status of (403 \(Forbidden\)|404 \(Not Found\))$")
    unexpected = [line for line in said if not status.match(line)]
    assert unexpected == [], "\n".join(unexpected)
