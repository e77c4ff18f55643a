"""Forms of the account pages: inviting a person or a file of people, and a contact's changes to a colleague."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import invitation_problem, organisations_managed_by
from accounts.clients import login_name
from accounts.invitations import email_normalise
from accounts.models import ORGANISATION_ROLES, InvitationRole, MembershipRole, User
from accounts.second_factor import recovery_code_normalised
from inventory.services.imports import import_size_check


class LoginForm(AuthenticationForm):
    """Django's login form; an e-mail address as username in any case (invited people log in with theirs)."""

    def clean_username(self) -> str:
        return login_name(self.cleaned_data["username"])


class InvitationForm(forms.Form):
    """Staff choose any organisation and role; a contact invites to its own organisation (fixed), as editor,
    viewer or contact. Who may invite whom is checked in accounts/access.py, here only shown as a field error."""

    email = forms.EmailField(label=gettext_lazy("E-mailadres"), max_length=254)
    name = forms.CharField(label=gettext_lazy("Naam"), max_length=150, required=False)
    role = forms.ChoiceField(label=gettext_lazy("Rol"), choices=InvitationRole.choices)
    organisation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("Organisatie"),
        queryset=None,
        required=False,
        help_text=gettext_lazy("Leeg voor een POM-medewerker of coördinator."),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Taal van de e-mail"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE
    )

    def __init__(self, *args: Any, actor: User, organisation: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor, self.fixed_organisation = actor, organisation
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        cast("forms.ModelChoiceField[Any]", self.fields["organisation"]).queryset = organisations_managed_by(
            actor
        ).order_by("name")
        if organisation is not None or not actor.is_staff:
            del self.fields["organisation"]
            role = cast(forms.ChoiceField, self.fields["role"])
            role.choices = [(r.value, r.label) for r in ORGANISATION_ROLES]
            role.initial = InvitationRole.EDITOR

    def clean_email(self) -> str:
        return email_normalise(self.cleaned_data["email"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role = data.get("role")
        organisation = self.fixed_organisation or data.get("organisation")
        if role:
            if role not in ORGANISATION_ROLES:
                organisation = None
            problem = invitation_problem(actor=self.actor, role=role, organisation=organisation)
            if problem:
                self.add_error("organisation" if "organisation" in self.fields else "role", problem)
        data["organisation"] = organisation
        return data


class MemberRemoveForm(forms.Form):
    """A contact who removes themselves (or the last contact) names who takes over."""

    successor: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("Nieuwe contactpersoon"), queryset=None, required=False
    )

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        successor = cast("forms.ModelChoiceField[Any]", self.fields["successor"])
        successor.queryset, successor.empty_label = candidates, _("(kies een collega)")


class MemberChangeForm(MemberRemoveForm):
    """A new role; a last contact who steps down names who takes over, as when leaving."""

    role = forms.ChoiceField(label=gettext_lazy("Rol"), choices=MembershipRole.choices)
    field_order = ["role", "successor"]


class InvitationFileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Bestand (CSV of XLSX)"),
        help_text=gettext_lazy("De kolommen staan hieronder uitgelegd."),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        # The imports' own limit and message, checked before the file is read into memory.
        import_size_check(size=upload.size)
        return upload


# --- the second factor ----------------------------------------------------------------------------------------

_APP_CODE = re.compile(r"[0-9]{6}")
_RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")  # django-otp's StaticToken.random_token: 5 random bytes in base32


class AppCodeForm(forms.Form):
    """Six digits; spaces, as some apps show them ("123 456"), are left out."""

    code = forms.CharField(
        label=gettext_lazy("Code uit uw authenticator-app"),
        help_text=gettext_lazy("De 6 cijfers die de app nu toont."),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not _APP_CODE.fullmatch(code):
            raise forms.ValidationError(gettext_lazy("Typ de 6 cijfers die uw app nu toont."), code="format")
        return code


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label=gettext_lazy("Herstelcode"),
        help_text=gettext_lazy("Een van de codes die u bij het instellen kreeg; elke code werkt één keer."),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )

    def clean_recovery_code(self) -> str:
        code = recovery_code_normalised(self.cleaned_data["recovery_code"])
        if not _RECOVERY_CODE.fullmatch(code):
            raise forms.ValidationError(gettext_lazy("Een herstelcode heeft 8 letters en cijfers."), code="format")
        return code
