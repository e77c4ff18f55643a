"""Celery tasks of accounts: thin adapters that take ids and call a service."""

from celery import shared_task

from accounts.hygiene import users_inactive_sweep
from accounts.invitations import invitation_send


# Acknowledged late: a worker lost mid-send hands the mail to the next one (a second mail with a newer link is
# better than none).
@shared_task(acks_late=True, ignore_result=True)
def send_invitation(invitation_id: int) -> None:
    invitation_send(invitation_id=invitation_id)


@shared_task(ignore_result=True)
def deactivate_inactive_accounts() -> None:
    users_inactive_sweep()
