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
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from inventory.access import edition_withdraw_check, is_coordinator
from inventory.history import history_context
from inventory.models import Aggregate, Edition, Licence, Scope, scope_statuses
from inventory.parsing import text_problem
from inventory.selectors.years import YearStatus, year_states
from inventory.services.aggregation import aggregates_sweep

# Paths under /cijfers/ that are not editions (opendata/urls.py): no edition's slug may be one of them.
RESERVED_SLUGS = frozenset({"api", "taal", "over", "catalogus"})


def public_pages_queue_warm(*, edition_id: int) -> None:
    """On commit, the public site makes the edition's pages (opendata/warming.py); imported here, not at the top,
    because the public site reads editions through this module."""
    from opendata.warming import public_pages_queue_warm as queue

    queue(edition_id=edition_id)


@dataclass(frozen=True)
class PublishResult:
    edition: Edition
    figures: int
    headcounts: int


def incomplete_years(reference_year: int, states: dict[int, YearStatus] | None = None) -> list[YearStatus]:
    """The years an edition up to `reference_year` would freeze that are not complete yet."""
    states = year_states() if states is None else states
    return [s for y, s in states.items() if y <= reference_year and not s.complete]


@transaction.atomic
def edition_publish(
    *,
    name: str,
    reference_year: int,
    published_on: dt.date,
    note: str = "",
    user: User | None,
    confirm_incomplete: bool = False,
    replaces: Edition | None = None,
    licence: str = Licence.CC_BY_4_0,
) -> PublishResult:
    """Freeze the validated aggregates and headcounts of every year up to `reference_year` as a new edition.

    A year that is not complete (selectors/years.py) is frozen only with `confirm_incomplete`: whoever
    publishes says so explicitly, on the form or in code. `replaces`: the edition this one corrects.
    Pending recomputes are done first, in this transaction (the same service as the worker), so the edition
    holds what the validated submissions say at this moment, not what the last worker run saw."""
    if user is not None and not is_coordinator(user):
        raise ValidationError(_("Enkel coördinatoren publiceren edities."))
    name = name.strip()
    errors: dict[str, list[str]] = {}
    max_length = Edition._meta.get_field("name").max_length
    if not name:
        errors["name"] = [_("Geef de editie een naam.")]
    elif problem := text_problem(name, max_length=max_length):
        errors["name"] = [problem]
    elif Edition.objects.filter(name__iexact=name).exists():
        errors["name"] = [_("Er bestaat al een editie ‘%(name)s’; kies een andere naam.") % {"name": name}]
    elif not slugify(name) or slugify(name) in RESERVED_SLUGS:
        errors["name"] = [
            _("Geef de editie een naam met letters of cijfers die een eigen webadres geeft (niet ‘%(name)s’).")
            % {"name": name}
        ]
    elif taken := edition_by_slug(slugify(name)):
        errors["name"] = [
            _("De naam ‘%(name)s’ geeft hetzelfde webadres (/cijfers/%(slug)s/) als de editie ‘%(other)s’.")
            % {"name": name, "slug": slugify(name), "other": taken.name}
        ]
    if licence not in Licence.values:
        errors["licence"] = [_("Licentie ‘%(value)s’ is onbekend.") % {"value": licence}]
    if problem := text_problem(note, multiline=True):
        errors["note"] = [problem]
    states = year_states()
    incomplete = incomplete_years(reference_year, states)
    if incomplete and not confirm_incomplete:
        errors["confirm_incomplete"] = [
            _("Niet alle jaren zijn volledig (%(years)s). Bevestig dat u deze onvolledige cijfers wilt bevriezen.")
            % {"years": "; ".join(f"{s.year}: {s.label}" for s in incomplete)}
        ]
    if errors:
        raise ValidationError(errors)
    aggregates_sweep()
    if not Aggregate.objects.filter(scope=Scope.VALIDATED, year=reference_year).exists():
        raise ValidationError(
            {"reference_year": [_("Er zijn geen gevalideerde cijfers voor %(year)s.") % {"year": reference_year}]}
        )
    edition = Edition.objects.create(
        name=name,
        reference_year=reference_year,
        published_on=published_on,
        note=note.strip(),
        published_by=user,
        replaces=replaces,
        licence=licence,
        # The edition says for ever which years it froze before they were complete.
        year_states={str(y): s.as_dict() for y, s in states.items() if y <= reference_year},
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
                   (edition_id, year, organisation_id, measure_id, trede, "group", region_id, persons, fte,
                    estimated)
               select %(edition)s, s.year, s.organisation_id, h.measure_id, m.trede, m."group", h.region_id,
                      h.persons, h.fte, h.estimated
               from inventory_headcount h
               join inventory_submission s on s.id = h.submission_id
               join inventory_measure m on m.id = h.measure_id
               where s.status = any(%(statuses)s) and s.year <= %(year)s""",
            params,
        )
        headcounts = cursor.rowcount
        # The context figures its indicators are computed from, frozen with it.
        cursor.execute(
            """insert into inventory_editioncontextfigure
                   (edition_id, year, region_id, indicator, value, source, synthetic)
               select %(edition)s, year, region_id, indicator, value, source, synthetic
               from inventory_contextfigure where year <= %(year)s""",
            params,
        )
    public_pages_queue_warm(edition_id=edition.pk)
    return PublishResult(edition=edition, figures=figures, headcounts=headcounts)


def edition_by_slug(slug: str) -> Edition | None:
    """The edition whose public URLs use `slug` (Edition.slug), withdrawn or not. Editions are few: the slug is
    made from the name, not stored, so it cannot drift from it."""
    return next((e for e in Edition.objects.all() if e.slug == slug), None)


@transaction.atomic
def edition_schedule_next(*, edition: Edition, next_edition_on: dt.date | None, user: User) -> Edition:
    """Set (or clear) when the next edition is expected: the public pages and the catalogue say so. The only
    thing of a published edition that may change (its trigger allows it)."""
    if not is_coordinator(user):
        raise ValidationError(_("Enkel coördinatoren plannen de volgende editie."))
    if next_edition_on is not None and next_edition_on <= edition.published_on:
        raise ValidationError(
            {
                "next_edition_on": [
                    _("De volgende editie moet na de publicatie van %(name)s (%(date)s) komen.")
                    % {"name": edition.name, "date": edition.published_on.strftime("%d/%m/%Y")}
                ]
            }
        )
    with history_context(user=user, reason="volgende editie"):
        Edition.objects.filter(pk=edition.pk).update(next_edition_on=next_edition_on)
    edition.refresh_from_db()
    public_pages_queue_warm(edition_id=edition.pk)  # its pages carry the date: new ones
    return edition


@transaction.atomic
def edition_withdraw(*, edition: Edition, reason: str, user: User) -> Edition:
    """Withdraw a published edition (staff): it stays frozen and reachable, with a banner, but leaves every
    default and listing of current editions. Once: the database refuses a second withdrawal or undoing it."""
    edition_withdraw_check(user)
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": [_("Geef een reden om de editie ‘%(name)s’ in te trekken.") % {"name": edition.name}]}
        )
    if problem := text_problem(reason, multiline=True):
        raise ValidationError({"reason": [problem]})
    locked = Edition.objects.select_for_update().get(pk=edition.pk)
    if locked.withdrawn_at is not None:
        raise ValidationError(
            _("De editie ‘%(name)s’ is al ingetrokken op %(date)s.")
            % {"name": locked.name, "date": timezone.localtime(locked.withdrawn_at).strftime("%d/%m/%Y")}
        )
    with history_context(user=user, reason=reason):
        Edition.objects.filter(pk=locked.pk).update(
            withdrawn_at=timezone.now(), withdrawn_by=user, withdrawn_reason=reason
        )
    locked.refresh_from_db()
    public_pages_queue_warm(edition_id=locked.pk)  # its pages carry the banner: new ones
    return locked
