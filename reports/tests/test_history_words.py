"""The history page in words: field labels, Vietnamese state names and values as people write them."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ntm_portal.demo import XUAN_HOA_CODE, XUAN_TRUONG_CODE
from reports.history import number_text, reason_with_links
from reports.models import IndicatorStatus, MonthlyReport
from reports.tests.test_views import edit_url, form_data, status_by_code

RAW = ("submitted→", "→submitted", "False", "True", "None", "indicators_met", "criteria_met", "indicators met", ",0000")


def history_page(client, report):
    response = client.get(reverse("reports:report_history", args=[report.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("code, state", [(XUAN_TRUONG_CODE, "Đã nộp"), (XUAN_HOA_CODE, "Bị trả lại")])
def test_history_page_shows_no_raw_field_names_or_python_values(demo_reports, users, client_for, code, state):
    report = MonthlyReport.objects.get(commune__code=code, period__year=2021, period__month=4)
    body = history_page(client_for(users["vpdp_thoxuan"]), report)
    for raw in RAW:
        assert raw not in body, raw
    assert "Đã nộp" in body and state in body
    assert "Số tiểu tiêu chí đạt" in body and "Trạng thái" in body
    assert "Đạt" in body and "Chưa đạt" in body


def test_history_formats_percentages_and_dates(demo_reports, users, client_for):
    report = MonthlyReport.objects.get(commune__code=XUAN_HOA_CODE, period__year=2021, period__month=4)
    percent = (
        IndicatorStatus.objects.filter(report=report, indicator__kind="percent_min", value__isnull=False)
        .select_related("indicator")
        .first()
    )
    body = history_page(client_for(users["vpdp_thoxuan"]), report)
    assert f"{percent.value.normalize():f}".replace(".", ",") + " %" in body
    planned = IndicatorStatus.objects.filter(report=report, planned_date__isnull=False).first()
    if planned is not None:
        assert planned.planned_date.strftime("%d/%m/%Y") in body
    assert "/2021" in body and "2021-" not in body


def test_accepted_report_history_names_the_state(demo_reports, users, client_for):
    report = MonthlyReport.objects.filter(commune__code=XUAN_TRUONG_CODE, status="accepted").first()
    body = history_page(client_for(users["vpdp_thoxuan"]), report)
    assert "Đã duyệt" in body and "accepted" not in body and "True" not in body


def test_numbers_are_written_the_vietnamese_way():
    assert number_text(Decimal("80.8000")) == "80,8"
    assert number_text(Decimal("100.0000")) == "100"
    assert number_text(None) == "—"


def test_reason_links_only_criteria_on_the_page_and_escapes_the_rest():
    html = reason_with_links("Tiêu chí 13 <b>và</b> tiêu chí 99; tiểu tiêu chí 13.1", {13})
    assert html.startswith('<a href="#tc-13" class="reason-link">Tiêu chí 13</a>')
    assert "&lt;b&gt;" in html and "#tc-99" not in html and html.count("<a ") == 1


def test_history_lists_a_change_in_words(filled, users, client_for):
    official = client_for(users["xa_xuantruong"])
    s22 = status_by_code(filled, "2.2")
    official.post(edit_url(filled), form_data(filled, save="1", **{f"value_{s22.pk}": "55,5"}))
    body = history_page(official, filled)
    assert "55,5" in body and "Giá trị đo được" in body and "Tiểu tiêu chí 2.2" in body
    assert timezone.localdate().isoformat() not in body  # the day of the edit, never in ISO form
