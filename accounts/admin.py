"""Users and memberships in the admin. Only staff (`is_staff`) get in: Django's own admin login check."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("organisation", "role")
    autocomplete_fields = ("organisation",)
    extra = 0


def with_coordinator(fieldsets: Sequence[tuple[Any, Any]] | None) -> tuple[tuple[Any, Any], ...]:
    """Django's user fieldsets with is_coordinator right after is_staff."""
    result = []
    for name, options in fieldsets or ():
        fields = tuple(options.get("fields", ()))
        if "is_staff" in fields:
            at = fields.index("is_staff") + 1
            options = {**options, "fields": (*fields[:at], "is_coordinator", *fields[at:])}
        result.append((name, options))
    return tuple(result)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = (MembershipInline,)
    fieldsets = with_coordinator(DjangoUserAdmin.fieldsets)
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Contact en rol"), {"classes": ("wide",), "fields": ("email", "is_staff", "is_coordinator")}),
    )
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_coordinator", "is_active")
    list_filter = ("is_staff", "is_coordinator", "is_superuser", "is_active", "groups")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role")
    list_filter = ("role", "organisation__kind")
    search_fields = ("user__username", "user__email", "user__last_name", "organisation__name", "organisation__kbo")
    autocomplete_fields = ("user", "organisation")
    list_select_related = ("user", "organisation")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Keys are made with `manage.py create_api_token`, which shows the key once; here they can be revoked."""

    list_display = ("user", "name", "created_at", "last_used_at")
    search_fields = ("user__username", "name")
    list_select_related = ("user",)
    readonly_fields = ("user", "name", "created_at", "last_used_at")
    exclude = ("key_hash",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
