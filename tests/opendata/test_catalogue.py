"""The DCAT-AP Vlaanderen catalogue (/cijfers/catalogus.ttl and .jsonld, opendata/catalogue.py): valid RDF in
both serialisations, one dataset per edition, one distribution per download, and every property DCAT-AP VL
requires (or recommends and we can give) on every resource; kept until the list of editions changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, FOAF, RDF

from inventory.models import Edition, Licence
from inventory.services.editions import edition_schedule_next, edition_withdraw
from opendata.catalogue import ADMS, VCARD, edition_downloads
from tests.factories import EditionFactory, EditionFigureFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db
# As plain namespaces: rdflib's own warn on every attribute pytest looks for while collecting.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")

# What DCAT-AP VL (DCAT-AP 1.2.1/2.0 with the Flemish additions: the catalogue's licence, a dataset's publisher,
# contact point with an e-mail address, at least one distribution and public access, a distribution's title and
# licence) requires of each class, and what it recommends that an edition has: checked on every instance.
REQUIRED = {
    DCAT.Catalog: [DCTERMS.title, DCTERMS.description, DCTERMS.publisher, DCTERMS.license, DCAT.dataset],
    DCAT.Dataset: [
        DCTERMS.title,
        DCTERMS.description,
        DCTERMS.publisher,
        DCAT.contactPoint,
        DCAT.distribution,
        DCTERMS.accessRights,
    ],
    DCAT.Distribution: [DCAT.accessURL, DCTERMS.title, DCTERMS.license],
    DCAT.DataService: [DCTERMS.title, DCAT.endpointURL],
    FOAF.Agent: [FOAF.name],
    VCARD.Kind: [VCARD.hasEmail],
    DCTERMS.PeriodOfTime: [DCAT.startDate, DCAT.endDate],
}
RECOMMENDED = {
    DCAT.Catalog: [FOAF.homepage, DCTERMS.language, DCTERMS.issued, DCTERMS.modified, DCAT.service],
    DCAT.Dataset: [
        DCTERMS.identifier,
        DCTERMS.license,
        DCTERMS.issued,
        DCTERMS.modified,
        DCTERMS.temporal,
        DCTERMS.spatial,
        DCAT.theme,
        DCAT.keyword,
        DCAT.landingPage,
    ],
    DCAT.Distribution: [DCTERMS.format, DCAT.mediaType],
    DCAT.DataService: [DCAT.endpointDescription, DCAT.servesDataset, DCTERMS.publisher, DCAT.contactPoint],
}
CATALOGUE_LICENCE = URIRef("https://data.vlaanderen.be/id/licentie/creative-commons-zero-verklaring/v1.0")
PUBLIC = URIRef("http://publications.europa.eu/resource/authority/access-right/PUBLIC")


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def editions() -> dict[str, Edition]:
    """Inventaris 2019 (figures of 2018 and 2019, CC BY 4.0), Inventaris 2018 (CC0), and a withdrawn one."""
    brugge = RegionFactory(code="31005", name="Brugge")
    current = EditionFactory(name="Inventaris 2019", reference_year=2019, published_on=dt.date(2020, 6, 30))
    for year in (2018, 2019):
        EditionFigureFactory(edition=current, region=brugge, year=year, persons=40)
    older = EditionFactory(
        name="Inventaris 2018", reference_year=2018, published_on=dt.date(2019, 6, 27), licence=Licence.CC0_1_0
    )
    EditionFigureFactory(edition=older, region=brugge, year=2018, persons=38)
    withdrawn = EditionFactory(name="Inventaris 2017", reference_year=2017, published_on=dt.date(2018, 6, 1))
    EditionFigureFactory(edition=withdrawn, region=brugge, year=2017, persons=35)
    edition_withdraw(edition=withdrawn, reason="Fout in de cijfers.", user=UserFactory(is_staff=True))
    withdrawn.refresh_from_db()
    return {"current": current, "older": older, "withdrawn": withdrawn}


def catalogue(fmt: str = "ttl") -> Graph:
    response = Client().get(f"/cijfers/catalogus.{fmt}")
    assert response.status_code == 200
    return Graph().parse(data=response.content.decode(), format="turtle" if fmt == "ttl" else "json-ld")


def uri(path: str) -> URIRef:
    return URIRef(settings.SITE_URL.rstrip("/") + path)


def test_both_files_are_rdf_of_the_same_graph_with_their_content_types(editions: dict[str, Edition]) -> None:
    client = Client()
    turtle = client.get("/cijfers/catalogus.ttl")
    jsonld = client.get("/cijfers/catalogus.jsonld")

    assert turtle["Content-Type"] == "text/turtle; charset=utf-8"
    assert jsonld["Content-Type"] == "application/ld+json; charset=utf-8"
    assert "public" in turtle["Cache-Control"]
    assert isomorphic(catalogue("ttl"), catalogue("jsonld"))
    assert len(catalogue("ttl")) > 100


def test_every_edition_is_a_dataset_withdrawn_ones_with_their_status(editions: dict[str, Edition]) -> None:
    graph = catalogue()
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))

    assert datasets == {uri(f"/cijfers/{e.slug}/#dataset") for e in editions.values()}
    (catalog,) = graph.subjects(RDF.type, DCAT.Catalog)
    assert set(graph.objects(catalog, DCAT.dataset)) == datasets
    for edition in editions.values():
        dataset = uri(f"/cijfers/{edition.slug}/#dataset")
        assert graph.value(dataset, DCTERMS.title) == Literal(edition.name, lang="nl")
        assert graph.value(dataset, DCAT.landingPage) == uri(f"/cijfers/{edition.slug}/")
        assert graph.value(dataset, DCTERMS.issued) == Literal(edition.published_on.isoformat(), datatype=XSD.date)
        assert graph.value(dataset, DCTERMS.license) == URIRef(edition.licence_url)
    withdrawn = uri("/cijfers/inventaris-2017/#dataset")
    assert graph.value(withdrawn, ADMS.status) == URIRef("http://purl.org/adms/status/Withdrawn")
    assert "Fout in de cijfers." in str(graph.value(withdrawn, ADMS.versionNotes))
    assert graph.value(uri("/cijfers/inventaris-2019/#dataset"), ADMS.status) == URIRef(
        "http://purl.org/adms/status/Completed"
    )


def test_every_download_of_an_edition_is_one_distribution_with_its_url(editions: dict[str, Edition]) -> None:
    graph = catalogue()

    for edition in editions.values():
        dataset = uri(f"/cijfers/{edition.slug}/#dataset")
        distributions = list(graph.objects(dataset, DCAT.distribution))
        downloads = edition_downloads(edition)
        assert len(distributions) == len(downloads)
        assert {graph.value(d, DCAT.accessURL) for d in distributions} == {uri(d.path) for d in downloads}
    urls = {str(u) for u in graph.objects(None, DCAT.downloadURL)}
    base = settings.SITE_URL.rstrip("/")
    formats = ("csv", "excel.csv", "xlsx", "sdmx.csv", "jsonstat.json")
    assert {f"{base}/cijfers/inventaris-2019/tabel/download.{fmt}" for fmt in formats} <= urls
    assert f"{base}/cijfers/inventaris-2019/tabellenbijlage.xlsx" in urls
    assert len(set(graph.subjects(RDF.type, DCAT.Distribution))) == sum(
        len(edition_downloads(e)) for e in editions.values()
    )


def test_the_api_is_a_data_service_serving_every_edition(editions: dict[str, Edition]) -> None:
    graph = catalogue()
    (service,) = graph.subjects(RDF.type, DCAT.DataService)
    api = uri("/cijfers/api/aggregates/?edition=inventaris-2019")
    (distribution,) = graph.subjects(DCAT.accessURL, api)

    assert graph.value(service, DCAT.endpointURL) == uri("/cijfers/api/aggregates/")
    assert graph.value(service, DCAT.endpointDescription) == uri("/api/schema/")
    assert set(graph.objects(service, DCAT.servesDataset)) == set(graph.subjects(RDF.type, DCAT.Dataset))
    assert graph.value(distribution, DCAT.accessService) == service
    assert graph.value(distribution, DCAT.downloadURL) is None


@pytest.mark.parametrize("kind", list(REQUIRED))
def test_every_resource_has_the_properties_dcat_ap_vl_requires(editions: dict[str, Edition], kind: URIRef) -> None:
    graph = catalogue()
    resources = set(graph.subjects(RDF.type, kind))

    assert resources, kind
    missing = [(r, p) for r in resources for p in REQUIRED[kind] if graph.value(r, p) is None]
    assert not missing


@pytest.mark.parametrize("kind", list(RECOMMENDED))
def test_every_resource_has_the_recommended_properties_we_can_give(editions: dict[str, Edition], kind: URIRef) -> None:
    graph = catalogue()

    missing = [(r, p) for r in graph.subjects(RDF.type, kind) for p in RECOMMENDED[kind] if graph.value(r, p) is None]
    assert not missing


def test_the_values_dcat_ap_vl_fixes(editions: dict[str, Edition]) -> None:
    graph = catalogue()
    (catalog,) = graph.subjects(RDF.type, DCAT.Catalog)

    assert graph.value(catalog, DCTERMS.license) == CATALOGUE_LICENCE
    assert graph.value(graph.value(catalog, DCTERMS.publisher), FOAF.name) == Literal("POM West-Vlaanderen", lang="nl")
    for dataset in graph.subjects(RDF.type, DCAT.Dataset):
        assert graph.value(dataset, DCTERMS.accessRights) == PUBLIC
        assert Literal("Vlaamse open data", lang="nl") in set(graph.objects(dataset, DCAT.keyword))
        email = graph.value(graph.value(dataset, DCAT.contactPoint), VCARD.hasEmail)
        assert str(email) == f"mailto:{settings.PUBLIC_CONTACT_EMAIL}"
    # Absolute URIs only: a harvester stores them.
    for node in {*graph.subjects(), *graph.objects()}:
        if isinstance(node, URIRef):
            assert str(node).startswith(("http://", "https://", "mailto:")), node


def test_temporal_coverage_spans_the_years_an_edition_froze_and_spatial_names_the_province_and_flanders(
    editions: dict[str, Edition],
) -> None:
    graph = catalogue()
    dataset = uri("/cijfers/inventaris-2019/#dataset")
    period = graph.value(dataset, DCTERMS.temporal)

    assert graph.value(period, RDF.type) == DCTERMS.PeriodOfTime
    assert graph.value(period, DCAT.startDate) == Literal("2018-01-01", datatype=XSD.date)
    assert graph.value(period, DCAT.endDate) == Literal("2019-12-31", datatype=XSD.date)
    assert set(graph.objects(dataset, DCTERMS.spatial)) == {
        URIRef("http://vocab.belgif.be/auth/refnis2019/30000"),
        URIRef("http://publications.europa.eu/resource/authority/atu/BEL_RG_VLS"),
    }


def test_the_catalogue_is_kept_until_an_edition_changes(editions: dict[str, Edition]) -> None:
    client = Client()
    first = client.get("/cijfers/catalogus.ttl").content
    # Never done to a published edition; here it shows the kept answer.
    EditionFigureFactory(edition=editions["current"], region=RegionFactory(code="31005"), year=2020, persons=41)
    kept = client.get("/cijfers/catalogus.ttl").content
    edition_schedule_next(
        edition=editions["current"], next_edition_on=dt.date(2021, 6, 30), user=UserFactory(is_coordinator=True)
    )
    changed = Graph().parse(data=client.get("/cijfers/catalogus.ttl").content.decode(), format="turtle")

    assert kept == first
    period = changed.value(uri("/cijfers/inventaris-2019/#dataset"), DCTERMS.temporal)
    assert changed.value(period, DCAT.endDate) == Literal("2020-12-31", datatype=XSD.date)


def test_an_empty_catalogue_is_still_a_valid_catalog() -> None:
    graph = catalogue("jsonld")

    assert len(set(graph.subjects(RDF.type, DCAT.Catalog))) == 1
    assert not set(graph.subjects(RDF.type, DCAT.Dataset))


def test_every_download_the_catalogue_names_answers(editions: dict[str, Edition]):
    for download in edition_downloads(editions["current"]):
        response = Client().get(download.path)
        assert response.status_code == 200, download.path
