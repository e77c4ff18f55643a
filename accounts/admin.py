"""Users, groups and memberships in the admin. Only staff (`is_staff`) get in: Django's own admin login check."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.access import PRIVILEGE_FIELDS, may_grant_privileges, user_change_problem
from accounts.hygiene import inactivity_reset, user_deactivate
from accounts.models import ApiToken, Invitation, InvitationEvent, Membership, MembershipEvent, User, UserEvent
from accounts.second_factor import second_factor_reset
from inventory.admin import HistoryAdmin


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
    """Only superusers give power (accounts/access.py): for other staff, staff and superuser status, groups and
    permissions are read-only (so not in the form, whatever a request posts), and a user who holds more than they
    do (a superuser, a permission they lack) opens read-only, without its password page or deletion."""

    inlines = (MembershipInline,)
    fieldsets = (
        *with_coordinator(DjangoUserAdmin.fieldsets),
        (_("Tweestapsaanmelding"), {"fields": ("second_factor",)}),
    )
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "is_staff",
        "is_coordinator",
        "is_active",
        "last_login",
        "second_factor",
    )
    list_filter = ("is_staff", "is_coordinator", "is_superuser", "is_active", "groups")
    actions = ("second_factor_reset_action",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        app = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return cast("QuerySet[User]", super().get_queryset(request).annotate(has_second_factor=Exists(app)))

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        """Nobody makes an account with a password to pass on: "add user" is an invitation (accounts/invitations.py),
        and the person chooses the password."""
        return HttpResponseRedirect(reverse("invitation-new"))

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """Unticking "actief" is a deactivation (accounts/hygiene.py): sessions, API keys and invitations end
        with it. Ticking it again starts the inactivity warnings over."""
        super().save_model(request, obj, form, change)
        if not change or "is_active" not in form.changed_data:
            return
        if obj.is_active:
            inactivity_reset(user=obj)
        else:
            actor = cast(User, request.user).get_username()
            user_deactivate(user=obj, reason=_("gedeactiveerd in het beheer door %(user)s") % {"user": actor})

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fields = (*super().get_readonly_fields(request, obj), "second_factor")
        if may_grant_privileges(cast(User, request.user)):
            return fields
        return (*fields, *(f for f in PRIVILEGE_FIELDS if f not in fields))

    @admin.display(boolean=True, description=_("tweestapsaanmelding"), ordering="has_second_factor")
    def second_factor(self, obj: User) -> bool:
        # Annotated on lists and change pages (get_queryset); a user just added has none.
        return bool(getattr(obj, "has_second_factor", False))

    @admin.action(
        permissions=("change",), description=_("Tweestapsaanmelding resetten (app en herstelcodes verwijderen)")
    )
    def second_factor_reset_action(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """The person sets up a new app at their next login (staff, coordinators) or logs in with the password
        alone (organisation users). Users the actor may not change are left as they are, with the reason."""
        actor = cast(User, request.user)
        done = 0
        for user in queryset:
            try:
                done += second_factor_reset(actor=actor, user=user)
            except PermissionDenied as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
        self.message_user(
            request,
            ngettext(
                "Tweestapsaanmelding gereset voor %(count)d gebruiker.",
                "Tweestapsaanmelding gereset voor %(count)d gebruikers.",
                done,
            )
            % {"count": done},
            messages.SUCCESS,
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and user_change_problem(actor=cast(User, request.user), user=obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and user_change_problem(actor=cast(User, request.user), user=obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, Any, set[str], Any]:
        """The bulk delete action too: a user the actor may not change is named as one it may not delete."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        actor = cast(User, request.user)
        refused = {problem for user in objs if (problem := user_change_problem(actor=actor, user=user))}
        return deleted, counts, {*perms_needed, *refused}, protected


admin.site.unregister(Group)
# django-otp's own pages for devices would add an app (with its secret on screen) to anyone's account and delete one
# without user_change_problem or a reason: devices are set up by their owner and removed by the reset action above.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """A group's permissions are power too: only superusers change groups (staff who may view them, see them)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return may_grant_privileges(cast(User, request.user))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_grant_privileges(cast(User, request.user))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_grant_privileges(cast(User, request.user))


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


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: inviting, sending again and revoking go through the invitations page (one service)."""

    list_display = ("email", "organisation", "role", "state", "sent_at", "expires_at", "accepted_at")
    list_filter = ("role",)
    search_fields = ("email", "name", "organisation__name", "organisation__kbo")
    list_select_related = ("organisation",)
    exclude = ("token_hash",)

    @admin.display(description=_("toestand"))
    def state(self, obj: Invitation) -> str:
        return obj.state_label

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# The audit trail of accounts, as the inventory's: a read-only list per event table, for staff.
for event_model in (MembershipEvent, InvitationEvent, UserEvent):
    admin.site.register(event_model, HistoryAdmin)
