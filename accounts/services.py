"""Account set-up shared by commands and the admin."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

STAFF_GROUP = "POM-medewerkers"


@transaction.atomic
def staff_group_ensure() -> bool:
    """The group for POM staff: every permission of the inventory (import included) and on users and
    memberships. Returns whether anything changed."""
    group, created = Group.objects.get_or_create(name=STAFF_GROUP)
    wanted = set(
        Permission.objects.filter(content_type__app_label__in=["inventory", "accounts"]).values_list("pk", flat=True)
    )
    current = set(group.permissions.values_list("pk", flat=True))
    if wanted != current:
        group.permissions.set(wanted)
    return created or wanted != current
