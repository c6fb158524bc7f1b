"""A department (Phòng Y tế of Thọ Xuân: criterion 13) reads only its sector's criteria and sub-criteria,
on every page and export, as on the report page (issue 14)."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from reports.models import IndicatorStatus

HEALTH = "13"


def _signed_in(user):
    client = Client()  # one client per user: `client_for` signs the one shared test client in again
    client.force_login(user)
    return client


@pytest.fixture
def department(demo_reports, users):
    return _signed_in(users["phong_ythoxuan"])


@pytest.fixture
def office(demo_reports, users):
    return _signed_in(users["vpdp_thoxuan"])


def _csv(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def _xlsx(response):
    return list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)


def test_commune_page_shows_a_department_only_its_criteria(department, office):
    url = reverse("dashboards:commune", args=["15514"])

    response = department.get(url)

    assert response.status_code == 200
    assert [criterion.number for criterion, _met, _statuses in response.context["criteria"]] == [13]
    codes = [s.indicator.code for _c, _m, statuses in response.context["criteria"] for s in statuses]
    assert codes == ["13.1", "13.2", "13.3", "13.4"]
    body = response.content.decode()
    assert "Chỉ hiển thị các tiêu chí do Phòng Y tế phụ trách." in body
    assert "2. Giao thông" not in body
    assert len(office.get(url).context["criteria"]) == 15  # the office still sees every criterion


def test_commune_page_exports_hold_no_sub_criterion_of_another_sector(department):
    url = reverse("dashboards:commune", args=["15514"])
    for rows in (_csv(department.get(url + "?format=csv")), _xlsx(department.get(url + "?format=xlsx"))):
        assert list(rows[0])[:2] == ["Kỳ", "Trạng thái"]  # one row per month: totals, no sub-criteria
        assert "04/2021" in {str(row[0]) for row in rows[1:]}
        assert not any("Giao thông" in str(cell) for row in rows for cell in row)


def test_long_export_gives_a_department_only_its_sub_criteria(department, office):
    url = reverse("dashboards:long_export", args=["395"])
    health = IndicatorStatus.objects.filter(
        report__commune__parent__code="395", indicator__criterion__responsible_department="Phòng Y tế"
    ).count()
    assert health > 0

    lines = _csv(department.get(url + "?format=csv"))[1:]
    assert len(lines) == health
    assert {line[5] for line in lines} == {HEALTH}
    assert {line[7] for line in lines} == {"13.1", "13.2", "13.3", "13.4"}

    rows = _xlsx(department.get(url + "?format=xlsx"))[1:]
    assert len(rows) == health
    assert {row[5] for row in rows} == {13}

    everything = IndicatorStatus.objects.filter(report__commune__parent__code="395").count()
    assert len(_csv(office.get(url + "?format=csv"))) - 1 == everything


def test_matrix_and_its_exports_show_a_department_only_its_criteria(department):
    url = reverse("dashboards:matrix", args=["395"]) + "?period=2021-4"

    response = department.get(url)

    assert [c.number for c in response.context["criteria"]] == [13]
    assert [c.number for c in response.context["columns"]] == [13]
    for rows in (_csv(department.get(url + "&format=csv")), _xlsx(department.get(url + "&format=xlsx"))):
        assert list(rows[0]) == ["Mã xã", "Xã", "Trạng thái", "TC13. Y tế"]


def test_criterion_page_of_another_sector_is_a_404_for_a_department(department, office):
    health = department.get(reverse("dashboards:criterion", args=["395", 13]) + "?period=2021-4")
    assert health.status_code == 200
    assert [c.number for c in health.context["criteria"]] == [13]

    traffic = reverse("dashboards:criterion", args=["395", 2]) + "?period=2021-4"
    assert department.get(traffic).status_code == 404
    assert department.get(traffic + "&format=csv").status_code == 404
    assert office.get(traffic).status_code == 200


def test_rollup_counts_a_department_only_its_missed_criteria(department):
    response = department.get(reverse("dashboards:rollup", args=["395"]) + "?period=2021-4")

    assert {c.number for c, _n in response.context["most_missed"]} <= {13}
    assert {c.number for line in response.context["lines"] for c, _n in line["missed"]} <= {13}
