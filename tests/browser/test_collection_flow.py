"""In Debian's Chromium: an editor fills and submits the 2020 form with one plausibility explanation, staff
validate it, and the West-Vlaanderen total in the API changes by exactly that amount through the worker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from inventory.models import Aggregate, CollectionRound, Headcount, Measure, Region, Submission
from inventory.services.aggregation import aggregates_recompute_all
from inventory.services.reference import reference_load
from tests.browser.conftest import log_in, needs_chromium, wait_for
from tests.conftest import force_login
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]


def west_vlaanderen_2020(client: Client) -> int:
    body = client.get("/api/aggregates/?year=2020&region=30000").json()
    headline = [r for r in body["results"] if r["trede"] is None and r["measure"] is None and r["group"] == ""]
    return headline[0]["persons"] if headline else 0


def test_an_editor_submits_staff_validate_and_the_api_total_moves_by_the_submitted_amount(
    browser, live_server, worker
) -> None:
    from selenium.webdriver.common.by import By

    reference_load()
    brugge = Region.objects.get(code="31005")
    organisation = OrganisationFactory(home_region=brugge, kind="maatwerkbedrijf", name="Werkplaats Brugge")
    other = OrganisationFactory(home_region=Region.objects.get(code="34022"), kind="maatwerkbedrijf")
    editor, staff = UserFactory(username="invoerder-a"), UserFactory(username="pom-staff", is_staff=True)
    MembershipFactory(user=editor, organisation=organisation, role="editor")
    today = timezone.localdate()
    CollectionRound.objects.create(
        year=2020, opens_on=today - dt.timedelta(days=3), closes_on=today + dt.timedelta(days=30)
    )
    bed, afd = Measure.objects.get(code="CMW-BED"), Measure.objects.get(code="CMW-AFD")
    last_year = Submission.objects.create(organisation=organisation, year=2019, status="validated")
    Headcount.objects.create(submission=last_year, measure=bed, region=brugge, persons=100)
    Headcount.objects.create(submission=last_year, measure=afd, region=brugge, persons=20)
    # Someone else's validated 2020 figures, so that the total has something to move from.
    elsewhere = Submission.objects.create(organisation=other, year=2020, status="validated")
    Headcount.objects.create(submission=elsewhere, measure=bed, region=other.home_region, persons=500)
    aggregates_recompute_all()
    api = Client()
    force_login(api, staff)
    before = west_vlaanderen_2020(api)
    assert before == 500

    log_in(browser, live_server, editor.username)
    browser.get(f"{live_server.url}/portaal/{organisation.pk}/2020/")
    bed_cell, afd_cell = f"{bed.pk}-{brugge.pk}", f"{afd.pk}-{brugge.pk}"
    browser.find_element(By.ID, f"p-{bed_cell}").send_keys("150")
    browser.find_element(By.ID, f"p-{afd_cell}").send_keys("20")
    browser.find_element(By.CSS_SELECTOR, "button[name=submit]").click()
    wait_for(lambda: "licht de wijziging toe" in browser.page_source)
    browser.find_element(By.ID, f"e-{bed_cell}").send_keys("Tweede afdeling geopend in maart")
    browser.find_element(By.CSS_SELECTOR, "button[name=submit]").click()
    wait_for(lambda: "De aangifte is ingediend" in browser.page_source)
    submission = Submission.objects.get(organisation=organisation, year=2020)
    assert submission.status == "submitted"

    log_in(browser, live_server, staff.username)
    browser.get(f"{live_server.url}/beheer/aangiften/{submission.pk}/")
    assert "Tweede afdeling geopend in maart" in browser.page_source
    browser.find_element(By.XPATH, "//button[normalize-space()='Valideren']").click()
    wait_for(lambda: "Gevalideerd." in browser.page_source)

    wait_for(lambda: west_vlaanderen_2020(api) == before + 170)
    assert (
        Aggregate.objects.get(
            year=2020, scope="validated", region=brugge, trede__isnull=True, measure__isnull=True, group=""
        ).persons
        == 170
    )
