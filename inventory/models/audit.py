"""The audit trail's event tables (django-pghistory)."""

from __future__ import annotations

from typing import Any

import pghistory
import pgtrigger
from django.db import models
from django.utils.translation import gettext_lazy as _

from inventory.models.collection import CollectionRound, Headcount, ImportProfile, OverlapCorrection, Submission
from inventory.models.editions import Edition
from inventory.models.reference import Measure

# --- audit trail ---------------------------------------------------------------------------------------------
# django-pghistory's database triggers write a snapshot of every inserted, updated and deleted row into an event
# table, with the context of the change (who, why, how: inventory/history.py). Triggers see what signals do not:
# the imports' COPY and INSERT ... ON CONFLICT, bulk_create, QuerySet.update. Statement-level triggers write
# one INSERT ... SELECT per statement, whatever its number of rows. Append-only: no update or delete of events.
# "baseline" events (migration 0006) are the rows as they were when recording started.

HISTORY_BASELINE = "baseline"


def history_trackers() -> tuple[pghistory.RowEvent, ...]:
    return (
        pghistory.InsertEvent(trigger_name="history_insert"),
        pghistory.UpdateEvent(trigger_name="history_update"),
        pghistory.DeleteEvent(trigger_name="history_delete"),
    )


def history_base(model: type[models.Model], **kwargs: Any) -> type[models.Model]:
    return pghistory.create_event_model(model, *history_trackers(), level=pghistory.Statement, **kwargs)


def history_append_only() -> list[pgtrigger.Protect]:
    return [pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)]


def history_indexes(table: str, *more: models.Index) -> list[models.Index]:
    # An object's events in order: its history in the admin and the previous snapshot of each event.
    return [models.Index(fields=["pgh_obj", "pgh_id"], name=f"{table}_obj"), *more]


class SubmissionEvent(history_base(Submission, exclude=["version", "updated_at"])):  # type: ignore[misc]  # pghistory builds the event model at run time
    """Version and updated_at change with every headcount write; the headcount's own event says what changed."""

    class Meta:
        verbose_name = _("wijziging van een aangifte")
        verbose_name_plural = _("wijzigingen van aangiften")
        indexes = history_indexes("submissionevent")
        triggers = history_append_only()


class HeadcountEvent(history_base(Headcount)):  # type: ignore[misc]  # pghistory builds the event model at run time
    class Meta:
        verbose_name = _("wijziging van een telling")
        verbose_name_plural = _("wijzigingen van tellingen")
        indexes = history_indexes(
            "headcountevent", models.Index(fields=["submission"], name="headcountevent_submission")
        )
        triggers = history_append_only()


class OverlapCorrectionEvent(history_base(OverlapCorrection)):  # type: ignore[misc]  # pghistory builds the event model at run time
    class Meta:
        verbose_name = _("wijziging van een overlapcorrectie")
        verbose_name_plural = _("wijzigingen van overlapcorrecties")
        indexes = history_indexes("overlapcorrectionevent")
        triggers = history_append_only()


class MeasureEvent(history_base(Measure)):  # type: ignore[misc]  # pghistory builds the event model at run time
    class Meta:
        verbose_name = _("wijziging van een maatregel")
        verbose_name_plural = _("wijzigingen van maatregelen")
        indexes = history_indexes("measureevent")
        triggers = history_append_only()


class CollectionRoundEvent(history_base(CollectionRound)):  # type: ignore[misc]  # pghistory builds the event model at run time
    """Who declared a year complete (or undid it), and who changed the required completeness."""

    class Meta:
        verbose_name = _("wijziging van een bevragingsronde")
        verbose_name_plural = _("wijzigingen van bevragingsrondes")
        indexes = history_indexes("collectionroundevent")
        triggers = history_append_only()


class EditionEvent(history_base(Edition)):  # type: ignore[misc]  # pghistory builds the event model at run time
    """Publishing and withdrawing an edition (the only change its triggers allow)."""

    class Meta:
        verbose_name = _("wijziging van een editie")
        verbose_name_plural = _("wijzigingen van edities")
        indexes = history_indexes("editionevent")
        triggers = history_append_only()


class ImportProfileEvent(history_base(ImportProfile, exclude=["updated_at"])):  # type: ignore[misc]  # pghistory builds the event model at run time
    """Who described or changed a supplier's layout, and how."""

    class Meta:
        verbose_name = _("wijziging van een importprofiel")
        verbose_name_plural = _("wijzigingen van importprofielen")
        indexes = history_indexes("importprofileevent")
        triggers = history_append_only()
