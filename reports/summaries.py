"""Repair of the derived data of monthly reports: each sub-criterion's `met` and the stored summary.

The services keep both up to date on every save; this puts them right where they drifted (a summary
field added without a backfill, a row edited outside the workflow). It derives with the same rules
(`reports.scoring`) and writes only what differs, so running it twice changes nothing the second time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from communes.models import AdministrativeUnit, UnitLevel
from criteria.models import IndicatorTarget

from . import scoring
from .models import IndicatorStatus, MonthlyReport


class SummaryError(ValueError):
    """A refused selection; the message is for the user (Vietnamese)."""


@dataclass(frozen=True)
class RecomputeCounts:
    checked: int = 0
    changed: int = 0  # reports whose stored summary or some sub-criterion's `met` was corrected
    statuses_changed: int = 0


def _parse_period(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if match is None or not 1 <= int(match[2]) <= 12:
        raise SummaryError(
            _("Kỳ báo cáo “%(value)s” không hợp lệ; hãy ghi theo dạng YYYY-MM, ví dụ 2021-04.") % {"value": text}
        )
    return int(match[1]), int(match[2])


def _selected_reports(commune_code: str | None, period: str | None) -> QuerySet[MonthlyReport]:
    reports = MonthlyReport.objects.all()
    if commune_code is not None:
        # Every version of the code (a merger may have given it to a new commune): all their reports.
        communes = AdministrativeUnit.objects.filter(code=commune_code.strip(), level=UnitLevel.COMMUNE)
        if not communes.exists():
            raise SummaryError(_("Không có xã nào mã “%(code)s”.") % {"code": commune_code})
        reports = reports.filter(commune__in=communes)
    if period is not None:
        year, month = _parse_period(period)
        reports = reports.filter(period__year=year, period__month=month)
    return reports.order_by("pk")


def _recompute_one(report_id: int) -> tuple[bool, int]:
    """(report changed, statuses changed) for one report, read and written under its row lock."""
    with transaction.atomic():
        # The lock orders this after (or before) a concurrent save of the same report, never between.
        report = MonthlyReport.objects.select_for_update().get(pk=report_id)
        statuses = list(
            IndicatorStatus.objects.filter(report=report)
            .select_related("indicator", "indicator__criterion")
            .prefetch_related(Prefetch("indicator__targets", queryset=IndicatorTarget.objects.all()))
        )
        reason = _("Tính lại kết quả tổng hợp")
        fixed = 0
        for status in statuses:
            met = scoring.derive_met(
                status.indicator, status.indicator.target_for(report.zone), status.value, status.declared_met
            )
            if status.met != met:
                status.met = met
                status._change_reason = reason  # type: ignore[attr-defined]  # read by simple_history
                status.save(update_fields=["met"])
                fixed += 1
        summary = scoring.summarize((s.indicator.criterion.number, s.met, s.is_answered) for s in statuses)
        stale = {key: value for key, value in summary.as_fields().items() if getattr(report, key) != value}
        if stale:
            for key, value in stale.items():
                setattr(report, key, value)
            report._change_reason = reason  # type: ignore[attr-defined]  # read by simple_history
            # Not `updated_at`: nobody edited the report, and that time is shown as the last save.
            report.save(update_fields=list(stale))
    return bool(stale or fixed), fixed


def summaries_recompute(*, commune_code: str | None = None, period: str | None = None) -> RecomputeCounts:
    """Derive again the `met` flags and stored summary of the selected reports; counts of what changed.

    `commune_code`: one commune's reports; `period`: "YYYY-MM". Raises SummaryError for a bad selection.
    """
    report_ids = list(_selected_reports(commune_code, period).values_list("pk", flat=True))
    changed = statuses_changed = 0
    for report_id in report_ids:
        report_changed, fixed = _recompute_one(report_id)
        changed += report_changed
        statuses_changed += fixed
    return RecomputeCounts(checked=len(report_ids), changed=changed, statuses_changed=statuses_changed)
