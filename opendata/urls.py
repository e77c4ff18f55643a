"""The public site, as `opendata:<name>` under /cijfers/. An edition's URLs are made from its name
(Edition.slug) and never change once it is published."""

from django.urls import path

from opendata.views import builder, site

app_name = "opendata"

urlpatterns = [
    path("", site.index, name="index"),
    path("taal/", site.language, name="language"),
    path("<slug:edition>/", site.edition_page, name="edition"),
    path("<slug:edition>/gebied/<str:code>/", site.area_page, name="area"),
    path("<slug:edition>/tabel/", builder.table_page, name="table"),
    path("<slug:edition>/tabel/download.<str:extension>", builder.table_download, name="table-download"),
]
