"""Maintenance runs for the operations page: the latest backup, restore check and housekeeping run."""

from __future__ import annotations

from inventory.models import MaintenanceRun


def last_maintenance_runs() -> dict[str, MaintenanceRun | None]:
    """The latest run of every kind (running or finished), None for a kind that never ran; one query."""
    latest = MaintenanceRun.objects.order_by("kind", "-started_at", "-pk").distinct("kind")
    by_kind = {run.kind: run for run in latest}
    return {kind: by_kind.get(kind) for kind in MaintenanceRun.Kind.values}
