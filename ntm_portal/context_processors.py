from communes import access
from communes.models import Role
from criteria.selectors import active_set_for
from notifications.selectors import unread_count


def portal(request):
    """What every page needs: the user's role for the navigation and the active criteria set."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    return {
        "primary_role": access.primary_role(user),
        "active_criteria_set": active_set_for(user),
        "unread_notifications": unread_count(user),
        "user_commune_units": access.units_with_role(user, Role.COMMUNE_OFFICIAL),
    }
