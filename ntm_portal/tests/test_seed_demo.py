import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from communes import access
from communes.models import Membership
from criteria.models import Enrolment
from notifications.models import Notification
from ntm_portal.demo import DEMO_PASSWORD

DEMO_LOGINS = ["vpdp_thoxuan", "xa_xuantruong", "xa_xuanhoa", "totrt_thoxuan", "lanhdao_thoxuan", "phong_ythoxuan"]


def counts():
    from reports.models import IndicatorStatus, MonthlyReport

    return (
        get_user_model().objects.count(),
        Membership.objects.count(),
        Enrolment.objects.count(),
        MonthlyReport.objects.count(),
        IndicatorStatus.objects.count(),
    )


def test_seed_demo_twice_gives_the_same_data(db, capsys, settings):
    settings.DEBUG = True  # pytest-django runs tests with DEBUG off; seed_demo is for development
    call_command("seed_demo")
    first = counts()
    out = capsys.readouterr().out
    call_command("seed_demo")
    assert counts() == first
    users, memberships, enrolments, reports, statuses = first
    # six demo logins plus one (login-less) official per other commune that reported
    assert (users, memberships, enrolments) == (32, 32, 27)
    assert statuses == reports * 41 and reports > 90
    for username in DEMO_LOGINS:
        assert username in out
        assert get_user_model().objects.get(username=username).check_password(DEMO_PASSWORD)


def test_seed_demo_refuses_without_debug_unless_forced(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert get_user_model().objects.count() == 0
    call_command("seed_demo", "--force")
    assert get_user_model().objects.filter(username__in=DEMO_LOGINS).count() == 6


def test_demo_story_scopes(demo):
    users = {u.username: u for u in get_user_model().objects.all()}
    assert [c.name for c in access.communes_visible_to(users["xa_xuantruong"])] == ["Xã Xuân Trường"]
    assert [c.name for c in access.communes_visible_to(users["xa_xuanhoa"])] == ["Xã Xuân Hòa"]
    assert access.communes_visible_to(users["vpdp_thoxuan"]).count() == 30
    xuan_truong = Enrolment.objects.get(commune__code="15514")
    assert xuan_truong.criteria_set.code == "minh-hoa-nang-cao-15-41"


def test_seed_demo_mails_nobody(db, settings, mailoutbox, django_capture_on_commit_callbacks):
    """The story's inbox is seeded, its mails are not sent (tasks run in-process here, as without a broker)."""
    settings.DEBUG = False
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--force")
    inbox = Notification.objects.filter(user__email__endswith="@ntm-thoxuan.example")
    assert inbox.count() > 20
    assert mailoutbox == []
    assert not inbox.filter(emailed_at=None).exists()  # nothing left for the outbox sweep to send later
