from communes import access
from criteria.selectors import active_set_for


def portal(request):
    """What every page needs: the user's role for the navigation and the active criteria set."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    return {"primary_role": access.primary_role(user), "active_criteria_set": active_set_for(user)}
