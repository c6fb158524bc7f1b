"""Mergers of administrative units (issue 17): one service for the `merge_units` command and, later, a page.

It lives in `ntm_portal` because a merger carries rows of several apps to the successor (enrolments of
`criteria`, open tasks of `inspections`, memberships of `communes`) and only the portal may import them
all (`communes` may not import `inspections`). Every record made before the merger stays on its unit.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from communes.models import AdministrativeUnit, Membership, UnitLevel
from communes.services import membership_end, membership_grant
from core.db import model_update
from core.errors import ApplicationError
from criteria.models import Enrolment
from criteria.selectors import enrolments_applying
from criteria.services import enrolment_set
from inspections.models import ActionItem, ActionStatus

ONE_DAY = datetime.timedelta(days=1)
OPEN_TASKS = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


@dataclass
class MergeOutcome:
    successor: AdministrativeUnit
    lines: list[str] = field(default_factory=list)  # what was done (or, in a dry run, would be), in Vietnamese
    changed: bool = False


def _day(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _label(unit: AdministrativeUnit) -> str:
    return f"{unit.name} ({unit.code})"


def _province_above(units: Sequence[AdministrativeUnit], on: datetime.date) -> AdministrativeUnit:
    provinces = set()
    for unit in units:
        node = unit.parent
        while node is not None and node.level != UnitLevel.PROVINCE:
            node = node.parent
        if node is not None:
            provinces.add(node.code)
    if len(provinces) != 1:
        raise ApplicationError(
            _("Không xác định được tỉnh của các đơn vị hợp nhất: hãy ghi đơn vị cấp trên (--parent).")
        )
    province = AdministrativeUnit.objects.by_code(provinces.pop(), on=on)
    assert province is not None
    return province


def units_merge(
    *,
    into_code: str,
    name: str,
    from_codes: Sequence[str],
    on: datetime.date,
    parent_code: str = "",
    dry_run: bool = False,
) -> MergeOutcome:
    """Merge the units `from_codes` into the commune `into_code` named `name`, from the day `on`.

    The old units end the day before (`valid_until`, `replaced_by`); the successor is created, or is a new
    version of `into_code` when that code is one of the old units or exists with another name or parent.
    Carried to the successor: an active enrolment (when it has none), open tasks, memberships (the same
    role). Atomic and idempotent (a second run changes nothing and says so); a dry run rolls back.
    """
    day_before = on - ONE_DAY
    codes = list(dict.fromkeys(from_codes))
    with transaction.atomic():
        old, missing = [], []
        for code in codes:
            unit = AdministrativeUnit.objects.valid_on(day_before).filter(code=code).select_related("parent").first()
            if unit is None:
                missing.append(code)
            else:
                old.append(unit)
        if missing:
            raise ApplicationError(
                _("Không tìm thấy đơn vị có hiệu lực ngày %(date)s với mã: %(codes)s")
                % {"date": _day(day_before), "codes": ", ".join(missing)}
            )
        if parent_code:
            parent = AdministrativeUnit.objects.valid_on(on).filter(code=parent_code).first()
            if parent is None:
                raise ApplicationError(_("Không tìm thấy đơn vị cấp trên có mã %(code)s") % {"code": parent_code})
        else:
            parent = _province_above(old, on)
        if AdministrativeUnit.objects.filter(code=into_code, valid_from__gt=on).exists():
            raise ApplicationError(
                _("Mã %(code)s đã có phiên bản bắt đầu sau ngày %(date)s") % {"code": into_code, "date": _day(on)}
            )
        outcome = _successor(into_code, name, parent, on, old)
        successor = outcome.successor
        for unit in old:
            if unit.pk == successor.pk:
                continue
            changes = {"valid_until": day_before, "replaced_by": successor}
            _unit, updated = model_update(instance=unit, fields=list(changes), data=changes)
            if updated:
                outcome.changed = True
                outcome.lines.append(
                    _("Chấm dứt %(unit)s ngày %(date)s, thay thế bởi %(successor)s")
                    % {"unit": _label(unit), "date": _day(day_before), "successor": _label(successor)}
                )
        _carry(outcome, [u for u in old if u.pk != successor.pk], on)
        if not outcome.changed:
            outcome.lines.append(_("Không có gì thay đổi: việc hợp nhất này đã được thực hiện."))
        if dry_run:
            transaction.set_rollback(True)
    return outcome


def _successor(
    code: str, name: str, parent: AdministrativeUnit, on: datetime.date, old: list[AdministrativeUnit]
) -> MergeOutcome:
    current = AdministrativeUnit.objects.valid_on(on).filter(code=code).select_related("parent").first()
    values = {"name": name, "level": UnitLevel.COMMUNE, "parent": parent}
    if current is not None and current.valid_from == on:  # made by an earlier run (or an import)
        _unit, updated = model_update(instance=current, fields=list(values), data=values)
        outcome = MergeOutcome(successor=current, changed=updated)
        if updated:
            current.save(update_fields=["path"])  # the parent may have changed; nothing sits below it yet
            outcome.lines.append(_("Sửa đơn vị kế thừa %(unit)s") % {"unit": _label(current)})
        return outcome
    wanted = (name, UnitLevel.COMMUNE, parent.pk)
    same = current is not None and (current.name, current.level, current.parent_id) == wanted
    if current is not None and same and all(u.pk != current.pk for u in old):
        return MergeOutcome(successor=current)  # an existing commune absorbs the others and stays as it is
    if current is not None:  # a new version of the code: the current one ends the day before
        model_update(instance=current, fields=["valid_until"], data={"valid_until": on - ONE_DAY})
        if all(u.pk != current.pk for u in old):
            old.append(current)
    successor = AdministrativeUnit.objects.create(code=code, valid_from=on, **values)
    line = _("Tạo đơn vị %(unit)s thuộc %(parent)s, hiệu lực từ ngày %(date)s")
    return MergeOutcome(
        successor=successor,
        changed=True,
        lines=[line % {"unit": _label(successor), "parent": _label(parent), "date": _day(on)}],
    )


def _carry(outcome: MergeOutcome, old: list[AdministrativeUnit], on: datetime.date) -> None:
    successor = outcome.successor
    if not Enrolment.objects.filter(commune=successor).exists():
        # The set the old units reported on in their last month goes on for the successor from its first.
        last_day = on - ONE_DAY
        applying = enrolments_applying(
            AdministrativeUnit.objects.filter(pk__in=[u.pk for u in old]), last_day.replace(day=1), last_day
        )
        by_unit = {e.commune_id: e for e in applying}
        source = next((by_unit[u.pk] for u in old if u.pk in by_unit), None)
        if source is not None:
            enrolment_set(
                commune=successor,
                criteria_set=source.criteria_set,
                target_level=source.target_level,
                target_year=source.target_year,
                zone=source.zone,
                starts_on=on.replace(day=1),
            )
            outcome.changed = True
            outcome.lines.append(
                _("Đăng ký phấn đấu %(set)s (từ %(unit)s) chuyển sang đơn vị kế thừa")
                % {"set": source.criteria_set.code, "unit": _label(source.commune)}
            )
    tasks = list(ActionItem.objects.filter(commune__in=old, status__in=OPEN_TASKS))
    for task in tasks:
        model_update(instance=task, fields=["commune"], data={"commune": successor})
    if tasks:
        outcome.changed = True
        outcome.lines.append(_("%(count)s việc chưa hoàn thành chuyển sang đơn vị kế thừa") % {"count": len(tasks)})
    granted = 0
    for membership in Membership.objects.filter(unit__in=old).select_related("user").order_by("pk"):
        membership_end(membership=membership, on=on - ONE_DAY)  # reads the old unit's records, acts no more
        if Membership.objects.filter(user=membership.user, unit=successor, role=membership.role).exists():
            continue
        membership_grant(
            user=membership.user,
            unit=successor,
            role=membership.role,
            department=membership.department,
            position=membership.position,
            valid_from=on,
        )
        granted += 1
    if granted:
        outcome.changed = True
        outcome.lines.append(_("%(count)s phân quyền được cấp tại đơn vị kế thừa") % {"count": granted})
