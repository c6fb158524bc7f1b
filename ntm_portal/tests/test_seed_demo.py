import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import TestCase
from django.test.utils import override_settings

from communes import access
from communes.models import Membership
from criteria.models import Enrolment
from notifications.models import Notification
from ntm_portal.demo import DEMO_PASSWORD

DEMO_LOGINS = ["vpdp_thoxuan", "xa_xuantruong", "xa_xuanhoa", "totrt_thoxuan", "lanhdao_thoxuan", "phong_ythoxuan"]
REFORM_LOGINS = ["vpdp_thanhhoa", "xa_thoxuan"]  # after the 2025 reform (not in the 2021 `demo` fixture)


def counts():
    from reports.models import IndicatorStatus, MonthlyReport

    return (
        get_user_model().objects.count(),
        Membership.objects.count(),
        Enrolment.objects.count(),
        MonthlyReport.objects.count(),
        IndicatorStatus.objects.count(),
    )


def by_set():
    """{criteria set: (reports, sub-criterion statuses)}: the 2021 story and the sequel after the reform."""
    from reports.models import IndicatorStatus, MonthlyReport

    reports = MonthlyReport.objects.values_list("criteria_set__code", flat=True)
    statuses = IndicatorStatus.objects.values_list("report__criteria_set__code", flat=True)
    return {code: (list(reports).count(code), list(statuses).count(code)) for code in set(reports)}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The runs of `seed_demo` the tests below look at (the full story takes seconds: it runs once), on
    an empty database, in a transaction rolled back afterwards; what the tests assert is recorded:

    1. without DEBUG and without --force: refused, nothing created;
    2. without DEBUG, with --force, its on-commit tasks run as after a real commit (mails, minutes);
    3. once more, with DEBUG on (no --force needed): nothing changes.
    """
    import time_machine

    from conftest import REFORM_TODAY
    from core.testing import fast_settings

    seen = {}
    media = tmp_path_factory.mktemp("media")
    clock = time_machine.travel(datetime.datetime.fromisoformat(REFORM_TODAY), tick=True)  # the sequel's months
    with clock, django_db_blocker.unblock(), override_settings(**fast_settings(media)), transaction.atomic():
        with override_settings(DEBUG=False):
            try:
                call_command("seed_demo")
            except CommandError as refusal:
                seen["refusal"] = str(refusal)
            seen["users_after_refusal"] = get_user_model().objects.count()
            del mail.outbox[:]
            forced = io.StringIO()
            with TestCase.captureOnCommitCallbacks(execute=True):
                call_command("seed_demo", "--force", stdout=forced)
            seen["mails"] = list(mail.outbox)
        seen["outputs"] = [forced.getvalue()]
        seen["demo_logins"] = get_user_model().objects.filter(username__in=DEMO_LOGINS).count()
        inbox = Notification.objects.filter(user__email__endswith="@ntm-thoxuan.example")
        seen["inbox"], seen["inbox_unmailed"] = inbox.count(), inbox.filter(emailed_at=None).exists()
        seen["first"] = counts()
        seen["by_set"] = by_set()
        again = io.StringIO()
        with override_settings(DEBUG=True):
            call_command("seed_demo", stdout=again)
        seen["outputs"].append(again.getvalue())
        seen["second"] = counts()
        seen["passwords_ok"] = {
            username: get_user_model().objects.get(username=username).check_password(DEMO_PASSWORD)
            for username in DEMO_LOGINS + REFORM_LOGINS
        }
        transaction.set_rollback(True)
    return seen


def test_seed_demo_twice_gives_the_same_data(seeded):
    first = seeded["first"]
    assert seeded["second"] == first
    users, memberships, enrolments, reports, statuses = first
    # 2021: six demo logins plus one (login-less) official per other commune that reported, 27 enrolments;
    # the reform: two logins, one official for each other new commune, the old communes' officials carried to
    # the five new communes (28 memberships), each new commune enrolled in the set it carried and the new one
    assert (users, memberships, enrolments) == (32 + 2 + 4, 32 + 28 + 6, 27 + 5 + 5)
    story, sequel = seeded["by_set"]["minh-hoa-nang-cao-15-41"], seeded["by_set"]["minh-hoa-qd51-10-47"]
    assert story[1] == story[0] * 41 and story[0] > 90
    assert sequel == (5 * 10, 5 * 10 * 47)  # five communes, 02–11/2026
    assert story[0] + sequel[0] == reports and story[1] + sequel[1] == statuses
    for username in DEMO_LOGINS + REFORM_LOGINS:
        for out in seeded["outputs"]:
            assert username in out
        assert seeded["passwords_ok"][username]


def test_seed_demo_refuses_without_debug_unless_forced(seeded):
    assert "DEBUG" in seeded.get("refusal", "")
    assert seeded["users_after_refusal"] == 0
    assert seeded["demo_logins"] == 6


def test_demo_story_scopes(demo):
    users = {u.username: u for u in get_user_model().objects.all()}
    assert [c.name for c in access.communes_visible_to(users["xa_xuantruong"])] == ["Xã Xuân Trường"]
    assert [c.name for c in access.communes_visible_to(users["xa_xuanhoa"])] == ["Xã Xuân Hòa"]
    assert access.communes_visible_to(users["vpdp_thoxuan"]).count() == 30
    xuan_truong = Enrolment.objects.get(commune__code="15514")
    assert xuan_truong.criteria_set.code == "minh-hoa-nang-cao-15-41"


def test_seed_demo_mails_nobody(seeded):
    """The story's inbox is seeded, its mails are not sent (tasks run in-process here, as without a broker)."""
    assert seeded["inbox"] > 20
    assert seeded["mails"] == []
    assert not seeded["inbox_unmailed"]  # nothing left for the outbox sweep to send later
