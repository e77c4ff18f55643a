"""Account hygiene (README, "Account hygiene"): a deactivated person keeps no way in, and accounts nobody uses
are deactivated after two warnings.

`user_deactivate` is the one way a user is deactivated: the admin (unticking "actief"), the daily sweep and
`manage.py deactivate_inactive` call it. It ends the person's sessions, deletes their API keys and revokes the
invitations addressed to them (accepting one would make the account active again). Invitations the person sent
to others stay: they were sent for the organisation, and the colleague should still get in.

The sweep (`users_inactive_sweep`, the beat task `deactivate_inactive_accounts`): an account unused for
ACCOUNT_INACTIVE_DAYS (since the last login, or since it was made when it never logged in) gets a first e-mail
30 days before, a second 7 days before, and is deactivated once both were sent. A reminder is at least 23 days
after the first and the deactivation at least 7 days after the second, whatever the dates say, so that nobody
(an account dormant since before this rule, a beat that did not run) loses access without a week's warning.
A login sets the count back to 0 (the `user_logged_in` signal, accounts/apps.py), and so does an account made
active again in the admin. Everyone is swept, staff and coordinators too, except superusers: the site's
owners, who would otherwise lock out the only people able to make accounts active again.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.invitations import email_normalise
from accounts.models import ApiToken, Invitation, User
from inventory.history import history_context

logger = logging.getLogger(__name__)

FIRST_REMINDER_DAYS = 30  # before the deactivation
SECOND_REMINDER_DAYS = 7


@dataclass(frozen=True)
class Deactivation:
    sessions: int
    api_tokens: int
    invitations: int


def _sessions_end(user_ids: set[int]) -> int:
    """Delete the sessions of these users. The database backends (db, cached_db: SESSION_ENGINE's default is db)
    are read row by row, as a session's user is inside its encoded data; the count of live sessions is that of
    people logged in, small. Other backends cannot be listed: their sessions still end at the next request,
    because Django's ModelBackend refuses an inactive user."""
    if not user_ids or not settings.SESSION_ENGINE.endswith(("sessions.backends.db", "sessions.backends.cached_db")):
        return 0
    from django.contrib.sessions.models import Session

    store = import_module(settings.SESSION_ENGINE).SessionStore
    wanted = {str(pk) for pk in user_ids}
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) in wanted:
            store(session_key=session.session_key).delete()  # cached_db: the cached copy too
            ended += 1
    return ended


@transaction.atomic
def user_deactivate(*, user: User, reason: str) -> Deactivation:
    """Make `user` inactive (the admin may have saved that already) and close every way in. `reason` goes to the
    audit trail."""
    with history_context(reason=reason):
        User.objects.filter(pk=user.pk, is_active=True).update(is_active=False)
        user.is_active = False
        tokens, _counts = ApiToken.objects.filter(user=user).delete()
        invitations = 0
        if user.email:
            pending = Invitation.objects.pending().filter(email=email_normalise(user.email))
            invitations = pending.update(revoked_at=timezone.now())
    result = Deactivation(sessions=_sessions_end({user.pk}), api_tokens=tokens, invitations=invitations)
    logger.info("Gebruiker %s gedeactiveerd (%s): %s", user.pk, reason, result)
    return result


def inactivity_reset(*, user: User) -> None:
    """The person used the account (logged in) or staff made it active again: the warnings start over."""
    if user.inactivity_reminders or user.inactivity_reminded_at:
        User.objects.filter(pk=user.pk).update(inactivity_reminders=0, inactivity_reminded_at=None)
        user.inactivity_reminders, user.inactivity_reminded_at = 0, None


def user_logged_in_reset(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    """Receiver of `user_logged_in` (connected in accounts/apps.py)."""
    inactivity_reset(user=user)


# --- the sweep -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    first_reminders: list[str]
    second_reminders: list[str]
    deactivated: list[str]


def _unused_since(moment: dt.datetime) -> Q:
    """Not used since `moment`: the last login, or the day the account was made when it never logged in."""
    return Q(last_login__lte=moment) | Q(last_login=None, date_joined__lte=moment)


def _due(now: dt.datetime) -> dict[str, QuerySet[User]]:
    """Who takes which step now. Everyone active but superusers."""
    days = dt.timedelta(days=1)
    limit = settings.ACCOUNT_INACTIVE_DAYS
    users = User.objects.filter(is_active=True, is_superuser=False).order_by("pk")
    return {
        "deactivate": users.filter(
            _unused_since(now - limit * days),
            inactivity_reminders__gte=2,
            inactivity_reminded_at__lte=now - SECOND_REMINDER_DAYS * days,
        ),
        "second": users.filter(
            _unused_since(now - (limit - SECOND_REMINDER_DAYS) * days),
            inactivity_reminders=1,
            inactivity_reminded_at__lte=now - (FIRST_REMINDER_DAYS - SECOND_REMINDER_DAYS) * days,
        ),
        "first": users.filter(_unused_since(now - (limit - FIRST_REMINDER_DAYS) * days), inactivity_reminders=0),
    }


def deactivation_date(user: User, *, now: dt.datetime, notice_days: int) -> dt.date:
    """When the account will be deactivated, as the reminder sent now says: its due date, or the notice still
    owed when that is later."""
    last_used = user.last_login or user.date_joined
    due = last_used + dt.timedelta(days=settings.ACCOUNT_INACTIVE_DAYS)
    return timezone.localdate(max(due, now + dt.timedelta(days=notice_days)))


def _reminder_mail(user: User, *, when: dt.date) -> None:
    if not user.email:
        # Nobody to warn: the step still counts, so that an account without an address does not stay forever.
        logger.warning("Gebruiker %s heeft geen e-mailadres voor de herinnering wegens inactiviteit.", user.pk)
        return
    with translation.override(settings.LANGUAGE_CODE):
        last_used = user.last_login or user.date_joined
        names = {
            "username": user.get_username(),
            "since": date_format(timezone.localtime(last_used), "DATE_FORMAT"),
            "date": date_format(when, "DATE_FORMAT"),
            "link": f"{settings.SITE_URL}{reverse('login')}",
            "reset": f"{settings.SITE_URL}{reverse('password_reset')}",
        }
        send_mail(
            _("Uw account in de Inventaris sociale economie wordt op %(date)s gedeactiveerd") % names,
            _(
                "U hebt zich met %(username)s sinds %(since)s niet meer aangemeld in de Inventaris sociale economie "
                "van POM West-Vlaanderen. Accounts die niet gebruikt worden, deactiveren we.\n\n"
                "Wilt u uw account houden, meld u dan vóór %(date)s aan: %(link)s\n"
                "Wachtwoord vergeten? %(reset)s\n\n"
                "Hebt u het account niet meer nodig, dan hoeft u niets te doen."
            )
            % names,
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
            fail_silently=False,
        )


def _remind(user: User, *, now: dt.datetime, step: int, notice_days: int) -> bool:
    """Send reminder `step` (1 or 2) and count it; a mail the server refuses is not counted (tomorrow again)."""
    try:
        _reminder_mail(user, when=deactivation_date(user, now=now, notice_days=notice_days))
    except Exception as error:
        logger.warning("Herinnering wegens inactiviteit aan gebruiker %s niet verstuurd: %s", user.pk, error)
        return False
    # Only if nothing changed since it was read: a login in between wins.
    counted = User.objects.filter(pk=user.pk, inactivity_reminders=step - 1, is_active=True).update(
        inactivity_reminders=F("inactivity_reminders") + 1, inactivity_reminded_at=now
    )
    return counted == 1


def users_inactive_sweep(*, now: dt.datetime | None = None, dry_run: bool = False) -> SweepResult:
    """Deactivate the accounts due, then send the second and the first reminders due, in that order so that no
    account takes two steps in one run. A dry run says who would, and changes nothing."""
    now = now or timezone.now()
    due = _due(now)
    names: dict[str, list[str]] = {step: [] for step in due}
    for user in due["deactivate"]:
        if not dry_run:
            since = timezone.localdate(user.last_login or user.date_joined)
            user_deactivate(user=user, reason=_("niet gebruikt sinds %(date)s") % {"date": since.isoformat()})
        names["deactivate"].append(user.get_username())
    for step, key, notice in ((2, "second", SECOND_REMINDER_DAYS), (1, "first", FIRST_REMINDER_DAYS)):
        for user in due[key]:
            if dry_run or _remind(user, now=now, step=step, notice_days=notice):
                names[key].append(user.get_username())
    return SweepResult(
        first_reminders=names["first"], second_reminders=names["second"], deactivated=names["deactivate"]
    )
