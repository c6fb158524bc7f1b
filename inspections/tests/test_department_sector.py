"""A department (Phòng Y tế of Thọ Xuân: criterion 13) reads only its sector's findings and tasks: a 404
for another sector's, as for the report's evidence files (issue 15, item 8; communes.access, "Sectors")."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from communes import access
from communes.models import AdministrativeUnit, Role
from core.testing import close_response
from inspections import services
from inspections.models import ActionItem, Finding
from ntm_portal.demo import make_member, seed_inspection, seed_meeting

HEALTH = "Phòng Y tế"


def _signed_in(username):
    client = Client()  # one client per user: `client_for` signs the one shared test client in again
    client.force_login(get_user_model().objects.get(username=username))
    return client


@pytest.fixture
def story(demo_reports):
    """The inspection of 14/04/2021 (school 5.x, culture 6.1, health 13.1, environment 14.x) and the working
    session; the school's and the health station's follow-ups each carry an evidence file."""
    seed_inspection()
    seed_meeting()
    tasks = {
        sector: ActionItem.objects.get(finding__visit__site_type=site)
        for sector, site in (("education", "school"), ("health", "health_station"))
    }
    for task in tasks.values():
        task.evidence.save("minh-chung.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    return tasks


@pytest.fixture
def department():
    return _signed_in("phong_ythoxuan")


@pytest.fixture
def office():
    return _signed_in("vpdp_thoxuan")


def _close(response):
    return close_response(response)


def test_a_task_of_another_sector_is_a_404_for_a_department(story, department, office):
    education, health = story["education"], story["health"]
    assert education.criterion.responsible_department != HEALTH
    assert health.criterion.responsible_department == HEALTH

    for name in ("inspections:action_evidence", "inspections:action_detail"):
        assert _close(department.get(reverse(name, args=[education.pk]))) == 404
        assert _close(department.get(reverse(name, args=[health.pk]))) == 200
        assert _close(office.get(reverse(name, args=[education.pk]))) == 200
    # Editing is not a department's: a 403 in its sector, a 404 outside it.
    assert department.get(reverse("reports:action_edit", args=[health.pk])).status_code == 403
    assert department.get(reverse("reports:action_edit", args=[education.pk])).status_code == 404


def test_a_finding_of_another_sector_and_its_photos_are_a_404_for_a_department(story, department):
    school = Finding.objects.get(visit__site_type="school")
    station = Finding.objects.get(visit__site_type="health_station")

    assert department.get(reverse("inspections:finding_detail", args=[school.pk])).status_code == 404
    assert department.get(reverse("inspections:finding_detail", args=[station.pk])).status_code == 200
    school_photo = reverse("inspections:photo_file", args=[school.photos.first().pk, "display"])
    station_photo = reverse("inspections:photo_file", args=[station.photos.first().pk, "display"])
    assert _close(department.get(school_photo)) == 404
    assert _close(department.get(station_photo)) == 200


def test_inspection_page_and_export_list_only_the_department_s_findings(story, department, office):
    inspection = story["health"].finding.visit.inspection
    url = reverse("inspections:inspection_detail", args=[inspection.pk])

    response = department.get(url)

    assert response.status_code == 200
    findings = [f.indicator.code for visit in response.context["visits"] for f in visit.findings.all()]
    assert findings == ["13.1"]
    assert [visit.site_type for visit in response.context["visits"]] == ["health_station"]
    body = response.content.decode()
    assert "Trường THCS Xuân Trường" not in body and "Nhà vệ sinh học sinh" not in body
    assert len([f for v in office.get(url).context["visits"] for f in v.findings.all()]) == 5

    export = department.get(reverse("inspections:inspection_list") + "?commune=15514&format=xlsx")
    rows = list(load_workbook(io.BytesIO(export.content)).active.values)[1:]
    assert [row[7] for row in rows] == ["13.1"]
    everything = office.get(reverse("inspections:inspection_list") + "?commune=15514&format=xlsx")
    assert len(list(load_workbook(io.BytesIO(everything.content)).active.values)) - 1 == 5


def test_action_plan_and_commune_page_list_only_the_department_s_tasks(story, department, office):
    commune = AdministrativeUnit.objects.get(code="15514")
    official = get_user_model().objects.get(username="xa_xuantruong")
    # Tasks without a criterion belong to their owner: one for the health department, one for another.
    own, other = (
        services.action_create(
            commune=commune,
            created_by=official,
            source="meeting",
            title=title,
            owner_department=owner,
            due_date=datetime.date(2021, 6, 30),
        )
        for title, owner in (("Rà soát danh sách BHYT", HEALTH), ("Sửa nhà văn hóa", "Phòng Văn hóa và Thông tin"))
    )

    plan = department.get(reverse("reports:action_plan", args=["15514"]))

    assert plan.status_code == 200
    tasks = list(plan.context["actions"])
    assert own in tasks and other not in tasks
    assert {t.criterion.responsible_department for t in tasks if t.criterion} == {HEALTH}
    assert {c.responsible_department for c in plan.context["unmet"]} <= {HEALTH}
    assert department.get(reverse("inspections:action_detail", args=[own.pk])).status_code == 200
    assert department.get(reverse("inspections:action_detail", args=[other.pk])).status_code == 404
    everyone = list(office.get(reverse("reports:action_plan", args=["15514"])).context["actions"])
    assert other in everyone and len(everyone) > len(tasks)

    page = department.get(reverse("dashboards:commune", args=["15514"]))
    assert page.status_code == 200
    assert {a.criterion.responsible_department for a in page.context["actions"] if a.criterion} == {HEALTH}
    assert other not in page.context["actions"]
    assert [f.indicator.code for f in page.context["findings"]] == ["13.1"]


def test_sector_departments_bind_only_a_user_who_is_nothing_but_a_department(people, tree):
    department = people["department"]
    assert access.sector_departments(department, tree["a"]) == {HEALTH}
    assert access.sector_departments(people["office"], tree["a"]) is None

    make_member("department", Role.OFFICE, tree["other_district"])  # office elsewhere: still bound here
    department._ntm_memberships = None
    assert access.sector_departments(department, tree["a"]) == {HEALTH}
    assert access.sector_departments(department, tree["c"]) is None
