from communes import access

from .models import ActionItem, ActionStatus

OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


def actions_visible_to(user):
    return access.scope_by_unit(ActionItem.objects.all(), user, unit_field="commune")


def actions_of_commune(commune, *, open_only=False):
    actions = ActionItem.objects.filter(commune=commune).select_related("criterion", "indicator", "owner_user")
    if open_only:
        actions = actions.filter(status__in=OPEN_STATUSES)
    return actions.order_by("criterion__number", "due_date", "id")
