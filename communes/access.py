"""The one place that answers "what may this user see and change".

A membership (user, unit, role) reaches the unit and every unit below it. Views fetch units and
unit-bound objects through these helpers: an object outside the user's units is a 404 (the user
must not learn that it exists); a visible object the user's role may not act on is a 403.

Dates. A membership counts from its `valid_from` (none: always has). Once its `valid_until` has passed
(in Asia/Ho_Chi_Minh) it has ended: the user still reads what it reached (READ_ACTIONS: unit pages,
reports, dashboards, minutes, inspections) and acts on nothing there (every other action is a 403).
`memberships_of` answers what the user reads, `acting_memberships_of` what they may act on.

Predecessors. A membership at a unit also reads the units it replaced: the units merged into it (their
`replaced_by` chains, followed back transitively) and the older versions of its own code, with all
below them (`reading_paths`). It reads them only (READ_ACTIONS, as an ended membership does): their
records stay on them and are acted on by nobody through the successor.

Sectors. A department (Role.DEPARTMENT, its name in Membership.department, e.g. "Phòng Y tế") reaches
its units like anyone, but reads there only its sector; anything else is a 404, as for an outsider.
Departments are named per sub-criterion (Indicator.responsible_department; empty: its criterion's,
Criterion.responsible_department): a criterion such as "Văn hóa, giáo dục, y tế" spans several.
- a row tied to a sub-criterion (a sub-criterion's status or evidence, an inspection finding and its
  photos, a task with a sub-criterion) belongs to the sub-criterion's department;
- a row tied only to a criterion (a task with a criterion and no sub-criterion, a criterion in a list or a
  matrix column) belongs to the criterion's department and to the department of each of its
  sub-criteria: a department sees the criteria where it has a sub-criterion, and within them only its
  own sub-criteria;
- a task without a criterion (a working session's directive, a plan task entered without one) belongs
  to its owner: the department sees it only when the task's owner department (or owner name) is it.
An inspection itself (the visit of a team to a commune) has no sector: a department sees it, with only
its sector's findings. A user who reaches a unit through any other role as well reads every sector.
`sector_departments` answers this for one unit, `scope_by_unit(..., sector=...)` (with `sector_q`) and
`limit_to_sectors` for a queryset.

Tasks (inspections.models.ActionItem). The commune answers its tasks (in progress, done with a note
or evidence) and so does a task's named owner; only the inspector or the office verifies a done task,
or changes a verified one. The due date of a task set from above (an inspection's follow-up, a working
session's directive) is the inspector's or the office's to move; the commune moves those of its plan.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol, TypeVar

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import AdministrativeUnit, Membership, Role, UnitLevel

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

_M = TypeVar("_M", bound=Model)


class Task(Protocol):
    """What the task rules read of a task (inspections.models.ActionItem; communes may not import it)."""

    commune: AdministrativeUnit
    owner_user_id: int | None
    source: str
    finding_id: int | None


ALL_ROLES = frozenset(Role.values)

# Which roles may do what at a unit they reach. Later features add their actions here.
ACTIONS = {
    "unit.view": ALL_ROLES,
    "report.edit": frozenset({Role.COMMUNE_OFFICIAL}),
    "report.review": frozenset({Role.OFFICE}),
    "dashboard.view": frozenset({Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.DEPARTMENT}),
    "inspection.edit": frozenset({Role.INSPECTOR, Role.OFFICE}),
    "meeting.edit": frozenset({Role.OFFICE}),
    "meeting.view": frozenset({Role.OFFICE, Role.LEADER, Role.COMMUNE_OFFICIAL}),
    "action.edit": frozenset({Role.COMMUNE_OFFICIAL, Role.OFFICE, Role.INSPECTOR}),
    "action.answer": frozenset({Role.COMMUNE_OFFICIAL}),
    "action.verify": frozenset({Role.INSPECTOR, Role.OFFICE}),
    # Move the due date of a task set from above (see `may_set_due_date`).
    "action.reschedule": frozenset({Role.INSPECTOR, Role.OFFICE}),
    # Set or move the reporting deadline of the communes of one's own unit (see `deadline_unit_or_404`).
    "deadline.set": frozenset({Role.OFFICE}),
    # The office's self-service (office app): people, enrolments, imports of the units it coordinates.
    "office.manage": frozenset({Role.OFFICE}),
}

# What an ended membership still allows: reading. Every other action needs a current membership.
READ_ACTIONS = frozenset({"unit.view", "dashboard.view", "meeting.view"})

# inspections.models.ActionSource.PLAN: a task of the commune's own plan (communes may not import inspections).
OWN_PLAN = "plan"


def _replaced_q(unit: AdministrativeUnit | OuterRef) -> Q:
    """The units `unit` replaced directly: merged into it, or an older version of its code."""
    if isinstance(unit, OuterRef):
        code, start = OuterRef(f"{unit.name}__code"), OuterRef(f"{unit.name}__valid_from")
        return Q(replaced_by=unit) | Q(code=code, valid_until__lt=start)
    older = Q(code=unit.code, valid_until__lt=unit.valid_from) if unit.valid_from else Q(pk__in=[])
    return Q(replaced_by=unit) | older


def _predecessor_paths(unit: AdministrativeUnit) -> list[str]:
    """The paths of every unit `unit` replaced, transitively (one query per generation)."""
    paths: list[str] = []
    seen, generation = {unit.pk}, [unit]
    while generation:
        q = Q(pk__in=[])
        for node in generation:
            q |= _replaced_q(node)
        generation = list(AdministrativeUnit.objects.filter(q).exclude(pk__in=seen))
        seen.update(u.pk for u in generation)
        paths += [u.path for u in generation]
    return paths


def _all_memberships(user: User | AnonymousUser) -> list[Membership]:
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_ntm_memberships", None)
    if cached is None:
        replaced = AdministrativeUnit.objects.filter(_replaced_q(OuterRef("unit"))).exclude(pk=OuterRef("unit"))
        cached = list(
            Membership.objects.filter(user=user)
            .select_related("unit", "unit__parent")
            .annotate(unit_replaced_others=Exists(replaced))  # no further query for a unit without predecessors
        )
        for m in cached:
            predecessors = _predecessor_paths(m.unit) if m.unit_replaced_others else []
            m.reading_paths = (m.unit.path, *predecessors)
        user._ntm_memberships = cached  # type: ignore[attr-defined]  # a cache for the request
    return cached


def reading_paths(membership: Membership) -> tuple[str, ...]:
    """The paths a membership reads below: its unit's and those of the units its unit replaced (a
    membership from `memberships_of`; its acting reach is its unit's path alone)."""
    return getattr(membership, "reading_paths", (membership.unit.path,))


def _reaches(membership: Membership, unit: AdministrativeUnit, *, acting: bool) -> bool:
    paths = (membership.unit.path,) if acting else reading_paths(membership)
    return any(unit.path.startswith(path) for path in paths)


def memberships_of(user: User | AnonymousUser) -> list[Membership]:
    """The memberships through which the user reads: every one that has started, ended ones included
    (loaded once per request, cached on the user)."""
    today = timezone.localdate()
    return [m for m in _all_memberships(user) if m.has_started(today)]


def acting_memberships_of(user: User | AnonymousUser) -> list[Membership]:
    """The memberships through which the user acts: started and not ended."""
    today = timezone.localdate()
    return [m for m in _all_memberships(user) if m.has_started(today) and not m.has_ended(today)]


def _scope_q(user: User | AnonymousUser, prefix: str = "", sector: Callable[[set[str]], Q] | None = None) -> Q:
    q = Q(pk__in=[])
    for m in memberships_of(user):
        reach = Q(pk__in=[])
        for path in reading_paths(m):
            reach |= Q(**{f"{prefix}path__startswith": path})
        if sector is not None and m.role == Role.DEPARTMENT:
            reach &= sector({m.department}) if m.department else Q(pk__in=[])
        q |= reach
    return q


def units_visible_to(user: User | AnonymousUser) -> QuerySet[AdministrativeUnit]:
    """Every administrative unit the user may see: their units and all units below them."""
    units = AdministrativeUnit.objects.all()
    if user.is_superuser:
        return units
    if not user.is_authenticated:
        return units.none()
    return units.filter(_scope_q(user))


def communes_visible_to(user: User | AnonymousUser) -> QuerySet[AdministrativeUnit]:
    return units_visible_to(user).filter(level=UnitLevel.COMMUNE)


def scope_by_unit(
    queryset: QuerySet[_M],
    user: User | AnonymousUser,
    unit_field: str = "unit",
    *,
    sector: Callable[[set[str]], Q] | None = None,
) -> QuerySet[_M]:
    """Restrict any queryset whose rows belong to a unit (via `unit_field`) to the user's units.

    Rows that belong to a sector pass `sector`: departments → the Q of the rows in their sectors (built
    with `sector_q`); where the user reaches a unit only as a department, only those rows are kept.
    """
    if user.is_superuser:
        return queryset
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(_scope_q(user, prefix=f"{unit_field}__", sector=sector))


def scope_by_action(
    queryset: QuerySet[_M], user: User | AnonymousUser, action: str, unit_field: str = "unit"
) -> QuerySet[_M]:
    """Restrict a queryset of unit-bound rows to the units where the user holds a role that may do
    `action` (e.g. "meeting.view": the minutes of a commune are read by its office, leaders and officials,
    not by an inspector or a department who reach the commune otherwise)."""
    if user.is_superuser:
        return queryset
    lookup = f"{unit_field}__path__startswith" if unit_field else "path__startswith"  # "": rows are units
    reach = Q(pk__in=[])
    if action in READ_ACTIONS:
        paths = {p for m in memberships_of(user) if m.role in ACTIONS[action] for p in reading_paths(m)}
    else:
        paths = {m.unit.path for m in acting_memberships_of(user) if m.role in ACTIONS[action]}
    for path in paths:
        reach |= Q(**{lookup: path})
    return queryset.filter(reach)


def sector_departments(user: User | AnonymousUser, unit: AdministrativeUnit) -> set[str] | None:
    """The departments whose sectors bound what the user reads at `unit`, or None when they read it all.

    None unless every membership reaching `unit` is a department's (see the module's docstring).
    """
    memberships = [m for m in memberships_of(user) if _reaches(m, unit, acting=False)]
    if user.is_superuser or any(m.role != Role.DEPARTMENT for m in memberships):
        return None
    return {m.department for m in memberships if m.department}


def _field(prefix: str, name: str) -> str:
    return f"{prefix}__{name}" if prefix else name


def _indicator_sector_q(departments: set[str], indicator: str) -> Q:
    """Rows whose sub-criterion (lookup `indicator`, "" for sub-criteria) is the departments': its own
    department, else (none named) its criterion's."""
    own = _field(indicator, "responsible_department")
    return Q(**{f"{own}__in": departments}) | Q(
        **{own: "", f"{_field(indicator, 'criterion__responsible_department')}__in": departments}
    )


def _criterion_sector_q(departments: set[str], criterion: str) -> Q:
    """Rows whose criterion (lookup `criterion`, "" for criteria) is the departments' or has one of their
    sub-criteria (a subquery: no join, no duplicate rows)."""
    indicators = apps.get_model("criteria", "Indicator")._default_manager  # communes does not import criteria
    theirs = indicators.filter(criterion=OuterRef(criterion or "pk"), responsible_department__in=departments)
    return Q(**{f"{_field(criterion, 'responsible_department')}__in": departments}) | Q(Exists(theirs))


def sector_q(
    departments: Iterable[str],
    *,
    criterion: str | None = None,
    indicator: str | None = None,
    owners: Iterable[str] = (),
) -> Q:
    """The Q of the rows in the sectors of `departments` (names, as in Indicator.responsible_department).

    `indicator` is the lookup from a row to its sub-criterion ("indicator", "" for a queryset of
    sub-criteria), `criterion` the lookup to its criterion ("criterion", "" for a queryset of criteria);
    see the module's docstring. A row with both (a task) follows its sub-criterion when it has one, else its
    criterion. A row with neither belongs to its owner: `owners` are the lookups of the row's owner
    department or name ("owner_department"); without them such a row is in no sector.
    """
    departments = {d for d in departments if d}
    if indicator is None and criterion is None:
        raise TypeError("sector_q needs a lookup to a criterion or a sub-criterion")
    if indicator is not None and criterion is not None:
        q = (Q(**{f"{indicator}__isnull": False}) & _indicator_sector_q(departments, indicator)) | (
            Q(**{f"{indicator}__isnull": True}) & _criterion_sector_q(departments, criterion)
        )
    elif indicator is not None:
        q = _indicator_sector_q(departments, indicator)
    else:
        assert criterion is not None
        q = _criterion_sector_q(departments, criterion)
    unbound = Q(**{f"{lookup}__isnull": True for lookup in (indicator, criterion) if lookup})
    for owner in owners:
        q |= unbound & Q(**{f"{owner}__in": departments})
    return q


def limit_to_sectors(
    queryset: QuerySet[_M],
    departments: set[str] | None,
    criterion: str | None = None,
    *,
    indicator: str = "indicator",
) -> QuerySet[_M]:
    """`queryset` narrowed to the sectors of `departments` (from `sector_departments`; None: all of it).

    Rows tied to a sub-criterion name the lookup to it in `indicator` ("indicator", the default; "" for a
    queryset of sub-criteria); rows tied only to a criterion name the lookup to it in `criterion` ("" for
    a queryset of criteria), see `sector_q`. Every page and export a department reads (report, history,
    commune page, dashboards, long export) narrows its criteria and sub-criteria here.
    """
    if departments is None:
        return queryset
    if criterion is not None:
        return queryset.filter(sector_q(departments, criterion=criterion))
    return queryset.filter(sector_q(departments, indicator=indicator))


def roles_at(user: User | AnonymousUser, unit: AdministrativeUnit, *, acting: bool = False) -> set[str]:
    """The roles the user holds at `unit` (through a membership at it or above it, or, for reading, at a
    successor of it); with `acting`, only through current memberships at it or above it."""
    memberships = acting_memberships_of(user) if acting else memberships_of(user)
    return {m.role for m in memberships if _reaches(m, unit, acting=acting)}


def can(user: User | AnonymousUser, action: str, unit: AdministrativeUnit) -> bool:
    """Reading (READ_ACTIONS) through any started membership; anything else through a current one."""
    if user.is_superuser:
        return True
    return bool(roles_at(user, unit, acting=action not in READ_ACTIONS) & ACTIONS[action])


def check(user: User | AnonymousUser, action: str, unit: AdministrativeUnit) -> None:
    """404 when the unit is outside the user's reach, 403 when the role is too low."""
    if not user.is_superuser and not roles_at(user, unit):
        raise Http404
    if not can(user, action, unit):
        raise PermissionDenied


def may_answer_action(user: User | AnonymousUser, action: Task) -> bool:
    """The commune answers its tasks (in progress, done); so does the user a task is assigned to."""
    return can(user, "action.answer", action.commune) or (user.is_authenticated and action.owner_user_id == user.pk)


def may_verify_action(user: User | AnonymousUser, action: Task) -> bool:
    """Verifying a done task, or changing a verified one, is the inspector's or the office's."""
    return can(user, "action.verify", action.commune)


def may_set_due_date(user: User | AnonymousUser, action: Task) -> bool:
    """A task of the commune's own plan: anyone editing it; one set from above (an inspection's follow-up,
    a working session's directive): the inspector or the office only."""
    if action.source == OWN_PLAN and action.finding_id is None:
        return can(user, "action.edit", action.commune)
    return can(user, "action.reschedule", action.commune)


def get_unit_or_404(
    user: User | AnonymousUser, code: str, action: str = "unit.view", version: int | None = None
) -> AdministrativeUnit:
    """The version of `code` in force today (else its latest), or the version with primary key `version`.

    A unit that ended in a merger is read by the people of its successor (see `reading_paths`); the people
    of a unit above a successor see its page too ("unit.view" only), from the successor's list of
    predecessors.
    """
    units = AdministrativeUnit.objects.select_related("parent", "replaced_by")
    unit = units.by_code(code) if version is None else units.filter(code=code, pk=version).first()
    if unit is None:
        raise Http404
    if action == "unit.view" and may_view_unit(user, unit):
        return unit
    check(user, action, unit)
    return unit


def may_view_unit(user: User | AnonymousUser, unit: AdministrativeUnit) -> bool:
    """Whether the unit's page opens for the user (see get_unit_or_404): a link to a page that does not is
    shown as plain text."""
    if user.is_superuser or roles_at(user, unit):
        return can(user, "unit.view", unit)
    return _reaches_a_successor(user, unit)


def _reaches_a_successor(user: User | AnonymousUser, unit: AdministrativeUnit) -> bool:
    seen, node = {unit.pk}, unit.replaced_by
    while node is not None and node.pk not in seen:
        if roles_at(user, node):
            return True
        seen.add(node.pk)
        node = node.replaced_by
    return False


def primary_role(user: User | AnonymousUser) -> str | None:
    """The role that decides the user's home page; the highest-reaching one wins. Current memberships
    come first; a user whose memberships have all ended keeps their last home page, read-only."""
    order = [Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.DEPARTMENT, Role.COMMUNE_OFFICIAL]
    roles = {m.role for m in acting_memberships_of(user) or memberships_of(user)}
    for role in order:
        if role in roles:
            return role
    return None


def units_with_role(user: User | AnonymousUser, *roles: str) -> list[AdministrativeUnit]:
    """The units at which the user holds one of `roles` through a current membership (their membership
    units, not below): the units where they act."""
    return [m.unit for m in acting_memberships_of(user) if m.role in roles]


def units_with_role_or_403(user: User | AnonymousUser, *roles: str) -> list[AdministrativeUnit]:
    """The user's units for `roles`; a signed-in user holding none of them gets 403."""
    units = units_with_role(user, *roles)
    if not units and not user.is_superuser:
        raise PermissionDenied
    return units


def deadline_units(user: User | AnonymousUser) -> list[AdministrativeUnit]:
    """The units at which the user sets reporting deadlines: those where they are a coordination office
    (current membership), not the units below them; a superuser: the top units."""
    if user.is_superuser:
        return list(AdministrativeUnit.objects.filter(parent__isnull=True))
    return units_with_role(user, Role.OFFICE)


def deadline_unit_or_404(user: User | AnonymousUser, code: str) -> AdministrativeUnit:
    """The unit `code` if the user may set the deadline of its communes ("deadline.set").

    Deadlines belong to the coordinating office: an office sets one at its own unit only, and the deadline
    set nearest a commune wins, so an office below moves it for its own communes only and an office above
    cannot override it. Not an office: 403; a unit outside the user's reach: 404; a unit in reach but not
    one of the office's own (a commune, a district below a province office): 403.
    """
    units_with_role_or_403(user, Role.OFFICE)
    unit = get_unit_or_404(user, code, "deadline.set")
    if not user.is_superuser and unit.pk not in {u.pk for u in deadline_units(user)}:
        raise PermissionDenied
    return unit


# --- People (office app): who may give a role at a unit, and manage an account ---------------------


def office_units(user: User | AnonymousUser) -> list[AdministrativeUnit]:
    """The units where the user acts as a coordination office; anyone else gets 403 ("office.manage")."""
    return units_with_role_or_403(user, Role.OFFICE)


def _has_office_above(unit: AdministrativeUnit, today: datetime.date) -> bool:
    codes = [code for code in unit.path.split("/")[:-2] if code]
    return (
        Membership.objects.filter(role=Role.OFFICE, unit__code__in=codes)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .exists()
    )


def may_grant_at(user: User | AnonymousUser, unit: AdministrativeUnit) -> bool:
    """An office gives roles at the units below its own; at its own unit only when it is the top office
    of that unit (no office above it, e.g. the province's), never above or beside it. A unit that has
    ended gets no new roles."""
    today = timezone.localdate()
    if unit.valid_until is not None and unit.valid_until < today:
        return False
    for office in units_with_role(user, Role.OFFICE):
        if unit.path.startswith(office.path) and unit.pk != office.pk:
            return True
        if unit.pk == office.pk and not _has_office_above(unit, today):
            return True
    return False


def may_manage_person(user: User | AnonymousUser, memberships: Iterable[Membership]) -> bool:
    """Whether the user may change a person's account (contact details, active or not, a set-password
    link): only when every role the person holds and has not ended is one the user could have given.
    An office never takes over the account of a peer, of someone above it or of someone it does not reach
    (a changed email address would receive that person's password link)."""
    today = timezone.localdate()
    current = [m for m in memberships if not m.has_ended(today)]
    return all(may_grant_at(user, m.unit) for m in current)


def people_reach_q(user: User | AnonymousUser, prefix: str = "memberships__") -> Q:
    """The accounts an office sees: those holding (or having held) a role at one of its units or below.
    Accounts holding roles only elsewhere are not seen."""
    q = Q(pk__in=[])
    for office in units_with_role(user, Role.OFFICE):
        q |= Q(**{f"{prefix}unit__path__startswith": office.path})
    return q


def province_office_unit_or_403(user: User | AnonymousUser) -> AdministrativeUnit:
    """The province whose top office the user is (a current Role.OFFICE membership at a unit of level
    province with no parent): imports of units and criteria sets are theirs (office.imports).

    Anyone else gets 403, a district's office and a superuser included (superusers import with the
    management commands). A record of another province is the caller's 404.
    """
    for membership in acting_memberships_of(user):
        unit = membership.unit
        if membership.role == Role.OFFICE and unit.level == UnitLevel.PROVINCE and unit.parent_id is None:
            return unit
    raise PermissionDenied
