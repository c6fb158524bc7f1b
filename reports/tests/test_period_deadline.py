"""Deadlines belong to the coordinating office (issue 17, part 5): an office sets the deadline of the
communes of its own unit; the one set nearest a commune applies, else the period's default (the 25th)."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from criteria.models import CriteriaSet, Enrolment, SetLevel
from notifications.models import Notification
from ntm_portal.testing import fill
from reports import reminders
from reports.models import PeriodDeadline, Reminder, default_deadline
from reports.selectors import deadline_changes, deadline_for, deadlines_for
from reports.services import period_deadline_set, period_for, report_open, report_submit

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def at(day, month=5, hour=23, minute=59, second=59):
    return datetime.datetime(2021, month, day, hour, minute, second, tzinfo=HCM)


@pytest.fixture
def may(db):
    return period_for(2021, 5)


@pytest.fixture
def enrolled(tree):
    criteria_set = CriteriaSet.objects.create(code="thu", name="Bộ thử", is_complete=True)
    for key in ("a", "b", "c"):
        Enrolment.objects.create(
            commune=tree[key], criteria_set=criteria_set, target_level=SetLevel.ADVANCED, target_year=2025
        )
    return tree


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _post(user, period, unit, **data):
    data = {"date": "28/05/2021", "time": "", "reason": "Nghỉ lễ", **data}
    return _client(user).post(reverse("reports:period_deadline", args=[period.pk, unit.code]), data)


def test_without_a_deadline_set_every_commune_has_the_25th(tree, may):
    assert may.deadline == default_deadline(2021, 5) == at(25)
    assert deadline_for(tree["a"], may) == at(25)


def test_a_province_deadline_applies_to_its_communes(tree, people, may):
    period_deadline_set(period=may, unit=tree["province"], deadline=at(27), user=people["province_office"], reason="Lễ")
    assert deadlines_for([tree["a"], tree["b"], tree["c"]], may) == {
        tree["a"].pk: at(27),
        tree["b"].pk: at(27),
        tree["c"].pk: at(27),
    }


def test_a_district_deadline_beats_the_province_s_for_its_communes_only(tree, people, may, django_assert_num_queries):
    period_deadline_set(period=may, unit=tree["province"], deadline=at(27), user=people["province_office"], reason="Lễ")
    period_deadline_set(period=may, unit=tree["district"], deadline=at(29), user=people["office"], reason="Bão")
    with django_assert_num_queries(1):
        deadlines = deadlines_for([tree["a"], tree["b"], tree["c"]], may)
    assert deadlines == {tree["a"].pk: at(29), tree["b"].pk: at(29), tree["c"].pk: at(27)}
    assert deadline_for(tree["c"], period_for(2021, 6)) == at(25, month=6)  # another period: the default


def test_lateness_follows_the_commune_s_deadline(demo, xuan_truong, users):
    april = period_for(2021, 4)
    province, district = xuan_truong.parent.parent, xuan_truong.parent
    office = users["vpdp_thoxuan"]
    period_deadline_set(period=april, unit=province, deadline=at(30, 4), user=office, reason="Lễ 30/4")
    period_deadline_set(period=april, unit=district, deadline=at(26, 4), user=office, reason="Họp huyện")
    report = report_open(commune=xuan_truong, period=april)
    report = fill(report, users["xa_xuantruong"], criteria_met=9, indicators_met=25)
    with time_machine.travel(at(27, 4, 9, 0, 0), tick=False):
        report = report_submit(report=report, user=users["xa_xuantruong"])
        assert report.is_late and report.late_days == 1
        assert report.deadline_text() == "Nộp trễ 1 ngày (hạn nộp 26/04/2021)"


def test_an_unsubmitted_report_is_overdue_after_its_own_deadline(demo, xuan_truong, users):
    april = period_for(2021, 4)
    period_deadline_set(
        period=april, unit=xuan_truong.parent, deadline=at(28, 4), user=users["vpdp_thoxuan"], reason="Lễ"
    )
    report = report_open(commune=xuan_truong, period=april)
    with time_machine.travel(at(27, 4, 9, 0, 0), tick=False):
        assert not report.is_overdue
        assert report.deadline_text() == "Hạn nộp: 28/04/2021 — còn 1 ngày"
    with time_machine.travel(at(29, 4, 9, 0, 0), tick=False):
        del report.deadline
        assert report.is_overdue


def _planned(today):
    return {(p.unit.code, p.kind, tuple(c.code for c in p.late_communes)) for p in reminders.plan(today)}


def test_reminders_follow_each_commune_s_deadline(enrolled, people, may):
    period_deadline_set(period=may, unit=enrolled["district"], deadline=at(28), user=people["office"], reason="Bão")
    # Xã Cường (T20) keeps the 25th: T-5 on the 20th; Xã An and Xã Bình (T10, the 28th): on the 23rd.
    assert _planned(datetime.date(2021, 5, 20)) == {("T200", "t-5", ())}
    assert _planned(datetime.date(2021, 5, 23)) == {("T100", "t-5", ()), ("T101", "t-5", ()), ("T200", "t-2", ())}
    # The day after the 25th: Xã Cường is overdue; the offices whose deadline is the 25th are told of it
    # alone; the district that moved its deadline is not told yet (its communes get their T-2).
    assert _planned(datetime.date(2021, 5, 26)) == {
        ("T100", "t-2", ()),
        ("T101", "t-2", ()),
        ("T200", "overdue", ()),
        ("T20", "digest", ("T200",)),
        ("T1", "digest", ("T200",)),
    }
    assert _planned(datetime.date(2021, 5, 29)) == {
        ("T100", "overdue", ()),
        ("T101", "overdue", ()),
        ("T10", "digest", ("T100", "T101")),
    }


def test_a_reminder_counts_days_from_its_commune_s_deadline(enrolled, people, may):
    period_deadline_set(period=may, unit=enrolled["district"], deadline=at(28), user=people["office"], reason="Bão")
    today = datetime.date(2021, 5, 23)
    reminders.store(reminders.plan(today), today)
    assert reminders.send(Reminder.objects.get(unit=enrolled["a"], channel="inbox").pk) == "sent"
    message = Notification.objects.get(user=people["official_a"], kind="reminder").params
    assert message["days_left"] == 5 and datetime.datetime.fromisoformat(message["deadline"]) == at(28)


def test_an_office_sets_the_deadline_of_its_own_communes_only(tree, people, may):
    assert _post(people["office"], may, tree["district"]).status_code == 302
    row = PeriodDeadline.objects.get(period=may, unit=tree["district"])
    assert row.deadline == at(28) and row.set_by == people["office"]  # no time: the end of the day

    assert _post(people["other_office"], may, tree["district"]).status_code == 404  # outside its units
    assert _post(people["office"], may, tree["province"]).status_code == 404  # above its units
    assert _post(people["office"], may, tree["a"]).status_code == 403  # a commune: set at the office's unit
    assert _post(people["province_office"], may, tree["district"]).status_code == 403  # a district's own
    for role in ("official_a", "inspector", "department", "leader", "outsider"):
        assert _post(people[role], may, tree["district"]).status_code == 403, role
    assert PeriodDeadline.objects.count() == 1


def test_a_deadline_needs_a_valid_day_and_a_reason(tree, people, may):
    assert _post(people["office"], may, tree["district"], reason="  ").status_code == 400
    assert _post(people["office"], may, tree["district"], date="2021-05-28").status_code == 400
    response = _post(people["office"], may, tree["district"], date="30/04/2021")  # before the period
    assert response.status_code == 400 and "trước ngày đầu của kỳ báo cáo" in response.content.decode()
    assert not PeriodDeadline.objects.exists()


def test_every_change_is_recorded_with_its_reason_and_shown(tree, people, may):
    province_office, office = people["province_office"], people["office"]
    assert _post(province_office, may, tree["province"], date="27/05/2021", reason="Lễ tỉnh").status_code == 302
    assert _post(office, may, tree["district"], date="28/05/2021", time="17:00", reason="Bão số 2").status_code == 302
    assert _post(office, may, tree["district"], date="31/05/2021", reason="Bão kéo dài").status_code == 302

    changes = deadline_changes(office, [may])
    assert [(c.unit.code, c.old, c.new, c.reason, c.by) for c in changes] == [
        ("T10", at(28, hour=17, minute=0, second=0), at(31), "Bão kéo dài", office),
        ("T10", at(25), at(28, hour=17, minute=0, second=0), "Bão số 2", office),
        ("T1", at(25), at(27), "Lễ tỉnh", province_office),
    ]
    page = _client(office).get(reverse("reports:period_list")).content.decode()
    assert "Bão kéo dài" in page and "Bão số 2" in page and "Lễ tỉnh" in page
    assert "17:00 28/05/2021 → 23:59 31/05/2021" in page
    assert "23:59 31/05/2021" in page  # the deadline that applies at the office's unit
    # The other district's office sees the province's change, not Huyện Một's.
    other = _client(people["other_office"]).get(reverse("reports:period_list")).content.decode()
    assert "Lễ tỉnh" in other and "Bão" not in other
