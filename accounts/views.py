"""Django's account views, with password reset e-mails limited per address and per client address, and the second
factor's pages (accounts/second_factor.py)."""

from __future__ import annotations

from typing import cast
from urllib.parse import urlencode

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms import AppCodeForm, RecoveryCodeForm
from accounts.models import User
from accounts.second_factor import (
    NEW_CODES_SESSION_KEY,
    SETUP_KEY_SESSION_KEY,
    login_attempts_reset,
    login_locked_response,
    recovery_codes_left,
    recovery_codes_renew,
    second_factor_check,
    second_factor_device,
    second_factor_enable,
    second_factor_login,
    second_factor_required,
    second_factor_required_by_role,
    second_factor_verified,
    setup_key,
    setup_qr_svg,
    setup_secret_text,
)
from accounts.throttle import password_reset_limit


class PasswordResetView(auth_views.PasswordResetView):
    """Over a limit (accounts/throttle.py) the answer is the page that always follows, "if an account has that
    address, we sent it an e-mail", but no e-mail goes out: nobody learns from it whether an account exists, or
    that the limit was reached."""

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        # The client address as django-axes sees it for failed logins (AXES_* settings behind a proxy).
        if password_reset_limit(email=form.cleaned_data["email"], ip=get_client_ip_address(self.request)):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class LoginView(auth_views.LoginView):
    """Django's login. Who needs a second factor is then sent on to it by accounts.middleware; for everyone else
    the login is complete here, and django-axes' count of failures for the pair ends (second_factor.py)."""

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        if not second_factor_required(user):
            login_attempts_reset(request=self.request, user=user)
        return response


# --- the second factor ------------------------------------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    """Where the person was going (?next=, kept through the pages), if it is on this site; else the home page."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


@require_GET
def second_factor(request: HttpRequest) -> HttpResponse:
    """The "Tweestapsaanmelding" page: on or off, recovery codes left; organisation users turn it on here."""
    user = cast(User, request.user)
    device = second_factor_device(user)
    context = {
        "device": device,
        "required": second_factor_required_by_role(user),
        "codes_left": recovery_codes_left(user) if device else 0,
    }
    return render(request, "registration/second_factor.html", context)


@require_http_methods(["GET", "POST"])
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """A QR code (and the secret as text) for the app, confirmed by a code from it; then the recovery codes, once."""
    user = cast(User, request.user)
    next_url = _next_url(request)
    if second_factor_device(user) is not None:
        if second_factor_verified(request):
            return redirect("second_factor")
        return HttpResponseRedirect(_with_next("second_factor_verify", next_url))
    key = setup_key(request.session)
    form = AppCodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        enabled = second_factor_enable(user=user, key=key, code=form.cleaned_data["code"])
        if enabled is None:
            form.add_error(
                "code",
                _(
                    "Deze code klopt niet. Typ de code die de app nu toont; klopt die ook niet, "
                    "kijk dan of de tijd van uw toestel juist staat."
                ),
            )
        else:
            device, codes = enabled
            del request.session[SETUP_KEY_SESSION_KEY]
            second_factor_login(request=request, device=device)
            request.session[NEW_CODES_SESSION_KEY] = codes
            return HttpResponseRedirect(_with_next("second_factor_recovery_codes", next_url))
    context = {
        "form": form,
        # segno's SVG of our own secret: markup made here, no user input in it.
        "qr_svg": mark_safe(setup_qr_svg(user=user, key=key)),
        "secret": setup_secret_text(key),
        "next": next_url,
        "second_factor_pending": second_factor_required(user),
    }
    return render(request, "registration/second_factor_setup.html", context)


@require_http_methods(["GET", "POST"])
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    """The code step after the password: a code of the app, or a recovery code. A wrong one counts for django-axes;
    a locked-out username and address get the lock-out page here as at the password."""
    user = cast(User, request.user)
    next_url = _next_url(request)
    if second_factor_verified(request):
        return HttpResponseRedirect(next_url)
    if second_factor_device(user) is None:
        if second_factor_required_by_role(user):
            return HttpResponseRedirect(_with_next("second_factor_setup", next_url))
        return redirect("second_factor")
    if locked := login_locked_response(request=request, user=user):
        return locked
    app_form, recovery_form = AppCodeForm(), RecoveryCodeForm()
    if request.method == "POST":
        recovery = "recovery_code" in request.POST
        form: AppCodeForm | RecoveryCodeForm = RecoveryCodeForm(request.POST) if recovery else AppCodeForm(request.POST)
        field = "recovery_code" if recovery else "code"
        if form.is_valid():
            check = second_factor_check(request=request, user=user, code=form.cleaned_data[field], recovery=recovery)
            if check.device is not None:
                second_factor_login(request=request, device=check.device)
                if recovery:
                    left = recovery_codes_left(user)
                    messages.warning(
                        request,
                        ngettext(
                            "U meldde zich aan met een herstelcode; die werkt nu niet meer. U hebt nog %(count)d "
                            "herstelcode. Maak nieuwe op de pagina Tweestapsaanmelding.",
                            "U meldde zich aan met een herstelcode; die werkt nu niet meer. U hebt nog %(count)d "
                            "herstelcodes. Maak nieuwe op de pagina Tweestapsaanmelding.",
                            left,
                        )
                        % {"count": left},
                    )
                return HttpResponseRedirect(next_url)
            if check.wait_until is not None:
                wait = time_format(timezone.localtime(check.wait_until), "H:i:s")
                form.add_error(field, _("Te veel foute codes na elkaar. Probeer opnieuw na %(time)s.") % {"time": wait})
            elif recovery:
                form.add_error(field, _("Deze herstelcode klopt niet, of werd al gebruikt."))
            else:
                form.add_error(field, _("Deze code klopt niet. Typ de code die de app nu toont."))
        if isinstance(form, RecoveryCodeForm):
            recovery_form = form
        else:
            app_form = form
    context = {"app_form": app_form, "recovery_form": recovery_form, "next": next_url, "second_factor_pending": True}
    return render(request, "registration/second_factor_verify.html", context)


@require_http_methods(["GET", "POST"])
def second_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once (after the set-up, or made anew here: the old ones then stop working)."""
    user = cast(User, request.user)
    next_url = _next_url(request)
    if second_factor_device(user) is None:
        return redirect("second_factor")
    if request.method == "POST":
        request.session[NEW_CODES_SESSION_KEY] = recovery_codes_renew(user=user)
        return HttpResponseRedirect(_with_next("second_factor_recovery_codes", next_url))
    context = {
        "codes": request.session.pop(NEW_CODES_SESSION_KEY, None),
        "codes_left": recovery_codes_left(user),
        "next": next_url,
    }
    return render(request, "registration/second_factor_recovery_codes.html", context)
