"""A database migrated before `reports` was split (meetings, notifications and the outbox in `reports`)
migrates forward with its rows: the tables are renamed, never dropped or copied."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from core.testing import migrate_to, migrate_to_latest

BEFORE_SPLIT = [("reports", "0006_outbox"), ("core", None), ("meetings", None), ("notifications", None)]


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_split_are_there_after_it():
    try:
        _check_the_split()
    finally:  # the next tests need every table, whatever happened here
        migrate_to_latest()


def _check_the_split():
    old = migrate_to(BEFORE_SPLIT)
    unit = old.get_model("communes", "AdministrativeUnit").objects.create(
        code="99001", name="Xã Trước Tách", level="commune", path="99001/"
    )
    user = old.get_model("auth", "User").objects.create(username="truoc_tach", email="t@example.org")
    notification = old.get_model("reports", "Notification").objects.create(
        user=user, kind="report_returned", params={"commune": unit.name, "period": "04/2021", "text": "Bổ sung"}
    )
    meeting = old.get_model("reports", "Meeting").objects.create(
        commune=unit,
        issuing_unit=unit,
        year=2021,
        number=7,
        subject="Kiểm tra tiến độ",
        place="Hội trường xã",
        started_at=timezone.now(),
        chair=user,
        secretary=user,
        created_by=user,
    )
    meeting.attendees.add(user)
    old.get_model("reports", "MeetingRemark").objects.create(meeting=meeting, speaker="Ông A", text="Ý kiến")
    old.get_model("reports", "HistoricalMeeting").objects.create(
        id=meeting.pk,
        commune=unit,
        issuing_unit=unit,
        year=2021,
        number=7,
        subject="Kiểm tra tiến độ",
        place="Hội trường xã",
        started_at=meeting.started_at,
        chair=user,
        secretary=user,
        created_by=user,
        created_at=meeting.created_at,
        history_date=timezone.now(),
        history_type="+",
    )
    requested = timezone.now() - datetime.timedelta(minutes=5)
    outbox = old.get_model("reports", "OutboxEntry")
    outbox.objects.create(task="reports.tasks.render_minutes", object_id=meeting.pk, requested_at=requested)
    outbox.objects.create(
        task="reports.tasks.send_notification_email", object_id=notification.pk, requested_at=requested
    )

    migrate_to_latest()

    from core.models import OutboxEntry
    from meetings.models import Meeting
    from notifications.models import Notification

    moved = Meeting.objects.get(pk=meeting.pk)
    assert (moved.number_text, moved.subject, moved.commune.name) == ("7/BB-VPĐP", "Kiểm tra tiến độ", "Xã Trước Tách")
    assert list(moved.attendees.values_list("username", flat=True)) == ["truoc_tach"]
    assert [r.text for r in moved.remarks.all()] == ["Ý kiến"]
    assert moved.history.count() == 1
    assert Notification.objects.get(pk=notification.pk).title_text == "Xã Trước Tách: Báo cáo tháng 04/2021 bị trả lại"
    assert set(OutboxEntry.objects.values_list("task", "object_id")) == {
        ("meetings.tasks.render_minutes", meeting.pk),
        ("notifications.tasks.send_notification_email", notification.pk),
    }
    # New rows get new ids (the sequences came along with the tables).
    again = Meeting.objects.create(
        commune=moved.commune,
        issuing_unit=moved.issuing_unit,
        year=2021,
        number=8,
        subject="Lần hai",
        place="Hội trường xã",
        started_at=timezone.now(),
        chair=moved.chair,
        secretary=moved.secretary,
        created_by=moved.created_by,
    )
    assert again.pk > meeting.pk
    tables = set(connection.introspection.table_names())
    assert {"meetings_meeting", "meetings_meeting_attendees", "notifications_notification"} <= tables
    assert "core_outboxentry" in tables
    assert not {"reports_meeting", "reports_notification", "reports_outboxentry"} & tables
