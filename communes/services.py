from __future__ import annotations

import datetime
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.db import model_update, upsert
from core.tabular import ImportFileError, RowError, parse_date, read_rows, too_long

from .models import AdministrativeUnit, Membership, Profile, UnitLevel

if TYPE_CHECKING:
    from pathlib import Path

    from django.contrib.auth.models import AbstractBaseUser

UNIT_COLUMNS = ("code", "name", "level", "parent_code", "valid_from", "valid_until", "successor_code")
ONE_DAY = datetime.timedelta(days=1)
_CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,20}$")


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    versions: int = 0  # a code that reappears with other values from a later date: a new row
    ended: int = 0  # units given an end date (and a successor) by this file
    # What the file changes, line by line (its line number, a Vietnamese sentence), in the order written.
    changes: list[tuple[int, str]] = field(default_factory=list)

    def __str__(self) -> str:
        text = _("%(created)s mới, %(updated)s cập nhật, %(unchanged)s không đổi") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }
        if self.versions or self.ended:
            text += "; " + _("%(versions)s phiên bản mới, %(ended)s đơn vị chấm dứt hiệu lực") % {
                "versions": self.versions,
                "ended": self.ended,
            }
        return text


def _validate_unit_rows(
    rows: list[tuple[int, dict[str, str]]],
) -> tuple[dict[str, dict[str, Any]], list[RowError]]:
    errors = []
    parsed = {}
    for line, row in rows:
        code, name, level = row["code"], row["name"], row["level"].lower()
        problems = []
        if not _CODE_RE.match(code):
            problems.append(_("mã đơn vị “%(code)s” không hợp lệ") % {"code": code})
        elif code in parsed:
            problems.append(
                _("mã đơn vị %(code)s bị trùng (đã có ở dòng %(line)s)") % {"code": code, "line": parsed[code]["line"]}
            )
        if not name:
            problems.append(_("thiếu tên đơn vị"))
        if level not in UnitLevel.values:
            problems.append(
                _("cấp “%(level)s” không hợp lệ (province, district, commune, village)") % {"level": row["level"]}
            )
        try:
            valid_from = parse_date(row["valid_from"])
        except ValueError:
            problems.append(_("ngày hiệu lực “%(value)s” không hợp lệ (dd/mm/yyyy)") % {"value": row["valid_from"]})
            valid_from = None
        try:
            valid_until = parse_date(row["valid_until"])
        except ValueError:
            problems.append(
                _("ngày hết hiệu lực “%(value)s” không hợp lệ (dd/mm/yyyy)") % {"value": row["valid_until"]}
            )
            valid_until = None
        if valid_from and valid_until and valid_until < valid_from:
            problems.append(_("ngày hết hiệu lực sớm hơn ngày hiệu lực"))
        if row["parent_code"] and row["parent_code"] == code:
            problems.append(_("đơn vị không thể là cấp trên của chính nó"))
        successor = row["successor_code"]
        if successor and not _CODE_RE.match(successor):
            problems.append(_("mã đơn vị kế thừa “%(code)s” không hợp lệ") % {"code": successor})
        elif successor and successor == code:
            problems.append(_("đơn vị không thể kế thừa chính nó"))
        problems += too_long(row, {"name": 200, "parent_code": 20})
        for problem in problems:
            errors.append(RowError(line, problem))
        if not problems:
            parsed[code] = {
                "line": line,
                "name": name,
                "level": level,
                "parent_code": row["parent_code"],
                "valid_from": valid_from,
                "valid_until": valid_until,
                "successor_code": successor,
            }
    return parsed, errors


def _ordered_parents_first(
    parsed: Mapping[str, Mapping[str, Any]], existing_codes: Collection[str]
) -> tuple[list[str], list[RowError]]:
    """Codes ordered so that a parent comes before its children; errors for unknown parents/cycles."""
    errors, ordered, state = [], [], {}

    def visit(code: str, trail: frozenset[str]) -> bool:
        if state.get(code) == "done":
            return True
        if code in trail:
            return False
        parent = parsed[code]["parent_code"]
        if parent and parent in parsed and not visit(parent, trail | {code}):
            return False
        state[code] = "done"
        ordered.append(code)
        return True

    for code, data in parsed.items():
        parent = data["parent_code"]
        if parent and parent not in parsed and parent not in existing_codes:
            errors.append(RowError(data["line"], _("không tìm thấy đơn vị cấp trên có mã %(code)s") % {"code": parent}))
            state[code] = "done"
        elif not visit(code, frozenset()):
            errors.append(RowError(data["line"], _("quan hệ cấp trên bị vòng lặp")))
            state[code] = "done"
    return ordered, errors


def _cycles_with_existing(
    parsed: Mapping[str, Mapping[str, Any]], existing: Mapping[str, AdministrativeUnit]
) -> list[RowError]:
    """Re-parenting in the file may close a loop through units already in the database."""
    parents = {code: (unit.parent.code if unit.parent else "") for code, unit in existing.items()}
    parents.update({code: data["parent_code"] for code, data in parsed.items()})
    errors = []
    for code, data in parsed.items():
        seen, node, path_length = set(), code, 0
        while node and node not in seen:
            seen.add(node)
            path_length += len(node) + 1
            node = parents.get(node, "")
        if node:
            errors.append(RowError(data["line"], _("quan hệ cấp trên bị vòng lặp")))
        elif path_length > 255:
            errors.append(RowError(data["line"], _("cây đơn vị quá nhiều cấp")))
    return errors


def _in_force(unit: AdministrativeUnit, day: datetime.date) -> bool:
    return (unit.valid_from is None or unit.valid_from <= day) and (unit.valid_until is None or unit.valid_until >= day)


def _version_on(versions: list[AdministrativeUnit], day: datetime.date | None) -> AdministrativeUnit | None:
    """Of one code's versions (oldest first), the one in force on `day`; None when none is."""
    if day is None:
        return versions[-1] if versions else None
    return next((u for u in reversed(versions) if _in_force(u, day)), None)


def _versions_by_code() -> dict[str, list[AdministrativeUnit]]:
    versions: dict[str, list[AdministrativeUnit]] = {}
    for unit in AdministrativeUnit.objects.select_related("parent", "replaced_by"):
        versions.setdefault(unit.code, []).append(unit)
    for units in versions.values():
        units.sort(key=lambda u: (u.valid_from is not None, u.valid_from or datetime.date.min))
    return versions


def _date(day: datetime.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


class _DryRun(Exception):
    """Raised inside a dry run's transaction to roll back everything it wrote."""


def units_import(
    source: str | Path | bytes | IO[bytes], *, within: AdministrativeUnit | None = None, dry_run: bool = False
) -> ImportSummary:
    """Create units, new versions of units, corrections and ends of units from a CSV/XLSX file.

    A row whose code exists is compared with that code's versions (name, level, parent code):
    - the same values as a version (undated row, or dated within that version) → unchanged;
    - other values from a later `valid_from` than the current version → a new version (a new row); the
      current one ends the day before, points to it (`replaced_by`) and keeps its records;
    - other values with the current version's own `valid_from` (both undated included) → a correction,
      made in place and kept in the history;
    - an earlier `valid_from`, or no date for a change to a dated unit → an error.
    `valid_until`/`successor_code` end the row's version (on `valid_until`, else the day before the
    successor's `valid_from`) with `replaced_by` = the successor's version in force the day after.

    `within` (a province, for its office's import through the browser) keeps the file to the units below
    it: see `_outside_errors`. `dry_run` does everything, then rolls it back: the summary (and its
    `changes`) says what the file would do.

    All or nothing: any bad row aborts the import and every bad row is reported.
    """
    rows = read_rows(source, UNIT_COLUMNS[:4], optional_columns=UNIT_COLUMNS[4:])
    for _line, row in rows:
        for column in UNIT_COLUMNS[4:]:
            row.setdefault(column, "")
    parsed, errors = _validate_unit_rows(rows)
    versions = _versions_by_code()
    current = {code: units[-1] for code, units in versions.items()}
    if within is not None:
        errors += _outside_errors(parsed, versions, within)
    ordered, order_errors = _ordered_parents_first(parsed, current.keys())
    errors += order_errors or _cycles_with_existing(parsed, current)
    for data in parsed.values():
        successor = data["successor_code"]
        if successor and successor not in parsed and successor not in versions:
            errors.append(
                RowError(data["line"], _("không tìm thấy đơn vị kế thừa có mã %(code)s") % {"code": successor})
            )
    if errors:
        raise ImportFileError(sorted(errors, key=lambda e: e.line or 0))

    summary = ImportSummary()
    try:
        with transaction.atomic():
            _units_write(parsed, ordered, versions, summary)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return summary


def _units_write(
    parsed: Mapping[str, Mapping[str, Any]],
    ordered: list[str],
    versions: dict[str, list[AdministrativeUnit]],
    summary: ImportSummary,
) -> None:
    """Write the checked rows (inside the import's transaction); ImportFileError rolls it all back."""
    errors: list[RowError] = []
    resolved: dict[str, AdministrativeUnit] = {}  # code → the version the file's row describes
    reparented = False
    for code in ordered:
        data = parsed[code]
        unit, problem, moved = _unit_row_apply(code, data, versions, summary)
        reparented |= moved
        if problem:
            errors.append(RowError(data["line"], problem))
        elif unit is not None:
            resolved[code] = unit
    if not errors:
        for code in ordered:
            data = parsed[code]
            if data["valid_until"] or data["successor_code"]:
                problem = _unit_row_end(resolved[code], data, resolved, versions, summary)
                if problem:
                    errors.append(RowError(data["line"], problem))
    if errors:
        # raised inside the transaction: every row written above is rolled back
        raise ImportFileError(sorted(errors, key=lambda e: e.line or 0))
    if reparented:
        unit_paths_rebuild()


def _outside_errors(
    parsed: Mapping[str, Mapping[str, Any]],
    versions: Mapping[str, list[AdministrativeUnit]],
    within: AdministrativeUnit,
) -> list[RowError]:
    """The rows an office of `within` may not import: a province, `within` itself, a code that exists
    outside `within` (any version of it), a row without a parent, a parent or a successor that exists
    outside `within` (a new code of the file is checked on its own row)."""

    def outside(code: str) -> bool:
        return any(not unit.path.startswith(within.path) for unit in versions.get(code, []))

    errors = []
    for code, data in parsed.items():
        line, parent, successor = data["line"], data["parent_code"], data["successor_code"]
        if code == within.code:
            errors.append(RowError(line, _("không được sửa chính đơn vị %(code)s qua trang này") % {"code": code}))
            continue
        if data["level"] == UnitLevel.PROVINCE:
            errors.append(RowError(line, _("không được nhập đơn vị cấp tỉnh")))
            continue
        if outside(code):
            errors.append(
                RowError(line, _("mã %(code)s là đơn vị ngoài %(unit)s") % {"code": code, "unit": within.name})
            )
        if not parent:
            errors.append(RowError(line, _("thiếu mã đơn vị cấp trên (parent_code)")))
        elif outside(parent):  # a parent found nowhere is `_ordered_parents_first`'s
            errors.append(
                RowError(line, _("đơn vị cấp trên %(code)s ở ngoài %(unit)s") % {"code": parent, "unit": within.name})
            )
        if successor and outside(successor):
            errors.append(
                RowError(line, _("đơn vị kế thừa %(code)s ở ngoài %(unit)s") % {"code": successor, "unit": within.name})
            )
    return errors


def _level_name(level: str) -> str:
    return str(UnitLevel(level).label).lower()


def _unit_changes(unit: AdministrativeUnit, values: Mapping[str, Any]) -> str:
    """ "tên “A” → “B”; cấp …; cấp trên X → Y": what a correction changes."""
    parts = []
    if unit.name != values["name"]:
        parts.append(_("tên “%(old)s” → “%(new)s”") % {"old": unit.name, "new": values["name"]})
    if unit.level != values["level"]:
        parts.append(_("cấp %(old)s → %(new)s") % {"old": _level_name(unit.level), "new": _level_name(values["level"])})
    old_parent = unit.parent.code if unit.parent else ""
    if old_parent != values["parent_code"]:
        parts.append(_("cấp trên %(old)s → %(new)s") % {"old": old_parent or "–", "new": values["parent_code"] or "–"})
    return "; ".join(parts)


def _unit_row_apply(
    code: str, data: Mapping[str, Any], versions: dict[str, list[AdministrativeUnit]], summary: ImportSummary
) -> tuple[AdministrativeUnit | None, str, bool]:
    """Apply one row: (the version it describes, a problem, whether a parent changed in place)."""
    start: datetime.date | None = data["valid_from"]
    parent = None
    if data["parent_code"]:
        parent_versions = versions[data["parent_code"]]
        parent = _version_on(parent_versions, start) or parent_versions[-1]
    values = (data["name"], data["level"], data["parent_code"])
    mine = versions.setdefault(code, [])

    def same(unit: AdministrativeUnit) -> bool:
        return (unit.name, unit.level, unit.parent.code if unit.parent else "") == values

    matched = [u for u in mine if same(u) and (start is None or u.valid_from == start or _in_force(u, start))]
    if matched:
        summary.unchanged += 1
        return matched[-1], "", False
    fields = {"name": data["name"], "level": data["level"], "parent": parent}
    if not mine:
        unit = AdministrativeUnit.objects.create(code=code, valid_from=start, **fields)
        mine.append(unit)
        summary.created += 1
        summary.changes.append((data["line"], _created_text(unit)))
        return unit, "", False
    latest = mine[-1]
    if start == latest.valid_from:  # a correction of the current version (same start, or both undated)
        moved = latest.parent_id != (parent.pk if parent else None)
        summary.changes.append(
            (data["line"], _("Sửa %(code)s: %(changes)s") % {"code": code, "changes": _unit_changes(latest, data)})
        )
        unit, _updated = model_update(instance=latest, fields=list(fields), data=fields)
        summary.updated += 1
        return unit, "", moved
    if start is None:
        return (
            None,
            _("mã %(code)s đã có phiên bản từ ngày %(date)s: thay đổi tên, cấp hoặc cấp trên phải ghi ngày hiệu lực")
            % {"code": code, "date": _date(latest.valid_from)},
            False,
        )
    if latest.valid_from is not None and start < latest.valid_from:
        return (
            None,
            _("ngày hiệu lực %(date)s sớm hơn phiên bản hiện hành của mã %(code)s (từ ngày %(current)s)")
            % {"date": _date(start), "code": code, "current": _date(latest.valid_from)},
            False,
        )
    # A new version from `start`: the current one ends the day before (constraint: one open version).
    if latest.valid_until is None or latest.valid_until >= start:
        model_update(instance=latest, fields=["valid_until"], data={"valid_until": start - ONE_DAY})
    unit = AdministrativeUnit.objects.create(code=code, valid_from=start, **fields)
    if latest.replaced_by_id is None:
        model_update(instance=latest, fields=["replaced_by"], data={"replaced_by": unit})
    mine.append(unit)
    summary.versions += 1
    summary.changes.append(
        (
            data["line"],
            _("Phiên bản mới của %(code)s từ %(date)s: %(changes)s")
            % {"code": code, "date": _date(start), "changes": _unit_changes(latest, data)},
        )
    )
    return unit, "", False


def _created_text(unit: AdministrativeUnit) -> str:
    values = {"code": unit.code, "name": unit.name, "level": _level_name(unit.level)}
    if unit.parent is None:
        return _("Tạo mới %(code)s – %(name)s (%(level)s)") % values
    return _("Tạo mới %(code)s – %(name)s (%(level)s), thuộc %(parent)s") % {**values, "parent": unit.parent.code}


def _unit_row_end(
    unit: AdministrativeUnit,
    data: Mapping[str, Any],
    resolved: Mapping[str, AdministrativeUnit],
    versions: Mapping[str, list[AdministrativeUnit]],
    summary: ImportSummary,
) -> str:
    """End the row's version on `valid_until` (else the day before its successor begins); a problem or ""."""
    end: datetime.date | None = data["valid_until"]
    successor = None
    code = data["successor_code"]
    if code:
        if end is None:
            start = resolved[code].valid_from if code in resolved else versions[code][-1].valid_from
            if start is None:
                return _("đơn vị kế thừa mã %(code)s chưa có ngày hiệu lực: ghi ngày hết hiệu lực (valid_until)") % {
                    "code": code
                }
            end = start - ONE_DAY
        successor = _version_on(versions[code], end + ONE_DAY)
        if successor is None:
            return _("đơn vị kế thừa mã %(code)s không có hiệu lực vào ngày %(date)s") % {
                "code": code,
                "date": _date(end + ONE_DAY),
            }
    assert end is not None  # a row reaches here with a valid_until or a successor
    if unit.valid_from is not None and end < unit.valid_from:
        return _("ngày hết hiệu lực %(end)s sớm hơn ngày hiệu lực %(start)s của đơn vị") % {
            "end": _date(end),
            "start": _date(unit.valid_from),
        }
    later = [u for u in versions[unit.code] if u.pk != unit.pk and _in_force(u, end)]
    if later:
        return _("mã %(code)s đã có phiên bản khác có hiệu lực vào ngày %(date)s") % {
            "code": unit.code,
            "date": _date(end),
        }
    changes = {"valid_until": end, **({"replaced_by": successor} if successor else {})}
    _unit, updated = model_update(instance=unit, fields=list(changes), data=changes)
    if updated:
        summary.ended += 1
        values = {"code": unit.code, "name": unit.name, "date": _date(end)}
        if successor is None:
            text = _("Chấm dứt hiệu lực %(code)s – %(name)s: ngày cuối %(date)s") % values
        else:
            text = _("Chấm dứt hiệu lực %(code)s – %(name)s: ngày cuối %(date)s, kế thừa bởi %(successor)s") % {
                **values,
                "successor": successor.code,
            }
        summary.changes.append((data["line"], text))
    return ""


def unit_paths_rebuild() -> int:
    """Recompute every unit's path top-down (after a re-parenting)."""
    units = list(AdministrativeUnit.objects.all())
    by_parent = {}
    for unit in units:
        by_parent.setdefault(unit.parent_id, []).append(unit)
    changed, stack = [], [(u, "") for u in by_parent.get(None, [])]
    while stack:
        unit, prefix = stack.pop()
        path = f"{prefix}{unit.code}/"
        if unit.path != path:
            unit.path = path
            changed.append(unit)
        stack.extend((child, path) for child in by_parent.get(unit.id, []))
    AdministrativeUnit.objects.bulk_update(changed, ["path"], batch_size=500)
    return len(changed)


def membership_grant(
    *,
    user: AbstractBaseUser,
    unit: AdministrativeUnit,
    role: str,
    department: str = "",
    position: str = "",
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
) -> Membership:
    """Give `user` the role at `unit` (from/until the given days; None: open), or change the one they hold."""
    defaults = {"department": department, "position": position, "valid_from": valid_from, "valid_until": valid_until}
    return upsert(Membership, user=user, unit=unit, role=role, defaults=defaults)


def membership_end(*, membership: Membership, on: datetime.date) -> Membership:
    """End the membership on `on` (its last day): afterwards it reads what it reached and acts on nothing.
    One that ended earlier keeps its end."""
    if membership.valid_until is not None and membership.valid_until <= on:
        return membership
    membership, _updated = model_update(instance=membership, fields=["valid_until"], data={"valid_until": on})
    return membership


def profile_set_language(*, user: AbstractBaseUser, language: str) -> None:
    """Remember the language a signed-in person chose (mail to them is written in it)."""
    Profile.objects.update_or_create(user=user, defaults={"language": language})
