from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ntm_portal.demo import XUAN_HOA_CODE, XUAN_TRUONG_CODE
from reports.models import IndicatorStatus, MonthlyReport


def recompute(**options):
    out = StringIO()
    call_command("recompute_summaries", stdout=out, **options)
    return out.getvalue()


def history_rows():
    return MonthlyReport.history.count() + IndicatorStatus.history.count()


def summary(report):
    report.refresh_from_db()
    return (
        report.criteria_total,
        report.criteria_met,
        report.indicators_total,
        report.indicators_met,
        report.indicators_answered,
        report.met_criteria,
    )


@pytest.mark.django_db
def test_it_repairs_a_corrupted_summary_and_a_second_run_changes_nothing(demo_reports):
    total = MonthlyReport.objects.count()
    assert recompute() == f"Đã kiểm tra {total} báo cáo; đã sửa 0 báo cáo (0 kết quả tiểu tiêu chí được tính lại).\n"
    report = MonthlyReport.objects.get(commune__code=XUAN_TRUONG_CODE, period__year=2021, period__month=4)
    good = summary(report)
    assert good[1] > 0 and good[5]
    # As after an admin edit and the met_criteria column added without a backfill.
    MonthlyReport.objects.filter(pk=report.pk).update(criteria_met=0, indicators_met=0, met_criteria=[])
    wrong = IndicatorStatus.objects.filter(report=report, met=True).first()
    IndicatorStatus.objects.filter(pk=wrong.pk).update(met=False)
    updated_at = MonthlyReport.objects.get(pk=report.pk).updated_at

    output = recompute()
    assert output == f"Đã kiểm tra {total} báo cáo; đã sửa 1 báo cáo (1 kết quả tiểu tiêu chí được tính lại).\n"
    assert summary(report) == good and report.updated_at == updated_at
    wrong.refresh_from_db()
    assert wrong.met is True
    assert report.history.first().history_change_reason == "Tính lại kết quả tổng hợp"

    rows = history_rows()
    assert "đã sửa 0 báo cáo" in recompute()
    assert history_rows() == rows


@pytest.mark.django_db
def test_it_recomputes_only_the_selected_commune_and_period(demo_reports):
    MonthlyReport.objects.update(criteria_met=0, met_criteria=[])
    assert recompute(commune=XUAN_HOA_CODE, period="2021-03").startswith("Đã kiểm tra 1 báo cáo; đã sửa 1 báo cáo")
    assert recompute(period="2021-03").startswith("Đã kiểm tra 6 báo cáo; đã sửa 5 báo cáo")
    assert recompute(commune=XUAN_HOA_CODE).startswith("Đã kiểm tra 4 báo cáo; đã sửa 3 báo cáo")
    assert MonthlyReport.objects.filter(criteria_met=0).count() == 24 - 6 - 3
    assert recompute(period="2019-01").startswith("Đã kiểm tra 0 báo cáo")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"period": "2021-13"}, "Kỳ báo cáo “2021-13” không hợp lệ"),
        ({"period": "04/2021"}, "Kỳ báo cáo “04/2021” không hợp lệ"),
        ({"commune": "99999"}, "Không có xã nào mã “99999”"),
        ({"commune": "395"}, "Không có xã nào mã “395”"),  # Thọ Xuân is a district
    ],
)
def test_it_refuses_a_bad_selection(demo, options, message):
    with pytest.raises(CommandError, match=message):
        recompute(**options)
