"""Collection rounds as staff pages read them: which years have a round, and a year's round."""

from __future__ import annotations

from inventory.models import CollectionRound


def round_years() -> list[int]:
    """The years with a collection round, newest first: the only years a completeness page exists for."""
    return list(CollectionRound.objects.order_by("-year").values_list("year", flat=True))


def round_for(*, year: int) -> CollectionRound | None:
    return CollectionRound.objects.filter(year=year).first()


def latest_round_year() -> int | None:
    return CollectionRound.objects.order_by("-year").values_list("year", flat=True).first()
