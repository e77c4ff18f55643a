"""Numbers the Belgian way in nl-BE (63.552; 14,1 %), the English way in English, through Django's formats."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import timezone
from django.utils.formats import get_format, number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

register = template.Library()

Number = int | float | Decimal


def rounded(value: Number, decimals: int) -> Decimal:
    # Django's number_format truncates (14.07 -> "14,0"); published figures are rounded half up.
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)


@register.filter
def persons(value: Number | None) -> str:
    """63552 -> "63.552" """
    if value is None or value == "":
        return "–"
    return number_format(rounded(value, 0), decimal_pos=0, use_l10n=True, force_grouping=True)


@register.filter
def count(value: Number | str | None) -> str:
    """persons(), or the mark of a hidden count as it is ("<5", "x"): the public site's fact sheets show it."""
    if isinstance(value, str):
        return value or "–"
    return persons(value)


@register.filter
def percent(value: Number | None, decimals: int = 1) -> str:
    """14.07 -> "14,1 %" """
    if value is None or value == "":
        return "–"
    return f"{number_format(rounded(value, decimals), decimal_pos=decimals, use_l10n=True, force_grouping=True)} %"


@register.filter
def signed(value: Number | None) -> str:
    """6090 -> "+6.090"; -1942 -> "-1.942" """
    if value is None or value == "":
        return "–"
    sign = "+" if value > 0 else ""
    return sign + number_format(rounded(value, 0), decimal_pos=0, use_l10n=True, force_grouping=True)


@register.filter
def signed_percent(value: Number | None, decimals: int = 1) -> str:
    """10.6 -> "+10,6 %" """
    if value is None or value == "":
        return "–"
    sign = "+" if value > 0 else ""
    return sign + percent(value, decimals)


def _fte_decimals(value: Number) -> tuple[Decimal, int]:
    number = rounded(value, 2)
    return number, 0 if number == number.to_integral_value() else (
        1 if number * 10 == (number * 10).to_integral_value() else 2
    )


@register.filter
def fte(value: Number | None) -> str:
    """Full-time equivalents, at most two decimals: 1234.5 -> "1.234,5"; 3 -> "3" """
    if value is None or value == "":
        return "–"
    number, decimals = _fte_decimals(value)
    return number_format(number, decimal_pos=decimals, use_l10n=True, force_grouping=True)


@register.filter
def fte_input(value: Number | None) -> str:
    """Full-time equivalents as an input's value, without grouping (the form reads a comma or a point):
    1234.5 -> "1234,5" """
    if value is None or value == "":
        return ""
    number, decimals = _fte_decimals(value)
    return number_format(number, decimal_pos=decimals, use_l10n=True, force_grouping=False)


@register.simple_tag
def number_separators() -> SafeString:
    """The separators of the filters above as data attributes, for a script that writes numbers as they do
    (static/js/portal.js): data-decimal-separator="," data-thousand-separator="." in nl-BE."""
    return format_html(
        'data-decimal-separator="{}" data-thousand-separator="{}"',
        get_format("DECIMAL_SEPARATOR"),
        get_format("THOUSAND_SEPARATOR"),
    )


@register.filter
def waited(value: dt.datetime | None) -> str:
    """How long since `value`, as Django's timesince ("3 minuten", "1 uur, 5 minuten"), but "minder dan een minuut"
    rather than "0 minuten"."""
    if value is None:
        return "–"
    if (timezone.now() - value).total_seconds() < 60:
        return str(_("minder dan een minuut"))
    return timesince(value)
