"""The office's enrolments: which criteria set, zone and target year each commune below it reports on,
from which month (the reform's transition from one set to another included).

Reads are scoped to the units where the user is an acting coordination office (`units_with_role`,
their paths and below). Every write goes through `criteria.services.enrolment_set`: a commune already
enrolled in the chosen set keeps its first month (moving it later would leave the months before
without a set, and their reports orphaned); one moved to another set gets a new enrolment from the
chosen month, the old one keeps applying to the months before. Reports already made keep their set.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from communes.access import units_with_role
from communes.models import AdministrativeUnit, Role, UnitLevel
from communes.selectors import existing_between_q
from core.errors import ApplicationError
from criteria.models import CriteriaSet, Enrolment, IndicatorTarget
from criteria.selectors import applying_enrolment_id, enrolments_for
from criteria.services import enrolment_set
from reports.models import MonthlyReport

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

NOT_ENROLLED = "none"  # the set filter's value for communes without an enrolment that month


def month_bounds(first_day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and the last day of the month of `first_day`."""
    first = first_day.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def month_label(day: datetime.date | None) -> str:
    return f"{day:%m/%Y}" if day else _("từ đầu")


def _reach_q(user: User | AnonymousUser, prefix: str = "") -> Q:
    reach = Q(pk__in=[])
    for unit in units_with_role(user, Role.OFFICE):
        reach |= Q(**{f"{prefix}path__startswith": unit.path})
    return reach


def office_communes(user: User | AnonymousUser) -> QuerySet[AdministrativeUnit]:
    """Every commune (any time) below the units where the user is an acting coordination office."""
    return AdministrativeUnit.objects.filter(_reach_q(user), level=UnitLevel.COMMUNE)


def office_filter_units(user: User | AnonymousUser, on_month: datetime.date) -> list[AdministrativeUnit]:
    """The units above communes the office may filter by (its own and those below), in existence then."""
    first, last = month_bounds(on_month)
    units = AdministrativeUnit.objects.filter(_reach_q(user), existing_between_q(first, last))
    return list(units.exclude(level=UnitLevel.COMMUNE).order_by("path"))


@dataclass
class EnrolmentRow:
    commune: AdministrativeUnit
    enrolment: Enrolment | None


def enrolment_rows(
    user: User | AnonymousUser,
    *,
    on_month: datetime.date,
    criteria_set: CriteriaSet | str | None = None,
    unit: AdministrativeUnit | None = None,
    query: str = "",
) -> list[EnrolmentRow]:
    """The communes below the office in existence in the month of `on_month`, each with the enrolment
    applying to it that month (None: not enrolled). `criteria_set` keeps the communes on that set
    (NOT_ENROLLED: those on none), `unit` those below a unit, `query` those whose name or code matches.
    Two queries, whatever the number of communes."""
    first, last = month_bounds(on_month)
    communes = (
        office_communes(user)
        .filter(existing_between_q(first, last))
        .annotate(applying=applying_enrolment_id(first, last))
        .select_related("parent")
    )
    if unit is not None:
        communes = communes.filter(path__startswith=unit.path)
    if query:
        communes = communes.filter(Q(name__icontains=query) | Q(code=query.strip()))
    if criteria_set == NOT_ENROLLED:
        communes = communes.filter(applying__isnull=True)
    elif isinstance(criteria_set, CriteriaSet):
        communes = communes.filter(applying__in=Enrolment.objects.filter(criteria_set=criteria_set).values("pk"))
    communes_list = list(communes.order_by("parent__name", "name", "pk"))
    ids = [c.applying for c in communes_list if c.applying]
    enrolments = Enrolment.objects.select_related("criteria_set").in_bulk(ids)
    return [EnrolmentRow(c, enrolments.get(c.applying)) for c in communes_list]


def zones_by_set() -> dict[int, list[str]]:
    """The zones each criteria set defines (set id → sorted zones), in one query."""
    zones: dict[int, set[str]] = defaultdict(set)
    rows = (
        IndicatorTarget.objects.exclude(zone="").order_by().values_list("indicator__criteria_set_id", "zone").distinct()
    )
    for set_id, zone in rows:
        zones[set_id].add(zone)
    return {set_id: sorted(names) for set_id, names in zones.items()}


def communes_or_404(user: User | AnonymousUser, ids: Iterable[int]) -> list[AdministrativeUnit]:
    """The communes `ids`, every one of them below the user's office: one outside is a 404."""
    wanted = set(ids)
    communes = list(office_communes(user).filter(pk__in=wanted).select_related("parent").order_by("name", "pk"))
    if len(communes) != len(wanted):
        raise Http404
    return communes


# --- The change: preview and apply ----------------------------------------------------------------

NEW, MOVE, UPDATE, SAME, REFUSED = "new", "move", "update", "same", "refused"


@dataclass
class ChangeLine:
    """What the change does to one commune: `kind` (NEW, MOVE, UPDATE, SAME or REFUSED), said in `text`;
    `warnings` are what the office should know (reports that keep their set, a later enrolment)."""

    commune: AdministrativeUnit
    kind: str
    text: str
    warnings: list[str] = field(default_factory=list)


def _validity(criteria_set: CriteriaSet) -> str:
    start, end = criteria_set.effective_from, criteria_set.effective_until
    if start and end:
        return _("từ %(start)s đến %(end)s") % {"start": f"{start:%d/%m/%Y}", "end": f"{end:%d/%m/%Y}"}
    if start:
        return _("từ %(start)s") % {"start": f"{start:%d/%m/%Y}"}
    return _("đến %(end)s") % {"end": f"{end:%d/%m/%Y}"}


def _check_set(criteria_set: CriteriaSet, zone: str, starts_on: datetime.date) -> None:
    """Refuse a zone the set cannot judge, and a set not in force in the chosen month."""
    try:
        criteria_set.validate_zone(zone)
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), field="zone") from error
    first, last = month_bounds(starts_on)
    start, end = criteria_set.effective_from, criteria_set.effective_until
    if (start and start > last) or (end and end < first):
        raise ApplicationError(
            _("Bộ tiêu chí “%(set)s” chỉ áp dụng %(validity)s; không đăng ký được từ tháng %(month)s.")
            % {"set": criteria_set.name, "validity": _validity(criteria_set), "month": month_label(first)},
            field="starts_on",
        )


def _reports_on_other_sets(
    communes: Sequence[AdministrativeUnit], criteria_set: CriteriaSet, first: datetime.date
) -> dict[int, list[tuple[str, str]]]:
    """Per commune id: (month, set name) of its reports from the month of `first` on, on another set."""
    rows = (
        MonthlyReport.objects.filter(commune__in=communes)
        .filter(Q(period__year__gt=first.year) | Q(period__year=first.year, period__month__gte=first.month))
        .exclude(criteria_set=criteria_set)
        .order_by("period__year", "period__month")
        .values_list("commune_id", "period__year", "period__month", "criteria_set__name")
    )
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for commune_id, year, month, set_name in rows:
        found[commune_id].append((f"{month:02d}/{year}", set_name))
    return found


def _zone_text(zone: str) -> str:
    return zone or _("không chia vùng")


def _line(
    commune: AdministrativeUnit,
    enrolments: list[Enrolment],
    applying: Enrolment | None,
    criteria_set: CriteriaSet,
    zone: str,
    target_year: int,
    first: datetime.date,
) -> ChangeLine:
    last = month_bounds(first)[1]
    month = month_label(first)
    if not (commune.valid_from is None or commune.valid_from <= last) or not (
        commune.valid_until is None or commune.valid_until >= first
    ):
        return ChangeLine(commune, REFUSED, _("Xã không tồn tại trong tháng %(month)s.") % {"month": month})
    same = next((e for e in enrolments if e.criteria_set_id == criteria_set.pk), None)
    if same is not None:
        if applying is None or applying.pk != same.pk:
            return ChangeLine(
                commune,
                REFUSED,
                _(
                    "Xã đã đăng ký bộ “%(set)s” (từ tháng %(start)s) nhưng bộ này không áp dụng cho xã trong tháng "
                    "%(month)s; không đăng ký lại được bộ này từ tháng khác."
                )
                % {"set": criteria_set.name, "start": month_label(same.starts_on), "month": month},
            )
        changes = []
        if same.zone != zone:
            changes.append(_("vùng %(old)s → %(new)s") % {"old": _zone_text(same.zone), "new": _zone_text(zone)})
        if same.target_year != target_year:
            changes.append(_("năm phấn đấu %(old)s → %(new)s") % {"old": same.target_year, "new": target_year})
        if not changes and same.target_level == criteria_set.level:
            return ChangeLine(commune, SAME, _("Không thay đổi."))
        return ChangeLine(
            commune,
            UPDATE,
            _("Đổi %(changes)s (áp dụng cho mọi tháng theo bộ này); giữ tháng bắt đầu %(start)s của đăng ký hiện có.")
            % {"changes": ", ".join(changes) or _("mức phấn đấu"), "start": month_label(same.starts_on)},
        )
    clash = next((e for e in enrolments if e.starts_on == first), None)
    if clash is not None:
        return ChangeLine(
            commune,
            REFUSED,
            _("Xã đã có đăng ký bộ “%(set)s” bắt đầu đúng tháng %(month)s; hãy chọn tháng khác.")
            % {"set": clash.criteria_set.name, "month": month},
        )
    values = {"set": criteria_set.name, "zone": _zone_text(zone), "year": target_year, "month": month}
    if applying is None:
        line = ChangeLine(
            commune,
            NEW,
            _("Đăng ký mới: bộ “%(set)s”, %(zone)s, năm phấn đấu %(year)s, từ tháng %(month)s.") % values,
        )
    else:
        line = ChangeLine(
            commune,
            MOVE,
            _(
                "Chuyển từ bộ “%(old)s” sang bộ “%(set)s” (%(zone)s, năm phấn đấu %(year)s) từ tháng %(month)s; "
                "các tháng trước giữ bộ “%(old)s”."
            )
            % {**values, "old": applying.criteria_set.name},
        )
    for later in sorted(
        (e for e in enrolments if e.starts_on and e.starts_on > first), key=lambda e: e.starts_on or first
    ):
        line.warnings.append(
            _("Từ tháng %(month)s xã vẫn theo bộ “%(set)s” đã đăng ký trước đó.")
            % {"month": month_label(later.starts_on), "set": later.criteria_set.name}
        )
    return line


def enrolment_change_preview(
    *,
    user: User | AnonymousUser,
    communes: Sequence[AdministrativeUnit],
    criteria_set: CriteriaSet,
    zone: str,
    target_year: int,
    starts_on: datetime.date,
) -> list[ChangeLine]:
    """What enrolling `communes` in `criteria_set` from the month of `starts_on` would change, per commune;
    nothing is written. Raises ApplicationError for a zone the set cannot judge or a set not in force in
    that month; a commune the change cannot apply to is a REFUSED line. Four queries."""
    zone = zone.strip()
    first, last = month_bounds(starts_on)
    _check_set(criteria_set, zone, first)
    reach = set(office_communes(user).filter(pk__in=[c.pk for c in communes]).values_list("pk", flat=True))
    if any(c.pk not in reach for c in communes):
        raise Http404
    by_commune: dict[int, list[Enrolment]] = defaultdict(list)
    for enrolment in Enrolment.objects.filter(commune__in=communes).select_related("criteria_set"):
        by_commune[enrolment.commune_id].append(enrolment)
    applying = enrolments_for(communes, first, last)
    reports = _reports_on_other_sets(communes, criteria_set, first)
    lines = []
    for commune in communes:
        line = _line(commune, by_commune[commune.pk], applying.get(commune.pk), criteria_set, zone, target_year, first)
        if line.kind != REFUSED and line.kind != SAME:
            for month, set_name in reports.get(commune.pk, []):
                line.warnings.append(
                    _("Báo cáo tháng %(month)s đã lập theo bộ “%(set)s” giữ nguyên bộ đó (báo cáo không thay đổi).")
                    % {"month": month, "set": set_name}
                )
        lines.append(line)
    return lines


def enrolment_change_apply(
    *,
    user: User,
    communes: Sequence[AdministrativeUnit],
    criteria_set: CriteriaSet,
    zone: str,
    target_year: int,
    starts_on: datetime.date,
) -> dict[str, int]:
    """Apply what `enrolment_change_preview` says, all or nothing; every enrolment written records `user`
    in its history. Returns the number of communes per kind (NEW, MOVE, UPDATE, SAME)."""
    first = starts_on.replace(day=1)
    counts = {NEW: 0, MOVE: 0, UPDATE: 0, SAME: 0}
    with transaction.atomic():
        lines = enrolment_change_preview(
            user=user, communes=communes, criteria_set=criteria_set, zone=zone, target_year=target_year, starts_on=first
        )
        refused = [line for line in lines if line.kind == REFUSED]
        if refused:
            raise ApplicationError(
                _("Không áp dụng được cho %(n)s xã: %(names)s. Hãy bỏ chọn các xã này rồi xem trước lại.")
                % {"n": len(refused), "names": ", ".join(line.commune.name for line in refused)}
            )
        for line in lines:
            counts[line.kind] += 1
            if line.kind == SAME:
                continue
            enrolment_set(
                commune=line.commune,
                criteria_set=criteria_set,
                target_level=criteria_set.level,
                target_year=target_year,
                zone=zone.strip(),
                # Same set: keep its first month (a later start would orphan the months before it).
                starts_on=None if line.kind == UPDATE else first,
                user=user,
            )
    return counts
