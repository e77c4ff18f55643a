"""Staff find their way: completeness per round year from the header and the queue, the queue opening on what
needs review with a count per status, the "Opvallend" column explained, the review page with totals, VTE, the
change in % and a link to correct the figures."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from inventory.models import Reminder, Submission
from inventory.selectors.review import review_figures
from tests.factories import (
    CollectionRoundFactory,
    HeadcountFactory,
    MeasureFactory,
    OrganisationFactory,
    RegionFactory,
    SubmissionFactory,
)

pytestmark = pytest.mark.django_db


def number_cells(page: str, row_label: str) -> list[str]:
    row = page.split(row_label, 1)[1].split("</tr>", 1)[0]
    return re.findall(r'<td class="num">([^<]*)</td>', row)


def completeness_links(page: str) -> set[int]:
    return {year for year in range(2000, 2101) if f'href="/beheer/volledigheid/{year}/"' in page}


# --- completeness ---------------------------------------------------------------------------------------------


def test_the_header_links_staff_to_the_latest_rounds_completeness_and_nobody_else(
    staff_client: Client, editor_a_client: Client, coordinator_client: Client
) -> None:
    CollectionRoundFactory(year=2019)
    CollectionRoundFactory(year=2020)
    assert completeness_links(staff_client.get("/").content.decode()) == {2020}
    assert completeness_links(editor_a_client.get("/").content.decode()) == set()
    assert completeness_links(coordinator_client.get("/").content.decode()) == set()


def test_without_any_round_the_header_has_no_completeness_link(staff_client: Client) -> None:
    page = staff_client.get("/beheer/aangiften/").content.decode()
    assert "/beheer/volledigheid/" not in page


def test_the_queue_links_completeness_for_round_years_only(staff_client: Client) -> None:
    CollectionRoundFactory(year=2018)
    CollectionRoundFactory(year=2020)
    SubmissionFactory(year=2019, status="submitted")  # a year with figures but without a round
    assert completeness_links(staff_client.get("/beheer/aangiften/").content.decode()) == {2018, 2020}


def test_a_year_without_a_round_answers_404_saying_why_and_lists_the_round_years(staff_client: Client) -> None:
    CollectionRoundFactory(year=2020)
    OrganisationFactory(name="Laat vzw")
    response = staff_client.get("/beheer/volledigheid/2031/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Er is geen bevragingsronde voor 2031" in page
    assert completeness_links(page) == {2020}
    assert "Laat vzw" not in page


def test_reminders_for_a_year_without_a_round_are_refused_and_nothing_is_recorded(staff_client: Client) -> None:
    OrganisationFactory()
    assert staff_client.post("/beheer/volledigheid/2031/herinneren/").status_code == 404
    assert not Reminder.objects.exists()


def test_the_completeness_page_shows_the_close_date_and_when_each_missing_organisation_was_last_reminded(
    staff_client: Client,
) -> None:
    CollectionRoundFactory(year=2020, opens_on=dt.date(2021, 1, 15), closes_on=dt.date(2021, 3, 31))
    reminded = OrganisationFactory(name="Herinnerd vzw")
    OrganisationFactory(name="Nooit herinnerd vzw")
    Reminder.objects.create(organisation=reminded, year=2020, sent_on=dt.date(2021, 2, 1))
    Reminder.objects.create(organisation=reminded, year=2020, sent_on=dt.date(2021, 3, 2))
    Reminder.objects.create(organisation=reminded, year=2019, sent_on=dt.date(2021, 3, 20))  # another year

    response = staff_client.get("/beheer/volledigheid/2020/")
    page = response.content.decode()

    missing = {o.name: o.last_reminded for o in response.context["missing"]}
    assert missing == {"Herinnerd vzw": dt.date(2021, 3, 2), "Nooit herinnerd vzw": None}
    assert "31/03/2021" in page
    row = page.split("Herinnerd vzw")[1].split("</tr>")[0]
    assert "02/03/2021" in row
    assert "nog niet" in page.split("Nooit herinnerd vzw")[1].split("</tr>")[0]


# --- the queue ------------------------------------------------------------------------------------------------


@pytest.fixture
def queue() -> dict[str, Submission]:
    return {
        "submitted": SubmissionFactory(organisation__name="Ingediend vzw", status="submitted"),
        "returned": SubmissionFactory(organisation__name="Teruggestuurd vzw", status="returned"),
        "validated": SubmissionFactory(organisation__name="Gevalideerd vzw", status="validated"),
        "validated_2018": SubmissionFactory(organisation__name="Oud vzw", year=2018, status="validated"),
        "draft": SubmissionFactory(organisation__name="Ontwerp vzw", status="draft"),
    }


def names_in(client: Client, url: str) -> set[str]:
    table = client.get(url).context["table"]
    return {row.record.organisation.name for row in table.rows}


def test_the_queue_opens_on_the_submissions_that_need_review(staff_client: Client, queue) -> None:
    assert names_in(staff_client, "/beheer/aangiften/") == {"Ingediend vzw"}
    # Sorting or paging keeps the default.
    assert names_in(staff_client, "/beheer/aangiften/?sort=organisation") == {"Ingediend vzw"}


def test_the_status_filter_shows_the_others_and_all_sent_ones_but_never_drafts(staff_client: Client, queue) -> None:
    assert names_in(staff_client, "/beheer/aangiften/?status=validated") == {"Gevalideerd vzw", "Oud vzw"}
    assert names_in(staff_client, "/beheer/aangiften/?status=returned") == {"Teruggestuurd vzw"}
    assert names_in(staff_client, "/beheer/aangiften/?status=") == {
        "Ingediend vzw",
        "Teruggestuurd vzw",
        "Gevalideerd vzw",
        "Oud vzw",
    }
    assert "draft" not in dict(staff_client.get("/beheer/aangiften/").context["filter"].form.fields["status"].choices)


def test_the_queue_counts_each_status_under_the_other_filters_and_links_each(staff_client: Client, queue) -> None:
    counts = staff_client.get("/beheer/aangiften/").context["status_counts"]
    assert [(c.label, c.count, c.current) for c in counts] == [
        ("ingediend", 1, True),
        ("teruggestuurd", 1, False),
        ("gevalideerd", 2, False),
        ("alle statussen", 4, False),
    ]
    counts = staff_client.get("/beheer/aangiften/?year=2019&status=validated").context["status_counts"]
    assert [(c.label, c.count, c.current) for c in counts] == [
        ("ingediend", 1, False),
        ("teruggestuurd", 1, False),
        ("gevalideerd", 1, True),
        ("alle statussen", 3, False),
    ]
    assert dict(QueryDict(counts[2].query)) == {"year": ["2019"], "status": ["validated"]}
    page = staff_client.get("/beheer/aangiften/").content.decode()
    assert "gevalideerd (2)" in page
    assert "alle statussen (4)" in page


def test_a_status_without_submissions_says_so_and_links_all_statuses(staff_client: Client, queue) -> None:
    Submission.objects.filter(status="returned").delete()

    page = staff_client.get("/beheer/aangiften/?year=2019&status=returned").content.decode()

    assert "Geen aangiften met status ‘teruggestuurd’." in page
    assert '<a href="?year=2019&amp;status=">Toon de aangiften met alle statussen (2)</a>' in page


def test_an_empty_queue_says_there_is_nothing_submitted_without_a_link_to_itself(staff_client: Client) -> None:
    SubmissionFactory(status="draft")

    page = staff_client.get("/beheer/aangiften/?status=").content.decode()

    assert "Geen ingediende aangiften." in page
    assert "Toon de aangiften met alle statussen" not in page


def test_a_queue_with_submissions_has_no_empty_text(staff_client: Client, queue) -> None:
    page = staff_client.get("/beheer/aangiften/").content.decode()

    assert "Geen aangiften" not in page
    assert "Toon de aangiften met alle statussen" not in page


def test_the_opvallend_column_is_explained_with_the_rule_in_force(staff_client: Client, settings, queue) -> None:
    settings.PLAUSIBILITY_CHANGE_PCT = 25
    settings.PLAUSIBILITY_CHANGE_PERSONS = 8
    page = staff_client.get("/beheer/aangiften/").content.decode()
    assert 'aria-describedby="legend-flags"' in page
    legend = page.split('id="legend-flags"')[1].split("</p>")[0]
    for words in ("meer dan 25 %", "meer dan 8 personen", "ontbreekt"):
        assert words in legend


# --- the review page ------------------------------------------------------------------------------------------


@pytest.fixture
def reviewed() -> Submission:
    """2020 against 2019: VOP 100 -> 120 (+20 %) in two regions, IBO new, AZ 0 -> 5, W2 dropped."""
    organisation = OrganisationFactory(name="Werkplaats Noord")
    here, there = RegionFactory(code="31005", name="Brugge"), RegionFactory(code="31022", name="Oostkamp")
    vop, ibo, az, w2 = (MeasureFactory(code=code) for code in ("VOP", "IBO", "AZ", "W2"))
    last_year = SubmissionFactory(organisation=organisation, year=2019, status="validated")
    HeadcountFactory(submission=last_year, measure=vop, region=here, persons=60)
    HeadcountFactory(submission=last_year, measure=vop, region=there, persons=40)
    HeadcountFactory(submission=last_year, measure=az, region=here, persons=0)
    HeadcountFactory(submission=last_year, measure=w2, region=here, persons=30)
    submission = SubmissionFactory(organisation=organisation, year=2020, status="submitted")
    HeadcountFactory(submission=submission, measure=vop, region=here, persons=70, fte=Decimal("55.50"))
    HeadcountFactory(submission=submission, measure=vop, region=there, persons=50, fte=Decimal("40.25"))
    HeadcountFactory(submission=submission, measure=ibo, region=here, persons=15)
    HeadcountFactory(submission=submission, measure=az, region=here, persons=5, fte=Decimal("2"))
    return submission


def test_review_figures_total_per_measure_and_overall_with_last_year_and_the_change(reviewed) -> None:
    figures = review_figures(submission=reviewed)
    per_measure = {
        t.measure.code: (t.figure.current, t.figure.fte, t.figure.previous, t.figure.change_pct, t.figure.is_new)
        for t in figures.measures
    }
    assert per_measure == {
        "AZ": (5, Decimal("2"), 0, None, True),
        "IBO": (15, None, None, None, True),
        "VOP": (120, Decimal("95.75"), 100, Decimal(20), False),
        "W2": (0, None, 30, Decimal(-100), False),
    }
    total = figures.total
    assert (total.current, total.fte, total.previous, total.change) == (140, Decimal("97.75"), 130, 10)
    assert (total.rows, total.fte_rows, total.fte_partial) == (4, 3, True)  # W2's row has no figure now
    w2 = next(t for t in figures.measures if t.measure.code == "W2").rows[0].figure
    assert (w2.current, w2.previous, w2.change) == (None, 30, -30)


def test_the_review_page_shows_totals_vte_the_change_in_percent_and_new_figures(staff_client: Client, reviewed) -> None:
    page = staff_client.get(f"/beheer/aangiften/{reviewed.pk}/").content.decode()
    # persons, VTE, last year, change, change in %
    assert number_cells(page, "Totaal VOP") == ["120", "95,75", "100", "+20", "+20,0 %"]
    assert number_cells(page, "Totaal IBO") == ["15", "–", "–", "+15", "nieuw"]  # new: changes by all of it
    assert number_cells(page, "Totaal AZ") == ["5", "2", "0", "+5", "nieuw"]  # 0 last year: no division by 0
    assert number_cells(page, "Totaal W2") == ["0", "–", "30", "-30", "-100,0 %"]
    # IBO gave no VTE: the total's VTE says for how many rows it holds (the cell carries that note).
    assert number_cells(page, "Totaal van de aangifte") == ["140", "130", "+10", "+7,7 %"]
    assert '97,75 <span class="small">(voor 3 van 4 rijen opgegeven)</span>' in page
    assert "ontbreekt" in page  # W2's row, reported last year and not now


def test_the_review_page_links_to_the_yearly_form_where_staff_correct_the_figures(
    staff_client: Client, reviewed
) -> None:
    page = staff_client.get(f"/beheer/aangiften/{reviewed.pk}/").content.decode()
    link = reverse("inventory:portal-form", args=[reviewed.organisation_id, 2020])
    assert f'href="{link}"' in page
    form = staff_client.get(link)
    assert form.status_code == 200
    assert form.context["submission"].pk == reviewed.pk


def test_in_english_the_queue_legend_and_the_review_page_read_in_english(staff_client: Client, reviewed) -> None:
    staff_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    queue = staff_client.get("/beheer/aangiften/").content.decode()
    assert "more than 30 %" in queue
    assert "all statuses (2)" in queue
    page = staff_client.get(f"/beheer/aangiften/{reviewed.pk}/").content.decode()
    assert number_cells(page, "Total IBO") == ["15", "–", "–", "+15", "new"]
    assert "Correct the figures" in page
