import datetime
import io
import re
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from reports import services
from reports.models import EvidenceFile, IndicatorStatus, MonthlyReport, ReportStatus
from reports.selectors import report_statuses

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def status_by_code(report, code):
    return next(s for s in report_statuses(report) if s.indicator.code == code)


def form_data(report, **overrides):
    """The form as the page renders it (stored values), with `overrides` typed on top."""
    data = {"version": str(report.version)}
    for s in report_statuses(report):
        if s.indicator.has_threshold:
            data[f"value_{s.pk}"] = "" if s.value is None else str(s.value)
        else:
            data[f"met_{s.pk}"] = {True: "1", False: "0"}.get(s.declared_met, "")
        if s.indicator.kind == "text":
            data[f"text_{s.pk}"] = s.text_value
        data[f"note_{s.pk}"] = s.note
        data[f"person_{s.pk}"] = s.responsible_person
        data[f"planned_{s.pk}"] = s.planned_date.strftime("%d/%m/%Y") if s.planned_date else ""
    data.update(overrides)
    return data


def edit_url(report):
    return reverse("reports:report_edit", args=[report.pk])


@pytest.fixture
def official(users, client_for):
    return client_for(users["xa_xuantruong"])


def test_the_form_shows_targets_deadline_and_summary(report, official):
    with time_machine.travel(datetime.datetime(2021, 4, 22, 9, 0, tzinfo=HCM), tick=False):
        body = official.get(reverse("reports:report_detail", args=[report.pk])).content.decode()
    assert "Hạn nộp: 25/04/2021 — còn 3 ngày" in body
    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=HCM), tick=False):
        years_later = official.get(reverse("reports:report_detail", args=[report.pk])).content.decode()
    assert "Hạn nộp: 25/04/2021" in years_later and "quá hạn" not in years_later  # a closed period counts no days
    assert "đạt 0/15 tiêu chí, 0/41 tiểu tiêu chí" in body.lower()
    assert "≥ 90%" in body  # 2.2 for Vùng 2
    assert body.count('name="note_') == 41
    assert 'hx-post="/reports/%d/preview/"' % report.pk in body


def test_save_draft_then_submit(filled, official):
    data = form_data(filled, save="1")
    response = official.post(edit_url(filled), data)
    assert response.status_code == 302
    response = official.post(edit_url(filled), form_data(MonthlyReport.objects.get(pk=filled.pk), submit="1"))
    assert response.status_code == 302
    report = MonthlyReport.objects.get(pk=filled.pk)
    assert report.status == ReportStatus.SUBMITTED
    body = official.get(reverse("reports:report_detail", args=[report.pk])).content.decode()
    assert "Đạt 9/15 tiêu chí, 25/41 tiểu tiêu chí" in body
    assert 'name="note_' not in body  # read-only now


def test_submit_errors_are_shown_beside_the_fields_and_typed_values_kept(report, official):
    s22 = status_by_code(report, "2.2")
    data = form_data(report, submit="1", **{f"value_{s22.pk}": "62,5", f"note_{s22.pk}": "Đang thi công"})
    response = official.post(edit_url(report), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Chưa nhập kết quả." in body
    assert "Chưa đạt: cần ghi người chịu trách nhiệm." in body
    assert 'value="62,5"' in body and "Đang thi công" in body
    assert MonthlyReport.objects.get(pk=report.pk).status == ReportStatus.DRAFT
    assert IndicatorStatus.objects.get(pk=s22.pk).value is None  # nothing saved


def test_bad_number_is_refused_in_vietnamese(report, official):
    s22 = status_by_code(report, "2.2")
    response = official.post(edit_url(report), form_data(report, save="1", **{f"value_{s22.pk}": "120"}))
    assert response.status_code == 400
    assert "Tỷ lệ phải từ 0 đến 100." in response.content.decode()
    response = official.post(edit_url(report), form_data(report, save="1", **{f"value_{s22.pk}": "chín mươi"}))
    assert "“chín mươi” không phải là số." in response.content.decode()


def test_stale_copy_gets_a_conflict_and_keeps_what_was_typed(report, official, users):
    s22 = status_by_code(report, "2.2")
    stale = form_data(report, save="1", **{f"note_{s22.pk}": "bản của người thứ hai"})
    assert (
        official.post(edit_url(report), form_data(report, save="1", **{f"note_{s22.pk}": "bản đầu"})).status_code == 302
    )
    response = official.post(edit_url(report), stale)
    assert response.status_code == 409
    body = response.content.decode()
    assert "vừa được người khác lưu" in body and "bản của người thứ hai" in body
    assert IndicatorStatus.objects.get(pk=s22.pk).note == "bản đầu"


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bien-ban.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "không đúng định dạng"),
        ("anh.png", b"<html><script>alert(1)</script></html>", "không đúng định dạng"),
        ("lon.pdf", b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024), "quá lớn"),
    ],
)
def test_refused_evidence_keeps_everything_else(report, official, name, content, message):
    s22 = status_by_code(report, "2.2")
    data = form_data(
        report, save="1", **{f"value_{s22.pk}": "91", f"evidence_{s22.pk}": SimpleUploadedFile(name, content)}
    )
    response = official.post(edit_url(report), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and 'value="91"' in body
    assert not EvidenceFile.objects.exists()
    assert IndicatorStatus.objects.get(pk=s22.pk).value is None


def test_evidence_is_stored_privately_and_served_with_a_check(report, official, users, client_for):
    s22 = status_by_code(report, "2.2")
    upload = SimpleUploadedFile("ảnh đường thôn.png", png_bytes(), content_type="text/plain")
    response = official.post(edit_url(report), form_data(report, save="1", **{f"evidence_{s22.pk}": upload}))
    assert response.status_code == 302
    evidence = EvidenceFile.objects.get()
    assert (evidence.kind, evidence.original_name) == ("png", "ảnh đường thôn.png")
    assert evidence.file.name.startswith("private/evidence/15514/") and evidence.file.name.endswith(".png")
    url = reverse("reports:evidence_download", args=[evidence.pk])
    response = official.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png_bytes()
    assert client_for(users["xa_xuanhoa"]).get(url).status_code == 404
    assert client_for(users["vpdp_thoxuan"]).get(url).status_code == 200


def test_preview_updates_the_summary_without_saving(report, official):
    s22 = status_by_code(report, "2.2")
    response = official.post(
        reverse("reports:report_preview", args=[report.pk]), form_data(report, **{f"value_{s22.pk}": "95"})
    )
    assert response.status_code == 200
    assert "0/15 tiêu chí, 1/41 tiểu tiêu chí" in response.content.decode()
    assert IndicatorStatus.objects.get(pk=s22.pk).value is None


def test_office_returns_with_a_reason_and_the_commune_sees_it(filled, official, users, client_for):
    services.report_submit(report=filled, user=users["xa_xuantruong"])
    office = client_for(users["vpdp_thoxuan"])
    review = reverse("reports:report_review", args=[filled.pk])
    response = office.post(review, {"decision": "return", "comment": ""}, follow=True)
    assert "Cần ghi lý do trả lại" in response.content.decode()
    assert MonthlyReport.objects.get(pk=filled.pk).status == ReportStatus.SUBMITTED
    office.post(review, {"decision": "return", "comment": "Bổ sung minh chứng BHYT"})
    commune = client_for(users["xa_xuantruong"])
    body = commune.get(reverse("reports:report_detail", args=[filled.pk])).content.decode()
    assert "Báo cáo bị trả lại. Lý do:" in body and "Bổ sung minh chứng BHYT" in body
    assert 'name="note_' in body  # editable again
    assert "Trả lại" in body  # the timeline


@pytest.mark.parametrize(
    ("who", "url_name", "method", "status"),
    [
        ("xa_xuanhoa", "report_detail", "get", 404),
        ("xa_xuanhoa", "report_edit", "post", 404),
        ("xa_xuanhoa", "report_history", "get", 404),
        ("xa_xuanhoa", "report_xlsx", "get", 404),
        ("xa_xuantruong", "report_review", "post", 403),
        ("xa_xuantruong", "report_reopen", "post", 403),
        ("vpdp_thoxuan", "report_edit", "post", 403),
        ("lanhdao_thoxuan", "report_detail", "get", 200),
        ("lanhdao_thoxuan", "report_review", "post", 403),
        ("totrt_thoxuan", "report_detail", "get", 200),
        ("phong_ythoxuan", "report_detail", "get", 200),
    ],
)
def test_report_access(report, users, client_for, who, url_name, method, status):
    client = client_for(users[who])
    response = getattr(client, method)(reverse(f"reports:{url_name}", args=[report.pk]))
    assert response.status_code == status


def test_other_district_office_gets_404(report, client_for, tree, people):
    response = client_for(people["other_office"]).get(reverse("reports:report_detail", args=[report.pk]))
    assert response.status_code == 404


def test_department_sees_only_its_criteria(filled, users, client_for):
    body = client_for(users["phong_ythoxuan"]).get(reverse("reports:report_detail", args=[filled.pk])).content.decode()
    assert "13.1" in body and "Tiêu chí 13" in body
    assert "Tiêu chí 2:" not in body and "2.2" not in body


def test_history_page_lists_changes(filled, official):
    s22 = status_by_code(filled, "2.2")
    official.post(edit_url(filled), form_data(filled, save="1", **{f"value_{s22.pk}": "55"}))
    body = official.get(reverse("reports:report_history", args=[filled.pk])).content.decode()
    assert "Lịch sử thay đổi" in body and "2.2" in body and "55" in body


def test_commune_official_opens_the_current_report(users, official, xuan_truong):
    from reports.services import period_current

    period = period_current()
    response = official.post(reverse("reports:report_open", args=["15514", period.year, period.month]))
    report = MonthlyReport.objects.get(commune=xuan_truong, period=period)
    assert response.status_code == 302 and response["Location"] == reverse("reports:report_detail", args=[report.pk])
    assert official.post(reverse("reports:report_open", args=["15517", period.year, period.month])).status_code == 404


def test_action_plan_adds_tasks_and_flags_overdue(filled, official, users, client_for):
    from inspections.models import ActionItem

    criterion = filled.criteria_set.criteria.get(number=13)
    url = reverse("reports:action_plan", args=["15514"])
    response = official.post(url, {"criterion": criterion.pk, "title": "", "due_date": "31/02/2021"})
    assert response.status_code == 400 and not ActionItem.objects.exists()
    response = official.post(
        url,
        {
            "criterion": criterion.pk,
            "title": "Vận động tham gia BHYT",
            "owner_name": "Trần Thị Hương",
            "owner_position": "Công chức VH-XH",
            "due_date": "30/06/2021",
            "status": "open",
        },
    )
    assert response.status_code == 302
    body = client_for(users["vpdp_thoxuan"]).get(url).content.decode()
    assert "Vận động tham gia BHYT" in body and "quá hạn" in body
    assert client_for(users["xa_xuanhoa"]).get(url).status_code == 404
    assert client_for(users["lanhdao_thoxuan"]).post(url, {}).status_code == 403


def test_office_moves_a_deadline(april, users, client_for, xuan_truong):
    office = client_for(users["vpdp_thoxuan"])
    district = xuan_truong.parent
    response = office.post(
        reverse("reports:period_deadline", args=[april.pk, district.code]),
        {"date": "28/04/2021", "time": "17:00", "reason": "Nghỉ lễ"},
    )
    assert response.status_code == 302
    deadline = april.deadlines.get(unit=district)
    assert deadline.reason == "Nghỉ lễ" and deadline.set_by == users["vpdp_thoxuan"]
    assert timezone.localtime(deadline.deadline).strftime("%H:%M %d/%m/%Y") == "17:00 28/04/2021"
    assert client_for(users["xa_xuantruong"]).get(reverse("reports:period_list")).status_code == 403


def test_notifications_page_and_mark_read(filled, users, client_for):
    services.report_submit(report=filled, user=users["xa_xuantruong"])
    office = client_for(users["vpdp_thoxuan"])
    body = office.get("/").content.decode()
    assert 'badge rounded-pill text-bg-danger">1<' in body
    assert "đã nộp báo cáo" in office.get(reverse("notifications:notification_list")).content.decode()
    office.post(reverse("notifications:notification_read"))
    assert 'badge rounded-pill text-bg-danger">' not in office.get("/").content.decode()


def test_value_typed_with_vietnamese_comma(report, official):
    s23 = status_by_code(report, "2.3")
    official.post(edit_url(report), form_data(report, save="1", **{f"value_{s23.pk}": "3,75"}))
    assert IndicatorStatus.objects.get(pk=s23.pk).value == Decimal("3.75")


def test_department_cannot_download_other_departments_evidence(report, official, users, client_for):
    s22 = status_by_code(report, "2.2")  # Giao thông: not the health department's
    s131 = status_by_code(report, "13.1")  # Y tế
    upload = {
        f"evidence_{s22.pk}": SimpleUploadedFile("a.png", png_bytes()),
        f"evidence_{s131.pk}": SimpleUploadedFile("b.png", png_bytes()),
    }
    assert official.post(edit_url(report), form_data(report, save="1", **upload)).status_code == 302
    roads, health = EvidenceFile.objects.get(status=s22), EvidenceFile.objects.get(status=s131)
    department = client_for(users["phong_ythoxuan"])
    assert department.get(reverse("reports:evidence_download", args=[health.pk])).status_code == 200
    assert department.get(reverse("reports:evidence_download", args=[roads.pk])).status_code == 404


def test_the_period_picker_names_an_older_period_it_shows(demo_reports, users, client_for):
    """Years of monthly periods later, a 2021 month is past the picker's latest ones; shown, it is offered."""
    from reports.services import period_for

    for year in (2024, 2025, 2026):
        for month in range(1, 13):
            period_for(year, month)
    client = client_for(users["vpdp_thoxuan"])
    for page in (reverse("reports:report_list"), reverse("dashboards:overview", args=["395"])):
        html = client.get(page, {"period": "2021-4"}).content.decode()
        assert re.search(r'<option value="2021-4"\s+selected>', html), page
