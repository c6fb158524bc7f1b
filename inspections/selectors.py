from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Exists, Model, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from communes import access

from .models import SHORTCOMINGS, ActionItem, ActionStatus, Finding, Inspection, InspectionStatus

if TYPE_CHECKING:
    import datetime

    from django.contrib.auth.models import AnonymousUser, User

    from communes.models import AdministrativeUnit

    from .models import SiteVisit

_M = TypeVar("_M", bound=Model)

OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


def action_sector(departments: Iterable[str]) -> Q:
    """Tasks in the departments' sectors: by sub-criterion, else by criterion, else by owner (access docstring)."""
    return access.sector_q(
        departments, criterion="criterion", indicator="indicator", owners=("owner_department", "owner_name")
    )


def finding_sector(departments: Iterable[str]) -> Q:
    return access.sector_q(departments, indicator="indicator")


def _in_sectors(queryset: QuerySet[_M], departments: set[str] | None, sector: Callable[[set[str]], Q]) -> QuerySet[_M]:
    """`queryset` narrowed to the sectors of `departments` (all of it when None, see access.sector_departments)."""
    return queryset if departments is None else queryset.filter(sector(departments))


def actions_visible_to(user: User | AnonymousUser) -> QuerySet[ActionItem]:
    return access.scope_by_unit(ActionItem.objects.all(), user, unit_field="commune", sector=action_sector)


def actions_marked_readable(user: User | AnonymousUser) -> QuerySet[ActionItem]:
    """Tasks with `readable`: whether the user may open the task. A finding's or a meeting's task that went
    to the successor of a merged commune is listed where it came from, but opens only for the successor's
    people (its later progress is theirs)."""
    return ActionItem.objects.select_related("owner_user", "commune").annotate(
        readable=Exists(actions_visible_to(user).filter(pk=OuterRef("pk")))
    )


def actions_of_commune(
    commune: AdministrativeUnit, *, open_only: bool = False, departments: set[str] | None = None
) -> QuerySet[ActionItem]:
    """The commune's tasks; a department (`departments`, from access.sector_departments) gets its sector's."""
    actions = ActionItem.objects.filter(commune=commune).select_related("criterion", "indicator", "owner_user")
    actions = _in_sectors(actions, departments, action_sector)
    if open_only:
        actions = actions.filter(status__in=OPEN_STATUSES)
    return actions.order_by("criterion__number", "due_date", "id")


def get_action(user: User | AnonymousUser, pk: int) -> ActionItem:
    """The task if the user reaches its commune and sector, else 404."""
    action = (
        actions_visible_to(user)
        .select_related("commune", "commune__parent", "owner_user", "finding", "verified_by")
        .filter(pk=pk)
        .first()
    )
    if action is None:
        raise Http404
    return action


def findings_visible_to(user: User | AnonymousUser) -> QuerySet[Finding]:
    return access.scope_by_unit(
        Finding.objects.all(), user, unit_field="visit__inspection__commune", sector=finding_sector
    )


def inspections_visible_to(user: User | AnonymousUser) -> QuerySet[Inspection]:
    return access.scope_by_unit(Inspection.objects.all(), user, unit_field="commune")


def get_inspection(user: User | AnonymousUser, pk: int, action: str = "unit.view") -> Inspection:
    inspection = (
        inspections_visible_to(user).select_related("commune", "commune__parent", "leader").filter(pk=pk).first()
    )
    if inspection is None:
        raise Http404
    access.check(user, action, inspection.commune)
    return inspection


def get_in_inspection_scope(
    user: User | AnonymousUser,
    queryset: QuerySet[_M],
    pk: int,
    action: str = "unit.view",
    path: str = "inspection__commune",
    indicator: str | None = None,
) -> _M:
    """An object hanging below an inspection (visit, finding, photo), scoped like the inspection.

    An object about one sub-criterion (a finding, a photo) names the lookup to it in `indicator`: a
    department gets a 404 for one of another sector."""
    sector = None if indicator is None else (lambda departments: access.sector_q(departments, indicator=indicator))
    obj = access.scope_by_unit(queryset, user, unit_field=path, sector=sector).filter(pk=pk).first()
    if obj is None:
        raise Http404
    commune: Any = obj
    for part in path.split("__"):
        commune = getattr(commune, part)
    access.check(user, action, commune)
    return obj


def inspection_detail(inspection: Inspection, user: User | AnonymousUser) -> QuerySet[SiteVisit]:
    """Visits with their findings, photos and follow-up actions (a fixed number of queries).

    A department sees only its sector's findings, and only the visits that have one."""
    departments = access.sector_departments(user, inspection.commune)
    findings = _in_sectors(Finding.objects.all(), departments, finding_sector)
    visits = inspection.visits.all()
    if departments is not None:
        visits = visits.filter(findings__in=findings).distinct()
    return visits.prefetch_related(
        Prefetch(
            "findings",
            queryset=findings.select_related("indicator", "indicator__criterion", "resolved_by").prefetch_related(
                "photos", Prefetch("actions", queryset=actions_marked_readable(user))
            ),
        )
    )


def inspections_for_export(inspections: QuerySet[Inspection], user: User | AnonymousUser) -> QuerySet[Inspection]:
    """`inspections` with the visits and findings the export lists: a department's sector only."""
    findings = findings_visible_to(user).select_related("indicator")
    return inspections.prefetch_related(Prefetch("visits__findings", queryset=findings))


def open_shortcomings(commune_ids: Iterable[int]) -> set[tuple[int, int]]:
    """{(commune id, indicator id)} of shortcomings found by inspections and not yet resolved."""
    return set(
        Finding.objects.filter(
            visit__inspection__commune_id__in=commune_ids, assessment__in=SHORTCOMINGS, resolved_at__isnull=True
        )
        .order_by()
        .values_list("visit__inspection__commune_id", "indicator_id")
    )


def latest_findings(
    commune: AdministrativeUnit, limit: int = 10, *, departments: set[str] | None = None
) -> QuerySet[Finding]:
    """The commune's latest findings; a department (`departments`) gets its sector's."""
    findings = _in_sectors(Finding.objects.filter(visit__inspection__commune=commune), departments, finding_sector)
    return findings.select_related("indicator", "visit", "visit__inspection").order_by(
        "-visit__inspection__date", "-id"
    )[:limit]


def actions_due(actions: QuerySet[ActionItem], *, until: datetime.date | None = None) -> QuerySet[ActionItem]:
    """The open tasks among `actions`, due by `until` when given (earlier ones: overdue), soonest first."""
    actions = actions.filter(status__in=OPEN_STATUSES)
    if until is not None:
        actions = actions.filter(due_date__lte=until)
    return actions.select_related("commune", "commune__parent", "criterion", "indicator").order_by("due_date", "id")


def actions_to_verify(user: User | AnonymousUser) -> QuerySet[ActionItem]:
    """Tasks reported done that the user may verify (inspector or office), the oldest due first."""
    verifiable = access.scope_by_action(ActionItem.objects.all(), user, "action.verify", unit_field="commune")
    return (
        verifiable.filter(status=ActionStatus.DONE)
        .select_related("commune", "commune__parent", "criterion")
        .order_by("due_date", "id")
    )


def inspections_under_way(user: User | AnonymousUser) -> QuerySet[Inspection]:
    """Inspections planned or in progress that the user sees, the earliest first."""
    return (
        inspections_visible_to(user)
        .filter(status__in=(InspectionStatus.PLANNED, InspectionStatus.IN_PROGRESS))
        .select_related("commune", "commune__parent")
        .order_by("date", "id")
    )
