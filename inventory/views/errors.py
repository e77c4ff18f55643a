"""The error pages (400, 403, 404) in the site's layout, with the reason when it was written for people and a way
back. 500 is Django's own handler: it renders templates/500.html without a context, so that page needs nothing
that can fail (no database, no context processor).

A 403's message is always for people (every PermissionDenied of the project carries a Dutch reason). A 404's or
a 400's only when raised as NotFound or InvalidQuery: Django's own ("No Organisation matches the given query.")
are English and name internals, and a 404 for a page that is not for the user must not tell it apart from one
that does not exist."""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from inventory.parsing import shown


class NotFound(Http404):
    """A 404 whose message is written for the person who asked (shown on the page)."""


class InvalidQuery(BadRequest):
    """A 400 for a value in the address that is not one of the choices; the message names the field and value."""


def invalid_choice(label: str, value: str) -> str:
    """The message for a value in the address that is not one of the field's choices."""
    return _("‘%(value)s’ is geen geldige keuze voor %(field)s.") % {"value": shown(value), "field": label}


def no_such_page(value: str, pages: int) -> str:
    """The message for a page number (`?page=`) that is not one of a list's pages (inventory.parsing.whole_number
    reads it)."""
    return ngettext(
        "Pagina ‘%(value)s’ bestaat niet: er is %(count)s pagina.",
        "Pagina ‘%(value)s’ bestaat niet: er zijn %(count)s pagina’s.",
        pages,
    ) % {"value": shown(value), "count": pages}


def _back(request: HttpRequest) -> str | None:
    """The page the user came from, when it is one of ours (never a link to another site)."""
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        return referer
    return None


def _page(request: HttpRequest, template: str, status: int, reason: str | None) -> HttpResponse:
    return render(request, template, {"reason": reason, "back": _back(request)}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    reason = str(exception) if isinstance(exception, InvalidQuery) else None
    return _page(request, "400.html", 400, reason)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _page(request, "403.html", 403, str(exception) or None)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    reason = str(exception) if isinstance(exception, NotFound) else None
    return _page(request, "404.html", 404, reason)


def _same_origin(request: HttpRequest) -> bool:
    """Whether a POST came from one of our own pages (Origin, else Referer): only then is it offered again."""
    origin = request.headers.get("origin") or request.headers.get("referer", "")
    return bool(origin) and url_has_allowed_host_and_scheme(origin, allowed_hosts={request.get_host()})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent with an outdated security token (the session expired, or the user logged in again in another
    tab): a Dutch page that keeps what was typed. A form from one of our own pages comes back with its values and
    a fresh token, to send again; a form from elsewhere is not offered (that would be the forgery CSRF stops)."""
    fields: list[tuple[str, str]] = []
    if request.method == "POST" and _same_origin(request):
        fields = [(k, v) for k, values in request.POST.lists() for v in values if k != "csrfmiddlewaretoken"]
    # `reason` is Django's (English, technical): for the log and the tests, not shown on the page.
    context = {"fields": fields, "action": request.get_full_path(), "back": _back(request), "reason": reason}
    return render(request, "403_csrf.html", context, status=403)
