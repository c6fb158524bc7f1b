from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, QuerySet

from communes.access import communes_visible_to

from .models import CriteriaSet, Criterion, Enrolment, Indicator, IndicatorTarget

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from communes.models import AdministrativeUnit


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


def active_set_for(user: User | AnonymousUser) -> CriteriaSet | None:
    """The criteria set the user's communes are enrolled in (the most common one), if any."""
    if not hasattr(user, "_ntm_active_set"):
        user._ntm_active_set = (  # type: ignore[union-attr]  # a cache for the request
            CriteriaSet.objects.filter(enrolments__active=True, enrolments__commune__in=communes_visible_to(user))
            .annotate(n=Count("enrolments"))
            .order_by("-n", "code")
            .first()
        )
    return user._ntm_active_set  # type: ignore[union-attr, no-any-return]


def enrolments_for(communes: Iterable[AdministrativeUnit] | QuerySet[AdministrativeUnit]) -> dict[int, Enrolment]:
    """Active enrolment per commune id."""
    return {
        e.commune_id: e
        for e in Enrolment.objects.filter(active=True, commune__in=communes).select_related("criteria_set")
    }
