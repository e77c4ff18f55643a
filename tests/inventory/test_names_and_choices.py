"""Names, not codes, where people read; a value in the address that is not one of the choices is a Dutch message
naming the field and value (never a silent fallback, never "Geen verschillen"); page links that mark the current
page; counts with their singular."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import Client

from inventory.services.plausibility import plausibility_flags
from tests.factories import (
    EditionFactory,
    EditionFigureFactory,
    HeadcountFactory,
    MeasureFactory,
    OrganisationFactory,
    RegionFactory,
    SubmissionFactory,
)

pytestmark = pytest.mark.django_db
COMPARE = "/edities/vergelijken/"


def text(response: HttpResponse) -> str:
    return response.content.decode()


def test_a_plausibility_warning_names_the_measure_and_the_municipality() -> None:
    brugge = RegionFactory(code="31005", name="Brugge")
    organisation = OrganisationFactory(home_region=brugge)
    afd = MeasureFactory(code="CMW-AFD", name="Collectief maatwerk: maatwerkafdeling")
    vop = MeasureFactory(code="VOP", name="Vlaamse ondersteuningspremie")
    before = SubmissionFactory(organisation=organisation, year=2018)
    HeadcountFactory(submission=before, measure=afd, persons=1200)
    HeadcountFactory(submission=before, measure=vop, persons=1)
    now = SubmissionFactory(organisation=organisation, year=2019)
    HeadcountFactory(submission=now, measure=afd, persons=1)
    messages = [flag.message for flag in plausibility_flags(submission=now)]
    assert messages == [
        "Collectief maatwerk: maatwerkafdeling (CMW-AFD) in Brugge: nu 1 persoon, vorig jaar 1.200; "
        "licht de wijziging toe.",
        "Vlaamse ondersteuningspremie (VOP) had 1 persoon vorig jaar en ontbreekt nu: licht toe.",
    ]
    assert "31005" not in messages[0]


@pytest.fixture
def two_editions() -> tuple[int, int]:
    brugge = RegionFactory(code="31005", name="Brugge")
    old, new = EditionFactory(name="Inventaris 2018"), EditionFactory(name="Inventaris 2019")
    EditionFigureFactory(edition=old, region=brugge, persons=100)
    EditionFigureFactory(edition=new, region=brugge, persons=120)
    return old.pk, new.pk


def test_the_comparison_chooses_the_region_by_name_from_a_list(coordinator_client: Client, two_editions) -> None:
    old, new = two_editions
    page = text(coordinator_client.get(COMPARE))
    assert '<select name="region"' in page
    assert '<option value="31005">Brugge' in page
    response = coordinator_client.get(COMPARE, {"old": old, "new": new, "region": "31005"})
    assert response.status_code == 200
    assert "Brugge (31005)" in text(response)
    assert "1 cijfer gewijzigd" in text(response)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"region": "Brugge"}, "Regio ‘Brugge’ bestaat niet; kies een regio uit de lijst."),
        ({"year": "1999"}, "Jaar ‘1999’ komt in geen editie voor."),
        ({"kind": "alles"}, "‘alles’ is geen keuze voor Toon."),
        ({"page": "7"}, "Pagina ‘7’ bestaat niet: er is 1 pagina."),
        ({"page": "x"}, "Pagina ‘x’ bestaat niet: er is 1 pagina."),
    ],
)
def test_an_unknown_choice_in_the_comparisons_address_is_named_never_no_differences(
    coordinator_client: Client, two_editions, params: dict[str, str], message: str
) -> None:
    old, new = two_editions
    response = coordinator_client.get(COMPARE, {"old": old, "new": new, **params})
    assert response.status_code == 400
    assert message in text(response)
    assert "Geen verschillen" not in text(response)


def test_an_unknown_edition_is_named(coordinator_client: Client, two_editions) -> None:
    response = coordinator_client.get(COMPARE, {"old": 999999, "new": two_editions[1]})
    assert response.status_code == 400
    assert "Editie ‘999999’ bestaat niet." in text(response)


def test_the_comparisons_page_links_mark_the_current_page(coordinator_client: Client) -> None:
    old, new = EditionFactory(), EditionFactory()
    for n in range(150):
        EditionFigureFactory(edition=new, region=RegionFactory(), persons=n + 1)
    response = coordinator_client.get(COMPARE, {"old": old.pk, "new": new.pk, "kind": "added", "page": "2"})
    assert response.status_code == 200
    page = text(response)
    assert 'class="pagination"' in page
    assert f'href="?old={old.pk}&amp;new={new.pk}&amp;kind=added&amp;page=2" aria-current="page">2</a>' in page
    assert 'rel="prev"' in page


def test_the_table_pages_share_the_page_links_and_refuse_a_page_or_sort_that_does_not_exist(
    staff_client: Client,
) -> None:
    for n in range(60):
        MeasureFactory(code=f"M{n:02d}")
    page = text(staff_client.get("/tabellen/maatregelen/", {"page": "2"}))
    assert '<nav class="pagination"' in page
    assert 'href="?page=2" aria-current="page">2</a>' in page
    missing = staff_client.get("/tabellen/maatregelen/", {"page": "9"})
    assert missing.status_code == 400
    assert "Pagina ‘9’ bestaat niet: er zijn 2 pagina’s." in text(missing)
    unsorted = staff_client.get("/tabellen/maatregelen/", {"sort": "kleur"})
    assert unsorted.status_code == 400
    assert "‘kleur’ is geen geldige keuze voor Sortering." in text(unsorted)


def test_an_unknown_region_in_a_tables_address_is_named_above_an_empty_table(staff_client: Client) -> None:
    HeadcountFactory()
    response = staff_client.get("/tabellen/tellingen/", {"region": "Brugge"})
    page = text(response)
    assert "Deze filters kloppen niet" in page
    assert "Regio: Selecteer een geldige keuze. Brugge is geen beschikbare keuze." in page
    assert "0 rijen" in page


def test_one_row_is_one_rij(staff_client: Client) -> None:
    MeasureFactory(code="VOP")
    assert "1 rij<" in text(staff_client.get("/tabellen/maatregelen/"))


def test_the_exports_page_names_an_unknown_edition_or_scope_in_its_address(coordinator_client: Client) -> None:
    response = coordinator_client.get("/exports/", {"edition": "999999", "scope": "alles"})
    assert response.status_code == 400
    assert "‘999999’ is geen geldige keuze voor Editie." in text(response)
    assert "‘alles’ is geen geldige keuze voor Scope." in text(response)


def test_the_exports_page_does_not_promise_metadata_lines_in_plain_csv(coordinator_client: Client) -> None:
    page = text(coordinator_client.get("/exports/"))
    assert "zonder metadata" in page


def test_the_publication_workbook_names_an_unknown_scope(coordinator_client: Client) -> None:
    response = coordinator_client.get("/exports/publication/", {"scope": "alles"})
    assert response.status_code == 400
    assert "‘alles’ is geen geldige keuze voor Scope." in text(response)
