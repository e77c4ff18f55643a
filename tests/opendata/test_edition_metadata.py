"""What coordinators set of an edition for the public site: its licence when publishing, and when the next
edition is expected (set, moved or cleared afterwards)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from inventory.models import Edition, Licence
from inventory.services.aggregation import aggregates_recompute
from tests.factories import (
    EditionFactory,
    HeadcountFactory,
    MeasureFactory,
    OrganisationFactory,
    RegionFactory,
    SubmissionFactory,
)

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def validated_2019(db: None) -> None:
    brugge = RegionFactory(code="31005", name="Brugge")
    organisation = OrganisationFactory(home_region=brugge)
    submission = SubmissionFactory(organisation=organisation, year=2019, validated=True)
    HeadcountFactory(submission=submission, measure=MeasureFactory(code="MWB-DOEL"), region=brugge, persons=40)
    aggregates_recompute(year=2019, full=True)


def publish(client: Client, **fields: str):
    data = {"name": "Inventaris 2019", "reference_year": "2019", "published_on": "2020-06-30"}
    return client.post("/edities/publiceren/", {**data, "confirm_incomplete": "on", **fields})


def test_the_publish_form_offers_the_licences_with_cc_by_chosen(validated_2019, coordinator_client: Client) -> None:
    html = coordinator_client.get("/edities/").content.decode()

    select = html[html.index('name="licence"') : html.index("</select>", html.index('name="licence"'))]
    assert '<option value="CC-BY-4.0" selected>' in select
    assert 'value="CC0-1.0"' in select
    assert 'value="modellicentie-gratis-hergebruik"' in select


def test_a_coordinator_publishes_under_the_licence_chosen(
    validated_2019, coordinator_client: Client, clean_redis
) -> None:
    response = publish(coordinator_client, licence=Licence.CC0_1_0)

    assert response.status_code == 302
    edition = Edition.objects.get(name="Inventaris 2019")
    assert edition.licence == Licence.CC0_1_0
    assert "Creative Commons Zero 1.0 (CC0)" in text(Client().get("/cijfers/inventaris-2019/"))


def test_an_edition_published_without_a_licence_choice_is_cc_by(validated_2019, coordinator_client: Client) -> None:
    assert publish(coordinator_client).status_code == 302
    assert Edition.objects.get(name="Inventaris 2019").licence == Licence.CC_BY_4_0


def test_an_unknown_licence_is_refused_with_its_name(validated_2019, coordinator_client: Client) -> None:
    response = publish(coordinator_client, licence="GPL")

    assert response.status_code == 400
    assert "Licentie ‘GPL’ is onbekend." in text(response)
    assert not Edition.objects.exists()


@pytest.fixture
def edition(db: None) -> Edition:
    return EditionFactory(name="Inventaris 2019", published_on=dt.date(2020, 6, 30))


def schedule(client: Client, edition: Edition, **data: str):
    return client.post(f"/edities/{edition.pk}/volgende/", data)


def test_a_coordinator_sets_and_clears_the_next_edition_date(
    edition: Edition, coordinator_client: Client, clean_redis
) -> None:
    response = schedule(coordinator_client, edition, next_edition_on="2021-06-30")

    assert response.status_code == 302
    edition.refresh_from_db()
    assert edition.next_edition_on == dt.date(2021, 6, 30)
    assert "verwacht op 30 juni 2021" in text(Client().get("/cijfers/inventaris-2019/"))
    page = coordinator_client.get("/edities/").content.decode()
    assert 'value="2021-06-30"' in page

    assert schedule(coordinator_client, edition, next_edition_on="2021-06-30", clear="1").status_code == 302
    edition.refresh_from_db()
    assert edition.next_edition_on is None
    assert "nog niet gepland" in text(Client().get("/cijfers/inventaris-2019/"))


def test_an_empty_date_clears_it_too(edition: Edition, staff_client: Client) -> None:
    schedule(staff_client, edition, next_edition_on="2021-06-30")

    assert schedule(staff_client, edition, next_edition_on="").status_code == 302
    edition.refresh_from_db()
    assert edition.next_edition_on is None


def test_a_date_before_the_publication_is_refused_on_the_page(edition: Edition, coordinator_client: Client) -> None:
    response = schedule(coordinator_client, edition, next_edition_on="2020-01-01")

    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-next-edition="{edition.pk}"' in html
    assert "De volgende editie moet na de publicatie van Inventaris 2019 (30/06/2020) komen." in text(response)
    assert f'id="next-{edition.pk}" value="2020-01-01"' in html  # what was typed stays in the field
    edition.refresh_from_db()
    assert edition.next_edition_on is None


def test_a_date_that_is_not_a_date_is_refused_with_the_value(edition: Edition, coordinator_client: Client) -> None:
    response = schedule(coordinator_client, edition, next_edition_on="volgend jaar")

    assert response.status_code == 400
    assert "‘volgend jaar’ is geen geldige datum voor de volgende editie" in text(response)


def test_organisation_users_cannot_plan_an_edition(edition: Edition, editor_a_client: Client) -> None:
    assert schedule(editor_a_client, edition, next_edition_on="2021-06-30").status_code == 404
    edition.refresh_from_db()
    assert edition.next_edition_on is None
