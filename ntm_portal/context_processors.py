from communes import access
from communes.models import Role
from core.page_cache import per_reader
from criteria.selectors import sets_applying_for
from notifications.selectors import unread_count


def portal(request):
    """What every page needs: the user's role for the navigation and, for the footer, the criteria sets that
    apply now to the communes of the user's own units (one query, cached on the user for the request)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    # Kept under the data version (memberships, units and criteria sets are watched): on a kept page, these
    # queries would cost more than the rest of the request.
    shell = per_reader(
        "shell",
        request,
        lambda: {
            "primary_role": access.primary_role(user),
            # The office's management pages need a current office membership (an ended one reads only).
            "manages_as_office": user.is_superuser or bool(access.units_with_role(user, Role.OFFICE)),
            "applying_criteria_sets": sets_applying_for(user),
            "user_commune_units": access.units_with_role(user, Role.COMMUNE_OFFICIAL),
        },
    )
    return {**shell, "unread_notifications": unread_count(user)}
