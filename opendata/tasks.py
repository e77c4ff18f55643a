"""Celery tasks of the public site: thin adapters that take ids and call a service (each has a command too)."""

from celery import shared_task

from inventory.models import Edition
from opendata.warming import public_pages_warm


@shared_task(ignore_result=True)
def warm_public_pages(edition_id: int) -> None:
    edition = Edition.objects.filter(pk=edition_id).first()
    if edition is not None:  # the publication was rolled back after all
        public_pages_warm(edition=edition)
