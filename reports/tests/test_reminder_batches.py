"""Reminders are sent in batches (reports.reminders.send_batch): what a batch shares is read once, its mails
go over one connection, and each reminder keeps its own claim, state and retry."""

import datetime
import smtplib
import zoneinfo

import pytest
import time_machine
from celery.signals import task_prerun
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.mail.backends.locmem import EmailBackend
from django.db.models import Max

from communes.models import AdministrativeUnit, Role, UnitLevel
from communes.services import profile_set_language
from core.models import OutboxEntry
from core.outbox import sweep
from criteria.models import CriteriaSet, Enrolment, SetLevel
from notifications.models import Notification
from ntm_portal.demo import make_member
from reports import reminders, services
from reports.models import MonthlyReport, Reminder, ReminderState, ReportStatus
from reports.tasks import run_daily_reminders, send_reminder

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
RUN_AT = datetime.datetime(2021, 5, 20, 7, 30, tzinfo=HCM)  # the daily run, T-5 of May 2021 (deadline the 25th)
TODAY = RUN_AT.date()
REFUSED = "xa_001@ntm-thoxuan.example"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(RUN_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def may(db):
    return services.period_for(2021, 5)


@pytest.fixture
def make_communes(tree, people):
    """`make_communes(n)`: n communes under district T10 that must report, each with one official
    (xa_000, xa_001, … with an address), none of them submitted. The district's office is `people["office"]`."""
    criteria_set = CriteriaSet.objects.create(code="thu", name="Bộ thử", is_complete=True)

    def make(count):
        communes = []
        for number in range(count):
            commune = AdministrativeUnit.objects.create(
                code=f"X{number:03d}", name=f"Xã Số {number}", level=UnitLevel.COMMUNE, parent=tree["district"]
            )
            Enrolment.objects.create(
                commune=commune, criteria_set=criteria_set, target_level=SetLevel.ADVANCED, target_year=2025
            )
            make_member(f"xa_{number:03d}", Role.COMMUNE_OFFICIAL, commune, password=None)
            communes.append(commune)
        return communes

    return make


def store_in_one_batch(today):
    """Plan and store the day's reminders as `reminders.store` does, with ids in one fresh batch (a daily
    run's rows are consecutive; the ids of a test's rows may straddle two batches)."""
    planned = reminders.plan(today)
    last = Reminder.objects.aggregate(Max("pk"))["pk__max"] or 0
    first = (reminders.batch_of(last) + 1) * reminders.BATCH_SIZE
    rows = [
        Reminder(pk=first + number, unit=p.unit, period=p.period, kind=p.kind, channel=channel, due_on=today)
        for number, (p, channel) in enumerate((p, c) for p in planned for c in django_settings.REMINDER_CHANNELS)
    ]
    assert len(rows) <= reminders.BATCH_SIZE
    Reminder.objects.bulk_create(rows)
    return [row.pk for row in rows]


def official(number):
    return get_user_model().objects.get(username=f"xa_{number:03d}")


def rows(commune):
    return {r.channel: r for r in Reminder.objects.filter(unit=commune)}


def addressees(mailoutbox):
    return sorted(address for mail in mailoutbox for address in mail.to)


class RefusingOneAddress(EmailBackend):
    """A mail server that refuses REFUSED and takes every other mail (into the test outbox)."""

    def send_messages(self, messages):
        if any(REFUSED in message.to for message in messages):
            raise smtplib.SMTPRecipientsRefused({REFUSED: (550, b"mailbox unavailable")})
        return super().send_messages(messages)


def test_a_batch_sends_each_reminder_once_to_its_officials_in_their_language(make_communes, may, mailoutbox):
    communes = make_communes(4)
    profile_set_language(user=official(2), language="en")
    ids = store_in_one_batch(TODAY)
    assert reminders.send_batch(ids[0]) == dict.fromkeys(ids, ReminderState.SENT)
    assert addressees(mailoutbox) == [f"xa_{n:03d}@ntm-thoxuan.example" for n in range(4)]
    subjects = {mail.to[0]: mail.subject for mail in mailoutbox}
    assert subjects["xa_002@ntm-thoxuan.example"].startswith("[5 days left]")
    assert subjects["xa_003@ntm-thoxuan.example"] == "[Còn 5 ngày] Xã Số 3: báo cáo NTM tháng 05/2021"
    assert sorted(Notification.objects.values_list("user__username", flat=True)) == [f"xa_{n:03d}" for n in range(4)]
    assert "[Còn 5 ngày] Xã Số 0" in Notification.objects.get(user__username="xa_000").title_text
    sent = rows(communes[3])
    assert sent["email"].recipients == "xa_003@ntm-thoxuan.example" and sent["inbox"].recipients == "xa_003"
    assert sent["email"].sent_at == RUN_AT


def test_sending_a_batch_again_sends_nothing(make_communes, may, mailoutbox):
    make_communes(3)
    ids = store_in_one_batch(TODAY)
    assert len(reminders.send_batch(ids[0])) == 6
    assert reminders.send_batch(ids[-1]) == {}  # any id of the batch names it
    assert send_reminder(ids[0]) == {}  # the task, run twice (a message delivered again)
    assert len(mailoutbox) == 3 and Notification.objects.count() == 3
    assert set(Reminder.objects.values_list("state", flat=True)) == {ReminderState.SENT}


def test_cancelled_claimed_and_unreachable_reminders_do_not_hold_up_the_others(make_communes, may, people, mailoutbox):
    submitted, unreachable, claimed, plain = make_communes(4)
    ids = store_in_one_batch(TODAY)
    report = services.report_open(commune=submitted, period=may)
    MonthlyReport.objects.filter(pk=report.pk).update(status=ReportStatus.SUBMITTED)  # since the plan
    get_user_model().objects.filter(username="xa_001").update(email="")
    assert reminders.claim(rows(claimed)["email"].pk)  # another sender has it

    states = reminders.send_batch(ids[0])

    assert {states[r.pk] for r in rows(submitted).values()} == {ReminderState.CANCELLED}
    assert states[rows(unreachable)["email"].pk] == ReminderState.NO_RECIPIENT
    assert states[rows(unreachable)["inbox"].pk] == ReminderState.SENT  # the inbox reaches them all the same
    assert rows(claimed)["email"].pk not in states and rows(claimed)["email"].state == ReminderState.SENDING
    assert states[rows(claimed)["inbox"].pk] == ReminderState.SENT
    assert {states[r.pk] for r in rows(plain).values()} == {ReminderState.SENT}
    assert addressees(mailoutbox) == ["xa_003@ntm-thoxuan.example"]
    office = Notification.objects.get(user=people["office"], kind="no_recipient")
    assert "Xã Số 1" in office.title_text


def test_a_mail_the_server_refuses_is_retried_later_alone(make_communes, may, mailoutbox, settings, clock):
    communes = make_communes(3)
    ids = store_in_one_batch(TODAY)
    settings.EMAIL_BACKEND = f"{__name__}.RefusingOneAddress"
    states = reminders.send_batch(ids[0])

    refused = rows(communes[1])["email"]
    assert states[refused.pk] == ReminderState.PENDING
    assert refused.attempts == 1 and "SMTPRecipientsRefused" in refused.last_error
    assert refused.next_attempt_at == RUN_AT + datetime.timedelta(minutes=5)
    assert {state for pk, state in states.items() if pk != refused.pk} == {ReminderState.SENT}
    assert addressees(mailoutbox) == ["xa_000@ntm-thoxuan.example", "xa_002@ntm-thoxuan.example"]

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert reminders.send_batch(ids[0]) == {}  # not before its time
    clock.shift(datetime.timedelta(minutes=5))
    assert reminders.send_batch(ids[0]) == {refused.pk: ReminderState.SENT}
    assert addressees(mailoutbox) == [f"xa_{n:03d}@ntm-thoxuan.example" for n in range(3)]


@pytest.mark.parametrize("communes", [3, 25])  # 6 and 50 reminders: the same queries
def test_the_queries_of_a_batch_do_not_grow_with_it(
    make_communes, may, mailoutbox, communes, django_assert_max_num_queries
):
    make_communes(communes)
    ids = store_in_one_batch(TODAY)
    with django_assert_max_num_queries(12):
        states = reminders.send_batch(ids[0])
    assert list(states.values()) == [ReminderState.SENT] * 2 * communes and len(mailoutbox) == communes


def test_the_daily_task_hands_over_one_task_per_batch_and_the_outbox_keeps_what_is_not_done(
    make_communes, may, settings, mailoutbox, clock, django_capture_on_commit_callbacks
):
    make_communes(60)
    settings.EMAIL_BACKEND = f"{__name__}.RefusingOneAddress"
    runs = []

    def count(sender, task_id, task, args, **kwargs):
        if task.name == send_reminder.name:
            runs.append(args)

    task_prerun.connect(count)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert run_daily_reminders("2021-05-20") == {"planned": 60, "queued": 120}
    finally:
        task_prerun.disconnect(count)
    ids = list(Reminder.objects.values_list("pk", flat=True))
    assert len(runs) == len({reminders.batch_of(pk) for pk in ids}) < len(ids)
    refused = Reminder.objects.get(unit__code="X001", channel="email")
    assert refused.state == ReminderState.PENDING
    assert list(OutboxEntry.objects.values_list("object_id", flat=True)) == [refused.pk]  # the rest is done

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clock.shift(datetime.timedelta(minutes=11))  # the sweep hands it over again, its retry is due
    assert sweep()["handed_over"] == 1
    refused.refresh_from_db()
    assert refused.state == ReminderState.SENT and len(mailoutbox) == 60
    assert sweep() == {"handed_over": 0, "done": 1, "given_up": 0, "broker_down": 0}
    assert not OutboxEntry.objects.exists()
