"""Every page against every role: outsiders get 404, viewers 403 on writes, anonymous visitors the login page
(programs on the API a 401). One table, read row by row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from inventory.models import CollectionRound, ImportJob, Organisation, Submission
from tests.conftest import logged_in
from tests.factories import MembershipFactory, OrganisationFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "editor_a", "viewer_a", "editor_b", "coordinator", "staff"]
LOGIN, API_401 = "login", 401


@pytest.fixture
def world(db: None) -> dict:
    # No reference data: each test makes its own small world, and the table has ~100 rows.
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
    job = ImportJob.objects.create(user=users["editor_a"], kind="headcounts", filename="a.csv", data=b"", status="done")
    return {"a": a, "submitted": submitted, "job": job, "users": users}


def client_for(world: dict, role: str, *, csrf: bool = False) -> Client:
    user = world["users"][role]
    if user is None:
        return Client(enforce_csrf_checks=csrf)
    client = logged_in(user)
    client.handler.enforce_csrf_checks = csrf
    return client


# (method, path maker, data, expected per role in ROLES order)
Case = tuple[str, Callable[[dict], str], dict, list[object]]
CASES: list[Case] = [
    ("get", lambda w: "/", {}, [LOGIN, 200, 200, 200, 200, 200]),
    ("get", lambda w: "/kerncijfers/", {}, [LOGIN, 404, 404, 404, 200, 200]),
    ("get", lambda w: "/edities/", {}, [LOGIN, 404, 404, 404, 200, 200]),
    ("post", lambda w: "/edities/publiceren/", {"name": ""}, [LOGIN, 404, 404, 404, 400, 400]),
    ("get", lambda w: "/edities/vergelijken/", {}, [LOGIN, 404, 404, 404, 200, 200]),
    ("get", lambda w: "/api/aggregates/", {}, [API_401, 403, 403, 403, 200, 200]),
    ("get", lambda w: "/api/headcounts/", {}, [API_401, 200, 200, 200, 200, 200]),
    ("get", lambda w: "/exports/", {}, [LOGIN, 404, 404, 404, 200, 200]),
    ("get", lambda w: "/exports/publication/", {}, [LOGIN, 404, 404, 404, 200, 200]),
    ("get", lambda w: "/tabellen/tellingen/", {}, [LOGIN, 200, 200, 200, 200, 200]),
    ("get", lambda w: "/tabellen/tellingen/?export=csv", {}, [LOGIN, 200, 200, 200, 200, 200]),
    ("get", lambda w: "/tabellen/organisaties/", {}, [LOGIN, 200, 200, 200, 200, 200]),
    ("get", lambda w: "/tabellen/organisaties/?export=xlsx", {}, [LOGIN, 200, 200, 200, 200, 200]),
    ("get", lambda w: "/tabellen/maatregelen/", {}, [LOGIN, 200, 200, 200, 200, 200]),
    ("get", lambda w: "/tabellen/maatregelen/?export=json", {}, [LOGIN, 200, 200, 200, 200, 200]),
    ("get", lambda w: "/tabellen/aggregaten/", {}, [LOGIN, 404, 404, 404, 200, 200]),
    ("get", lambda w: "/tabellen/aggregaten/?export=csv", {}, [LOGIN, 404, 404, 404, 200, 200]),
    ("get", lambda w: "/tabellen/aggregaten/?scope=provisional", {}, [LOGIN, 404, 404, 404, 403, 200]),
    ("get", lambda w: f"/portaal/{w['a'].pk}/2020/", {}, [LOGIN, 200, 200, 404, 200, 200]),
    ("post", lambda w: f"/portaal/{w['a'].pk}/2020/", {"version": "1", "save": "1"}, [LOGIN, 302, 403, 404, 403, 302]),
    ("get", lambda w: "/import/", {}, [LOGIN, 200, 403, 200, 403, 200]),
    ("get", lambda w: f"/import/{w['job'].pk}/", {}, [LOGIN, 200, 404, 404, 404, 200]),
    ("get", lambda w: f"/import/{w['job'].pk}/status/", {}, [LOGIN, 200, 404, 404, 404, 200]),
    ("post", lambda w: f"/import/{w['job'].pk}/confirm/", {}, [LOGIN, 403, 404, 404, 404, 403]),
    ("get", lambda w: "/beheer/aangiften/", {}, [LOGIN, 404, 404, 404, 404, 200]),
    ("get", lambda w: f"/beheer/aangiften/{w['submitted'].pk}/", {}, [LOGIN, 404, 404, 404, 404, 200]),
    ("post", lambda w: f"/beheer/aangiften/{w['submitted'].pk}/validate/", {}, [LOGIN, 404, 404, 404, 404, 302]),
    ("get", lambda w: "/beheer/volledigheid/2020/", {}, [LOGIN, 404, 404, 404, 404, 200]),
    ("post", lambda w: "/beheer/volledigheid/2020/herinneren/", {}, [LOGIN, 404, 404, 404, 404, 302]),
    ("get", lambda w: "/admin/", {}, ["admin-login", "admin-login", "admin-login", "admin-login", "admin-login", 200]),
]


@pytest.mark.parametrize(
    ("method", "path", "data", "expected"), CASES, ids=[f"{c[0]} {i}" for i, c in enumerate(CASES)]
)
@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_every_role_as_the_table_says(
    world: dict, role: str, method: str, path: Callable[[dict], str], data: dict, expected: list[object]
) -> None:
    url = path(world)
    response = getattr(client_for(world, role), method)(url, data)
    want = expected[ROLES.index(role)]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    elif want == "admin-login":
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    else:
        assert response.status_code == want, (role, method, url)


def test_the_table_covers_every_non_admin_url_pattern(world: dict) -> None:
    from tests.test_accounts import every_url

    covered = {path(world).split("/")[1] for _m, path, _d, _e in CASES}
    prefixes = {p.split("/")[1] for _name, p in every_url() if not p.startswith(("/admin/", "/accounts/", "/i18n/"))}
    assert prefixes <= covered


@pytest.mark.parametrize(
    "path",
    [
        lambda w: f"/portaal/{w['a'].pk}/2020/",
        lambda w: "/import/",
        lambda w: f"/beheer/aangiften/{w['submitted'].pk}/validate/",
        lambda w: "/edities/publiceren/",
    ],
)
def test_forms_refuse_a_post_without_its_csrf_token(world: dict, path: Callable[[dict], str]) -> None:
    role = "staff"
    response = client_for(world, role, csrf=True).post(path(world), {"version": "1", "save": "1"})
    assert response.status_code == 403
    assert Submission.objects.filter(organisation=world["a"], year=2020).count() == 0
    assert Organisation.objects.count() == 2


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
