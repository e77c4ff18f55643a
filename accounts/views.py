"""Django's account views, with password reset e-mails limited per address and per client address."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpResponse, HttpResponseRedirect

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
