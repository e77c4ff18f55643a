"""Editions: publishing freezes the validated figures and headcounts, editions are listed and compared, and nothing
(publishing another, comparing, exporting, correcting live data) ever changes one. Kerncijfers state an edition's
headline facts the way the press release does."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.db import DatabaseError, transaction
from django.test import Client

from accounts.models import User
from inventory.models import (
    Aggregate,
    AggregateDirtyKey,
    Edition,
    EditionFigure,
    EditionHeadcount,
    Headcount,
    Measure,
    SubmissionStatus,
)
from inventory.selectors.editions import ChangeKind, editions_compare
from inventory.services.aggregation import aggregates_mark_years, aggregates_recompute
from inventory.services.editions import edition_publish
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db
WVL, FLANDERS = "30000", "02000"
PRESS_RELEASE = [
    "63.552",
    "+6.090 (+10,6 %)",
    "+7.846 (+14,1 %)",
    "51.901",
    "10.198",
    "1.453",
    "20,0 %",
    "14,7 %",
    "-16,0 %",
    "+27,0 %",
    "+55,4 %",
]


@pytest.fixture
def demo(demo_db: None) -> None:
    """The demo: its loading computes the aggregates and publishes Inventaris 2019 beside Inventaris 2018."""


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def frozen(edition: Edition) -> tuple[list, list, tuple]:
    """Everything an edition holds, to compare before and after."""
    figures = list(
        EditionFigure.objects.filter(edition=edition)
        .order_by("pk")
        .values_list("year", "region_id", "grouping_id", "trede", "group", "measure_id", "persons")
    )
    headcounts = list(
        EditionHeadcount.objects.filter(edition=edition)
        .order_by("pk")
        .values_list("year", "organisation_id", "measure_id", "trede", "group", "region_id", "persons", "fte")
    )
    edition.refresh_from_db()
    return figures, headcounts, (edition.name, edition.reference_year, edition.published_on, edition.note)


def edition(name: str) -> Edition:
    return Edition.objects.get(name=name)


# --- comparing ------------------------------------------------------------------------------------------------


def test_comparing_the_2018_and_2019_editions_shows_2018_restated_from_57302_to_57462(demo: None):
    comparison = editions_compare(old=edition("Inventaris 2018"), new=edition("Inventaris 2019"))
    changed = {(row.year, row.region, row.trede, row.group, row.measure): (row.old, row.new) for row in comparison.rows}
    assert changed[(2018, WVL, None, "", None)] == (57302, 57462)
    # The restatement is one measure (DGK-OUD), so its group, trede 5 and the total move with it, in
    # West-Vlaanderen and in Flanders; nothing else changed.
    assert changed[(2018, WVL, 5, "doelgroepkortingen", "DGK-OUD")] == (22420, 22580)
    assert comparison.changed == len(comparison.rows) == 8
    assert {key[0] for key in changed} == {2018}
    assert {key[1] for key in changed} == {WVL, FLANDERS}
    assert comparison.removed == 0
    assert comparison.added > 0  # the 2019 edition also holds 2019, the arrondissements and the municipalities


def test_the_comparison_page_lists_the_changed_figures_with_old_and_new_value(demo: None, coordinator_client: Client):
    old, new = edition("Inventaris 2018"), edition("Inventaris 2019")
    response = coordinator_client.get("/edities/vergelijken/", {"old": old.pk, "new": new.pk, "region": WVL})
    assert response.status_code == 200
    page = text(response)
    assert "2018 West-Vlaanderen (30000) provincie 3-5 57.302 57.462 +160 (+0,3 %)" in page
    assert "Vlaams Gewest" not in page.split("Verschil", 1)[1]  # filtered on West-Vlaanderen


def test_the_comparison_can_show_the_figures_only_in_the_new_edition_page_by_page(demo: None):
    old, new = edition("Inventaris 2018"), edition("Inventaris 2019")
    first = editions_compare(old=old, new=new, kind=ChangeKind.ADDED, limit=50)
    second = editions_compare(old=old, new=new, kind=ChangeKind.ADDED, offset=50, limit=50)
    assert first.total == first.added
    assert len(first.rows) == len(second.rows) == 50
    assert all(row.old is None and row.new is not None for row in first.rows + second.rows)
    assert not {(r.year, r.region, r.trede, r.group, r.measure) for r in first.rows} & {
        (r.year, r.region, r.trede, r.group, r.measure) for r in second.rows
    }
    only_2019 = editions_compare(old=old, new=new, kind=ChangeKind.ADDED, places=[WVL], years=[2019])
    assert {(r.trede, r.group) for r in only_2019.rows} >= {(None, ""), (5, ""), (4, ""), (3, ""), (6, "")}


def test_comparing_an_edition_with_itself_is_refused_in_dutch(demo: None, coordinator_client: Client):
    pk = edition("Inventaris 2019").pk
    response = coordinator_client.get("/edities/vergelijken/", {"old": pk, "new": pk})
    assert response.status_code == 400
    assert "Kies twee verschillende edities." in text(response)


# --- publishing -----------------------------------------------------------------------------------------------


def test_a_coordinator_publishes_an_edition_that_copies_the_validated_aggregates_and_headcounts(
    demo: None, coordinator_client: Client
):
    response = coordinator_client.post(
        "/edities/publiceren/",
        {"name": "Inventaris 2019 (herzien)", "reference_year": "2019", "published_on": "2021-01-15", "note": "test"},
    )
    assert response.status_code == 302
    published = edition("Inventaris 2019 (herzien)")
    assert published.published_by.username == "coordinator"
    assert published.published_on == dt.date(2021, 1, 15)
    live = set(
        Aggregate.objects.filter(scope="validated", year__lte=2019).values_list(
            "year", "region_id", "grouping_id", "trede", "group", "measure_id", "persons"
        )
    )
    assert set(frozen(published)[0]) == live
    validated = Headcount.objects.filter(submission__status=SubmissionStatus.VALIDATED, submission__year__lte=2019)
    assert EditionHeadcount.objects.filter(edition=published).count() == validated.count()
    assert EditionFigure.objects.get(edition=published, year=2019, region__code=WVL, trede=None).persons == 63552


def test_publishing_recomputes_pending_years_first(demo: None, coordinator: User):
    headcount = Headcount.objects.filter(
        submission__year=2019, submission__status="validated", region__code__startswith="3", measure__code="AZ"
    ).first()
    Headcount.objects.filter(pk=headcount.pk).update(persons=headcount.persons + 11)
    aggregates_mark_years(years=[2019])
    result = edition_publish(
        name="Met wachtende herberekening", reference_year=2019, published_on=dt.date(2021, 1, 1), user=coordinator
    )
    assert not AggregateDirtyKey.objects.exists()
    assert EditionFigure.objects.get(edition=result.edition, year=2019, region__code=WVL, trede=None).persons == 63563


def test_an_edition_name_is_used_once_and_the_error_is_in_dutch(demo: None, coordinator_client: Client):
    count = Edition.objects.count()
    response = coordinator_client.post(
        "/edities/publiceren/", {"name": "inventaris 2019", "reference_year": "2019", "published_on": "2021-01-15"}
    )
    assert response.status_code == 400
    assert "Er bestaat al een editie ‘inventaris 2019’; kies een andere naam." in text(response)
    assert Edition.objects.count() == count


def test_a_year_without_validated_figures_cannot_be_published(demo: None, coordinator: User):
    Aggregate.objects.filter(year=2019, scope="validated").delete()
    count = EditionFigure.objects.count()
    with pytest.raises(Exception, match=r"Er zijn geen gevalideerde cijfers voor 2019\."):
        edition_publish(name="Leeg", reference_year=2019, published_on=dt.date(2021, 1, 1), user=coordinator)
    assert EditionFigure.objects.count() == count
    assert not Edition.objects.filter(name="Leeg").exists()


def test_only_coordinators_and_staff_publish(demo: None, editor_a: User):
    count = Edition.objects.count()
    for username in ("invoerder", "lezer"):
        response = logged_in(User.objects.get(username=username)).post(
            "/edities/publiceren/", {"name": "X", "reference_year": "2019", "published_on": "2021-01-15"}
        )
        assert response.status_code == 404
    with pytest.raises(Exception, match=r"Enkel coördinatoren publiceren edities\."):
        edition_publish(name="X", reference_year=2019, published_on=dt.date(2021, 1, 1), user=editor_a)
    assert Edition.objects.count() == count


def test_the_list_shows_every_edition_with_its_size(demo: None, coordinator_client: Client):
    response = coordinator_client.get("/edities/")
    assert response.status_code == 200
    page = text(response)
    assert page.index("Inventaris 2019") < page.index("Inventaris 2018")
    summary = {item.edition.name: item for item in response.context["editions"]}
    assert summary["Inventaris 2018"].figures == EditionFigure.objects.filter(edition__name="Inventaris 2018").count()
    assert (summary["Inventaris 2019"].first_year, summary["Inventaris 2019"].last_year) == (2014, 2019)
    assert summary["Inventaris 2019"].headcounts == Headcount.objects.filter(submission__status="validated").count()


# --- frozen ---------------------------------------------------------------------------------------------------


def test_the_database_refuses_to_change_or_delete_a_published_edition(demo: None):
    published = edition("Inventaris 2019")
    figure = EditionFigure.objects.filter(edition=published).first()
    headcount = EditionHeadcount.objects.filter(edition=published).first()
    for statement in (
        lambda: EditionFigure.objects.filter(pk=figure.pk).update(persons=1),
        lambda: EditionFigure.objects.filter(pk=figure.pk).delete(),
        lambda: EditionHeadcount.objects.filter(pk=headcount.pk).update(persons=1),
        lambda: Edition.objects.filter(pk=published.pk).update(name="Anders"),
        lambda: Edition.objects.filter(pk=published.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match=r"Cannot (update|delete)"), transaction.atomic():
            statement()
    # Deleting the publisher only forgets who it was.
    published.published_by.delete()
    published.refresh_from_db()
    assert published.published_by is None


def test_publishing_comparing_exporting_and_correcting_live_data_never_change_an_edition(
    demo: None, coordinator_client: Client, coordinator: User
):
    old, new = edition("Inventaris 2018"), edition("Inventaris 2019")
    before = frozen(old), frozen(new)
    coordinator_client.get("/edities/vergelijken/", {"old": old.pk, "new": new.pk, "kind": "all"})
    for fmt in ("csv", "xlsx", "json"):
        for dataset in ("aggregates", "headcounts"):
            response = coordinator_client.get("/exports/", {"edition": new.pk, "dataset": dataset, "format": fmt})
            assert response.status_code == 200
            b"".join(getattr(response, "streaming_content", [response.getvalue()]))
    coordinator_client.get("/kerncijfers/", {"edition": new.pk})
    headcount = Headcount.objects.filter(
        submission__year=2019, submission__status="validated", region__code__startswith="3", measure__trede=4
    ).first()
    Headcount.objects.filter(pk=headcount.pk).update(persons=headcount.persons + 500)
    aggregates_mark_years(years=[2019])
    aggregates_recompute(year=2019)
    edition_publish(name="Inventaris 2019 bis", reference_year=2019, published_on=dt.date(2021, 2, 1), user=coordinator)
    assert (frozen(old), frozen(new)) == before
    # The correction shows as a change between the two 2019 editions.
    comparison = editions_compare(old=new, new=edition("Inventaris 2019 bis"), places=[WVL], years=[2019])
    headline = next(row for row in comparison.rows if row.trede is None)
    assert (headline.old, headline.new) == (63552, 64052)


# --- Kerncijfers ----------------------------------------------------------------------------------------------


def test_kerncijfers_state_the_press_release_from_the_latest_edition(demo: None, coordinator_client: Client):
    response = coordinator_client.get("/kerncijfers/")
    assert response.status_code == 200
    assert response.context["edition"].name == "Inventaris 2019"
    page = text(response)
    for number in PRESS_RELEASE:
        assert number in page, number
    figures = response.context["figures"]
    assert (figures.total, figures.change_previous, figures.change_base) == (63552, 6090, 7846)
    assert [persons for _t, _l, persons in figures.treden] == [51901, 10198, 1453]
    assert [float(round(t.change_pct, 1)) for t in figures.trends] == [-16.0, 27.0, 55.4]
    assert [(t.base, t.value) for t in figures.trends] == [(12140, 10198), (36732, 46649), (4443, 6906)]
    assert "51.901" in page
    assert "46.649 via doelgroepkortingen" in page


def test_kerncijfers_of_the_2018_edition_show_2018_as_it_was_published(demo: None, coordinator_client: Client):
    response = coordinator_client.get("/kerncijfers/", {"edition": edition("Inventaris 2018").pk})
    figures = response.context["figures"]
    assert (figures.year, figures.total) == (2018, 57302)
    assert [persons for _t, _l, persons in figures.treden] == [45120, 10728, 1454]


def test_kerncijfers_follow_the_data_live_but_an_edition_does_not(demo: None, coordinator_client: Client):
    arbeidszorg = Measure.objects.get(code="AZ")
    headcount = Headcount.objects.filter(
        submission__year=2019, submission__status="validated", measure=arbeidszorg, region__code__startswith="3"
    ).first()
    Headcount.objects.filter(pk=headcount.pk).update(persons=headcount.persons + 10)
    aggregates_mark_years(years=[2019])
    aggregates_recompute(year=2019)
    live = coordinator_client.get("/kerncijfers/", {"edition": "live"}).context["figures"]
    assert (live.total, live.treden[2][2]) == (63562, 1463)
    assert coordinator_client.get("/kerncijfers/").context["figures"].total == 63552


def test_kerncijfers_for_another_region_compare_with_flanders(demo: None, coordinator_client: Client):
    figures = coordinator_client.get("/kerncijfers/", {"region": FLANDERS}).context["figures"]
    assert figures.total == 317495
    assert figures.share_of_wage_earners is not None  # the demo has a (synthetic) Flemish figure
    assert float(round(figures.trends[0].change_pct, 1)) == -17.5


@pytest.mark.parametrize("username", ["invoerder", "lezer"])
def test_organisation_users_get_404_on_kerncijfers_and_editions(demo: None, username: str):
    client = logged_in(User.objects.get(username=username))
    for url in ("/kerncijfers/", "/edities/", "/edities/vergelijken/"):
        assert client.get(url).status_code == 404


def test_an_unknown_edition_is_404_and_one_that_is_no_id_400(demo: None, coordinator_client: Client):
    assert coordinator_client.get("/kerncijfers/", {"edition": "999999"}).status_code == 404
    refused = coordinator_client.get("/kerncijfers/", {"edition": "abc"})
    assert refused.status_code == 400
    assert "‘abc’ is geen geldige keuze voor Editie." in refused.content.decode()


def test_edition_pages_read_a_fixed_number_of_queries(
    demo: None, coordinator_client: Client, django_assert_max_num_queries
):
    old, new = edition("Inventaris 2018"), edition("Inventaris 2019")
    for url, params in (
        ("/edities/", {}),
        ("/edities/vergelijken/", {"old": old.pk, "new": new.pk, "kind": "all"}),
        ("/kerncijfers/", {"edition": new.pk}),
    ):
        # The list page: editions, their sizes, what publishing would freeze (year states, figures per year) and
        # the choices of its three forms (publish, replaces, compare with regions by name); none grows per edition.
        with django_assert_max_num_queries(16):
            assert coordinator_client.get(url, params).status_code == 200


# --- exporting ------------------------------------------------------------------------------------------------


def download(client: Client, **params: object) -> bytes:
    response = client.get("/exports/", params)
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content) if response.streaming else response.getvalue()


def test_an_edition_exports_its_frozen_figures_like_live_data(demo: None, coordinator_client: Client):
    old = edition("Inventaris 2018")
    body = download(coordinator_client, edition=old.pk, dataset="aggregates", format="json", region=WVL, year=2018)
    data = json.loads(body)
    assert data["meta"]["edition"] == "Inventaris 2018"
    assert data["meta"]["freshness"]["edition"] == "Inventaris 2018"
    headline = [r for r in data["results"] if r["trede"] is None and not r["group"] and not r["measure"]]
    assert [(r["year"], r["region"], r["persons"], r["scope"]) for r in headline] == [(2018, WVL, 57302, "validated")]
    live = download(coordinator_client, dataset="aggregates", format="json", region=WVL, year=2018)
    assert [r["persons"] for r in json.loads(live)["results"] if r["trede"] is None and not r["group"]] == [57462]


def test_an_editions_csv_and_sdmx_carry_its_rows_and_its_name(demo: None, coordinator_client: Client):
    new = edition("Inventaris 2019")
    rows = list(
        csv.reader(
            io.StringIO(download(coordinator_client, edition=new.pk, dataset="aggregates", format="csv").decode())
        )
    )
    body = [row for row in rows if row and not row[0].startswith("#")]
    assert len(body) - 1 == EditionFigure.objects.filter(edition=new).count()
    assert body[next(i for i, row in enumerate(body) if row[:2] == ["2019", WVL] and row[4:7] == ["", "", ""])][:9] == [
        "2019",
        WVL,
        "West-Vlaanderen",
        "provincie",
        "",
        "",
        "",
        "63552",
        "validated",
    ]
    sdmx = download(coordinator_client, edition=new.pk, dataset="aggregates", format="sdmx", region=WVL, year=2019)
    header, *lines = list(csv.reader(io.StringIO(sdmx.decode())))
    assert {line[header.index("EDITION")] for line in lines} == {"Inventaris 2019"}


def test_an_editions_headcounts_export_holds_its_frozen_headcounts(demo: None, coordinator_client: Client):
    new = edition("Inventaris 2019")
    data = json.loads(download(coordinator_client, edition=new.pk, dataset="headcounts", format="json", year=2019))
    frozen_rows = EditionHeadcount.objects.filter(edition=new, year=2019)
    assert len(data["results"]) == frozen_rows.count()
    assert sum(r["persons"] for r in data["results"]) == sum(frozen_rows.values_list("persons", flat=True))
    assert {r["status"] for r in data["results"]} == {"validated"}


def test_a_public_edition_export_hides_small_counts(demo: None, coordinator_client: Client):
    new = edition("Inventaris 2019")
    body = download(coordinator_client, edition=new.pk, dataset="aggregates", format="json", public="on", year=2019)
    data = json.loads(body)
    assert data["meta"]["public"] is True
    assert all(not isinstance(r["persons"], int) or r["persons"] == 0 or r["persons"] >= 5 for r in data["results"])
    assert next(r["persons"] for r in data["results"] if r["region"] == WVL and r["trede"] is None) == 63552
