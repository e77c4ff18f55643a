"""Completeness of a collection round: who is expected, who submitted, who is validated; reminders."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from inventory.models import CollectionRound, Organisation, OrganisationKind, Reminder, Scope, scope_statuses
from inventory.services.notifications import reminder_mail

logger = logging.getLogger(__name__)
SENT = scope_statuses(Scope.PROVISIONAL)


def expected_organisations() -> QuerySet[Organisation]:
    """Every active organisation reports, except the data suppliers, whose files staff load."""
    return Organisation.objects.active().exclude(kind=OrganisationKind.GEGEVENSLEVERANCIER)


@dataclass(frozen=True)
class CompletenessRow:
    label: str
    expected: int
    submitted: int
    validated: int


def _counted(year: int, group_by: str) -> QuerySet[Organisation, dict[str, Any]]:
    counted: QuerySet[Organisation, dict[str, Any]] = (
        expected_organisations()
        .values(group_by)
        .annotate(
            expected=Count("pk", distinct=True),
            submitted=Count(
                "submissions", filter=Q(submissions__year=year, submissions__status__in=SENT), distinct=True
            ),
            validated=Count(
                "submissions",
                filter=Q(submissions__year=year, submissions__status__in=scope_statuses(Scope.VALIDATED)),
                distinct=True,
            ),
        )
        .order_by(group_by)
    )
    return counted


def completeness(*, year: int) -> dict[str, list[CompletenessRow]]:
    """Per arrondissement (of the home municipality) and per kind of organisation, in two queries."""
    kinds = dict(OrganisationKind.choices)
    return {
        "arrondissement": [
            CompletenessRow(r["home_region__parent__name"] or "–", r["expected"], r["submitted"], r["validated"])
            for r in _counted(year, "home_region__parent__name")
        ],
        "kind": [
            CompletenessRow(str(kinds[r["kind"]]), r["expected"], r["submitted"], r["validated"])
            for r in _counted(year, "kind")
        ],
    }


def missing_organisations(*, year: int) -> QuerySet[Organisation]:
    """Expected organisations without a submitted or validated submission for `year`, each with `last_reminded`
    (the day of the latest reminder for that year, or None)."""
    sent = Q(submissions__year=year, submissions__status__in=SENT)
    return (
        expected_organisations()
        .exclude(sent)
        .annotate(last_reminded=Max("reminders__sent_on", filter=Q(reminders__year=year)))
        .select_related("home_region")
        .order_by("name")
    )


def reminders_send(*, year: int, organisation_ids: Collection[int] | None = None) -> int:
    """Remind every organisation that has not submitted (or only those of `organisation_ids` among them: the
    onboarding page's choice), at most once per organisation and day, with the round's deadline. A year without a
    round asked nobody: no reminders."""
    round_ = CollectionRound.objects.filter(year=year).first()
    if round_ is None:
        return 0
    today = timezone.localdate()
    sent = 0
    missing = missing_organisations(year=year)
    if organisation_ids is not None:
        missing = missing.filter(pk__in=organisation_ids)
    for organisation in missing:
        try:
            with transaction.atomic():
                Reminder.objects.create(organisation=organisation, year=year, sent_on=today)
        except IntegrityError:
            continue  # reminded today already
        sent += reminder_mail(organisation=organisation, round_=round_)
    return sent
