from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.access import is_coordinator, organisations_visible_to
from inventory.models import Aggregate, CollectionRound, Scope
from inventory.selectors import FLANDERS, aggregate_series, aggregates_freshness

WEST_VLAANDEREN = "30000"


def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {"freshness": aggregates_freshness()}
    if is_coordinator(request.user):
        latest = Aggregate.objects.filter(scope=Scope.VALIDATED, trede__isnull=True).order_by("-year").first()
        if latest:
            years = list(range(latest.year - 5, latest.year + 1))
            context["series"] = aggregate_series(region=WEST_VLAANDEREN, years=years, base_year=years[0])
            context["flanders_code"] = FLANDERS
    else:
        context["organisations"] = organisations_visible_to(request.user).select_related("home_region")
        today = timezone.localdate()
        context["open_rounds"] = CollectionRound.objects.filter(opens_on__lte=today, closes_on__gte=today)
    return render(request, "inventory/home.html", context)
