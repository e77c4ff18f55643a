"""Every URL against every role: outsiders get 404, viewers 403 on writes, anonymous visitors the login page
(programs on the API a 401). One table, keyed by URL pattern name and read row by row; every named pattern of the
project must have a row, so a new URL cannot go unguarded without this file noticing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Invitation, Membership, User
from inventory.models import CollectionRound, ImportJob, ImportProfile, Organisation, Submission
from tests.conftest import logged_in
from tests.factories import EditionFactory, MembershipFactory, OrganisationFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "editor_a", "viewer_a", "editor_b", "coordinator", "staff", "contact_a"]
# Answers other than a status code: a redirect to the login page (or the admin's), and a password-reset page
# that says its link is invalid.
LOGIN, ADMIN_LOGIN, INVALID_LINK = "login", "admin-login", "invalid-link"
API_401 = 401
# django.contrib.admin's own pages guard themselves; one row for its index stands for all of them.
ADMIN_NAMESPACE = "admin"


# A supplier's layout that needs no measures in the database (the world has none).
LONG_LAYOUT = {
    "shape": "long",
    "region": {"column": "NIS", "by": "code"},
    "year": {"from": "column", "column": "Jaar"},
    "measure": {"column": "Maatregel"},
    "persons": {"column": "Aantal"},
}


@pytest.fixture
def world(db: None) -> dict:
    # No reference data: each test makes its own small world, and the table has ~50 rows times 6 roles.
    brugge = RegionFactory(code="31005", name="Brugge")
    a = OrganisationFactory(home_region=brugge, kind="maatwerkbedrijf")
    b = OrganisationFactory(home_region=brugge, kind="maatwerkbedrijf")
    today = timezone.localdate()
    CollectionRound.objects.create(
        year=2020, opens_on=today - dt.timedelta(days=1), closes_on=today + dt.timedelta(days=9)
    )
    submitted = Submission.objects.create(organisation=a, year=2019, status="submitted")
    users: dict[str, User | None] = {"anonymous": None}
    users["editor_a"], users["viewer_a"], users["editor_b"] = UserFactory(), UserFactory(), UserFactory()
    MembershipFactory(user=users["editor_a"], organisation=a, role="editor")
    MembershipFactory(user=users["viewer_a"], organisation=a, role="viewer")
    MembershipFactory(user=users["editor_b"], organisation=b, role="editor")
    users["coordinator"] = UserFactory(is_coordinator=True)
    users["staff"] = UserFactory(is_staff=True)
    users["contact_a"] = UserFactory()
    MembershipFactory(user=users["contact_a"], organisation=a, role="contact")
    job = ImportJob.objects.create(user=users["editor_a"], kind="headcounts", filename="a.csv", data=b"", status="done")
    invitation = Invitation.objects.create(email="nieuw@example.be", organisation=a, role="editor")
    viewer_membership = Membership.objects.get(user=users["viewer_a"])
    edition = EditionFactory(name="Inventaris 2019", reference_year=2019)
    profile = ImportProfile.objects.create(name="Leverancier lang", organisation=a, layout=LONG_LAYOUT)
    return {
        "profile": profile,
        "edition": edition,
        "a": a,
        "submitted": submitted,
        "job": job,
        "users": users,
        "invitation": invitation,
        "viewer_membership": viewer_membership,
    }


def client_for(world: dict, role: str, *, csrf: bool = False) -> Client:
    user = world["users"][role]
    if user is None:
        return Client(enforce_csrf_checks=csrf)
    client = logged_in(user)
    client.handler.enforce_csrf_checks = csrf
    return client


@dataclass(frozen=True)
class Row:
    """One request: the URL pattern's name, its kwargs from the world, and the answer for each role in ROLES order
    but the last; an organisation contact (contact_a) answers as editor_a unless `contact` says otherwise."""

    name: str
    expected: list[object]
    method: str = "get"
    kwargs: Callable[[dict], dict] = lambda w: {}
    data: dict = field(default_factory=dict)
    query: str = ""
    contact: object = None

    @property
    def answers(self) -> list[object]:
        return [*self.expected, self.expected[1] if self.contact is None else self.contact]

    def url(self, world: dict) -> str:
        path = reverse(self.name, kwargs=self.kwargs(world))
        return f"{path}?{self.query}" if self.query else path

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.name}" + (f"?{self.query}" if self.query else "")


def portal_a_2020(w: dict) -> dict:
    return {"organisation_pk": w["a"].pk, "year": 2020}


def the_job(w: dict) -> dict:
    return {"pk": w["job"].pk}


def the_profile(w: dict) -> dict:
    return {"pk": w["profile"].pk}


def year_2020(w: dict) -> dict:
    return {"year": 2020}


ROWS: list[Row] = [
    Row("inventory:home", [LOGIN, 200, 200, 200, 200, 200]),
    # Provisional figures are for staff: a coordinator is told so everywhere (inventory.access.scope_check);
    # organisation users see their own figures, whatever the scope asked.
    Row("inventory:home", [LOGIN, 200, 200, 200, 403, 200], query="scope=provisional"),
    Row("inventory:key-figures", [LOGIN, 404, 404, 404, 200, 200]),
    Row("inventory:editions", [LOGIN, 404, 404, 404, 200, 200]),
    Row("inventory:edition-publish", [LOGIN, 404, 404, 404, 400, 400], method="post", data={"name": ""}),
    # Withdrawing is for staff: a coordinator sees the editions page and gets the reason (no such edition: 404).
    Row(
        "inventory:edition-withdraw",
        [LOGIN, 404, 404, 404, 403, 404],
        method="post",
        kwargs=lambda w: {"pk": 999999},
        data={"reason": "fout"},
    ),
    # Planning the next edition is for coordinators and staff (an empty date clears it).
    Row(
        "inventory:edition-schedule",
        [LOGIN, 404, 404, 404, 302, 302],
        method="post",
        kwargs=lambda w: {"pk": w["edition"].pk},
        data={"next_edition_on": ""},
    ),
    Row("inventory:editions-compare", [LOGIN, 404, 404, 404, 200, 200]),
    Row("inventory:api-aggregates", [API_401, 403, 403, 403, 200, 200]),
    Row("inventory:api-aggregates", [API_401, 403, 403, 403, 403, 200], query="scope=provisional"),
    Row("inventory:api-headcounts", [API_401, 200, 200, 200, 200, 200]),
    Row("inventory:api-headcounts", [API_401, 200, 200, 200, 403, 200], query="scope=provisional"),
    # The public site: the same page for everyone, no login (opendata/).
    Row("opendata:index", [200, 200, 200, 200, 200, 200]),
    Row("opendata:edition", [200, 200, 200, 200, 200, 200], kwargs=lambda w: {"edition": w["edition"].slug}),
    Row("opendata:edition", [404, 404, 404, 404, 404, 404], kwargs=lambda w: {"edition": "geen-editie"}),
    Row(
        "opendata:area",
        [200, 200, 200, 200, 200, 200],
        kwargs=lambda w: {"edition": w["edition"].slug, "code": "31005"},
    ),
    Row("opendata:areas", [200, 200, 200, 200, 200, 200], kwargs=lambda w: {"edition": w["edition"].slug}),
    Row("opendata:map", [200, 200, 200, 200, 200, 200], kwargs=lambda w: {"edition": w["edition"].slug}),
    Row(
        "opendata:map",
        [200, 200, 200, 200, 200, 200],
        kwargs=lambda w: {"edition": w["edition"].slug},
        query="kaart=vlaanderen&cijfer=trede-3&jaar=2019",
    ),
    Row("opendata:map", [404, 404, 404, 404, 404, 404], kwargs=lambda w: {"edition": "geen-editie"}),
    Row("opendata:language", [302, 302, 302, 302, 302, 302], query="taal=en&next=/cijfers/"),
    # The public API and the DCAT catalogue: no key, no login, the same answer for everyone.
    Row("opendata:api", [200, 200, 200, 200, 200, 200]),
    Row("opendata:api-aggregates", [200, 200, 200, 200, 200, 200], query="edition=inventaris-2019"),
    Row("opendata:api-aggregates", [400, 400, 400, 400, 400, 400], query="edition=geen-editie"),
    Row("opendata:catalogue-ttl", [200, 200, 200, 200, 200, 200]),
    Row("opendata:catalogue-jsonld", [200, 200, 200, 200, 200, 200]),
    Row("opendata:changes", [200, 200, 200, 200, 200, 200], kwargs=lambda w: {"edition": w["edition"].slug}),
    Row(
        "opendata:changes",
        [400, 400, 400, 400, 400, 400],
        kwargs=lambda w: {"edition": w["edition"].slug},
        query="formaat=pdf",
    ),
    Row("opendata:workbook", [200, 200, 200, 200, 200, 200], kwargs=lambda w: {"edition": w["edition"].slug}),
    Row("opendata:table", [200, 200, 200, 200, 200, 200], kwargs=lambda w: {"edition": w["edition"].slug}),
    Row(
        "opendata:table",
        [400, 400, 400, 400, 400, 400],
        kwargs=lambda w: {"edition": w["edition"].slug},
        query="jaar=1",
    ),
    Row(
        "opendata:table-download",
        [200, 200, 200, 200, 200, 200],
        kwargs=lambda w: {"edition": w["edition"].slug, "extension": "xlsx"},
    ),
    Row(
        "opendata:table-download",
        [404, 404, 404, 404, 404, 404],
        kwargs=lambda w: {"edition": w["edition"].slug, "extension": "pdf"},
    ),
    # The API's description holds no figures: public, so that a program can read it before it has a key.
    Row("inventory:api-schema", [200, 200, 200, 200, 200, 200]),
    Row("inventory:exports", [LOGIN, 404, 404, 404, 200, 200]),
    Row("inventory:exports", [LOGIN, 404, 404, 404, 403, 200], query="scope=provisional"),
    Row("inventory:exports-publication", [LOGIN, 404, 404, 404, 200, 200]),
    Row("inventory:exports-publication", [LOGIN, 404, 404, 404, 400, 400], query="year=abc"),
    Row("inventory:exports-publication", [LOGIN, 404, 404, 404, 403, 200], query="scope=provisional"),
    Row("inventory:table-headcounts", [LOGIN, 200, 200, 200, 200, 200]),
    Row("inventory:table-headcounts", [LOGIN, 200, 200, 200, 200, 200], query="export=csv"),
    Row("inventory:table-organisations", [LOGIN, 200, 200, 200, 200, 200]),
    Row("inventory:table-organisations", [LOGIN, 200, 200, 200, 200, 200], query="export=xlsx"),
    Row("inventory:table-measures", [LOGIN, 200, 200, 200, 200, 200]),
    Row("inventory:table-measures", [LOGIN, 200, 200, 200, 200, 200], query="export=json"),
    Row("inventory:table-aggregates", [LOGIN, 404, 404, 404, 200, 200]),
    Row("inventory:table-aggregates", [LOGIN, 404, 404, 404, 200, 200], query="export=csv"),
    Row("inventory:table-aggregates", [LOGIN, 404, 404, 404, 403, 200], query="scope=provisional"),
    # The yearly form is the organisation's own (and staff's): a coordinator reads validated figures elsewhere.
    Row("inventory:portal-form", [LOGIN, 200, 200, 404, 404, 200], kwargs=portal_a_2020),
    Row(
        "inventory:portal-form",
        [LOGIN, 302, 403, 404, 404, 302],
        method="post",
        kwargs=portal_a_2020,
        data={"version": "1", "save": "1"},
    ),
    Row("inventory:import", [LOGIN, 200, 403, 200, 403, 200]),
    # An empty upload: the form again with its errors for those who may import.
    Row("inventory:import", [LOGIN, 200, 403, 200, 403, 200], method="post"),
    # The template to fill in: for those who may upload (a viewer is told why, as on the upload page).
    Row("inventory:import-template", [LOGIN, 200, 403, 200, 403, 200]),
    Row("inventory:import-template", [LOGIN, 200, 403, 200, 403, 200], query="format=xlsx"),
    # An import is its uploader's (editor_a's), not its organisation's other members'.
    Row("inventory:import-job", [LOGIN, 200, 404, 404, 404, 200], kwargs=the_job, contact=404),
    Row("inventory:import-job-status", [LOGIN, 200, 404, 404, 404, 200], kwargs=the_job, contact=404),
    Row("inventory:import-job-confirm", [LOGIN, 403, 404, 404, 404, 403], method="post", kwargs=the_job, contact=404),
    Row("inventory:import-job-again", [LOGIN, 302, 404, 404, 404, 302], method="post", kwargs=the_job, contact=404),
    # Import profiles: staff only; an empty form comes back with its errors, an empty load too.
    Row("inventory:import-profiles", [LOGIN, 404, 404, 404, 404, 200]),
    Row("inventory:import-profile-new", [LOGIN, 404, 404, 404, 404, 200]),
    Row("inventory:import-profile-new", [LOGIN, 404, 404, 404, 404, 400], method="post"),
    Row("inventory:import-profile-edit", [LOGIN, 404, 404, 404, 404, 200], kwargs=the_profile),
    Row("inventory:import-profile-edit", [LOGIN, 404, 404, 404, 404, 400], method="post", kwargs=the_profile),
    Row("inventory:import-profile-export", [LOGIN, 404, 404, 404, 404, 200], kwargs=the_profile),
    Row("inventory:import-profile-load", [LOGIN, 404, 404, 404, 404, 400], method="post"),
    Row("inventory:import-profile-load", [LOGIN, 404, 404, 404, 404, 405]),
    Row("inventory:review-queue", [LOGIN, 404, 404, 404, 404, 200]),
    Row("inventory:operations", [LOGIN, 404, 404, 404, 404, 200]),
    Row("inventory:review", [LOGIN, 404, 404, 404, 404, 200], kwargs=lambda w: {"pk": w["submitted"].pk}),
    Row(
        "inventory:review-step",
        [LOGIN, 404, 404, 404, 404, 302],
        method="post",
        kwargs=lambda w: {"pk": w["submitted"].pk, "step": "validate"},
    ),
    Row("inventory:completeness", [LOGIN, 404, 404, 404, 404, 200], kwargs=year_2020),
    Row("inventory:completeness-remind", [LOGIN, 404, 404, 404, 404, 302], method="post", kwargs=year_2020),
    # Onboarding: staff only. An action without a choice of organisations says so and goes back.
    Row("inventory:onboarding", [LOGIN, 404, 404, 404, 404, 200], kwargs=year_2020),
    Row("inventory:onboarding", [LOGIN, 404, 404, 404, 404, 200], kwargs=year_2020, query="state=invited&q=a"),
    Row("inventory:onboarding-invite", [LOGIN, 404, 404, 404, 404, 302], method="post", kwargs=year_2020),
    Row(
        "inventory:onboarding-invite",
        [LOGIN, 404, 404, 404, 404, 302],
        method="post",
        kwargs=year_2020,
        data={"row": "1"},
    ),
    Row("inventory:onboarding-remind", [LOGIN, 404, 404, 404, 404, 302], method="post", kwargs=year_2020),
    # accounts/: the login and password-reset pages are open to all; an empty form comes back with its errors.
    Row("login", [200, 200, 200, 200, 200, 200]),
    Row("login", [200, 200, 200, 200, 200, 200], method="post"),
    # Logging out takes a POST (then the login page); a GET, a plain link, does not log anyone out.
    Row("logout", [LOGIN, 302, 302, 302, 302, 302], method="post"),
    Row("logout", [LOGIN, 405, 405, 405, 405, 405]),
    Row("password_change", [LOGIN, 200, 200, 200, 200, 200]),
    Row("password_change", [LOGIN, 200, 200, 200, 200, 200], method="post"),
    Row("password_change_done", [LOGIN, 200, 200, 200, 200, 200]),
    Row("password_reset", [200, 200, 200, 200, 200, 200]),
    # An unknown address goes to the "mail sent" page all the same: the form does not tell who has an account.
    Row("password_reset", [302, 302, 302, 302, 302, 302], method="post", data={"email": "niemand@example.org"}),
    Row("password_reset_done", [200, 200, 200, 200, 200, 200]),
    Row(
        "password_reset_confirm",
        [INVALID_LINK] * (len(ROLES) - 1),
        kwargs=lambda w: {"uidb64": "MQ", "token": "geen-geldige-token"},
    ),
    Row("password_reset_complete", [200, 200, 200, 200, 200, 200]),
    # The second factor: every session here has passed it (staff, coordinators) or needs none (organisation users
    # without an app); tests/test_second_factor.py follows the sessions that have not passed it yet.
    Row("second_factor", [LOGIN, 200, 200, 200, 200, 200]),
    # Set-up is for those without an app; with one, to the "Tweestapsaanmelding" page. An empty code: the form again.
    Row("second_factor_setup", [LOGIN, 200, 200, 200, 302, 302]),
    Row("second_factor_setup", [LOGIN, 200, 200, 200, 302, 302], method="post"),
    # The code page: a session that passed goes on to ?next=, a user without an app to the "Tweestapsaanmelding" page.
    Row("second_factor_verify", [LOGIN, 302, 302, 302, 302, 302]),
    Row("second_factor_verify", [LOGIN, 302, 302, 302, 302, 302], method="post", data={"code": "000000"}),
    # Recovery codes belong to an app: without one, to the "Tweestapsaanmelding" page; new ones: made, then shown.
    Row("second_factor_recovery_codes", [LOGIN, 302, 302, 302, 200, 200]),
    Row("second_factor_recovery_codes", [LOGIN, 302, 302, 302, 302, 302], method="post"),
    # The language switch works before logging in too, and sends back to where one came from (here: home).
    Row("set_language", [302, 302, 302, 302, 302, 302], method="post", data={"language": "en"}),
    Row("set_language", [302, 302, 302, 302, 302, 302]),
    Row("admin:index", [ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200]),
    # Invitations: the link's page is open to all (an unknown token: the page that offers a new link).
    Row("invitation-accept", [200] * 6, kwargs=lambda w: {"token": "geen-geldige-token"}),
    Row("invitation-accept", [200] * 6, method="post", kwargs=lambda w: {"token": "x"}, data={"renew": "1"}),
    Row("invitation-list", [LOGIN, 404, 404, 404, 404, 200]),
    Row("invitation-new", [LOGIN, 404, 404, 404, 404, 200]),
    Row("invitation-new", [LOGIN, 404, 404, 404, 404, 400], method="post"),
    # Invitations from a file: staff only, contacts included (they invite one by one); an empty upload comes back
    # with its errors.
    Row("invitation-bulk", [LOGIN, 404, 404, 404, 404, 200]),
    Row("invitation-bulk", [LOGIN, 404, 404, 404, 404, 400], method="post"),
    # Sending again and revoking: staff, and the contacts of the invitation's organisation.
    Row(
        "invitation-resend",
        [LOGIN, 404, 404, 404, 404, 302],
        method="post",
        kwargs=lambda w: {"pk": w["invitation"].pk},
        contact=302,
    ),
    Row(
        "invitation-revoke",
        [LOGIN, 404, 404, 404, 404, 302],
        method="post",
        kwargs=lambda w: {"pk": w["invitation"].pk},
        contact=302,
    ),
    # An organisation's members: its contacts and staff; for everyone else the page does not exist.
    Row("members", [LOGIN, 404, 404, 404, 404, 200], kwargs=lambda w: {"organisation_pk": w["a"].pk}, contact=200),
    Row(
        "members-invite",
        [LOGIN, 404, 404, 404, 404, 400],
        method="post",
        kwargs=lambda w: {"organisation_pk": w["a"].pk},
        contact=400,
    ),
    Row(
        "member-change",
        [LOGIN, 404, 404, 404, 404, 302],
        method="post",
        kwargs=lambda w: {"organisation_pk": w["a"].pk, "pk": w["viewer_membership"].pk},
        contact=302,
    ),
    Row(
        "member-remove",
        [LOGIN, 404, 404, 404, 404, 302],
        method="post",
        kwargs=lambda w: {"organisation_pk": w["a"].pk, "pk": w["viewer_membership"].pk},
        contact=302,
    ),
]
POST_ROWS = [row for row in ROWS if row.method == "post"]


def url_patterns(
    patterns: list[URLPattern | URLResolver] | None = None, prefix: str = "/", namespace: str = ""
) -> Iterator[tuple[str | None, str]]:
    """(name, route) of every URL pattern outside the admin, the name with its namespaces ("inventory:home"), or
    None for a pattern without a name."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if pattern.namespace == ADMIN_NAMESPACE:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, route, inner)
        else:
            yield (f"{namespace}{pattern.name}" if pattern.name else None, route)


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_every_role_as_the_table_says(world: dict, role: str, row: Row) -> None:
    url = row.url(world)
    client = client_for(world, role)
    response = client.post(url, row.data) if row.method == "post" else client.get(url)
    want = row.answers[ROLES.index(role)]
    if want == LOGIN:
        assert response.status_code == 302, (role, row.id, url)
        assert response["Location"].startswith("/accounts/login/?next=")
    elif want == ADMIN_LOGIN:
        assert response.status_code == 302, (role, row.id, url)
        assert response["Location"].startswith("/admin/login/")
    elif want == INVALID_LINK:
        assert response.status_code == 200, (role, row.id, url)
        assert response.context["validlink"] is False
    else:
        assert response.status_code == want, (role, row.id, url)


def test_every_row_gives_one_answer_per_role() -> None:
    assert [row.id for row in ROWS if len(row.answers) != len(ROLES)] == []


def test_every_named_url_pattern_has_a_row_in_the_table() -> None:
    in_table = {row.name for row in ROWS}
    missing = sorted({name for name, _route in url_patterns() if name is not None} - in_table)
    assert not missing, f"URL patterns without a row in ROWS (add one per role's answer): {', '.join(missing)}"


def test_every_url_pattern_outside_the_admin_has_a_name() -> None:
    unnamed = [route for name, route in url_patterns() if name is None]
    assert not unnamed, f"URL patterns without a name, which the table cannot list: {', '.join(unnamed)}"


def test_every_row_names_a_url_pattern_that_still_exists(world: dict) -> None:
    stale = []
    for row in ROWS:
        try:
            row.url(world)
        except NoReverseMatch:
            stale.append(row.id)
    assert not stale, f"Rows whose URL pattern no longer exists: {', '.join(stale)}"


def test_the_url_walk_finds_the_inventory_accounts_and_language_patterns_but_not_the_admin() -> None:
    names = {name for name, _route in url_patterns()}
    assert {"inventory:home", "inventory:review-step", "login", "password_reset_confirm", "set_language"} <= names
    assert not any(name and name.startswith(f"{ADMIN_NAMESPACE}:") for name in names)


@pytest.mark.parametrize("row", POST_ROWS, ids=[row.id for row in POST_ROWS])
def test_every_form_refuses_a_post_without_its_csrf_token(world: dict, row: Row) -> None:
    client = client_for(world, "staff", csrf=True)
    response = client.post(row.url(world), row.data)

    assert response.status_code == 403
    assert response.context["reason"].startswith("CSRF")
    world["submitted"].refresh_from_db()
    world["job"].refresh_from_db()
    assert world["submitted"].status == "submitted"
    assert world["job"].status == "done"
    assert Submission.objects.filter(organisation=world["a"], year=2020).count() == 0
    assert Organisation.objects.count() == 2
    assert client.session.get("_auth_user_id") == str(world["users"]["staff"].pk)


def test_refusals_are_the_same_dutch_page_with_the_reason(world: dict) -> None:
    coordinator = client_for(world, "coordinator")
    for url in ("/?scope=provisional", "/tabellen/aggregaten/?scope=provisional", "/exports/?scope=provisional"):
        response = coordinator.get(url)
        assert response.status_code == 403, url
        assert "Dit mag u niet doen" in response.content.decode()
        assert "Voorlopige cijfers zijn enkel voor POM-medewerkers." in response.content.decode()
    viewer = client_for(world, "viewer_a").get("/import/")
    assert viewer.status_code == 403
    assert "Enkel POM-medewerkers en invoerders van een organisatie laden bestanden op." in viewer.content.decode()


def test_pages_for_another_role_do_not_exist_for_outsiders(world: dict) -> None:
    response = client_for(world, "editor_a").get("/beheer/aangiften/")
    assert response.status_code == 404
    assert "Deze pagina bestaat niet of is niet voor u" in response.content.decode()
