"""What each role sees first after signing in."""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communes import access
from communes.models import Role
from communes.selectors import existing_between_q
from criteria.models import Criterion, Indicator
from criteria.selectors import active_set_for, enrolments_for
from reports.selectors import enrolments_reporting_in, period_for_reader, roles_ended_on
from reports.services import period_current

from . import queues


def _communes_with_enrolment(user, period):
    """The communes the user sees that exist in `period` (not the predecessors of a merged commune), with the
    enrolment applying then (or None)."""
    communes = list(
        access.communes_visible_to(user)
        .filter(existing_between_q(period.first_day, period.last_day))
        .select_related("parent")
        .order_by("parent__name", "name")
    )
    enrolments = enrolments_for(communes, period.first_day, period.last_day)
    return [(c, enrolments.get(c.id)) for c in communes]


def _communes_of_area(user, period):
    """The communes in existence in `period` the user sees, each with its enrolment when it must report
    then (reports.selectors.communes_reporting_in), else None."""
    visible = access.communes_visible_to(user)
    reporting = {e.commune_id: e for e in enrolments_reporting_in(period, among=visible)}
    communes = visible.filter(existing_between_q(period.first_day, period.last_day))
    return [(c, reporting.get(c.pk)) for c in communes.select_related("parent").order_by("parent__name", "name")]


AREA_TITLES = {
    Role.OFFICE: _("Trang chủ Văn phòng Điều phối"),
    Role.LEADER: _("Trang chủ lãnh đạo"),
    Role.INSPECTOR: _("Trang chủ tổ công tác"),
}


def home_template(role):
    if role is None:
        return "home/no_role.html"
    if role in AREA_TITLES:
        return "home/area.html"
    return f"home/{role}.html"


def home_context(user):
    role = access.primary_role(user)
    context = {"role": role, "memberships": access.memberships_of(user), "today": timezone.localdate()}
    if role is None:
        return None, context
    context["ended_on"] = roles_ended_on(user)
    context["period"] = period = period_for_reader(user) or period_current()
    now = timezone.now()
    if role == Role.COMMUNE_OFFICIAL:
        communes = _communes_with_enrolment(user, period)
        acting = {c.pk for c, _e in communes if access.can(user, "report.edit", c)}
        context["queues"] = queues.commune_queues(communes, period, now, acting)
    elif role == Role.DEPARTMENT:
        departments = {m.department for m in access.memberships_of(user) if m.role == Role.DEPARTMENT}
        criteria_set = active_set_for(user)
        # The criteria where the department has a sub-criterion, each with its own sub-criteria only.
        own_indicators = access.limit_to_sectors(Indicator.objects.all(), departments, indicator="")
        context["department_criteria"] = (
            access.limit_to_sectors(Criterion.objects.filter(criteria_set=criteria_set), departments, criterion="")
            .order_by("number")
            .prefetch_related(Prefetch("indicators", queryset=own_indicators))
            if criteria_set
            else []
        )
        context["departments"] = sorted(departments)
        context["sector_indicators"] = queues.department_queue(user, departments, period)
    else:
        communes = _communes_of_area(user, period)
        context["communes"] = communes
        context["enrolled_count"] = sum(1 for _c, e in communes if e)
        context["home_title"] = AREA_TITLES[role]
        if role == Role.OFFICE:
            context.update(queues.office_queue(user, period, now))
        elif role == Role.LEADER:
            context["standings"], context["without_standing"] = queues.leader_standings(user, period)
        else:
            context.update(queues.inspector_queue(user))
        if role != Role.INSPECTOR:
            context["minutes"] = queues.latest_minutes(user)
    context["home_units"] = [m.unit for m in access.memberships_of(user) if m.role == role]
    return role, context
