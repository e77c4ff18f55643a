"""Exports for coordinators: every format parses back, filters, roles, escaping, dialects, metadata, streaming."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from inventory.constants import FORMULA_STARTS
from inventory.models import Aggregate, Headcount, Measure, Region, SubmissionStatus
from inventory.selectors.figures import AGGREGATE_COLUMNS, AggregateFilters
from inventory.selectors.headcounts import HEADCOUNT_COLUMNS, HeadcountFilters
from inventory.services.aggregation import aggregates_recompute
from inventory.services.exports import aggregates_export, csv_chunks, headcounts_export
from tests.factories import HeadcountFactory, MeasureFactory, OrganisationFactory, RegionFactory, SubmissionFactory

pytestmark = pytest.mark.django_db
WVL, FLANDERS, BRUGGE_ARR = "30000", "02000", "31000"
TEXT_FORMATS = ["csv", "excel-nl", "json", "sdmx", "jsonstat"]
# DESIGN.md "Interfaces": programs read these first, in this order; later columns only ever come after them.
DESIGN_HEADCOUNT_COLUMNS = [
    "year",
    "organisation",
    "organisation_name",
    "measure",
    "trede",
    "group",
    "region",
    "region_name",
    "persons",
    "fte",
    "status",
    "scope",
]


def content(response: Any) -> bytes:
    """The whole file; the test client closes the response once its content is read."""
    return b"".join(response.streaming_content)


def download(client: Client, **params: Any) -> Any:
    response = client.get("/exports/", params)
    assert response.status_code == 200, response.content[:500]
    return response


def csv_rows(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    """The rows under the header; the metadata block's lines start with #."""
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter=delimiter))


def csv_meta(text: str, delimiter: str = ",") -> dict[str, str]:
    lines = [line for line in text.splitlines(keepends=True) if line.startswith("#")]
    return {row[0].removeprefix("# "): row[1] for row in csv.reader(lines, delimiter=delimiter)}


def parsed(fmt: str, data: bytes) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(rows as dicts, metadata) of a file in any format."""
    if fmt == "csv":
        text = data.decode()
        return csv_rows(text), csv_meta(text)
    if fmt == "excel-nl":
        text = data.decode("utf-8-sig")
        return csv_rows(text, ";"), csv_meta(text, ";")
    if fmt == "json":
        body = json.loads(data)
        return body["results"], body["meta"]
    if fmt == "sdmx":
        rows = list(csv.DictReader(io.StringIO(data.decode())))
        return rows, {"prepared": rows[0]["PREPARED"] if rows else None}
    if fmt == "jsonstat":
        body = json.loads(data)
        return [{"index": k, "value": v} for k, v in body["value"].items()], body["extension"]["metadata"]
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    header, *values = list(workbook["gegevens"].values)
    meta = {key: value for key, value in workbook["metadata"].values}
    return [dict(zip(header, row, strict=True)) for row in values], meta


def validated_aggregates(**filters: Any) -> int:
    return Aggregate.objects.filter(scope="validated", **filters).count()


# --- formats ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [*TEXT_FORMATS, "xlsx"])
def test_every_format_of_the_aggregates_parses_back_with_every_figure_and_its_metadata(
    demo_aggregates, coordinator_client: Client, fmt: str
) -> None:
    response = download(coordinator_client, dataset="aggregates", format=fmt, year="2019", region=WVL)

    data = content(response)
    rows, meta = parsed(fmt, data)
    assert len(rows) == validated_aggregates(year=2019, region__code=WVL)
    assert "attachment;" in response["Content-Disposition"]
    if fmt in ("csv", "excel-nl", "json", "xlsx"):
        assert list(rows[0]) == AGGREGATE_COLUMNS
        headline = next(r for r in rows if r["trede"] in ("", None) and r["group"] in ("", None))
        assert int(headline["persons"]) == 63_552
    if fmt == "csv":
        # The plain CSV is for programs: the header on its first line, scope and computed_at in every row.
        assert data.decode().startswith(",".join(AGGREGATE_COLUMNS) + "\n")
        assert {r["scope"] for r in rows} == {"validated"}
    elif fmt != "sdmx":
        assert meta["scope"] == "validated"
        assert "generated_at" in meta
        assert "freshness" in meta
        assert "edition" in meta
        assert meta["edition"] in (None, "")
        assert "30000" in str(meta["filters"])


@pytest.mark.parametrize("fmt", [*TEXT_FORMATS, "xlsx"])
def test_every_format_of_the_headcounts_parses_back_with_the_documented_columns(
    demo_aggregates, coordinator_client: Client, fmt: str
) -> None:
    response = download(coordinator_client, dataset="headcounts", format=fmt, year="2019", region=BRUGGE_ARR)

    rows, _meta = parsed(fmt, content(response))
    expected = (
        Headcount.objects.filter(
            submission__year=2019, submission__status="validated", region__parent__code=BRUGGE_ARR
        ).count()
        + Headcount.objects.filter(submission__year=2019, region__code=BRUGGE_ARR).count()
    )
    assert len(rows) == expected > 0
    if fmt in ("csv", "excel-nl", "json", "xlsx"):
        assert list(rows[0]) == HEADCOUNT_COLUMNS == [*DESIGN_HEADCOUNT_COLUMNS, "estimated"]
        assert {str(r["estimated"]).lower() for r in rows} == {"false"}
        assert all(len(str(r["organisation"])) == 10 and str(r["organisation"]).isdigit() for r in rows)
        assert {r["scope"] for r in rows} == {"validated"}
        assert {r["status"] for r in rows} == {"validated"}


def test_csv_json_sdmx_and_json_stat_stream_and_xlsx_is_sent_from_a_file(
    demo_aggregates, coordinator_client: Client
) -> None:
    for fmt in TEXT_FORMATS:
        response = download(coordinator_client, dataset="headcounts", format=fmt, year="2019")
        assert isinstance(response, StreamingHttpResponse), fmt
        assert not isinstance(response, FileResponse), fmt
        content(response)
    response = download(coordinator_client, dataset="headcounts", format="xlsx", year="2019")
    assert isinstance(response, FileResponse)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    content(response)


def test_the_copy_fast_path_writes_the_same_bytes_as_the_cursor_path(demo_aggregates) -> None:
    HeadcountFactory(
        submission=SubmissionFactory(validated=True),
        persons=7,
        fte=Decimal("5.25"),
        measure=MeasureFactory(group="=gevaarlijk", code="-M1"),
    )
    for export in (
        aggregates_export(filters=AggregateFilters(years=[2018, 2019])),
        headcounts_export(filters=HeadcountFilters(years=[2019])),
    ):
        for excel_nl in (False, True):
            copied = "".join(csv_chunks(export, excel_nl=excel_nl))
            assert copied == "".join(csv_chunks(export, excel_nl=excel_nl, use_copy=False))


def test_a_download_stopped_halfway_leaves_the_connection_usable(demo_aggregates) -> None:
    chunks = csv_chunks(headcounts_export(filters=HeadcountFilters()))
    next(chunks)
    next(chunks)
    chunks.close()
    with connection.cursor() as cursor:
        cursor.execute("select 1")
        assert cursor.fetchone() == (1,)


# --- dialects -----------------------------------------------------------------------------------------------------


@pytest.fixture
def fte_headcount(demo_aggregates) -> Headcount:
    brugge = Region.objects.get(code="31005")
    organisation = OrganisationFactory(name="Werkplaats Zand", home_region=brugge)
    submission = SubmissionFactory(organisation=organisation, validated=True)
    return HeadcountFactory(
        submission=submission, measure=Measure.objects.get(code="AZ"), persons=12, fte=Decimal("8.75")
    )


def test_the_excel_dialect_has_a_bom_semicolons_crlf_and_a_decimal_comma(
    fte_headcount: Headcount, coordinator_client: Client
) -> None:
    data = content(download(coordinator_client, dataset="headcounts", format="excel-nl", year="2019", region="31005"))

    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    assert text.count("\n") == text.count("\r\n")
    rows = csv_rows(text, ";")
    row = next(r for r in rows if r["organisation_name"] == "Werkplaats Zand")
    assert row["fte"] == "8,75"
    assert row["persons"] == "12"
    header = next(line for line in text.splitlines() if not line.startswith("#"))
    assert header == ";".join(HEADCOUNT_COLUMNS)


def test_the_standard_csv_keeps_the_decimal_point(fte_headcount: Headcount, coordinator_client: Client) -> None:
    text = content(download(coordinator_client, dataset="headcounts", format="csv", region="31005")).decode()

    assert not text.startswith("\ufeff")
    row = next(r for r in csv_rows(text) if r["organisation_name"] == "Werkplaats Zand")
    assert row["fte"] == "8.75"


def test_json_carries_fte_as_a_number(fte_headcount: Headcount, coordinator_client: Client) -> None:
    body = json.loads(content(download(coordinator_client, dataset="headcounts", format="json", region="31005")))

    row = next(r for r in body["results"] if r["organisation_name"] == "Werkplaats Zand")
    assert row["fte"] == 8.75
    assert row["persons"] == 12


def test_sdmx_csv_has_the_dataflow_the_dimensions_and_obs_value(demo_aggregates, coordinator_client: Client) -> None:
    data = content(download(coordinator_client, dataset="aggregates", format="sdmx", year="2019", region=WVL))

    rows = list(csv.DictReader(io.StringIO(data.decode())))
    header = data.decode().splitlines()[0].split(",")
    assert header[:7] == ["DATAFLOW", "TIME_PERIOD", "REF_AREA", "TREDE", "MAATREGEL", "SCOPE", "OBS_VALUE"]
    assert {"OBS_STATUS", "CONF_STATUS", "PREPARED", "EDITION", "COMPUTED_AT"} <= set(header)
    assert {r["DATAFLOW"] for r in rows} == {"POMWVL:INVENTARIS_SE(1.0)"}
    headline = next(r for r in rows if r["TREDE"] == "_T" and r["MAATREGEL"] == "_T")
    assert headline["OBS_VALUE"] == "63552"
    assert headline["CONF_STATUS"] == "F"
    assert headline["OBS_STATUS"] == "A"
    assert any(r["MAATREGEL"] == "G_DOELGROEPKORTINGEN" and r["OBS_VALUE"] == "46649" for r in rows)

    data = content(download(coordinator_client, dataset="headcounts", format="sdmx", year="2019", region="31005"))
    header = data.decode().splitlines()[0].split(",")
    assert header[:8] == [
        "DATAFLOW",
        "TIME_PERIOD",
        "ORGANISATIE",
        "REF_AREA",
        "TREDE",
        "MAATREGEL",
        "SCOPE",
        "OBS_VALUE",
    ]
    assert data.decode().splitlines()[1].startswith("POMWVL:INVENTARIS_SE_TELLINGEN(1.0),2019,")


def test_json_stat_is_a_dataset_whose_sparse_values_sit_at_their_flat_index(
    demo_aggregates, coordinator_client: Client
) -> None:
    body = json.loads(
        content(
            download(coordinator_client, dataset="aggregates", format="jsonstat", year="2018", region=[WVL, FLANDERS])
        )
    )

    assert (body["version"], body["class"]) == ("2.0", "dataset")
    assert body["id"] == ["year", "region", "trede", "measure", "scope"]
    assert body["size"] == [len(body["dimension"][d]["category"]["index"]) for d in body["id"]]
    assert body["role"] == {"time": ["year"], "geo": ["region"]}
    assert body["dimension"]["region"]["category"]["label"] == {WVL: "West-Vlaanderen", FLANDERS: "Vlaams Gewest"}
    assert body["dimension"]["trede"]["category"]["index"]["_T"] == 0
    cells = 1
    for size in body["size"]:
        cells *= size
    assert len(body["value"]) == validated_aggregates(year=2018, region__code__in=[WVL, FLANDERS])
    assert all(0 <= int(index) < cells for index in body["value"])

    def at(**codes: str) -> Any:
        index = 0
        for dimension, size in zip(body["id"], body["size"], strict=True):
            index = index * size + body["dimension"][dimension]["category"]["index"][codes[dimension]]
        return body["value"].get(str(index))

    assert at(year="2018", region=WVL, trede="_T", measure="_T", scope="validated") == 57_462
    assert at(year="2018", region=FLANDERS, trede="_T", measure="_T", scope="validated") == 293_056
    assert body["extension"]["metadata"]["scope"] == "validated"
    assert body["extension"]["metadata"]["edition"] is None


# --- escaping -------------------------------------------------------------------------------------------------------


@pytest.fixture
def formula_world(demo_aggregates) -> Region:
    """Names a spreadsheet would run: an organisation, a measure and its group, a region."""
    region = RegionFactory(name="+regio", parent=Region.objects.get(code=BRUGGE_ARR))
    organisation = OrganisationFactory(name='=HYPERLINK("http://x","klik")', home_region=region)
    measure = MeasureFactory(code="-FORMULE", name="@SUM(A1)", group="\tgroep", trede=4)
    HeadcountFactory(submission=SubmissionFactory(organisation=organisation, validated=True), measure=measure)
    aggregates_recompute(year=2019, full=True)
    return region


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def cells(fmt: str, data: bytes) -> list[Any]:
    if fmt in ("csv", "sdmx"):
        return [c for row in csv.reader(io.StringIO(data.decode())) for c in row]
    if fmt == "excel-nl":
        return [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";") for c in row]
    if fmt in ("json", "jsonstat"):
        return list(strings(json.loads(data)))
    workbook = load_workbook(io.BytesIO(data))
    found = []
    for sheet in workbook:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                found.append(cell.value)
    return found


@pytest.mark.parametrize("fmt", [*TEXT_FORMATS, "xlsx"])
@pytest.mark.parametrize("dataset", ["aggregates", "headcounts"])
def test_no_text_cell_of_any_format_starts_like_a_formula(
    formula_world: Region, staff_client: Client, fmt: str, dataset: str
) -> None:
    regions = [BRUGGE_ARR, formula_world.code]
    data = content(download(staff_client, dataset=dataset, format=fmt, year="2019", region=regions))

    found = [c for c in cells(fmt, data) if isinstance(c, str)]
    assert found
    assert not [c for c in found if c.startswith(FORMULA_STARTS)]
    escaped = {c for c in found if c.startswith("'")}
    if fmt != "sdmx" and dataset == "headcounts":
        assert '\'=HYPERLINK("http://x","klik")' in escaped
    if fmt != "sdmx":
        assert "'+regio" in escaped
    if fmt in ("csv", "excel-nl", "json", "xlsx"):
        assert {"'-FORMULE", "'\tgroep"} <= escaped
    if fmt == "sdmx":
        assert "'-FORMULE" in escaped
    if fmt == "jsonstat":
        assert "'@SUM(A1)" in escaped


# --- filters ------------------------------------------------------------------------------------------------------


def test_headcounts_filter_by_region_with_everything_inside_it(demo_aggregates, coordinator_client: Client) -> None:
    rows, _meta = parsed("csv", content(download(coordinator_client, dataset="headcounts", format="csv", region=WVL)))

    inside = set(Region.objects.filter(code__startswith="3").values_list("code", flat=True))
    assert rows
    assert {r["region"] for r in rows} <= inside
    assert "31005" in {r["region"] for r in rows}
    assert len(rows) == Headcount.objects.filter(submission__status="validated", region__code__in=inside).count()


def test_headcounts_filter_by_grouping_year_trede_and_measure(demo_aggregates, coordinator_client: Client) -> None:
    westhoek = {"32", "33", "38"}
    rows, _ = parsed(
        "csv", content(download(coordinator_client, dataset="headcounts", format="csv", region="westhoek", year="2019"))
    )
    assert rows
    assert {r["region"][:2] for r in rows} <= westhoek
    assert {r["year"] for r in rows} == {"2019"}

    rows, _ = parsed(
        "csv", content(download(coordinator_client, dataset="headcounts", format="csv", trede=["3", "4"], year="2018"))
    )
    assert {r["trede"] for r in rows} == {"3", "4"}

    rows, meta = parsed(
        "excel-nl", content(download(coordinator_client, dataset="headcounts", format="excel-nl", measure="AZ"))
    )
    assert {r["measure"] for r in rows} == {"AZ"}
    assert sum(int(r["persons"]) for r in rows if r["year"] == "2019" and r["region"].startswith("3")) == 1_203
    assert json.loads(meta["filters"]) == {"measure": ["AZ"]}


def test_aggregates_filter_by_year_region_trede_and_measure(demo_aggregates, coordinator_client: Client) -> None:
    rows, _ = parsed(
        "csv",
        content(
            download(
                coordinator_client, dataset="aggregates", format="csv", year=["2018", "2019"], region=WVL, trede="4"
            )
        ),
    )
    assert {(r["year"], r["region"], r["trede"]) for r in rows} == {("2018", WVL, "4"), ("2019", WVL, "4")}
    assert len(rows) == validated_aggregates(year__in=[2018, 2019], region__code=WVL, trede=4)

    rows, _ = parsed("csv", content(download(coordinator_client, dataset="aggregates", format="csv", measure="AZ")))
    assert {r["measure"] for r in rows} == {"AZ"}


def test_an_unknown_filter_value_shows_the_form_again_with_a_400(demo_aggregates, coordinator_client: Client) -> None:
    response = coordinator_client.get("/exports/", {"dataset": "aggregates", "format": "csv", "region": "99999"})

    assert response.status_code == 400
    assert "99999" in response.content.decode()
    assert coordinator_client.get("/exports/", {"dataset": "aggregates", "format": "pdf"}).status_code == 400


# --- roles ------------------------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client: Client) -> None:
    for path in ("/exports/", "/exports/?dataset=aggregates&format=csv", "/exports/publication/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_organisation_users_get_404_for_the_page_the_files_and_the_workbook(
    demo_aggregates, editor_a_client: Client, viewer_a_client: Client
) -> None:
    for client in (editor_a_client, viewer_a_client):
        assert client.get("/exports/").status_code == 404
        assert client.get("/exports/", {"dataset": "headcounts", "format": "csv"}).status_code == 404
        assert client.get("/exports/publication/").status_code == 404


def test_coordinators_export_validated_figures_only(demo_aggregates, coordinator_client: Client) -> None:
    page = coordinator_client.get("/exports/")
    assert page.status_code == 200
    assert 'type="hidden" name="scope" value="validated"' in page.content.decode()
    assert 'value="provisional"' not in page.content.decode()

    response = coordinator_client.get("/exports/", {"dataset": "headcounts", "format": "csv", "scope": "provisional"})
    assert response.status_code == 403
    assert coordinator_client.get("/exports/publication/?scope=provisional").status_code == 403


def test_staff_choose_provisional_figures_that_hold_submitted_submissions(
    demo_aggregates, staff_client: Client
) -> None:
    submitted = SubmissionFactory(status=SubmissionStatus.SUBMITTED, organisation__name="Ingediend vzw")
    HeadcountFactory(submission=submitted, measure=Measure.objects.get(code="AZ"), persons=30)

    assert 'value="provisional"' in staff_client.get("/exports/").content.decode()
    provisional, meta = parsed(
        "json", content(download(staff_client, dataset="headcounts", format="json", scope="provisional", year="2019"))
    )
    validated, _ = parsed("csv", content(download(staff_client, dataset="headcounts", format="csv", year="2019")))
    assert meta["scope"] == "provisional"
    assert {r["scope"] for r in provisional} == {"provisional"}
    assert ("Ingediend vzw", "submitted") in {(r["organisation_name"], r["status"]) for r in provisional}
    assert "Ingediend vzw" not in {r["organisation_name"] for r in validated}
    assert len(provisional) == len(validated) + 1


def test_the_exports_page_works_without_javascript_and_links_the_workbook(
    demo_aggregates, coordinator_client: Client
) -> None:
    page = coordinator_client.get("/exports/").content.decode()

    assert '<form method="get" action="/exports/">' in page
    assert "<script" not in page
    assert 'href="/exports/publication/"' in page
    for fmt in ("csv", "excel-nl", "xlsx", "json", "sdmx", "jsonstat"):
        assert f'value="{fmt}"' in page
    assert 'href="/exports/"' in page  # in the header, for coordinators


# --- commands -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [*TEXT_FORMATS, "xlsx"])
def test_export_headcounts_writes_every_format_to_a_file(demo_aggregates, tmp_path, fmt: str) -> None:
    path = tmp_path / f"tellingen.{fmt}"
    call_command("export_headcounts", "--format", fmt, "--year", "2019", "--region", BRUGGE_ARR, "-o", str(path))

    rows, _meta = parsed(fmt, path.read_bytes())
    assert (
        len(rows)
        == Headcount.objects.filter(
            submission__year=2019, submission__status="validated", region__code__startswith="31"
        ).count()
    )


def test_export_headcounts_streams_csv_to_stdout_and_refuses_xlsx_without_a_file(demo_aggregates) -> None:
    out = io.StringIO()
    call_command("export_headcounts", "--year", "2019", "--measure", "AZ", stdout=out)
    rows = csv_rows(out.getvalue())
    assert rows
    assert {r["measure"] for r in rows} == {"AZ"}

    with pytest.raises(CommandError, match="-o"):
        call_command("export_headcounts", "--format", "xlsx")
    with pytest.raises(CommandError, match="onbekende maatregel"):
        call_command("export_headcounts", "--measure", "NIETS")


@pytest.mark.parametrize("fmt", ["excel-nl", "sdmx", "jsonstat"])
def test_export_aggregates_writes_the_new_formats(demo_aggregates, fmt: str) -> None:
    out = io.StringIO()
    call_command("export_aggregates", "--format", fmt, "--year", "2019", "--region", WVL, stdout=out)

    rows, _meta = parsed(fmt, out.getvalue().encode())
    assert len(rows) == validated_aggregates(year=2019, region__code=WVL)


def test_the_exports_page_is_english_after_choosing_english(demo_aggregates, coordinator_client: Client) -> None:
    coordinator_client.post(reverse("set_language"), {"language": "en", "next": "/exports/"})

    page = coordinator_client.get("/exports/").content.decode()

    assert "<h2>Download data</h2>" in page
    assert "Tables annex (XLSX), small counts hidden" in page
    assert "For publication: hide small counts" in page
    assert "Gegevens downloaden" not in page
