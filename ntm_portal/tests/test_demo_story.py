"""Issue 14 (B): the demo data tells its story (Xuân Trường, Thọ Xuân, spring 2021) without slips."""

import datetime
import re
import zoneinfo
from difflib import SequenceMatcher

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from inspections.models import ActionItem, Finding
from inspections.selectors import actions_of_commune
from ntm_portal.demo import XUAN_HOA_CODE, XUAN_TRUONG_CODE, seed_inspection, seed_meeting, seed_reports
from reports.models import IndicatorStatus, MonthlyReport, ReportStatus
from reports.selectors import latest_report, unmet_criteria

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
SEEDED_AT = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=HCM)  # `make run` seeds today, years after the story
COMMUNES = [XUAN_TRUONG_CODE, XUAN_HOA_CODE, "15502"]


@pytest.fixture
def story(demo):
    """Reports, the inspection and the working session of 14/04/2021, seeded in December 2026."""
    with time_machine.travel(SEEDED_AT):
        seed_reports(commune_codes=COMMUNES)
        seed_inspection()
        seed_meeting()


def xuan_truong_april():
    return MonthlyReport.objects.get(commune__code=XUAN_TRUONG_CODE, period__year=2021, period__month=4)


def test_the_headline_numbers_are_unchanged(story):
    assert xuan_truong_april().summary_line == "đạt 9/15 tiêu chí, 25/41 tiểu tiêu chí"
    assert MonthlyReport.objects.get(commune__code=XUAN_HOA_CODE, period__month=4).status == ReportStatus.RETURNED


def test_each_finding_is_attached_to_the_sub_criterion_of_its_site(story):
    findings = {
        f.visit.site_type: f.indicator
        for f in Finding.objects.filter(visit__inspection__date=datetime.date(2021, 4, 14)).select_related(
            "visit", "indicator"
        )
    }
    assert findings["sanitation"].code == "14.2"  # solid household waste, not 14.1 (clean water)
    assert "Chất thải rắn sinh hoạt" in findings["sanitation"].name
    assert findings["garden"].code == "14.3"  # green space of residential areas, not 12.1 (cooperatives)
    assert "cây xanh" in findings["garden"].name
    assert findings["health_station"].code == "13.1" and findings["cultural_house"].code == "6.1"
    assert findings["school"].code.startswith("5.")
    sanitation_action = ActionItem.objects.get(finding__visit__site_type="sanitation")
    assert sanitation_action.indicator.code == "14.2"


def test_every_criterion_xuan_truong_has_not_met_has_an_open_task_with_owner_and_due_date(story):
    report = latest_report(xuan_truong_april().commune)
    unmet = [c.number for c in unmet_criteria(report)]
    assert unmet == [5, 6, 8, 13, 14, 15]  # 9/15 met in April 2021
    open_tasks = list(actions_of_commune(report.commune, open_only=True))
    for number in unmet:
        tasks = [a for a in open_tasks if a.criterion and a.criterion.number == number]
        assert tasks, f"criterion {number} has no task"
        assert all(a.owner_name and a.due_date for a in tasks)


def test_no_two_open_tasks_of_a_commune_repeat_each_other(story):
    """The same task used to come three times: from a finding, a directive of the meeting and the plan."""
    open_tasks = list(actions_of_commune(xuan_truong_april().commune, open_only=True))
    assert len(open_tasks) >= 8
    titles = [re.sub(r"\W+", " ", a.title.casefold()).strip() for a in open_tasks]
    assert len(set(titles)) == len(titles)
    for i, first in enumerate(titles):
        for second in titles[i + 1 :]:
            # the repeats read 0.80–0.88 alike ("Vận động người dân tham gia BHYT [hộ gia đình,] đạt tỷ lệ ≥ 95%")
            assert SequenceMatcher(None, first, second).ratio() < 0.7, (first, second)
    assert sum("bhyt" in t for t in titles) == 2  # mobilise households (plan), reconcile the list (inspection)


def test_the_timeline_of_a_2021_report_starts_in_2021_before_its_submission(story, client_for):
    reports = MonthlyReport.objects.filter(commune__code__in=COMMUNES, period__year=2021)
    assert reports.count() >= 8
    for report in reports.select_related("period"):
        assert report.created_at.astimezone(HCM).date() == datetime.date(2021, report.period.month, 10)
        first_event = report.events.order_by("at").first()
        if first_event:
            assert report.created_at < first_event.at
        history = list(MonthlyReport.history.filter(id=report.pk)) + list(
            IndicatorStatus.history.filter(report_id=report.pk)
        )
        assert all(h.history_date.year == 2021 for h in history)
        assert min(h.history_date for h in history) == report.created_at
    april = xuan_truong_april()
    client = client_for(get_user_model().objects.get(username="vpdp_thoxuan"))
    body = client.get(reverse("reports:report_detail", args=[april.pk])).content.decode()
    timeline = body[body.index("Quá trình xử lý") :]
    assert re.search(r"08:00 10/04/2021</span> · Lập báo cáo", timeline)
    assert timeline.index("Lập báo cáo") < timeline.index("16:00 20/04/2021")
    changes = client.get(reverse("reports:report_history", args=[april.pk])).content.decode()
    assert "/2021" in changes and "/2026" not in changes
