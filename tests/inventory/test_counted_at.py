"""Residence or workplace per measure (Measure.counted_at): the catalogue's reading, the data migration that gives it
to databases loaded before, staff who see and change it, and the exports' metadata that name it per measure."""

from __future__ import annotations

import csv
import importlib
import io
import json
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from inventory.models import CountedAt, Edition, Measure, MeasureMode
from inventory.selectors.figures import AGGREGATE_COLUMNS, AggregateFilters
from inventory.selectors.headcounts import HeadcountFilters
from inventory.services.exports import aggregates_export, csv_chunks, headcounts_export, json_chunks, xlsx_write
from inventory.services.publication import publication_workbook
from inventory.services.reference import MEASURES

pytestmark = pytest.mark.django_db

RESIDENCE = {
    "DGK-JONG",
    "DGK-JONG-FED",
    "DGK-OUD",
    "VOP",
    "DGK-LWZ",
    "SINE",
    "TWP50",
    "IBO",
    "GIBO",
    "WPL",
    "TWE",
    "WEP",
    "W2",
    "WW",
    "PWA",
    "DC",
}
WORKPLACE = {"CMW-BED", "CMW-AFD", "BW", "SW", "LDE", "AZ", "AMA"}


def test_the_catalogue_counts_individual_measures_by_residence_and_collective_ones_by_workplace() -> None:
    by_code = {spec.code: spec.counted_at for spec in MEASURES}

    assert {code for code, counted_at in by_code.items() if counted_at == CountedAt.RESIDENCE} == RESIDENCE
    assert {code for code, counted_at in by_code.items() if counted_at == CountedAt.WORKPLACE} == WORKPLACE
    # Our reading follows who reports: the registers (individual measures) or the organisations (collective ones).
    for spec in MEASURES:
        assert (spec.mode == MeasureMode.INDIVIDUEEL) == (spec.counted_at == CountedAt.RESIDENCE), spec.code


def test_a_fresh_database_gets_every_measures_counted_at_from_load_reference(reference_db) -> None:
    stored = dict(Measure.objects.values_list("code", "counted_at"))

    assert stored == {spec.code: spec.counted_at for spec in MEASURES}


def test_the_data_migration_gives_a_database_loaded_before_the_catalogues_reading(reference_db) -> None:
    # As 0015 left an existing database: every measure at the default, werkplaats.
    Measure.objects.update(counted_at=CountedAt.WORKPLACE)
    migration = importlib.import_module("inventory.migrations.0016_measure_counted_at_values")

    migration.counted_at_set(apps, None)

    stored = dict(Measure.objects.values_list("code", "counted_at"))
    assert stored == {spec.code: spec.counted_at for spec in MEASURES}
    # Run again (or after staff changed one back): it only touches rows still at the default.
    Measure.objects.filter(code="VOP").update(counted_at=CountedAt.RESIDENCE)
    migration.counted_at_set(apps, None)
    assert dict(Measure.objects.values_list("code", "counted_at")) == stored


def test_staff_change_a_measures_counted_at_in_its_form_and_see_it_in_the_list(reference_db, staff_client) -> None:
    lde = Measure.objects.get(code="LDE")
    url = reverse("admin:inventory_measure_change", args=[lde.pk])
    form = staff_client.get(url)
    assert 'name="counted_at"' in form.content.decode()

    data = {
        "code": "LDE",
        "name": lde.name,
        "trede": lde.trede,
        "mode": lde.mode,
        "group": lde.group,
        "target_group": lde.target_group,
        "administering_body": lde.administering_body,
        "reporter_kinds": lde.reporter_kinds,
        "counted_at": "woonplaats",
        "first_year": lde.first_year,
        "last_year": "",
        "note": lde.note,
    }
    response = staff_client.post(url, data)

    assert response.status_code == 302, response.content[:500]
    assert Measure.objects.get(code="LDE").counted_at == CountedAt.RESIDENCE
    changelist = staff_client.get(reverse("admin:inventory_measure_changelist"), {"counted_at__exact": "woonplaats"})
    assert "Lokale diensteneconomie" in changelist.content.decode()
    assert "Arbeidszorg" not in changelist.content.decode()


def test_the_measure_list_shows_and_filters_by_counted_at(reference_db, staff_client: Client) -> None:
    response = staff_client.get("/tabellen/maatregelen/", {"counted_at": "werkplaats"})

    assert response.status_code == 200
    codes = {row.record.code for row in response.context["table"].paginated_rows}
    assert codes == WORKPLACE
    assert "Geteld naar" in response.content.decode()
    assert "werkplaats" in response.content.decode()


# --- the exports' metadata ------------------------------------------------------------------------------------


def measures_of(meta: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {m["code"]: (m["name"], m["counted_at"]) for m in meta["measures"]}


def test_every_aggregate_export_names_whether_each_of_its_measures_counts_by_residence_or_workplace(
    demo_aggregates,
) -> None:
    export = aggregates_export(filters=AggregateFilters(years=[2019], regions=["30000"]))

    measures = measures_of(export.meta)
    # The measures valid in 2019, each with its reading: DGK-LWZ ended in 2018, CMW-BED began in 2019.
    assert measures["VOP"] == ("Vlaamse ondersteuningspremie (arbeidshandicap)", "woonplaats")
    assert measures["CMW-BED"] == ("Collectief maatwerk: maatwerkbedrijf", "werkplaats")
    assert "DGK-LWZ" not in measures
    assert set(measures) == {m.code for m in Measure.objects.valid_in(2019)}

    body = json.loads("".join(json_chunks(export)))
    assert measures_of(body["meta"]) == measures

    excel = "".join(csv_chunks(export, excel_nl=True)).removeprefix("\ufeff")
    meta = {row[0]: row[1] for row in csv.reader(excel.splitlines(), delimiter=";") if row[0].startswith("# ")}
    assert {m["code"]: m["counted_at"] for m in json.loads(meta["# measures"])} == {
        code: counted_at for code, (_name, counted_at) in measures.items()
    }

    out = io.BytesIO()
    xlsx_write(export, out)
    book = load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    assert json.loads(dict(book["metadata"].values)["measures"]) == body["meta"]["measures"]
    header, *rows = list(book["maatregelen"].values)
    assert list(header) == ["code", "name", "counted_at"]
    assert {row[0]: (row[1], row[2]) for row in rows} == measures


def test_the_plain_csv_keeps_its_columns_and_no_metadata(demo_aggregates) -> None:
    text = "".join(csv_chunks(aggregates_export(filters=AggregateFilters(years=[2019], regions=["30000"]))))

    assert text.splitlines()[0] == ",".join(AGGREGATE_COLUMNS)
    assert "woonplaats" not in text


def test_a_headcount_export_names_only_the_measures_asked_for(demo_aggregates) -> None:
    export = headcounts_export(filters=HeadcountFilters(years=[2019], measures=["AZ", "VOP"]))

    assert measures_of(export.meta) == {
        "VOP": ("Vlaamse ondersteuningspremie (arbeidshandicap)", "woonplaats"),
        "AZ": ("Arbeidszorg", "werkplaats"),
    }


def test_an_editions_export_names_the_catalogues_reading_of_its_measures(demo_aggregates) -> None:
    edition = Edition.objects.get(name="Inventaris 2019")
    export = aggregates_export(filters=AggregateFilters(years=[2019], measures=["DC"]), edition=edition, public=True)

    assert measures_of(export.meta) == {"DC": ("Dienstencheques", "woonplaats")}


def test_the_publication_workbook_lists_its_measures_with_where_they_are_counted(demo_aggregates) -> None:
    out = io.BytesIO()
    publication_workbook(out=out)
    rows = list(load_workbook(io.BytesIO(out.getvalue()))["Toelichting"].iter_rows(values_only=True))

    start = next(i for i, row in enumerate(rows) if row[0] == "Maatregelen")
    assert rows[start + 2][:3] == ("Code", "Maatregel", "Geteld naar")
    table = {row[0]: (row[1], row[2]) for row in rows[start + 3 :] if row[0]}
    assert table["VOP"] == ("Vlaamse ondersteuningspremie (arbeidshandicap)", "woonplaats")
    assert table["AZ"] == ("Arbeidszorg", "werkplaats")
    # Every measure the workbook's table 2 shows (the demo has figures of all of them in 2014-2019).
    assert set(table) == {spec.code for spec in MEASURES}
