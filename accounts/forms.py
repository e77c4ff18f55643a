"""The second factor's forms: a code of the authenticator app, or a recovery code."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.second_factor import recovery_code_normalised

_APP_CODE = re.compile(r"[0-9]{6}")
_RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")  # django-otp's StaticToken.random_token: 5 random bytes in base32


class AppCodeForm(forms.Form):
    """Six digits; spaces, as some apps show them ("123 456"), are left out."""

    code = forms.CharField(
        label=_("Code uit uw authenticator-app"),
        help_text=_("De 6 cijfers die de app nu toont."),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not _APP_CODE.fullmatch(code):
            raise forms.ValidationError(_("Typ de 6 cijfers die uw app nu toont."), code="format")
        return code


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label=_("Herstelcode"),
        help_text=_("Een van de codes die u bij het instellen kreeg; elke code werkt één keer."),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )

    def clean_recovery_code(self) -> str:
        code = recovery_code_normalised(self.cleaned_data["recovery_code"])
        if not _RECOVERY_CODE.fullmatch(code):
            raise forms.ValidationError(_("Een herstelcode heeft 8 letters en cijfers."), code="format")
        return code
