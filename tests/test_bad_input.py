"""Bad input answers 400 or a form error in Dutch naming the parameter and the value, never 500, and writes
nothing: one regression test per input that once answered 500 or was read as something else (inventory.parsing)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from inventory.models import CollectionRound, Edition, Headcount, Organisation, Submission
from tests.factories import EditionFactory, HeadcountFactory, MeasureFactory, RegionFactory, SubmissionFactory

pytestmark = pytest.mark.django_db

# Digits that Python's int() or str.isdigit() take: superscripts, Arabic-Indic, full-width.
FOREIGN_DIGITS = ["2019²", "²", "٣", "３", "١٠"]


@pytest.fixture(autouse=True)
def no_cached_answers(settings) -> None:
    """API answers and figures pages are kept in Redis under their parameters: none from an earlier run."""
    from django.core.cache import cache

    cache.clear()


def detail(response) -> str:
    assert response["Content-Type"] == "application/json"
    return response.json()["detail"]


@pytest.mark.parametrize("endpoint", ["/api/aggregates/", "/api/headcounts/"])
@pytest.mark.parametrize("name", ["year", "trede", "limit", "offset"])
@pytest.mark.parametrize("value", FOREIGN_DIGITS)
def test_the_api_refuses_digits_that_are_not_ascii_naming_parameter_and_value(
    staff_client: Client, endpoint: str, name: str, value: str
) -> None:
    response = staff_client.get(endpoint, {name: value})

    assert response.status_code == 400
    assert f"Parameter {name}: ‘{value}’ is geen geheel getal" in detail(response)


@pytest.mark.parametrize("endpoint", ["/api/aggregates/", "/api/headcounts/"])
@pytest.mark.parametrize("name", ["region", "measure", "scope", "year", "unknown"])
def test_the_api_refuses_a_nul_byte_in_any_parameter(staff_client: Client, endpoint: str, name: str) -> None:
    response = staff_client.get(endpoint, {name: "a\x00b"})

    assert response.status_code == 400
    assert detail(response) == f"Parameter {name}: ‘a\ufffdb’ bevat een onzichtbaar stuurteken (U+0000)."


def test_a_control_character_in_a_parameter_name_is_refused_too(staff_client: Client) -> None:
    response = staff_client.get("/api/aggregates/?ye%01ar=2019")

    assert response.status_code == 400
    assert "bevat een onzichtbaar stuurteken (U+0001)" in detail(response)


@pytest.mark.parametrize(
    "url",
    [
        "/?region=%00",
        "/tabellen/tellingen/?organisation=a%00b",
        "/tabellen/organisaties/?name=%1b",
        "/beheer/aangiften/?organisation=%00",
        "/exports/?edition=%00",
        "/admin/inventory/organisation/?q=%00",
    ],
)
def test_a_page_refuses_a_control_character_in_its_address_with_a_dutch_400(staff_client: Client, url: str) -> None:
    response = staff_client.get(url)

    assert response.status_code == 400
    assert "bevat een onzichtbaar stuurteken" in response.content.decode()


@pytest.fixture
def two_editions(db: None) -> tuple[Edition, Edition]:
    return EditionFactory(), EditionFactory()


@pytest.mark.parametrize("page", ["²", "٣", "99999999999999999999", "9" * 5000, "0", "-1"])
def test_the_comparison_refuses_a_page_that_is_no_page(
    staff_client: Client, two_editions: tuple[Edition, Edition], page: str
) -> None:
    old, new = two_editions
    response = staff_client.get("/edities/vergelijken/", {"old": old.pk, "new": new.pk, "page": page})

    assert response.status_code == 400
    assert "bestaat niet: er is 1 pagina." in response.content.decode()


@pytest.mark.parametrize("url", ["/tabellen/tellingen/", "/tabellen/maatregelen/", "/beheer/aangiften/"])
@pytest.mark.parametrize("page", ["²", "٣", "abc", "99999999999999999999", "9" * 5000])
def test_tables_and_the_review_queue_refuse_a_page_that_is_no_page(staff_client: Client, url: str, page: str) -> None:
    response = staff_client.get(url, {"page": page})

    assert response.status_code == 400
    assert "bestaat niet: er is 1 pagina." in response.content.decode()


@pytest.mark.parametrize("year", ["²", "٣", "1e999999", "99999999999999999999"])
@pytest.mark.parametrize("url", ["/tabellen/tellingen/", "/tabellen/maatregelen/", "/beheer/aangiften/"])
def test_a_year_filter_takes_ascii_digits_of_a_year_only(staff_client: Client, url: str, year: str) -> None:
    SubmissionFactory(year=2003, status="submitted")  # what '٣' was read as
    response = staff_client.get(url, {"year": year})

    assert response.status_code == 400
    assert response.context["filter"].errors["year"]
    assert "geldig jaar" in response.content.decode()


def test_the_aggregates_table_refuses_a_year_in_other_digits(staff_client: Client) -> None:
    response = staff_client.get("/tabellen/aggregaten/", {"year": "²"})

    assert response.status_code == 400


@pytest.mark.parametrize("value", ["²", "٣"])
def test_kerncijfers_and_exports_refuse_an_edition_in_other_digits(staff_client: Client, value: str) -> None:
    assert staff_client.get("/kerncijfers/", {"edition": value}).status_code == 400
    exports = staff_client.get("/exports/", {"edition": value})
    assert exports.status_code == 400
    assert f"‘{value}’ is geen geldige keuze voor Editie." in exports.content.decode()


@pytest.mark.parametrize("value", ["²", "٣", "99999999999999999999"])
def test_the_publication_workbook_refuses_a_year_in_other_digits(staff_client: Client, value: str) -> None:
    response = staff_client.get("/exports/publication/", {"year": value})

    assert response.status_code == 400
    assert f"Jaar ‘{value}’ is geen geldig jaar." in response.content.decode()


# --- the portal: nothing is written when a POST is refused ------------------------------------------------------


@pytest.fixture
def portal(editor_a: User, organisation_a: Organisation) -> dict:
    today = timezone.localdate()
    CollectionRound.objects.create(
        year=2020, opens_on=today - dt.timedelta(days=1), closes_on=today + dt.timedelta(days=9)
    )
    measure = MeasureFactory(code="MWB-DOEL", reporter_kinds=[organisation_a.kind])
    return {
        "url": f"/portaal/{organisation_a.pk}/2020/",
        "cell": f"{measure.pk}-{organisation_a.home_region_id}",
        "organisation": organisation_a,
    }


@pytest.mark.parametrize("version", ["abc", "٣", "７", "1\x00", "99999999999", "7"])
def test_a_portal_post_with_a_bad_or_stale_version_creates_no_submission(
    editor_a_client: Client, portal: dict, version: str
) -> None:
    response = editor_a_client.post(portal["url"], {"version": version, "save": "1", f"p-{portal['cell']}": "3"})

    assert response.status_code == 200
    assert not Submission.objects.exists()
    assert not Headcount.objects.exists()


@pytest.mark.parametrize("fte", ["٣", "３,5", "1²"])
def test_the_portal_refuses_a_vte_in_other_digits(editor_a_client: Client, portal: dict, fte: str) -> None:
    cell = portal["cell"]
    response = editor_a_client.post(portal["url"], {"version": "1", "save": "1", f"p-{cell}": "3", f"v-{cell}": fte})

    assert response.status_code == 200
    assert f"‘{fte}’ is geen geldig aantal VTE" in response.content.decode()
    assert not Submission.objects.exists()


def test_the_portal_refuses_a_control_character_in_an_explanation(editor_a_client: Client, portal: dict) -> None:
    cell = portal["cell"]
    response = editor_a_client.post(
        portal["url"], {"version": "1", "save": "1", f"p-{cell}": "3", f"e-{cell}": "meer\x01personen"}
    )

    assert response.status_code == 200
    assert "bevat een onzichtbaar stuurteken (U+0001)" in response.content.decode()
    assert not Submission.objects.exists()


def test_an_explanation_keeps_its_line_breaks(editor_a_client: Client, portal: dict) -> None:
    cell = portal["cell"]
    response = editor_a_client.post(
        portal["url"], {"version": "1", "save": "1", f"p-{cell}": "3", f"e-{cell}": "twee\r\nregels\tmet tab"}
    )

    assert response.status_code == 302
    assert Headcount.objects.get().explanation == "twee\r\nregels\tmet tab"


# --- review steps and editions store no control characters ------------------------------------------------------


@pytest.mark.parametrize("step", ["return", "reopen"])
def test_a_review_step_refuses_a_comment_with_a_nul_byte(staff_client: Client, step: str) -> None:
    submission = SubmissionFactory(status="submitted" if step == "return" else "validated")
    HeadcountFactory(submission=submission)
    before = (submission.status, submission.version)

    response = staff_client.post(f"/beheer/aangiften/{submission.pk}/{step}/", {"text": "fout\x00hier"}, follow=True)

    assert response.status_code == 200
    assert "bevat een onzichtbaar stuurteken (U+0000)" in response.content.decode()
    submission.refresh_from_db()
    assert (submission.status, submission.version) == before


def test_an_edition_name_with_a_control_character_is_refused(staff_client: Client) -> None:
    HeadcountFactory(submission=SubmissionFactory(validated=True, organisation__home_region=RegionFactory()))
    response = staff_client.post(
        "/edities/publiceren/", {"name": "Inventaris\x012019", "reference_year": "2019", "published_on": "2020-06-01"}
    )

    assert response.status_code == 400
    assert "bevat een onzichtbaar stuurteken (U+0001)" in str(response.context["form"].errors["name"])
    assert not Edition.objects.exists()


def arabic_indic(number: int) -> str:
    return str(number).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))


def test_an_edition_id_in_other_digits_chooses_no_edition(staff_client: Client, two_editions) -> None:
    old, new = two_editions
    exports = staff_client.get("/exports/", {"edition": arabic_indic(old.pk)})
    compare = staff_client.get("/edities/vergelijken/", {"old": arabic_indic(old.pk), "new": new.pk})
    figures = staff_client.get("/kerncijfers/", {"edition": arabic_indic(old.pk)})

    assert exports.status_code == 400
    assert "geen geldige keuze voor Editie" in exports.content.decode()
    assert compare.status_code == 400
    assert compare.context["form"].errors["old"] == [f"Editie ‘{arabic_indic(old.pk)}’ bestaat niet."]
    assert figures.status_code == 400


def test_the_editions_page_lists_an_edition_whose_publisher_is_gone(staff_client: Client) -> None:
    """Found by tests/test_fuzz.py: a filter argument that names a missing user was a 500, not a dash."""
    EditionFactory(name="Inventaris 2017", published_by=None)

    response = staff_client.get("/edities/")

    assert response.status_code == 200
    assert "Inventaris 2017" in response.content.decode()
