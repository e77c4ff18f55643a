"""The organisation portal: the yearly form, plausibility at submit, optimistic locking, round dates, roles; the
form's save in a number of queries that does not grow with the cells, bad input as errors on the page."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from inventory.models import (
    AggregateDirtyKey,
    CollectionRound,
    Headcount,
    HeadcountEvent,
    Measure,
    Region,
    Submission,
)
from inventory.selectors.history import submission_history
from inventory.services import submissions
from inventory.services.plausibility import is_implausible, plausibility_flags
from tests.conftest import logged_in
from tests.factories import MembershipFactory, OrganisationFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal(reference_db) -> dict:
    brugge = Region.objects.get(code="31005")
    organisation = OrganisationFactory(home_region=brugge, kind="maatwerkbedrijf")
    editor, viewer = UserFactory(), UserFactory()
    MembershipFactory(user=editor, organisation=organisation, role="editor")
    MembershipFactory(user=viewer, organisation=organisation, role="viewer")
    today = timezone.localdate()
    CollectionRound.objects.create(
        year=2020, opens_on=today - dt.timedelta(days=7), closes_on=today + dt.timedelta(days=30)
    )
    last_year = Submission.objects.create(organisation=organisation, year=2019, status="validated")
    bed, afd = Measure.objects.get(code="CMW-BED"), Measure.objects.get(code="CMW-AFD")
    Headcount.objects.create(submission=last_year, measure=bed, region=brugge, persons=100)
    Headcount.objects.create(submission=last_year, measure=afd, region=brugge, persons=20)
    return {
        "organisation": organisation,
        "editor": logged_in(editor),
        "editor_user": editor,
        "viewer": logged_in(viewer),
        "url": f"/portaal/{organisation.pk}/2020/",
        "cell": lambda measure: f"{Measure.objects.get(code=measure).pk}-{brugge.pk}",
        "brugge": brugge,
    }


def post(p: dict, client: Client | None = None, version: int = 1, **cells: object) -> object:
    data: dict[str, object] = {
        "version": version,
        "measure": [c.split("-")[0] for c in map(p["cell"], ["CMW-BED", "CMW-AFD"])],
    }
    for key, value in cells.items():
        data[key] = value
    return (client or p["editor"]).post(p["url"], data)


def figures(p: dict) -> dict[str, int]:
    submission = Submission.objects.get(organisation=p["organisation"], year=2020)
    return {h.measure.code: h.persons for h in submission.headcounts.select_related("measure")}


def test_the_form_shows_the_measures_of_the_kind_with_last_years_figures(portal) -> None:
    page = portal["editor"].get(portal["url"]).content.decode()

    assert f'name="p-{portal["cell"]("CMW-BED")}"' in page
    assert "vorig jaar: 100" in page
    assert "Brugge (31005)" in page
    assert "Bewaren als ontwerp" in page


def test_an_editor_saves_a_draft_then_submits_with_an_explanation_for_a_big_change(portal) -> None:
    bed, afd = portal["cell"]("CMW-BED"), portal["cell"]("CMW-AFD")
    response = post(portal, **{f"p-{bed}": "104", f"p-{afd}": "20", "save": "1"})
    assert response.status_code == 302
    assert figures(portal) == {"CMW-BED": 104, "CMW-AFD": 20}
    version = Submission.objects.get(year=2020).version

    refused = post(portal, version=version, **{f"p-{bed}": "200", f"p-{afd}": "20", "submit": "1"})
    # Saved, not submitted, and the page says both: never "Niet bewaard" for figures that were saved.
    assert refused.status_code == 302
    page = portal["editor"].get(refused["Location"]).content.decode()
    assert "Bewaard als ontwerp: 1 cijfer nieuw of gewijzigd. Nog niet ingediend:" in page
    assert "licht de wijziging toe" in page
    assert "Niet bewaard" not in page
    assert figures(portal) == {"CMW-BED": 200, "CMW-AFD": 20}
    assert Submission.objects.get(year=2020).status == "draft"

    version = Submission.objects.get(year=2020).version
    sent = post(
        portal,
        version=version,
        **{f"p-{bed}": "200", f"e-{bed}": "Nieuwe afdeling geopend", f"p-{afd}": "20", "submit": "1"},
    )
    assert sent.status_code == 302
    submission = Submission.objects.get(year=2020)
    assert submission.status == "submitted"
    assert submission.headcounts.get(measure__code="CMW-BED").explanation == "Nieuwe afdeling geopend"


def test_a_form_nobody_has_filled_in_yet_shows_no_warnings(portal) -> None:
    page = portal["editor"].get(portal["url"])
    assert page.status_code == 200
    assert "ontbreekt nu" not in page.content.decode()
    saved = post(portal, **{f"p-{portal['cell']('CMW-BED')}": "100", f"p-{portal['cell']('CMW-AFD')}": ""})
    assert saved.status_code == 302
    assert "ontbreekt nu" in portal["editor"].get(portal["url"]).content.decode()  # once figures are there


def test_a_measure_reported_last_year_and_missing_now_needs_an_explanation(portal) -> None:
    bed, afd = portal["cell"]("CMW-BED"), portal["cell"]("CMW-AFD")
    refused = post(portal, **{f"p-{bed}": "100", f"p-{afd}": "", "submit": "1"})
    assert "ontbreekt nu" in portal["editor"].get(refused["Location"]).content.decode()
    assert Submission.objects.get(year=2020).status == "draft"
    version = Submission.objects.get(year=2020).version
    sent = post(
        portal, version=version, **{f"p-{bed}": "100", f"p-{afd}": "0", f"e-{afd}": "Afdeling gesloten", "submit": "1"}
    )
    assert sent.status_code == 302
    assert Submission.objects.get(year=2020).status == "submitted"


def test_a_second_editor_saving_an_old_version_gets_a_conflict_and_overwrites_nothing(portal) -> None:
    bed, afd = portal["cell"]("CMW-BED"), portal["cell"]("CMW-AFD")
    post(portal, **{f"p-{bed}": "101", f"p-{afd}": "20", "save": "1"})
    loaded_version = Submission.objects.get(year=2020).version
    post(portal, version=loaded_version, **{f"p-{bed}": "102", f"p-{afd}": "20", "save": "1"})

    stale = post(portal, version=loaded_version, **{f"p-{bed}": "999", f"p-{afd}": "20", "save": "1"})

    page = stale.content.decode()
    assert stale.status_code == 200
    assert "Iemand anders heeft deze aangifte intussen bewaard" in page
    assert 'value="102"' in page
    assert figures(portal)["CMW-BED"] == 102


def test_viewers_see_the_form_read_only_and_outsiders_get_404(portal) -> None:
    page = portal["viewer"].get(portal["url"]).content.decode()
    assert 'name="p-' not in page
    assert (
        post(portal, client=portal["viewer"], **{f"p-{portal['cell']('CMW-BED')}": "5", "save": "1"}).status_code == 403
    )
    outsider = UserFactory()
    MembershipFactory(user=outsider, organisation=OrganisationFactory(), role="editor")
    assert logged_in(outsider).get(portal["url"]).status_code == 404


def test_after_the_close_date_only_staff_change_figures(portal, staff_client: Client) -> None:
    CollectionRound.objects.filter(year=2020).update(closes_on=timezone.localdate() - dt.timedelta(days=1))
    page = portal["editor"].get(portal["url"]).content.decode()
    assert "niet open" in page
    assert 'name="p-' not in page
    bed = portal["cell"]("CMW-BED")
    assert post(portal, **{f"p-{bed}": "5", "save": "1"}).status_code == 403
    assert post(portal, client=staff_client, **{f"p-{bed}": "5", "save": "1"}).status_code == 302


def test_the_plausibility_rule_needs_both_the_percentage_and_the_persons(settings) -> None:
    assert not is_implausible(100, 130)  # +30 %: not more than 30 %
    assert is_implausible(100, 131)
    assert not is_implausible(20, 30)  # +50 % but only 10 persons
    assert is_implausible(20, 31)
    settings.PLAUSIBILITY_CHANGE_PCT = 60
    assert not is_implausible(20, 31)


def test_the_service_refuses_to_submit_an_unexplained_flag_whatever_the_caller(portal) -> None:
    submission = Submission.objects.create(organisation=portal["organisation"], year=2020)
    Headcount.objects.create(
        submission=submission, measure=Measure.objects.get(code="CMW-BED"), region=portal["brugge"], persons=300
    )
    flagged = [Measure.objects.get(pk=f.measure_id).code for f in plausibility_flags(submission=submission)]
    assert flagged == ["CMW-BED", "CMW-AFD"]
    with pytest.raises(Exception, match="licht de wijziging toe"):
        submissions.submission_submit(submission=submission, user=None)
    assert Submission.objects.get(pk=submission.pk).status == "draft"


def test_organisation_users_find_the_open_round_on_their_home_page(portal) -> None:
    page = portal["editor"].get("/").content.decode()
    assert "Open bevragingen" in page
    assert portal["url"] in page


# --- the form and its save: set-based, one version per save, bad input never a 500 ---------------------------


def regions_of_2020(count: int) -> list[Region]:
    return list(Region.objects.municipalities().valid_in(2020).order_by("code")[:count])


def grid_post(p: dict, regions: list[Region], persons: int, version: int = 1, **extra: object) -> object:
    """The page's POST with CMW-BED and CMW-AFD in `regions` (added with `regio` as the page does), all at
    `persons`: 2 x len(regions) cells."""
    bed, afd = Measure.objects.get(code="CMW-BED"), Measure.objects.get(code="CMW-AFD")
    data: dict[str, object] = {"version": version, "measure": [bed.pk, afd.pk], "regio": [r.code for r in regions]}
    data |= {f"p-{m.pk}-{r.pk}": str(persons) for m in (bed, afd) for r in regions}
    return p["editor"].post(p["url"], data | extra)


def draft(p: dict) -> Submission:
    return Submission.objects.get_or_create(organisation=p["organisation"], year=2020)[0]


def cells(regions: list[Region], persons: int) -> dict[tuple[int, int], tuple[int, str]]:
    measures = Measure.objects.filter(code__in=["CMW-BED", "CMW-AFD"])
    return {(m.pk, r.pk): (persons, "") for m in measures for r in regions}


def test_a_save_through_the_service_runs_as_many_queries_for_100_changed_cells_as_for_10_and_at_most_20(
    portal, django_assert_max_num_queries
) -> None:
    user = portal["editor_user"]
    counts = {}
    for size, regions in ((10, regions_of_2020(5)), (100, regions_of_2020(50))):
        submission = draft(portal)
        submission.headcounts.all().delete()
        for persons in (7, 8):  # new cells, then every cell changed
            with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(20):
                submission = submissions.submission_save_figures(
                    submission=submission, figures=cells(regions, persons), version=submission.version, user=user
                )
            counts[(size, persons)] = len(queries)
        assert submission.headcounts.filter(persons=8).count() == size
    assert counts[(10, 7)] == counts[(100, 7)]
    assert counts[(10, 8)] == counts[(100, 8)]


def test_a_save_through_the_page_runs_as_many_queries_for_100_changed_cells_as_for_10(portal) -> None:
    counts = {}
    for size, regions in ((10, regions_of_2020(5)), (100, regions_of_2020(50))):
        draft(portal).headcounts.all().delete()
        for persons in (7, 8):
            with CaptureQueriesContext(connection) as queries:
                response = grid_post(portal, regions, persons, version=draft(portal).version, save="1")
            assert response.status_code == 302
            counts[(size, persons)] = len(queries)
        assert draft(portal).headcounts.filter(persons=8).count() == size
    assert counts[(10, 7)] == counts[(100, 7)]
    assert counts[(10, 8)] == counts[(100, 8)]


def test_the_version_goes_up_by_exactly_one_per_save_however_many_cells_changed(portal) -> None:
    regions = regions_of_2020(30)
    assert grid_post(portal, regions, 5, save="1").status_code == 302
    assert draft(portal).version == 2
    assert grid_post(portal, regions, 6, version=2, save="1").status_code == 302
    assert (draft(portal).version, draft(portal).headcounts.filter(persons=6).count()) == (3, 60)

    # Nothing changed: nothing written, the version stays.
    assert grid_post(portal, regions, 6, version=3, save="1").status_code == 302
    assert draft(portal).version == 3


def test_only_changed_cells_are_written_and_unchanged_ones_get_no_history_event(portal) -> None:
    bed, afd = portal["cell"]("CMW-BED"), portal["cell"]("CMW-AFD")
    post(portal, **{f"p-{bed}": "101", f"p-{afd}": "20", "save": "1"})
    submission = draft(portal)
    unchanged = submission.headcounts.get(measure__code="CMW-AFD")
    changed = submission.headcounts.get(measure__code="CMW-BED")

    response = post(portal, version=submission.version, **{f"p-{bed}": "102", f"p-{afd}": "20", "save": "1"})

    assert response.status_code == 302
    assert list(HeadcountEvent.objects.filter(pgh_obj=unchanged).values_list("pgh_label", flat=True)) == ["insert"]
    assert list(HeadcountEvent.objects.filter(pgh_obj=changed).values_list("pgh_label", "persons")) == [
        ("insert", 101),
        ("update", 102),
    ]
    entry = submission_history(submission=submission)[0]
    assert (entry.action, entry.object, entry.changes, entry.source) == (
        "gewijzigd",
        "Collectief maatwerk: maatwerkbedrijf (CMW-BED) in Brugge",
        [("personen", "101", "102")],
        "website",
    )
    assert entry.user == portal["editor_user"].username


def test_an_emptied_cell_is_removed_and_its_explanation_kept_only_with_a_figure(portal) -> None:
    bed, afd = portal["cell"]("CMW-BED"), portal["cell"]("CMW-AFD")
    post(portal, **{f"p-{bed}": "101", f"p-{afd}": "20", "save": "1"})

    saved = post(portal, version=2, **{f"p-{bed}": "", f"p-{afd}": "20", f"e-{afd}": "Zelfde als vorig jaar"})

    assert saved.status_code == 302
    assert figures(portal) == {"CMW-AFD": 20}
    assert draft(portal).headcounts.get().explanation == "Zelfde als vorig jaar"
    assert draft(portal).version == 3


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("abc", "‘abc’ is geen geldig aantal personen"),
        ("-1", "‘-1’ is geen geldig aantal personen"),
        ("1.5", "‘1.5’ is geen geldig aantal personen"),
        ("1 000", "‘1 000’ is geen geldig aantal personen"),
        ("²", "‘²’ is geen geldig aantal personen"),
        ("١٢", "‘١٢’ is geen geldig aantal personen"),
        ("1\x002", "‘1\ufffd2’ is geen geldig aantal personen"),
        ("99999999999", "‘99999999999’ is te groot: een aantal personen is hoogstens 2.147.483.647."),
        ("9" * 5000, f"‘{'9' * 100}…’ is te groot"),  # shortened in the message
    ],
)
def test_a_bad_figure_gives_the_page_with_an_error_naming_the_cell_and_saves_nothing(portal, value, shown) -> None:
    bed, afd = portal["cell"]("CMW-BED"), portal["cell"]("CMW-AFD")
    post(portal, **{f"p-{bed}": "101", f"p-{afd}": "20", "save": "1"})

    response = post(portal, version=2, **{f"p-{bed}": "5", f"p-{afd}": value, "save": "1"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Niet bewaard:" in page
    assert f"CMW-AFD in Brugge: {shown}" in html.unescape(page)
    assert f'aria-describedby="fout-{afd}"' in page
    assert figures(portal) == {"CMW-BED": 101, "CMW-AFD": 20}
    assert draft(portal).version == 2


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        ({"version": "abc"}, "Het formulier heeft geen geldige versie; laad de pagina opnieuw."),
        ({"version": "99999999999"}, "Het formulier heeft geen geldige versie; laad de pagina opnieuw."),
        ({"version": ""}, "Het formulier heeft geen versie; laad de pagina opnieuw."),
        (
            {"e-{afd}": "Gesloten\x00"},
            "CMW-AFD in Brugge: ‘Gesloten\ufffd’ bevat een onzichtbaar stuurteken (U+0000); verwijder het.",
        ),
    ],
)
def test_a_bad_version_or_explanation_gives_the_page_with_the_error_and_saves_nothing(portal, data, shown) -> None:
    bed, afd = portal["cell"]("CMW-BED"), portal["cell"]("CMW-AFD")
    post(portal, **{f"p-{bed}": "101", f"p-{afd}": "20", "save": "1"})
    fields = {key.format(afd=afd): value for key, value in data.items()}

    response = portal["editor"].post(
        portal["url"],
        {"version": 2, "measure": [bed.split("-")[0], afd.split("-")[0]], f"p-{bed}": "5", f"p-{afd}": "0"} | fields,
    )

    assert response.status_code == 200
    assert shown in html.unescape(response.content.decode())
    assert figures(portal) == {"CMW-BED": 101, "CMW-AFD": 20}
    assert draft(portal).version == 2


def test_unknown_measure_and_region_ids_in_a_post_give_an_error_not_a_500(portal) -> None:
    bed = portal["cell"]("CMW-BED")
    measure_id, brugge_id = bed.split("-")
    huge = "9" * 30

    response = portal["editor"].post(
        portal["url"],
        {
            "version": 1,
            "measure": [measure_id, "999999", huge, "x²"],
            f"p-{bed}": "5",
            f"p-{measure_id}-999999": "3",
            f"p-{huge}-{brugge_id}": "4",
            "save": "1",
        },
    )

    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert f"cel 999999-{brugge_id}: er is geen maatregel met id 999999." in page
    assert f"cel {measure_id}-999999: regio met id 999999 staat niet in dit formulier." in page
    assert f"cel {huge}-{brugge_id}: er is geen maatregel met id {huge}." in page
    assert not Headcount.objects.filter(submission__year=2020).exists()


def test_the_service_refuses_unknown_ids_and_figures_out_of_range_naming_each_cell_and_writes_nothing(portal) -> None:
    submission = draft(portal)
    bed = Measure.objects.get(code="CMW-BED")
    brugge = portal["brugge"]
    gone = RegionFactory(code="99001", name="Opgeheven gemeente", last_year=2018)

    with pytest.raises(ValidationError) as refused:
        submissions.submission_save_figures(
            submission=submission,
            figures={
                (bed.pk, brugge.pk): (5, ""),
                (999999, brugge.pk): (1, ""),
                (bed.pk, 999999): (1, ""),
                (bed.pk, gone.pk): (1, ""),
                (bed.pk, regions_of_2020(2)[1].pk): (2_147_483_648, ""),
                (2**70, 2**70): (-1, "x\x00"),
            },
            version=submission.version,
            user=None,
        )

    problems = refused.value.messages
    assert f"cel 999999-{brugge.pk}: er is geen maatregel met id 999999." in problems
    assert f"cel {bed.pk}-999999: er is geen regio met id 999999." in problems
    assert f"CMW-BED in {gone.name}: Regio {gone.code} ({gone.name}) bestond niet in 2020." in problems
    assert any(p.endswith("Aantal personen is hoogstens 2.147.483.647, niet 2147483648.") for p in problems)
    assert f"cel {2**70}-{2**70}: ‘x\ufffd’ bevat een onzichtbaar stuurteken (U+0000); verwijder het." in problems
    assert not submission.headcounts.exists()
    assert Submission.objects.get(pk=submission.pk).version == 1


def test_a_stale_version_saves_nothing_through_the_service(portal) -> None:
    submission = draft(portal)
    regions = regions_of_2020(3)
    submissions.submission_save_figures(submission=submission, figures=cells(regions, 4), version=1, user=None)

    with pytest.raises(submissions.SubmissionConflict) as conflict:
        submissions.submission_save_figures(submission=submission, figures=cells(regions, 9), version=1, user=None)

    assert conflict.value.current.version == 2
    assert sorted(set(submission.headcounts.values_list("persons", flat=True))) == [4]
    assert Submission.objects.get(pk=submission.pk).version == 2


def test_a_returned_submission_goes_back_to_draft_with_one_version_more(portal) -> None:
    submission = draft(portal)
    Submission.objects.filter(pk=submission.pk).update(status="returned", version=5)

    saved = submissions.submission_save_figures(
        submission=submission, figures=cells(regions_of_2020(2), 3), version=5, user=None
    )

    assert (saved.status, saved.version) == ("draft", 6)
    assert Submission.objects.get(pk=submission.pk).status == "draft"


def test_staff_changing_a_submitted_form_mark_each_changed_key_for_the_aggregates_once(
    portal, staff_user: User
) -> None:
    submission = draft(portal)
    regions = regions_of_2020(4)
    submissions.submission_save_figures(submission=submission, figures=cells(regions, 4), version=1, user=None)
    Submission.objects.filter(pk=submission.pk).update(status="submitted")
    AggregateDirtyKey.objects.all().delete()
    changed = dict(list(cells(regions, 6).items())[:3])
    removed = {next(iter(cells(regions[3:], 0))): (None, "")}

    submissions.submission_save_figures(submission=submission, figures=changed | removed, version=2, user=staff_user)

    marked = sorted(AggregateDirtyKey.objects.filter(year=2020).values_list("region_id", "measure_id"))
    assert marked == sorted((r, m) for m, r in [*changed, *removed])
    assert submission.headcounts.count() == 7
    assert Submission.objects.get(pk=submission.pk).version == 3


def test_the_errors_are_in_english_for_someone_who_chose_english(portal) -> None:
    portal["editor"].post(reverse("set_language"), {"language": "en", "next": portal["url"]})
    bed, afd = portal["cell"]("CMW-BED"), portal["cell"]("CMW-AFD")

    response = post(portal, **{f"p-{bed}": "abc", f"p-{afd}": "99999999999", "save": "1"})

    page = html.unescape(response.content.decode())
    assert "CMW-BED in Brugge: ‘abc’ is not a valid number of persons: a whole number of 0 or more." in page
    assert "CMW-AFD in Brugge: ‘99999999999’ is too large: a number of persons is at most 2,147,483,647." in page


def test_a_form_of_more_than_a_thousand_fields_is_saved_not_refused(portal) -> None:
    regions = regions_of_2020(260)  # 520 cells: 520 persons + 520 explanations + 260 regions + the rest
    bed, afd = Measure.objects.get(code="CMW-BED"), Measure.objects.get(code="CMW-AFD")
    explanations = {f"e-{m.pk}-{r.pk}": "" for m in (bed, afd) for r in regions}

    response = grid_post(portal, regions, 3, save="1", **explanations)

    assert response.status_code == 302
    assert (draft(portal).headcounts.count(), draft(portal).version) == (520, 2)


def test_a_region_code_that_is_no_code_is_ignored_not_a_500(portal) -> None:
    assert portal["editor"].get(portal["url"] + "?regio=31%3B01&regio=%27%3B").status_code == 200
    # A control character in the address is refused before any view (inventory.middleware.QueryCheckMiddleware).
    assert portal["editor"].get(portal["url"] + "?regio=3\x001").status_code == 400

    response = post(portal, add_region="3\x001", add="1", regio=["31005\x00"])

    assert response.status_code == 200
    assert not Headcount.objects.filter(submission__year=2020).exists()


def test_adding_a_municipality_shows_its_column_and_saves_nothing_yet(portal) -> None:
    bed = portal["cell"]("CMW-BED")

    response = post(portal, **{f"p-{bed}": "7"}, add_region="34022", add="1")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Kortrijk (34022)" in page
    assert '<input type="hidden" name="regio" value="34022">' in page
    assert 'value="7"' in page
    assert not Headcount.objects.filter(submission__year=2020).exists()


def test_a_post_in_a_closed_round_is_refused_with_the_reason_and_leaves_no_empty_draft(portal) -> None:
    CollectionRound.objects.filter(year=2020).update(
        opens_on=timezone.localdate() - dt.timedelta(days=30), closes_on=timezone.localdate() - dt.timedelta(days=1)
    )

    response = portal["editor"].post(portal["url"], {"version": "1", "save": "1"})

    assert response.status_code == 403
    assert "De bevraging voor 2020 is niet open" in response.content.decode()
    assert not Submission.objects.filter(year=2020).exists()


def test_a_viewer_is_told_why_the_form_is_read_only(portal) -> None:
    page = portal["viewer"].get(portal["url"]).content.decode()

    assert "U kunt deze cijfers lezen maar niet wijzigen." in page


def test_saving_with_a_municipality_chosen_but_not_added_still_saves_the_figures(portal) -> None:
    cell = portal["cell"]("CMW-BED")
    measure = cell.split("-")[0]
    data = {"version": "1", "save": "1", "measure": measure, f"p-{cell}": "101", "add_region": "31022"}

    response = portal["editor"].post(portal["url"], data)

    assert response.status_code == 302
    assert Headcount.objects.get(submission__year=2020, measure__code="CMW-BED").persons == 101


def test_a_coordinator_does_not_open_an_organisations_form(portal, coordinator_client: Client) -> None:
    assert coordinator_client.get(portal["url"]).status_code == 404


def test_a_refused_figure_is_shown_again_as_typed_and_the_good_ones_are_kept(portal) -> None:
    bed, afd = portal["cell"]("CMW-BED"), portal["cell"]("CMW-AFD")

    response = post(portal, **{f"p-{bed}": "7", f"p-{afd}": "99999999999", "save": "1"})

    page = response.content.decode()
    assert f'name="p-{afd}" value="99999999999"' in page
    assert f'name="p-{bed}" value="7"' in page
