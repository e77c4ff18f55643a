"""E-mails to organisations about their submissions, sent by a Celery task after the change committed."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _

from inventory.models import Organisation, Submission, SubmissionStatus

logger = logging.getLogger(__name__)


def organisation_recipients(organisation: Organisation) -> list[str]:
    members = organisation.memberships.filter(user__is_active=True).exclude(user__email="")
    addresses = {organisation.email} | set(members.values_list("user__email", flat=True))
    return sorted(address for address in addresses if address)


def submission_notify(*, submission_id: int) -> int:
    """Tell the organisation that its submission was validated or returned; returns the mails sent."""
    submission = Submission.objects.select_related("organisation").get(pk=submission_id)
    recipients = organisation_recipients(submission.organisation)
    if not recipients:
        return 0
    names = {"organisation": submission.organisation.name, "year": submission.year}
    if submission.status == SubmissionStatus.VALIDATED:
        subject = _("Uw aangifte %(year)s is gevalideerd") % names
        body = _("POM West-Vlaanderen heeft de aangifte %(year)s van %(organisation)s gevalideerd. Dank u!") % names
    elif submission.status == SubmissionStatus.RETURNED:
        subject = _("Uw aangifte %(year)s is teruggestuurd") % names
        body = _(
            "POM West-Vlaanderen heeft de aangifte %(year)s van %(organisation)s teruggestuurd met deze opmerking:"
            "\n\n%(comment)s\n\nPas de cijfers aan en dien opnieuw in."
        ) % {**names, "comment": submission.return_comment}
    else:
        return 0
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


def queue_notification(submission_id: int) -> None:
    """On commit; a broker that is away loses the mail, never the change (logged)."""

    def send() -> None:
        from inventory.tasks import notify_submission

        try:
            notify_submission.apply_async(args=[submission_id], retry=False)
        except Exception:
            logger.warning("E-mail over aangifte %s niet in de wachtrij gezet.", submission_id)

    transaction.on_commit(send, robust=True)
