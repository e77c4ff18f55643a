"""The yearly forms an organisation user sees on the home page, each with where it stands."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from inventory.models import CollectionRound, Organisation, Submission, SubmissionStatus

NOT_STARTED = "not-started"


@dataclass(frozen=True)
class PortalLink:
    organisation: Organisation
    year: int
    status: str  # a SubmissionStatus value, or NOT_STARTED
    label: str  # niet begonnen / ontwerp / ingediend / teruggestuurd / gevalideerd


@dataclass(frozen=True)
class RoundForms:
    round: CollectionRound
    links: list[PortalLink]


def portal_status(submission: Submission | None) -> tuple[str, str]:
    """(status, Dutch label) of a yearly form. A returned submission that the organisation has started to
    correct (back to draft at its first save) stays "teruggestuurd" until it is submitted again, as the portal
    keeps POM's comment visible until then."""
    if submission is None:
        return NOT_STARTED, _("niet begonnen")
    if submission.status == SubmissionStatus.DRAFT and submission.returned_at is not None:
        return SubmissionStatus.RETURNED.value, str(SubmissionStatus.RETURNED.label)
    return submission.status, submission.get_status_display()


def round_forms(rounds: Iterable[CollectionRound], organisations: QuerySet[Organisation]) -> list[RoundForms]:
    """Per round, a link to each organisation's form with its status: one query for the submissions."""
    rounds, organisations_list = list(rounds), list(organisations)
    submissions = {
        (s.organisation_id, s.year): s
        for s in Submission.objects.filter(
            organisation__in=[o.pk for o in organisations_list], year__in=[r.year for r in rounds]
        )
    }
    result = []
    for round_ in rounds:
        links = []
        for organisation in organisations_list:
            status, label = portal_status(submissions.get((organisation.pk, round_.year)))
            links.append(PortalLink(organisation, round_.year, status, label))
        result.append(RoundForms(round_, links))
    return result
