import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from communes.models import AdministrativeUnit, Role
from inspections import services
from inspections.models import ActionItem, ActionStatus, Assessment, Finding, Photo
from notifications.models import Notification
from ntm_portal.demo import make_member


def jpeg(size=(640, 480), exif=None):
    buffer = io.BytesIO()
    image = Image.new("RGB", size, "green")
    image.save(buffer, "JPEG", **({"exif": exif} if exif is not None else {}))
    return buffer.getvalue()


@pytest.fixture
def people(demo):
    users = {u.username: u for u in get_user_model().objects.all()}
    province = AdministrativeUnit.objects.get(code="38")
    other = AdministrativeUnit.objects.create(code="402", name="Huyện Khác", level="district", parent=province)
    users["other_inspector"] = make_member("other_inspector", Role.INSPECTOR, other)
    return users


@pytest.fixture
def inspection(people):
    commune = AdministrativeUnit.objects.get(code="15514")
    return services.inspection_create(
        commune=commune,
        date=datetime.date(2021, 4, 14),
        team_name="Tổ công tác số 1",
        leader=people["totrt_thoxuan"],
        created_by=people["totrt_thoxuan"],
    )


@pytest.fixture
def visit(inspection):
    return services.visit_add(inspection=inspection, site_type="school", name="Trường THCS Xuân Trường")


def indicator(code):
    from criteria.models import Indicator

    return Indicator.objects.get(criteria_set__code="minh-hoa-nang-cao-15-41", code=code)


def finding_post(**extra):
    return {
        "indicator": indicator("5.1").pk,
        "assessment": "shortcoming",
        "shortcoming": "Nhà vệ sinh xuống cấp",
        "recommendation": "Cải tạo trong hè",
        **extra,
    }


def test_inspector_records_a_finding_with_a_photo(visit, people, client_for):
    client = client_for(people["totrt_thoxuan"])
    photo = SimpleUploadedFile("IMG_0001.JPG", jpeg((3000, 2000)), content_type="image/jpeg")
    response = client.post(reverse("inspections:finding_create", args=[visit.pk]), finding_post(photos=[photo]))
    assert response.status_code == 302
    finding = Finding.objects.get()
    stored = finding.photos.get()
    assert (stored.kind, stored.width, stored.height) == ("jpeg", 1600, 1067)
    assert stored.original.name.startswith("private/photos/")
    display = client.get(reverse("inspections:photo_file", args=[stored.pk, "display"]))
    assert display.status_code == 200 and display["Content-Type"] == "image/jpeg"
    assert (
        client_for(people["xa_xuanhoa"]).get(reverse("inspections:photo_file", args=[stored.pk, "display"])).status_code
        == 404
    )
    assert (
        client_for(people["xa_xuantruong"])
        .get(reverse("inspections:photo_file", args=[stored.pk, "original"]))
        .status_code
        == 200
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("anh.jpg", b"day khong phai la anh, chi la van ban", "không đúng định dạng"),
        ("lon.jpg", b"\xff\xd8\xff" + b"0" * (15 * 1024 * 1024 + 10), "quá lớn"),
    ],
)
def test_bad_photo_is_refused_and_the_typed_text_kept(visit, people, client_for, name, content, message):
    client = client_for(people["totrt_thoxuan"])
    photo = SimpleUploadedFile(name, content, content_type="image/jpeg")
    response = client.post(reverse("inspections:finding_create", args=[visit.pk]), finding_post(photos=[photo]))
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and "Nhà vệ sinh xuống cấp" in body and "Cải tạo trong hè" in body
    assert "hãy chọn lại ảnh" in body
    assert not Finding.objects.exists() and not Photo.objects.exists()


def test_exif_time_and_place_are_read(visit, people):
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2021:04:14 09:35:12"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (19.0, 55.0, 30.0), 3: "E", 4: (105.0, 27.0, 45.5)})
    upload = SimpleUploadedFile("gps.jpg", jpeg(exif=exif), content_type="image/jpeg")
    finding = services.finding_add(
        visit=visit, indicator=indicator("5.1"), assessment="meets", photos=[upload], user=people["totrt_thoxuan"]
    )
    photo = finding.photos.get()
    assert photo.taken_at.strftime("%d/%m/%Y %H:%M") == "14/04/2021 02:35"  # stored in UTC
    assert (float(photo.latitude), round(float(photo.longitude), 4)) == (19.925, 105.4626)


@pytest.mark.parametrize(
    ("who", "url", "method", "status"),
    [
        ("xa_xuantruong", "finding_create", "post", 403),
        ("xa_xuantruong", "finding_create", "get", 403),
        ("xa_xuantruong", "visit_create", "post", 403),
        ("other_inspector", "visit_create", "get", 404),
        ("other_inspector", "inspection_detail", "get", 404),
        ("xa_xuanhoa", "inspection_detail", "get", 404),
        ("xa_xuantruong", "inspection_detail", "get", 200),
        ("lanhdao_thoxuan", "inspection_detail", "get", 200),
        ("lanhdao_thoxuan", "visit_create", "post", 403),
        ("vpdp_thoxuan", "visit_create", "get", 200),
    ],
)
def test_inspection_permissions(inspection, visit, people, client_for, who, url, method, status):
    pk = visit.pk if url == "finding_create" else inspection.pk
    client = client_for(people[who])
    response = getattr(client, method)(
        reverse(f"inspections:{url}", args=[pk]), finding_post() if method == "post" else None
    )
    assert response.status_code == status
    if status == 403 and url == "finding_create":
        assert not Finding.objects.exists()


def test_only_inspectors_and_offices_create_inspections(people, client_for):
    assert client_for(people["xa_xuantruong"]).get(reverse("inspections:inspection_create")).status_code == 403
    commune = AdministrativeUnit.objects.get(code="15514")
    response = client_for(people["other_inspector"]).post(
        reverse("inspections:inspection_create"),
        {"commune": commune.pk, "date": "14/04/2021", "team_name": "Tổ lạ", "leader": people["other_inspector"].pk},
    )
    assert response.status_code == 403  # no commune of theirs is enrolled: nothing they may inspect
    response = client_for(people["totrt_thoxuan"]).post(
        reverse("inspections:inspection_create"),
        {
            "commune": commune.pk,
            "date": "14/04/2021",
            "team_name": "Tổ công tác số 1",
            "leader": people["totrt_thoxuan"].pk,
        },
    )
    assert response.status_code == 302


def test_disputed_flag_appears_and_clears(people, visit, client_for):
    from ntm_portal.testing import fill
    from reports import services as report_services

    commune = visit.inspection.commune
    report = report_services.report_open(commune=commune, period=report_services.period_for(2021, 4))
    fill(report, people["xa_xuantruong"], criteria_met=9, indicators_met=25)
    report = report_services.report_submit(report=report, user=people["xa_xuantruong"])
    met_code = next(s.indicator.code for s in report.statuses.select_related("indicator") if s.met)
    finding = services.finding_add(
        visit=visit,
        indicator=indicator(met_code),
        assessment=Assessment.SHORTCOMING,
        shortcoming="Chưa đúng thực tế",
        user=people["totrt_thoxuan"],
    )
    office = client_for(people["vpdp_thoxuan"])
    detail = office.get(reverse("reports:report_detail", args=[report.pk])).content.decode()
    assert "Đoàn kiểm tra ghi nhận tồn tại" in detail
    overview = office.get(reverse("dashboards:overview", args=["395"]) + "?period=2021-4")
    row = next(r for r in overview.context["data"].rows if r.commune.code == "15514")
    assert row.disputed == 1

    assert (
        client_for(people["totrt_thoxuan"])
        .post(reverse("inspections:finding_resolve", args=[finding.pk]), {"resolution": "x"})
        .status_code
        == 403
    )  # resolving is the office's call
    office = client_for(people["vpdp_thoxuan"])  # one shared test client: sign the office in again
    office.post(
        reverse("inspections:finding_resolve", args=[finding.pk]), {"resolution": "Xã đã khắc phục, kiểm tra lại đạt"}
    )
    detail = office.get(reverse("reports:report_detail", args=[report.pk])).content.decode()
    assert "Đoàn kiểm tra ghi nhận tồn tại" not in detail
    overview = office.get(reverse("dashboards:overview", args=["395"]) + "?period=2021-4")
    assert next(r for r in overview.context["data"].rows if r.commune.code == "15514").disputed == 0


def test_action_lifecycle(visit, people, client_for):
    finding = services.finding_add(
        visit=visit,
        indicator=indicator("5.1"),
        assessment="shortcoming",
        shortcoming="Thiếu phòng bộ môn",
        user=people["totrt_thoxuan"],
    )
    inspector = client_for(people["totrt_thoxuan"])
    response = inspector.post(
        reverse("inspections:follow_up_create", args=[finding.pk]),
        {"title": "Bổ sung phòng bộ môn", "owner_user": people["xa_xuantruong"].pk, "due_date": "30/09/2021"},
    )
    assert response.status_code == 302
    action = ActionItem.objects.get(finding=finding)
    assert (action.source, action.status, action.commune.code) == ("finding", "open", "15514")

    official = client_for(people["xa_xuantruong"])  # (one shared test client, signed in as each user in turn)
    assert "Bổ sung phòng bộ môn" in official.get("/").content.decode()  # on the commune's home page
    url = reverse("inspections:action_detail", args=[action.pk])
    response = official.post(url, {"status": "done", "completion_note": ""})
    assert response.status_code == 400 and "cần ghi kết quả hoặc đính kèm minh chứng" in response.content.decode()
    pdf = SimpleUploadedFile(
        "bien-ban.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", content_type="application/pdf"
    )
    assert official.post(url, {"status": "done", "completion_note": "Đã cải tạo", "evidence": pdf}).status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.evidence
    assert official.post(url, {"verify": "1"}).status_code == 403
    assert client_for(people["xa_xuanhoa"]).get(url).status_code == 404
    client_for(people["totrt_thoxuan"]).post(url, {"verify": "1"})
    action.refresh_from_db()
    assert action.status == ActionStatus.VERIFIED and action.verified_by == people["totrt_thoxuan"]
    assert action.history.count() >= 3


def test_overdue_actions_stand_out(visit, people, client_for):
    finding = services.finding_add(
        visit=visit, indicator=indicator("5.1"), assessment="shortcoming", shortcoming="x", user=people["totrt_thoxuan"]
    )
    services.action_from_finding(
        finding=finding,
        created_by=people["totrt_thoxuan"],
        title="Việc đã quá hạn",
        owner_user=people["xa_xuantruong"],
        due_date=datetime.date(2021, 5, 1),
    )
    body = client_for(people["xa_xuantruong"]).get("/").content.decode()
    assert "Việc đã quá hạn" in body and "quá hạn</span>" in body


def test_export_lists_findings(visit, people, client_for):
    services.finding_add(
        visit=visit,
        indicator=indicator("5.1"),
        assessment="serious",
        shortcoming="Xuống cấp",
        user=people["totrt_thoxuan"],
    )
    response = client_for(people["vpdp_thoxuan"]).get(reverse("inspections:inspection_list") + "?format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][:3] == ("Ngày", "Xã", "Tổ công tác")
    assert rows[1][1] == "Xã Xuân Trường" and rows[1][7] == "5.1" and rows[1][9] == "Tồn tại nghiêm trọng"


def test_seed_story_inspection(demo_reports):
    from ntm_portal.demo import seed_inspection

    seed_inspection()
    seed_inspection()  # idempotent
    finding = Finding.objects.filter(visit__inspection__date=datetime.date(2021, 4, 14))
    assert finding.count() == 5
    assert set(finding.values_list("visit__site_type", flat=True)) == {
        "school",
        "cultural_house",
        "health_station",
        "sanitation",
        "garden",
    }
    assert ActionItem.objects.filter(source="finding").count() == 4


def test_a_follow_up_given_to_a_named_account_reaches_that_person(
    visit, people, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    finding = services.finding_add(
        visit=visit,
        indicator=indicator("5.1"),
        assessment="shortcoming",
        shortcoming="Thiếu phòng bộ môn",
        user=people["totrt_thoxuan"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        client_for(people["totrt_thoxuan"]).post(
            reverse("inspections:follow_up_create", args=[finding.pk]),
            {"title": "Bổ sung phòng bộ môn", "owner_user": people["xa_xuantruong"].pk, "due_date": "30/09/2021"},
        )
    action = ActionItem.objects.get(finding=finding)
    entry = Notification.objects.get(user=people["xa_xuantruong"], kind="action_assigned")
    assert entry.title_text == "Xã Xuân Trường: anh/chị được giao nhiệm vụ"
    assert entry.body_text == "Bổ sung phòng bộ môn — hạn hoàn thành 30/09/2021."
    assert entry.url == reverse("inspections:action_detail", args=[action.pk])
    assert [m.to for m in mailoutbox] == [[people["xa_xuantruong"].email]]

    # Given to someone else later: that person hears of it; a task one gives oneself makes no noise.
    services.action_update(action=action, user=people["totrt_thoxuan"], owner_user=people["lanhdao_thoxuan"])
    assert Notification.objects.filter(user=people["lanhdao_thoxuan"], kind="action_assigned").count() == 1
    services.action_update(action=action, user=people["totrt_thoxuan"], owner_user=people["totrt_thoxuan"])
    assert not Notification.objects.filter(user=people["totrt_thoxuan"], kind="action_assigned").exists()
