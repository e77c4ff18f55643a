"""Issue 11, the portal and the cell rule: nothing typed is lost (the column "Nieuwe gemeente", VTE), the messages
say what was saved and what still blocks, the page after submission, the return comment, copying last year, the
home page's statuses; one rule for the cells an organisation user may fill in, on the form, the service, the
upload and the admin."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import User
from inventory.models import CollectionRound, Headcount, ImportJob, Measure, Region, Submission
from inventory.services import submissions
from inventory.services.import_jobs import import_job_run
from inventory.services.imports import headcounts_import
from tests.conftest import force_login, logged_in
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal(reference_db) -> dict:
    brugge = Region.objects.get(code="31005")
    organisation = OrganisationFactory(home_region=brugge, kind="maatwerkbedrijf", name="Werkplaats Brugge")
    editor, viewer = UserFactory(), UserFactory()
    MembershipFactory(user=editor, organisation=organisation, role="editor")
    MembershipFactory(user=viewer, organisation=organisation, role="viewer")
    today = timezone.localdate()
    CollectionRound.objects.create(
        year=2020,
        opens_on=today - dt.timedelta(days=7),
        closes_on=today + dt.timedelta(days=30),
        instructions="Tel iedereen op 31 december.",
    )
    last_year = Submission.objects.create(organisation=organisation, year=2019, status="validated")
    bed, afd = Measure.objects.get(code="CMW-BED"), Measure.objects.get(code="CMW-AFD")
    Headcount.objects.create(submission=last_year, measure=bed, region=brugge, persons=100, fte=Decimal("80.5"))
    Headcount.objects.create(submission=last_year, measure=afd, region=brugge, persons=20)
    return {
        "organisation": organisation,
        "editor": logged_in(editor),
        "editor_user": editor,
        "viewer": logged_in(viewer),
        "url": f"/portaal/{organisation.pk}/2020/",
        "bed": bed,
        "afd": afd,
        "brugge": brugge,
        "kortrijk": Region.objects.get(code="34022"),
    }


def cell(measure: Measure, region: Region) -> str:
    return f"{measure.pk}-{region.pk}"


def base(p: dict, version: int = 1) -> dict[str, object]:
    return {"version": version, "measure": [p["bed"].pk, p["afd"].pk]}


def stored(p: dict) -> dict[tuple[str, str], tuple[int, Decimal | None]]:
    return {
        (h.measure.code, h.region.code): (h.persons, h.fte)
        for h in Headcount.objects.filter(
            submission__organisation=p["organisation"], submission__year=2020
        ).select_related("measure", "region")
    }


def draft(p: dict) -> Submission:
    return Submission.objects.get(organisation=p["organisation"], year=2020)


# --- nothing typed is lost -------------------------------------------------------------------------------------


def test_figures_typed_in_a_picked_but_not_added_municipality_are_saved_with_the_rest(portal) -> None:
    bed, afd = portal["bed"], portal["afd"]
    data = base(portal) | {
        f"p-{cell(bed, portal['brugge'])}": "101",
        "add_region": "34022",
        f"n-{bed.pk}": "7",
        f"nv-{bed.pk}": "6,5",
        f"n-{afd.pk}": "",
        "save": "1",
    }

    response = portal["editor"].post(portal["url"], data)

    assert response.status_code == 302
    assert stored(portal) == {("CMW-BED", "31005"): (101, None), ("CMW-BED", "34022"): (7, Decimal("6.50"))}
    page = portal["editor"].get(response["Location"]).content.decode()
    assert "Bewaard als ontwerp: 2 cijfers nieuw of gewijzigd." in page
    assert "Kortrijk (34022)" in page  # now a column of its own, with its figure
    assert f'name="p-{cell(bed, portal["kortrijk"])}" value="7"' in page


def test_figures_in_the_new_column_without_a_municipality_are_refused_and_shown_again(portal) -> None:
    bed = portal["bed"]
    data = base(portal) | {f"p-{cell(bed, portal['brugge'])}": "101", f"n-{bed.pk}": "7", "save": "1"}

    response = portal["editor"].post(portal["url"], data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "koos geen gemeente boven die kolom" in page
    assert f'name="n-{bed.pk}" value="7"' in page
    assert f'name="p-{cell(bed, portal["brugge"])}" value="101"' in page
    assert not Submission.objects.filter(year=2020).exists()


def test_adding_a_municipality_with_figures_typed_moves_them_to_its_column_unsaved(portal) -> None:
    bed = portal["bed"]
    data = base(portal) | {"add_region": "34022", f"n-{bed.pk}": "7", "add": "1"}

    page = portal["editor"].post(portal["url"], data).content.decode()

    assert f'name="p-{cell(bed, portal["kortrijk"])}" value="7"' in page
    assert f'name="n-{bed.pk}" value=""' in page
    assert not Headcount.objects.filter(submission__year=2020).exists()


def test_a_municipality_added_without_figures_keeps_its_column_after_saving(portal) -> None:
    data = base(portal) | {f"p-{cell(portal['bed'], portal['brugge'])}": "101", "regio": "34022", "save": "1"}

    response = portal["editor"].post(portal["url"], data)

    assert response["Location"].endswith("?regio=34022")
    assert "Kortrijk (34022)" in portal["editor"].get(response["Location"]).content.decode()


# --- VTE -------------------------------------------------------------------------------------------------------


def test_vte_is_saved_with_a_dutch_comma_and_shown_again_the_dutch_way(portal) -> None:
    name = cell(portal["bed"], portal["brugge"])

    response = portal["editor"].post(portal["url"], base(portal) | {f"p-{name}": "101", f"v-{name}": "80,25"})

    assert response.status_code == 302
    assert stored(portal) == {("CMW-BED", "31005"): (101, Decimal("80.25"))}
    assert f'name="v-{name}" value="80,25"' in portal["editor"].get(portal["url"]).content.decode()


@pytest.mark.parametrize("value", ["-1", "abc", "1.234,5", "1e3"])
def test_a_bad_vte_names_the_cell_and_value_saves_nothing_and_keeps_what_was_typed(portal, value) -> None:
    bed, afd = cell(portal["bed"], portal["brugge"]), cell(portal["afd"], portal["brugge"])

    response = portal["editor"].post(
        portal["url"], base(portal) | {f"p-{bed}": "101", f"v-{bed}": value, f"p-{afd}": "20"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert f"CMW-BED in Brugge (VTE): ‘{value}’ is geen geldig aantal VTE" in page
    assert f'name="v-{bed}" value="{value}"' in page
    assert f'name="p-{bed}" value="101"' in page
    assert f'name="p-{afd}" value="20"' in page
    assert not Submission.objects.filter(year=2020).exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1.250", "‘1.250’: schrijf VTE zonder duizendtalpunt en met hoogstens twee decimalen"),
        ("12,345", "‘12,345’ heeft meer dan twee decimalen"),
    ],
)
def test_a_typed_vte_is_never_rounded_or_read_as_a_thousands_point(portal, value, message) -> None:
    bed = cell(portal["bed"], portal["brugge"])

    page = portal["editor"].post(portal["url"], base(portal) | {f"p-{bed}": "101", f"v-{bed}": value}).content.decode()

    assert message in page
    assert f'name="v-{bed}" value="{value}"' in page
    assert not Submission.objects.filter(year=2020).exists()


def test_an_outdated_form_is_kept_and_can_be_sent_again(portal) -> None:
    """Logged in again in another tab: the form's security token is outdated. The Dutch page keeps what was typed
    and sends it again with a fresh token; nothing was saved in between."""
    client = Client(enforce_csrf_checks=True)
    force_login(client, portal["editor_user"])
    client.get(portal["url"])  # sets the CSRF cookie
    bed = cell(portal["bed"], portal["brugge"])
    data = base(portal) | {f"p-{bed}": "101", "csrfmiddlewaretoken": "outdated" * 4}
    response = client.post(portal["url"], data, HTTP_ORIGIN="http://testserver")
    page = response.content.decode()
    assert response.status_code == 403
    assert "Het formulier is verlopen" in page
    assert f'name="p-{bed}" value="101"' in page
    assert not Submission.objects.filter(year=2020).exists()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(portal["url"], {**data, "csrfmiddlewaretoken": token}, HTTP_ORIGIN="http://testserver")
    assert response.status_code == 302
    assert stored(portal) == {("CMW-BED", "31005"): (101, None)}


def test_a_form_posted_from_another_site_is_not_offered_again(portal) -> None:
    client = Client(enforce_csrf_checks=True)
    force_login(client, portal["editor_user"])
    bed = cell(portal["bed"], portal["brugge"])
    response = client.post(portal["url"], base(portal) | {f"p-{bed}": "101"}, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert "Het formulier is verlopen" in response.content.decode()
    assert "data-resend" not in response.content.decode()


def test_vte_without_persons_is_refused(portal) -> None:
    name = cell(portal["bed"], portal["brugge"])

    page = portal["editor"].post(portal["url"], base(portal) | {f"p-{name}": "", f"v-{name}": "3"}).content.decode()

    assert "VTE zonder aantal personen" in page
    assert not Submission.objects.filter(year=2020).exists()


def test_only_a_changed_vte_is_a_change_and_a_missing_vte_input_keeps_the_stored_one(portal) -> None:
    name = cell(portal["bed"], portal["brugge"])
    portal["editor"].post(portal["url"], base(portal) | {f"p-{name}": "101", f"v-{name}": "80"})
    version = draft(portal).version

    portal["editor"].post(portal["url"], base(portal, version) | {f"p-{name}": "101", f"v-{name}": "81,5"})
    assert stored(portal)[("CMW-BED", "31005")] == (101, Decimal("81.50"))
    assert draft(portal).version == version + 1

    portal["editor"].post(portal["url"], base(portal, version + 1) | {f"p-{name}": "102"})  # no VTE input posted
    assert stored(portal)[("CMW-BED", "31005")] == (102, Decimal("81.50"))


def test_the_page_shows_totals_per_measure_and_per_municipality(portal) -> None:
    submission = Submission.objects.create(organisation=portal["organisation"], year=2020)
    for measure, region, persons, fte in (
        (portal["bed"], portal["brugge"], 10, Decimal("8.5")),
        (portal["afd"], portal["brugge"], 5, Decimal("1")),
        (portal["bed"], portal["kortrijk"], 3, None),
    ):
        Headcount.objects.create(submission=submission, measure=measure, region=region, persons=persons, fte=fte)

    response = portal["editor"].get(portal["url"])

    rows = {row.measure.code: (row.persons_total, row.fte_total) for row in response.context["rows"]}
    assert rows["CMW-BED"] == (13, Decimal("8.5"))
    assert rows["CMW-AFD"] == (5, Decimal("1"))
    totals = {t.region.code: (t.persons, t.fte) for t in response.context["totals"]}
    assert totals == {"31005": (15, Decimal("9.5")), "34022": (3, None)}
    assert response.context["grand_persons"] == 18
    assert "9,5 VTE" in response.content.decode()


def test_the_totals_script_is_loaded_deferred_from_our_static_files_for_editors_only(portal) -> None:
    editor_page = portal["editor"].get(portal["url"]).content.decode()
    viewer_page = portal["viewer"].get(portal["url"]).content.decode()

    assert '<script src="/static/js/portal.js" defer></script>' in editor_page
    assert 'data-decimal-separator="," data-thousand-separator="."' in editor_page
    assert editor_page.count("<script") == 1  # nothing inline: a Content-Security-Policy may forbid it
    assert "<script" not in viewer_page


# --- messages: what was saved, what still blocks ---------------------------------------------------------------


def test_submitting_with_an_unexplained_change_saves_says_so_and_does_not_say_niet_bewaard(portal) -> None:
    bed, afd = cell(portal["bed"], portal["brugge"]), cell(portal["afd"], portal["brugge"])

    response = portal["editor"].post(portal["url"], base(portal) | {f"p-{bed}": "200", f"p-{afd}": "20", "submit": 1})

    page = portal["editor"].get(response["Location"]).content.decode()
    assert "Bewaard als ontwerp: 2 cijfers nieuw of gewijzigd. Nog niet ingediend:" in page
    assert "Niet bewaard" not in page
    assert stored(portal)[("CMW-BED", "31005")] == (200, None)
    assert draft(portal).status == "draft"


def test_a_draft_save_says_how_many_explanations_still_block_submission(portal) -> None:
    bed, afd = cell(portal["bed"], portal["brugge"]), cell(portal["afd"], portal["brugge"])

    response = portal["editor"].post(portal["url"], base(portal) | {f"p-{bed}": "200", f"p-{afd}": "20", "save": 1})

    page = portal["editor"].get(response["Location"]).content.decode()
    assert "Voor u kunt indienen: licht nog 1 opvallende wijziging toe" in page
    again = portal["editor"].post(
        portal["url"], base(portal, draft(portal).version) | {f"p-{bed}": "200", f"p-{afd}": "20", "save": 1}
    )
    assert "Niets gewijzigd" in portal["editor"].get(again["Location"]).content.decode()


def test_after_submission_the_page_says_what_happens_next_and_asks_for_nothing(portal) -> None:
    bed, afd = cell(portal["bed"], portal["brugge"]), cell(portal["afd"], portal["brugge"])
    data = base(portal) | {f"p-{bed}": "200", f"e-{bed}": "Nieuwe afdeling", f"p-{afd}": "20", "submit": "1"}

    response = portal["editor"].post(portal["url"], data)

    page = portal["editor"].get(response["Location"]).content.decode()
    assert draft(portal).status == "submitted"
    assert "De aangifte is ingediend. Dank u!" in page
    assert "POM kijkt de cijfers nu na. U krijgt een e-mail" in page
    assert "vragen een toelichting" not in page
    assert "Bewaren als ontwerp" not in page
    assert f'name="p-{bed}"' not in page


def test_viewers_get_a_read_only_page_without_the_editors_instructions(portal) -> None:
    portal["editor"].post(
        portal["url"], base(portal) | {f"p-{cell(portal['bed'], portal['brugge'])}": "200", "save": 1}
    )

    editor_page = portal["editor"].get(portal["url"]).content.decode()
    viewer_page = portal["viewer"].get(portal["url"]).content.decode()

    assert "Tel iedereen op 31 december." in editor_page
    assert "De bevraging sluit op" in editor_page
    assert "vragen een toelichting voor u kunt indienen" in editor_page
    assert "Tel iedereen op 31 december." not in viewer_page
    assert "vragen een toelichting" not in viewer_page
    assert "Cijfers van vorig jaar overnemen" not in viewer_page
    assert "U kunt deze cijfers lezen maar niet wijzigen." in viewer_page
    assert 'name="p-' not in viewer_page
    assert 'name="n-' not in viewer_page


def test_a_viewer_of_a_submitted_submission_reads_no_word_about_submitting_or_e_mails(portal) -> None:
    bed, afd = cell(portal["bed"], portal["brugge"]), cell(portal["afd"], portal["brugge"])
    data = base(portal) | {f"p-{bed}": "200", f"e-{bed}": "Nieuwe afdeling", f"p-{afd}": "20", "submit": "1"}
    portal["editor"].post(portal["url"], data)
    assert draft(portal).status == "submitted"

    page = portal["viewer"].get(portal["url"]).content.decode()

    assert "POM kijkt de cijfers nu na." in page
    assert "U kunt deze cijfers lezen maar niet wijzigen." in page
    for editors_text in ("U krijgt een e-mail", "vraag POM dan om de aangifte terug te sturen", "Indienen bij POM"):
        assert editors_text not in page


def test_a_round_whose_close_date_is_past_sloot_on_that_date(portal) -> None:
    closed = timezone.localdate() - dt.timedelta(days=1)
    CollectionRound.objects.filter(year=2020).update(opens_on=closed - dt.timedelta(days=30), closes_on=closed)

    page = portal["editor"].get(portal["url"]).content.decode()

    assert f"De bevraging sloot op {closed.day} " in page
    assert "De bevraging sluit op" not in page


def test_a_round_that_closes_today_still_sluit_on_that_date(portal) -> None:
    today = timezone.localdate()
    CollectionRound.objects.filter(year=2020).update(closes_on=today)

    page = portal["editor"].get(portal["url"]).content.decode()

    assert f"De bevraging sluit op {today.day} " in page
    assert "sloot op" not in page


def test_poms_return_comment_stays_until_the_submission_is_sent_again(portal, staff_user: User) -> None:
    bed, afd = cell(portal["bed"], portal["brugge"]), cell(portal["afd"], portal["brugge"])
    portal["editor"].post(portal["url"], base(portal) | {f"p-{bed}": "100", f"p-{afd}": "20", "submit": 1})
    submissions.submission_return(submission=draft(portal), user=staff_user, comment="Kortrijk ontbreekt")
    assert "Kortrijk ontbreekt" in portal["editor"].get(portal["url"]).content.decode()

    portal["editor"].post(
        portal["url"], base(portal, draft(portal).version) | {f"p-{bed}": "101", f"p-{afd}": "20", "save": 1}
    )
    assert draft(portal).status == "draft"
    assert "Kortrijk ontbreekt" in portal["editor"].get(portal["url"]).content.decode()
    assert "Kortrijk ontbreekt" in portal["viewer"].get(portal["url"]).content.decode()

    portal["editor"].post(
        portal["url"], base(portal, draft(portal).version) | {f"p-{bed}": "101", f"p-{afd}": "20", "submit": 1}
    )
    assert draft(portal).status == "submitted"
    assert "Kortrijk ontbreekt" not in portal["editor"].get(portal["url"]).content.decode()


def test_copying_last_years_figures_fills_the_empty_cells_and_saves_nothing(portal) -> None:
    submission = Submission.objects.create(organisation=portal["organisation"], year=2020)
    Headcount.objects.create(submission=submission, measure=portal["afd"], region=portal["brugge"], persons=25)

    response = portal["editor"].get(portal["url"] + "?vorig_jaar=1")

    page = response.content.decode()
    bed, afd = cell(portal["bed"], portal["brugge"]), cell(portal["afd"], portal["brugge"])
    assert f'name="p-{bed}" value="100"' in page
    assert f'name="v-{bed}" value="80,5"' in page
    assert f'name="p-{afd}" value="25"' in page  # what is stored stays
    assert "1 cijfer van vorig jaar ingevuld in de lege cellen. Nog niet bewaard" in page
    assert stored(portal) == {("CMW-AFD", "31005"): (25, None)}
    assert portal["viewer"].get(portal["url"] + "?vorig_jaar=1").context["copied"] is None


def test_copying_last_years_figures_keeps_what_was_typed_and_saves_nothing(portal) -> None:
    """The copy is a button of the form: the figures typed and not yet saved go with it and stay."""
    bed, afd = cell(portal["bed"], portal["brugge"]), cell(portal["afd"], portal["brugge"])
    page = portal["editor"].get(portal["url"]).content.decode()
    assert 'name="copy" value="1" data-copy-previous' in page

    response = portal["editor"].post(portal["url"], base(portal) | {f"p-{afd}": "31", f"p-{bed}": "", "copy": "1"})

    page = response.content.decode()
    assert f'name="p-{afd}" value="31"' in page  # typed, kept
    assert f'name="p-{bed}" value="100"' in page  # empty, filled from last year
    assert "1 cijfer van vorig jaar ingevuld in de lege cellen. Nog niet bewaard" in page
    assert not Submission.objects.filter(year=2020).exists()


def test_adding_a_municipality_says_that_nothing_is_saved_yet(portal) -> None:
    data = base(portal) | {"add_region": portal["kortrijk"].code, "add": "1"}
    page = portal["editor"].post(portal["url"], data).content.decode()
    assert "Gemeente toegevoegd. Nog niet bewaard" in page
    assert not Submission.objects.filter(year=2020).exists()


def test_the_home_page_shows_the_status_of_each_form(portal, staff_user: User) -> None:
    other = OrganisationFactory(home_region=portal["brugge"], kind="maatwerkbedrijf", name="Atelier Twee")
    MembershipFactory(user=portal["editor_user"], organisation=other, role="editor")
    page = portal["editor"].get("/").content.decode()
    assert 'Aangifte 2020 van Werkplaats Brugge</a> – <span class="status status-not-started">niet begonnen' in page

    for status, label in (
        ("draft", "ontwerp"),
        ("submitted", "ingediend"),
        ("returned", "teruggestuurd"),
        ("validated", "gevalideerd"),
    ):
        Submission.objects.update_or_create(organisation=other, year=2020, defaults={"status": status})
        page = portal["editor"].get("/").content.decode()
        assert f'Aangifte 2020 van Atelier Twee</a> – <span class="status status-{status}">{label}' in page
    # Returned, then worked on (a draft again): still "teruggestuurd" until it is sent again.
    Submission.objects.filter(organisation=other).update(status="draft", returned_at=timezone.now())
    assert 'status-returned">teruggestuurd' in portal["editor"].get("/").content.decode()


# --- one rule for the cells ------------------------------------------------------------------------------------


def test_a_forged_measure_outside_the_kind_is_refused_on_the_form_and_nothing_is_saved(portal) -> None:
    vop = Measure.objects.get(code="VOP")
    bed = cell(portal["bed"], portal["brugge"])
    data = base(portal) | {
        "measure": [portal["bed"].pk, vop.pk],
        f"p-{bed}": "5",
        f"p-{vop.pk}-{portal['brugge'].pk}": "9",
    }

    response = portal["editor"].post(portal["url"], data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "VOP in Brugge: maatregel VOP wordt niet gerapporteerd door een maatwerkbedrijf" in page
    assert f'name="p-{bed}" value="5"' in page
    assert not Headcount.objects.filter(submission__year=2020).exists()


def test_a_forged_region_above_municipality_level_is_refused_on_the_form(portal) -> None:
    flanders = Region.objects.get(code="02000")
    data = base(portal) | {"regio": "02000", f"p-{portal['bed'].pk}-{flanders.pk}": "9"}

    response = portal["editor"].post(portal["url"], data)

    assert response.status_code == 200
    assert f"regio met id {flanders.pk} staat niet in dit formulier" in response.content.decode()
    assert "Vlaams Gewest (02000)" not in response.content.decode()
    assert not Headcount.objects.filter(submission__year=2020).exists()


def test_the_service_refuses_an_organisation_user_what_staff_may_do(portal, staff_user: User) -> None:
    submission = Submission.objects.create(organisation=portal["organisation"], year=2020)
    flanders, vop = Region.objects.get(code="02000"), Measure.objects.get(code="VOP")
    figures = {(portal["bed"].pk, flanders.pk): (9, ""), (vop.pk, portal["brugge"].pk): (4, "")}

    with pytest.raises(ValidationError) as refused:
        submissions.submission_save_figures(
            submission=submission, figures=figures, version=1, user=portal["editor_user"]
        )

    assert refused.value.messages == [
        "CMW-BED in Vlaams Gewest: regio 02000 (Vlaams Gewest) is een gewest; organisaties geven hun cijfers per "
        "gemeente, enkel POM-medewerkers vullen cijfers op een hoger niveau in.",
        "VOP in Brugge: maatregel VOP wordt niet gerapporteerd door een maatwerkbedrijf; enkel POM-medewerkers "
        "kunnen hem invullen.",
    ]
    assert not Headcount.objects.filter(submission=submission).exists()
    submissions.submission_save_figures(submission=submission, figures=figures, version=1, user=staff_user)
    assert Headcount.objects.filter(submission=submission).count() == 2
    with pytest.raises(ValidationError, match="is een gewest"):
        submissions.headcount_save(
            submission=submission, measure=portal["afd"], region=flanders, persons=1, user=portal["editor_user"]
        )
    submissions.headcount_save(
        submission=submission, measure=portal["afd"], region=flanders, persons=1, user=staff_user
    )


def test_an_editors_upload_is_refused_for_a_measure_outside_the_kind_a_province_and_a_year_without_a_round(
    portal,
) -> None:
    kbo = portal["organisation"].kbo
    content = (
        "jaar;organisatie;maatregel;regio;personen\n"
        f"2020;{kbo};VOP;31005;4\n"
        f"2020;{kbo};CMW-BED;30000;5\n"
        f"2021;{kbo};CMW-BED;31005;6\n"
        f"2020;{kbo};CMW-BED;31005;7\n"
    )

    report = headcounts_import(
        data=content.encode(),
        filename="t.csv",
        user=portal["editor_user"],
        organisations=portal["organisation"].__class__.objects.filter(pk=portal["organisation"].pk),
    )

    assert [(e.row, e.column, e.value) for e in report.errors] == [
        (2, "maatregel", "VOP"),
        (3, "regio", "30000"),
        (4, "jaar", "2021"),
    ]
    assert "wordt niet gerapporteerd door een maatwerkbedrijf" in report.errors[0].message
    assert "is een provincie" in report.errors[1].message
    assert report.errors[2].message == (
        "Er is geen bevraging voor 2021. Enkel POM-medewerkers kunnen cijfers voor dat jaar invoeren."
    )
    assert not Headcount.objects.filter(submission__organisation=portal["organisation"], submission__year__gte=2020)
    assert not Submission.objects.filter(year=2021).exists()


def test_the_upload_page_shows_the_same_refusal_with_row_column_and_value(portal) -> None:
    content = f"jaar;organisatie;maatregel;regio;personen\n2022;{portal['organisation'].kbo};CMW-BED;31005;6\n"

    portal["editor"].post("/import/", {"kind": "headcounts", "file": SimpleUploadedFile("t.csv", content.encode())})
    job = ImportJob.objects.get()
    import_job_run(job_id=job.pk)  # what the worker does with the job

    page = portal["editor"].get(f"/import/{job.pk}/").content.decode()
    assert "<tr><td>2</td><td>jaar</td><td>2022</td><td>Er is geen bevraging voor 2022." in page
    assert "niet open" not in page
    assert not Submission.objects.filter(year=2022).exists()


def test_the_portal_says_plainly_that_a_year_has_no_round(portal) -> None:
    response = portal["editor"].get(f"/portaal/{portal['organisation'].pk}/2022/")

    assert response.status_code == 404
    assert "Er is geen bevraging voor 2022." in response.content.decode()


def test_figures_of_a_year_without_a_round_are_read_only_for_the_editor_with_that_reason(portal) -> None:
    Submission.objects.create(organisation=portal["organisation"], year=2018, status="draft")

    page = portal["editor"].get(f"/portaal/{portal['organisation'].pk}/2018/").content.decode()

    assert "Er is geen bevraging voor 2018. Enkel POM-medewerkers kunnen cijfers voor dat jaar invoeren." in page
    assert 'name="p-' not in page


def test_staff_may_upload_figures_at_a_province_and_for_any_measure(portal, staff_user: User) -> None:
    kbo = portal["organisation"].kbo
    content = f"jaar;organisatie;maatregel;regio;personen\n2020;{kbo};VOP;30000;4\n"

    report = headcounts_import(data=content.encode(), filename="t.csv", user=staff_user)

    assert report.ok, report.errors


def test_the_admin_refuses_what_the_rule_refuses_and_staff_pass(portal, staff_client: Client) -> None:
    submission = Submission.objects.create(organisation=portal["organisation"], year=2020)
    flanders = Region.objects.get(code="02000")
    response = staff_client.post(
        "/admin/inventory/headcount/add/",
        {
            "submission": submission.pk,
            "measure": Measure.objects.get(code="VOP").pk,
            "region": flanders.pk,
            "persons": "3",
            "fte": "",
            "explanation": "",
        },
    )
    assert response.status_code == 302  # staff may do more: a figure known only for Flanders
    assert Headcount.objects.get(submission=submission).region == flanders
