from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, TYPE_CHECKING

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


def criteria_set_import(
    source: str | Path | bytes | IO[bytes],
    *,
    code: str,
    name: str,
    legal_basis: str = "",
    level: str = SetLevel.ADVANCED,
    verified: bool = False,
    effective_from: datetime.date | None = None,
    effective_until: datetime.date | None = None,
) -> CriteriaSet:
    """Create or update a criteria set from a CSV/XLSX file (DESIGN §6). All or nothing.

    `effective_from`/`effective_until` (None: open) bound the months in which an enrolment in the set
    applies (criteria.selectors.enrolment_in_force_q)."""
    rows = read_rows(source, CRITERIA_COLUMNS)
    criteria, errors = _parse_criteria_rows(rows)
    if level not in SetLevel.values:
        errors.append(RowError(None, _("Mức “%(level)s” không hợp lệ (ntm, advanced, model).") % {"level": level}))
    if effective_from and effective_until and effective_until < effective_from:
        errors.append(RowError(None, _("Ngày hết hiệu lực của bộ tiêu chí sớm hơn ngày áp dụng.")))
    if errors:
        raise ImportFileError(errors)
    try:
        with transaction.atomic():
            criteria_set = _write_criteria_set(criteria, code, name, legal_basis, level, verified)
            dates = {"effective_from": effective_from, "effective_until": effective_until}
            criteria_set, _updated = model_update(instance=criteria_set, fields=list(dates), data=dates)
            return criteria_set
    except ProtectedError as exc:
        raise ImportFileError(
            [RowError(None, _("Không thể xóa tiêu chí hoặc tiểu tiêu chí đã có dữ liệu báo cáo."))]
        ) from exc


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
