"""The admin: staff only, every model reachable, validated submissions locked, KBO numbers in any spelling."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, Invitation, InvitationEvent, Membership, MembershipEvent, User, UserEvent
from inventory.models import (
    Aggregate,
    AggregateYear,
    CollectionRound,
    ContextFigure,
    Edition,
    Headcount,
    HeadcountEvent,
    Measure,
    MeasureEvent,
    Organisation,
    OverlapCorrection,
    OverlapCorrectionEvent,
    Region,
    RegionGrouping,
    Submission,
    SubmissionEvent,
)
from tests.conftest import app_code, app_device, force_login
from tests.factories import (
    PASSWORD,
    CollectionRoundFactory,
    ContextFigureFactory,
    EditionFigureFactory,
    HeadcountFactory,
    MeasureFactory,
    MembershipFactory,
    OrganisationFactory,
    OverlapCorrectionFactory,
    RegionFactory,
    RegionGroupingFactory,
    SubmissionFactory,
    UserFactory,
)

# One way to make a row of every registered model, with its foreign keys filled in.
ROW_MAKERS: dict[type[Model], Callable[[], Model]] = {
    Region: lambda: RegionFactory(parent=RegionFactory(level=Region.Level.ARRONDISSEMENT)),
    RegionGrouping: RegionGroupingFactory,
    Organisation: OrganisationFactory,
    Measure: MeasureFactory,
    CollectionRound: lambda: CollectionRoundFactory(year=2000 + CollectionRound.objects.count()),
    Submission: lambda: HeadcountFactory().submission,
    Headcount: HeadcountFactory,
    OverlapCorrection: lambda: OverlapCorrectionFactory(created_by=UserFactory()),
    ContextFigure: ContextFigureFactory,
    Edition: lambda: EditionFigureFactory().edition,
    User: lambda: MembershipFactory().user,
    Membership: MembershipFactory,
    Group: lambda: Group.objects.create(name=f"Groep {Group.objects.count()}"),
    ApiToken: lambda: ApiToken.objects.create(user=UserFactory(), name="t", key_hash=uuid.uuid4().hex),
    Aggregate: lambda: Aggregate.objects.create(
        year=2019, scope="validated", region=RegionFactory(), persons=1, computed_at=timezone.now()
    ),
    AggregateYear: lambda: AggregateYear.objects.create(year=2000 + AggregateYear.objects.count()),
    # Written by the database's triggers.
    SubmissionEvent: lambda: SubmissionFactory().events.get(),
    HeadcountEvent: lambda: HeadcountFactory().events.get(),
    OverlapCorrectionEvent: lambda: OverlapCorrectionFactory(created_by=UserFactory()).events.get(),
    MeasureEvent: lambda: MeasureFactory().events.get(),
    Invitation: lambda: Invitation.objects.create(
        email=f"u{Invitation.objects.count()}@example.be", organisation=OrganisationFactory(), role="editor"
    ),
    MembershipEvent: lambda: MembershipEvent.objects.get(pgh_obj_id=MembershipFactory().pk),
    InvitationEvent: lambda: InvitationEvent.objects.get(pgh_obj_id=ROW_MAKERS[Invitation]().pk),
    UserEvent: lambda: UserEvent.objects.get(pgh_obj_id=UserFactory().pk),
}
# Written by services only (aggregation, create_api_token, edition_publish) or by database triggers (history):
# no add page.
NO_ADD_PAGE = {
    ApiToken,
    Edition,
    Aggregate,
    AggregateYear,
    SubmissionEvent,
    HeadcountEvent,
    OverlapCorrectionEvent,
    MeasureEvent,
    Invitation,
    MembershipEvent,
    InvitationEvent,
    UserEvent,
}
# "Add user" is an invitation (accounts/invitations.py): the admin's add page sends there.
ADD_ELSEWHERE = {User: "/beheer/uitnodigingen/nieuw/"}

# Our models and Django's auth; third-party apps (django-axes) bring and test their own admin.
REGISTERED_MODELS = sorted(
    (m for m in admin.site._registry if m._meta.app_label in {"inventory", "accounts", "auth"}),
    key=lambda model: model._meta.label,
)
NON_STAFF = ["coordinator", "editor_a", "viewer_a", "editor_b"]


def admin_url(model: type[Model], view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def editable_field_names(html: str) -> set[str]:
    """Names of the visible form controls, the ones a user could change."""
    controls = re.findall(r"<(?:input|select|textarea)\b[^>]*>", html)
    return {
        re.search(r'\bname="([^"]+)"', control).group(1)
        for control in controls
        if ' name="' in control and 'type="hidden"' not in control
    }


def submission_post_data(submission: Submission, **headcount_changes: object) -> dict[str, object]:
    """What the submission change form posts: its own fields and every headcount row in the inline."""
    headcounts = list(submission.headcounts.order_by("pk"))
    data: dict[str, object] = {
        "organisation": submission.organisation_id,
        "year": submission.year,
        "note": "gewijzigd via de admin",
        "headcounts-TOTAL_FORMS": len(headcounts),
        "headcounts-INITIAL_FORMS": len(headcounts),
        "headcounts-MIN_NUM_FORMS": 0,
        "headcounts-MAX_NUM_FORMS": 1000,
        "_save": "Opslaan",
    }
    for index, headcount in enumerate(headcounts):
        row = {
            "id": headcount.pk,
            "submission": submission.pk,
            "measure": headcount.measure_id,
            "region": headcount.region_id,
            "persons": headcount.persons,
            "fte": "",
            "explanation": "",
            **headcount_changes,
        }
        data.update({f"headcounts-{index}-{key}": value for key, value in row.items()})
    return data


@pytest.mark.parametrize("persona", NON_STAFF)
def test_non_staff_users_are_sent_to_the_admin_login(request: pytest.FixtureRequest, persona: str) -> None:
    client = Client()
    force_login(client, request.getfixturevalue(persona))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next=/admin/"
    # The login page it lands on says why and leads back to the site.
    page = client.get(response["Location"]).content.decode()
    assert "Het beheer is enkel voor POM-medewerkers." in page
    assert '<a href="/">Terug naar de site</a>' in page


@pytest.mark.parametrize("persona", NON_STAFF)
def test_non_staff_users_cannot_log_in_through_the_admin_login(
    client: Client, request: pytest.FixtureRequest, persona: str
) -> None:
    user = request.getfixturevalue(persona)

    response = client.post(reverse("admin:login"), {"username": user.username, "password": PASSWORD, "next": "/admin/"})

    assert response.status_code == 200
    assert "voor een stafaccount" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_staff_can_log_in_through_the_admin_login_and_then_their_second_factor(
    client: Client, staff_user: User
) -> None:
    device = app_device(staff_user)
    response = client.post(reverse("admin:login"), {"username": "pom", "password": PASSWORD, "next": "/admin/"})

    assert response["Location"] == "/admin/"
    response = client.get("/admin/")
    assert response["Location"] == f"{reverse('second_factor_verify')}?next=%2Fadmin%2F"
    response = client.post(reverse("second_factor_verify"), {"code": app_code(device), "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_admin_carries_the_inventory_title(staff_client: Client) -> None:
    response = staff_client.get("/admin/")

    assert response.status_code == 200
    assert "Inventaris sociale economie – beheer" in response.content.decode()


def test_the_admin_header_links_the_latest_rounds_completeness(staff_client: Client) -> None:
    CollectionRoundFactory(year=2019)
    CollectionRoundFactory(year=2020)

    for url in ("/admin/", admin_url(Measure, "changelist")):
        page = staff_client.get(url).content.decode()
        user_tools = page[page.index('<div id="user-tools">') :].split("</div>", 1)[0]
        assert '<a href="/beheer/volledigheid/2020/" id="completeness-link">Volledigheid 2020</a>' in user_tools


def test_without_a_round_the_admin_header_has_no_completeness_link(staff_client: Client) -> None:
    assert "/beheer/volledigheid/" not in staff_client.get("/admin/").content.decode()


def test_every_registered_model_has_a_way_to_make_a_row() -> None:
    assert set(REGISTERED_MODELS) <= set(ROW_MAKERS)


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda model: model._meta.label)
def test_staff_can_open_the_list_add_and_change_pages_of_every_model(staff_client: Client, model: type[Model]) -> None:
    row = ROW_MAKERS[model]()

    assert staff_client.get(admin_url(model, "changelist")).status_code == 200
    add = staff_client.get(admin_url(model, "add"))
    if model in ADD_ELSEWHERE:
        assert add.status_code == 302
        assert add["Location"] == ADD_ELSEWHERE[model]
    else:
        assert add.status_code == (403 if model in NO_ADD_PAGE else 200)
    assert staff_client.get(admin_url(model, "change", row.pk)).status_code == 200


@pytest.mark.parametrize("model", REGISTERED_MODELS, ids=lambda model: model._meta.label)
def test_lists_take_the_same_number_of_queries_for_two_rows_as_for_five(
    staff_client: Client, model: type[Model]
) -> None:
    url = admin_url(model, "changelist")
    staff_client.get(url)  # warms per-process caches (content types, permissions)
    for _ in range(2):
        ROW_MAKERS[model]()
    with CaptureQueriesContext(connection) as two_rows:
        staff_client.get(url)
    for _ in range(3):
        ROW_MAKERS[model]()
    with CaptureQueriesContext(connection) as five_rows:
        staff_client.get(url)

    assert len(five_rows) == len(two_rows)


def test_a_validated_submission_opens_without_editable_fields(staff_client: Client) -> None:
    submission = SubmissionFactory(validated=True)
    HeadcountFactory.create_batch(2, submission=submission)

    response = staff_client.get(admin_url(Submission, "change", submission.pk))

    assert response.status_code == 200
    assert editable_field_names(response.content.decode()) == set()


def test_a_draft_submission_opens_with_its_fields_and_headcounts_editable(staff_client: Client) -> None:
    submission = HeadcountFactory().submission

    response = staff_client.get(admin_url(Submission, "change", submission.pk))

    names = editable_field_names(response.content.decode())
    assert {"organisation", "year", "note", "headcounts-0-persons", "headcounts-0-DELETE", "_save"} <= names
    assert "status" not in names


def test_the_headcounts_of_a_draft_submission_can_be_changed_through_the_admin(staff_client: Client) -> None:
    headcount = HeadcountFactory(persons=12)

    response = staff_client.post(
        admin_url(Submission, "change", headcount.submission_id), submission_post_data(headcount.submission, persons=40)
    )

    assert response.status_code == 302
    headcount.refresh_from_db()
    assert headcount.persons == 40


def test_a_validated_submission_and_its_headcounts_cannot_be_changed_through_the_admin(staff_client: Client) -> None:
    headcount = HeadcountFactory(submission=SubmissionFactory(validated=True, note=""), persons=12)
    submission = headcount.submission

    response = staff_client.post(
        admin_url(Submission, "change", submission.pk), submission_post_data(submission, persons=40)
    )

    assert response.status_code == 403
    submission.refresh_from_db()
    headcount.refresh_from_db()
    assert (submission.note, submission.status, headcount.persons) == ("", "validated", 12)


def test_the_headcounts_of_a_validated_submission_cannot_be_deleted_through_its_inline(staff_client: Client) -> None:
    headcount = HeadcountFactory(submission=SubmissionFactory(validated=True))

    response = staff_client.post(
        admin_url(Submission, "change", headcount.submission_id),
        submission_post_data(headcount.submission, DELETE="on"),
    )

    assert response.status_code == 403
    assert Headcount.objects.filter(pk=headcount.pk).exists()


def test_a_validated_submission_cannot_be_deleted(staff_client: Client) -> None:
    submission = HeadcountFactory(submission=SubmissionFactory(validated=True)).submission

    response = staff_client.post(admin_url(Submission, "delete", submission.pk), {"post": "yes"})

    assert response.status_code == 403
    assert Submission.objects.filter(pk=submission.pk).exists()
    assert submission.headcounts.count() == 1


def test_a_headcount_of_a_validated_submission_opens_read_only(staff_client: Client) -> None:
    headcount = HeadcountFactory(submission=SubmissionFactory(validated=True))

    response = staff_client.get(admin_url(Headcount, "change", headcount.pk))

    assert response.status_code == 200
    assert editable_field_names(response.content.decode()) == set()


def test_a_headcount_of_a_validated_submission_cannot_be_changed(staff_client: Client) -> None:
    headcount = HeadcountFactory(submission=SubmissionFactory(validated=True), persons=12)

    response = staff_client.post(
        admin_url(Headcount, "change", headcount.pk),
        {
            "submission": headcount.submission_id,
            "measure": headcount.measure_id,
            "region": headcount.region_id,
            "persons": 40,
        },
    )

    assert response.status_code == 403
    headcount.refresh_from_db()
    assert headcount.persons == 12


def test_a_headcount_of_a_validated_submission_cannot_be_deleted(staff_client: Client) -> None:
    headcount = HeadcountFactory(submission=SubmissionFactory(validated=True))

    assert staff_client.get(admin_url(Headcount, "delete", headcount.pk)).status_code == 403
    assert staff_client.post(admin_url(Headcount, "delete", headcount.pk), {"post": "yes"}).status_code == 403
    assert Headcount.objects.filter(pk=headcount.pk).exists()


def test_the_bulk_delete_action_leaves_the_headcounts_of_a_validated_submission(staff_client: Client) -> None:
    locked = HeadcountFactory(submission=SubmissionFactory(validated=True))
    draft = HeadcountFactory()

    response = staff_client.post(
        admin_url(Headcount, "changelist"),
        {"action": "delete_selected", "_selected_action": [locked.pk, draft.pk], "post": "yes"},
    )

    assert response.status_code == 403
    assert Headcount.objects.filter(pk__in=[locked.pk, draft.pk]).count() == 2


def test_a_headcount_cannot_be_added_to_a_validated_submission(staff_client: Client) -> None:
    submission = SubmissionFactory(validated=True)

    response = staff_client.post(
        admin_url(Headcount, "add"),
        {
            "submission": submission.pk,
            "measure": MeasureFactory().pk,
            "region": submission.organisation.home_region_id,
            "persons": 5,
        },
    )

    assert response.status_code == 200
    assert "Deze aangifte is gevalideerd en dus vergrendeld" in response.content.decode()
    assert not submission.headcounts.exists()


def organisation_form(kbo: str, region: Region) -> dict[str, object]:
    return {"kbo": kbo, "name": "Proximus nv", "kind": "gegevensleverancier", "home_region": region.pk, "active": "on"}


def test_the_organisation_form_stores_any_usual_spelling_as_ten_digits(staff_client: Client) -> None:
    response = staff_client.post(admin_url(Organisation, "add"), organisation_form("BE 0202 239 951", RegionFactory()))

    assert response.status_code == 302
    assert Organisation.objects.get(name="Proximus nv").kbo == "0202239951"


def test_the_organisation_form_refuses_a_wrong_check_number_in_dutch(staff_client: Client) -> None:
    response = staff_client.post(admin_url(Organisation, "add"), organisation_form("0202.239.952", RegionFactory()))

    assert response.status_code == 200
    assert "Ondernemingsnummer 0202.239.952 klopt niet" in response.content.decode()
    assert not Organisation.objects.filter(name="Proximus nv").exists()


def test_the_organisation_list_shows_and_finds_formatted_enterprise_numbers(staff_client: Client) -> None:
    OrganisationFactory(kbo="0202239951", name="Proximus nv")
    OrganisationFactory(name="Andere vzw")

    response = staff_client.get(admin_url(Organisation, "changelist"), {"q": "BE 0202.239.951"})

    assert "0202.239.951" in response.content.decode()
    assert [organisation.name for organisation in response.context["cl"].result_list] == ["Proximus nv"]


def test_the_organisation_change_form_shows_the_formatted_number(staff_client: Client) -> None:
    organisation = OrganisationFactory(kbo="0202239951")

    response = staff_client.get(admin_url(Organisation, "change", organisation.pk))

    assert 'value="0202.239.951"' in response.content.decode()


def test_a_measure_records_which_kinds_of_organisation_report_it(staff_client: Client) -> None:
    response = staff_client.post(
        admin_url(Measure, "add"),
        {
            "code": "LDE-TEST",
            "name": "Lokale diensteneconomie",
            "trede": 5,
            "mode": "collectief",
            "group": "lokale diensteneconomie",
            "reporter_kinds": ["lde-initiatief", "lokaal-bestuur"],
            "counted_at": "werkplaats",
        },
    )

    assert response.status_code == 302
    assert Measure.objects.get(code="LDE-TEST").reporter_kinds == ["lde-initiatief", "lokaal-bestuur"]


def test_staff_can_give_a_user_the_coordinator_role_and_a_membership(staff_client: Client) -> None:
    user = UserFactory(username="nieuw")
    organisation = OrganisationFactory()
    page = staff_client.get(admin_url(User, "change", user.pk))
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if key in ("username", "first_name", "last_name", "email", "is_active")
    }

    response = staff_client.post(
        admin_url(User, "change", user.pk),
        {
            **data,
            "date_joined_0": "2024-01-01",
            "date_joined_1": "10:00:00",
            "is_coordinator": "on",
            "memberships-TOTAL_FORMS": 1,
            "memberships-INITIAL_FORMS": 0,
            "memberships-0-organisation": organisation.pk,
            "memberships-0-role": "viewer",
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_coordinator
    assert list(user.memberships.values_list("organisation", "role")) == [(organisation.pk, "viewer")]
