from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.db import model_update, upsert
from core.tabular import ImportFileError, RowError, parse_date, read_rows, too_long

from .models import AdministrativeUnit, Membership, Profile, UnitLevel

if TYPE_CHECKING:
    from pathlib import Path

    from django.contrib.auth.models import AbstractBaseUser

UNIT_COLUMNS = ("code", "name", "level", "parent_code", "valid_from")
_CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,20}$")


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return _("%(created)s mới, %(updated)s cập nhật, %(unchanged)s không đổi") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


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
        if row["parent_code"] and row["parent_code"] == code:
            problems.append(_("đơn vị không thể là cấp trên của chính nó"))
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


def units_import(source: str | Path | bytes | IO[bytes]) -> ImportSummary:
    """Create or update administrative units from a CSV/XLSX file.

    All or nothing: any bad row aborts the import and every bad row is reported.
    """
    rows = read_rows(source, UNIT_COLUMNS[:4], optional_columns=UNIT_COLUMNS[4:])
    for _line, row in rows:
        row.setdefault("valid_from", "")
    parsed, errors = _validate_unit_rows(rows)
    existing = {u.code: u for u in AdministrativeUnit.objects.select_related("parent")}
    ordered, order_errors = _ordered_parents_first(parsed, existing.keys())
    errors += order_errors or _cycles_with_existing(parsed, existing)
    if errors:
        raise ImportFileError(sorted(errors, key=lambda e: e.line or 0))

    summary = ImportSummary()
    with transaction.atomic():
        for code in ordered:
            data = parsed[code]
            parent = existing.get(data["parent_code"]) if data["parent_code"] else None
            unit = existing.get(code)
            fields = {
                "name": data["name"],
                "level": data["level"],
                "parent": parent,
                "valid_from": data["valid_from"],
            }
            if unit is None:
                unit = AdministrativeUnit.objects.create(code=code, **fields)
                summary.created += 1
            else:
                # `path` follows a new parent in unit_paths_rebuild below
                unit, updated = model_update(instance=unit, fields=list(fields), data=fields)
                if updated:
                    summary.updated += 1
                else:
                    summary.unchanged += 1
            existing[code] = unit
        if summary.updated:
            unit_paths_rebuild()
    return summary


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
    *, user: AbstractBaseUser, unit: AdministrativeUnit, role: str, department: str = "", position: str = ""
) -> Membership:
    return upsert(
        Membership, user=user, unit=unit, role=role, defaults={"department": department, "position": position}
    )


def profile_set_language(*, user: AbstractBaseUser, language: str) -> None:
    """Remember the language a signed-in person chose (mail to them is written in it)."""
    Profile.objects.update_or_create(user=user, defaults={"language": language})
