from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import organisations_visible_to


def home(request: HttpRequest) -> HttpResponse:
    organisations = organisations_visible_to(request.user).select_related("home_region")[:50]
    return render(request, "inventory/home.html", {"organisations": organisations})
