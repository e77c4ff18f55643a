"""The open-data catalogue as DCAT-AP Vlaanderen (DCAT-AP VL, a specialisation of DCAT-AP) metadata: one RDF graph,
served as Turtle and JSON-LD (/cijfers/catalogus.ttl, /cijfers/catalogus.jsonld; views/catalogue.py), which the
Flemish open data portal harvests.

- The catalogue (dcat:Catalog): title, description, publisher (POM West-Vlaanderen, a foaf:Agent), homepage,
  language, licence (DCAT-AP VL fixes the catalogue's own licence to CC0), issued, modified.
- Each edition, withdrawn ones too, is a dcat:Dataset: a withdrawn one keeps its URIs with adms:status Withdrawn
  and the reason, as its pages keep their banner. Its licence is the edition's (CC BY 4.0 unless staff chose
  another); its temporal coverage the years it froze; its spatial coverage West-Vlaanderen and Flanders.
- Each download of an edition is a dcat:Distribution: the table builder's files (CSV, Excel nl-BE, XLSX,
  SDMX-CSV, JSON-stat), the publication workbook (tabellenbijlage) and the public API's answer; the API itself
  is a dcat:DataService described by the OpenAPI schema at /api/schema/.

Every URI is absolute, under SITE_URL, as DCAT-AP VL asks: a harvester stores them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, SKOS, XSD

from inventory.models import Edition, Licence
from inventory.services.suppression import small_cell_threshold
from opendata.editions import PublicSource, public_editions

ADMS = Namespace("http://www.w3.org/ns/adms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU_THEME = Namespace("http://publications.europa.eu/resource/authority/data-theme/")
BE_THEME = Namespace("http://vocab.belgif.be/auth/datatheme/")
FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
MEDIA_TYPE = "http://www.iana.org/assignments/media-types/"
ADMS_STATUS = Namespace("http://purl.org/adms/status/")
PUBLIC_ACCESS = URIRef("http://publications.europa.eu/resource/authority/access-right/PUBLIC")
# DCAT-AP VL: a catalogue's own metadata are CC0, so that portals can aggregate catalogues.
CATALOGUE_LICENCE = URIRef("https://data.vlaanderen.be/id/licentie/creative-commons-zero-verklaring/v1.0")
FLANDERS = URIRef("http://publications.europa.eu/resource/authority/atu/BEL_RG_VLS")
WEST_FLANDERS = URIRef("http://vocab.belgif.be/auth/refnis2019/30000")
REGIONAL_AUTHORITY = URIRef("http://purl.org/adms/publishertype/RegionalAuthority")
PUBLISHER_NAME = "POM West-Vlaanderen"
PUBLISHER_HOMEPAGE = URIRef("https://www.pomwvl.be/")
# DCAT-AP VL: a dataset without this keyword is not published on the Flemish open data portal.
KEYWORDS = ("Vlaamse open data", "sociale economie", "participatieladder", "kansengroepen", "West-Vlaanderen")
PREFIXES = {
    "dcat": DCAT,
    "dct": DCTERMS,
    "foaf": FOAF,
    "vcard": VCARD,
    "adms": ADMS,
    "owl": OWL,
    "skos": SKOS,
    "xsd": XSD,
}


@dataclass(frozen=True)
class TableFormat:
    code: str  # the table builder's download extension (opendata.builder.DOWNLOADS)
    label: str | Promise
    file_type: str  # the EU file-type authority's code
    media_type: str


# The table builder's downloads of its default table (/cijfers/<slug>/tabel/download.<code>; other tables: its page).
TABLE_FORMATS = (
    TableFormat("csv", "CSV", "CSV", "text/csv"),
    TableFormat("excel.csv", gettext_lazy("CSV voor Excel, nl-BE"), "CSV", "text/csv"),
    TableFormat("xlsx", "XLSX", "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    TableFormat("sdmx.csv", "SDMX-CSV", "CSV", "text/csv"),
    TableFormat("jsonstat.json", "JSON-stat", "JSON", "application/json"),
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Download:
    """One way to get an edition's figures: a dcat:Distribution."""

    key: str
    title: Callable[[], str]  # in the active language
    path: str  # on this site, with its query
    file_type: str
    media_type: str
    api: bool = False  # an answer of the API (accessURL and the data service), not a file to download


def _table_title(edition: str, label: str | Promise) -> str:
    return _("%(edition)s: tabel (%(format)s)") % {"edition": edition, "format": label}


def edition_downloads(edition: Edition) -> list[Download]:
    slug = edition.slug
    downloads = [
        Download(
            f"tabel-{f.code}",
            partial(_table_title, edition.name, f.label),
            reverse("opendata:table-download", args=[slug, f.code]),
            f.file_type,
            f.media_type,
        )
        for f in TABLE_FORMATS
    ]
    downloads.append(
        Download(
            "tabellenbijlage",
            lambda: _("%(edition)s: tabellenbijlage (XLSX)") % {"edition": edition.name},
            f"/cijfers/{slug}/tabellenbijlage.xlsx",
            "XLSX",
            XLSX,
        )
    )
    downloads.append(
        Download(
            "api",
            lambda: _("%(edition)s: publieke API (JSON)") % {"edition": edition.name},
            f"{reverse('opendata:api-aggregates')}?edition={slug}",
            "JSON",
            "application/json",
            api=True,
        )
    )
    return downloads


def site_url(path: str) -> URIRef:
    return URIRef(settings.SITE_URL.rstrip("/") + path)


def catalogue_uri() -> URIRef:
    return site_url("/cijfers/catalogus")


def dataset_uri(edition: Edition) -> URIRef:
    return site_url(f"/cijfers/{edition.slug}/#dataset")


def data_service_uri() -> URIRef:
    return site_url(reverse("opendata:api"))


class CatalogueGraph:
    """Builds the graph; texts in Dutch, and in English where a translation exists (one value per language)."""

    def __init__(self) -> None:
        self.graph = Graph()
        for prefix, namespace in PREFIXES.items():
            self.graph.bind(prefix, namespace)
        self.publisher = site_url("/cijfers/catalogus#uitgever")
        self.contact = site_url("/cijfers/catalogus#contactpunt")

    def add(self, subject: URIRef | BNode, predicate: URIRef, value: URIRef | BNode | Literal) -> None:
        self.graph.add((subject, predicate, value))

    def text(self, subject: URIRef | BNode, predicate: URIRef, make: Callable[[], str]) -> None:
        """`make()`'s text in Dutch and, when it has a translation, in English (one value per language)."""
        with translation.override("nl"):
            dutch = make()
        with translation.override("en"):
            english = make()
        self.add(subject, predicate, Literal(dutch, lang="nl"))
        if english != dutch:
            self.add(subject, predicate, Literal(english, lang="en"))

    def agents(self) -> None:
        self.add(self.publisher, RDF.type, FOAF.Agent)
        self.add(self.publisher, FOAF.name, Literal(PUBLISHER_NAME, lang="nl"))
        self.add(self.publisher, FOAF.homepage, PUBLISHER_HOMEPAGE)
        self.add(self.publisher, DCTERMS.type, REGIONAL_AUTHORITY)
        for kind in (VCARD.Kind, VCARD.Organization):
            self.add(self.contact, RDF.type, kind)
        self.add(self.contact, VCARD.fn, Literal(PUBLISHER_NAME))
        self.add(self.contact, VCARD.hasEmail, URIRef(f"mailto:{settings.PUBLIC_CONTACT_EMAIL}"))
        self.add(self.contact, VCARD.hasURL, PUBLISHER_HOMEPAGE)

    def catalogue(self, editions: list[Edition]) -> URIRef:
        node = catalogue_uri()
        self.add(node, RDF.type, DCAT.Catalog)
        self.text(
            node, DCTERMS.title, lambda: _("Open data van de Inventaris sociale economie van POM West-Vlaanderen")
        )
        self.text(
            node,
            DCTERMS.description,
            lambda: _(
                "De gepubliceerde edities van de Inventaris sociale economie: hoeveel personen met een afstand tot de "
                "arbeidsmarkt werken of deelnemen op de treden van de participatieladder, per maatregel en per regio, "
                "in West-Vlaanderen en Vlaanderen."
            ),
        )
        self.add(node, DCTERMS.publisher, self.publisher)
        self.add(node, FOAF.homepage, site_url(reverse("opendata:index")))
        self.add(node, DCTERMS.language, LANGUAGE.NLD)
        self.add(node, DCTERMS.license, CATALOGUE_LICENCE)
        self.add(node, DCTERMS.spatial, WEST_FLANDERS)
        self.add(node, DCAT.themeTaxonomy, URIRef(str(BE_THEME).rstrip("/")))
        if editions:
            self.add(node, DCTERMS.issued, date(min(e.published_on for e in editions)))
            self.add(node, DCTERMS.modified, date(max(modified(e) for e in editions)))
        return node

    def dataset(self, catalogue: URIRef, edition: Edition) -> URIRef:
        node = dataset_uri(edition)
        page = site_url(reverse("opendata:edition", kwargs={"edition": edition.slug}))
        years = PublicSource(edition=edition).years()
        self.add(catalogue, DCAT.dataset, node)
        self.add(node, RDF.type, DCAT.Dataset)
        self.add(node, DCTERMS.title, Literal(edition.name, lang="nl"))
        self.text(node, DCTERMS.description, lambda: dataset_description(edition, years))
        self.add(node, DCTERMS.identifier, Literal(str(node)))
        self.add(node, OWL.versionInfo, Literal(edition.name))
        self.add(node, DCTERMS.publisher, self.publisher)
        self.add(node, DCAT.contactPoint, self.contact)
        self.add(node, DCTERMS.license, URIRef(edition.licence_url or Licence.CC_BY_4_0.url))
        self.add(node, DCTERMS.accessRights, PUBLIC_ACCESS)
        self.add(node, DCTERMS.issued, date(edition.published_on))
        self.add(node, DCTERMS.modified, date(modified(edition)))
        self.add(node, DCAT.landingPage, page)
        self.add(node, DCTERMS.language, LANGUAGE.NLD)
        for place in (WEST_FLANDERS, FLANDERS):
            self.add(node, DCTERMS.spatial, place)
        for theme in (BE_THEME.SOCI, EU_THEME.SOCI):
            self.add(node, DCAT.theme, theme)
        for keyword in KEYWORDS:
            self.add(node, DCAT.keyword, Literal(keyword, lang="nl"))
        first, last = covered(edition, years)
        period = BNode()
        self.add(node, DCTERMS.temporal, period)
        self.add(period, RDF.type, DCTERMS.PeriodOfTime)
        self.add(period, DCAT.startDate, date(dt.date(first, 1, 1)))
        self.add(period, DCAT.endDate, date(dt.date(last, 12, 31)))
        status = ADMS_STATUS.Withdrawn if edition.withdrawn else ADMS_STATUS.Completed
        self.add(node, ADMS.status, status)
        if edition.withdrawn:
            self.text(
                node,
                ADMS.versionNotes,
                lambda: (
                    _("Ingetrokken op %(date)s: %(reason)s")
                    % {"date": modified(edition).isoformat(), "reason": edition.withdrawn_reason}
                ),
            )
        if edition.replaces_id:
            assert edition.replaces is not None
            self.add(node, DCTERMS.replaces, dataset_uri(edition.replaces))
        return node

    def distribution(self, dataset: URIRef, edition: Edition, download: Download, service: URIRef) -> None:
        node = site_url(f"/cijfers/{edition.slug}/#distributie-{download.key}")
        url = site_url(download.path)
        self.add(dataset, DCAT.distribution, node)
        self.add(node, RDF.type, DCAT.Distribution)
        self.text(node, DCTERMS.title, download.title)
        self.add(node, DCAT.accessURL, url)
        if download.api:
            self.add(node, DCAT.accessService, service)
        else:
            self.add(node, DCAT.downloadURL, url)
        self.add(node, DCTERMS.format, FILE_TYPE[download.file_type])
        self.add(node, DCAT.mediaType, URIRef(MEDIA_TYPE + download.media_type))
        self.add(node, DCTERMS.license, URIRef(edition.licence_url or Licence.CC_BY_4_0.url))
        self.add(node, DCTERMS.issued, date(edition.published_on))
        self.add(node, ADMS.status, ADMS_STATUS.Withdrawn if edition.withdrawn else ADMS_STATUS.Completed)

    def data_service(self, catalogue: URIRef, editions: Iterable[Edition]) -> URIRef:
        node = data_service_uri()
        editions = list(editions)
        self.add(catalogue, DCAT.service, node)
        self.add(node, RDF.type, DCAT.DataService)
        self.text(node, DCTERMS.title, lambda: _("Publieke API van de Inventaris sociale economie"))
        self.text(node, DCTERMS.description, service_description)
        self.add(node, DCAT.endpointURL, site_url(reverse("opendata:api-aggregates")))
        self.add(node, DCAT.endpointDescription, site_url(reverse("inventory:api-schema")))
        self.add(node, DCTERMS.publisher, self.publisher)
        self.add(node, DCAT.contactPoint, self.contact)
        self.add(node, DCTERMS.accessRights, PUBLIC_ACCESS)
        licences = {e.licence_url for e in editions}
        self.add(node, DCTERMS.license, URIRef(licences.pop() if len(licences) == 1 else Licence.CC_BY_4_0.url))
        for edition in editions:
            self.add(node, DCAT.servesDataset, dataset_uri(edition))
        return node


def covered(edition: Edition, years: list[int]) -> tuple[int, int]:
    """The first and last year an edition froze (its reference year if it froze none)."""
    return (years[0], years[-1]) if years else (edition.reference_year, edition.reference_year)


def dataset_description(edition: Edition, years: list[int]) -> str:
    first, last = covered(edition, years)
    text = _(
        "%(edition)s (referentiejaar %(year)s): personen met een afstand tot de arbeidsmarkt per trede van de "
        "participatieladder, per maatregel en per regio (Vlaanderen, provincie, arrondissementen, "
        "sociaal-economische regio's en gemeenten), %(first)s-%(last)s. Aantallen van 1 tot %(small)s zijn "
        "afgeschermd."
    )
    values = {"year": edition.reference_year, "first": first, "last": last, "small": small_cell_threshold() - 1}
    return text % {"edition": edition.name, **values}


def service_description() -> str:
    return _(
        "De gepubliceerde, afgeschermde cijfers van een editie in JSON, zonder sleutel, met dezelfde filters als "
        "de exports (jaar, regio, trede, maatregel); ten hoogste %(rate)s vragen per %(seconds)s seconden per adres."
    ) % {"rate": settings.PUBLIC_API_RATE, "seconds": settings.PUBLIC_API_WINDOW_SECONDS}


def date(day: dt.date) -> Literal:
    return Literal(day.isoformat(), datatype=XSD.date)


def modified(edition: Edition) -> dt.date:
    """The last change of an edition's data: its withdrawal, else its publication (its figures are frozen)."""
    return edition.withdrawn_at.date() if edition.withdrawn_at else edition.published_on


def catalogue_graph() -> Graph:
    current, withdrawn = public_editions()
    editions = [*current, *withdrawn]
    builder = CatalogueGraph()
    builder.agents()
    catalogue = builder.catalogue(editions)
    service = builder.data_service(catalogue, editions)
    for edition in editions:
        dataset = builder.dataset(catalogue, edition)
        for download in edition_downloads(edition):
            builder.distribution(dataset, edition, download, service)
    return builder.graph


def catalogue_turtle() -> str:
    return catalogue_graph().serialize(format="turtle")


def catalogue_jsonld() -> str:
    context = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}
    return catalogue_graph().serialize(format="json-ld", context=context, auto_compact=True)
