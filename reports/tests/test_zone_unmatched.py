"""Issue 14 (A): a report whose commune has no valid zone says so, instead of using another zone."""

from decimal import Decimal

from django.urls import reverse

from criteria.models import Enrolment
from ntm_portal.demo import XUAN_TRUONG_CODE
from reports import scoring, services
from reports.models import IndicatorStatus
from reports.selectors import report_statuses, zone_unmatched

BANNER = "Xã chưa được xếp vùng hợp lệ cho bộ tiêu chí này; liên hệ Văn phòng Điều phối NTM."


def open_without_zone(xuan_truong, april):
    # An enrolment stored before zones were checked (the service now refuses it).
    Enrolment.objects.filter(commune__code=XUAN_TRUONG_CODE).update(zone="")
    return services.report_open(commune=xuan_truong, period=april)


def test_a_zone_sub_criterion_stays_undetermined_without_a_valid_zone(xuan_truong, april, users):
    report = open_without_zone(xuan_truong, april)
    status = next(s for s in report_statuses(report) if s.indicator.code == "2.2")  # Vùng 1 ≥ 75%, Vùng 2 ≥ 90%
    assert status.target is None  # not Vùng 1's target, the first zone alphabetically
    services.report_save(
        report=report, user=users["xa_xuantruong"], answers={status.pk: {"value": Decimal("80")}}, expected_version=1
    )
    assert IndicatorStatus.objects.get(pk=status.pk).met is None  # would be "met" against Vùng 1's ≥ 75%
    assert scoring.derive_met(status.indicator, None, Decimal("80"), True) is None
    codes = zone_unmatched(report_statuses(report))
    assert codes == ["2.2", "2.3", "3.1", "6.2", "9.1", "10.1"]


def test_the_report_pages_show_the_error(xuan_truong, april, users, client_for):
    report = open_without_zone(xuan_truong, april)
    status = next(s for s in report_statuses(report) if s.indicator.code == "2.2")
    services.report_save(
        report=report, user=users["xa_xuantruong"], answers={status.pk: {"value": Decimal("80")}}, expected_version=1
    )
    url = reverse("reports:report_detail", args=[report.pk])
    form_page = client_for(users["xa_xuantruong"]).get(url).content.decode()
    assert BANNER in form_page and "2.2, 2.3, 3.1, 6.2, 9.1, 10.1" in form_page
    assert "chưa xác định (vùng không hợp lệ)" in form_page
    office_page = client_for(users["vpdp_thoxuan"]).get(url).content.decode()  # the read-only page
    assert BANNER in office_page and "chưa xác định (vùng không hợp lệ)" in office_page
    assert "? Chưa xác định" in office_page  # 80% typed, neither met nor unmet


def test_a_valid_zone_shows_no_error(report, users, client_for):
    body = client_for(users["xa_xuantruong"]).get(reverse("reports:report_detail", args=[report.pk])).content.decode()
    assert BANNER not in body and "≥ 90%" in body
