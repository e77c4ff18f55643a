from django.http import HttpRequest

from accounts.access import is_coordinator, is_staff_member


def roles(request: HttpRequest) -> dict[str, bool]:
    user = request.user
    return {"is_pom_staff": is_staff_member(user), "is_coordinator": is_coordinator(user)}
