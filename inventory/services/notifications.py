"""E-mails about the yearly collection, sent by a Celery task after the change committed: to the organisation
when its submission is received, validated or returned, and when it is reminded; to POM staff when a submission
comes in. Every mail links to the page it is about, absolutely (settings.SITE_URL: a worker has no request).

Mails are written in the site's language (Dutch): users have no language of their own to choose from."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from inventory.models import CollectionRound, Organisation, Submission, SubmissionStatus

logger = logging.getLogger(__name__)


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def portal_url(organisation: Organisation, year: int) -> str:
    """The organisation's yearly form: where it reads, corrects and sends its figures."""
    return absolute_url(reverse("inventory:portal-form", args=[organisation.pk, year]))


def review_url(submission: Submission) -> str:
    return absolute_url(reverse("inventory:review", args=[submission.pk]))


def organisation_recipients(organisation: Organisation) -> list[str]:
    members = organisation.memberships.filter(user__is_active=True).exclude(user__email="")
    addresses = {organisation.email} | set(members.values_list("user__email", flat=True))
    return sorted(address for address in addresses if address)


def staff_recipients() -> list[str]:
    """POM staff (active users with is_staff and an e-mail address): they review what comes in."""
    users = get_user_model().objects.filter(is_active=True, is_staff=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def _submitted_mails(submission: Submission, names: dict[str, object]) -> int:
    sent = 0
    recipients = organisation_recipients(submission.organisation)
    if recipients:
        sent += send_mail(
            _("Ontvangstbevestiging: uw aangifte %(year)s") % names,
            _(
                "POM West-Vlaanderen heeft de aangifte %(year)s van %(organisation)s ontvangen. We kijken ze na en "
                "laten u weten wanneer ze gevalideerd is of als er nog iets moet veranderen.\n\n"
                "Uw aangifte: %(link)s"
            )
            % {**names, "link": portal_url(submission.organisation, submission.year)},
            settings.DEFAULT_FROM_EMAIL,
            recipients,
        )
    staff = staff_recipients()
    if staff:
        sent += send_mail(
            _("Nieuwe aangifte %(year)s: %(organisation)s") % names,
            _("%(organisation)s heeft de aangifte %(year)s ingediend. Nakijken: %(link)s")
            % {**names, "link": review_url(submission)},
            settings.DEFAULT_FROM_EMAIL,
            staff,
        )
    return sent


def submission_notify(*, submission_id: int, event: str | None = None) -> int:
    """The mails of one step of a submission (`event`: submitted, validated or returned; by default its status
    now): a receipt to the organisation and a notice to staff on submission, a word to the organisation when POM
    validated or returned it. Returns the mails sent."""
    submission = Submission.objects.select_related("organisation").get(pk=submission_id)
    event = event or submission.status
    names: dict[str, object] = {"organisation": submission.organisation.name, "year": submission.year}
    with translation.override(settings.LANGUAGE_CODE):
        if event == SubmissionStatus.SUBMITTED:
            return _submitted_mails(submission, names)
        link = portal_url(submission.organisation, submission.year)
        if event == SubmissionStatus.VALIDATED:
            subject = _("Uw aangifte %(year)s is gevalideerd") % names
            body = _(
                "POM West-Vlaanderen heeft de aangifte %(year)s van %(organisation)s gevalideerd. Dank u!\n\n"
                "Uw aangifte: %(link)s"
            ) % {**names, "link": link}
        elif event == SubmissionStatus.RETURNED:
            subject = _("Uw aangifte %(year)s is teruggestuurd") % names
            body = _(
                "POM West-Vlaanderen heeft de aangifte %(year)s van %(organisation)s teruggestuurd met deze "
                "opmerking:\n\n%(comment)s\n\nPas de cijfers aan en dien opnieuw in: %(link)s"
            ) % {**names, "comment": submission.return_comment, "link": link}
        else:
            return 0
        recipients = organisation_recipients(submission.organisation)
        if not recipients:
            return 0
        return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


def reminder_mail(*, organisation: Organisation, round_: CollectionRound) -> int:
    """Remind an organisation that its submission for the round's year is not in yet, with the round's deadline."""
    recipients = organisation_recipients(organisation)
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        names = {
            "organisation": organisation.name,
            "year": round_.year,
            "link": portal_url(organisation, round_.year),
            "deadline": date_format(round_.closes_on, "DATE_FORMAT"),
        }
        return send_mail(
            _("Herinnering: aangifte %(year)s, uiterlijk %(deadline)s") % names,
            _(
                "De aangifte %(year)s van %(organisation)s is nog niet ingediend bij POM West-Vlaanderen.\n\n"
                "De bevraging sluit op %(deadline)s. Vul de cijfers in en dien ze in via %(link)s"
            )
            % names,
            settings.DEFAULT_FROM_EMAIL,
            recipients,
        )


def queue_notification(submission_id: int, event: str | None = None) -> None:
    """On commit; a broker that is away loses the mail, never the change (logged)."""

    def send() -> None:
        from inventory.tasks import notify_submission

        try:
            notify_submission.apply_async(args=[submission_id, str(event) if event else None], retry=False)
        except Exception:
            logger.warning("E-mail over aangifte %s niet in de wachtrij gezet.", submission_id)

    transaction.on_commit(send, robust=True)
