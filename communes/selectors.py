from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from . import access
from .models import AdministrativeUnit, Profile

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User


def existing_between_q(first_day: datetime.date, last_day: datetime.date, prefix: str = "") -> Q:
    """The units in existence at some point from `first_day` to `last_day` (no dates: always); `prefix`
    is the lookup to the unit from another model ("commune__")."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": last_day})) & (
        Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": first_day})
    )


def units_search(user: User | AnonymousUser, query: str = "") -> QuerySet[AdministrativeUnit]:
    """Units the user may see, optionally filtered by name or code."""
    units = access.units_visible_to(user).select_related("parent")
    if query:
        units = units.filter(Q(name__icontains=query) | Q(code=query))
    return units.order_by("path")


def unit_children(unit: AdministrativeUnit) -> QuerySet[AdministrativeUnit]:
    return AdministrativeUnit.objects.filter(parent=unit).order_by("name")


def unit_predecessors(unit: AdministrativeUnit) -> QuerySet[AdministrativeUnit]:
    """The units `unit` replaced (a merger's old communes) and the older versions of its own code."""
    older = Q(code=unit.code, valid_from__lt=unit.valid_from) if unit.valid_from else Q(pk__in=[])
    return (
        AdministrativeUnit.objects.filter(Q(replaced_by=unit) | older)
        .exclude(pk=unit.pk)
        .select_related("parent")
        .order_by("-valid_until", "name")
    )


def unit_ancestors(unit: AdministrativeUnit) -> list[AdministrativeUnit]:
    """From the top of the tree down to the unit's parent (select_related keeps it cheap)."""
    ancestors, node = [], unit.parent
    while node is not None:
        ancestors.insert(0, node)
        node = node.parent
    return ancestors


def users_with_role_over(unit: AdministrativeUnit, role: str) -> QuerySet[User]:
    """Users holding `role` at the unit or at any unit above it (e.g. the office over a commune)."""
    codes = [code for code in unit.path.split("/") if code]
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__role=role, memberships__unit__code__in=codes)
        .distinct()
    )


def languages_of(users: Iterable[AbstractBaseUser]) -> dict[int, str]:
    """{user id: language} for mail and notifications: the language the person chose, else Vietnamese."""
    chosen = dict(Profile.objects.filter(user__in=[u.pk for u in users]).values_list("user_id", "language"))
    return {u.pk: chosen.get(u.pk, settings.LANGUAGE_CODE) for u in users}


def people_within(units: Iterable[AdministrativeUnit]) -> QuerySet[User]:
    """The active accounts holding a role at one of `units` or below, by name."""
    reach = Q(pk__in=[])
    for unit in units:
        reach |= Q(memberships__unit__path__startswith=unit.path)
    return get_user_model().objects.filter(reach, is_active=True).distinct().order_by("last_name", "first_name")
