"""The public site, as `opendata:<name>` under /cijfers/. An edition's URLs are made from its name
(Edition.slug) and never change once it is published."""

from django.urls import path

from opendata.views import areas, site

app_name = "opendata"

urlpatterns = [
    path("", site.index, name="index"),
    path("taal/", site.language, name="language"),
    path("<slug:edition>/", site.edition_page, name="edition"),
    path("<slug:edition>/gebied/<str:code>/", areas.area_page, name="area"),
    path("<slug:edition>/gebieden/", areas.areas_page, name="areas"),
    path("<slug:edition>/kaart/", areas.map_page, name="map"),
]
