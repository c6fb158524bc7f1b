import datetime
import io
import os
import subprocess
import time
import zoneinfo

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from core.errors import ApplicationError
from core.tests.hostile import hostile_photos
from inspections.photos import process_photo
from meetings import minutes as minutes_module
from meetings import services as meetings
from meetings.models import Meeting, MinutesState
from ntm_portal.testing import fill
from reports import services

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def pdf_text(path):
    return subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True, check=True).stdout


def pdf_file(meeting):
    meeting.refresh_from_db()
    return os.path.join(default_storage.location, meeting.pdf.name)


@pytest.fixture
def march_report(xuan_truong, users):
    report = services.report_open(commune=xuan_truong, period=services.period_for(2021, 3))
    fill(report, users["xa_xuantruong"], criteria_met=9, indicators_met=25)
    with_time = datetime.datetime(2021, 3, 24, 16, 0, tzinfo=HCM)
    return services.report_submit(report=report, user=users["xa_xuantruong"], now=with_time)


def make_meeting(users, xuan_truong, **extra):
    from communes.models import AdministrativeUnit

    fields = {
        "subject": "Làm việc với xã Xuân Trường về tiến độ xây dựng xã nông thôn mới nâng cao",
        "place": "Hội trường UBND xã Xuân Trường",
        "started_at": datetime.datetime(2021, 4, 14, 14, 0, tzinfo=HCM),
        "ended_at": datetime.datetime(2021, 4, 14, 16, 30, tzinfo=HCM),
        "chair": users["lanhdao_thoxuan"],
        "chair_position": "Phó Chủ tịch UBND huyện",
        "secretary": users["vpdp_thoxuan"],
        **extra,
    }
    return meetings.meeting_create(
        commune=xuan_truong,
        issuing_unit=AdministrativeUnit.objects.get(code="395"),
        created_by=users["vpdp_thoxuan"],
        attendees=[users["totrt_thoxuan"]],
        **fields,
    )


@pytest.fixture
def meeting(march_report, users, xuan_truong, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return make_meeting(users, xuan_truong)


def test_seed_case_pdf(meeting):
    assert meeting.frozen_line == "đạt 9/15 tiêu chí, 25/41 tiểu tiêu chí"
    path = pdf_file(meeting)
    assert meeting.pdf_state == MinutesState.READY
    text = pdf_text(path)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BIÊN BẢN",
        "9/15",
        "25/41",
        "Số: 1/BB-VPĐP",
        "Thọ Xuân, ngày 14 tháng 04 năm 2021",
        "Kết quả xây dựng xã nông thôn mới nâng cao",
        "THƯ KÝ",
        "CHỦ TRÌ",
        "Nơi nhận:",
        "kết thúc vào hồi 16 giờ 30 phút",
    ):
        assert expected in text, expected
    fonts = subprocess.run(["pdffonts", path], capture_output=True, text=True, check=True).stdout
    assert "Liberation-Serif" in fonts and "Liberation-Serif-Bold" in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # every font embedded
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    assert "595.276 x 841.89 pts (A4)" in info


def test_frozen_status_does_not_follow_later_reports(meeting, xuan_truong, users, django_capture_on_commit_callbacks):
    april = services.report_open(commune=xuan_truong, period=services.period_for(2021, 4))
    fill(april, users["xa_xuantruong"], criteria_met=12, indicators_met=35)
    services.report_submit(report=april, user=users["xa_xuantruong"])
    with django_capture_on_commit_callbacks(execute=True):
        meetings.meeting_update(meeting=meeting, conclusions="Kết luận bổ sung")
    meeting.refresh_from_db()
    assert (meeting.frozen_criteria_met, meeting.frozen_indicators_met, meeting.frozen_period) == (9, 25, "03/2021")
    assert "9/15" in pdf_text(pdf_file(meeting)) and "12/15" not in pdf_text(pdf_file(meeting))


def test_rendering_twice_gives_one_file_and_one_hash(meeting):
    meeting.refresh_from_db()
    first_hash = meeting.pdf_hash
    Meeting.objects.filter(pk=meeting.pk).update(pdf_version=0, pdf_state=MinutesState.STALE)
    assert minutes_module.minutes_render(meeting.pk) == first_hash
    meeting.refresh_from_db()
    assert meeting.pdf_hash == first_hash and meeting.pdf_state == MinutesState.READY
    files = os.listdir(os.path.join(default_storage.location, "private", "minutes"))
    assert files == [f"{first_hash}.pdf"]


def test_editing_marks_the_pdf_stale_and_renders_again(meeting, django_capture_on_commit_callbacks):
    meeting.refresh_from_db()
    first = meeting.pdf_hash
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        meetings.meeting_update(meeting=meeting, place="Nhà văn hóa thôn 2")
    meeting.refresh_from_db()
    assert meeting.pdf_state == MinutesState.STALE and len(callbacks) == 1
    callbacks[0]()
    meeting.refresh_from_db()
    assert meeting.pdf_state == MinutesState.READY and meeting.pdf_hash != first
    assert "Nhà văn hóa thôn 2" in pdf_text(pdf_file(meeting))


def test_user_text_is_literal_in_the_pdf(meeting, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meetings.remark_add(meeting=meeting, speaker="<b>Ông A</b>", text="<script>alert(1)</script> & ý kiến")
    text = pdf_text(pdf_file(meeting))
    assert "<b>Ông A</b>" in text and "<script>alert(1)</script> & ý kiến" in text


def test_numbering_per_office_and_year(meeting, users, xuan_truong, xuan_hoa):
    second = make_meeting(users, xuan_truong, started_at=datetime.datetime(2021, 5, 3, 8, 0, tzinfo=HCM))
    next_year = make_meeting(users, xuan_truong, started_at=datetime.datetime(2022, 1, 5, 8, 0, tzinfo=HCM))
    assert (meeting.number_text, second.number_text, next_year.number_text) == ("1/BB-VPĐP", "2/BB-VPĐP", "1/BB-VPĐP")


def test_directives_become_follow_up_actions(meeting, users):
    directive = meetings.directive_add(
        meeting=meeting,
        text="Thu gom rác thôn 5",
        owner="UBND xã",
        due_date=datetime.date(2021, 5, 31),
        created_by=users["vpdp_thoxuan"],
    )
    assert directive.action.source == "meeting" and directive.action.commune.code == "15514"
    without_date = meetings.directive_add(
        meeting=meeting, text="Báo cáo trước ngày 25", owner="UBND xã", created_by=users["vpdp_thoxuan"]
    )
    assert without_date.action is None


def test_finalise_then_reopen_with_a_reason(meeting, users):
    meetings.meeting_finalise(meeting=meeting, user=users["vpdp_thoxuan"])
    with pytest.raises(meetings.MeetingError):
        meetings.meeting_update(meeting=meeting, place="khác")
    with pytest.raises(meetings.MeetingError):
        meetings.meeting_reopen(meeting=meeting, user=users["vpdp_thoxuan"], reason=" ")
    meetings.meeting_reopen(meeting=meeting, user=users["vpdp_thoxuan"], reason="Đính chính tên người dự")
    assert meeting.history.first().history_change_reason == "Mở lại: Đính chính tên người dự"
    # Who closed and who reopened is in the history even outside a request (a command, a shell).
    assert [(r.history_change_reason, r.history_user) for r in meeting.history.all()[:2]] == [
        ("Mở lại: Đính chính tên người dự", users["vpdp_thoxuan"]),
        ("Hoàn tất biên bản", users["vpdp_thoxuan"]),
    ]
    meetings.meeting_update(meeting=meeting, place="khác")


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("lanhdao_thoxuan", 200),
        ("vpdp_thoxuan", 200),
        ("xa_xuantruong", 200),
        ("xa_xuanhoa", 404),
        ("totrt_thoxuan", 404),
        ("phong_ythoxuan", 404),
    ],
)
def test_download_permissions(meeting, users, client_for, who, status):
    response = client_for(users[who]).get(reverse("meetings:meeting_pdf", args=[meeting.pk]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content)[:5] == b"%PDF-"


def test_meeting_page_polls_until_ready(meeting, users, client_for):
    Meeting.objects.filter(pk=meeting.pk).update(pdf_state=MinutesState.PENDING)
    client = client_for(users["vpdp_thoxuan"])
    body = client.get(reverse("meetings:meeting_detail", args=[meeting.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in body and "Đang tạo biên bản PDF" in body
    Meeting.objects.filter(pk=meeting.pk).update(pdf_state=MinutesState.READY)
    fragment = client.get(reverse("meetings:meeting_pdf_status", args=[meeting.pk])).content.decode()
    assert "every 2s" not in fragment and "Tải biên bản PDF" in fragment


def test_office_creates_a_meeting_through_the_page(
    march_report, users, client_for, xuan_truong, django_capture_on_commit_callbacks
):
    client = client_for(users["vpdp_thoxuan"])
    data = {
        "commune": xuan_truong.pk,
        "subject": "Làm việc về tiến độ",
        "place": "UBND xã",
        "started_at": "14/04/2021 14:00",
        "ended_at": "14/04/2021 13:00",
        "chair": users["lanhdao_thoxuan"].pk,
        "secretary": users["vpdp_thoxuan"].pk,
    }
    response = client.post(reverse("meetings:meeting_create"), data)
    assert response.status_code == 400 and "Giờ kết thúc phải sau giờ bắt đầu." in response.content.decode()
    data["ended_at"] = "14/04/2021 16:30"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("meetings:meeting_create"), data)
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and meeting.pdf_state == MinutesState.READY
    assert client_for(users["xa_xuantruong"]).get(reverse("meetings:meeting_create")).status_code == 403
    assert (
        client_for(users["xa_xuantruong"]).post(reverse("meetings:meeting_finalise", args=[meeting.pk])).status_code
        == 403
    )


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_rendering_through_a_real_worker(march_report, users, xuan_truong, celery_worker):
    meeting = make_meeting(users, xuan_truong)  # queued on commit to the worker
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        meeting.refresh_from_db()
        if meeting.pdf_state in (MinutesState.READY, MinutesState.FAILED):
            break
        time.sleep(0.5)
    assert meeting.pdf_state == MinutesState.READY, celery_worker["log"].read_text()[-3000:]
    assert "BIÊN BẢN" in pdf_text(os.path.join(default_storage.location, meeting.pdf.name))


def pdf_pages(path):
    """The text of each page (pdftotext ends every page with a form feed)."""
    return pdf_text(path).split("\f")[:-1]


def test_a_draft_says_so_on_every_page_until_it_is_final(
    meeting, users, client_for, django_capture_on_commit_callbacks
):
    from meetings.models import MeetingRemark

    long_text = "Đề nghị xã rà soát lại hồ sơ minh chứng, bổ sung số liệu và báo cáo kết quả trước ngày 25. " * 4
    MeetingRemark.objects.bulk_create(
        MeetingRemark(meeting=meeting, speaker=f"Ông Lê Văn {n}", text=long_text) for n in range(30)
    )
    with django_capture_on_commit_callbacks(execute=True):
        meetings.meeting_update(meeting=meeting, conclusions="Xã hoàn thiện hồ sơ trước ngày 25.")
    pages = pdf_pages(pdf_file(meeting))
    assert len(pages) >= 2
    assert all("DỰ THẢO" in page for page in pages)
    response = client_for(users["vpdp_thoxuan"]).get(reverse("meetings:meeting_pdf", args=[meeting.pk]))
    assert 'filename="bien-ban-1-2021-15514-du-thao.pdf"' in response["Content-Disposition"]
    draft_hash = meeting.pdf_hash

    with django_capture_on_commit_callbacks(execute=True):
        meetings.meeting_finalise(meeting=meeting, user=users["vpdp_thoxuan"])
    pages = pdf_pages(pdf_file(meeting))
    assert meeting.pdf_state == MinutesState.READY and meeting.pdf_hash != draft_hash
    assert len(pages) >= 2 and not any("DỰ THẢO" in page for page in pages)
    response = client_for(users["vpdp_thoxuan"]).get(reverse("meetings:meeting_pdf", args=[meeting.pk]))
    assert 'filename="bien-ban-1-2021-15514.pdf"' in response["Content-Disposition"]

    with django_capture_on_commit_callbacks(execute=True):
        meetings.meeting_reopen(meeting=meeting, user=users["vpdp_thoxuan"], reason="Đính chính")
    assert all("DỰ THẢO" in page for page in pdf_pages(pdf_file(meeting)))
    assert meeting.pdf_hash == draft_hash


def test_finalising_marks_the_pdf_stale_until_it_is_rendered_again(
    meeting, users, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        meetings.meeting_finalise(meeting=meeting, user=users["vpdp_thoxuan"])
    meeting.refresh_from_db()
    assert meeting.pdf_state == MinutesState.STALE and len(callbacks) == 1
    client = client_for(users["lanhdao_thoxuan"])
    assert client.get(reverse("meetings:meeting_pdf", args=[meeting.pk])).status_code == 404  # not the old draft
    callbacks[0]()
    assert client.get(reverse("meetings:meeting_pdf", args=[meeting.pk])).status_code == 200


@pytest.mark.parametrize(
    ("who", "sees_hash"), [("vpdp_thoxuan", True), ("lanhdao_thoxuan", False), ("xa_xuantruong", False)]
)
def test_only_the_office_sees_the_pdf_hash(meeting, users, client_for, who, sees_hash):
    meeting.refresh_from_db()
    client = client_for(users[who])
    page = client.get(reverse("meetings:meeting_detail", args=[meeting.pk])).content.decode()
    fragment = client.get(reverse("meetings:meeting_pdf_status", args=[meeting.pk])).content.decode()
    assert "Tải biên bản PDF" in page and "Tải biên bản PDF" in fragment
    assert (meeting.pdf_hash[:12] in page, "SHA-256" in page) == (sees_hash, sees_hash)
    assert (meeting.pdf_hash[:12] in fragment, "SHA-256" in fragment) == (sees_hash, sees_hash)


def test_the_minutes_name_the_standard_of_the_set_the_report_is_on(meeting):
    from criteria.models import CriteriaSet
    from meetings.minutes import minutes_html

    assert "Kết quả xây dựng xã nông thôn mới nâng cao" in minutes_html(meeting)
    CriteriaSet.objects.filter(reports=meeting.frozen_report_id).update(level="ntm")
    meeting.refresh_from_db()
    html = minutes_html(meeting)
    assert "Kết quả xây dựng xã nông thôn mới (theo" in html and "nâng cao" not in html.split("Kết quả xây dựng")[1]


def test_a_pdf_gone_from_the_storage_is_404_not_a_server_error(meeting, users, client_for):
    meeting.refresh_from_db()
    assert meeting.pdf_state == MinutesState.READY
    meeting.pdf.storage.delete(meeting.pdf.name)  # deleted by hand, or a bucket restored from an older backup
    response = client_for(users["vpdp_thoxuan"]).get(reverse("meetings:meeting_pdf", args=[meeting.pk]))
    assert response.status_code == 404


def test_rendering_minutes_leaves_a_truncated_photo_refused(meeting):
    """WeasyPrint makes Pillow accept truncated images when imported; a photo cut off by a bad connection is
    still refused after the minutes were rendered in the same process."""
    pdf_file(meeting)
    assert meeting.pdf_state == MinutesState.READY  # rendered: WeasyPrint imported
    with pytest.raises(ApplicationError):
        process_photo(io.BytesIO(hostile_photos()["cat-doi.jpg"]))
