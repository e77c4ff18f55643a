"""The second factor, enforced for every page (README, "Two-factor login"; the rule: accounts/second_factor.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse

from accounts.second_factor import second_factor_device, second_factor_pending

# What a session still waiting for its second factor may open: the pages that take it, logging out, the language
# switch and the public site (opendata: what anyone may read without logging in). Static files (whitenoise) and
# /livez, /readyz (config/probes.py) are answered before this runs.
OPEN_VIEWS = frozenset({"second_factor_setup", "second_factor_verify", "logout", "set_language"})


class SecondFactorMiddleware:
    """A logged-in user who needs a second factor and has not given it in this session is sent to set one up (no
    app yet) or to type a code, with ?next= the page asked for; the admin and the API included. After
    LoginRequiredMiddleware (anonymous visitors go to the login page first) and django-otp's OTPMiddleware (which
    says whether the session is verified). A program with an API token has no session and no user here: the API
    views read its token themselves (accounts/tokens.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        match = request.resolver_match
        if match is not None and (match.view_name in OPEN_VIEWS or match.app_name == "opendata"):
            return None
        if not second_factor_pending(request):
            return None
        target = "second_factor_verify" if second_factor_device(request.user) else "second_factor_setup"  # type: ignore[arg-type]  # pending: a logged-in User
        return HttpResponseRedirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
