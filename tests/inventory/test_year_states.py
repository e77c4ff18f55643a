"""Year states: a year is collecting, complete or published; pages, the API, exports and the publication workbook
lead with the latest complete year, label any other year they show, and never serve a stale state."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from inventory.models import (
    CollectionRound,
    CollectionRoundEvent,
    Headcount,
    Measure,
    Region,
    Submission,
    SubmissionStatus,
)
from inventory.selectors.dashboard import dashboard, key_figures
from inventory.selectors.sources import FigureSource, OwnSource, place_get
from inventory.selectors.years import YearState, year_states
from inventory.services.aggregation import aggregates_recompute
from inventory.services.completeness import expected_organisations
from inventory.services.years import round_mark_complete
from tests.conftest import logged_in
from tests.factories import HeadcountFactory, MembershipFactory, OrganisationFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return text_of(response.content.decode())


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def figure(response, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', response.content.decode())
    assert match, name
    return match.group(1)


@pytest.fixture
def demo(demo_aggregates: None) -> None:
    """The demo (2014-2019, rounds declared complete, Inventaris 2018 and 2019 published) with its aggregates."""


@pytest.fixture
def round_2020(demo: None) -> CollectionRound:
    """The defect as seen: the 2020 round is open and one expected organisation of many is validated."""
    today = timezone.localdate()
    collection_round = CollectionRound.objects.create(
        year=2020, opens_on=today - dt.timedelta(days=30), closes_on=today + dt.timedelta(days=30)
    )
    organisation = expected_organisations().order_by("pk").first()
    submission = SubmissionFactory(organisation=organisation, year=2020, validated=True)
    Headcount.objects.create(
        submission=submission,
        measure=Measure.objects.get(code="IBO"),
        region=Region.objects.get(code="31005"),
        persons=755,
    )
    aggregates_recompute(year=2020, full=True)
    return collection_round


def expected_count() -> int:
    return expected_organisations().count()


def test_a_year_with_one_validated_organisation_of_many_is_collecting_and_says_so(round_2020: CollectionRound):
    states = year_states()
    n = expected_count()
    assert n > 1
    assert (states[2020].state, states[2020].validated, states[2020].expected) == (YearState.COLLECTING, 1, n)
    assert states[2020].label == f"onvolledig: 1 van {n} organisaties gevalideerd"
    assert states[2019].state == YearState.PUBLISHED
    assert states[2019].label == "gepubliceerd in Inventaris 2019"
    assert states[2015].state == YearState.COMPLETE  # the demo's historic rounds are declared complete


def test_a_closed_round_is_complete_only_with_the_share_staff_require(round_2020: CollectionRound):
    today = timezone.localdate()
    CollectionRound.objects.filter(pk=round_2020.pk).update(
        opens_on=today - dt.timedelta(days=60), closes_on=today - dt.timedelta(days=1), required_completeness=90
    )
    assert year_states()[2020].state == YearState.COLLECTING
    CollectionRound.objects.filter(pk=round_2020.pk).update(required_completeness=1)
    assert year_states()[2020].state == YearState.COMPLETE
    CollectionRound.objects.filter(pk=round_2020.pk).update(
        closes_on=today + dt.timedelta(days=1), opens_on=today - dt.timedelta(days=1)
    )
    assert year_states()[2020].state == YearState.COLLECTING  # an open round is still collecting


def test_a_year_with_validated_figures_but_no_round_is_a_complete_historic_year(demo: None):
    SubmissionFactory(organisation=expected_organisations().first(), year=2013, validated=True)
    status = year_states()[2013]
    assert status.state == YearState.COMPLETE
    assert status.required_pct is None
    assert status.label == "volledig (historisch jaar, door POM ingeladen)"


def test_staff_declare_a_year_complete_and_undo_it_in_the_audit_trail(round_2020: CollectionRound, staff_user: User):
    round_mark_complete(round=round_2020, user=staff_user, reason="alle grote organisaties binnen")
    assert year_states()[2020].state == YearState.COMPLETE
    round_mark_complete(round=round_2020, user=staff_user, complete=False)
    assert year_states()[2020].state == YearState.COLLECTING
    events = list(CollectionRoundEvent.objects.filter(pgh_obj=round_2020).order_by("pgh_id"))
    assert [e.marked_complete_at is not None for e in events] == [False, True, False]
    assert events[1].pgh_context.metadata["reason"] == "alle grote organisaties binnen"
    assert events[1].pgh_context.metadata["user"] == staff_user.pk
    assert events[2].pgh_context.metadata["reason"] == "volledig verklaren ongedaan gemaakt"


def test_a_coordinator_cannot_declare_a_year_complete(round_2020: CollectionRound, coordinator: User):
    with pytest.raises(ValidationError):
        round_mark_complete(round=round_2020, user=coordinator)
    assert year_states()[2020].state == YearState.COLLECTING


def test_the_admin_declares_a_year_complete_with_its_action(round_2020: CollectionRound, staff_client: Client):
    response = staff_client.post(
        "/admin/inventory/collectionround/",
        {"action": "mark_complete", "_selected_action": [round_2020.pk]},
        follow=True,
    )
    assert "Bevraging 2020: jaar volledig verklaard." in text(response)
    assert year_states()[2020].state == YearState.COMPLETE


# --- pages ------------------------------------------------------------------------------------------------------


def test_the_dashboard_leads_with_the_latest_complete_year_not_an_incomplete_one(
    round_2020: CollectionRound, coordinator_client: Client
):
    response = coordinator_client.get("/")
    assert "Participatieladder West-Vlaanderen, 2019" in text(response)
    assert figure(response, "headline") == "63.552"
    assert "Voorlopig beeld" not in text(response)


def test_an_incomplete_year_chosen_on_the_dashboard_is_labelled_and_never_looks_final(
    round_2020: CollectionRound, coordinator_client: Client
):
    page = text(coordinator_client.get("/?year=2020"))
    n = expected_count()
    assert "Participatieladder West-Vlaanderen, 2020" in page
    assert (
        f"Voorlopig beeld: 2020 is onvolledig: 1 van {n} organisaties gevalideerd; cijfers kunnen nog sterk wijzigen."
        in page
    )
    assert f"t.o.v. 2019 — 2020 is onvolledig: 1 van {n} organisaties gevalideerd" in page
    assert "Alle wijzigingen zijn verwerkt." not in page
    assert "het jaar is nog niet volledig: de cijfers zijn niet definitief" in page


def test_kerncijfers_of_the_live_figures_lead_with_the_latest_complete_year(
    round_2020: CollectionRound, coordinator_client: Client
):
    response = coordinator_client.get("/kerncijfers/?edition=live")
    assert figure(response, "total") == "63.552"
    response = coordinator_client.get("/kerncijfers/?edition=live&year=2020")
    page = text(response)
    assert "Geen definitieve cijfers: 2020 is onvolledig" in page
    # Every figure of the year carries the mark, as on the dashboard: the total, the share (card and text), trends.
    assert response.content.decode().count("data-provisional>(voorlopig: 2020 onvolledig)") == 4
    assert "data-provisional" not in coordinator_client.get("/kerncijfers/?edition=live").content.decode()


def test_declaring_a_year_complete_shows_at_once_through_the_cache(
    round_2020: CollectionRound, coordinator_client: Client, staff_user: User
):
    assert "Participatieladder West-Vlaanderen, 2019" in text(coordinator_client.get("/"))
    round_mark_complete(round=round_2020, user=staff_user)
    page = text(coordinator_client.get("/"))
    assert "Participatieladder West-Vlaanderen, 2020" in page
    assert "Voorlopig beeld" not in page


def test_a_new_validation_changes_the_label_through_the_cache(round_2020: CollectionRound, coordinator_client: Client):
    n = expected_count()
    assert f"1 van {n} organisaties" in text(coordinator_client.get("/?year=2020"))
    second = expected_organisations().order_by("pk")[1]
    SubmissionFactory(organisation=second, year=2020, validated=True)
    assert f"2 van {n} organisaties" in text(coordinator_client.get("/?year=2020"))


def test_the_aggregates_table_shows_the_latest_complete_year_by_default_and_labels_an_incomplete_one(
    round_2020: CollectionRound, coordinator_client: Client
):
    page = text(coordinator_client.get("/tabellen/aggregaten/?region=30000&level=&trede=&measure="))
    assert "2019" in page
    assert " 2020 " not in page.split("Filteren")[1]
    page = text(coordinator_client.get("/tabellen/aggregaten/?year=2020&region=30000"))
    assert "Geen definitieve cijfers: 2020 is onvolledig" in page


def year_options(response) -> dict[str, str]:
    """The year select's (or checkboxes') choices: value -> label."""
    html = response.content.decode()
    found = re.findall(
        r'<option value="(\d{4})"[^>]*>([^<]*)</option>', html.split('name="year"', 1)[1].split("</select>")[0]
    )
    found += re.findall(r'name="year" value="(\d{4})"[^>]*>\s*([^<]*)</label>', html)
    return {value: label.strip() for value, label in found}


@pytest.mark.parametrize(
    "url", ["/", "/kerncijfers/?edition=live", "/tabellen/aggregaten/", "/tabellen/aggregaten/?year=", "/exports/"]
)
def test_a_year_select_of_live_figures_says_which_year_is_incomplete(
    round_2020: CollectionRound, coordinator_client: Client, url: str
):
    options = year_options(coordinator_client.get(url))
    assert options["2020"] == "2020 (onvolledig)"
    assert options["2019"] == "2019"
    assert options["2014"] == "2014"


def test_the_year_select_of_an_edition_and_of_a_completed_year_are_bare_years(
    round_2020: CollectionRound, coordinator_client: Client, staff_user: User
):
    assert "onvolledig" not in " ".join(year_options(coordinator_client.get("/kerncijfers/")).values())
    round_mark_complete(round=round_2020, user=staff_user)
    assert year_options(coordinator_client.get("/"))["2020"] == "2020"  # through the cache too


def test_the_aggregates_year_select_filters_by_year_and_refuses_a_year_it_does_not_offer(
    round_2020: CollectionRound, coordinator_client: Client
):
    page = text(coordinator_client.get("/tabellen/aggregaten/?year=2020&region=30000&level=&trede=&measure="))
    assert "755" in page
    refused = coordinator_client.get("/tabellen/aggregaten/?year=1990")
    assert "Deze filters kloppen niet" in text(refused)


def test_a_change_against_another_year_says_which_of_the_two_is_incomplete(
    round_2020: CollectionRound, coordinator_client: Client
):
    n = expected_count()
    dashboard_page = text(coordinator_client.get("/?year=2020"))
    assert f"t.o.v. 2019 — 2020 is onvolledig: 1 van {n} organisaties gevalideerd" in dashboard_page
    assert f"t.o.v. 2014 — 2020 is onvolledig: 1 van {n} organisaties gevalideerd" in dashboard_page
    assert "vergelijking met een onvolledig jaar" not in dashboard_page  # it read as if 2019 were incomplete
    kerncijfers = text(coordinator_client.get("/kerncijfers/?edition=live&year=2020"))
    assert f"t.o.v. 2019 — 2020 is onvolledig: 1 van {n} organisaties gevalideerd" in kerncijfers
    assert f"t.o.v. 2014 — 2020 is onvolledig: 1 van {n} organisaties gevalideerd" in kerncijfers
    assert f"tegenover 2019 (63.552) (2020 is onvolledig: 1 van {n} organisaties gevalideerd; nog niet definitief)" in (
        kerncijfers
    )
    assert "vergelijking met een onvolledig jaar" not in kerncijfers
    assert "data-compare-incomplete" not in coordinator_client.get("/?year=2019").content.decode()


def test_a_complete_year_compared_with_an_incomplete_one_names_the_incomplete_one(demo: None):
    """The other way round: 2019 shown, 2018 (here made incomplete) the year it is compared with."""
    states = year_states()
    states[2018] = dataclasses.replace(states[2018], state=YearState.COLLECTING, validated=3)
    place = place_get("30000")
    data = dashboard(source=FigureSource(), place=place, year=2019, states=states)
    n = states[2018].expected
    assert data.year_label == ""
    assert data.previous_note == f"2018 is onvolledig: 3 van {n} organisaties gevalideerd"
    assert data.base_note == ""
    figures = key_figures(source=FigureSource(), place=place, year=2019, states=states)
    assert figures.previous_note == data.previous_note
    assert figures.base_note == ""


# --- every figure of an incomplete year carries its label -------------------------------------------------------


def series_chart(response) -> str:
    html = response.content.decode()
    return re.findall(r'<svg class="chart".*?</svg>', html, re.S)[1]


def test_the_series_chart_of_the_default_year_marks_the_incomplete_year_in_words_and_hatching(
    round_2020: CollectionRound, coordinator_client: Client
):
    response = coordinator_client.get("/")
    n = expected_count()
    svg = series_chart(response)
    labels = re.findall(r'<text x="[\d.]+" y="240" text-anchor="middle">([^<]*)</text>', svg)
    assert labels == ["2014", "2015", "2016", "2017", "2018", "2019", "2020*"]
    assert re.findall(r'class="hatch" data-marked="([^"]*)"', svg) == ["2020*"]  # not by colour alone
    page = text(response)
    assert f"* 2020 is onvolledig: 1 van {n} organisaties gevalideerd" in page
    # The chart's table carries the same mark and says why.
    assert f"2020* (onvolledig: 1 van {n} organisaties gevalideerd) – 755 – 755" in page
    assert "2019* " not in page


def test_every_figure_block_of_an_incomplete_year_carries_its_mark(
    round_2020: CollectionRound, coordinator_client: Client
):
    response = coordinator_client.get("/?year=2020")
    html = response.content.decode()
    assert html.count('role="note" data-year-state="2020"') == 1  # one banner
    page = text(response)
    mark = "(voorlopig: 2020 onvolledig)"
    assert f"tewerkstellings- en participatieplaatsen (treden 3-5) {mark}" in page
    assert f"aandeel in Vlaanderen {mark}" in page  # West-Vlaanderen's share of Flanders
    assert f"De participatieladder: personen per trede {mark}" in page
    assert f"Personen per trede en maatregelgroep, West-Vlaanderen 2020 {mark}" in page
    assert f"West-Vlaanderen naast Vlaanderen {mark}" in page
    assert f"Per arrondissement, 2020 {mark}" in page
    assert html.count("data-provisional") == 6


def test_the_figures_of_a_complete_year_carry_no_mark(round_2020: CollectionRound, coordinator_client: Client):
    page = coordinator_client.get("/?year=2019").content.decode()
    assert "data-provisional" not in page
    assert "Per arrondissement, 2019" in text_of(page)


def test_the_series_chart_marks_nothing_once_the_year_is_complete(
    round_2020: CollectionRound, coordinator_client: Client, staff_user: User
):
    assert "data-chart-note" in coordinator_client.get("/").content.decode()
    round_mark_complete(round=round_2020, user=staff_user)
    response = coordinator_client.get("/?year=2019")
    assert "data-chart-note" not in response.content.decode()
    assert 'class="hatch"' not in series_chart(response)
    assert "2020*" not in text(response)


# --- API and exports ------------------------------------------------------------------------------------------


def test_the_api_labels_every_year_it_returns(round_2020: CollectionRound, coordinator_client: Client):
    body = coordinator_client.get("/api/aggregates/?year=2019,2020&region=30000&trede=5").json()
    assert body["year_states"]["2020"]["state"] == "collecting"
    assert body["year_states"]["2020"]["label"].startswith("onvolledig: 1 van ")
    assert body["year_states"]["2019"]["state"] == "published"


def test_exports_carry_the_year_states_in_their_metadata(round_2020: CollectionRound, coordinator_client: Client):
    response = coordinator_client.get(
        "/exports/", {"dataset": "aggregates", "format": "json", "year": [2019, 2020], "region": "30000"}
    )
    meta = json.loads(b"".join(response.streaming_content))["meta"]
    assert meta["year_states"]["2020"]["state"] == "collecting"
    assert meta["year_states"]["2019"]["label"] == "gepubliceerd in Inventaris 2019"
    response = coordinator_client.get(
        "/exports/", {"dataset": "aggregates", "format": "sdmx", "year": 2020, "region": "30000"}
    )
    lines = b"".join(response.streaming_content).decode().splitlines()
    header = lines[0].split(",")
    statuses = {line.split(",")[header.index("OBS_STATUS")] for line in lines[1:]}
    assert statuses == {"P"}  # a year still being collected is not final


def test_the_publication_workbook_ends_with_the_latest_complete_year_unless_asked(
    round_2020: CollectionRound, coordinator_client: Client
):
    def workbook(query: str):
        response = coordinator_client.get(f"/exports/publication/{query}")
        assert response.status_code == 200
        return load_workbook(io.BytesIO(b"".join(response.streaming_content)))

    default = workbook("")
    notes = {row[0]: row[1] for row in default["Toelichting"].iter_rows(min_row=3, values_only=True)}
    assert notes["Jaren"] == "2014-2019"
    assert notes["Onvolledige jaren"] == "geen: alle jaren zijn volledig"
    asked = workbook("?year=2020")
    notes = {row[0]: row[1] for row in asked["Toelichting"].iter_rows(min_row=3, values_only=True)}
    assert notes["Jaren"] == "2014-2020"
    assert notes["Onvolledige jaren"].startswith("2020: onvolledig: 1 van ")
    assert "NIET DEFINITIEF" in asked["Tabel 1 Treden"]["A2"].value
    # The exports page says where the workbook ends and links the incomplete year's version.
    page = coordinator_client.get("/exports/").content.decode()
    assert "Alle jaren tot en met 2019, het laatste volledige jaar." in page
    assert 'data-publication-incomplete="2020"><a href="/exports/publication/?year=2020&amp;public=0">' in page


def test_a_publication_year_without_figures_is_a_dutch_message(round_2020: CollectionRound, coordinator_client: Client):
    response = coordinator_client.get("/exports/publication/?year=1999")
    assert response.status_code == 400
    assert "Jaar 1999 heeft geen cijfers" in text(response)
    response = coordinator_client.get("/exports/publication/?year=abc")
    assert response.status_code == 400
    assert "Jaar ‘abc’ is geen geldig jaar." in text(response)


# --- query strings ----------------------------------------------------------------------------------------------


def test_an_unknown_region_on_the_dashboard_says_what_was_asked_and_what_is_shown(
    demo: None, coordinator_client: Client
):
    page = text(coordinator_client.get("/?region=37015&year=2019"))
    assert "Regio ‘37015’ bestaat niet of kan hier niet gekozen worden" in page
    assert "West-Vlaanderen wordt getoond." in page
    assert "Participatieladder West-Vlaanderen, 2019" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("year=abc", "Jaar ‘abc’ is geen geldig jaar; 2019 wordt getoond."),
        ("year=1990", "Voor het jaar 1990 zijn er geen cijfers; 2019 wordt getoond."),
        ("region=nergens", "Regio ‘nergens’ bestaat niet"),
    ],
)
def test_a_bad_choice_on_dashboard_and_kerncijfers_is_a_visible_dutch_message(
    demo: None, coordinator_client: Client, query: str, message: str
):
    for url in ("/", "/kerncijfers/?edition=live&", "/kerncijfers/?"):
        separator = "" if url.endswith(("?", "&")) else "?"
        response = coordinator_client.get(f"{url}{separator}{query}")
        assert response.status_code == 200
        assert message in text(response), url


def test_a_good_choice_shows_no_message(demo: None, coordinator_client: Client):
    for url in ("/?region=31000&year=2018", "/kerncijfers/?edition=live&region=02000&year=2019"):
        assert "data-notice" not in coordinator_client.get(url).content.decode()


@pytest.fixture
def own_editor(round_2020: CollectionRound) -> User:
    """An editor of the organisation whose 2020 figures are validated while the round is still open."""
    editor = UserFactory()
    MembershipFactory(user=editor, organisation=expected_organisations().order_by("pk").first(), role="editor")
    return editor


def test_an_organisation_s_own_figures_of_a_year_whose_round_is_open_say_so(own_editor: User):
    response = logged_in(own_editor).get("/")
    assert response.status_code == 200
    page = text(response)
    assert "Participatieladder West-Vlaanderen, 2020" in page
    assert "Uw cijfers voor 2020 zijn voorlopig: de bevraging loopt nog." in page
    assert "Voorlopig beeld" not in page
    assert "organisaties gevalideerd" not in page  # the year's state counts everyone's figures, not theirs
    assert "(voorlopig)" in page


def test_own_figures_not_validated_yet_say_so_until_pom_validates_them_and_the_round_closes(
    own_editor: User, round_2020: CollectionRound
):
    client = logged_in(own_editor)
    submission = Submission.objects.get(organisation__memberships__user=own_editor, year=2020)
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.SUBMITTED)
    page = text(client.get("/"))
    assert "Uw cijfers voor 2020 zijn voorlopig: nog niet gevalideerd door POM, de bevraging loopt nog." in page
    today = timezone.localdate()
    CollectionRound.objects.filter(pk=round_2020.pk).update(
        opens_on=today - dt.timedelta(days=60), closes_on=today - dt.timedelta(days=1)
    )
    assert "Uw cijfers voor 2020 zijn voorlopig: nog niet gevalideerd door POM." in text(client.get("/"))
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.VALIDATED)
    response = client.get("/")
    assert "Participatieladder West-Vlaanderen, 2020" in text(response)
    assert "data-year-state" not in response.content.decode()


def test_an_editor_of_two_organisations_is_told_how_many_of_them_pom_validated(own_editor: User):
    other = OrganisationFactory(home_region=Region.objects.get(code="31005"))
    MembershipFactory(user=own_editor, organisation=other, role="editor")
    HeadcountFactory(submission=SubmissionFactory(organisation=other, year=2020, status=SubmissionStatus.SUBMITTED))
    page = text(logged_in(own_editor).get("/"))
    assert (
        "Uw cijfers voor 2020 zijn voorlopig: nog niet alle gevalideerd door POM: 1 van 2 organisaties, "
        "de bevraging loopt nog." in page
    )


def test_the_own_dashboard_marks_a_provisional_year_in_its_series_and_its_comparisons(own_editor: User):
    source = OwnSource(own_editor)
    data = dashboard(source=source, place=place_get("30000"), open_years={2020})
    assert data.year == 2020
    assert data.year_label == "voorlopig: de bevraging loopt nog"
    assert [row.label for row in data.series if row.note] == ["2020*"]
    assert data.series_notes == ["* 2020 is voorlopig: de bevraging loopt nog"]
    assert data.years == [2014, 2015, 2016, 2017, 2018, 2019, 2020]  # the demo's figures of the organisation
    assert data.previous_note == "2020 is voorlopig: de bevraging loopt nog"
    closed = dashboard(source=OwnSource(own_editor), place=place_get("30000"))
    assert (closed.year_label, closed.series_notes) == ("", [])
