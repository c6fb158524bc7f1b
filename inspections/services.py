from django.db import transaction
from django.utils.translation import gettext as _

from .models import ActionItem, ActionStatus

ACTION_FIELDS = (
    "criterion",
    "indicator",
    "title",
    "owner_user",
    "owner_name",
    "owner_position",
    "owner_department",
    "due_date",
    "status",
    "completion_note",
)


def action_create(*, commune, created_by, source, **fields):
    unknown = set(fields) - set(ACTION_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {unknown}")
    return ActionItem.objects.create(commune=commune, created_by=created_by, source=source, **fields)


def action_update(*, action, **fields):
    """Change an action's fields; only the changed ones are written (and recorded in its history)."""
    changed = [name for name, value in fields.items() if name in ACTION_FIELDS and getattr(action, name) != value]
    if changed:
        for name in changed:
            setattr(action, name, fields[name])
        with transaction.atomic():
            action.save(update_fields=[*changed, "updated_at"])
    return action


def action_verify(*, action, user):
    if action.status != ActionStatus.DONE:
        raise ValueError(_("Chỉ xác nhận được nhiệm vụ đã hoàn thành."))
    action._change_reason = f"verified by {user.get_username()}"
    return action_update(action=action, status=ActionStatus.VERIFIED)
