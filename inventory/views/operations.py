"""The operations page for POM staff: is the machinery running (README, "Production")."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from inventory.access import staff_required
from inventory.selectors.health import FAILED_IMPORTS_DAYS, operations_overview


@require_GET
@staff_required
def operations_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "inventory/operations.html",
        {
            "ops": operations_overview(),
            "now": timezone.now(),
            "heartbeat_max_age": settings.WORKER_HEARTBEAT_MAX_AGE,
            "failed_days": FAILED_IMPORTS_DAYS,
            "backup_dir": settings.BACKUP_DIR,
            "backup_hour": settings.BACKUP_HOUR,
        },
    )
