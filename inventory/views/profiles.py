"""Import profiles (staff): a supplier's file layout described in plain fields, saved by
services.imports.profiles.profile_save (whose layout_parse checks it), exported and loaded as JSON.

The form writes the layout's JSON (the module docstring of services/imports/profiles.py); a problem layout_parse
names by its key ("year.value: ...") is shown beside the field that holds that key, and the form comes back with
everything typed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from inventory.access import AuthenticatedHttpRequest, staff_required
from inventory.models import ImportProfile, Measure, Organisation, OrganisationKind
from inventory.parsing import TextField, WholeNumberField
from inventory.selectors.history import import_profile_history
from inventory.services.imports.profiles import (
    MAX_PROFILE_BYTES,
    MAX_SKIP_ROWS,
    layout_measures,
    profile_export_json,
    profile_load,
    profile_save,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

SHAPE_CHOICES = [
    ("wide", gettext_lazy("Breed: één kolom per maatregel (bv. kolommen ‘Jongeren’, ‘Ouderen’)")),
    ("long", gettext_lazy("Lang: één rij per cijfer, met een kolom voor het aantal personen")),
]
SHEET_CHOICES = [
    ("first", gettext_lazy("het eerste blad")),
    ("all", gettext_lazy("alle bladen")),
    ("named", gettext_lazy("enkel de bladen met deze namen:")),
]
REGION_BY_CHOICES = [
    ("code", gettext_lazy("NIS-code (bv. 31005)")),
    ("name", gettext_lazy("gemeentenaam (bv. Brugge)")),
]
YEAR_CHOICES = [
    ("column", gettext_lazy("uit een kolom van het bestand")),
    ("sheet", gettext_lazy("uit de naam van het blad (bv. ‘2019’ of ‘Jaar 2019’)")),
    ("fixed", gettext_lazy("een vast jaar voor het hele bestand")),
]
MEASURE_CHOICES = [
    ("column", gettext_lazy("uit een kolom met de maatregelcode")),
    ("fixed", gettext_lazy("één maatregel voor het hele bestand")),
]
TREATMENT_CHOICES = [
    ("refuse", gettext_lazy("weigeren: het bestand wordt niet ingelezen zolang er zo’n teken staat")),
    ("estimate", gettext_lazy("als schatting bewaren, met de waarde hieronder")),
]
# Where a layout key's problem is shown ("measures.<header>" goes to measures too); other keys: above the form.
LAYOUT_FIELDS = {
    "shape": "shape",
    "sheets": "sheet_names",
    "skip_rows": "skip_rows",
    "region": "region_column",
    "region.column": "region_column",
    "region.by": "region_by",
    "year": "year_from",
    "year.from": "year_from",
    "year.column": "year_column",
    "year.value": "year_value",
    "measures": "measures",
    "measure": "measure_fixed",
    "measure.column": "measure_column",
    "persons": "persons_column",
    "persons.column": "persons_column",
    "ignore_rows": "ignore_rows",
    "total_rows": "total_rows",
    "suppressed": "markers",
    "suppressed.markers": "markers",
    "suppressed.treatment": "treatment",
    "suppressed.estimate": "estimate",
}


def _header(label: StrOrPromise, **kwargs: Any) -> TextField:
    return TextField(label=label, required=False, max_length=200, **kwargs)


def _lines(label: StrOrPromise, help_text: StrOrPromise) -> TextField:
    return TextField(
        label=label,
        required=False,
        multiline=True,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 50}),
        help_text=help_text,
    )


class ProfileForm(forms.Form):
    organisation = forms.ChoiceField(
        label=gettext_lazy("Organisatie"),
        help_text=gettext_lazy(
            "De organisatie bij wie de cijfers van het bestand horen: meestal de gegevensleverancier zelf "
            "(bv. Departement WSE of VDAB)."
        ),
    )
    name = TextField(
        label=gettext_lazy("Naam van het profiel"),
        max_length=100,
        help_text=gettext_lazy("Bv. ‘RSZ doelgroepverminderingen per gemeente’. Elke naam komt één keer voor."),
    )
    description = TextField(
        label=gettext_lazy("Toelichting"),
        required=False,
        multiline=True,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 50}),
        help_text=gettext_lazy("Optioneel: waar het bestand vandaan komt, wanneer het komt, waar u op let."),
    )
    shape = forms.ChoiceField(
        label=gettext_lazy("Vorm van het bestand"), choices=SHAPE_CHOICES, widget=forms.RadioSelect
    )
    sheets = forms.ChoiceField(
        label=gettext_lazy("Welke bladen lezen"), choices=SHEET_CHOICES, widget=forms.RadioSelect, initial="first"
    )
    sheet_names = _lines(
        gettext_lazy("Namen van de bladen"),
        gettext_lazy("Eén bladnaam per regel, zoals op het tabblad in Excel."),
    )
    skip_rows = WholeNumberField(
        label=gettext_lazy("Rijen boven de kopregel overslaan"),
        required=False,
        max_value=MAX_SKIP_ROWS,
        initial=0,
        help_text=gettext_lazy(
            "Het aantal rijen bovenaan het blad (titel, bron, opmerkingen) vóór de kopregel met de kolomnamen; "
            "0 als de kopregel de eerste rij is. Lege rijen daarna worden vanzelf overgeslagen."
        ),
    )
    region_column = _header(
        gettext_lazy("Kolom met de gemeente"),
        help_text=gettext_lazy(
            "De kop van de kolom zoals hij in het bestand staat, bv. ‘Gemeente’. Hoofdletters, accenten, spaties en "
            "leestekens tellen niet mee."
        ),
    )
    region_by = forms.ChoiceField(
        label=gettext_lazy("In die kolom staat de"), choices=REGION_BY_CHOICES, widget=forms.RadioSelect, initial="code"
    )
    year_from = forms.ChoiceField(
        label=gettext_lazy("Het jaar van de cijfers komt"), choices=YEAR_CHOICES, widget=forms.RadioSelect
    )
    year_column = _header(gettext_lazy("Kolom met het jaar"), help_text=gettext_lazy("Bv. ‘Jaar’."))
    year_value = WholeNumberField(label=gettext_lazy("Vast jaar"), required=False, max_value=9999)
    measures = _lines(
        gettext_lazy("Kolommen en hun maatregel"),
        gettext_lazy(
            "Eén regel per kolom met cijfers: kolomkop = MAATREGELCODE, bv. ‘Jongeren = DGK-JONG’. Andere kolommen "
            "worden niet ingelezen (de proefdraai toont welke)."
        ),
    )
    measure_from = forms.ChoiceField(
        label=gettext_lazy("De maatregel komt"),
        choices=MEASURE_CHOICES,
        widget=forms.RadioSelect,
        initial="column",
        required=False,
    )
    measure_column = _header(gettext_lazy("Kolom met de maatregelcode"), help_text=gettext_lazy("Bv. ‘Maatregel’."))
    measure_fixed = forms.ChoiceField(label=gettext_lazy("Maatregel"), required=False)
    persons_column = _header(
        gettext_lazy("Kolom met het aantal personen"), help_text=gettext_lazy("Bv. ‘Aantal’ of ‘Personen’.")
    )
    ignore_rows = _lines(
        gettext_lazy("Rijen negeren die beginnen met"),
        gettext_lazy(
            "Eén tekst per regel, bv. ‘Bron’ of ‘Opmerking’: een rij waarvan de gemeentecel (of de eerste gevulde "
            "cel) zo begint, wordt overgeslagen."
        ),
    )
    total_rows = _lines(
        gettext_lazy("Totaalrijen die beginnen met"),
        gettext_lazy(
            "Eén tekst per regel, bv. ‘Totaal’: zo’n rij wordt niet ingelezen, maar de proefdraai vergelijkt haar "
            "cijfers met de som van de ingelezen rijen."
        ),
    )
    markers = _header(
        gettext_lazy("Tekens voor verborgen kleine aantallen"),
        help_text=gettext_lazy("Gescheiden door komma’s, bv. ‘&lt;5, -, x’. Leeg als het bestand er geen heeft."),
    )
    treatment = forms.ChoiceField(
        label=gettext_lazy("Een verborgen aantal"),
        choices=TREATMENT_CHOICES,
        widget=forms.RadioSelect,
        initial="refuse",
    )
    estimate = WholeNumberField(
        label=gettext_lazy("Geschatte waarde"),
        required=False,
        max_value=1000,
        help_text=gettext_lazy("Het aantal personen dat voor elk verborgen aantal bewaard wordt, als schatting."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.order_by("name")
        suppliers: list[tuple[str, str]] = []
        others: list[tuple[str, str]] = []
        for organisation in organisations:  # data suppliers first
            choice = (str(organisation.pk), f"{organisation.name} ({organisation.kbo_display})")
            (suppliers if organisation.kind == OrganisationKind.GEGEVENSLEVERANCIER else others).append(choice)
        self.fields["organisation"].choices = [  # type: ignore[attr-defined]  # a ChoiceField
            ("", "---------"),
            *([(_("Gegevensleveranciers"), suppliers)] if suppliers else []),
            *([(_("Andere organisaties") if suppliers else _("Organisaties"), others)] if others else []),
        ]
        self.fields["measure_fixed"].choices = [  # type: ignore[attr-defined]  # a ChoiceField
            ("", "---------"),
            *((m.code, f"{m.code} – {m.name}") for m in Measure.objects.order_by("code")),
        ]

    def clean_organisation(self) -> Organisation:
        return Organisation.objects.get(pk=self.cleaned_data["organisation"])  # one of the choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # What layout_parse would name in the JSON's terms, said in the form's.
        if data.get("sheets") == "named" and not _split_lines(data.get("sheet_names", "")):
            self.add_error("sheet_names", _("Geef minstens één bladnaam."))
        if data.get("shape") == "wide":
            mapping, problems = _measure_lines(data.get("measures", ""))
            for problem in problems:
                self.add_error("measures", problem)
            if not mapping and not problems:
                self.add_error("measures", _("Geef minstens één kolom met haar maatregel, bv. ‘Jongeren = DGK-JONG’."))
        elif data.get("shape") == "long":
            if data.get("measure_from") == "fixed" and not data.get("measure_fixed"):
                self.add_error("measure_fixed", _("Kies de maatregel van het bestand."))
            elif data.get("measure_from") != "fixed" and not data.get("measure_column"):
                self.add_error("measure_column", _("Geef de kop van de kolom met de maatregelcode."))
        return data

    def layout(self) -> dict[str, Any]:
        """The layout JSON of the cleaned fields, for profile_save (which checks it)."""
        data = self.cleaned_data
        layout: dict[str, Any] = {
            "shape": data["shape"],
            "sheets": _split_lines(data["sheet_names"]) if data["sheets"] == "named" else data["sheets"],
            "skip_rows": data["skip_rows"] or 0,
            "region": {"column": data["region_column"], "by": data["region_by"]},
            "year": {"from": data["year_from"]}
            | ({"column": data["year_column"]} if data["year_from"] == "column" else {})
            | ({"value": data["year_value"]} if data["year_from"] == "fixed" else {}),
        }
        if data["shape"] == "wide":
            layout["measures"] = _measure_lines(data["measures"])[0]
        else:
            fixed = data["measure_from"] == "fixed"
            layout["measure"] = {"fixed": data["measure_fixed"]} if fixed else {"column": data["measure_column"]}
            layout["persons"] = {"column": data["persons_column"]}
        layout["ignore_rows"] = _split_lines(data["ignore_rows"])
        layout["total_rows"] = _split_lines(data["total_rows"])
        layout["suppressed"] = {
            "markers": [m.strip() for m in data["markers"].split(",") if m.strip()],
            "treatment": data["treatment"],
        } | ({"estimate": data["estimate"]} if data["treatment"] == "estimate" else {})
        return layout

    def add_layout_errors(self, error: ValidationError) -> None:
        """profile_save's refusal beside the fields: the name's, and layout_parse's "key: message" ones."""
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
            return
        for message in error.messages:
            self.add_error(*_layout_field(message))


def _split_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _measure_lines(text: str) -> tuple[dict[str, str], list[str]]:
    """The "kolomkop = MAATREGELCODE" lines as the layout's measures, and what is wrong with the others."""
    mapping: dict[str, str] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        header, equals, code = line.rpartition("=")
        header, code = header.strip(), code.strip()
        if not equals or not header or not code:
            problems.append(
                _("Regel %(line)s (‘%(text)s’): verwacht kolomkop = MAATREGELCODE, bv. ‘Jongeren = DGK-JONG’.")
                % {"line": number, "text": line.strip()[:100]}
            )
        elif header in mapping:
            problems.append(
                _("Regel %(line)s: de kolom ‘%(header)s’ staat er al.") % {"line": number, "header": header}
            )
        else:
            mapping[header] = code
    return mapping, problems


def _layout_field(message: str) -> tuple[str | None, str]:
    """The field for one of layout_parse's "key: message" problems, and the message as shown there."""
    if message.startswith("measures."):
        return "measures", message.removeprefix("measures.")  # "Jongeren: onbekende maatregel ‘NOPE’."
    key, separator, text = message.partition(": ")
    field = LAYOUT_FIELDS.get(key) if separator else None
    if field is None:
        return None, message
    return field, text[:1].upper() + text[1:]


def _initial(profile: ImportProfile) -> dict[str, Any]:
    """The form's fields of a stored profile, read leniently (what the form cannot show stays empty)."""
    layout = profile.layout if isinstance(profile.layout, dict) else {}

    def section(key: str) -> dict[str, Any]:
        value = layout.get(key)
        return value if isinstance(value, dict) else {}

    def texts(value: Any) -> list[str]:
        return [str(v) for v in value] if isinstance(value, list) else []

    sheets = layout.get("sheets", "first")
    measure = section("measure")
    suppressed = section("suppressed")
    measures = layout_measures(layout)
    return {
        "organisation": str(profile.organisation_id),
        "name": profile.name,
        "description": profile.description,
        "shape": layout.get("shape"),
        "sheets": sheets if sheets in ("first", "all") else "named",
        "sheet_names": "\n".join(texts(sheets)),
        "skip_rows": layout.get("skip_rows", 0),
        "region_column": section("region").get("column", ""),
        "region_by": section("region").get("by", "code"),
        "year_from": section("year").get("from"),
        "year_column": section("year").get("column", ""),
        "year_value": section("year").get("value"),
        "measures": "\n".join(f"{header} = {code}" for header, code in measures),
        "measure_from": "fixed" if measure.get("fixed") else "column",
        "measure_column": measure.get("column", ""),
        "measure_fixed": measure.get("fixed", ""),
        "persons_column": section("persons").get("column", ""),
        "ignore_rows": "\n".join(texts(layout.get("ignore_rows"))),
        "total_rows": "\n".join(texts(layout.get("total_rows"))),
        "markers": ", ".join(texts(suppressed.get("markers"))),
        "treatment": suppressed.get("treatment", "refuse"),
        "estimate": suppressed.get("estimate"),
    }


class LoadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Profielbestand (JSON)"),
        help_text=gettext_lazy(
            "Een profiel dat hier geëxporteerd werd. Een profiel met dezelfde naam wordt vervangen; de "
            "organisatie wordt gezocht op haar ondernemingsnummer."
        ),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_PROFILE_BYTES:
            raise ValidationError(
                _("Het profielbestand is te groot (hoogstens %(kb)s kB).") % {"kb": MAX_PROFILE_BYTES // 1000}
            )
        return upload


# --- pages -------------------------------------------------------------------------------------------------------


def _list_page(request: AuthenticatedHttpRequest, load_form: LoadForm, *, status: int = 200) -> HttpResponse:
    profiles = ImportProfile.objects.select_related("organisation").order_by("name")
    return render(
        request, "inventory/import_profiles.html", {"profiles": profiles, "load_form": load_form}, status=status
    )


@staff_required
def profile_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _list_page(request, LoadForm())


def _form_page(request: AuthenticatedHttpRequest, profile: ImportProfile | None) -> HttpResponse:
    posted = request.method == "POST"
    form = ProfileForm(request.POST if posted else None, initial=_initial(profile) if profile else None)
    if posted and form.is_valid():
        try:
            saved = profile_save(
                name=form.cleaned_data["name"],
                organisation=form.cleaned_data["organisation"],
                description=form.cleaned_data["description"],
                layout=form.layout(),
                profile=profile,
            )
        except ValidationError as error:
            form.add_layout_errors(error)
        else:
            messages.success(request, _("Importprofiel ‘%(name)s’ bewaard.") % {"name": saved.name})
            return redirect("inventory:import-profile-edit", pk=saved.pk)
    context = {
        "form": form,
        "profile": profile,
        "measures": Measure.objects.order_by("code"),
        "history": import_profile_history(profile=profile) if profile else [],
    }
    return render(request, "inventory/import_profile_form.html", context, status=400 if form.errors else 200)


@staff_required
def profile_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _form_page(request, None)


@staff_required
def profile_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, get_object_or_404(ImportProfile.objects.select_related("organisation"), pk=pk))


@staff_required
def profile_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(ImportProfile.objects.select_related("organisation"), pk=pk)
    response = HttpResponse(profile_export_json(profile), content_type="application/json; charset=utf-8")
    filename = f"importprofiel-{slugify(profile.name) or profile.pk}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_required
@require_POST
def profile_load_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = LoadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            profile, created = profile_load(form.cleaned_data["file"].read())
        except ValidationError as error:
            for message in error.messages:
                form.add_error("file", message)
        else:
            text = _("Importprofiel ‘%(name)s’ geladen.") if created else _("Importprofiel ‘%(name)s’ vervangen.")
            messages.success(request, text % {"name": profile.name})
            return redirect("inventory:import-profile-edit", pk=profile.pk)
    return _list_page(request, form, status=400)
