"""The portal's form (inventory/views/portal.py): a field per cell of the grid, measures as rows and regions as
columns, and the version the page was loaded with.

The HTML names are those the template writes: `p-<measure id>-<region id>` for the persons of a cell,
`v-<measure id>-<region id>` for its full-time equivalents (VTE), `e-<measure id>-<region id>` for its
explanation, `measure` for each row's measure id. Every error names its
cell (measure code and region name, or the ids when they are unknown) and the value; nothing here writes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.constants import MAX_PERSONS
from inventory.models import Measure, Region, Submission
from inventory.parsing import IdChoiceField, TextField, WholeNumberField, column_range, is_digits, shown
from inventory.services.imports.cells import parse_fte_cents
from inventory.services.submissions import FTE_WITHOUT_PERSONS, MAX_ID

Figures = dict[tuple[int, int], tuple[int | None, str]]
Ftes = dict[tuple[int, int], Decimal | None]
# What is stored per cell: (persons, FTE, explanation).
Stored = Mapping[tuple[int, int], tuple[int, Decimal | None, str]]

CELL_NAME = re.compile(r"[pve]-([0-9]+)-([0-9]+)", re.ASCII)


class EditionChoiceField(IdChoiceField):
    """A choice of editions that says which were withdrawn or froze their year incomplete."""

    def label_from_instance(self, obj: Any) -> str:
        if obj.withdrawn:
            return _("%(name)s (ingetrokken)") % {"name": obj.name}
        if not obj.complete:
            return _("%(name)s (onvolledig bij publicatie)") % {"name": obj.name}
        return str(obj.name)


class PersonsField(forms.IntegerField):
    """A number of persons: ASCII digits only (no sign, decimals, separators, superscripts or other scripts'
    digits), 0 to the PostgreSQL integer maximum; empty is None (no figure)."""

    default_error_messages = {
        "invalid": gettext_lazy("‘%(value)s’ is geen geldig aantal personen: een geheel getal van 0 of meer."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=0, max_value=MAX_PERSONS, required=False, **kwargs)

    def to_python(self, value: Any) -> int | None:
        text = "" if value is None else str(value).strip()
        if text == "":
            return None
        if not is_digits(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": shown(text)})
        # Compared as text first: int() refuses more than 4,300 digits.
        if len(text.lstrip("0")) > len(str(MAX_PERSONS)) or int(text) > MAX_PERSONS:
            raise ValidationError(
                _("‘%(value)s’ is te groot: een aantal personen is hoogstens %(max)s."),
                code="max_value",
                params={"value": shown(text), "max": number_format(MAX_PERSONS, force_grouping=True)},
            )
        return int(text)


class FteField(forms.Field):
    """Full-time equivalents, read as the import reads its `fte` column (services.imports.cells.parse_fte_cents):
    a decimal of 0 or more with a comma or a point, to hundredths; empty is None."""

    def to_python(self, value: Any) -> Decimal | None:
        text = "" if value is None else str(value).strip()
        if text == "":
            return None
        cents = parse_fte_cents(text)
        if isinstance(cents, str):
            raise ValidationError(cents, code="invalid")
        return None if cents is None else Decimal(cents) / 100


@dataclass(frozen=True)
class FormCell:
    measure_id: int
    region_id: int
    label: str  # "CMW-BED in Brugge", or "cel 12-34" when an id is unknown
    problem: str | None = None  # an id that is unknown or not in this form

    @property
    def key(self) -> tuple[int, int]:
        return (self.measure_id, self.region_id)

    @property
    def persons_name(self) -> str:
        return f"p-{self.measure_id}-{self.region_id}"

    @property
    def fte_name(self) -> str:
        return f"v-{self.measure_id}-{self.region_id}"

    @property
    def explanation_name(self) -> str:
        return f"e-{self.measure_id}-{self.region_id}"


def posted_cells(data: QueryDict, regions: Sequence[Region]) -> list[FormCell]:
    """The cells a POST holds: every row it names (`measure`) in every region of the grid, and every
    `p-`/`e-` name, also one with ids that are unknown or outside the grid (refused by the form)."""
    keys: dict[tuple[int, int], None] = {}
    for value in data.getlist("measure"):
        if is_digits(value):
            keys.update({(int(value), region.pk): None for region in regions})
    for name in data:
        match = CELL_NAME.fullmatch(name)
        if match:
            keys[(int(match[1]), int(match[2]))] = None
    measure_ids = {m for m, _r in keys if 0 < m <= MAX_ID}  # beyond a bigint: unknown without asking
    measures = Measure.objects.in_bulk(measure_ids) if measure_ids else {}
    grid_regions = {region.pk: region for region in regions}
    cells = []
    for measure_id, region_id in keys:
        measure, region = measures.get(measure_id), grid_regions.get(region_id)
        problem = None
        if measure is None:
            problem = _("er is geen maatregel met id %(id)s.") % {"id": measure_id}
        elif region is None:
            problem = _("regio met id %(id)s staat niet in dit formulier.") % {"id": region_id}
        label = (
            _("%(measure)s in %(region)s") % {"measure": measure.code, "region": region.name}
            if measure is not None and region is not None
            else _("cel %(measure)s-%(region)s") % {"measure": measure_id, "region": region_id}
        )
        cells.append(FormCell(measure_id, region_id, label, problem))
    return cells


class PortalForm(forms.Form):
    """One organisation's figures for one year as posted: persons and explanation per cell, and the version.

    `cells` from posted_cells(); `stored` the submission's figures now, (measure id, region id) -> (persons,
    FTE, explanation), to tell which cells changed."""

    version = WholeNumberField(
        min_value=1,
        max_value=column_range(Submission, "version")[1],
        error_messages={
            "required": gettext_lazy("Het formulier heeft geen versie; laad de pagina opnieuw."),
            "invalid": gettext_lazy("Het formulier heeft geen geldige versie; laad de pagina opnieuw."),
            "min_value": gettext_lazy("Het formulier heeft geen geldige versie; laad de pagina opnieuw."),
            "max_value": gettext_lazy("Het formulier heeft geen geldige versie; laad de pagina opnieuw."),
        },
    )

    def __init__(
        self,
        data: QueryDict,
        *,
        cells: Sequence[FormCell],
        stored: Stored,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.cells = list(cells)
        self.stored = stored
        for cell in self.cells:
            self.fields[cell.persons_name] = PersonsField(label=cell.label)
            self.fields[cell.fte_name] = FteField(required=False, label=_("%(cell)s (VTE)") % {"cell": cell.label})
            self.fields[cell.explanation_name] = TextField(required=False, label=cell.label, multiline=True)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for cell in self.cells:
            if cell.problem is not None:
                self.add_error(cell.persons_name, cell.problem)
            elif (
                cleaned.get(cell.fte_name) is not None
                and cell.persons_name in cleaned
                and cleaned[cell.persons_name] is None
            ):
                self.add_error(cell.fte_name, str(FTE_WITHOUT_PERSONS))
        return cleaned

    def messages(self) -> list[str]:
        """Every error, in the order of the fields, each naming its cell: 'CMW-BED in Brugge: ...'."""
        result: list[str] = []
        for name, field in self.fields.items():
            for message in self.errors.get(name, []):
                result.append(str(message) if name == "version" else f"{field.label}: {message}")
        return result

    def cell_errors(self) -> dict[tuple[int, int], list[str]]:
        return {
            cell.key: errors
            for cell in self.cells
            if (
                errors := [
                    *self.errors.get(cell.persons_name, []),
                    *self.errors.get(cell.fte_name, []),
                    *self.errors.get(cell.explanation_name, []),
                ]
            )
        }

    def typed_values(self) -> dict[tuple[int, int], str]:
        """What was typed in the refused persons cells, shown again so that nothing typed is lost."""
        return {
            cell.key: str(self.data.get(cell.persons_name, ""))
            for cell in self.cells
            if cell.persons_name in self.errors
        }

    def typed_ftes(self) -> dict[tuple[int, int], str]:
        """What was typed in the VTE cells, as typed (12,5 stays 12,5), so that nothing typed is lost."""
        return {cell.key: str(self.data[cell.fte_name]) for cell in self.cells if cell.fte_name in self.data}

    def posted_ftes(self) -> Ftes:
        """(measure id, region id) -> FTE or None of every cell whose VTE passed its checks."""
        data = getattr(self, "cleaned_data", {})
        # A cell whose page had no VTE input keeps its stored FTE: only what was posted counts.
        return {
            cell.key: data[cell.fte_name] for cell in self.cells if cell.fte_name in data and cell.fte_name in self.data
        }

    def posted_figures(self) -> Figures:
        """(measure id, region id) -> (persons or None, explanation) of every cell that passed its checks."""
        data = getattr(self, "cleaned_data", {})
        return {
            cell.key: (data[cell.persons_name], data[cell.explanation_name])
            for cell in self.cells
            if cell.persons_name in data and cell.explanation_name in data
        }

    def changed_figures(self) -> Figures:
        """The cells whose value differs from what is stored: a new or changed figure, FTE or explanation, or
        a figure emptied (None: remove it). Only for a valid form; their FTEs are in changed_ftes()."""
        changed: Figures = {}
        ftes = self.posted_ftes()
        for key, (persons, explanation) in self.posted_figures().items():
            before = self.stored.get(key)
            if persons is None:
                if before is not None:
                    changed[key] = (None, "")
            elif (
                before is None
                or (before[0], before[2]) != (persons, explanation)
                or (key in ftes and before[1] != ftes[key])
            ):
                changed[key] = (persons, explanation)
        return changed

    def changed_ftes(self) -> Ftes:
        """The FTEs of changed_figures() (a cell without a VTE input keeps its stored FTE)."""
        ftes = self.posted_ftes()
        return {key: ftes[key] for key in self.changed_figures() if key in ftes}
