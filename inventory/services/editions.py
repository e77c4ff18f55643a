"""Editions: publishing a frozen copy of the validated figures, and comparing two editions.

An edition copies, in one transaction, every validated aggregate and every validated headcount up to its
reference year. Database triggers (models.py) refuse any later update or delete of an edition or its rows, so
publishing, comparing and exporting can never change one; a correction goes into a new edition.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from inventory.access import is_coordinator
from inventory.models import Aggregate, Edition, Scope, scope_statuses
from inventory.services.aggregation import aggregates_sweep


@dataclass(frozen=True)
class PublishResult:
    edition: Edition
    figures: int
    headcounts: int


@transaction.atomic
def edition_publish(
    *, name: str, reference_year: int, published_on: dt.date, note: str = "", user: User | None
) -> PublishResult:
    """Freeze the validated aggregates and headcounts of every year up to `reference_year` as a new edition.

    Pending recomputes are done first, in this transaction (the same service as the worker), so the edition
    holds what the validated submissions say at this moment, not what the last worker run saw."""
    if user is not None and not is_coordinator(user):
        raise ValidationError(_("Enkel coördinatoren publiceren edities."))
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Geef de editie een naam.")]
    elif Edition.objects.filter(name__iexact=name).exists():
        errors["name"] = [_("Er bestaat al een editie ‘%(name)s’; kies een andere naam.") % {"name": name}]
    if errors:
        raise ValidationError(errors)
    aggregates_sweep()
    if not Aggregate.objects.filter(scope=Scope.VALIDATED, year=reference_year).exists():
        raise ValidationError(
            {"reference_year": [_("Er zijn geen gevalideerde cijfers voor %(year)s.") % {"year": reference_year}]}
        )
    edition = Edition.objects.create(
        name=name, reference_year=reference_year, published_on=published_on, note=note.strip(), published_by=user
    )
    params: dict[str, int | str | list[str]] = {
        "edition": edition.pk,
        "year": reference_year,
        "validated": Scope.VALIDATED,
        "statuses": scope_statuses(Scope.VALIDATED),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            """insert into inventory_editionfigure
                   (edition_id, year, region_id, grouping_id, trede, "group", measure_id, persons)
               select %(edition)s, year, region_id, grouping_id, trede, "group", measure_id, persons
               from inventory_aggregate where scope = %(validated)s and year <= %(year)s""",
            params,
        )
        figures = cursor.rowcount
        cursor.execute(
            """insert into inventory_editionheadcount
                   (edition_id, year, organisation_id, measure_id, trede, "group", region_id, persons, fte)
               select %(edition)s, s.year, s.organisation_id, h.measure_id, m.trede, m."group", h.region_id,
                      h.persons, h.fte
               from inventory_headcount h
               join inventory_submission s on s.id = h.submission_id
               join inventory_measure m on m.id = h.measure_id
               where s.status = any(%(statuses)s) and s.year <= %(year)s""",
            params,
        )
        headcounts = cursor.rowcount
    return PublishResult(edition=edition, figures=figures, headcounts=headcounts)
