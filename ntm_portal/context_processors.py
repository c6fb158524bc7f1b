from communes import access
from communes.models import Role
from criteria.selectors import sets_applying_for
from dashboards.page_cache import per_reader
from notifications.selectors import unread_count


def portal(request):
    """What every page needs: the user's role for the navigation and, for the footer, the criteria sets that
    apply now to the communes of the user's own units (one query, cached on the user for the request)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    return {
        "primary_role": access.primary_role(user),
        # Kept under the data version: the query behind it costs more than the rest of a cached page.
        "applying_criteria_sets": per_reader("applying_sets", request, lambda: sets_applying_for(user)),
        "unread_notifications": unread_count(user),
        "user_commune_units": access.units_with_role(user, Role.COMMUNE_OFFICIAL),
    }
