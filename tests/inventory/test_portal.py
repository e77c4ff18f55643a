"""The organisation portal: the yearly form, plausibility at submit, optimistic locking, round dates, roles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from inventory.models import CollectionRound, Headcount, Measure, Region, Submission
from inventory.services import submissions
from inventory.services.plausibility import is_implausible, plausibility_flags
from tests.conftest import logged_in
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

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
    assert refused.status_code == 200
    assert "licht de wijziging toe" in refused.content.decode()
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
    assert "ontbreekt nu" in refused.content.decode()
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
    assert [f.measure_code for f in plausibility_flags(submission=submission)] == ["CMW-BED", "CMW-AFD"]
    with pytest.raises(Exception, match="licht de wijziging toe"):
        submissions.submission_submit(submission=submission, user=None)
    assert Submission.objects.get(pk=submission.pk).status == "draft"


def test_organisation_users_find_the_open_round_on_their_home_page(portal) -> None:
    page = portal["editor"].get("/").content.decode()
    assert "Open bevragingen" in page
    assert portal["url"] in page
