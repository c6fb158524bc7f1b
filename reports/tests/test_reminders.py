import datetime
import smtplib
import threading
import time
import zoneinfo

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from communes.services import profile_set_language
from conftest import require_service
from criteria.models import Enrolment
from notifications.models import Notification
from ntm_portal.testing import fill
from reports import reminders, services
from reports.models import Reminder, ReminderKind, ReminderState

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def two_communes(demo, xuan_truong, xuan_hoa):
    """Only Xuân Trường and Xuân Hòa are enrolled, each with one official with an email address."""
    Enrolment.objects.exclude(commune__in=[xuan_truong, xuan_hoa]).delete()
    return xuan_truong, xuan_hoa


@pytest.fixture
def may(db):
    return services.period_for(2021, 5)  # deadline Tuesday 25/05/2021


def mails_to(mailoutbox, address):
    return [m for m in mailoutbox if m.to == [address]]


@pytest.mark.parametrize(
    ("day", "kind"),
    [(20, "t-5"), (23, "t-2"), (25, "t-0"), (26, "overdue"), (21, None), (24, None), (27, None)],
)
def test_each_offset(two_communes, may, mailoutbox, day, kind):
    reminders.run(datetime.date(2021, 5, day))
    kinds = set(Reminder.objects.values_list("kind", flat=True))
    if kind is None:
        assert not kinds and not mailoutbox
        return
    expected = {kind, ReminderKind.DIGEST} if kind == "overdue" else {kind}
    assert kinds == expected
    assert len(mails_to(mailoutbox, ["xa_xuantruong@ntm-thoxuan.example"][0])) == 1
    assert len(mails_to(mailoutbox, "xa_xuanhoa@ntm-thoxuan.example")) == 1
    mail = mails_to(mailoutbox, "xa_xuantruong@ntm-thoxuan.example")[0]
    assert "05/2021" in mail.subject and "25/05/2021" in mail.body and "/reports/" in mail.body
    assert Notification.objects.filter(user__username="xa_xuantruong").count() == 1  # the in-app inbox
    if kind == "overdue":
        digest = mails_to(mailoutbox, "vpdp_thoxuan@ntm-thoxuan.example")
        assert len(digest) == 1
        assert "2 xã chưa nộp" in digest[0].subject
        assert "Xã Xuân Trường" in digest[0].body and "Xã Xuân Hòa" in digest[0].body


def test_t2_mail_says_days_left(two_communes, may, mailoutbox):
    with_time = datetime.datetime(2021, 5, 23, 7, 30, tzinfo=HCM)
    import time_machine

    with time_machine.travel(with_time, tick=False):
        reminders.run(datetime.date(2021, 5, 23))
    mail = mails_to(mailoutbox, "xa_xuantruong@ntm-thoxuan.example")[0]
    assert "[Còn 2 ngày]" in mail.subject and "còn 2 ngày" in mail.body
    assert mail.alternatives and "Điền và nộp báo cáo" in mail.alternatives[0][0]


def test_deadline_on_a_sunday_stays_the_25th(two_communes, mailoutbox):
    april = services.period_for(2021, 4)
    assert april.deadline.astimezone(HCM).weekday() == 6  # 25/04/2021 is a Sunday
    reminders.run(datetime.date(2021, 4, 25))
    assert set(Reminder.objects.values_list("kind", flat=True)) == {"t-0"}
    Reminder.objects.all().delete()
    reminders.run(datetime.date(2021, 4, 26))
    assert "overdue" in set(Reminder.objects.values_list("kind", flat=True))


def test_moved_deadline_moves_the_reminders(two_communes, may, users, xuan_truong):
    services.period_deadline_set(
        period=may,
        unit=xuan_truong.parent,
        deadline=datetime.datetime(2021, 5, 28, 17, 0, tzinfo=HCM),
        user=users["vpdp_thoxuan"],
        reason="Trùng lịch bầu cử",
    )
    reminders.run(datetime.date(2021, 5, 25))
    assert not Reminder.objects.exists()
    reminders.run(datetime.date(2021, 5, 23))
    assert set(Reminder.objects.values_list("kind", flat=True)) == {"t-5"}


def test_a_commune_that_submitted_gets_nothing(two_communes, may, users, mailoutbox, xuan_truong):
    report = services.report_open(commune=xuan_truong, period=may)
    fill(report, users["xa_xuantruong"], criteria_met=9, indicators_met=25)
    services.report_submit(report=report, user=users["xa_xuantruong"])
    mailoutbox.clear()
    reminders.run(datetime.date(2021, 5, 20))
    assert not mails_to(mailoutbox, "xa_xuantruong@ntm-thoxuan.example")
    assert len(mails_to(mailoutbox, "xa_xuanhoa@ntm-thoxuan.example")) == 1


def test_a_returned_report_still_counts_as_missing(two_communes, may, users, xuan_hoa, mailoutbox):
    report = services.report_open(commune=xuan_hoa, period=may)
    fill(report, users["xa_xuanhoa"], criteria_met=5, indicators_met=20)
    report = services.report_submit(report=report, user=users["xa_xuanhoa"])
    services.report_return(report=report, user=users["vpdp_thoxuan"], reason="Sai số liệu")
    reminders.run(datetime.date(2021, 5, 25))
    assert Reminder.objects.filter(unit=xuan_hoa, kind="t-0").exists()


def test_running_twice_sends_each_reminder_once(two_communes, may, mailoutbox):
    reminders.run(datetime.date(2021, 5, 20))
    reminders.run(datetime.date(2021, 5, 20))
    assert len(mailoutbox) == 2
    assert Reminder.objects.filter(state=ReminderState.SENT).count() == 4  # 2 communes × (email, inbox)
    assert Notification.objects.count() == 2


def test_a_crashed_sender_is_retried_later(two_communes, may, mailoutbox, settings):
    planned = reminders.plan(datetime.date(2021, 5, 20))
    reminders.store(planned, datetime.date(2021, 5, 20))
    reminder = Reminder.objects.filter(channel="email").first()
    assert reminders.claim(reminder.pk)  # a sender claimed it ... and died before sending
    reminder.refresh_from_db()
    assert reminders.send(reminder.pk) is None  # a fresh claim is not taken over
    later = reminder.claimed_at + datetime.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS + 1)
    assert reminders.send(reminder.pk, now=later) == ReminderState.SENT
    assert len(mailoutbox) == 1


class DisconnectingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("máy chủ thư không trả lời")


def test_smtp_failure_retries_with_backoff_and_stays_visible(two_communes, may, mailoutbox, settings):
    settings.EMAIL_BACKEND = f"{__name__}.DisconnectingEmailBackend"
    reminders.run(datetime.date(2021, 5, 20))
    failed = Reminder.objects.filter(channel="email")
    assert all(r.state == ReminderState.PENDING and r.attempts == 1 for r in failed)
    assert all("SMTPServerDisconnected" in r.last_error and r.next_attempt_at for r in failed)
    assert not mailoutbox
    assert set(Reminder.objects.filter(channel="inbox").values_list("state", flat=True)) == {ReminderState.SENT}

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    reminders.run(datetime.date(2021, 5, 20))  # too early: the backoff has not passed
    assert not mailoutbox
    first = failed.first()
    assert reminders.send(first.pk, now=first.next_attempt_at) == ReminderState.SENT
    assert len(mailoutbox) == 1


def test_a_commune_with_nobody_to_remind_is_reported_to_the_office(demo, may, users, xuan_truong):
    tho_lam = Enrolment.objects.get(commune__code="15541").commune  # enrolled, no official at all
    Enrolment.objects.exclude(commune__in=[xuan_truong, tho_lam]).delete()
    reminders.run(datetime.date(2021, 5, 20))
    assert set(Reminder.objects.filter(unit=tho_lam).values_list("state", flat=True)) == {"no_recipient"}
    office_inbox = Notification.objects.filter(user=users["vpdp_thoxuan"])
    assert office_inbox.count() == 1 and "Xã Thọ Lâm" in office_inbox.get().title_text
    reminders.run(datetime.date(2021, 5, 23))
    assert office_inbox.count() == 1  # told once per period, not at every reminder


def test_command_dry_run_and_real_run(two_communes, may, mailoutbox, capsys):
    call_command("send_reminders", "--date", "2021-05-26", "--dry-run")
    out = capsys.readouterr().out
    assert "Sẽ gửi 3 nhắc nhở" in out and "overdue" in out and "digest" in out and "(2 xã chậm nộp)" in out
    assert not mailoutbox and not Reminder.objects.exists()
    call_command("send_reminders", "--date", "2021-05-26")
    assert "sent: 6" in capsys.readouterr().out
    assert len(mailoutbox) == 3


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_each_reminder_once(two_communes, may, mailoutbox):
    require_service("PostgreSQL (concurrent claims)", connection.vendor == "postgresql")
    planned = reminders.plan(datetime.date(2021, 5, 20))
    reminders.store(planned, datetime.date(2021, 5, 20))
    barrier, results = threading.Barrier(2), []

    def worker():
        from django.db import connections

        barrier.wait()
        try:
            results.append(reminders.run(datetime.date(2021, 5, 20)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 2
    sent_states = [state for _planned, sent in results for _pk, state in sent if state]
    assert sorted(sent_states) == ["sent"] * 4  # each of the 4 rows sent by exactly one of the runs
    assert len(mailoutbox) == 2
    assert Notification.objects.count() == 2


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_daily_task_through_a_real_worker(two_communes, may, celery_worker):
    from reports.tasks import run_daily_reminders

    def mails_written():  # the file backend writes the mails sent over one connection (a batch) to one file
        return [m for path in outbox.glob("*.log") for m in path.read_text().split("-" * 79) if m.strip()]

    run_daily_reminders.delay("2021-05-26")
    outbox, deadline = celery_worker["outbox"], time.monotonic() + 60
    while len(mails_written()) < 3 and time.monotonic() < deadline:
        time.sleep(0.5)
    mails = mails_written()
    assert len(mails) == 3, celery_worker["log"].read_text()[-3000:]
    assert sum("xa_xuantruong@ntm-thoxuan.example" in m for m in mails) == 1
    assert sum("vpdp_thoxuan@ntm-thoxuan.example" in m for m in mails) == 1
    assert Reminder.objects.filter(state=ReminderState.SENT).count() == 6


def test_days_are_counted_from_the_run_date_not_the_clock(two_communes, may, mailoutbox):
    """`send_reminders --date 2021-05-20` run today: "[Còn 5 ngày]", never "-2046 ngày"."""
    call_command("send_reminders", "--date", "2021-05-20")
    mail = mails_to(mailoutbox, "xa_xuantruong@ntm-thoxuan.example")[0]
    assert "[Còn 5 ngày]" in mail.subject
    assert "còn 5 ngày" in mail.body and "quá hạn" not in mail.body
    assert mail.body.count("Hạn nộp") == 1
    inbox = Notification.objects.get(user__username="xa_xuantruong")
    assert "[Còn 5 ngày]" in inbox.title_text


def test_overdue_notice_counts_from_the_run_date(two_communes, may, mailoutbox):
    reminders.run(datetime.date(2021, 5, 26))
    mail = mails_to(mailoutbox, "xa_xuantruong@ntm-thoxuan.example")[0]
    assert "[Quá hạn 1 ngày]" in mail.subject and "1 ngày" in mail.body


def test_a_returned_report_reminder_says_it_was_returned_and_why(two_communes, may, users, mailoutbox):
    xuan_truong, _xuan_hoa = two_communes
    report = fill(
        services.report_open(commune=xuan_truong, period=may), users["xa_xuantruong"], criteria_met=9, indicators_met=25
    )
    at = datetime.datetime(2021, 5, 10, 9, 0, tzinfo=HCM)
    report = services.report_submit(report=report, user=users["xa_xuantruong"], now=at)
    services.report_return(report=report, user=users["vpdp_thoxuan"], reason="Thiếu minh chứng tiêu chí 13")
    mailoutbox.clear()
    reminders.run(datetime.date(2021, 5, 23))
    mail = mails_to(mailoutbox, "xa_xuantruong@ntm-thoxuan.example")[0]
    assert "trả lại" in mail.body and "Thiếu minh chứng tiêu chí 13" in mail.body


def test_mail_and_inbox_are_worded_in_the_recipients_language(two_communes, may, users, mailoutbox):
    profile_set_language(user=users["xa_xuanhoa"], language="en")
    with translation.override("en"):  # whoever runs the job, each person reads their own language
        reminders.run(datetime.date(2021, 5, 20))
    assert "[Còn 5 ngày]" in mails_to(mailoutbox, "xa_xuantruong@ntm-thoxuan.example")[0].subject
    assert "days left" in mails_to(mailoutbox, "xa_xuanhoa@ntm-thoxuan.example")[0].subject
    inbox = Notification.objects.get(user__username="xa_xuantruong")
    assert "[Còn 5 ngày]" in inbox.title_text


def test_a_reminder_of_a_commune_that_submitted_since_the_plan_is_cancelled(two_communes, may, users, mailoutbox):
    xuan_truong, _xuan_hoa = two_communes
    planned = reminders.plan(datetime.date(2021, 5, 20))
    reminders.store(planned, datetime.date(2021, 5, 20))
    report = services.report_open(commune=xuan_truong, period=may)
    fill(report, users["xa_xuantruong"], criteria_met=9, indicators_met=25)
    services.report_submit(report=report, user=users["xa_xuantruong"])
    states = {
        (r.unit_id, r.channel): reminders.send(r.pk) for r in Reminder.objects.filter(state=ReminderState.PENDING)
    }
    assert {state for (unit, _c), state in states.items() if unit == xuan_truong.pk} == {ReminderState.CANCELLED}
    assert {state for (unit, _c), state in states.items() if unit != xuan_truong.pk} == {ReminderState.SENT}
    assert not mails_to(mailoutbox, "xa_xuantruong@ntm-thoxuan.example")
    assert len(mails_to(mailoutbox, "xa_xuanhoa@ntm-thoxuan.example")) == 1
