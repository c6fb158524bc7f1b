from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.db import model_update, upsert
from core.tabular import ImportFileError, RowError, parse_decimal, read_rows, too_long

from .models import (
    PERCENT_KINDS,
    THRESHOLD_KINDS,
    CriteriaSet,
    Criterion,
    Enrolment,
    Indicator,
    IndicatorKind,
    IndicatorTarget,
    SetLevel,
)

if TYPE_CHECKING:
    from pathlib import Path

    from django.contrib.auth.models import User

    from communes.models import AdministrativeUnit

CRITERIA_COLUMNS = (
    "criterion_number",
    "criterion_name",
    "criterion_group",
    "indicator_code",
    "indicator_name",
    "kind",
    "unit",
    "target",
    "threshold",
    "zone",
    "responsible_department",
)
COLUMN_LIMITS = {
    "criterion_name": 300,
    "criterion_group": 200,
    "responsible_department": 200,
    "indicator_code": 20,
    "indicator_name": 500,
    "unit": 60,
    "target": 300,
    "zone": 60,
}
_INDICATOR_FIELDS = ("indicator_name", "kind", "unit", "target", "threshold", "zone")


@dataclass
class ParsedCriterion:
    line: int
    number: int
    name: str
    group: str
    department: str
    indicators: list = field(default_factory=list)


@dataclass
class ParsedIndicator:
    line: int
    code: str
    name: str
    kind: str
    unit: str
    department: str = ""  # its first row's
    targets: dict = field(default_factory=dict)  # zone -> (target_text, threshold)


def _default_target_text(kind: str, threshold: Decimal | None, unit: str) -> str:
    if kind == IndicatorKind.YES_NO:
        return _("Đạt")
    if kind == IndicatorKind.TEXT or threshold is None:
        return ""
    sign = "≥" if kind in (IndicatorKind.NUMBER_MIN, IndicatorKind.PERCENT_MIN) else "≤"
    suffix = "%" if kind in PERCENT_KINDS else (f" {unit}" if unit else "")
    number = f"{threshold.normalize():f}".replace(".", ",")  # Vietnamese decimal comma
    return f"{sign} {number}{suffix}"


def _parse_criteria_rows(
    rows: list[tuple[int, dict[str, str]]],
) -> tuple[dict[int, ParsedCriterion], list[RowError]]:
    errors, criteria, indicators = [], {}, {}
    for line, row in rows:
        problems = []
        try:
            number = int(row["criterion_number"])
            if not 1 <= number <= 999:
                raise ValueError
        except ValueError:
            problems.append(
                _("số thứ tự tiêu chí “%(value)s” phải là số nguyên từ 1 đến 999") % {"value": row["criterion_number"]}
            )
            number = None
        name = row["criterion_name"]
        if not name:
            problems.append(_("thiếu tên tiêu chí"))
        problems += too_long(row, COLUMN_LIMITS)
        criterion = criteria.get(number) if number is not None else None
        if number is not None and name and criterion and criterion.name != name:
            problems.append(
                _("tiêu chí %(number)s có tên khác với dòng %(line)s") % {"number": number, "line": criterion.line}
            )

        code = row["indicator_code"]
        if not code:
            if any(row[c] for c in _INDICATOR_FIELDS):
                problems.append(_("có thông tin tiểu tiêu chí nhưng thiếu mã tiểu tiêu chí (indicator_code)"))
        else:
            problems += _parse_indicator_cells(row, number, indicators)

        if problems:
            errors += [RowError(line, p) for p in problems]
            continue
        assert number is not None  # a missing or bad number is one of the problems above
        if criterion is None:
            criterion = ParsedCriterion(line, number, name, row["criterion_group"], row["responsible_department"])
            criteria[number] = criterion
        if code:
            _add_indicator(criterion, indicators, line, row)
    return criteria, errors


def _parse_indicator_cells(
    row: Mapping[str, str], number: int | None, indicators: Mapping[str, ParsedIndicator]
) -> list[str]:
    problems = []
    code, kind, zone = row["indicator_code"], row["kind"], row["zone"]
    if number is not None and not code.startswith(f"{number}."):
        problems.append(
            _("mã tiểu tiêu chí %(code)s phải bắt đầu bằng số tiêu chí %(number)s.") % {"code": code, "number": number}
        )
    if not row["indicator_name"]:
        problems.append(_("thiếu tên tiểu tiêu chí"))
    if kind not in IndicatorKind.values:
        problems.append(
            _("loại “%(kind)s” không hợp lệ (yes_no, number_min, number_max, percent_min, percent_max, text)")
            % {"kind": kind}
        )
    try:
        threshold = parse_decimal(row["threshold"])
    except ValueError:
        problems.append(_("ngưỡng “%(value)s” không phải là số") % {"value": row["threshold"]})
        threshold = None
    else:
        if kind in THRESHOLD_KINDS and threshold is None:
            problems.append(_("loại %(kind)s cần có ngưỡng (threshold)") % {"kind": kind})
        if kind in (IndicatorKind.YES_NO, IndicatorKind.TEXT) and threshold is not None:
            problems.append(_("loại %(kind)s không dùng ngưỡng; để trống cột threshold") % {"kind": kind})
        if kind in PERCENT_KINDS and threshold is not None and not 0 <= threshold <= 100:
            problems.append(_("ngưỡng tỷ lệ phải từ 0 đến 100"))
        if threshold is not None and abs(threshold) >= 10**9:
            problems.append(_("ngưỡng quá lớn"))
    existing = indicators.get(code)
    if existing:
        if zone in existing.targets:
            problems.append(
                _("mã tiểu tiêu chí %(code)s bị trùng (đã có ở dòng %(line)s)") % {"code": code, "line": existing.line}
            )
        elif (existing.name, existing.kind) != (row["indicator_name"], kind):
            problems.append(
                _("các dòng theo vùng của %(code)s phải cùng tên và loại (xem dòng %(line)s)")
                % {"code": code, "line": existing.line}
            )
    return problems


def _add_indicator(
    criterion: ParsedCriterion, indicators: dict[str, ParsedIndicator], line: int, row: Mapping[str, str]
) -> None:
    code = row["indicator_code"]
    indicator = indicators.get(code)
    if indicator is None:
        indicator = ParsedIndicator(
            line, code, row["indicator_name"], row["kind"], row["unit"], row["responsible_department"]
        )
        indicators[code] = indicator
        criterion.indicators.append(indicator)
    threshold = parse_decimal(row["threshold"])
    target = row["target"] or _default_target_text(row["kind"], threshold, row["unit"])
    indicator.targets[row["zone"]] = (target, threshold)


@dataclass
class CriteriaImport:
    """What a criteria file did (or, in a dry run, would do) to its set."""

    criteria_set: CriteriaSet
    created: bool
    # (the file's line, or None for the set itself and what the file removed; a Vietnamese sentence)
    changes: list[tuple[int | None, str]] = field(default_factory=list)
    criteria: int = 0
    indicators: int = 0

    def __str__(self) -> str:
        return _("%(criteria)s tiêu chí, %(indicators)s tiểu tiêu chí; %(changes)s thay đổi") % {
            "criteria": self.criteria,
            "indicators": self.indicators,
            "changes": len(self.changes),
        }


class _DryRun(Exception):
    """Raised inside a dry run's transaction to roll back everything it wrote, carrying its result."""

    def __init__(self, result: CriteriaImport) -> None:
        super().__init__()
        self.result = result


def criteria_set_import(source: str | Path | bytes | IO[bytes], **options: Any) -> CriteriaSet:
    """Create or update a criteria set from a CSV/XLSX file (DESIGN §6), all or nothing: the set of
    `criteria_set_import_with_changes` (same keyword arguments), for callers that need no list of changes.

    `effective_from`/`effective_until` (None: open) bound the months in which an enrolment in the set
    applies (criteria.selectors.enrolment_in_force_q)."""
    return criteria_set_import_with_changes(source, **options).criteria_set


def criteria_set_import_with_changes(
    source: str | Path | bytes | IO[bytes],
    *,
    code: str,
    name: str,
    legal_basis: str = "",
    level: str = SetLevel.ADVANCED,
    verified: bool = False,
    effective_from: datetime.date | None = None,
    effective_until: datetime.date | None = None,
    owner: AdministrativeUnit | None = None,
    dry_run: bool = False,
) -> CriteriaImport:
    """Create or update a criteria set from a CSV/XLSX file, and say what changed. All or nothing.

    `owner` (a province, for its office's import through the browser): a new set is the province's
    (`CriteriaSet.owner`); an existing set must be the province's already. A national set (no owner) is
    updated by the management command only, which passes no owner and checks none. `dry_run` writes
    everything, then rolls it back: the result says what the file would do.
    """
    rows = read_rows(source, CRITERIA_COLUMNS)
    criteria, errors = _parse_criteria_rows(rows)
    if level not in SetLevel.values:
        errors.append(RowError(None, _("Mức “%(level)s” không hợp lệ (ntm, advanced, model).") % {"level": level}))
    if effective_from and effective_until and effective_until < effective_from:
        errors.append(RowError(None, _("Ngày hết hiệu lực của bộ tiêu chí sớm hơn ngày áp dụng.")))
    existing = CriteriaSet.objects.filter(code=code).first()
    if owner is not None and existing is not None and existing.owner_id != owner.pk:
        if existing.owner_id is None:
            message = _(
                "Bộ tiêu chí quốc gia “%(code)s” chỉ được cập nhật bằng lệnh quản trị (import_criteria); "
                "hãy đặt một mã khác cho bộ tiêu chí của tỉnh."
            )
        else:
            message = _("Mã bộ tiêu chí “%(code)s” đã được đơn vị khác dùng; hãy đặt một mã khác.")
        errors.insert(0, RowError(None, message % {"code": code}))
    if errors:
        raise ImportFileError(errors)
    try:
        with transaction.atomic():
            before = _set_snapshot(existing) if existing else None
            criteria_set = _write_criteria_set(criteria, code, name, legal_basis, level, verified)
            data: dict[str, object] = {"effective_from": effective_from, "effective_until": effective_until}
            if owner is not None:
                data["owner"] = owner
            criteria_set, _updated = model_update(instance=criteria_set, fields=list(data), data=data)
            after = _set_snapshot(criteria_set)
            result = CriteriaImport(
                criteria_set=criteria_set,
                created=existing is None,
                changes=_set_changes(before, after, criteria),
                criteria=len(after[1]),
                indicators=len(after[2]),
            )
            if dry_run:
                raise _DryRun(result)
            return result
    except _DryRun as dry:
        return dry.result
    except ProtectedError as exc:
        raise ImportFileError(
            [RowError(None, _("Không thể xóa tiêu chí hoặc tiểu tiêu chí đã có dữ liệu báo cáo."))]
        ) from exc


_Snapshot = tuple[dict[str, object], dict[int, dict[str, object]], dict[str, dict[str, object]]]


def _set_snapshot(criteria_set: CriteriaSet) -> _Snapshot:
    """The set's own fields, its criteria by number and its sub-criteria by code, as plain values."""
    head: dict[str, object] = {
        f: getattr(criteria_set, f) for f in ("name", "legal_basis", "level", "effective_from", "effective_until")
    }
    criteria: dict[int, dict[str, object]] = {
        c.number: {"name": c.name, "group": c.group, "responsible_department": c.responsible_department}
        for c in Criterion.objects.filter(criteria_set=criteria_set)
    }
    indicators: dict[str, dict[str, object]] = {
        i.code: {
            "criterion": i.criterion.number,
            "name": i.name,
            "kind": i.kind,
            "unit": i.unit,
            "responsible_department": i.responsible_department,
            "targets": {},
        }
        for i in Indicator.objects.filter(criteria_set=criteria_set).select_related("criterion")
    }
    for target in IndicatorTarget.objects.filter(indicator__criteria_set=criteria_set).select_related("indicator"):
        targets = indicators[target.indicator.code]["targets"]
        assert isinstance(targets, dict)
        targets[target.zone] = (target.target_text, target.threshold)
    return head, criteria, indicators


def _field_label(name: str) -> str:
    labels = {
        "name": _("tên"),
        "legal_basis": _("căn cứ pháp lý"),
        "level": _("mức"),
        "effective_from": _("áp dụng từ"),
        "effective_until": _("áp dụng đến"),
        "group": _("nhóm"),
        "responsible_department": _("phòng, ngành phụ trách"),
        "criterion": _("tiêu chí"),
        "kind": _("loại"),
        "unit": _("đơn vị tính"),
    }
    return labels[name]


def _shown(value: object) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return f"{value.normalize():f}".replace(".", ",")
    return str(value)


def _diff(old: Mapping[str, object], new: Mapping[str, object]) -> list[str]:
    """ "tên “A” → “B”", one for each field that differs (targets are compared by `_targets_diff`)."""
    return [
        _("%(field)s “%(old)s” → “%(new)s”") % {"field": _field_label(f), "old": _shown(old[f]), "new": _shown(new[f])}
        for f in new
        if f != "targets" and old[f] != new[f]
    ]


def _targets_diff(
    old: Mapping[str, tuple[str, Decimal | None]], new: Mapping[str, tuple[str, Decimal | None]]
) -> list[str]:
    parts = []
    for zone in sorted(set(old) | set(new)):
        where = zone or _("mọi vùng")
        if zone not in old:
            parts.append(_("thêm chỉ tiêu (%(zone)s) “%(new)s”") % {"zone": where, "new": new[zone][0]})
        elif zone not in new:
            parts.append(_("bỏ chỉ tiêu (%(zone)s)") % {"zone": where})
        elif old[zone] != new[zone]:
            (old_text, old_threshold), (new_text, new_threshold) = old[zone], new[zone]
            if old_text != new_text:
                parts.append(
                    _("chỉ tiêu (%(zone)s) “%(old)s” → “%(new)s”") % {"zone": where, "old": old_text, "new": new_text}
                )
            if old_threshold != new_threshold:
                parts.append(
                    _("ngưỡng (%(zone)s) %(old)s → %(new)s")
                    % {"zone": where, "old": _shown(old_threshold), "new": _shown(new_threshold)}
                )
    return parts


def _set_changes(
    before: _Snapshot | None, after: _Snapshot, parsed: Mapping[int, ParsedCriterion]
) -> list[tuple[int | None, str]]:
    """What the file changed, by diffing the set before and after it was written (inside the import)."""
    head, criteria, indicators = after
    changes: list[tuple[int | None, str]] = []
    if before is None:
        changes.append((None, _("Tạo bộ tiêu chí mới “%(name)s”") % {"name": head["name"]}))
        before = ({}, {}, {})
    else:
        fields = _diff(before[0], head)
        if fields:
            changes.append((None, _("Sửa thông tin bộ tiêu chí: %(changes)s") % {"changes": "; ".join(fields)}))
    indicator_lines = {i.code: i.line for c in parsed.values() for i in c.indicators}
    for number, values in sorted(criteria.items()):
        old = before[1].get(number)
        line = parsed[number].line
        if old is None:
            changes.append(
                (line, _("Thêm tiêu chí %(number)s – %(name)s") % {"number": number, "name": values["name"]})
            )
        elif fields := _diff(old, values):
            changes.append(
                (line, _("Sửa tiêu chí %(number)s: %(changes)s") % {"number": number, "changes": "; ".join(fields)})
            )
    for code, values in sorted(indicators.items(), key=lambda item: _code_key(item[0])):
        old = before[2].get(code)
        line = indicator_lines[code]
        if old is None:
            changes.append((line, _("Thêm tiểu tiêu chí %(code)s – %(name)s") % {"code": code, "name": values["name"]}))
            continue
        fields = _diff(old, values) + _targets_diff(old["targets"], values["targets"])  # type: ignore[arg-type]
        if fields:
            changes.append(
                (line, _("Sửa tiểu tiêu chí %(code)s: %(changes)s") % {"code": code, "changes": "; ".join(fields)})
            )
    for code, values in sorted(before[2].items(), key=lambda item: _code_key(item[0])):
        if code not in indicators:
            changes.append((None, _("Xóa tiểu tiêu chí %(code)s – %(name)s") % {"code": code, "name": values["name"]}))
    for number, values in sorted(before[1].items()):
        if number not in criteria:
            changes.append((None, _("Xóa tiêu chí %(number)s – %(name)s") % {"number": number, "name": values["name"]}))
    return changes


def _code_key(code: str) -> tuple[tuple[int, int, str], ...]:
    """ "5.10" after "5.2": numbers compared as numbers (and before any other text)."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in code.split("."))


def _write_criteria_set(
    criteria: Mapping[int, ParsedCriterion], code: str, name: str, legal_basis: str, level: str, verified: bool
) -> CriteriaSet:
    complete = all(c.indicators for c in criteria.values())
    criteria_set = upsert(
        CriteriaSet,
        code=code,
        defaults={
            "name": name,
            "legal_basis": legal_basis,
            "level": level,
            "verified": verified,
            "is_complete": complete,
        },
    )
    kept_criteria, kept_indicators = [], []
    for parsed in criteria.values():
        criterion = upsert(
            Criterion,
            criteria_set=criteria_set,
            number=parsed.number,
            defaults={"name": parsed.name, "group": parsed.group, "responsible_department": parsed.department},
        )
        kept_criteria.append(criterion.pk)
        for position, item in enumerate(parsed.indicators, start=1):
            indicator = upsert(
                Indicator,
                criteria_set=criteria_set,
                code=item.code,
                defaults={
                    "criterion": criterion,
                    "name": item.name,
                    "kind": item.kind,
                    "unit": item.unit,
                    "position": position,
                    "responsible_department": item.department,
                },
            )
            kept_indicators.append(indicator.pk)
            for zone, (target_text, threshold) in item.targets.items():
                upsert(
                    IndicatorTarget,
                    indicator=indicator,
                    zone=zone,
                    defaults={"target_text": target_text, "threshold": threshold},
                )
            indicator.targets.exclude(zone__in=list(item.targets)).delete()
    criteria_set.indicators.exclude(pk__in=kept_indicators).delete()
    criteria_set.criteria.exclude(pk__in=kept_criteria).delete()
    return criteria_set


def enrolment_set(
    *,
    commune: AdministrativeUnit,
    criteria_set: CriteriaSet,
    target_level: str,
    target_year: int,
    zone: str = "",
    starts_on: datetime.date | None = None,
    user: User | None = None,
) -> Enrolment:
    """Enrol the commune in `criteria_set` from the month of `starts_on` (idempotent per commune and set).

    Nothing is switched off: the enrolment applying to a month is the latest one started by then (see
    `criteria.selectors.enrolment_in_force_q`), so the months before keep their set. Without `starts_on`
    a commune's first enrolment applies from the beginning, a later one from this month; an existing
    enrolment in the same set keeps its start unless `starts_on` is given.

    Raises ValidationError when the zone is not one the set defines, or is missing while the set has
    zone-specific thresholds (`CriteriaSet.validate_zone`). `user` is recorded on the history row (the
    request's user otherwise, through simple_history's middleware)."""
    zone = zone.strip()
    criteria_set.validate_zone(zone)
    defaults: dict[str, object] = {"target_level": target_level, "target_year": target_year, "zone": zone}
    if starts_on is not None:
        defaults["starts_on"] = starts_on.replace(day=1)
    with transaction.atomic():
        others = Enrolment.objects.filter(commune=commune).exclude(criteria_set=criteria_set)
        enrolment = Enrolment.objects.filter(commune=commune, criteria_set=criteria_set).first()
        if enrolment is None:
            if starts_on is None and others.exists():
                defaults["starts_on"] = timezone.localdate().replace(day=1)
            enrolment = Enrolment(commune=commune, criteria_set=criteria_set, **defaults)
        if user is not None:
            enrolment._history_user = user  # type: ignore[attr-defined]  # read by simple_history
        if enrolment.pk is None:
            enrolment.save()
        else:
            model_update(instance=enrolment, fields=list(defaults), data=defaults)
    return enrolment
