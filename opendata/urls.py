"""The public site, as `opendata:<name>` under /cijfers/. An edition's URLs are made from its name
(Edition.slug) and never change once it is published."""

from django.urls import path

from opendata.views import api, areas, builder, catalogue, changes, site, workbook

app_name = "opendata"

urlpatterns = [
    path("", site.index, name="index"),
    path("taal/", site.language, name="language"),
    # Before the edition's pattern: "api" and "catalogus" are reserved slugs (inventory/services/editions.py).
    path("api/", api.index, name="api"),
    path("api/aggregates/", api.aggregates, name="api-aggregates"),
    path("catalogus.ttl", catalogue.turtle, name="catalogue-ttl"),
    path("catalogus.jsonld", catalogue.jsonld, name="catalogue-jsonld"),
    path("<slug:edition>/", site.edition_page, name="edition"),
    path("<slug:edition>/gebied/<str:code>/", areas.area_page, name="area"),
    path("<slug:edition>/gebieden/", areas.areas_page, name="areas"),
    path("<slug:edition>/kaart/", areas.map_page, name="map"),
    path("<slug:edition>/wijzigingen/", changes.changes_page, name="changes"),
    path("<slug:edition>/tabellenbijlage.xlsx", workbook.workbook, name="workbook"),
    path("<slug:edition>/tabel/", builder.table_page, name="table"),
    path("<slug:edition>/tabel/download.<str:extension>", builder.table_download, name="table-download"),
]
