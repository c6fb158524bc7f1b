import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine

from notifications.models import Notification
from reports import services
from reports.models import IndicatorStatus, MonthlyReport, ReportEvent, ReportStatus
from reports.selectors import report_statuses

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def test_summary_of_the_seed_case(filled):
    assert filled.summary_line == "đạt 9/15 tiêu chí, 25/41 tiểu tiêu chí"
    stored = MonthlyReport.objects.get(pk=filled.pk)
    assert (stored.criteria_met, stored.criteria_total, stored.indicators_met, stored.indicators_total) == (
        9,
        15,
        25,
        41,
    )
    assert stored.indicators_answered == 41


def test_met_is_derived_from_the_value_not_declared(report, users):
    status = next(s for s in report_statuses(report) if s.indicator.code == "2.2")  # percent_min, Vùng 2: ≥ 90%
    assert status.target.threshold == 90
    answers = {status.pk: {"value": Decimal("62"), "declared_met": True}}
    services.report_save(report=report, user=users["xa_xuantruong"], answers=answers, expected_version=1)
    status.refresh_from_db()
    assert status.met is False
    services.report_save(
        report=report, user=users["xa_xuantruong"], answers={status.pk: {"value": Decimal("90")}}, expected_version=2
    )
    status.refresh_from_db()
    assert status.met is True


def test_zone_threshold_applies(demo, users, april):
    """Thọ Lâm is in Vùng 1, where 2.2 only needs ≥ 75%."""
    from communes.models import AdministrativeUnit

    tho_lam = services.report_open(commune=AdministrativeUnit.objects.get(code="15541"), period=april)
    status = next(s for s in report_statuses(tho_lam) if s.indicator.code == "2.2")
    assert status.target.zone == "Vùng 1" and status.target.threshold == 75
    services.report_save(
        report=tho_lam, user=users["vpdp_thoxuan"], answers={status.pk: {"value": Decimal("80")}}, expected_version=1
    )
    status.refresh_from_db()
    assert status.met is True


def test_stale_save_conflicts_and_keeps_the_first(report, users):
    status = report_statuses(report)[0]
    services.report_save(
        report=report, user=users["xa_xuantruong"], answers={status.pk: {"note": "bản A"}}, expected_version=1
    )
    with pytest.raises(services.ReportConflict):
        services.report_save(
            report=report, user=users["xa_xuantruong"], answers={status.pk: {"note": "bản B"}}, expected_version=1
        )
    status.refresh_from_db()
    assert status.note == "bản A"


def test_new_report_is_prefilled_from_the_previous_month(filled, xuan_truong):
    may = services.report_open(commune=xuan_truong, period=services.period_for(2021, 5))
    assert may.summary_line == filled.summary_line
    april_values = {s.indicator_id: (s.value, s.declared_met, s.responsible_person) for s in filled.statuses.all()}
    may_values = {s.indicator_id: (s.value, s.declared_met, s.responsible_person) for s in may.statuses.all()}
    assert may_values == april_values


def test_one_report_per_commune_and_period(report, xuan_truong, april):
    assert services.report_open(commune=xuan_truong, period=april) == report
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyReport.objects.create(commune=xuan_truong, period=april, criteria_set=report.criteria_set)


def test_incomplete_report_cannot_be_submitted(report, users):
    with pytest.raises(services.ReportError, match="chưa đủ thông tin"):
        services.report_submit(report=report, user=users["xa_xuantruong"])


@pytest.mark.parametrize(
    ("moment", "late"),
    [
        (datetime.datetime(2021, 4, 25, 23, 59, 59, tzinfo=HCM), False),
        (datetime.datetime(2021, 4, 26, 0, 0, 1, tzinfo=HCM), True),
        (datetime.datetime(2021, 4, 10, 8, 0, tzinfo=HCM), False),
    ],
)
def test_deadline_is_the_25th_at_midnight_in_vietnam(filled, users, moment, late):
    with time_machine.travel(moment, tick=False):
        report = services.report_submit(report=filled, user=users["xa_xuantruong"])
    assert report.status == ReportStatus.SUBMITTED
    assert report.is_late is late
    assert report.submitted_at == moment


def test_moved_deadline_counts(filled, users, april):
    row = services.period_deadline_set(
        period=april,
        unit=filled.commune.parent,  # the district's office moves it for its communes
        deadline=datetime.datetime(2021, 4, 28, 17, 0, tzinfo=HCM),
        user=users["vpdp_thoxuan"],
        reason="Nghỉ lễ 30/4",
    )
    with time_machine.travel(datetime.datetime(2021, 4, 27, 9, 0, tzinfo=HCM), tick=False):
        report = services.report_submit(report=filled, user=users["xa_xuantruong"])
    assert report.is_late is False
    assert report.deadline_text() == "Nộp đúng hạn (hạn nộp 28/04/2021)"
    assert row.history.first().history_change_reason == "Nghỉ lễ 30/4"


def test_deadline_text(april):
    at = datetime.datetime(2021, 4, 22, 10, 0, tzinfo=HCM)
    assert april.deadline_text(at) == "Hạn nộp: 25/04/2021 — còn 3 ngày"
    assert april.deadline_text(at + datetime.timedelta(days=5)) == "Hạn nộp: 25/04/2021 — quá hạn 2 ngày"
    # Closed (after the end of May 2021): the deadline only, no count of days from today's clock.
    assert april.deadline_text(datetime.datetime(2021, 5, 31, 23, 0, tzinfo=HCM)).endswith("quá hạn 36 ngày")
    assert april.deadline_text(datetime.datetime(2021, 6, 1, 8, 0, tzinfo=HCM)) == "Hạn nộp: 25/04/2021"
    assert april.deadline_text(datetime.datetime(2026, 12, 1, 8, 0, tzinfo=HCM)) == "Hạn nộp: 25/04/2021"


def test_a_report_submitted_on_time_never_shows_overdue(filled, users, client_for):
    on_time = datetime.datetime(2021, 4, 23, 9, 0, tzinfo=HCM)
    report = services.report_submit(report=filled, user=users["xa_xuantruong"], now=on_time)
    for day in (datetime.datetime(2021, 4, 30, 9, 0, tzinfo=HCM), datetime.datetime(2026, 12, 1, 9, 0, tzinfo=HCM)):
        assert report.deadline_text(day) == "Nộp đúng hạn (hạn nộp 25/04/2021)"
        with time_machine.travel(day, tick=False):
            page = client_for(users["vpdp_thoxuan"]).get(f"/reports/{report.pk}/").content.decode()
        assert "Nộp đúng hạn" in page and "quá hạn" not in page


def test_a_late_report_says_how_late_from_its_submission(filled, users):
    late = datetime.datetime(2021, 4, 28, 9, 0, tzinfo=HCM)
    report = services.report_submit(report=filled, user=users["xa_xuantruong"], now=late)
    assert report.deadline_text(datetime.datetime(2026, 12, 1, tzinfo=HCM)) == "Nộp trễ 3 ngày (hạn nộp 25/04/2021)"


def test_a_resubmission_after_a_return_keeps_the_first_submission(filled, users, client_for):
    first = datetime.datetime(2021, 4, 23, 9, 0, tzinfo=HCM)
    again = datetime.datetime(2021, 4, 29, 15, 0, tzinfo=HCM)
    report = services.report_submit(report=filled, user=users["xa_xuantruong"], now=first)
    returned = datetime.datetime(2021, 4, 24, 10, 0, tzinfo=HCM)
    report = services.report_return(
        report=report, user=users["vpdp_thoxuan"], reason="Thiếu minh chứng tiêu chí 13", now=returned
    )
    assert report.deadline_text(again) == "Nộp đúng hạn (hạn nộp 25/04/2021)"  # returned: still on time
    report = services.report_submit(report=report, user=users["xa_xuanhoa"], now=again)
    assert report.status == ReportStatus.SUBMITTED
    assert (report.submitted_at, report.submitted_by, report.is_late) == (first, users["xa_xuantruong"], False)
    events = [(e.action, e.at, e.late) for e in report.events.all()]
    assert events == [("submit", first, False), ("return", returned, False), ("resubmit", again, True)]
    office_inbox = Notification.objects.filter(user=users["vpdp_thoxuan"]).order_by("id")
    assert "đã nộp lại báo cáo tháng 04/2021" in office_inbox.last().title_text
    assert "nộp trễ" not in office_inbox.last().title_text


def test_notifications_are_worded_in_the_readers_language(filled, users, client_for, mailoutbox):
    """An office working in English returns a report: the commune reads Vietnamese, the inbox and mail."""
    from django.utils import translation

    report = services.report_submit(report=filled, user=users["xa_xuantruong"])
    with translation.override("en"):
        services.report_return(report=report, user=users["vpdp_thoxuan"], reason="Thiếu minh chứng")
    notification = Notification.objects.get(user=users["xa_xuantruong"])
    assert notification.title_text == "Xã Xuân Trường: Báo cáo tháng 04/2021 bị trả lại"
    page = client_for(users["xa_xuantruong"]).get("/notifications/").content.decode()
    assert "bị trả lại" in page and "was returned" not in page
    with translation.override("en"):
        assert notification.title_text == "Xã Xuân Trường: Monthly report for 04/2021 was returned"


# The state machine: which transition is allowed from which status.
def _to(report, status):
    MonthlyReport.objects.filter(pk=report.pk).update(status=status)
    report.refresh_from_db()
    return report


@pytest.mark.parametrize(
    ("start", "action", "allowed"),
    [
        ("draft", "submit", True),
        ("returned", "submit", True),
        ("submitted", "submit", False),
        ("accepted", "submit", False),
        ("submitted", "accept", True),
        ("draft", "accept", False),
        ("returned", "accept", False),
        ("accepted", "accept", False),
        ("submitted", "return", True),
        ("draft", "return", False),
        ("accepted", "return", False),
        ("accepted", "reopen", True),
        ("submitted", "reopen", False),
        ("draft", "reopen", False),
    ],
)
def test_state_machine(filled, users, start, action, allowed):
    report = _to(filled, start)
    office, official = users["vpdp_thoxuan"], users["xa_xuantruong"]
    calls = {
        "submit": lambda: services.report_submit(report=report, user=official),
        "accept": lambda: services.report_accept(report=report, user=office),
        "return": lambda: services.report_return(report=report, user=office, reason="Thiếu minh chứng"),
        "reopen": lambda: services.report_reopen(report=report, user=office, reason="Sai số liệu"),
    }
    if allowed:
        calls[action]()
        assert ReportEvent.objects.filter(report=report, action=action, from_status=start).exists()
    else:
        with pytest.raises(services.ReportError):
            calls[action]()
        report.refresh_from_db()
        assert report.status == start


def test_submitted_report_is_read_only(filled, users):
    report = services.report_submit(report=filled, user=users["xa_xuantruong"])
    with pytest.raises(services.ReportError, match="không thể sửa"):
        services.report_save(report=report, user=users["xa_xuantruong"], answers={}, expected_version=report.version)


def test_return_needs_a_reason_and_notifies_the_commune(filled, users, mailoutbox, django_capture_on_commit_callbacks):
    report = services.report_submit(report=filled, user=users["xa_xuantruong"])
    with pytest.raises(services.ReportError, match="lý do"):
        services.report_return(report=report, user=users["vpdp_thoxuan"], reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.report_return(report=report, user=users["vpdp_thoxuan"], reason="Thiếu minh chứng tiêu chí 13")
    inbox = Notification.objects.filter(user=users["xa_xuantruong"])
    assert inbox.count() == 1 and "bị trả lại" in inbox.get().title_text
    assert [m.to for m in mailoutbox] == [["xa_xuantruong@ntm-thoxuan.example"]]
    assert "Thiếu minh chứng tiêu chí 13" in mailoutbox[0].body
    assert "/reports/" in mailoutbox[0].alternatives[0][0]


def test_submission_notifies_the_office_and_acceptance_the_commune(
    filled, users, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_submit(report=filled, user=users["xa_xuantruong"])
    (notification,) = Notification.objects.filter(user=users["vpdp_thoxuan"])
    assert notification.title_text.startswith("Xã Xuân Trường đã nộp báo cáo tháng 04/2021")
    with django_capture_on_commit_callbacks(execute=True):
        services.report_accept(report=report, user=users["vpdp_thoxuan"], comment="Tốt")
    assert any("đã được duyệt" in n.title_text for n in Notification.objects.filter(user=users["xa_xuantruong"]))
    assert len(mailoutbox) == 2


def test_notification_email_is_sent_once(filled, users, mailoutbox, django_capture_on_commit_callbacks):
    from notifications.tasks import send_notification_email

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.report_submit(report=filled, user=users["xa_xuantruong"])
    assert len(callbacks) == 1  # queued only once the transaction commits
    notification = Notification.objects.get(user=users["vpdp_thoxuan"])
    assert len(mailoutbox) == 1
    assert send_notification_email(notification.pk) == "already sent"
    assert len(mailoutbox) == 1


def test_every_transition_is_in_the_history(filled, users):
    report = services.report_submit(report=filled, user=users["xa_xuantruong"])
    report = services.report_return(report=report, user=users["vpdp_thoxuan"], reason="Bổ sung")
    report = services.report_submit(report=report, user=users["xa_xuantruong"])
    report = services.report_accept(report=report, user=users["vpdp_thoxuan"])
    statuses = list(report.history.order_by("history_date", "history_id").values_list("status", flat=True))
    assert statuses[-4:] == ["submitted", "returned", "submitted", "accepted"]
    assert [e.action for e in report.events.all()] == ["submit", "return", "resubmit", "accept"]
    assert IndicatorStatus.history.filter(report_id=report.pk).count() >= 41
