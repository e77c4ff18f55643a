"""Publishing safely: the publish form shows what will be frozen and needs an explicit confirmation for an
incomplete year (the service refuses without it); a published edition can be withdrawn by staff, once, with a
reason: it stays frozen and reachable with a banner, leaves every default and listing, and the database refuses
any other change."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from accounts.models import User
from inventory.models import CollectionRound, Edition, EditionEvent, Headcount, Measure, Region
from inventory.services.aggregation import aggregates_recompute
from inventory.services.completeness import expected_organisations
from inventory.services.editions import edition_publish, edition_withdraw
from tests.factories import SubmissionFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def demo(demo_db: None) -> None:
    """The demo: Inventaris 2018 and 2019 published, 2014-2019 complete."""


@pytest.fixture
def round_2020(demo: None) -> CollectionRound:
    today = timezone.localdate()
    collection_round = CollectionRound.objects.create(
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
    return collection_round


def edition(name: str) -> Edition:
    return Edition.objects.get(name=name)


# --- publishing -------------------------------------------------------------------------------------------------


def test_the_service_refuses_an_incomplete_year_without_confirmation(round_2020: CollectionRound, coordinator: User):
    before = Edition.objects.count()
    with pytest.raises(ValidationError) as refused:
        edition_publish(name="Inventaris 2020", reference_year=2020, published_on=dt.date(2021, 6, 1), user=coordinator)
    message = " ".join(refused.value.message_dict["confirm_incomplete"])
    assert "2020: onvolledig: 1 van " in message
    assert Edition.objects.count() == before
    result = edition_publish(
        name="Inventaris 2020",
        reference_year=2020,
        published_on=dt.date(2021, 6, 1),
        user=coordinator,
        confirm_incomplete=True,
    )
    assert result.edition.reference_year == 2020
    assert result.figures > 0


def test_complete_years_publish_without_confirmation(round_2020: CollectionRound, coordinator: User):
    result = edition_publish(
        name="Inventaris 2019 bis", reference_year=2019, published_on=dt.date(2021, 6, 1), user=coordinator
    )
    assert result.figures > 0


def test_the_publish_form_shows_what_is_frozen_and_serves_an_iso_date(
    round_2020: CollectionRound, coordinator_client: Client
):
    response = coordinator_client.get("/edities/")
    html = response.content.decode()
    assert re.search(r'<input type="date" name="published_on" value="\d{4}-\d{2}-\d{2}"', html)
    assert 'data-preview-year="2020" class="incomplete" data-incomplete' in html
    page = text(response)
    assert "Wat bevroren wordt" in page
    assert "onvolledig: 1 van " in page
    assert "gepubliceerd in Inventaris 2019" in page
    assert "Ik bevestig dat ik ook onvolledige jaren publiceer" in page


def test_the_publish_form_needs_the_box_ticked_for_an_incomplete_year(
    round_2020: CollectionRound, coordinator_client: Client
):
    data = {"name": "Inventaris 2020", "reference_year": 2020, "published_on": "2021-06-01", "note": ""}
    response = coordinator_client.post("/edities/publiceren/", data)
    assert response.status_code == 400
    assert "Bevestig dat u deze onvolledige cijfers wilt bevriezen." in text(response)
    assert not Edition.objects.filter(name="Inventaris 2020").exists()
    assert 'value="Inventaris 2020"' in response.content.decode()  # nothing typed is lost
    response = coordinator_client.post("/edities/publiceren/", {**data, "confirm_incomplete": "on"})
    assert response.status_code == 302
    assert Edition.objects.get(name="Inventaris 2020").published_on == dt.date(2021, 6, 1)


def test_the_publish_form_leads_with_the_latest_complete_year_and_names_the_incomplete_one(
    round_2020: CollectionRound, coordinator_client: Client
):
    html = coordinator_client.get("/edities/").content.decode()
    assert '<option value="2019" selected>2019</option>' in html
    assert '<option value="2020">2020 (onvolledig)</option>' in html


def test_a_refused_publication_says_so_at_the_top_of_the_page(round_2020: CollectionRound, coordinator_client: Client):
    data = {"name": "Inventaris 2020", "reference_year": 2020, "published_on": "2021-06-01"}
    html = coordinator_client.post("/edities/publiceren/", data).content.decode()
    summary = html.index("data-publish-refused")
    assert summary < html.index('<table class="editions"')  # before the list, not below the fold
    assert "De editie is niet gepubliceerd." in html[summary : summary + 600]
    assert "Bevestig dat u deze onvolledige cijfers wilt bevriezen." in html[summary : summary + 600]


def test_an_edition_that_froze_an_incomplete_year_says_so_for_ever_and_leads_nothing(
    round_2020: CollectionRound, coordinator: User, coordinator_client: Client
):
    result = edition_publish(
        name="Inventaris 2020",
        reference_year=2020,
        published_on=dt.date(2021, 6, 1),
        user=coordinator,
        confirm_incomplete=True,
    )
    frozen = result.edition
    frozen.refresh_from_db()
    assert frozen.year_states["2020"]["state"] == "collecting"
    assert frozen.year_states["2019"]["state"] != "collecting"
    assert frozen.incomplete_years == [2020]
    assert not frozen.complete
    # The year itself is not final because an edition froze it.
    from inventory.selectors.years import year_states

    assert year_states()[2020].state == "collecting"
    html = coordinator_client.get("/edities/").content.decode()
    assert 'data-preview-year="2020" class="incomplete" data-incomplete' in html
    assert 'data-edition-incomplete="2020"' in html
    assert "2020: onvolledig bij publicatie: 1 van " in text(coordinator_client.get("/edities/"))
    # Kerncijfers lead with the latest edition that froze its year complete...
    page = text(coordinator_client.get("/kerncijfers/"))
    assert "Bron: editie Inventaris 2019." in page
    assert "Inventaris 2020 (onvolledig bij publicatie)" in page  # the choice says what it is
    # ...and the incomplete one, when chosen, shows its own year with the label.
    page = text(coordinator_client.get(f"/kerncijfers/?edition={frozen.pk}"))
    assert "Bron: editie Inventaris 2020." in page
    assert "Geen definitieve cijfers: 2020 is onvolledig bij publicatie: 1 van " in page
    # Its exports carry the state it had.
    response = coordinator_client.get("/exports/", {"edition": frozen.pk, "dataset": "aggregates", "format": "json"})
    meta = json.loads(b"".join(response.streaming_content))["meta"]
    assert meta["year_states"]["2020"]["state"] == "collecting"
    assert meta["year_states"]["2020"]["label"].startswith("onvolledig bij publicatie")


def test_an_edition_of_complete_years_records_them_complete(demo: None, coordinator: User):
    result = edition_publish(
        name="Inventaris 2019 bis", reference_year=2019, published_on=dt.date(2021, 6, 1), user=coordinator
    )
    result.edition.refresh_from_db()
    assert result.edition.complete
    assert sorted(result.edition.year_states) == [str(y) for y in range(2014, 2020)]


def test_a_corrected_edition_points_to_the_one_it_replaces_and_both_show_it(demo: None, coordinator_client: Client):
    old = edition("Inventaris 2019")
    data = {
        "name": "Inventaris 2019 (gecorrigeerd)",
        "reference_year": 2019,
        "published_on": "2021-06-01",
        "replaces": old.pk,
    }
    assert coordinator_client.post("/edities/publiceren/", data).status_code == 302
    new = edition("Inventaris 2019 (gecorrigeerd)")
    assert new.replaces == old
    page = text(coordinator_client.get("/edities/"))
    assert "Vervangt Inventaris 2019." in page
    assert "Vervangen door Inventaris 2019 (gecorrigeerd)." in page


def test_a_bad_publication_date_is_a_dutch_message_naming_the_field(demo: None, coordinator_client: Client):
    data = {"name": "X", "reference_year": 2019, "published_on": "morgen"}
    response = coordinator_client.post("/edities/publiceren/", data)
    assert response.status_code == 400
    assert "Publicatiedatum ‘morgen’ is geen geldige datum" in text(response)
    assert 'value="X"' in response.content.decode()


# --- withdrawing ------------------------------------------------------------------------------------------------


def test_staff_withdraw_an_edition_with_a_reason_and_it_leaves_every_default_and_listing(
    demo: None, staff_client: Client, coordinator_client: Client, staff_user: User
):
    wrong = edition("Inventaris 2019")
    url, reason = f"/edities/{wrong.pk}/intrekken/", "2019 bevatte een dubbeltelling"
    # The first click asks, with what withdrawing means; nothing changes yet.
    response = staff_client.post(url, {"reason": reason})
    assert response.status_code == 200
    page = text(response)
    assert "Editie ‘Inventaris 2019’ intrekken?" in page
    assert "Intrekken kan niet ongedaan gemaakt worden." in page
    assert reason in response.content.decode()  # the reason typed is kept
    wrong.refresh_from_db()
    assert not wrong.withdrawn
    response = staff_client.post(url, {"reason": reason, "confirm": "1"})
    assert response.status_code == 302
    wrong.refresh_from_db()
    assert wrong.withdrawn
    assert wrong.withdrawn_by == staff_user
    # Kerncijfers default to the other current edition; the withdrawn one is reachable with a banner.
    page = text(coordinator_client.get("/kerncijfers/"))
    assert "Bron: editie Inventaris 2018." in page
    page = text(coordinator_client.get(f"/kerncijfers/?edition={wrong.pk}"))
    assert "De editie Inventaris 2019 is ingetrokken op" in page
    assert "Reden: 2019 bevatte een dubbeltelling" in page
    assert "63.552" in page  # still frozen and readable
    # The editions page lists it apart; the export form does not offer it.
    html = coordinator_client.get("/edities/").content.decode()
    assert f'data-edition="{wrong.pk}"' not in html
    assert f'data-withdrawn-edition="{wrong.pk}"' in html
    exports = coordinator_client.get("/exports/").content.decode()
    assert f'<option value="{wrong.pk}"' not in exports
    # ...but its own export link still works, with the banner and the withdrawal in the metadata.
    exports = coordinator_client.get(f"/exports/?edition={wrong.pk}")
    assert "is ingetrokken op" in text(exports)
    response = coordinator_client.get("/exports/", {"edition": wrong.pk, "dataset": "aggregates", "format": "json"})
    meta = json.loads(b"".join(response.streaming_content))["meta"]
    assert meta["edition_withdrawn"]["reason"] == "2019 bevatte een dubbeltelling"


def test_the_withdrawal_is_in_the_audit_trail(demo: None, staff_user: User):
    wrong = edition("Inventaris 2019")
    edition_withdraw(edition=wrong, reason="dubbeltelling", user=staff_user)
    event = EditionEvent.objects.filter(pgh_obj=wrong).order_by("-pgh_id").first()
    assert event.withdrawn_reason == "dubbeltelling"
    assert event.pgh_context.metadata["reason"] == "dubbeltelling"
    assert event.pgh_context.metadata["user"] == staff_user.pk


def test_a_withdrawal_needs_a_reason_and_happens_once(demo: None, staff_user: User, staff_client: Client):
    wrong = edition("Inventaris 2019")
    with pytest.raises(ValidationError):
        edition_withdraw(edition=wrong, reason="  ", user=staff_user)
    edition_withdraw(edition=wrong, reason="fout", user=staff_user)
    with pytest.raises(ValidationError, match="is al ingetrokken"):
        edition_withdraw(edition=wrong, reason="nog eens", user=staff_user)
    response = staff_client.post(f"/edities/{wrong.pk}/intrekken/", {"reason": "nog eens"}, follow=True)
    assert "is al ingetrokken op" in text(response)
    wrong.refresh_from_db()
    assert wrong.withdrawn_reason == "fout"


def test_a_coordinator_may_not_withdraw(demo: None, coordinator_client: Client, coordinator: User):
    wrong = edition("Inventaris 2019")
    response = coordinator_client.post(f"/edities/{wrong.pk}/intrekken/", {"reason": "fout"})
    assert response.status_code == 403
    assert "Enkel POM-medewerkers trekken edities in." in text(response)
    with pytest.raises(Exception, match="Enkel POM-medewerkers"):
        edition_withdraw(edition=wrong, reason="fout", user=coordinator)
    wrong.refresh_from_db()
    assert not wrong.withdrawn


def sql(statement: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_the_database_allows_one_withdrawal_and_nothing_else(demo: None, staff_user: User):
    wrong = edition("Inventaris 2019")
    with pytest.raises(DatabaseError):
        sql("update inventory_edition set name = 'anders' where id = %s", [wrong.pk])
    with pytest.raises(DatabaseError):  # a withdrawal may not change anything else at the same time
        sql(
            "update inventory_edition set withdrawn_at = now(), withdrawn_reason = 'x', note = 'y' where id = %s",
            [wrong.pk],
        )
    with pytest.raises(DatabaseError):  # withdrawn means a reason too
        sql("update inventory_edition set withdrawn_at = now() where id = %s", [wrong.pk])
    sql("update inventory_edition set withdrawn_at = now(), withdrawn_reason = 'fout' where id = %s", [wrong.pk])
    for statement in (
        "update inventory_edition set withdrawn_at = now() + interval '1 day' where id = %s",
        "update inventory_edition set withdrawn_reason = 'andere reden' where id = %s",
        "update inventory_edition set withdrawn_at = null, withdrawn_reason = '' where id = %s",
        "update inventory_edition set reference_year = 2018 where id = %s",
        "delete from inventory_edition where id = %s",
    ):
        with pytest.raises(DatabaseError):
            sql(statement, [wrong.pk])
    wrong.refresh_from_db()
    assert (wrong.name, wrong.withdrawn_reason, wrong.reference_year) == ("Inventaris 2019", "fout", 2019)


def test_an_editions_export_page_names_the_edition_and_marks_a_withdrawn_one(
    demo: None, staff_user: User, coordinator_client: Client
):
    wrong = edition("Inventaris 2019")
    edition_withdraw(edition=wrong, reason="dubbeltelling", user=staff_user)
    response = coordinator_client.get(f"/exports/?edition={wrong.pk}")
    html = response.content.decode()
    assert f'<option value="{wrong.pk}" selected>Inventaris 2019 (ingetrokken)</option>' in html
    page = text(response)
    assert "U exporteert de editie Inventaris 2019: bevroren, gevalideerde cijfers" in page
    assert "Alle wijzigingen zijn verwerkt" not in page  # the live figures' freshness is not this file's
    compare = coordinator_client.get("/edities/").content.decode()
    assert "Inventaris 2019 (ingetrokken)</option>" in compare
