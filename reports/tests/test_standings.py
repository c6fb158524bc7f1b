"""Where each commune stands now: the latest accepted report, else the latest submitted one."""

from communes.models import AdministrativeUnit
from ntm_portal.demo import XUAN_HOA_CODE, XUAN_TRUONG_CODE
from reports.models import MonthlyReport, ReportStatus
from reports.selectors import standings


def test_each_commune_stands_at_its_latest_accepted_else_submitted_report(demo_reports, django_assert_num_queries):
    communes = list(AdministrativeUnit.objects.filter(code__in=[XUAN_TRUONG_CODE, XUAN_HOA_CODE]))
    with django_assert_num_queries(2):
        found = standings(communes)
    for commune in communes:
        reports = MonthlyReport.objects.filter(commune=commune).order_by("-period__year", "-period__month")
        accepted = reports.filter(status=ReportStatus.ACCEPTED).first()
        expected = accepted or reports.filter(status=ReportStatus.SUBMITTED).first()
        assert found.get(commune.pk) == expected, commune.name
    by_code = {c.code: found[c.pk] for c in communes}
    # Xuân Trường: March accepted (9/15, 25/41), April submitted and not reviewed → March, the accepted one.
    assert (by_code[XUAN_TRUONG_CODE].period.month, by_code[XUAN_TRUONG_CODE].criteria_met) == (3, 9)
    # Xuân Hòa: April returned → March, its latest accepted.
    assert (by_code[XUAN_HOA_CODE].period.month, by_code[XUAN_HOA_CODE].status) == (3, ReportStatus.ACCEPTED)


def test_a_commune_without_a_submitted_report_has_no_standing(demo):
    commune = AdministrativeUnit.objects.get(code=XUAN_TRUONG_CODE)
    assert standings([commune]) == {}
