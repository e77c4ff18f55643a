"""One cell read: text, year, persons, FTE, each with the error it gets."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from inventory.constants import FORMULA_STARTS, MAX_FTE, MAX_PERSONS
from inventory.models import (
    YEAR_MAX,
    YEAR_MIN,
)
from inventory.parsing import DECIMAL, is_digits, whole_number
from inventory.parsing import text_problem as plain_text_problem

MAX_FIELD_LENGTH = 200
# ASCII digits only (never \d, which takes every script's digits): 1.234 or 1 234 written for 1234.
GROUPED_NUMBER = re.compile(r"[0-9]{1,3}([., \u00a0\u202f][0-9]{3})+")


def cell_text(value: Any) -> str:
    """A cell as text: CSV cells are text already; sheet numbers lose a trailing .0."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def number_shown(value: int) -> str:
    return number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


def cell_shown(value: Any) -> str:
    text = cell_text(value)
    return text if len(text) <= 100 else text[:100] + "…"


def text_problem(text: str) -> str | None:
    """Why a text cell is refused whatever the column: too long or a control character (inventory.parsing), or a
    formula to a spreadsheet (a leading tab or CR is named as such)."""
    if text.startswith(FORMULA_STARTS):
        return _(
            "‘%(value)s’ begint met ‘%(char)s’, zodat een rekenblad het als formule zou uitvoeren; zulke waarden "
            "worden geweigerd. Verwijder dat teken vooraan."
        ) % {"value": cell_shown(text), "char": text[0].replace("\t", "tab").replace("\r", "CR")}
    return plain_text_problem(text, max_length=MAX_FIELD_LENGTH)


def parse_year(value: Any) -> int | str:
    """The year, or why not."""
    year: int | None = None
    if isinstance(value, bool):
        year = None
    elif isinstance(value, int):
        year = value
    elif isinstance(value, float) and value.is_integer():
        year = int(value)
    elif isinstance(value, str):
        year = whole_number(value.strip(), low=YEAR_MIN, high=YEAR_MAX)
    if year is None or not YEAR_MIN <= year <= YEAR_MAX:
        if cell_text(value) == "":
            return _("het jaar ontbreekt; verwacht een jaartal van %(min)s tot en met %(max)s.") % {
                "min": YEAR_MIN,
                "max": YEAR_MAX,
            }
        return _("‘%(value)s’ is geen geldig jaar; verwacht een jaartal van %(min)s tot en met %(max)s.") % {
            "value": cell_shown(value),
            "min": YEAR_MIN,
            "max": YEAR_MAX,
        }
    return year


def parse_persons(value: Any) -> int | str:
    """A whole number of persons, or why not."""
    if type(value) is int:
        persons = value
    elif type(value) is float and value.is_integer():
        persons = int(value)
    else:
        text = cell_text(value)
        if text == "":
            return _("het aantal personen ontbreekt; verwacht een geheel getal van 0 of meer.")
        if is_digits(text):
            # More digits than the column holds is too big (int() refuses more than 4,300 digits).
            number = whole_number(text, high=MAX_PERSONS)
            persons = MAX_PERSONS + 1 if number is None else number
        elif GROUPED_NUMBER.fullmatch(text) or DECIMAL.fullmatch(text):
            return _(
                "‘%(value)s’ is geen geldig aantal; verwacht een geheel getal van 0 of meer, zonder decimalen en "
                "zonder punt, komma of spatie tussen de duizendtallen (bv. 1234)."
            ) % {"value": cell_shown(text)}
        else:
            return _("‘%(value)s’ is geen geldig aantal; verwacht een geheel getal van 0 of meer.") % {
                "value": cell_shown(text)
            }
    if persons < 0:
        return _("‘%(value)s’ is geen geldig aantal; verwacht een geheel getal van 0 of meer.") % {
            "value": cell_shown(value)
        }
    if persons > MAX_PERSONS:
        return _("‘%(value)s’ is te groot; verwacht een geheel getal van 0 tot %(max)s.") % {
            "value": cell_shown(value),
            "max": number_shown(MAX_PERSONS),
        }
    return persons


def parse_fte_cents(value: Any) -> int | str | None:
    """Full-time equivalents in hundredths (None when empty), or why not. Decimal comma or point."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int | float):
        number = Decimal(str(value))
    else:
        text = cell_text(value)
        match = DECIMAL.fullmatch(text)
        if match and match.group(1) and len(match.group(1)) > 3:
            # Typed text is never rounded: '1.250' is likely a thousands point, '12,345' a figure too precise.
            thousands = match.group(1).startswith(".") and len(match.group(1)) == 4
            message = (
                _("‘%(value)s’: schrijf VTE zonder duizendtalpunt en met hoogstens twee decimalen (bv. 1250 of 1,25).")
                if thousands
                else _("‘%(value)s’ heeft meer dan twee decimalen; VTE gaat tot op de honderdste, bv. 12,35.")
            )
            return message % {"value": cell_shown(value)}
        number = Decimal(text.replace(",", ".")) if match else None
    if number is None or not number.is_finite() or number < 0 or number >= MAX_FTE:
        return _("‘%(value)s’ is geen geldig aantal VTE; verwacht een getal van 0 of meer, bv. 12,5.") % {
            "value": cell_shown(value)
        }
    return int((number * 100).to_integral_value())
