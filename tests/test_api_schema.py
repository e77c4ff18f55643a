"""The API's OpenAPI description (/api/schema/, inventory/openapi.py): valid OpenAPI, public, naming every API URL
of the URLconf with the parameters the API reads; and schemathesis fuzzing the API against it through the WSGI
application on a small database: no 500, every answer as the description says."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import MembershipRole
from accounts.tokens import api_token_create
from config.wsgi import application
from inventory.openapi import FILTERS, PAGING, PUBLIC_PARAMETERS, openapi_schema
from inventory.services.aggregation import aggregates_recompute
from tests.factories import (
    EditionFactory,
    EditionFigureFactory,
    HeadcountFactory,
    MembershipFactory,
    OrganisationFactory,
    RegionFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.test_permissions import url_patterns

pytestmark = pytest.mark.django_db
ROLES = ["staff", "coordinator", "editor"]  # and no key at all
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# Generated examples per operation, beside schemathesis' coverage phase (every parameter's boundaries and wrong
# types, deterministic): few, to keep this file at half a minute; FUZZ_EXAMPLES=500 for a longer hunt.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))


@pytest.fixture
def api_world(db: None) -> Iterator[dict[str, str]]:
    """A small database: one organisation with validated and submitted headcounts, its aggregates, an edition, and
    a key per role."""
    cache.clear()
    # Every generated request comes from one address: the public API's limit (tests/opendata/test_public_api.py)
    # would answer most of them 429.
    unlimited = override_settings(PUBLIC_API_RATE=0)
    unlimited.enable()
    # schemathesis calls the WSGI application itself, not through Django's test client, which would stop Django
    # from closing the connection (and the test's transaction) around each request: the same here.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    brugge = RegionFactory(code="31005", name="Brugge")
    organisation = OrganisationFactory(home_region=brugge)
    # A published edition for the public API, with a count it hides.
    edition = EditionFactory(name="Inventaris 2019")
    EditionFigureFactory(edition=edition, region=brugge, persons=3)
    HeadcountFactory(submission=SubmissionFactory(organisation=organisation, validated=True), persons=40)
    HeadcountFactory(submission=SubmissionFactory(organisation=organisation, year=2020, status="submitted"))
    aggregates_recompute(year=2019, full=True)
    editor = MembershipFactory(organisation=organisation, role=MembershipRole.EDITOR).user
    users = {"staff": UserFactory(is_staff=True), "coordinator": UserFactory(is_coordinator=True), "editor": editor}
    yield {role: api_token_create(user=user, name="fuzz") for role, user in users.items()}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    unlimited.disable()
    cache.clear()


# Loaded from the application, as a client would (the description is public: no database needed). Not through
# schemathesis.pytest.from_fixture: its lazy loader sets Node._nodeid, which pytest 9 no longer has.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_the_api_answers_every_generated_request_as_its_description_says(
    case: schemathesis.Case, api_world: dict[str, str]
) -> None:
    """Each generated request as every role: a key of staff, a coordinator and an editor, and none (401)."""
    for role in ROLES:
        case.call_and_validate(headers={"Authorization": f"Token {api_world[role]}"}, checks=CHECKS)
    case.call_and_validate(checks=CHECKS)


def test_the_description_is_valid_openapi_and_public() -> None:
    response = Client().get("/api/schema/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == openapi_schema()
    schemathesis.openapi.from_dict(openapi_schema()).validate()


def test_every_api_url_of_the_urlconf_is_described_with_the_parameters_the_api_reads() -> None:
    described = openapi_schema()["paths"]
    routes = {
        route
        for _name, route in url_patterns()
        if route.startswith(("/api/", "/cijfers/api/")) and route != "/api/schema/"
    }
    # The public API (opendata/views/api.py): the edition first; its index reads nothing.
    reads = {"/cijfers/api/": [], "/cijfers/api/aggregates/": list(PUBLIC_PARAMETERS)}

    assert routes == set(described)
    for path, item in described.items():
        assert [p["name"] for p in item["get"]["parameters"]] == reads.get(path, [*FILTERS, *PAGING]), path


@pytest.mark.parametrize("path", ["/api/aggregates/", "/api/headcounts/"])
@pytest.mark.parametrize("name", [*FILTERS, *PAGING])
def test_the_api_reads_every_described_parameter(staff_client: Client, path: str, name: str) -> None:
    """A bad value of each described parameter is refused naming it: the API reads what the description says."""
    response = staff_client.get(path, {name: "²"})

    assert response.status_code == 400
    assert f"{name}" in response.json()["detail"]
    assert "²" in response.json()["detail"]
