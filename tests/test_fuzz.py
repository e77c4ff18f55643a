"""Generated query strings against every GET page and API endpoint of the URLconf, as every role: never a 500, and
nothing written (a checksum of every inventory and accounts table before and after). The pages come from the
URLconf, so a new page is fuzzed as soon as it exists (or the last test here fails until it is listed or excluded
with a reason); each page's parameters come from its forms and filter sets where it has them.

Hypothesis profile: FUZZ_EXAMPLES examples per page (default 8), each sent as all six roles."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import MembershipRole, User
from accounts.tokens import api_token_create
from inventory.filters import (
    AggregateTableFilter,
    HeadcountTableFilter,
    MeasureTableFilter,
    OrganisationTableFilter,
    SubmissionFilter,
)
from inventory.models import CollectionRound, Edition, ImportJob, ImportProfile, Submission
from inventory.openapi import FILTERS, PAGING, PUBLIC_PARAMETERS
from inventory.services.aggregation import aggregates_recompute
from inventory.views.editions import CompareForm
from inventory.views.exports import ExportForm
from inventory.views.home import PlaceForm
from inventory.views.portal import COPY_PREVIOUS
from inventory.views.tables import PAGE_PARAMETERS
from opendata.views.builder import TableForm
from opendata.views.changes import ChangesForm
from tests.conftest import logged_in
from tests.factories import (
    EditionFactory,
    EditionFigureFactory,
    HeadcountFactory,
    MeasureFactory,
    MembershipFactory,
    OrganisationFactory,
    RegionFactory,
    RegionGroupingFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.test_permissions import url_patterns

pytestmark = pytest.mark.django_db
ROLES = ["anonymous", "editor", "viewer", "staff", "coordinator", "superuser"]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))


def fields(form: Any) -> list[str]:
    return list(form.base_fields)


def filters(filterset: Any) -> list[str]:
    return list(filterset.base_filters)


def first_edition_slug() -> str:
    edition = Edition.objects.order_by("pk").first()
    assert edition is not None
    return edition.slug


API = [*FILTERS, *PAGING]
TABLE = list(PAGE_PARAMETERS)
# URL pattern name -> (path kwargs from the world, the query parameters the view reads).
PAGES: dict[str, tuple[Callable[[dict], dict], list[str]]] = {
    "inventory:home": (lambda w: {}, [*fields(PlaceForm), "scope"]),
    "inventory:key-figures": (lambda w: {}, [*fields(PlaceForm), "edition"]),
    "inventory:editions": (lambda w: {}, []),
    "inventory:editions-compare": (lambda w: {}, [*fields(CompareForm), "page"]),
    "inventory:api-aggregates": (lambda w: {}, API),
    "inventory:api-headcounts": (lambda w: {}, API),
    "inventory:api-schema": (lambda w: {}, []),
    "inventory:exports": (lambda w: {}, fields(ExportForm)),
    "inventory:exports-publication": (lambda w: {}, ["scope", "public", "year"]),
    "inventory:table-headcounts": (lambda w: {}, [*filters(HeadcountTableFilter), *TABLE]),
    "inventory:table-organisations": (lambda w: {}, [*filters(OrganisationTableFilter), *TABLE]),
    "inventory:table-measures": (lambda w: {}, [*filters(MeasureTableFilter), *TABLE]),
    "inventory:table-aggregates": (lambda w: {}, [*filters(AggregateTableFilter), *TABLE]),
    "inventory:portal-form": (lambda w: {"organisation_pk": w["a"].pk, "year": 2020}, ["regio", COPY_PREVIOUS]),
    "inventory:review-queue": (lambda w: {}, [*filters(SubmissionFilter), "page", "sort", "export"]),
    "inventory:completeness": (lambda w: {"year": 2020}, []),
    "inventory:onboarding": (lambda w: {"year": 2020}, ["state", "q"]),
    "inventory:operations": (lambda w: {}, []),
    "inventory:review": (lambda w: {"pk": w["submitted"].pk}, []),
    "inventory:import": (lambda w: {}, ["kind", "profile"]),
    "inventory:import-profiles": (lambda w: {}, []),
    "inventory:import-profile-new": (lambda w: {}, []),
    "inventory:import-profile-edit": (lambda w: {"pk": w["profile"].pk}, []),
    "inventory:import-profile-export": (lambda w: {"pk": w["profile"].pk}, []),
    "inventory:import-template": (lambda w: {}, ["format"]),
    "inventory:import-job": (lambda w: {"pk": w["job"].pk}, []),
    "inventory:import-job-status": (lambda w: {"pk": w["job"].pk}, []),
    "invitation-bulk": (lambda w: {}, []),
    "login": (lambda w: {}, ["next"]),
    "password_change": (lambda w: {}, []),
    "password_change_done": (lambda w: {}, []),
    "password_reset": (lambda w: {}, []),
    "password_reset_done": (lambda w: {}, []),
    "password_reset_confirm": (lambda w: {"uidb64": "MQ", "token": "geen-geldige-token"}, []),
    "password_reset_complete": (lambda w: {}, []),
    "set_language": (lambda w: {}, ["next", "language"]),
    "invitation-accept": (lambda w: {"token": "geen-geldige-token"}, []),
    "invitation-list": (lambda w: {}, ["state", "q", "page"]),
    "invitation-new": (lambda w: {}, []),
    "members": (lambda w: {"organisation_pk": w["a"].pk}, []),
    "second_factor": (lambda w: {}, []),
    "second_factor_setup": (lambda w: {}, ["next"]),
    "second_factor_verify": (lambda w: {}, ["next"]),
    "second_factor_recovery_codes": (lambda w: {}, ["next"]),
    "opendata:index": (lambda w: {}, []),
    "opendata:edition": (lambda w: {"edition": first_edition_slug()}, []),
    "opendata:language": (lambda w: {}, ["taal", "next"]),
    "opendata:area": (lambda w: {"edition": first_edition_slug(), "code": "31005"}, ["jaar"]),
    "opendata:areas": (lambda w: {"edition": first_edition_slug()}, []),
    "opendata:map": (lambda w: {"edition": first_edition_slug()}, ["kaart", "cijfer", "jaar"]),
    "opendata:api": (lambda w: {}, []),
    "opendata:api-aggregates": (lambda w: {}, list(PUBLIC_PARAMETERS)),
    "opendata:catalogue-ttl": (lambda w: {}, []),
    "opendata:catalogue-jsonld": (lambda w: {}, []),
    "opendata:changes": (lambda w: {"edition": Edition.objects.latest("pk").slug}, [*fields(ChangesForm), "page"]),
    "opendata:workbook": (lambda w: {"edition": Edition.objects.latest("pk").slug}, []),
    "opendata:table": (lambda w: {"edition": first_edition_slug()}, fields(TableForm)),
    "opendata:table-download": (lambda w: {"edition": first_edition_slug(), "extension": "xlsx"}, fields(TableForm)),
}
# Not fuzzed here, with the reason.
EXCLUDED = {
    "inventory:edition-publish": "POST only: a GET is 405 before any parameter is read",
    "inventory:edition-withdraw": "POST only: a GET is 405 before any parameter is read",
    "inventory:edition-schedule": "POST only: a GET is 405 before any parameter is read",
    "inventory:completeness-remind": "POST only: a GET is 405 before any parameter is read",
    "inventory:onboarding-invite": "POST only: a GET is 405 before any parameter is read",
    "inventory:onboarding-remind": "POST only: a GET is 405 before any parameter is read",
    "inventory:review-step": "POST only: a GET is 405 before any parameter is read",
    "inventory:import-job-confirm": "POST only: a GET is 405 before any parameter is read",
    "inventory:import-job-again": "POST only: a GET is 405 before any parameter is read",
    "inventory:import-profile-load": "POST only: a GET is 405 before any parameter is read",
    "logout": "POST only (a GET is 405); a POST logs the client out",
    "invitation-resend": "POST only: a GET is 405 before any parameter is read",
    "invitation-revoke": "POST only: a GET is 405 before any parameter is read",
    "members-invite": "POST only: a GET is 405 before any parameter is read",
    "member-change": "POST only: a GET is 405 before any parameter is read",
    "member-remove": "POST only: a GET is 405 before any parameter is read",
}

# Values that once answered 500 or were read as something else, and their kin.
KNOWN_BAD = [
    "",
    " ",
    "²",
    "2019²",
    "٣",
    "３",
    "١٠",
    "\x00",
    "a\x00b",
    "\x1b[0m",
    "\t",
    "-1",
    "0",
    "1e999999",
    "NaN",
    "99999999999",
    "9" * 20,
    "9" * 5000,
    "x" * 10_000,
    "2019,2020",
    ",",
    "provisional",
    "validated",
    "csv",
    "xlsx",
    "sdmx",
    "31005",
    "westhoek",
    "=HYPERLINK(1)",
    "'; drop table x; --",
    "../../etc/passwd",
    "%00",
]
VALUES = st.one_of(
    st.sampled_from(KNOWN_BAD),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=1, max_size=6),  # every script's digits
)


def query(names: list[str]) -> st.SearchStrategy[dict[str, str]]:
    """Some of the page's parameters (and sometimes an unknown one) with generated values."""
    known = st.dictionaries(st.sampled_from(names), VALUES, max_size=len(names)) if names else st.just({})
    unknown = st.dictionaries(st.text(min_size=1, max_size=10), VALUES, max_size=1)
    return st.tuples(known, unknown).map(lambda pair: {**pair[1], **pair[0]})


def checksum() -> str:
    """One md5 of every row of every inventory and accounts table (sessions and login attempts are not theirs)."""
    tables = sorted(
        model._meta.db_table
        for app in ("inventory", "accounts")
        for model in apps.get_app_config(app).get_models()
        if not model._meta.proxy and model._meta.managed
    )
    sql = " union all ".join(
        f"select '{table}' as t, coalesce(md5(string_agg(x::text, '|' order by x::text)), '') as h from {table} x"
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(f"select md5(string_agg(t || h, ',' order by t)) from ({sql}) s")
        return str(cursor.fetchone()[0])


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """A small database with something on every page (built once for the file, rolled back afterwards): two
    organisations, measures, a round, submissions in every status, aggregates, two editions, an import job, an
    import profile; a client per role."""
    # Every request comes from one address: without this the public API would answer most of them 429.
    unlimited = override_settings(PUBLIC_API_RATE=0)
    unlimited.enable()
    with django_db_blocker.unblock(), transaction.atomic():
        cache.clear()
        province = RegionFactory(code="30000", name="West-Vlaanderen", level="provincie")
        arrondissement = RegionFactory(code="31000", name="Arr. Brugge", level="arrondissement", parent=province)
        brugge = RegionFactory(code="31005", name="Brugge", parent=arrondissement)
        RegionGroupingFactory(code="westhoek", members=[brugge])
        a = OrganisationFactory(home_region=brugge)
        b = OrganisationFactory(home_region=brugge)
        measure = MeasureFactory(code="MWB-DOEL", reporter_kinds=[a.kind])
        CollectionRound.objects.create(year=2020, opens_on="2020-01-01", closes_on="2099-12-31")
        validated = SubmissionFactory(organisation=a, year=2019, validated=True)
        HeadcountFactory(submission=validated, measure=measure, region=brugge, persons=40)
        submitted = SubmissionFactory(organisation=b, year=2019, status="submitted")
        HeadcountFactory(submission=submitted, measure=measure, region=brugge, persons=7)
        SubmissionFactory(organisation=a, year=2020)
        aggregates_recompute(year=2019, full=True)
        editions = [EditionFactory(), EditionFactory()]
        for edition in editions:
            EditionFigureFactory(edition=edition, region=brugge)
        users: dict[str, User | None] = {"anonymous": None}
        users["editor"] = MembershipFactory(organisation=a, role=MembershipRole.EDITOR).user
        users["viewer"] = MembershipFactory(organisation=a, role=MembershipRole.VIEWER).user
        users["staff"] = UserFactory(is_staff=True)
        users["coordinator"] = UserFactory(is_coordinator=True)
        users["superuser"] = UserFactory(is_staff=True, is_superuser=True)
        job = ImportJob.objects.create(
            user=users["editor"], kind="headcounts", filename="a.csv", data=b"", status="done"
        )
        profile = ImportProfile.objects.create(
            name="Leverancier",
            organisation=a,
            layout={
                "shape": "long",
                "region": {"column": "NIS", "by": "code"},
                "year": {"from": "column", "column": "Jaar"},
                "measure": {"fixed": measure.code},
                "persons": {"column": "Aantal"},
            },
        )
        api_token_create(user=users["coordinator"], name="fuzz")
        clients = {role: Client() if user is None else logged_in(user) for role, user in users.items()}
        yield {
            "a": a,
            "submitted": submitted,
            "job": job,
            "profile": profile,
            "clients": clients,
            "edition": editions[0],
        }
        transaction.set_rollback(True)
    unlimited.disable()
    cache.clear()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_generated_query_string_gets_a_500_or_writes_anything(world: dict[str, Any], name: str) -> None:
    path_kwargs, names = PAGES[name]
    path = reverse(name, kwargs=path_kwargs(world))
    before = checksum()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(params=query(names))
    def every_role_asks(params: dict[str, str]) -> None:
        for role in ROLES:
            # Each request in a savepoint: a database error would show as the 500 it is, not poison the next.
            with transaction.atomic():
                response = world["clients"][role].get(path, params)
            assert response.status_code < 500, (role, path, params)
            if name.startswith(("inventory:api-", "opendata:api")) and response.status_code >= 400:
                assert response.json()["detail"], (role, path, params)
        assert checksum() == before, (path, params)

    every_role_asks()


# The sweep: every known-bad value in every parameter of every page, one at a time (random examples alone missed
# a known 500 when the old parser was put back).
SWEEP = ["²", "2019²", "٣", "３", "\x00", "-1", "1e999999", "9" * 20, "abc", "'; drop table x; --"]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_known_bad_value_in_every_parameter_gets_no_500(world: dict[str, Any], name: str) -> None:
    path_kwargs, names = PAGES[name]
    path = reverse(name, kwargs=path_kwargs(world))
    before = checksum()
    for role in ("staff", "editor"):
        for parameter in names:
            for value in SWEEP:
                with transaction.atomic():
                    response = world["clients"][role].get(path, {parameter: value})
                assert response.status_code < 500, (role, path, parameter, value)
    assert checksum() == before, path


def test_every_url_pattern_is_fuzzed_or_excluded_with_a_reason() -> None:
    names = {name for name, _route in url_patterns() if name is not None}

    assert not names - set(PAGES) - set(EXCLUDED), "pages neither fuzzed nor excluded"
    assert not (set(PAGES) | set(EXCLUDED)) - names, "listed pages that no longer exist"
    assert not set(PAGES) & set(EXCLUDED)
    assert all(EXCLUDED.values())


def test_a_page_answers_the_fuzzer_with_data_on_it(world: dict[str, Any]) -> None:
    """The world is not empty: the tables and the API have rows to page through."""
    staff = world["clients"]["staff"]
    assert staff.get("/api/aggregates/").json()["count"] > 0
    assert staff.get("/api/headcounts/").json()["count"] > 0
    assert Submission.objects.count() == 3
