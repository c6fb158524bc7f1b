"""Writes of the reporting loop: periods, monthly reports, their review, and notifications."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from communes.models import AdministrativeUnit, Role
from communes.selectors import users_with_role_over
from core.db import model_update
from core.errors import ApplicationError, ConflictError
from core.uploads import EVIDENCE_KINDS, validate_upload
from criteria.models import IndicatorTarget
from criteria.selectors import enrolments_applying
from notifications.services import notify

from . import scoring
from .models import (
    EDITABLE_STATUSES,
    EvidenceFile,
    IndicatorStatus,
    MonthlyReport,
    PeriodDeadline,
    ReportEvent,
    ReportingPeriod,
    ReportStatus,
    default_deadline,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files import File

    from criteria.models import CriteriaSet

ANSWER_FIELDS = ("value", "text_value", "declared_met", "note", "responsible_person", "planned_date")


class ReportError(ApplicationError):
    """A refused operation on a report; the message is for the user (Vietnamese)."""


class ReportConflict(ReportError, ConflictError):
    """Somebody saved the report after this copy was opened."""


# --- Periods ---------------------------------------------------------------------------------


def period_for(year: int, month: int) -> ReportingPeriod:
    period, _created = ReportingPeriod.objects.get_or_create(
        year=year, month=month, defaults={"deadline": default_deadline(year, month)}
    )
    return period


def period_current(now: datetime.datetime | None = None) -> ReportingPeriod:
    today = timezone.localtime(now or timezone.now()).date()
    return period_for(today.year, today.month)


def periods_ensure_ahead(*, today: datetime.date | None = None, months_ahead: int = 1) -> list[ReportingPeriod]:
    """Make sure this month's period and the next `months_ahead` exist (idempotent)."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    return [period_for(d.year, d.month) for d in (first + relativedelta(months=i) for i in range(months_ahead + 1))]


def period_deadline_set(
    *,
    period: ReportingPeriod,
    unit: AdministrativeUnit,
    deadline: datetime.datetime,
    user: User,
    reason: str,
    now: datetime.datetime | None = None,
) -> PeriodDeadline:
    """Set (or move) the deadline of the communes below `unit` in `period`; who may is
    `communes.access.deadline_unit_or_404`'s to say. Each change is a history row with its reason."""
    reason = reason.strip()
    if not reason:
        raise ReportError(_("Cần nêu lý do điều chỉnh hạn nộp."))
    if timezone.localtime(deadline).date() < period.first_day:
        raise ReportError(_("Hạn nộp không thể trước ngày đầu của kỳ báo cáo %(period)s.") % {"period": period})
    data = {"deadline": deadline, "reason": reason, "set_by": user, "set_at": now or timezone.now()}
    with transaction.atomic():
        row = PeriodDeadline.objects.select_for_update().filter(period=period, unit=unit).first()
        if row is None:
            row = PeriodDeadline(period=period, unit=unit, **data)
            row._change_reason = reason[:100]  # type: ignore[attr-defined]  # read by simple_history
            row._history_user = user  # type: ignore[attr-defined]  # read by simple_history
            row.save()
            return row
        if row.deadline == deadline and row.reason == reason:
            return row  # nothing changed: no history row
        row._change_reason = reason[:100]  # type: ignore[attr-defined]  # read by simple_history
        row._history_user = user  # type: ignore[attr-defined]  # read by simple_history
        row, _updated = model_update(instance=row, fields=list(data), data=data)
    return row


# --- Opening and filling a report ----------------------------------------------------------


def _statuses_with_targets(report: MonthlyReport) -> list[IndicatorStatus]:
    return list(
        report.statuses.select_related("indicator", "indicator__criterion").prefetch_related(
            Prefetch("indicator__targets", queryset=IndicatorTarget.objects.all())
        )
    )


def _previous_statuses(
    commune: AdministrativeUnit, period: ReportingPeriod, criteria_set: CriteriaSet
) -> dict[int, IndicatorStatus]:
    latest = (
        MonthlyReport.objects.filter(commune=commune, criteria_set=criteria_set)
        .filter(Q(period__year__lt=period.year) | Q(period__year=period.year, period__month__lt=period.month))
        .order_by("-period__year", "-period__month")
        .first()
    )
    if latest is None:
        return {}
    return {s.indicator_id: s for s in latest.statuses.all()}


def report_open(*, commune: AdministrativeUnit, period: ReportingPeriod) -> MonthlyReport:
    """The commune's report for the period, created (pre-filled from the previous one) if needed, on the
    criteria set of the enrolment applying to the period (never a later one: see `enrolments_applying`)."""
    report = MonthlyReport.objects.filter(commune=commune, period=period).first()
    if report:
        return report
    if (commune.valid_from and commune.valid_from > period.last_day) or (
        commune.valid_until and commune.valid_until < period.first_day
    ):
        raise ReportError(_("Đơn vị này không tồn tại trong kỳ báo cáo %(period)s.") % {"period": period})
    single = AdministrativeUnit.objects.filter(pk=commune.pk)
    enrolment = enrolments_applying(single, period.first_day, period.last_day).first()
    if enrolment is None or not enrolment.criteria_set.is_complete:
        raise ReportError(_("Xã chưa được đăng ký một bộ tiêu chí đầy đủ; hãy liên hệ Văn phòng Điều phối NTM."))
    try:
        with transaction.atomic():
            report = MonthlyReport.objects.create(
                commune=commune, period=period, criteria_set=enrolment.criteria_set, zone=enrolment.zone
            )
            previous = _previous_statuses(commune, period, enrolment.criteria_set)
            indicators = enrolment.criteria_set.indicators.select_related("criterion").prefetch_related("targets")
            statuses = []
            for indicator in indicators:
                status = IndicatorStatus(
                    report=report,
                    indicator=indicator,
                    **{f: getattr(previous[indicator.pk], f) for f in ANSWER_FIELDS if indicator.pk in previous},
                )
                _derive(report, status)
                statuses.append(status)
            bulk_create_with_history(statuses, IndicatorStatus, default_change_reason="open")
            _recompute(report, statuses)
    except IntegrityError:
        # Two people opened the same new report at once: the other one created it.
        return MonthlyReport.objects.get(commune=commune, period=period)
    return report


def _derive(report: MonthlyReport, status: IndicatorStatus) -> bool:
    """Set the status's `met` from its answer; True when it changed."""
    met = scoring.derive_met(
        status.indicator, status.indicator.target_for(report.zone), status.value, status.declared_met
    )
    changed = status.met != met
    status.met = met
    return changed


def _recompute(report: MonthlyReport, statuses: Sequence[IndicatorStatus] | None = None) -> scoring.Summary:
    """Derive each status's `met` and store the report's summary (history only on change)."""
    statuses = statuses if statuses is not None else _statuses_with_targets(report)
    for status in statuses:
        if _derive(report, status):
            status.save(update_fields=["met"])
    summary = scoring.summarize((s.indicator.criterion.number, s.met, s.is_answered) for s in statuses)
    for key, value in summary.as_fields().items():
        setattr(report, key, value)
    report.save(update_fields=[*summary.as_fields(), "updated_at"])
    return summary


def report_save(
    *,
    report: MonthlyReport,
    user: User,
    answers: Mapping[int, Mapping[str, Any]],
    expected_version: int,
    evidence: Mapping[int, Iterable[File]] | None = None,
    statuses: Sequence[IndicatorStatus] | None = None,
) -> MonthlyReport:
    """Save a draft: `answers` maps status id → {field: value}; `evidence` maps status id → [files].

    Optimistic locking: the save goes through only if nobody saved since `expected_version`.
    `statuses`: the report's statuses with their targets, when the caller has just read them (the form
    does): once the version is claimed they are known to be what `expected_version` saw, so they are
    not read again.
    """
    evidence = evidence or {}
    with transaction.atomic():
        claimed = MonthlyReport.objects.filter(
            pk=report.pk, version=expected_version, status__in=EDITABLE_STATUSES
        ).update(version=F("version") + 1)
        if not claimed:
            current = MonthlyReport.objects.get(pk=report.pk)
            if current.status not in EDITABLE_STATUSES:
                raise ReportError(_("Báo cáo đã nộp, không thể sửa (chỉ sửa được khi bị trả lại)."))
            raise ReportConflict(
                _(
                    "Báo cáo vừa được người khác lưu (lúc %(time)s). Dữ liệu bạn nhập vẫn còn trên trang; "
                    "hãy mở bản mới nhất trong thẻ khác, đối chiếu rồi nhập lại phần thay đổi."
                )
                % {"time": timezone.localtime(current.updated_at).strftime("%H:%M %d/%m/%Y")}
            )
        report.refresh_from_db()
        statuses = statuses if statuses is not None else _statuses_with_targets(report)
        changed_statuses = []
        for status in statuses:
            new = answers.get(status.pk)
            if new is None:
                continue
            changed = [f for f in ANSWER_FIELDS if f in new and getattr(status, f) != new[f]]
            for field in changed:
                setattr(status, field, new[field])
            if _derive(report, status):
                changed.append("met")
            if changed:
                # A plain UPDATE of just what changed (Django's bulk_update builds slow CASE expressions).
                IndicatorStatus.objects.filter(pk=status.pk).update(**{f: getattr(status, f) for f in changed})
                changed_statuses.append(status)
        if changed_statuses:  # one history insert for the whole form
            IndicatorStatus.history.bulk_history_create(changed_statuses, update=True, default_user=user)
        for status in statuses:
            for upload in evidence.get(status.pk, []):
                kind = validate_upload(upload, kinds=EVIDENCE_KINDS, max_bytes=settings.EVIDENCE_MAX_BYTES)
                EvidenceFile.objects.create(
                    status=status,
                    file=upload,
                    original_name=(upload.name or "")[:255],
                    kind=kind,
                    size=upload.size,
                    uploaded_by=user,
                )
        _recompute(report, statuses)
    return report


def submission_problems(
    report: MonthlyReport, statuses: Iterable[IndicatorStatus] | None = None
) -> list[tuple[IndicatorStatus, str]]:
    """Why the report cannot be submitted yet: [(status, message)]; empty when complete."""
    problems = []
    for status in statuses if statuses is not None else _statuses_with_targets(report):
        gaps = scoring.submission_gaps(
            status.indicator,
            value=status.value,
            declared_met=status.declared_met,
            met=status.met,
            responsible_person=status.responsible_person,
            planned_date=status.planned_date,
        )
        problems += [(status, message) for _part, message in gaps]
    return problems


# --- Transitions -----------------------------------------------------------------------------

TRANSITIONS = {
    ReportEvent.Action.SUBMIT: (EDITABLE_STATUSES, ReportStatus.SUBMITTED),
    ReportEvent.Action.RETURN: ((ReportStatus.SUBMITTED,), ReportStatus.RETURNED),
    ReportEvent.Action.ACCEPT: ((ReportStatus.SUBMITTED,), ReportStatus.ACCEPTED),
    ReportEvent.Action.REOPEN: ((ReportStatus.ACCEPTED,), ReportStatus.RETURNED),
}


SUBMIT_ACTIONS = (ReportEvent.Action.SUBMIT, ReportEvent.Action.RESUBMIT)


def _transition(
    report: MonthlyReport,
    action: ReportEvent.Action,
    user: User,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> MonthlyReport:
    allowed_from, to_status = TRANSITIONS[action]
    now = now or timezone.now()
    with transaction.atomic():
        locked = MonthlyReport.objects.select_for_update().get(pk=report.pk)
        if locked.status not in allowed_from:
            raise ReportError(
                _("Không thể “%(action)s” một báo cáo đang ở trạng thái “%(status)s”.")
                % {"action": ReportEvent.Action(action).label, "status": locked.get_status_display()}
            )
        from_status = locked.status
        locked.status = to_status
        locked.version += 1  # the row is locked: a plain increment is safe
        fields = ["status", "version", "updated_at"]
        if action == ReportEvent.Action.SUBMIT and locked.submitted_at is not None:
            # A resubmission after a return: its own event; the first submission decides lateness.
            action = ReportEvent.Action.RESUBMIT
        elif action == ReportEvent.Action.SUBMIT:
            locked.submitted_at, locked.submitted_by = now, user
            locked.is_late = now > locked.deadline  # the commune's own deadline
            fields += ["submitted_at", "submitted_by", "is_late"]
        else:
            locked.reviewed_at, locked.reviewed_by, locked.review_comment = now, user, comment
            fields += ["reviewed_at", "reviewed_by", "review_comment"]
        locked._change_reason = f"{action}: {comment}"[:100]  # type: ignore[attr-defined]  # read by simple_history
        locked.save(update_fields=fields)
        ReportEvent.objects.create(
            report=locked,
            action=action,
            from_status=from_status,
            to_status=to_status,
            actor=user,
            at=now,
            comment=comment,
            late=now > locked.deadline if action in SUBMIT_ACTIONS else False,
        )
    return locked


def _report_params(report: MonthlyReport, **extra: Any) -> dict[str, Any]:
    return {
        "commune": report.commune.name,
        "period": str(report.period),
        "criteria_met": report.criteria_met,
        "criteria_total": report.criteria_total,
        "indicators_met": report.indicators_met,
        "indicators_total": report.indicators_total,
        **extra,
    }


def report_submit(
    *,
    report: MonthlyReport,
    user: User,
    now: datetime.datetime | None = None,
    statuses: Sequence[IndicatorStatus] | None = None,
) -> MonthlyReport:
    """Submit a complete report; `statuses` as `report_save` passes them (read once per request)."""
    problems = submission_problems(report, statuses)
    if problems:
        raise ReportError(
            _("Chưa thể nộp: còn %(n)s tiểu tiêu chí chưa đủ thông tin.") % {"n": len({s.pk for s, _m in problems})}
        )
    resubmission = report.submitted_at is not None
    report = _transition(report, ReportEvent.Action.SUBMIT, user, now=now)
    notify(
        users=users_with_role_over(report.commune, Role.OFFICE),
        kind="report_resubmitted" if resubmission else "report_submitted",
        params=_report_params(report, late=report.is_late),
        url=reverse("reports:report_detail", args=[report.pk]),
    )
    return report


def report_return(
    *, report: MonthlyReport, user: User, reason: str, now: datetime.datetime | None = None
) -> MonthlyReport:
    if not reason.strip():
        raise ReportError(_("Cần ghi lý do trả lại báo cáo."))
    report = _transition(report, ReportEvent.Action.RETURN, user, reason.strip(), now)
    _notify_commune(report, "report_returned", reason.strip())
    return report


def report_accept(
    *, report: MonthlyReport, user: User, comment: str = "", now: datetime.datetime | None = None
) -> MonthlyReport:
    report = _transition(report, ReportEvent.Action.ACCEPT, user, comment.strip(), now)
    _notify_commune(report, "report_accepted", comment.strip())
    return report


def report_reopen(
    *, report: MonthlyReport, user: User, reason: str, now: datetime.datetime | None = None
) -> MonthlyReport:
    if not reason.strip():
        raise ReportError(_("Cần ghi lý do mở lại báo cáo đã duyệt."))
    report = _transition(report, ReportEvent.Action.REOPEN, user, reason.strip(), now)
    _notify_commune(report, "report_reopened", reason.strip())
    return report


# --- Notifications ---------------------------------------------------------------------------


def _notify_commune(report: MonthlyReport, kind: str, text: str) -> None:
    notify(
        users=users_with_role_over(report.commune, Role.COMMUNE_OFFICIAL).filter(memberships__unit=report.commune),
        kind=kind,
        params=_report_params(report, text=text),
        url=reverse("reports:report_detail", args=[report.pk]),
    )
