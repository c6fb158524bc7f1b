"""Work queued after a commit survives a broker outage and lost messages (core/outbox.py)."""

import datetime
import importlib
import io
import logging
import zoneinfo

import pytest
import time_machine
from django.apps import apps
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from core.models import OutboxEntry
from core.outbox import sweep
from core.tasks import sweep_outbox
from criteria.models import Enrolment
from meetings import services as meetings
from meetings.models import Meeting, MinutesState
from meetings.tasks import render_minutes
from meetings.tests.test_meetings import make_meeting
from notifications.models import Notification
from notifications.tasks import send_notification_email
from ntm_portal.celery import app
from ntm_portal.testing import fill
from ntm_portal.tests.brokers import closed_port, point_at, using_broker
from reports import services
from reports.models import MonthlyReport, Reminder, ReminderState, ReportStatus
from reports.tasks import run_daily_reminders, send_reminder
from reports.tests.test_views import edit_url, form_data

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


class Broker:
    """Redis as a test needs it: `down()` refuses every hand-over (as a stopped Redis does), `back()` takes
    them again (the tasks then run in-process, as if a worker did them)."""

    def down(self):
        point_at(f"redis://127.0.0.1:{closed_port()}/0")

    def back(self):
        point_at("memory://", eager=True)


@pytest.fixture
def broker():
    with using_broker("memory://", eager=True):
        yield Broker()


@pytest.fixture
def broker_down(broker):
    broker.down()
    return broker


@pytest.fixture
def messages_lost():
    """The broker takes every message and no worker ever gets it (as when a worker dies after acking)."""
    with using_broker("memory://"):
        yield


@pytest.fixture
def march_report(xuan_truong, users, django_capture_on_commit_callbacks):
    report = services.report_open(commune=xuan_truong, period=services.period_for(2021, 3))
    fill(report, users["xa_xuantruong"], criteria_met=9, indicators_met=25)
    with django_capture_on_commit_callbacks(execute=True):  # the office is mailed
        return services.report_submit(
            report=report, user=users["xa_xuantruong"], now=datetime.datetime(2021, 3, 24, 16, 0, tzinfo=HCM)
        )


@pytest.fixture
def meeting(march_report, users, xuan_truong, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = make_meeting(users, xuan_truong)
    meeting.refresh_from_db()
    assert meeting.pdf_state == MinutesState.READY
    return meeting


def quiet_sweep():
    call_command("sweep_outbox", stdout=io.StringIO())


def pdf_status(client, meeting):
    return client.get(reverse("meetings:meeting_pdf_status", args=[meeting.pk])).content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_submission_with_the_broker_down_succeeds_and_the_sweep_mails_once(
    filled, users, client_for, broker, mailoutbox, caplog
):
    broker.down()
    client = client_for(users["xa_xuantruong"])
    with caplog.at_level(logging.WARNING, logger="core.outbox"):
        response = client.post(edit_url(filled), form_data(MonthlyReport.objects.get(pk=filled.pk), submit="1"))
    assert response.status_code == 302
    assert MonthlyReport.objects.get(pk=filled.pk).status == ReportStatus.SUBMITTED
    office = Notification.objects.get(user=users["vpdp_thoxuan"])
    assert office.emailed_at is None and mailoutbox == []
    assert "could not queue notifications.tasks.send_notification_email" in caplog.text
    mailed = Notification.objects.exclude(user__email="")
    assert OutboxEntry.objects.filter(task=send_notification_email.name, queued_at=None).count() == mailed.count()

    broker.back()
    quiet_sweep()
    assert sorted(m.to[0] for m in mailoutbox) == sorted(n.user.email for n in mailed)
    assert "vpdp_thoxuan@ntm-thoxuan.example" in [m.to[0] for m in mailoutbox]
    office.refresh_from_db()
    assert office.emailed_at is not None
    quiet_sweep()  # forgets what is done, sends nothing again
    assert send_notification_email(office.pk) == "already sent"
    assert len(mailoutbox) == mailed.count() and not OutboxEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_remark_with_the_broker_down_succeeds_and_the_sweep_renders_the_minutes(
    march_report, users, xuan_truong, client_for, broker
):
    meeting = make_meeting(users, xuan_truong)
    meeting.refresh_from_db()
    assert meeting.pdf_state == MinutesState.READY

    broker.down()
    response = client_for(users["vpdp_thoxuan"]).post(
        reverse("meetings:meeting_remark_add", args=[meeting.pk]),
        {"speaker": "Ông Lê Văn Bình", "text": "Đề nghị bổ sung minh chứng tiêu chí 13."},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.remarks.count() == 1 and meeting.pdf_state == MinutesState.STALE

    broker.back()
    quiet_sweep()
    meeting.refresh_from_db()
    assert meeting.pdf_state == MinutesState.READY and meeting.pdf_version == meeting.version


def test_a_render_whose_message_was_lost_is_offered_a_retry_then_handed_over_again(
    meeting, users, client_for, messages_lost
):
    start = datetime.datetime(2027, 1, 11, 9, 0, tzinfo=HCM)
    with time_machine.travel(start, tick=False):
        meetings.remark_add(meeting=meeting, speaker="Ông B", text="Ý kiến bổ sung")  # its render message is lost
        office = client_for(users["vpdp_thoxuan"])
        leader = Client()
        leader.force_login(users["lanhdao_thoxuan"])
    with time_machine.travel(start + datetime.timedelta(minutes=1), tick=False):
        fragment = pdf_status(office, meeting)
        assert sweep()["handed_over"] == 0
    assert "Đang tạo biên bản PDF" in fragment and 'hx-trigger="every 2s"' in fragment
    assert "Thử lại" not in fragment and "lâu hơn bình thường" not in fragment

    with time_machine.travel(start + datetime.timedelta(minutes=3), tick=False):
        fragment = pdf_status(office, meeting)
        page = office.get(reverse("meetings:meeting_detail", args=[meeting.pk])).content.decode()
        seen_by_leader = pdf_status(leader, meeting)
    assert "lâu hơn bình thường" in fragment and "Thử lại" in fragment and 'hx-trigger="every 2s"' in fragment
    assert reverse("meetings:meeting_render", args=[meeting.pk]) in page
    assert "lâu hơn bình thường" in seen_by_leader and "Thử lại" not in seen_by_leader  # who cannot edit cannot retry

    with time_machine.travel(start + datetime.timedelta(minutes=11), tick=False):
        app.conf.task_always_eager = True  # a worker is back: what the sweep hands over runs
        assert sweep()["handed_over"] == 1
    meeting.refresh_from_db()
    assert meeting.pdf_state == MinutesState.READY and meeting.pdf_version == meeting.version


def test_the_retry_offered_for_a_late_render_renders_it(meeting, users, client_for, django_capture_on_commit_callbacks):
    start = datetime.datetime(2027, 1, 11, 9, 0, tzinfo=HCM)
    with time_machine.travel(start, tick=False):
        with django_capture_on_commit_callbacks(execute=False):
            meetings.remark_add(meeting=meeting, speaker="Ông B", text="Ý kiến bổ sung")  # never handed over
        client = client_for(users["vpdp_thoxuan"])
    with time_machine.travel(start + datetime.timedelta(minutes=5), tick=False):
        assert "Thử lại" in pdf_status(client, meeting)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("meetings:meeting_render", args=[meeting.pk]))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.pdf_state == MinutesState.READY and meeting.pdf_version == meeting.version


def test_the_sweep_gives_up_on_minutes_it_cannot_get_rendered(meeting, users, client_for, messages_lost, caplog):
    start = datetime.datetime(2027, 1, 11, 9, 0, tzinfo=HCM)
    with time_machine.travel(start, tick=False):
        meetings.remark_add(meeting=meeting, speaker="Ông B", text="Ý kiến bổ sung")
    for day in range(1, 6):  # handed over again (to a broker nobody reads) after 10, 20, 40, … minutes
        with time_machine.travel(start + datetime.timedelta(days=day), tick=False):
            assert sweep()["handed_over"] == 1
    assert OutboxEntry.objects.get().attempts == 6
    with time_machine.travel(start + datetime.timedelta(days=6), tick=False):
        assert sweep()["given_up"] == 1
    meeting.refresh_from_db()
    assert meeting.pdf_state == MinutesState.FAILED and "6 hand-overs" in meeting.pdf_error
    assert not OutboxEntry.objects.exists()
    assert "still not done after 6 hand-overs" in caplog.text
    with time_machine.travel(start + datetime.timedelta(days=6), tick=False):
        fragment = pdf_status(client_for(users["vpdp_thoxuan"]), meeting)
    assert "Tạo biên bản PDF bị lỗi." in fragment and "Thử lại" in fragment


class RefusingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server is down")


def test_a_mail_the_server_refused_is_sent_by_a_later_sweep(
    filled, users, settings, mailoutbox, django_capture_on_commit_callbacks
):
    start = datetime.datetime(2027, 1, 11, 9, 0, tzinfo=HCM)
    settings.EMAIL_BACKEND = f"{__name__}.RefusingEmailBackend"
    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=filled, user=users["xa_xuantruong"])
    office = Notification.objects.get(user=users["vpdp_thoxuan"])
    assert office.emailed_at is None  # the claim was released
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(start + datetime.timedelta(minutes=5), tick=False):
        assert sweep()["handed_over"] == 0  # not yet: it was handed over five minutes ago
    with time_machine.travel(start + datetime.timedelta(minutes=11), tick=False):
        assert sweep()["handed_over"] == Notification.objects.exclude(user__email="").count()
    assert "vpdp_thoxuan@ntm-thoxuan.example" in [m.to[0] for m in mailoutbox]
    with time_machine.travel(start + datetime.timedelta(hours=5), tick=False):
        assert sweep()["handed_over"] == 0
    assert len(mailoutbox) == Notification.objects.exclude(user__email="").count()


def test_only_mails_that_can_be_sent_are_swept(filled, users, broker, mailoutbox, django_capture_on_commit_callbacks):
    """A user without an address gets no mail entry; rows from before the outbox have none either."""
    office = users["vpdp_thoxuan"]
    office.email = ""
    office.save(update_fields=["email"])
    broker.down()
    Notification.objects.create(user=users["xa_xuantruong"], kind="report_accepted", params={})  # an old row
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=filled, user=users["xa_xuantruong"])
    assert Notification.objects.get(user=office).emailed_at is None
    assert not OutboxEntry.objects.filter(object_id=Notification.objects.get(user=office).pk).exists()
    broker.back()
    with time_machine.travel(datetime.timedelta(days=1)):
        sweep()
        sweep()
    assert office.email not in [m.to[0] for m in mailoutbox]
    assert Notification.objects.filter(user=users["xa_xuantruong"], emailed_at=None).count() == 1
    assert not OutboxEntry.objects.exists()


def test_a_sweep_with_the_broker_still_down_keeps_everything_for_the_next(
    filled, users, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=filled, user=users["xa_xuantruong"])
    before = list(OutboxEntry.objects.values_list("pk", "queued_at", "attempts"))
    assert before and all(queued_at is None and attempts == 0 for _pk, queued_at, attempts in before)
    output = io.StringIO()
    with pytest.raises(Exception, match="Không kết nối được hàng đợi"):
        call_command("sweep_outbox", stdout=output)
    assert list(OutboxEntry.objects.values_list("pk", "queued_at", "attempts")) == before
    call_command("sweep_outbox", "--inline", stdout=output)  # an operator can send them from here
    assert not Notification.objects.exclude(user__email="").filter(emailed_at=None).exists()


def test_work_done_in_process_leaves_nothing_in_the_outbox(
    filled, users, mailoutbox, django_capture_on_commit_callbacks
):
    """Without a broker (tasks run in the web process) there is no beat to sweep: done work is forgotten at once."""
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=filled, user=users["xa_xuantruong"])
    assert mailoutbox and not OutboxEntry.objects.exists()


def test_reminders_the_broker_did_not_take_are_sent_by_the_sweep(
    xuan_truong, xuan_hoa, broker, mailoutbox, django_capture_on_commit_callbacks
):
    Enrolment.objects.exclude(commune__in=[xuan_truong, xuan_hoa]).delete()
    services.period_for(2021, 5)
    broker.down()
    with django_capture_on_commit_callbacks(execute=True):
        assert run_daily_reminders("2021-05-26") == {"planned": 3, "queued": 6}
    assert Reminder.objects.filter(state=ReminderState.PENDING).count() == 6 and mailoutbox == []
    broker.back()
    assert sweep()["handed_over"] == 6
    assert Reminder.objects.filter(state=ReminderState.SENT).count() == 6 and len(mailoutbox) == 3
    sweep()
    assert len(mailoutbox) == 3 and not OutboxEntry.objects.exists()


class ModelsBeforeTheSplit:
    """The migration's `apps` at reports.0006, when these models were still in `reports` (their tables
    have moved since; the rows are the same)."""

    models = {"Notification": Notification, "Meeting": Meeting, "OutboxEntry": OutboxEntry}

    def get_model(self, app_label, name):
        assert app_label == "reports"
        return self.models[name]


def test_the_migration_hands_over_what_was_left_before_the_outbox(meeting, users):
    """Minutes still pending, and mails of the last two days that never went out; older mails are not sent.
    (Then the split of `reports` gives the entries their tasks' new names.)"""
    backfill = importlib.import_module("reports.migrations.0006_outbox").backfill
    rename_tasks = importlib.import_module("core.migrations.0002_rename_tables").rename_tasks
    OutboxEntry.objects.all().delete()
    Notification.objects.all().delete()
    now = datetime.datetime(2027, 1, 11, 9, 0, tzinfo=HCM)
    recent, old, no_address = (
        Notification.objects.create(user=users[name], kind="report_accepted", params={})
        for name in ("xa_xuantruong", "xa_xuanhoa", "lanhdao_thoxuan")
    )
    Notification.objects.filter(pk=recent.pk).update(created_at=now - datetime.timedelta(days=1))
    Notification.objects.filter(pk=old.pk).update(created_at=now - datetime.timedelta(days=3))
    Notification.objects.filter(pk=no_address.pk).update(created_at=now - datetime.timedelta(hours=1))
    users["lanhdao_thoxuan"].email = ""
    users["lanhdao_thoxuan"].save(update_fields=["email"])
    Meeting.objects.filter(pk=meeting.pk).update(pdf_state=MinutesState.STALE)
    with time_machine.travel(now, tick=False):
        backfill(ModelsBeforeTheSplit(), None)
    rename_tasks(apps, None)
    entries = set(OutboxEntry.objects.values_list("task", "object_id", "queued_at"))
    assert entries == {(send_notification_email.name, recent.pk, None), (render_minutes.name, meeting.pk, None)}


def test_killed_workers_give_the_message_back_and_the_sweep_runs_every_two_minutes(settings):
    for task in (send_notification_email, render_minutes, send_reminder, sweep_outbox):
        assert task.acks_late and task.reject_on_worker_lost, task.name
    assert app.conf.broker_transport_options["visibility_timeout"] == 900
    schedule = settings.CELERY_BEAT_SCHEDULE["sweep-outbox"]
    assert schedule["task"] == sweep_outbox.name and schedule["schedule"].minute == set(range(0, 60, 2))
