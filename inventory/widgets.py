"""Form widgets."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


class QuickSelect(forms.Select):
    """A <select> with the markup of Django's, written in Python: Django renders every <option> through a
    template, which costs ~18 ms for the 330 regions of a region choice, on every page that has one."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts: list[str] = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(format_html('<optgroup label="{}">', group))
            for option in options:
                selected = mark_safe(" selected") if option["selected"] else ""
                parts.append(
                    format_html('<option value="{}"{}>{}</option>', option["value"], selected, option["label"])
                )
            if group:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))


class QuickSelectMultiple(QuickSelect, forms.SelectMultiple):
    """A <select multiple> rendered as quickly (the public table builder's list of every region)."""


def quick_selects(form: forms.Form) -> None:
    """Give the plain selects of a form the quick rendering (for forms that something else builds, such as
    django-filter's)."""
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            field.widget = QuickSelect(attrs=field.widget.attrs, choices=field.widget.choices)
