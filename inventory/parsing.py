"""The strict parsers: one definition of a whole number, a year, an id and a text for everything the site reads,
query parameters (the API, the pages, their forms and filters), form fields (the portal, the editions, the review
steps) and the cells of an imported file (services.imports.cells builds on these).

- Digits are ASCII 0-9 only. Python's int() and str.isdigit(), Decimal() and the regex `\\d` also take '²', '٣' and
  the full-width '３': int('²') fails with a ValueError (a 500), int('٣') quietly reads 3.
- A number fits its database column (smallint, integer, bigint, positive or not: `column_range`), or the range the
  model constrains (years). PostgreSQL answers a bigger one with an error, not with no rows. Lengths are compared
  before int(), which refuses more than 4,300 digits.
- Text holds no control characters: NUL, which PostgreSQL refuses in text, and the others (U+0001-U+001F,
  U+007F-U+009F), which spreadsheets refuse and nobody types; a multi-line text keeps tab and line breaks. And no
  more characters than its column holds.

Each bad value gets a Dutch message naming the value (and, for a query parameter, the parameter): a 400 page or
JSON error (views.errors), or a form error beside the field.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import connection
from django.db.models import Model
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.models import YEAR_MAX, YEAR_MIN

DIGITS = re.compile(r"[0-9]+")
# A decimal with a comma or a point (VTE): ASCII digits on both sides.
DECIMAL = re.compile(r"[0-9]+([.,][0-9]+)?")
# Control characters (Unicode category Cc) and lone surrogates, which UTF-8 cannot encode.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
SHOWN_LENGTH = 100

YEARS = (YEAR_MIN, YEAR_MAX)


def column_range(model: type[Model], name: str) -> tuple[int, int]:
    """(lowest, highest) number the database column of `model.name` holds (a foreign key: its target's)."""
    field: Any = model._meta.get_field(name)
    if field.is_relation:
        field = field.target_field
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    return low, high


def id_range(model: type[Model]) -> tuple[int, int]:
    """The ids a table can hold: 1 up to its primary key column's maximum."""
    return 1, column_range(model, model._meta.pk.name)[1]


def is_digits(text: str) -> bool:
    """ASCII digits only, at least one: no sign, space, separator, superscript or other script's digit."""
    return DIGITS.fullmatch(text) is not None


def whole_number(text: str, *, low: int = 0, high: int) -> int | None:
    """The whole number `text` spells in ASCII digits, when it lies in low..high; None otherwise."""
    if not is_digits(text):
        return None
    significant = text.lstrip("0") or "0"
    if len(significant) > len(str(high)):
        return None
    number = int(significant)
    return number if low <= number <= high else None


def shown(value: str) -> str:
    """A value in a message: what cannot be printed (a NUL byte, a tab) as �, at most 100 characters."""
    text = "".join(c if c.isprintable() else "\ufffd" for c in value[: SHOWN_LENGTH + 1])
    return text if len(text) <= SHOWN_LENGTH else text[:SHOWN_LENGTH] + "…"


def control_character(text: str, *, multiline: bool = False) -> str | None:
    """The first control character in `text` (a multi-line text may hold tabs and line breaks), or None."""
    found = (CONTROL_MULTILINE if multiline else CONTROL).search(text)
    return found.group() if found else None


def _code_point(char: str) -> str:
    return f"U+{ord(char):04X}"


def text_problem(text: str, *, max_length: int | None = None, multiline: bool = False) -> str | None:
    """Why a text is refused: a control character, or more characters than its column holds; None when fine."""
    char = control_character(text, multiline=multiline)
    if char is not None:
        return _("‘%(value)s’ bevat een onzichtbaar stuurteken (%(char)s); verwijder het.") % {
            "value": shown(text),
            "char": _code_point(char),
        }
    if max_length is not None and len(text) > max_length:
        return _("de waarde is te lang (%(length)s tekens); maximaal %(max)s tekens.") % {
            "length": number_format(len(text), decimal_pos=0, use_l10n=True, force_grouping=True),
            "max": max_length,
        }
    return None


def text_check(text: str, *, max_length: int | None = None, multiline: bool = False) -> None:
    """text_problem as a ValidationError, for the services that store text."""
    problem = text_problem(text, max_length=max_length, multiline=multiline)
    if problem is not None:
        raise ValidationError(problem, code="text")


# --- query parameters -------------------------------------------------------------------------------------------


def parameter_number(name: str, value: str, *, low: int = 0, high: int) -> int:
    """A query parameter's whole number in low..high, or a ValidationError naming the parameter and the value."""
    number = whole_number(value.strip(), low=low, high=high)
    if number is None:
        raise ValidationError(
            _("Parameter %(name)s: ‘%(value)s’ is geen geheel getal van %(low)s tot %(high)s.")
            % {"name": name, "value": shown(value), "low": low, "high": high},
            code="invalid",
        )
    return number


def parameter_problem(name: str, value: str) -> str | None:
    """Why a query parameter (its name or a value) is refused whatever the page: a control character."""
    char = control_character(value)
    if char is None:
        return None
    return _("Parameter %(name)s: ‘%(value)s’ bevat een onzichtbaar stuurteken (%(char)s).") % {
        "name": shown(name),
        "value": shown(value),
        "char": _code_point(char),
    }


def query_problem(params: Any) -> str | None:
    """The first refused name or value of a QueryDict (request.GET), or None."""
    for name, values in params.lists():
        for value in [name, *values]:
            problem = parameter_problem(name, value)
            if problem is not None:
                return problem
    return None


# --- form fields ------------------------------------------------------------------------------------------------


class WholeNumberField(forms.IntegerField):
    """A whole number in ASCII digits (no sign, decimals, separators, superscripts or other scripts' digits), within
    min_value..max_value (by default 0 up to an integer column's maximum); empty is None. Its messages may name
    %(value)s, %(low)s and %(high)s, and %(limit_value)s (the bound that was crossed) as Django's own do."""

    default_error_messages = {
        "invalid": gettext_lazy("‘%(value)s’ is geen geheel getal."),
        "min_value": gettext_lazy("‘%(value)s’ is te klein: minstens %(limit_value)s."),
        "max_value": gettext_lazy("‘%(value)s’ is te groot: hoogstens %(limit_value)s."),
    }

    def __init__(self, *, min_value: int = 0, max_value: int | None = None, **kwargs: Any) -> None:
        high = connection.ops.integer_field_range("IntegerField")[1] if max_value is None else max_value
        super().__init__(min_value=min_value, max_value=high, **kwargs)
        self.low, self.high = min_value, high

    def to_python(self, value: Any) -> int | None:
        text = "" if value is None else str(value).strip()
        if text in self.empty_values:
            return None
        low, high = self.low, self.high
        number = whole_number(text, low=low, high=high)
        if number is not None:
            return number
        if not is_digits(text):
            code, limit = "invalid", None
        elif len(text.lstrip("0")) > len(str(high)) or int(text) > high:
            code, limit = "max_value", high
        else:
            code, limit = "min_value", low
        params = {"value": shown(text), "limit_value": limit, "low": low, "high": high}
        raise ValidationError(self.error_messages[code], code=code, params=params)


class YearField(WholeNumberField):
    """A year the tables hold (YEAR_MIN..YEAR_MAX, the models' constraint)."""

    def __init__(self, **kwargs: Any) -> None:
        message = gettext_lazy("‘%(value)s’ is geen geldig jaar; verwacht een jaartal van %(low)s tot en met %(high)s.")
        kwargs.setdefault("error_messages", {"invalid": message, "min_value": message, "max_value": message})
        super().__init__(min_value=YEAR_MIN, max_value=YEAR_MAX, **kwargs)


class TextField(forms.CharField):
    """Text without control characters (`multiline`: tabs and line breaks allowed), at most max_length."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.multiline = multiline
        # Our check names the character; Django's would say the same about NUL a second time.
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value:
            problem = text_problem(str(value), multiline=self.multiline)
            if problem is not None:
                raise ValidationError(problem, code="control_character")


class IdChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A row chosen by its id in ASCII digits: Django's ModelChoiceField looks up int('٣'), which is 3."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        model = self.queryset.model if self.queryset is not None else None
        if model is not None and self.to_field_name is None and whole_number(text, high=id_range(model)[1]) is None:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": shown(text)}
            )
        return super().to_python(value)


_NOT_LETTERS = re.compile(r"[^0-9a-z]+")
_SAINT = re.compile(r"(?:^| )(?:st|ste|sint|sinte) ")


def text_key(text: str) -> str:
    """A name as compared, not as written: case, accents, spaces, hyphens, apostrophes and dots left out, and
    "St."/"Ste."/"Sinte" read as "Sint" ("St.-Niklaas", "sint niklaas" and "SINT-NIKLAAS" are one key). For
    column headers and the place names in suppliers' files."""

    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    plain = _NOT_LETTERS.sub(" ", plain).strip()
    plain = _SAINT.sub(lambda m: m.group(0).replace(m.group(0).strip(), "sint"), f"{plain} ").strip()
    return plain.replace(" ", "")
