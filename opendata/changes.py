"""What changed in an edition against the edition it follows, as the public may see it.

The differing figures come from inventory.selectors.editions.editions_compare; each side is then shown as its own
edition shows it (editions.protected_table of that edition and year). A difference is given only where both sides
are shown; a pair where one side is hidden shows its mark and no difference, and a pair hidden in both editions
is left out (that it changed is all the list could say of it), so no difference ever gives a hidden count away:
everything on the page can be read from the two editions' own public pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from inventory.models import Edition
from inventory.selectors.editions import ChangeKind, ComparedFigure, editions_compare
from inventory.selectors.indicators import change
from inventory.services.suppression import SECONDARY_MARK
from opendata.editions import ProtectedTable, is_hidden, protected_table

# Every differing figure at once: the page and its downloads are made once per edition and kept.
ALL_ROWS = 10**9


@dataclass(frozen=True)
class PublicChange:
    year: int
    region: str
    region_name: str
    level: str
    trede: int | None
    group: str
    measure: str | None
    measure_name: str | None
    old: int | str | None  # a count, the mark of a hidden one, or None: not in that edition
    new: int | str | None

    @property
    def old_hidden(self) -> bool:
        return is_hidden(self.old)

    @property
    def new_hidden(self) -> bool:
        return is_hidden(self.new)

    @property
    def difference(self) -> int | None:
        if isinstance(self.old, int) and isinstance(self.new, int):
            return self.new - self.old
        return None

    @property
    def difference_pct(self) -> Decimal | None:
        if isinstance(self.old, int) and isinstance(self.new, int):
            return change(self.old, self.new)[1]
        return None


@dataclass(frozen=True)
class PublicComparison:
    old: Edition
    new: Edition
    rows: list[PublicChange]  # of the chosen kind
    changed: int
    added: int
    removed: int


def previous_edition(edition: Edition) -> Edition | None:
    """The edition this one follows: the one it replaces, else the latest current edition before it (by reference
    year, then publication)."""
    if edition.replaces_id is not None:
        return edition.replaces
    earlier = Q(reference_year__lt=edition.reference_year) | Q(
        reference_year=edition.reference_year, published_on__lt=edition.published_on
    )
    return (
        Edition.objects.current()
        .filter(earlier)
        .exclude(pk=edition.pk)
        .order_by("-reference_year", "-published_on", "-created_at")
        .first()
    )


class _Tables:
    """The protected tables of an edition, read once per year."""

    def __init__(self, edition: Edition) -> None:
        self.edition = edition
        self.tables: dict[int, ProtectedTable] = {}

    def shown(self, row: ComparedFigure, raw: int | None) -> int | str | None:
        if raw is None:
            return None
        if row.year not in self.tables:
            self.tables[row.year] = protected_table(self.edition, row.year)
        value = self.tables[row.year].get((row.region, row.trede, row.group, row.measure))
        # A figure its table does not hold is not shown (it cannot be, but a raw count must never slip through).
        return SECONDARY_MARK if value is None else value


def public_changes(
    *,
    old: Edition,
    new: Edition,
    places: list[str] | None = None,
    years: list[int] | None = None,
    kind: str = ChangeKind.CHANGED,
) -> PublicComparison:
    """The figures of `new` that differ from `old` (changed, or with `kind` added / removed / all), each side as
    its own edition shows it."""
    old_tables, new_tables = _Tables(old), _Tables(new)

    def protected(rows: list[ComparedFigure]) -> list[PublicChange]:
        result = []
        for row in rows:
            before, after = old_tables.shown(row, row.old), new_tables.shown(row, row.new)
            if is_hidden(before) and is_hidden(after):
                continue
            result.append(
                PublicChange(
                    row.year,
                    row.region,
                    row.region_name,
                    row.level,
                    row.trede,
                    row.group,
                    row.measure,
                    row.measure_name,
                    before,
                    after,
                )
            )
        return result

    compared = editions_compare(old=old, new=new, places=places, years=years, kind=ChangeKind.CHANGED, limit=ALL_ROWS)
    changed = protected(compared.rows)
    if kind == ChangeKind.CHANGED:
        rows = changed
    else:
        rows = protected(editions_compare(old=old, new=new, places=places, years=years, kind=kind, limit=ALL_ROWS).rows)
    # Only a figure in both editions can be hidden in both: the counts of added and removed ones are as compared.
    return PublicComparison(old, new, rows, len(changed), compared.added, compared.removed)
