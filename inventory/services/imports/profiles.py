"""Import profiles: a supplier's file layout, described once and saved under a name (models.ImportProfile).

A profile's `layout` is JSON; `layout_parse` checks it and makes a `Layout`, with every problem named by its
key. A profile travels as a JSON file (`profile_export` / `profile_load`); README "Import profiles" documents
the shape:

    {"format": "inventaris-importprofiel/1", "name": "RSZ doelgroepverminderingen per gemeente",
     "organisation": "0123.456.749", "description": "...",
     "layout": {
        "shape": "wide",                       # wide: one column per measure; long: one row per figure
        "sheets": "first",                     # "first", "all" or a list of sheet names
        "skip_rows": 3,                        # rows above the header (title, notes); the header is the next row
        "region": {"column": "Gemeente", "by": "name"},      # by "code" (NIS) or "name" (matched for the year)
        "year": {"from": "fixed", "value": 2019},            # or {"from": "column", "column": "Jaar"},
                                                             # or {"from": "sheet"} (a year in the sheet's name)
        "measures": [{"column": "Jongeren", "measure": "DGK-JONG"},   # wide: column header -> measure code,
                     {"column": "Ouderen", "measure": "DGK-OUD"}],   # in the file's order ({"Jongeren": ...} too)
        "measure": {"column": "Maatregel"} or {"fixed": "VOP"},      # long
        "persons": {"column": "Aantal"},                              # long
        "ignore_rows": ["Bron"],               # rows whose region cell starts with one of these are skipped
        "total_rows": ["Totaal"],              # ... are the supplier's totals (reconciled, not imported)
        "suppressed": {"markers": ["<5", "-", "x"], "treatment": "estimate", "estimate": 2}
     }}

Headers, ignore and total texts are compared without regard to case, accents, spaces and punctuation.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from inventory.kbo import format_kbo, normalise_kbo
from inventory.models import ImportProfile, Measure, Organisation
from inventory.parsing import text_key

FORMAT = "inventaris-importprofiel/1"
SHAPES = ("wide", "long")
REGION_BY = ("code", "name")
YEAR_FROM = ("column", "sheet", "fixed")
TREATMENTS = ("refuse", "estimate")
MAX_SKIP_ROWS = 100
MAX_PROFILE_BYTES = 200_000


@dataclass(frozen=True)
class Layout:
    """A checked layout: what the supplier import reads (services/imports/supplier.py)."""

    shape: str
    region_column: str
    region_by: str
    year_from: str
    sheets: str | tuple[str, ...] = "first"
    skip_rows: int = 0
    year_column: str = ""
    year: int | None = None
    measures: dict[str, str] = field(default_factory=dict)  # wide: header -> measure code
    measure_column: str = ""  # long
    measure: str = ""  # long: one measure for the whole file
    persons_column: str = ""  # long
    ignore_rows: tuple[str, ...] = ()
    total_rows: tuple[str, ...] = ()
    markers: tuple[str, ...] = ()
    treatment: str = "refuse"
    estimate: int = 0

    def as_json(self) -> dict[str, Any]:
        """The layout as a profile stores and exports it (the inverse of `layout_parse`)."""
        data: dict[str, Any] = {
            "shape": self.shape,
            "sheets": self.sheets if isinstance(self.sheets, str) else list(self.sheets),
            "skip_rows": self.skip_rows,
            "region": {"column": self.region_column, "by": self.region_by},
            "year": {"from": self.year_from}
            | ({"column": self.year_column} if self.year_from == "column" else {})
            | ({"value": self.year} if self.year_from == "fixed" else {}),
        }
        if self.shape == "wide":
            # A list: PostgreSQL's jsonb would put an object's keys in its own order, not the file's.
            data["measures"] = [{"column": header, "measure": code} for header, code in self.measures.items()]
        else:
            data["measure"] = {"column": self.measure_column} if self.measure_column else {"fixed": self.measure}
            data["persons"] = {"column": self.persons_column}
        data["ignore_rows"] = list(self.ignore_rows)
        data["total_rows"] = list(self.total_rows)
        data["suppressed"] = {"markers": list(self.markers), "treatment": self.treatment} | (
            {"estimate": self.estimate} if self.treatment == "estimate" else {}
        )
        return data


class _Problems:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, key: str, message: str) -> None:
        self.messages.append(f"{key}: {message}")


def _text(value: Any, key: str, problems: _Problems, *, required: bool = True) -> str:
    if value is None or value == "":
        if required:
            problems.add(key, _("ontbreekt."))
        return ""
    if not isinstance(value, str) or len(value) > 200 or not value.strip():
        problems.add(key, _("verwacht een tekst van hoogstens 200 tekens."))
        return ""
    return value.strip()


def _choice(value: Any, key: str, choices: tuple[str, ...], problems: _Problems) -> str:
    if value not in choices:
        problems.add(
            key,
            _("‘%(value)s’ is geen geldige keuze; kies uit %(choices)s.")
            % {"value": value if value is not None else "", "choices": ", ".join(choices)},
        )
        return choices[0]
    return str(value)


def _texts(value: Any, key: str, problems: _Problems) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() and len(v) <= 200 for v in value):
        problems.add(key, _('verwacht een lijst van teksten, bv. ["Totaal"].'))
        return ()
    return tuple(v.strip() for v in value)


def _integer(value: Any, key: str, problems: _Problems, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.add(key, _("verwacht een geheel getal van %(low)s tot %(high)s.") % {"low": low, "high": high})
        return low
    return value


def _section(data: Any, key: str, problems: _Problems) -> dict[str, Any]:
    if data is None:
        problems.add(key, _("ontbreekt."))
        return {}
    if not isinstance(data, dict):
        problems.add(key, _('verwacht een object, bv. {"column": "Gemeente"}.'))
        return {}
    return data


def layout_parse(data: Any) -> Layout:
    """The layout of a profile, checked: ValidationError lists every problem as "key: what is wrong"."""
    problems = _Problems()
    if not isinstance(data, dict):
        raise ValidationError(_("De indeling moet een JSON-object zijn."))
    known = {
        "shape", "sheets", "skip_rows", "region", "year", "measures", "measure", "persons", "ignore_rows",
        "total_rows", "suppressed",
    }  # fmt: skip
    for key in sorted(set(data) - known):
        problems.add(key, _("onbekende sleutel; verwacht %(known)s.") % {"known": ", ".join(sorted(known))})
    shape = _choice(data.get("shape"), "shape", SHAPES, problems)
    sheets_value = data.get("sheets", "first")
    sheets: str | tuple[str, ...] = "first"
    if sheets_value in ("first", "all"):
        sheets = sheets_value
    elif isinstance(sheets_value, list) and sheets_value and all(isinstance(s, str) and s for s in sheets_value):
        sheets = tuple(sheets_value)
    else:
        problems.add("sheets", _('verwacht "first", "all" of een lijst van bladnamen.'))
    skip_rows = _integer(data.get("skip_rows", 0), "skip_rows", problems, low=0, high=MAX_SKIP_ROWS)
    region = _section(data.get("region"), "region", problems)
    region_column = _text(region.get("column"), "region.column", problems)
    region_by = _choice(region.get("by", "code"), "region.by", REGION_BY, problems)
    year = _section(data.get("year"), "year", problems)
    year_from = _choice(year.get("from"), "year.from", YEAR_FROM, problems)
    year_column = _text(year.get("column"), "year.column", problems) if year_from == "column" else ""
    fixed_year = None
    if year_from == "fixed":
        fixed_year = _integer(year.get("value"), "year.value", problems, low=2000, high=2100)
    measures: dict[str, str] = {}
    measure_column = measure = persons_column = ""
    codes = {code.upper(): code for code in Measure.objects.values_list("code", flat=True)}
    if shape == "wide":
        mapping = layout_measures(data)
        if not mapping:
            problems.add(
                "measures",
                _('verwacht per kolomkop een maatregelcode, bv. [{"column": "Jongeren", "measure": "DGK-JONG"}].'),
            )
        else:
            seen: dict[str, str] = {}
            for header, code in mapping:
                name = _text(header, "measures", problems)
                if not isinstance(code, str) or code.upper() not in codes:
                    problems.add(f"measures.{header}", unknown_measure_message(code, codes))
                    continue
                if text_key(name) in seen:
                    problems.add(
                        f"measures.{header}",
                        _("dezelfde kolom als ‘%(other)s’.") % {"other": seen[text_key(name)]},
                    )
                    continue
                seen[text_key(name)] = name
                measures[name] = codes[code.upper()]
    else:
        measure_section = _section(data.get("measure"), "measure", problems)
        if measure_section.get("column"):
            measure_column = _text(measure_section.get("column"), "measure.column", problems)
        else:
            fixed = measure_section.get("fixed")
            if not isinstance(fixed, str) or fixed.upper() not in codes:
                problems.add("measure", _('verwacht {"column": "kolomkop"} of {"fixed": "maatregelcode"}.'))
            else:
                measure = codes[fixed.upper()]
        persons_column = _text(
            _section(data.get("persons"), "persons", problems).get("column"), "persons.column", problems
        )
    ignore_rows = _texts(data.get("ignore_rows"), "ignore_rows", problems)
    total_rows = _texts(data.get("total_rows"), "total_rows", problems)
    suppressed = data.get("suppressed") or {}
    if not isinstance(suppressed, dict):
        problems.add("suppressed", _("verwacht een object met markers en treatment."))
        suppressed = {}
    markers = _texts(suppressed.get("markers"), "suppressed.markers", problems)
    treatment = _choice(suppressed.get("treatment", "refuse"), "suppressed.treatment", TREATMENTS, problems)
    estimate = 0
    if treatment == "estimate":
        estimate = _integer(suppressed.get("estimate"), "suppressed.estimate", problems, low=0, high=1000)
    if problems.messages:
        raise ValidationError(problems.messages)
    return Layout(
        shape=shape,
        sheets=sheets,
        skip_rows=skip_rows,
        region_column=region_column,
        region_by=region_by,
        year_from=year_from,
        year_column=year_column,
        year=fixed_year,
        measures=measures,
        measure_column=measure_column,
        measure=measure,
        persons_column=persons_column,
        ignore_rows=ignore_rows,
        total_rows=total_rows,
        markers=markers,
        treatment=treatment,
        estimate=estimate,
    )


def unknown_measure_message(code: Any, codes: dict[str, str]) -> str:
    """ "onbekende maatregel ‘DGK-JONGG’; bedoelt u DGK-JONG?" """
    text = code if isinstance(code, str) else ""
    close = difflib.get_close_matches(text.upper(), list(codes), n=2, cutoff=0.7)
    if close:
        return _("onbekende maatregel ‘%(code)s’; bedoelt u %(close)s?") % {
            "code": text,
            "close": _(" of ").join(codes[c] for c in close),
        }
    return _("onbekende maatregel ‘%(code)s’.") % {"code": text}


def layout_measures(data: Any) -> list[tuple[Any, Any]]:
    """A stored or typed layout's (column header, measure code) pairs in their order, read leniently: a list of
    {"column", "measure"} objects or an object of header -> code; [] when neither."""
    mapping = data.get("measures") if isinstance(data, dict) else None
    if isinstance(mapping, dict):
        return list(mapping.items())
    if isinstance(mapping, list) and all(isinstance(item, dict) for item in mapping):
        return [(item.get("column"), item.get("measure")) for item in mapping]
    return []


def profile_export(profile: ImportProfile) -> dict[str, Any]:
    """The profile as its JSON file (`profile_load` reads it back)."""
    return {
        "format": FORMAT,
        "name": profile.name,
        "organisation": format_kbo(profile.organisation.kbo),
        "description": profile.description,
        "layout": layout_parse(profile.layout).as_json(),
    }


def profile_export_json(profile: ImportProfile) -> str:
    return json.dumps(profile_export(profile), ensure_ascii=False, indent=2) + "\n"


@transaction.atomic
def profile_save(
    *, name: str, organisation: Organisation, layout: Any, description: str = "",
    profile: ImportProfile | None = None,
) -> ImportProfile:  # fmt: skip
    """Create a profile, or change `profile`; the layout is checked first (ValidationError)."""
    checked = layout_parse(layout).as_json()
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Geef het profiel een naam.")})
    clash = ImportProfile.objects.filter(name__iexact=name)
    if profile is not None:
        clash = clash.exclude(pk=profile.pk)
    if clash.exists():
        raise ValidationError({"name": _("Er is al een importprofiel met de naam ‘%(name)s’.") % {"name": name}})
    if profile is None:
        profile = ImportProfile(name=name)
    profile.name, profile.organisation, profile.description, profile.layout = name, organisation, description, checked
    profile.save()
    return profile


def profile_load(data: bytes) -> tuple[ImportProfile, bool]:
    """A profile from its JSON file: created, or the profile of that name replaced. Returns it and whether it was
    created; ValidationError names what is wrong."""
    if len(data) > MAX_PROFILE_BYTES:
        raise ValidationError(_("Het profielbestand is te groot."))
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationError(_("Het bestand is geen geldige JSON (%(error)s).") % {"error": error}) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValidationError(
            _('Dit is geen importprofiel: verwacht een JSON-object met "format": "%(format)s".') % {"format": FORMAT}
        )
    name = document.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(_("name: ontbreekt."))
    try:
        kbo = normalise_kbo(str(document.get("organisation") or ""))
    except ValidationError as error:
        raise ValidationError(_("organisation: %(error)s") % {"error": " ".join(error.messages)}) from None
    organisation = Organisation.objects.filter(kbo=kbo).first()
    if organisation is None:
        raise ValidationError(
            _("organisation: er is geen organisatie met ondernemingsnummer %(kbo)s.") % {"kbo": format_kbo(kbo)}
        )
    description = document.get("description") or ""
    if not isinstance(description, str):
        raise ValidationError(_("description: verwacht een tekst."))
    existing = ImportProfile.objects.filter(name__iexact=name.strip()).first()
    profile = profile_save(
        name=name, organisation=organisation, layout=document.get("layout"), description=description, profile=existing
    )
    return profile, existing is None
