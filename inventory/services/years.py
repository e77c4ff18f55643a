"""Year states that staff decide: declaring a reporting year complete, and undoing it (selectors/years.py reads
the states). Audited: the round's history records who did it and why."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from inventory.access import is_staff_member
from inventory.history import history_context
from inventory.models import CollectionRound


@transaction.atomic
def round_mark_complete(*, round: CollectionRound, user: User, complete: bool = True, reason: str = "") -> None:
    """Declare `round`'s year complete (or, with complete=False, undo it), whatever its completeness."""
    if not is_staff_member(user):
        raise ValidationError(_("Enkel POM-medewerkers verklaren een jaar volledig."))
    default = _("jaar volledig verklaard") if complete else _("volledig verklaren ongedaan gemaakt")
    with history_context(user=user, reason=reason.strip() or default):
        CollectionRound.objects.filter(pk=round.pk).update(
            marked_complete_at=timezone.now() if complete else None, marked_complete_by=user if complete else None
        )
    round.refresh_from_db()
