"""The audit trail read for people: who changed what, when, why and how."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.postgres.fields import ArrayField
from django.db.models import (
    Field,
    Model,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from pghistory.models import Event

from accounts.models import Invitation, InvitationEvent, Membership, MembershipEvent, User, UserEvent
from inventory.models import (
    HISTORY_BASELINE,
    Headcount,
    HeadcountEvent,
    ImportProfile,
    ImportProfileEvent,
    Measure,
    Organisation,
    OverlapCorrection,
    OverlapCorrectionEvent,
    Region,
    Submission,
    SubmissionEvent,
    SubmissionStatus,
)
from inventory.templatetags.numbers import fte

HistoryChange = tuple["Field[Any, Any]", object, object]

# Shown when a row is created or deleted (the object's label names the rest); every field when one changes.
HISTORY_CREATE_FIELDS: dict[type[Model], tuple[str, ...]] = {
    Submission: ("status", "note"),
    Headcount: ("persons", "fte", "explanation"),
    OverlapCorrection: ("persons", "reason"),
    Measure: ("name", "trede", "mode", "group", "first_year", "last_year"),
    ImportProfile: ("name", "organisation", "description"),
    # accounts (accounts/models.py): who got which role where, each invitation's steps, a user's power.
    Membership: ("user", "organisation", "role"),
    Invitation: ("email", "organisation", "role", "invited_by"),
    User: ("username", "email", "is_active", "is_staff", "is_coordinator"),
}
# The id never changes; the event's own time is the creation time.
HISTORY_HIDDEN_FIELDS = {"id", "created_at"}
# Counts the Belgian way (1.234); years are not grouped.
HISTORY_GROUPED_FIELDS = {"persons"}


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded change, ready to show: labels and values in the active language.

    changes: (field label, old value, new value), "" where there is none; reason: given with the change (a return
    comment, a reopen reason); source: the way it came in (admin, website, an import's file, a command).
    """

    at: dt.datetime
    user: str | None
    action: str
    object: str
    changes: list[tuple[str, str, str]]
    reason: str
    source: str = ""


def submission_history(*, submission: Submission) -> list[HistoryEntry]:
    """The recorded changes to a submission and to its headcounts (deleted ones included), newest first.

    A fixed number of queries whatever the number of events: the submission's and its headcounts' events with
    their context, then the users, measures and regions they name (organisations and submissions only when a
    change names one)."""
    headcount_ids = HeadcountEvent.objects.filter(submission_id=submission.pk).values("pgh_obj_id")
    events: list[Event] = [
        *SubmissionEvent.objects.filter(pgh_obj_id=submission.pk).select_related("pgh_context").order_by("pgh_id"),
        *HeadcountEvent.objects.filter(pgh_obj_id__in=headcount_ids).select_related("pgh_context").order_by("pgh_id"),
    ]
    # An update's old values are in the previous snapshot of the same row.
    previous: dict[tuple[type[Event], int], Event] = {}
    pairs: list[tuple[Event, Event | None]] = []
    for event in events:
        key = (type(event), event.pgh_obj_id)  # type: ignore[attr-defined]  # create_event_model adds pgh_obj and pgh_context
        before, previous[key] = previous.get(key), event
        if event.pgh_label != HISTORY_BASELINE:
            pairs.append((event, before))
    # Events written together can share their time: then table, then the order they were written in.
    pairs.sort(key=lambda pair: (pair[0].pgh_created_at, isinstance(pair[0], SubmissionEvent), pair[0].pgh_id))
    return history_entries(pairs[::-1])


def import_profile_history(*, profile: ImportProfile) -> list[HistoryEntry]:
    """Who described or changed a supplier's layout, and how, newest first."""
    events = list(
        ImportProfileEvent.objects.filter(pgh_obj_id=profile.pk).select_related("pgh_context").order_by("pgh_id")
    )
    pairs = [(event, events[i - 1] if i else None) for i, event in enumerate(events)]
    return history_entries([pair for pair in pairs if pair[0].pgh_label != HISTORY_BASELINE][::-1])


def history_entries(pairs: Sequence[tuple[Event, Event | None]], *, parents: bool = False) -> list[HistoryEntry]:
    """A HistoryEntry for each (event, the previous snapshot of its row or None), in the order given.

    The rows they name are looked up in one query per model. `parents`: the object names the submission of a
    headcount and the organisation of a submission too (for lists of many submissions)."""
    changed = [(event, _history_changes(event, before)) for event, before in pairs]
    user_model = get_user_model()
    wanted: dict[type[Model], set[object]] = {}
    for event, changes in changed:
        wanted.setdefault(user_model, set()).add(_history_metadata(event).get("user"))
        for model, pk in _history_names(event, parents=parents):
            wanted.setdefault(model, set()).add(pk)
        for changed_field, old, new in changes:
            if changed_field.is_relation:
                wanted.setdefault(cast("type[Model]", changed_field.related_model), set()).update((old, new))
    labels = _history_labels(wanted)
    return [
        HistoryEntry(
            at=event.pgh_created_at,
            user=labels.get((user_model, _history_metadata(event).get("user"))),
            action=_history_action(event, changes),
            object=_history_object(event, labels, parents=parents),
            changes=[
                (str(f.verbose_name), _history_value(f, old, labels), _history_value(f, new, labels))
                for f, old, new in changes
            ],
            reason=str(_history_metadata(event).get("reason") or ""),
            source=_history_source(_history_metadata(event)),
        )
        for event, changes in changed
    ]


def _history_metadata(event: Event) -> dict[str, object]:
    return event.pgh_context.metadata if event.pgh_context else {}  # type: ignore[attr-defined]  # create_event_model adds pgh_obj and pgh_context


def _history_names(event: Event, *, parents: bool) -> list[tuple[type[Model], object]]:
    """The rows whose labels name the event's object."""
    names: list[tuple[type[Model], object]] = []
    if isinstance(event, HeadcountEvent):
        names = [(Measure, event.measure_id), (Region, event.region_id)]
        if parents:
            names.append((Submission, event.submission_id))
    elif isinstance(event, SubmissionEvent) and parents:
        names = [(Organisation, event.organisation_id)]
    elif isinstance(event, OverlapCorrectionEvent):
        names = [(Region, event.region_id)]
    elif isinstance(event, MembershipEvent):
        names = [(get_user_model(), event.user_id), (Organisation, event.organisation_id)]
    return names


def _history_object(event: Event, labels: dict[tuple[type[Model], object], str], *, parents: bool) -> str:
    """ "Collectief maatwerk: maatwerkbedrijf (CMW-BED) in Brugge", aangifte 2019, "overlapcorrectie 2019
    West-Vlaanderen, trede 5", VOP; with `parents` the submission of a
    headcount and the organisation of a submission first."""
    if isinstance(event, HeadcountEvent):
        shown = _("%(measure)s in %(region)s") % {
            "measure": labels.get((Measure, event.measure_id), "?"),
            "region": labels.get((Region, event.region_id), "?"),
        }
        return f"{labels.get((Submission, event.submission_id), '?')}: {shown}" if parents else shown
    if isinstance(event, SubmissionEvent):
        shown = f"{Submission._meta.verbose_name} {event.year}"
        return f"{labels.get((Organisation, event.organisation_id), '?')}: {shown}" if parents else shown
    if isinstance(event, OverlapCorrectionEvent):
        region = labels.get((Region, event.region_id), "?")
        return _("%(what)s %(year)s %(region)s, trede %(trede)s") % {
            "what": OverlapCorrection._meta.verbose_name,
            "year": event.year,
            "region": region,
            "trede": event.trede,
        }
    if isinstance(event, MembershipEvent):
        return _("%(user)s bij %(organisation)s") % {
            "user": labels.get((get_user_model(), event.user_id), "?"),
            "organisation": labels.get((Organisation, event.organisation_id), "?"),
        }
    if isinstance(event, InvitationEvent):
        return _("uitnodiging van %(email)s") % {"email": event.email}
    if isinstance(event, UserEvent):
        return str(event.username)
    if isinstance(event, ImportProfileEvent):
        return _("importprofiel %(name)s") % {"name": event.name}
    return str(getattr(event, "code", event.pgh_obj_id))  # type: ignore[attr-defined]  # create_event_model adds pgh_obj and pgh_context


def _history_changes(event: Event, before: Event | None) -> list[HistoryChange]:
    """(field, old, new) of one event, raw values (ids for foreign keys); old or new None where there is none."""
    model = cast("type[Model]", event.pgh_tracked_model)  # set on every event model
    tracked = {f.name for f in model._meta.concrete_fields} - HISTORY_HIDDEN_FIELDS
    fields = [f for f in type(event)._meta.concrete_fields if f.name in tracked]
    values = [(f, getattr(event, f.attname)) for f in fields]
    created = HISTORY_CREATE_FIELDS[model]
    if event.pgh_label == "delete":  # the snapshot is the row as it was
        return [(f, value, None) for f, value in values if f.name in created and value not in (None, "", [])]
    if event.pgh_label in ("insert", HISTORY_BASELINE) or before is None:
        return [(f, None, value) for f, value in values if f.name in created and value not in (None, "", [])]
    return [(f, getattr(before, f.attname), value) for f, value in values if getattr(before, f.attname) != value]


def _history_action(event: Event, changes: list[HistoryChange]) -> str:
    if event.pgh_label == "insert":
        return _("aangemaakt")
    if event.pgh_label == "delete":
        return _("verwijderd")
    if event.pgh_label == HISTORY_BASELINE:
        return _("beginstand")
    status = next(((old, new) for f, old, new in changes if f.name == "status"), None)
    if status is None:
        return _("gewijzigd")
    if status == (SubmissionStatus.VALIDATED, SubmissionStatus.SUBMITTED):
        return _("heropend")
    return _("status: %(status)s") % {"status": SubmissionStatus(cast(str, status[1])).label}


def _history_labels(wanted: dict[type[Model], set[object]]) -> dict[tuple[type[Model], object], str]:
    """What each referenced row is called, one query per model that has ids."""
    labels: dict[tuple[type[Model], object], str] = {}
    for model, ids in wanted.items():
        ids.discard(None)
        if not ids:
            continue
        rows = model._default_manager.filter(pk__in=ids)
        if model is Submission:
            rows = rows.select_related("organisation")
        for row in rows:
            # Names, as people read them; a measure's code too, as the portal's rows show it.
            if isinstance(row, Measure):
                labels[(model, row.pk)] = f"{row.name} ({row.code})"
            elif isinstance(row, Region):
                labels[(model, row.pk)] = row.name
            elif isinstance(row, get_user_model()):
                labels[(model, row.pk)] = row.get_full_name() or row.get_username()
            else:
                labels[(model, row.pk)] = str(row)
    return labels


def _history_value(field: Field[Any, Any], value: object, labels: dict[tuple[type[Model], object], str]) -> str:
    if value is None or value == "":
        return ""
    if field.is_relation:
        # A row deleted since: its id is all that is left.
        return labels.get((cast("type[Model]", field.related_model), value), f"#{value}")
    if isinstance(value, dict):  # an import profile's layout, as its JSON file writes it
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return ", ".join(
            str(dict(cast("ArrayField[Any, Any]", field).base_field.flatchoices).get(item, item)) for item in value
        )
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if field.name == "fte":
        return fte(cast(Decimal, value))  # as every page writes VTE ("3,5")
    if isinstance(value, Decimal):
        return number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    if field.name in HISTORY_GROUPED_FIELDS:
        return number_format(cast(int, value), decimal_pos=0, use_l10n=True, force_grouping=True)
    return str(value)


def _history_source(metadata: dict[str, object]) -> str:
    """How the change came in, from the context: an import's file, a command, or a page (admin or website)."""
    parts = []
    if metadata.get("file"):
        parts.append(_("import van %(file)s") % {"file": metadata["file"]})
    if metadata.get("command"):
        parts.append(_("opdracht %(command)s") % {"command": metadata["command"]})
    url = str(metadata.get("url") or "")
    if url and not parts:
        parts.append(_("beheer") if url.startswith(reverse("admin:index")) else _("website"))
    return ", ".join(parts)
