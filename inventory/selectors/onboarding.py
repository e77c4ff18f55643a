"""Onboarding per round (README, "Onboarding per round"): how far each organisation expected in a round got,
from no account to a validated submission, for staff who chase the ones that are stuck.

An organisation's state is the furthest along of, from last to first:

- validated, submitted: its submission for the round's year;
- started: a draft, or a submission returned to it (it has to send it again: it is working on it);
- logged in: an active member logged in at least once, nothing started;
- no login yet: active members, none ever logged in;
- invited: a pending invitation whose mail went out without trouble;
- invitation stuck: only invitations that expired or bounced (bounced_at, a send error, a bouncing address);
- no account: no active member and no pending invitation (revoked and accepted ones do not count: an accepted
  invitation's person is a member, or was removed).

An open invitation ranks above a stuck one: while one person can still accept, there is nothing to chase.

The state is one SQL expression, so filtering and counting per state stay in the database; the page takes four
queries whatever the number of organisations (counts, rows, contacts, invitations).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.utils.translation import gettext_lazy as _

from accounts.bounces import address_bounced
from accounts.models import Invitation, Membership, MembershipRole, User
from inventory.models import Organisation, Submission, SubmissionStatus
from inventory.services.completeness import expected_organisations


class OnboardingState:
    NO_ACCOUNT = "no-account"
    INVITATION_STUCK = "invitation-stuck"
    INVITED = "invited"
    NO_LOGIN = "no-login"
    LOGGED_IN = "logged-in"
    STARTED = "started"
    SUBMITTED = "submitted"
    VALIDATED = "validated"


# In the order of progress: the counts at the top of the page read left to right.
STATE_LABELS = {
    OnboardingState.NO_ACCOUNT: _("geen account"),
    OnboardingState.INVITATION_STUCK: _("uitnodiging verlopen of onbestelbaar"),
    OnboardingState.INVITED: _("uitgenodigd"),
    OnboardingState.NO_LOGIN: _("account, nog niet aangemeld"),
    OnboardingState.LOGGED_IN: _("aangemeld, nog niet begonnen"),
    OnboardingState.STARTED: _("begonnen (ontwerp of teruggestuurd)"),
    OnboardingState.SUBMITTED: _("ingediend"),
    OnboardingState.VALIDATED: _("gevalideerd"),
}
# Where "invite the contact" helps, and where a reminder of the round does (not sent yet).
INVITABLE = (OnboardingState.NO_ACCOUNT, OnboardingState.INVITATION_STUCK)
REMINDABLE = (
    OnboardingState.NO_ACCOUNT,
    OnboardingState.INVITATION_STUCK,
    OnboardingState.INVITED,
    OnboardingState.NO_LOGIN,
    OnboardingState.LOGGED_IN,
    OnboardingState.STARTED,
)


def onboarding_organisations(*, year: int) -> QuerySet[Organisation]:
    """The round's expected organisations (the completeness rule), each with `onboarding_state`, `last_login`
    (of its active members, or None) and `email_bounced`."""
    active_members = Membership.objects.filter(organisation=OuterRef("pk"), user__is_active=True)
    invitations = Invitation.objects.filter(organisation=OuterRef("pk"))
    status = Submission.objects.filter(organisation=OuterRef("pk"), year=year).values("status")[:1]
    last_login = (
        active_members.exclude(user__last_login=None).order_by("-user__last_login").values("user__last_login")[:1]
    )
    return expected_organisations().annotate(
        submission_status=Subquery(status),
        last_login=Subquery(last_login),
        email_bounced=address_bounced(),
        onboarding_state=Case(
            When(submission_status=SubmissionStatus.VALIDATED, then=Value(OnboardingState.VALIDATED)),
            When(submission_status=SubmissionStatus.SUBMITTED, then=Value(OnboardingState.SUBMITTED)),
            When(
                submission_status__in=[SubmissionStatus.DRAFT, SubmissionStatus.RETURNED],
                then=Value(OnboardingState.STARTED),
            ),
            When(last_login__isnull=False, then=Value(OnboardingState.LOGGED_IN)),
            When(Exists(active_members), then=Value(OnboardingState.NO_LOGIN)),
            When(Exists(invitations.deliverable()), then=Value(OnboardingState.INVITED)),
            When(Exists(invitations.troubled()), then=Value(OnboardingState.INVITATION_STUCK)),
            default=Value(OnboardingState.NO_ACCOUNT),
            output_field=CharField(),
        ),
    )


def _searched(organisations: QuerySet[Organisation], query: str) -> QuerySet[Organisation]:
    if not query:
        return organisations
    match = Q(name__icontains=query)
    digits = re.sub(r"[\s.]", "", query)
    if digits.isascii() and digits.isdigit():  # an enterprise number as typed: 0123.456.789, 0123 456 789
        match |= Q(kbo__contains=digits)
    return organisations.filter(match)


@dataclass
class StateCount:
    state: str
    label: str
    count: int


def onboarding_counts(*, year: int, query: str = "") -> list[StateCount]:
    """How many organisations are in each state (under the search), every state listed; one query."""
    counted = dict(
        _searched(onboarding_organisations(year=year), query)
        .order_by()
        .values_list("onboarding_state")  # type: ignore[misc]  # annotated by onboarding_organisations
        .annotate(n=Count("pk"))
    )
    return [StateCount(state, str(label), counted.get(state, 0)) for state, label in STATE_LABELS.items()]


@dataclass
class OnboardingRow:
    organisation: Organisation
    state: str
    last_login: dt.datetime | None
    contacts: list[User] = field(default_factory=list)
    invitations: Sequence[Invitation] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def emails(self) -> list[str]:
        """Where the round's mails go for this organisation: its own address and its contacts'."""
        addresses = [self.organisation.email, *(user.email for user in self.contacts)]
        return list(dict.fromkeys(address for address in addresses if address))

    @property
    def invite_action(self) -> str | None:
        """What "invite the contact" would do: send a stuck invitation again, invite the organisation's address,
        or nothing here (no usable address: someone is invited from the members page)."""
        if self.state not in INVITABLE:
            return None
        if any(getattr(i, "troubled", False) and not getattr(i, "address_bounced", False) for i in self.invitations):
            return "resend"
        if self.organisation.email and not getattr(self.organisation, "email_bounced", False):
            return "invite"
        return "members"

    @property
    def remindable(self) -> bool:
        return self.state in REMINDABLE


def onboarding_rows(
    *, year: int, state: str = "", query: str = "", organisation_ids: list[int] | None = None
) -> list[OnboardingRow]:
    """The rows of the page (or of the organisations an action was asked for), by name; three queries."""
    organisations = _searched(onboarding_organisations(year=year), query)
    if state:
        organisations = organisations.filter(onboarding_state=state)  # type: ignore[misc]  # annotated
    if organisation_ids is not None:
        organisations = organisations.filter(pk__in=organisation_ids)
    contacts = Membership.objects.filter(role=MembershipRole.CONTACT, user__is_active=True).select_related("user")
    pending = (
        Invitation.objects.pending()
        .annotate(
            address_bounced=address_bounced(),
            troubled=Exists(Invitation.objects.troubled().filter(pk=OuterRef("pk"))),
        )
        .order_by("-created_at")
    )
    organisations = organisations.order_by("name", "pk").prefetch_related(
        Prefetch("memberships", queryset=contacts, to_attr="contact_memberships"),
        Prefetch("invitations", queryset=pending, to_attr="pending_invitations"),
    )
    return [
        OnboardingRow(
            organisation=organisation,
            state=organisation.onboarding_state,  # type: ignore[attr-defined]  # annotated
            last_login=organisation.last_login,  # type: ignore[attr-defined]  # annotated
            contacts=[m.user for m in organisation.contact_memberships],
            invitations=organisation.pending_invitations,
        )
        for organisation in organisations
    ]
