from django.http import HttpRequest

from accounts.access import organisations_managed_by
from inventory.access import is_coordinator, is_staff_member, may_upload
from inventory.selectors.rounds import latest_round_year


def roles(request: HttpRequest) -> dict[str, object]:
    user = request.user
    staff = is_staff_member(user)
    return {
        "is_pom_staff": staff,
        "is_coordinator": is_coordinator(user),
        # Lazy: only pages that show the upload link run the query.
        "may_upload": lambda: may_upload(user),
        # Lazy too, and only asked for staff: the header's link to the latest round's completeness.
        "latest_round_year": latest_round_year,
        # An organisation contact's "Collega's" link: the organisations whose members they manage. Not asked for
        # staff (who reach every organisation's members from the invitations and onboarding pages) nor for
        # coordinators (POM's own people, members of no organisation): their pages keep their query count.
        "managed_organisations": lambda: (
            list(organisations_managed_by(user).order_by("name")[:5])
            if user.is_authenticated and not staff and not user.is_coordinator
            else []
        ),
    }
