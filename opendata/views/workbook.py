"""An edition's tabellenbijlage (inventory/services/publication.py) from its frozen, protected figures."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from inventory.services.exports import FORMATS
from inventory.services.publication import publication_workbook
from opendata.cache import public_page
from opendata.editions import public_edition_or_404
from opendata.views.site import edition_page_version


@login_not_required
@require_GET
@public_page(edition_page_version)
def workbook(request: HttpRequest, edition: str) -> HttpResponse:
    found = public_edition_or_404(edition)
    out = io.BytesIO()
    publication_workbook(out=out, edition=found, public=True)
    response = HttpResponse(out.getvalue(), content_type=FORMATS["xlsx"].content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.slug}-tabellenbijlage.xlsx"'
    return response
