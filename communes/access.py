"""The one place that answers "what may this user see and change".

A membership (user, unit, role) reaches the unit and every unit below it. Views fetch units and
unit-bound objects through these helpers: an object outside the user's units is a 404 (the user
must not learn that it exists); a visible object the user's role may not act on is a 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from .models import AdministrativeUnit, Membership, Role, UnitLevel

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
}


def memberships_of(user):
    """The user's memberships with their units, loaded once per request (cached on the user)."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_ntm_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("unit", "unit__parent"))
        user._ntm_memberships = cached
    return cached


def _scope_q(user, prefix=""):
    paths = {m.unit.path for m in memberships_of(user)}
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


def units_visible_to(user):
    """Every administrative unit the user may see: their units and all units below them."""
    units = AdministrativeUnit.objects.all()
    if user.is_superuser:
        return units
    if not user.is_authenticated:
        return units.none()
    return units.filter(_scope_q(user))


def communes_visible_to(user):
    return units_visible_to(user).filter(level=UnitLevel.COMMUNE)


def scope_by_unit(queryset, user, unit_field="unit"):
    """Restrict any queryset whose rows belong to a unit (via `unit_field`) to the user's units."""
    if user.is_superuser:
        return queryset
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(_scope_q(user, prefix=f"{unit_field}__"))


def roles_at(user, unit):
    """The roles the user holds at `unit` (through a membership at it or above it)."""
    return {m.role for m in memberships_of(user) if unit.path.startswith(m.unit.path)}


def can(user, action, unit):
    if user.is_superuser:
        return True
    return bool(roles_at(user, unit) & ACTIONS[action])


def check(user, action, unit):
    """404 when the unit is outside the user's reach, 403 when the role is too low."""
    if not user.is_superuser and not roles_at(user, unit):
        raise Http404
    if not can(user, action, unit):
        raise PermissionDenied


def get_unit_or_404(user, code, action="unit.view"):
    unit = AdministrativeUnit.objects.filter(code=code).select_related("parent").first()
    if unit is None:
        raise Http404
    check(user, action, unit)
    return unit


def primary_role(user):
    """The role that decides the user's home page; the highest-reaching one wins."""
    order = [Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.DEPARTMENT, Role.COMMUNE_OFFICIAL]
    roles = {m.role for m in memberships_of(user)}
    for role in order:
        if role in roles:
            return role
    return None


def units_with_role(user, *roles):
    """The units at which the user holds one of `roles` (their membership units, not below)."""
    return [m.unit for m in memberships_of(user) if m.role in roles]


def units_with_role_or_403(user, *roles):
    """The user's units for `roles`; a signed-in user holding none of them gets 403."""
    units = units_with_role(user, *roles)
    if not units and not user.is_superuser:
        raise PermissionDenied
    return units


def units_beyond_office(user, units):
    """Those of `units` (a queryset of units) outside every unit where the user is a coordination office."""
    if user.is_superuser:
        return units.none()
    reach = Q(pk__in=[])
    for unit in units_with_role(user, Role.OFFICE):
        reach |= Q(path__startswith=unit.path)
    return units.exclude(reach)


def office_reaches_all(user, units):
    """Whether the user is a coordination office over every one of `units` (a queryset of units).

    A change that acts on many communes at once (a reporting period's deadline, shared by every commune)
    is for an office whose units hold all of them; any other office gets a 403.
    """
    if user.is_superuser:
        return True
    return bool(units_with_role(user, Role.OFFICE)) and not units_beyond_office(user, units).exists()
