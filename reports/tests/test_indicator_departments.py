"""Departments are per sub-criterion (issue 17): criterion 13 of the demo shares its sub-criteria between
the health department (13.1–13.3) and another one (13.4). Each sees criterion 13, and within it only its
own sub-criteria's statuses and evidence, on every page and export (communes.access, "Sectors")."""

import csv
import io

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from communes import access
from communes.models import AdministrativeUnit, Role
from core.testing import close_response
from criteria.models import Criterion, Indicator
from ntm_portal.demo import make_member
from reports.models import EvidenceFile, IndicatorStatus, MonthlyReport

HEALTH = "Phòng Y tế"
SOCIAL = "Phòng Văn hóa - Xã hội"
OWN = {HEALTH: {"13.1", "13.2", "13.3"}, SOCIAL: {"13.4"}}


def _signed_in(user):
    client = Client()  # one client per user: `client_for` signs the one shared test client in again
    client.force_login(user)
    return client


@pytest.fixture
def shared(demo_reports, users):
    """13.4 moves to the social department (a district department of Thọ Xuân, like the health one)."""
    health = Indicator.objects.filter(code__startswith="13.", criterion__responsible_department=HEALTH)
    assert health.exists()
    health.filter(code="13.4").update(responsible_department=SOCIAL)
    district = AdministrativeUnit.objects.get(code="395", valid_until__isnull=True)
    social = make_member("phong_vhxhthoxuan", Role.DEPARTMENT, district, department=SOCIAL)
    return {HEALTH: _signed_in(users["phong_ythoxuan"]), SOCIAL: _signed_in(social)}


def _report():
    return MonthlyReport.objects.get(commune__code="15514", period__year=2021, period__month=4)


def _csv(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_both_departments_see_the_criterion_and_only_their_sub_criteria_on_the_report(shared):
    report = _report()
    for department, client in shared.items():
        response = client.get(reverse("reports:report_detail", args=[report.pk]))
        assert response.status_code == 200
        assert {s.indicator.code for s in response.context["statuses"]} == OWN[department]
        assert {s.indicator.criterion.number for s in response.context["statuses"]} == {13}


def test_each_department_downloads_only_its_sub_criteria_s_evidence(shared, users):
    report = _report()
    evidence = {}
    for code in ("13.1", "13.4"):
        evidence[code] = EvidenceFile.objects.create(
            status=report.statuses.get(indicator__code=code),
            file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="minh-chung.pdf"),
            original_name="minh-chung.pdf",
            kind="pdf",
            size=15,
            uploaded_by=users["xa_xuantruong"],
        )
    for department, client in shared.items():
        for code, file in evidence.items():
            response = client.get(reverse("reports:evidence_download", args=[file.pk]))
            assert response.status_code == (200 if code in OWN[department] else 404)
            close_response(response)  # not response.close(): that would close the test's database connection


def test_commune_page_matrix_and_long_export_split_the_criterion(shared):
    commune = reverse("dashboards:commune", args=["15514"])
    matrix = reverse("dashboards:matrix", args=["395"]) + "?period=2021-4"
    long_export = reverse("dashboards:long_export", args=["395"]) + "?format=csv"
    for department, client in shared.items():
        page = client.get(commune).context["criteria"]
        assert [criterion.number for criterion, _met, _statuses in page] == [13]
        assert {s.indicator.code for _c, _m, statuses in page for s in statuses} == OWN[department]

        response = client.get(matrix)
        assert [c.number for c in response.context["columns"]] == [13]  # once: no duplicate from a join
        assert list(_csv(client.get(matrix + "&format=csv"))[0])[3:] == ["TC13. Y tế"]

        lines = _csv(client.get(long_export))[1:]
        assert {line[7] for line in lines} == OWN[department]
        expected = IndicatorStatus.objects.filter(
            report__commune__parent__code="395", indicator__code__in=OWN[department]
        ).count()
        assert len(lines) == expected > 0


def test_criterion_page_and_plan_show_only_the_department_s_sub_criteria(shared):
    report = _report()
    for department, client in shared.items():
        response = client.get(reverse("dashboards:criterion", args=["395", 13]) + "?period=2021-4")
        assert response.status_code == 200
        assert {d["indicator"].code for d in response.context["distributions"]} <= OWN[department]
        assert client.get(reverse("dashboards:criterion", args=["395", 2]) + "?period=2021-4").status_code == 404
        plan = client.get(reverse("reports:action_plan", args=["15514"]))
        assert {c.number for c in plan.context["unmet"]} <= {13}
    assert report.statuses.filter(indicator__code="13.4").exists()


def test_a_criterion_s_rows_belong_to_the_departments_of_its_sub_criteria(shared):
    criteria = Criterion.objects.filter(indicators__code="13.4").distinct()
    for department in (HEALTH, SOCIAL):
        theirs = access.limit_to_sectors(Criterion.objects.all(), {department}, criterion="")
        assert criteria.get() in theirs
        assert theirs.count() == len(set(theirs.values_list("pk", flat=True)))  # no duplicate rows
    nobody = access.limit_to_sectors(Criterion.objects.all(), {"Phòng Tư pháp"}, criterion="")
    assert not nobody.exists()
    statuses = access.limit_to_sectors(IndicatorStatus.objects.filter(report=_report()), {SOCIAL})
    assert set(statuses.values_list("indicator__code", flat=True)) == {"13.4"}
