"""Names that a spreadsheet would run as formulas (an edition, an organisation, a measure and its group, a region
grouping, an arrondissement) stay text in every file the site writes: the six export formats, live and frozen,
staff and public, the plain lists and the publication workbook."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.http import StreamingHttpResponse
from django.test import Client
from openpyxl import load_workbook

from inventory.constants import FORMULA_STARTS
from inventory.models import Region
from inventory.services.aggregation import aggregates_recompute
from inventory.services.editions import edition_publish, edition_withdraw
from inventory.services.exports import FORMATS
from tests.conftest import force_login
from tests.factories import (
    HeadcountFactory,
    MeasureFactory,
    OrganisationFactory,
    RegionFactory,
    RegionGroupingFactory,
    SubmissionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
BRUGGE_ARR = "31000"

EDITION = '=HYPERLINK("http://x","y")'
WITHDRAWN_BECAUSE = "@SUM(A1) fout"
ORGANISATION = "+1"
MEASURE_CODE = "-1+2"
MEASURE_NAME = "@SUM(A1)"
GROUP = "\tgroep"
GROUPING_CODE = "-kust"
# A CR inside a value too: unquoted, it starts a new row whose first cell is a formula.
GROUPING_NAME = "\rKust\r=1+2"
MUNICIPALITY = "=1+1"
ARRONDISSEMENT = "-Brugge"

STATISTICAL = ["csv", "excel-nl", "xlsx", "json", "sdmx", "jsonstat"]
assert sorted(STATISTICAL) == sorted(FORMATS)


def escaped(*names: str) -> set[str]:
    return {"'" + name for name in names}


# What each file must show escaped (so that finding no formula is not finding nothing): the rows' names in the
# formats with columns, codes in SDMX-CSV, codes as category ids and names as labels in JSON-stat.
SHOWN = {
    ("aggregates", "rows"): escaped(GROUPING_CODE, GROUPING_NAME, MUNICIPALITY, MEASURE_CODE, GROUP),
    ("aggregates", "sdmx"): escaped(GROUPING_CODE, MEASURE_CODE),
    ("aggregates", "jsonstat"): escaped(GROUPING_CODE, GROUPING_NAME, MUNICIPALITY, MEASURE_CODE, MEASURE_NAME, GROUP),
    ("headcounts", "rows"): escaped(ORGANISATION, MEASURE_CODE, GROUP, MUNICIPALITY),
    ("headcounts", "sdmx"): escaped(MEASURE_CODE),
    ("headcounts", "jsonstat"): escaped(ORGANISATION, MEASURE_CODE, MEASURE_NAME, MUNICIPALITY),
}


@pytest.fixture(scope="module")
def hostile(demo_aggregates, django_db_blocker) -> Iterator[dict[str, Any]]:
    """The demo plus a municipality of Brugge, its grouping, an organisation with a headcount of a new measure
    there, all with hostile names, and a withdrawn edition with a hostile name and reason. Once per module."""
    with django_db_blocker.unblock(), transaction.atomic():
        arrondissement = Region.objects.get(code=BRUGGE_ARR)
        arrondissement.name = ARRONDISSEMENT
        arrondissement.save()
        municipality = RegionFactory(name=MUNICIPALITY, parent=arrondissement)
        RegionGroupingFactory(code=GROUPING_CODE, name=GROUPING_NAME, members=[municipality])
        organisation = OrganisationFactory(name=ORGANISATION, home_region=municipality)
        measure = MeasureFactory(code=MEASURE_CODE, name=MEASURE_NAME, group=GROUP, trede=4)
        HeadcountFactory(submission=SubmissionFactory(organisation=organisation, validated=True), measure=measure)
        aggregates_recompute(year=2019, full=True)
        coordinator = UserFactory(username="hostile-coordinator", is_coordinator=True)
        edition = edition_publish(
            name=EDITION, reference_year=2019, published_on=dt.date(2021, 1, 1), user=coordinator
        ).edition
        staff = UserFactory(username="hostile-staff", is_staff=True, is_superuser=True)
        edition_withdraw(edition=edition, reason=WITHDRAWN_BECAUSE, user=staff)
        yield {"edition": edition, "municipality": municipality, "staff": staff}
        transaction.set_rollback(True)


@pytest.fixture
def client_of(hostile: dict[str, Any]) -> Client:
    client = Client()
    force_login(client, hostile["staff"])
    return client


def downloaded(client: Client, url: str, params: dict[str, Any]) -> bytes:
    response = client.get(url, params)
    assert response.status_code == 200, (url, params, response.content[:300] if not response.streaming else "")
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response.streaming_content)
    return b"".join(response)


def json_texts(value: Any) -> Iterator[str]:
    """Every string of a JSON document, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from json_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_texts(item)


def texts(fmt: str, data: bytes) -> list[str]:
    """Every text cell of a file; fails on a cell that XLSX holds as a formula."""
    if fmt in ("csv", "sdmx"):
        return [c for row in csv.reader(io.StringIO(data.decode(), newline="")) for c in row]
    if fmt == "excel-nl":
        rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";")
        return [c for row in rows for c in row]
    if fmt in ("json", "jsonstat"):
        return list(json_texts(json.loads(data)))
    found = []
    for sheet in load_workbook(io.BytesIO(data)):
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    found.append(cell.value)
    return found


def as_xml_reads(text: str) -> str:
    """XML parsers read a CR as LF (XLSX is XML)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def formulas(cells: list[str]) -> list[str]:
    return [c for c in cells if c.startswith(FORMULA_STARTS)]


def export_params(hostile: dict[str, Any], dataset: str, *, edition: bool, public: bool) -> dict[str, Any]:
    region = [GROUPING_CODE, hostile["municipality"].code] if dataset == "aggregates" else [BRUGGE_ARR]
    params: dict[str, Any] = {"dataset": dataset, "year": "2019", "region": region}
    if edition:
        params["edition"] = hostile["edition"].pk
    if public:
        params["public"] = "1"
    return params


@pytest.mark.parametrize("fmt", STATISTICAL)
@pytest.mark.parametrize("dataset", ["aggregates", "headcounts"])
def test_no_cell_of_an_export_starts_a_formula_live_or_frozen_staff_or_public(
    hostile: dict[str, Any], client_of: Client, dataset: str, fmt: str
) -> None:
    family = fmt if fmt in ("sdmx", "jsonstat") else "rows"
    for edition in (False, True):
        for public in (False, True):
            params = export_params(hostile, dataset, edition=edition, public=public)
            cells = texts(fmt, downloaded(client_of, "/exports/", {**params, "format": fmt}))

            assert formulas(cells) == [], (edition, public)
            shown = set(SHOWN[(dataset, family)])
            if edition and fmt != "csv":
                # The plain CSV has no metadata; the others name the edition (SDMX-CSV in its EDITION column).
                shown |= escaped(EDITION)
                if fmt in ("json", "jsonstat"):
                    # A value of its own there; CSV and XLSX write edition_withdrawn as JSON text in one cell.
                    shown |= escaped(WITHDRAWN_BECAUSE)
            if fmt == "xlsx":
                shown = {as_xml_reads(text) for text in shown}
            assert shown <= set(cells), (edition, public, shown - set(cells))


def test_the_edition_column_of_sdmx_csv_holds_the_edition_name_escaped_in_every_row(
    hostile: dict[str, Any], client_of: Client
) -> None:
    params = export_params(hostile, "aggregates", edition=True, public=False)
    data = downloaded(client_of, "/exports/", {**params, "format": "sdmx"})

    rows = list(csv.DictReader(io.StringIO(data.decode(), newline="")))
    assert rows
    assert {r["EDITION"] for r in rows} == {"'" + EDITION}


@pytest.mark.parametrize("fmt", [f for f in STATISTICAL if f not in ("sdmx", "jsonstat")])
def test_no_cell_of_the_organisation_and_measure_lists_starts_a_formula(client_of: Client, fmt: str) -> None:
    organisations = texts(fmt, downloaded(client_of, "/tabellen/organisaties/", {"export": fmt}))
    measures = texts(fmt, downloaded(client_of, "/tabellen/maatregelen/", {"export": fmt}))

    assert formulas(organisations) == []
    assert escaped(ORGANISATION, MUNICIPALITY, ARRONDISSEMENT) <= set(organisations)
    assert formulas(measures) == []
    assert escaped(MEASURE_CODE, MEASURE_NAME, GROUP) <= set(measures)


@pytest.mark.parametrize("public", ["1", "0"])
def test_no_cell_of_the_publication_workbook_starts_a_formula(client_of: Client, public: str) -> None:
    cells = texts("xlsx", downloaded(client_of, "/exports/publication/", {"public": public}))

    assert formulas(cells) == []
    assert escaped(ARRONDISSEMENT, f"{MEASURE_NAME} ({MEASURE_CODE})", GROUP) <= set(cells)


def test_no_cell_of_the_review_queue_export_starts_a_formula(client_of: Client) -> None:
    cells = texts("csv", downloaded(client_of, "/beheer/aangiften/", {"export": "csv", "status": "validated"}))

    assert formulas(cells) == []
    assert escaped(ORGANISATION, ARRONDISSEMENT) <= set(cells)
