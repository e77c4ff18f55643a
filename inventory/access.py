"""Who may see and change what. Views fetch through these helpers; outsiders get 404, not 403."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from accounts.models import MembershipRole, User
from inventory.models import Organisation


class AuthenticatedHttpRequest(HttpRequest):
    """A request past LoginRequiredMiddleware, for type checking: its user is signed in."""

    user: User


def is_staff_member(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.is_active and user.is_staff


def is_coordinator(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.is_active and (user.is_coordinator or user.is_staff)


def organisations_visible_to(user: User) -> QuerySet[Organisation]:
    if is_coordinator(user):
        return Organisation.objects.all()
    return Organisation.objects.filter(memberships__user=user)


def organisations_editable_by(user: User) -> QuerySet[Organisation]:
    if is_staff_member(user):
        return Organisation.objects.all()
    return Organisation.objects.filter(memberships__user=user, memberships__role=MembershipRole.EDITOR)


def get_organisation_for(user: User, pk: int) -> Organisation:
    try:
        return organisations_visible_to(user).get(pk=pk)
    except Organisation.DoesNotExist:
        raise Http404 from None
