from django.db.models import Prefetch
from django.http import Http404

from communes import access

from .models import SHORTCOMINGS, ActionItem, ActionStatus, Finding, Inspection

OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


def actions_visible_to(user):
    return access.scope_by_unit(ActionItem.objects.all(), user, unit_field="commune")


def actions_of_commune(commune, *, open_only=False):
    actions = ActionItem.objects.filter(commune=commune).select_related("criterion", "indicator", "owner_user")
    if open_only:
        actions = actions.filter(status__in=OPEN_STATUSES)
    return actions.order_by("criterion__number", "due_date", "id")


def inspections_visible_to(user):
    return access.scope_by_unit(Inspection.objects.all(), user, unit_field="commune")


def get_inspection(user, pk, action="unit.view"):
    inspection = (
        inspections_visible_to(user).select_related("commune", "commune__parent", "leader").filter(pk=pk).first()
    )
    if inspection is None:
        raise Http404
    access.check(user, action, inspection.commune)
    return inspection


def get_in_inspection_scope(user, queryset, pk, action="unit.view", path="inspection__commune"):
    """An object hanging below an inspection (visit, finding, photo), scoped like the inspection."""
    obj = access.scope_by_unit(queryset, user, unit_field=path).filter(pk=pk).first()
    if obj is None:
        raise Http404
    commune = obj
    for part in path.split("__"):
        commune = getattr(commune, part)
    access.check(user, action, commune)
    return obj


def inspection_detail(inspection):
    """Visits with their findings, photos and follow-up actions (a fixed number of queries)."""
    return inspection.visits.prefetch_related(
        Prefetch(
            "findings",
            queryset=Finding.objects.select_related(
                "indicator", "indicator__criterion", "resolved_by"
            ).prefetch_related("photos", Prefetch("actions", queryset=ActionItem.objects.select_related("owner_user"))),
        )
    )


def open_shortcomings(commune_ids):
    """{(commune id, indicator id)} of shortcomings found by inspections and not yet resolved."""
    return set(
        Finding.objects.filter(
            visit__inspection__commune_id__in=commune_ids, assessment__in=SHORTCOMINGS, resolved_at__isnull=True
        )
        .order_by()
        .values_list("visit__inspection__commune_id", "indicator_id")
    )


def latest_findings(commune, limit=10):
    return (
        Finding.objects.filter(visit__inspection__commune=commune)
        .select_related("indicator", "visit", "visit__inspection")
        .order_by("-visit__inspection__date", "-id")[:limit]
    )
