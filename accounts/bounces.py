"""Addresses whose mail does not arrive (README, "Bounces").

Today staff report a bounce by hand (`manage.py mark_bounce EMAIL`), from the bounce message in the sender's
mailbox. A mail server or provider that reports bounces by webhook (Postmark, Mailgun, SES through SNS ...) can
call `address_mark_bouncing` from a small view later: the same record, the same marks, nothing else to change.

A bounced address stays marked until it is cleared: invitations to it show as bounced (the invitations page,
onboarding, the members page), and sending again to it sends to nobody who reads it.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.invitations import email_normalise
from accounts.models import BouncedAddress, Invitation


def address_bounced(field: str = "email") -> Exists:
    """An annotation: whether the row's `field` is a known bouncing address."""
    return Exists(BouncedAddress.objects.filter(email=OuterRef(field)))


@transaction.atomic
def address_mark_bouncing(*, email: str, reason: str = "", now: dt.datetime | None = None) -> int:
    """Record `email` as undeliverable (a second report updates the reason and the time) and mark its pending
    invitations, expired ones too, as bounced. Returns how many invitations were marked."""
    email, now = email_normalise(email), now or timezone.now()
    BouncedAddress.objects.update_or_create(email=email, defaults={"reason": reason[:300], "reported_at": now})
    return Invitation.objects.pending().filter(email=email, bounced_at=None).update(bounced_at=now)


@transaction.atomic
def address_clear_bouncing(*, email: str) -> bool:
    """The address works again (the mailbox was fixed, the report was wrong). Invitations that bounced stay marked:
    their mail never arrived, so staff send them again (sending again clears the mark). Returns whether the
    address was recorded."""
    deleted, _counts = BouncedAddress.objects.filter(email=email_normalise(email)).delete()
    return deleted > 0
