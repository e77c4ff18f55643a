"""Who may change whom: a staff member never gives anyone (itself included) more power than it holds."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User

# The fields of a user that give power: staff and superuser status, permissions and groups (which carry
# permissions). Only a superuser changes them; for anyone else the admin shows them read-only.
PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


def may_grant_privileges(actor: User) -> bool:
    return actor.is_active and actor.is_superuser


def user_change_problem(*, actor: User, user: User) -> str | None:
    """Why `actor` may not change or delete `user`, or None. Changing a user includes setting its password, so
    changing a user who holds more than the actor would be taking over its power: a superuser, or a user with a
    permission the actor lacks, is for superusers."""
    if may_grant_privileges(actor):
        return None
    if user.is_superuser:
        return _("Enkel een superuser wijzigt superuser ‘%(user)s’.") % {"user": user.get_username()}
    if user.is_staff and not actor.is_staff:
        return _("Enkel een superuser wijzigt POM-medewerker ‘%(user)s’.") % {"user": user.get_username()}
    if user.pk != actor.pk and not user.get_all_permissions() <= actor.get_all_permissions():
        return _("Gebruiker ‘%(user)s’ heeft rechten die u niet heeft; enkel een superuser wijzigt die gebruiker.") % {
            "user": user.get_username()
        }
    return None
