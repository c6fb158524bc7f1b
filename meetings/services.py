"""Working sessions (buổi làm việc): numbering, the frozen status, the draft minutes, and rendering."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.models import AdministrativeUnit
from core import outbox
from core.db import model_update
from core.errors import ApplicationError
from criteria.models import Criterion
from inspections.models import ActionSource
from inspections.services import action_create
from reports.models import MonthlyReport, ReportStatus

from .models import Directive, Meeting, MeetingRemark, MinutesState
from .tasks import render_minutes

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from inspections.models import Inspection

logger = logging.getLogger(__name__)

EDITABLE_FIELDS = (
    "subject",
    "place",
    "started_at",
    "ended_at",
    "chair",
    "chair_position",
    "secretary",
    "secretary_position",
    "guests",
    "content",
    "conclusions",
    "recipients",
)


class MeetingError(ApplicationError):
    """A refused operation on a working session or its minutes."""


def status_report_at(commune: AdministrativeUnit, moment: datetime.datetime) -> MonthlyReport | None:
    """The report a meeting at `moment` knows: the latest one submitted before it (else the latest)."""
    reports = MonthlyReport.objects.filter(commune=commune).exclude(status=ReportStatus.DRAFT)
    reports = reports.select_related("period", "criteria_set").order_by("-period__year", "-period__month")
    return reports.filter(submitted_at__lte=moment).first() or reports.first()


def _freeze(meeting: Meeting, report: MonthlyReport | None) -> None:
    if report is None:
        return
    criteria = report.criteria_set.criteria.order_by("number")
    met = set(report.met_criteria)
    meeting.frozen_report = report
    meeting.frozen_period = str(report.period)
    meeting.frozen_criteria_met, meeting.frozen_criteria_total = report.criteria_met, report.criteria_total
    meeting.frozen_indicators_met, meeting.frozen_indicators_total = report.indicators_met, report.indicators_total
    meeting.frozen_criteria = [{"number": c.number, "name": c.name, "met": c.number in met} for c in criteria]


def minutes_draft(meeting: Meeting) -> str:
    """A first text of the session's content from the inspection findings, for the secretary to edit."""
    lines = []
    if meeting.inspection_id:
        inspection: Inspection = meeting.inspection  # type: ignore[assignment]  # inspection_id is set
        lines.append(
            _("Tổ công tác đã kiểm tra thực tế tại xã ngày %(date)s:") % {"date": inspection.date.strftime("%d/%m/%Y")}
        )
        for visit in inspection.visits.prefetch_related("findings__indicator"):
            found = [
                f"{f.indicator.code} {f.get_assessment_display().lower()}"
                + (f": {f.shortcoming}" if f.shortcoming else "")
                for f in visit.findings.all()
            ]
            lines.append(f"- {visit.name}" + (f" ({visit.village})" if visit.village else "") + ": " + "; ".join(found))
    return "\n".join(lines)


def _next_number(issuing_unit: AdministrativeUnit, year: int) -> int:
    last = Meeting.objects.filter(issuing_unit=issuing_unit, year=year).aggregate(n=Max("number"))["n"]
    return (last or 0) + 1


def meeting_create(
    *,
    commune: AdministrativeUnit,
    issuing_unit: AdministrativeUnit,
    created_by: User,
    attendees: Iterable[User] = (),
    inspection: Inspection | None = None,
    **fields: Any,
) -> Meeting:
    """A new session: numbered per issuing office and year, its commune's status frozen, a draft content."""
    started_at = fields["started_at"]
    year = timezone.localtime(started_at).year
    for _attempt in range(5):
        try:
            with transaction.atomic():
                # Lock the issuing unit's row: two offices' clerks creating minutes at once get 1 and 2.
                AdministrativeUnit.objects.select_for_update().filter(pk=issuing_unit.pk).first()
                meeting = Meeting(
                    commune=commune,
                    issuing_unit=issuing_unit,
                    inspection=inspection,
                    year=year,
                    number=_next_number(issuing_unit, year),
                    created_by=created_by,
                    **fields,
                )
                _freeze(meeting, status_report_at(commune, started_at))
                if not meeting.content:
                    meeting.content = minutes_draft(meeting)
                if not meeting.recipients:
                    meeting.recipients = "\n".join(
                        [_("UBND %(name)s") % {"name": commune.name}, _("Thành viên Tổ công tác")]
                    )
                meeting.save()
                meeting.attendees.set(attendees)
                queue_render(meeting)
                return meeting
        except IntegrityError:
            continue  # the number was taken in between: take the next one
    raise MeetingError(_("Không cấp được số biên bản; hãy thử lại."))


def _editable(meeting: Meeting) -> None:
    if meeting.is_final:
        raise MeetingError(_("Biên bản đã hoàn tất; cần mở lại (có ghi lý do) trước khi sửa."))


def _touched(meeting: Meeting) -> None:
    """The source changed: bump the version, mark the PDF stale and render it again."""
    Meeting.objects.filter(pk=meeting.pk).update(version=F("version") + 1, pdf_state=MinutesState.STALE)
    meeting.refresh_from_db()
    queue_render(meeting)


def meeting_update(*, meeting: Meeting, attendees: Iterable[User] | None = None, **fields: Any) -> Meeting:
    _editable(meeting)
    with transaction.atomic():
        meeting, _updated = model_update(instance=meeting, fields=EDITABLE_FIELDS, data=fields)
        if attendees is not None:
            meeting.attendees.set(attendees)
        _touched(meeting)
    return meeting


def remark_add(*, meeting: Meeting, speaker: str, text: str, criterion: Criterion | None = None) -> MeetingRemark:
    _editable(meeting)
    with transaction.atomic():
        remark = MeetingRemark.objects.create(meeting=meeting, speaker=speaker, text=text, criterion=criterion)
        _touched(meeting)
    return remark


def directive_add(
    *,
    meeting: Meeting,
    text: str,
    owner: str,
    due_date: datetime.date | None = None,
    owner_user: User | None = None,
    created_by: User,
) -> Directive:
    """A directive of the chair, also opened as a follow-up action of the commune when it has a date."""
    _editable(meeting)
    with transaction.atomic():
        action = None
        if due_date:
            action = action_create(
                commune=meeting.commune,
                created_by=created_by,
                source=ActionSource.MEETING,
                title=text,
                owner_user=owner_user,
                owner_name=owner,
                due_date=due_date,
            )
        directive = Directive.objects.create(meeting=meeting, text=text, owner=owner, due_date=due_date, action=action)
        _touched(meeting)
    return directive


def meeting_finalise(*, meeting: Meeting, user: User) -> Meeting:
    """Close the minutes; the PDF is rendered again, without the draft mark."""
    _editable(meeting)
    with transaction.atomic():
        meeting._change_reason = _("Hoàn tất biên bản")  # type: ignore[attr-defined]  # read by simple_history
        meeting._history_user = user  # type: ignore[attr-defined]  # read by simple_history
        model_update(
            instance=meeting,
            fields=["finalised_at", "finalised_by"],
            data={"finalised_at": timezone.now(), "finalised_by": user},
        )
        _touched(meeting)
    return meeting


def meeting_reopen(*, meeting: Meeting, user: User, reason: str) -> Meeting:
    if not meeting.is_final:
        raise MeetingError(_("Biên bản chưa hoàn tất."))
    if not reason.strip():
        raise MeetingError(_("Cần ghi lý do mở lại biên bản."))
    meeting._change_reason = _("Mở lại: %(reason)s") % {"reason": reason.strip()}  # type: ignore[attr-defined]  # read by simple_history
    meeting._history_user = user  # type: ignore[attr-defined]  # read by simple_history
    with transaction.atomic():
        model_update(
            instance=meeting, fields=["finalised_at", "finalised_by"], data={"finalised_at": None, "finalised_by": None}
        )
        _touched(meeting)  # a draft again: the PDF gets its draft mark back
    return meeting


def minutes_retry(meeting: Meeting) -> None:
    """Render the minutes again after a failure, or when a render takes far longer than it should."""
    with transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).update(pdf_state=MinutesState.PENDING)
        queue_render(meeting)


def meeting_criteria(meeting: Meeting) -> QuerySet[Criterion]:
    """The criteria of the report the meeting froze (what remarks may refer to), in order."""
    if not meeting.frozen_report_id:
        return Criterion.objects.none()
    return Criterion.objects.filter(criteria_set__reports=meeting.frozen_report_id).order_by("number")


def queue_render(meeting: Meeting) -> None:
    """Render once the transaction commits, through the outbox (a broker that is down only delays it)."""
    outbox.enqueue_on_commit(render_minutes, [meeting.pk])
