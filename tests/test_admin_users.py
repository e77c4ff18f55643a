"""Staff cannot grant more than they hold: only superusers change staff and superuser status, groups and
permissions, and only they change (or set the password of, or delete) a user who holds more than the one asking."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation, User
from accounts.services import STAFF_GROUP, staff_group_ensure
from tests.conftest import logged_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PRIVILEGES = {"is_staff", "is_superuser", "groups", "user_permissions"}


@pytest.fixture
def pom_group(db: None) -> Group:
    staff_group_ensure()
    return Group.objects.get(name=STAFF_GROUP)


@pytest.fixture
def pom_staff(pom_group: Group) -> User:
    """A staff member who is no superuser, with the staff group's permissions (users and memberships too)."""
    user = UserFactory(username="medewerker", is_staff=True)
    user.groups.add(pom_group)
    return user


@pytest.fixture
def pom_staff_client(pom_staff: User) -> Client:
    return logged_in(pom_staff)


@pytest.fixture
def superuser(db: None) -> User:
    return UserFactory(username="beheerder", is_staff=True, is_superuser=True)


@pytest.fixture
def superuser_client(superuser: User) -> Client:
    return logged_in(superuser)


def change_url(user: User) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def form_fields(client: Client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    return set(response.context["adminform"].form.fields)


def change_post(user: User, **extra: Any) -> dict[str, Any]:
    """What the user's change form posts, plus `extra`."""
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "10:00:00",
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
        **extra,
    }


def grab(group: Group, permission: Permission) -> dict[str, Any]:
    """A crafted POST that tries to take every power at once."""
    return {
        "is_superuser": "on",
        "is_staff": "on",
        "groups": [group.pk],
        "user_permissions": [permission.pk],
    }


def auth_permission() -> Permission:
    """A permission the staff group does not hold: changing groups."""
    return Permission.objects.get(content_type__app_label="auth", codename="change_group")


# --- a staff member who is no superuser ------------------------------------------------------------------------


def test_staff_see_their_own_privileges_read_only(pom_staff_client: Client, pom_staff: User) -> None:
    response = pom_staff_client.get(change_url(pom_staff))

    assert response.status_code == 200
    assert not PRIVILEGES & set(response.context["adminform"].form.fields)
    assert {"username", "email", "is_active", "is_coordinator"} <= set(response.context["adminform"].form.fields)
    readonly = {f for fieldset in response.context["adminform"] for line in fieldset for f in line if f.is_readonly}
    assert {f.field["name"] for f in readonly} >= PRIVILEGES


def test_staff_cannot_make_themselves_superuser_with_a_crafted_post(
    pom_staff_client: Client, pom_staff: User, pom_group: Group
) -> None:
    other_group = Group.objects.create(name="Andere groep")
    response = pom_staff_client.post(
        change_url(pom_staff), change_post(pom_staff, first_name="Nieuw", **grab(other_group, auth_permission()))
    )

    assert response.status_code == 302
    pom_staff.refresh_from_db()
    assert pom_staff.first_name == "Nieuw"  # the rest of the form was saved
    assert not pom_staff.is_superuser
    assert list(pom_staff.groups.all()) == [pom_group]
    assert not pom_staff.user_permissions.exists()


def test_staff_cannot_give_another_user_staff_status_groups_or_permissions(
    pom_staff_client: Client, pom_group: Group
) -> None:
    user = UserFactory(username="invoerder")

    response = pom_staff_client.post(change_url(user), change_post(user, **grab(pom_group, auth_permission())))

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert not user.groups.exists()
    assert not user.user_permissions.exists()


def test_staff_still_give_a_user_the_coordinator_role(pom_staff_client: Client) -> None:
    user = UserFactory(username="nieuwe-coordinator")

    response = pom_staff_client.post(change_url(user), change_post(user, is_coordinator="on"))

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_coordinator


def test_adding_a_user_in_the_admin_is_an_invitation_without_a_password(pom_staff_client: Client) -> None:
    response = pom_staff_client.get(reverse("admin:accounts_user_add"))

    assert response.status_code == 302
    page = pom_staff_client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Iemand uitnodigen" in html
    assert 'type="password"' not in html
    assert 'name="email"' in html
    # Posting the old add-user form creates nobody.
    pom_staff_client.post(
        reverse("admin:accounts_user_add"),
        {"username": "nieuw", "password1": "Een-Lang-Wachtwoord-2024", "password2": "Een-Lang-Wachtwoord-2024"},
    )
    assert not User.objects.filter(username="nieuw").exists()


def test_staff_cannot_change_a_superuser_nor_set_its_password(pom_staff_client: Client, superuser: User) -> None:
    page = pom_staff_client.get(change_url(superuser))
    assert page.status_code == 200  # they may view it, read-only
    assert set(page.context["adminform"].form.fields) <= {"password"}  # the hash, never editable

    response = pom_staff_client.post(change_url(superuser), change_post(superuser, email="over@example.be"))
    password = pom_staff_client.post(
        reverse("admin:auth_user_password_change", args=[superuser.pk]),
        {"password1": "Overgenomen-Wachtwoord-1", "password2": "Overgenomen-Wachtwoord-1", "usable_password": "true"},
    )

    assert response.status_code == 403
    assert password.status_code == 403
    superuser.refresh_from_db()
    assert superuser.email == "beheerder@example.be"
    assert not superuser.check_password("Overgenomen-Wachtwoord-1")


def test_staff_cannot_change_a_user_who_holds_a_permission_they_lack(pom_staff_client: Client) -> None:
    stronger = UserFactory(username="sterker", is_staff=True)
    stronger.user_permissions.add(auth_permission())

    response = pom_staff_client.post(change_url(stronger), change_post(stronger, email="over@example.be"))

    assert response.status_code == 403
    stronger.refresh_from_db()
    assert stronger.email == "sterker@example.be"


def test_staff_cannot_delete_a_superuser_one_by_one_or_in_bulk(pom_staff_client: Client, superuser: User) -> None:
    one = pom_staff_client.post(reverse("admin:accounts_user_delete", args=[superuser.pk]), {"post": "yes"})
    selection = {"action": "delete_selected", "_selected_action": [superuser.pk]}
    asked = pom_staff_client.post(reverse("admin:accounts_user_changelist"), selection)
    bulk = pom_staff_client.post(reverse("admin:accounts_user_changelist"), {**selection, "post": "yes"})

    assert one.status_code == 403
    assert asked.status_code == 200
    assert "Enkel een superuser wijzigt superuser ‘beheerder’." in asked.context["perms_lacking"]
    assert bulk.status_code == 403
    assert User.objects.filter(pk=superuser.pk).exists()


def test_staff_still_delete_an_ordinary_user(pom_staff_client: Client) -> None:
    user = UserFactory(username="weg")

    response = pom_staff_client.post(reverse("admin:accounts_user_delete", args=[user.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()


def test_staff_cannot_give_their_group_more_permissions_even_when_allowed_to_change_groups(
    pom_staff: User, pom_group: Group
) -> None:
    group_permissions = Permission.objects.filter(content_type__app_label="auth", content_type__model="group")
    pom_staff.user_permissions.add(*group_permissions.filter(codename__in=["view_group", "change_group"]))
    before = set(pom_group.permissions.values_list("pk", flat=True))

    response = logged_in(pom_staff).post(
        reverse("admin:auth_group_change", args=[pom_group.pk]),
        {"name": pom_group.name, "permissions": [*before, group_permissions.get(codename="delete_group").pk]},
    )

    assert response.status_code == 403
    assert set(pom_group.permissions.values_list("pk", flat=True)) == before


# --- a superuser -----------------------------------------------------------------------------------------------


def test_a_superuser_changes_every_privilege_through_the_admin(superuser_client: Client, pom_group: Group) -> None:
    user = UserFactory(username="gepromoveerd")
    assert form_fields(superuser_client, change_url(user)) >= PRIVILEGES

    response = superuser_client.post(change_url(user), change_post(user, **grab(pom_group, auth_permission())))

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (True, True)
    assert list(user.groups.all()) == [pom_group]
    assert list(user.user_permissions.all()) == [auth_permission()]


def test_a_superuser_invites_a_staff_member_and_staff_without_every_permission_cannot(
    superuser_client: Client, pom_group: Group
) -> None:
    # pom_group: the staff group exists with its permissions; a staff member outside it lacks them.
    data = {"email": "collega@example.be", "name": "", "role": "staff", "organisation": "", "language": "nl-be"}

    refused = logged_in(UserFactory(username="zonder-rechten", is_staff=True)).post(reverse("invitation-new"), data)
    response = superuser_client.post(reverse("invitation-new"), data)

    assert refused.status_code == 400
    assert "niet alle rechten van een POM-medewerker" in refused.content.decode()
    assert response.status_code == 302
    assert Invitation.objects.get().role == "staff"


def test_a_superuser_sets_a_superusers_password(superuser_client: Client) -> None:
    other = UserFactory(username="andere-beheerder", is_staff=True, is_superuser=True)

    response = superuser_client.post(
        reverse("admin:auth_user_password_change", args=[other.pk]),
        {"password1": "Nieuw-Wachtwoord-2024", "password2": "Nieuw-Wachtwoord-2024", "usable_password": "true"},
    )

    assert response.status_code == 302
    other.refresh_from_db()
    assert other.check_password("Nieuw-Wachtwoord-2024")
