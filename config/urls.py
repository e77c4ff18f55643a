from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from accounts.urls import manage_urlpatterns

urlpatterns = [
    path("", include("inventory.urls")),
    # The public site of the published editions, without login (opendata/).
    path("cijfers/", include("opendata.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include(manage_urlpatterns)),
    # The language switch sits on the login page too, so it must work before logging in.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
]

# The error pages in the site's layout, with the reason (inventory/views/errors.py); 500 is Django's own handler
# with templates/500.html.
handler400 = "inventory.views.errors.bad_request"
handler403 = "inventory.views.errors.permission_denied"
handler404 = "inventory.views.errors.page_not_found"
