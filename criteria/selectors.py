from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from communes.access import memberships_of
from communes.models import AdministrativeUnit, UnitLevel
from communes.selectors import existing_between_q

from .models import CriteriaSet, Criterion, Enrolment, Indicator, IndicatorTarget

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def criteria_sets_for_browsing() -> QuerySet[CriteriaSet]:
    """Every criteria set (any signed-in user may read them), with their sizes."""
    return CriteriaSet.objects.annotate(
        criteria_count=Count("criteria", distinct=True),
        indicator_count=Count("indicators", distinct=True),
    ).order_by("-is_complete", "code")


def criteria_set_with_content(criteria_set: CriteriaSet) -> QuerySet[Criterion]:
    """The set's criteria with their sub-criteria and targets, in three queries."""
    return Criterion.objects.filter(criteria_set=criteria_set).prefetch_related(
        Prefetch(
            "indicators",
            queryset=Indicator.objects.order_by("position").prefetch_related(
                Prefetch("targets", queryset=IndicatorTarget.objects.order_by("zone"))
            ),
        )
    )


def enrolment_in_force_q(first_day: datetime.date, last_day: datetime.date, prefix: str = "") -> Q:
    """The enrolments that may apply between `first_day` and `last_day` (a reporting month): started by
    then (no start: from the beginning) and in a criteria set in force then (no dates: always)."""
    return (
        (Q(**{f"{prefix}starts_on__isnull": True}) | Q(**{f"{prefix}starts_on__lte": last_day}))
        & (
            Q(**{f"{prefix}criteria_set__effective_from__isnull": True})
            | Q(**{f"{prefix}criteria_set__effective_from__lte": last_day})
        )
        & (
            Q(**{f"{prefix}criteria_set__effective_until__isnull": True})
            | Q(**{f"{prefix}criteria_set__effective_until__gte": first_day})
        )
    )


def applying_enrolment_id(first_day: datetime.date, last_day: datetime.date) -> Subquery:
    """For a queryset of communes (`OuterRef("pk")`): the id of the enrolment that applies to the commune
    in that month, the one with the latest start among those in force (ties: the newest row); None when
    the commune has none."""
    candidates = (
        Enrolment.objects.filter(enrolment_in_force_q(first_day, last_day), commune=OuterRef("pk"))
        .order_by(F("starts_on").desc(nulls_last=True), "-pk")
        .values("pk")[:1]
    )
    return Subquery(candidates)


def enrolments_applying(
    communes: QuerySet[AdministrativeUnit], first_day: datetime.date, last_day: datetime.date
) -> QuerySet[Enrolment]:
    """The enrolment applying to each of `communes` in that month (communes without one are left out),
    with its commune and set, ordered by district and commune name. One query."""
    ids = communes.annotate(applying=applying_enrolment_id(first_day, last_day)).values("applying")
    return (
        Enrolment.objects.filter(pk__in=ids)
        .select_related("commune", "commune__parent", "criteria_set")
        .order_by("commune__parent__name", "commune__name", "commune_id")
    )


def this_month() -> tuple[datetime.date, datetime.date]:
    """The first and the last day of the current month (Asia/Ho_Chi_Minh)."""
    today = timezone.localdate()
    following = (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return today.replace(day=1), following - datetime.timedelta(days=1)


def sets_applying_for(user: User | AnonymousUser) -> list[CriteriaSet]:
    """The criteria sets that apply this month to the communes of the user's own units (those of their
    memberships and below, in existence this month), the most used first; none for a user without units
    (a superuser reaches every commune, but has no communes of their own). One query, once per request."""
    if not hasattr(user, "_ntm_sets_applying"):
        sets: list[CriteriaSet] = []
        memberships = memberships_of(user)
        if memberships:
            first, last = this_month()
            reach = Q(pk__in=[])
            for membership in memberships:
                reach |= Q(path__startswith=membership.unit.path)
            communes = AdministrativeUnit.objects.filter(
                reach, existing_between_q(first, last), level=UnitLevel.COMMUNE
            )
            applying = enrolments_applying(communes, first, last)
            sets = list(
                CriteriaSet.objects.filter(enrolments__in=applying.values("pk"))
                .annotate(n=Count("enrolments"))
                .order_by("-n", "code")
            )
        user._ntm_sets_applying = sets  # type: ignore[union-attr]  # a cache for the request
    return user._ntm_sets_applying  # type: ignore[union-attr, no-any-return]


def active_set_for(user: User | AnonymousUser) -> CriteriaSet | None:
    """The criteria set most of the user's communes report on this month (see `sets_applying_for`)."""
    sets = sets_applying_for(user)
    return sets[0] if sets else None


def communes_enrolled_now(communes: QuerySet[AdministrativeUnit]) -> QuerySet[AdministrativeUnit]:
    """Those of `communes` in existence this month with an enrolment applying to it (for pages that
    act now: a new inspection, a new working session)."""
    first, last = this_month()
    applying = enrolments_applying(communes, first, last).values("commune_id")
    return communes.filter(existing_between_q(first, last), pk__in=applying)


def enrolments_for(
    communes: Iterable[AdministrativeUnit] | QuerySet[AdministrativeUnit],
    first_day: datetime.date | None = None,
    last_day: datetime.date | None = None,
) -> dict[int, Enrolment]:
    """The enrolment applying per commune id, in the month from `first_day` to `last_day` (default: this
    month)."""
    if first_day is None or last_day is None:
        first_day, last_day = this_month()
    queryset = AdministrativeUnit.objects.filter(pk__in=[c.pk for c in communes])
    return {e.commune_id: e for e in enrolments_applying(queryset, first_day, last_day)}
