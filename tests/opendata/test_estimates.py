"""Estimates never published on their own: a supplier's hidden small count stored as an estimate (2 people in
Diksmuide) is copied into the edition with its flag, hidden in every public page, answer and download of its
municipality and measure, and counted in the totals above it."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from openpyxl import load_workbook

from inventory.models import Edition, EditionHeadcount, Measure, OrganisationKind, Region, Submission
from inventory.models import SubmissionStatus as Status
from inventory.services.aggregation import aggregates_recompute
from inventory.services.editions import edition_publish
from inventory.services.reference import reference_load
from opendata.editions import protected_table
from tests.factories import HeadcountFactory, OrganisationFactory, SubmissionFactory
from tests.opendata.test_table_builder import download_cells, shown_cells

pytestmark = pytest.mark.django_db

DIKSMUIDE, HOUTHULST, KOEKELARE, ARRONDISSEMENT, WVL, FLANDERS = "32003", "32006", "32010", "32000", "30000", "02000"
SLUG = "inventaris-2019-schattingen"
AZ = (3, "arbeidszorg", "AZ")


@pytest.fixture(scope="module")
def edition(django_db_setup: None, django_db_blocker: Any) -> Iterator[Edition]:
    """Arbeidszorg (AZ) in the arrondissement Diksmuide, 2019: in Diksmuide only a supplier's estimate of 2 (its
    "<5"), in Houthulst 40 people, in Koekelare 10 people plus a supplier's estimate of 3; published."""
    with django_db_blocker.unblock(), transaction.atomic():
        cache.clear()
        reference_load()
        az = Measure.objects.get(code="AZ")
        supplier = OrganisationFactory(
            name="Departement WSE",
            kind=OrganisationKind.GEGEVENSLEVERANCIER,
            home_region=Region.objects.get(code=FLANDERS),
        )
        supplied = SubmissionFactory(organisation=supplier)
        submissions = [supplied]
        for code, persons, estimate in ((DIKSMUIDE, None, 2), (HOUTHULST, 40, None), (KOEKELARE, 10, 3)):
            region = Region.objects.get(code=code)
            if persons is not None:
                own = SubmissionFactory(organisation=OrganisationFactory(home_region=region, kind="arbeidszorg"))
                HeadcountFactory(submission=own, measure=az, persons=persons)
                submissions.append(own)
            if estimate is not None:
                HeadcountFactory(submission=supplied, measure=az, region=region, persons=estimate, estimated=True)
        Submission.objects.filter(pk__in=[s.pk for s in submissions]).update(status=Status.VALIDATED)
        aggregates_recompute(year=2019, full=True)
        result = edition_publish(
            name="Inventaris 2019 schattingen",
            reference_year=2019,
            published_on=dt.date(2020, 7, 1),
            user=None,
            confirm_incomplete=True,
        )
        with connection.cursor() as cursor:
            cursor.execute("set constraints all immediate")
            cursor.execute("set constraints all deferred")
        yield result.edition
        transaction.set_rollback(True)
    cache.clear()


def test_publishing_copies_which_headcounts_are_estimates(edition: Edition) -> None:
    frozen = EditionHeadcount.objects.filter(edition=edition).values_list("region__code", "persons", "estimated")

    assert sorted(frozen) == [
        (DIKSMUIDE, 2, True),
        (HOUTHULST, 40, False),
        (KOEKELARE, 3, True),
        (KOEKELARE, 10, False),
    ]


def test_the_protected_table_hides_each_municipality_that_holds_an_estimate_and_sums_it_above(edition: Edition) -> None:
    table = protected_table(edition, 2019)

    assert table[(DIKSMUIDE, *AZ)] == "<5"
    # 10 + 3 is not a small count, but it holds an estimate: hidden, with the mark that states no range.
    assert table[(KOEKELARE, *AZ)] == "x"
    assert table[(HOUTHULST, *AZ)] == 40
    for code in (ARRONDISSEMENT, WVL, FLANDERS):
        assert table[(code, *AZ)] == 55, code
        assert table[(code, None, "", None)] == 55, code
    # Diksmuide has nothing but the estimate: its group, trede and headline would show it, so they are hidden too.
    assert all(isinstance(value, str) for (code, *_rest), value in table.items() if code == DIKSMUIDE)


def test_the_public_api_never_answers_the_estimate_but_counts_it_in_the_province(edition: Edition) -> None:
    answer = Client().get("/cijfers/api/aggregates/", {"edition": SLUG, "region": DIKSMUIDE}).json()

    assert answer["results"]
    assert {row["persons"] for row in answer["results"]} <= {"<5", "x"}
    province = Client().get("/cijfers/api/aggregates/", {"edition": SLUG, "region": WVL, "measure": "AZ"}).json()
    assert [row["persons"] for row in province["results"]] == [55]


def test_no_table_or_download_shows_the_estimate_of_its_municipality(edition: Edition) -> None:
    path = f"/cijfers/{SLUG}/tabel/"
    query = {"niveau": "gemeente", "arrondissement": ARRONDISSEMENT, "indeling": "maatregel", "trede": ["3"]}

    cells = shown_cells(Client().get(path, query))
    assert cells[f"{DIKSMUIDE}|2019|3/arbeidszorg/AZ"] == "<5"
    assert cells[f"{KOEKELARE}|2019|3/arbeidszorg/AZ"] == "x"
    assert cells[f"{HOUTHULST}|2019|3/arbeidszorg/AZ"] == 40
    # (SDMX-CSV and JSON-stat carry the same protected cells; the helpers read them for tables per trede only.)
    for extension in ("csv", "excel.csv", "xlsx", "json"):
        assert download_cells(Client(), path, extension, query) == cells, extension
    province = shown_cells(Client().get(path, {"niveau": "provincie", "indeling": "maatregel", "trede": ["3"]}))
    assert province[f"{WVL}|2019|3/arbeidszorg/AZ"] == 55


def test_the_fact_sheet_of_the_municipality_shows_no_count_of_it(edition: Edition) -> None:
    page = Client().get(f"/cijfers/{SLUG}/gebied/{DIKSMUIDE}/")

    assert page.status_code == 200
    figures = re.sub(r"<[^>]+>", " ", page.content.decode())
    assert "Diksmuide" in figures
    assert not re.search(r"(?<![\d.,/-])2(?![\d.,/-])", re.sub(r"20\d\d|[Tt]rede(n)? \d(-\d)?", "", figures))


def test_the_workbook_counts_the_estimates_in_west_vlaanderen(edition: Edition) -> None:
    response = Client().get(f"/cijfers/{SLUG}/tabellenbijlage.xlsx")
    sheet = load_workbook(io.BytesIO(response.content))["Tabel 2 Maatregelen"]

    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "Arbeidszorg (AZ)")
    assert row[1] == 55  # West-Vlaanderen, 2019 (the edition's only year)
