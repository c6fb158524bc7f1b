"""The office reviews a report from the top: the decision first, then what changed and what is not met."""

import re

import pytest
from django.urls import reverse

from ntm_portal.demo import XUAN_HOA_CODE, XUAN_TRUONG_CODE
from reports.models import IndicatorStatus, MonthlyReport, ReportStatus
from reports.selectors import report_statuses
from reports.services import report_save, report_submit

COMPARED = ("value", "text_value", "declared_met", "met")


def april_of(code):
    return MonthlyReport.objects.get(commune__code=code, period__year=2021, period__month=4)


def detail(client, report):
    response = client.get(reverse("reports:report_detail", args=[report.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def office(demo_reports, users, client_for):
    return client_for(users["vpdp_thoxuan"])


def test_review_box_comes_before_the_sub_criteria(office):
    report = april_of(XUAN_TRUONG_CODE)
    assert report.status == ReportStatus.SUBMITTED
    body = detail(office, report)
    assert body.index('name="decision" value="accept"') < body.index('id="sub-criteria"')
    assert body.index('value="return"') < body.index('id="tc-1"')


def test_changes_since_the_previous_month_are_marked_and_linked(office):
    report = april_of(XUAN_TRUONG_CODE)
    march = MonthlyReport.objects.get(commune=report.commune, period__year=2021, period__month=3)
    before = {s.indicator.code: s for s in IndicatorStatus.objects.filter(report=march).select_related("indicator")}
    expected = {
        s.pk: s.indicator.code
        for s in IndicatorStatus.objects.filter(report=report).select_related("indicator")
        if any(getattr(s, f) != getattr(before[s.indicator.code], f) for f in COMPARED)
    }
    assert expected  # the story moves between March and April
    body = detail(office, report)
    section = body[body.index('id="changed-since-previous"') : body.index('id="unmet-list"')]
    linked = set(re.findall(r'href="#s-(\d+)" class="changed-link"', section))
    assert linked == {str(pk) for pk in expected}
    marked = set(re.findall(r'<tr id="s-(\d+)" class="status-row[^"]* is-changed[ "]', body))
    assert marked == {str(pk) for pk in expected}
    assert f"{len(expected)} tiểu tiêu chí" in section


def test_unmet_sub_criteria_are_linked(office):
    report = april_of(XUAN_TRUONG_CODE)
    unmet = IndicatorStatus.objects.filter(report=report).exclude(met=True)
    body = detail(office, report)
    section = body[body.index('id="unmet-list"') : body.index('id="sub-criteria"')]
    assert set(re.findall(r'href="#s-(\d+)" class="unmet-link"', section)) == {str(s.pk) for s in unmet}
    for status in unmet:
        assert f'id="s-{status.pk}"' in body


def test_criterion_named_in_the_return_reason_is_linked(demo_reports, users, client_for):
    report = april_of(XUAN_HOA_CODE)
    assert report.status == ReportStatus.RETURNED and "Tiêu chí 13" in report.review_comment
    office_body = detail(client_for(users["vpdp_thoxuan"]), report)
    assert '<a href="#tc-13" class="reason-link">Tiêu chí 13</a>' in office_body
    assert 'id="tc-13"' in office_body
    commune_body = detail(client_for(users["xa_xuanhoa"]), report)  # the commune's form
    assert '<a href="#tc-13" class="reason-link">Tiêu chí 13</a>' in commune_body
    assert 'id="tc-13"' in commune_body


def test_changes_since_the_return_are_marked(demo_reports, users, client_for):

    report = april_of(XUAN_HOA_CODE)
    commune = users["xa_xuanhoa"]
    statuses = report_statuses(report)
    s131 = next(s for s in statuses if s.indicator.code == "13.1")
    answers = {
        s.pk: {
            "value": s.value,
            "declared_met": s.declared_met,
            "text_value": s.text_value,
            "note": s.note,
            "responsible_person": s.responsible_person or "Nguyễn Văn An",
            "planned_date": s.planned_date,
        }
        for s in statuses
    }
    answers[s131.pk]["value"] = 100 if s131.indicator.has_threshold else None
    answers[s131.pk]["declared_met"] = None if s131.indicator.has_threshold else not s131.declared_met
    report = report_save(report=report, user=commune, answers=answers, expected_version=report.version)
    report = report_submit(report=report, user=commune)
    body = detail(client_for(users["vpdp_thoxuan"]), report)
    section = body[body.index('id="changed-since-return"') : body.index('id="changed-since-previous"')]
    assert re.findall(r'href="#s-(\d+)" class="changed-link"', section) == [str(s131.pk)]
    assert "is-changed-since-return" in body


def test_department_sees_only_its_own_changes(demo_reports, users, client_for):
    body = detail(client_for(users["phong_ythoxuan"]), april_of(XUAN_TRUONG_CODE))
    assert "2.2" not in body and "Tiêu chí 2:" not in body


def test_report_form_has_jump_links_and_row_marks(demo_reports, users, client_for):
    report = april_of(XUAN_HOA_CODE)  # returned: the commune edits it
    body = detail(client_for(users["xa_xuanhoa"]), report)
    numbers = sorted({s.indicator.criterion.number for s in IndicatorStatus.objects.filter(report=report)})
    nav = body[body.index('id="criterion-nav"') : body.index('id="report-form"')]
    assert [int(n) for n in re.findall(r'href="#tc-(\d+)"', nav)] == numbers
    assert body.count('class="row-met') == IndicatorStatus.objects.filter(report=report).count()
    assert "js/report_form.js" in body and "css/reports.css" in body


def test_pages_keep_to_the_content_security_policy(office):
    body = detail(office, april_of(XUAN_TRUONG_CODE))
    assert "style=" not in body and not re.search(r"<script(?![^>]*\bsrc=)", body)
