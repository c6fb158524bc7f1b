"""Imports through the browser (office.views_imports, office.imports): the province's top office uploads a
unit or criteria file, reads the preview (or every bad line), applies it; nothing changes before that."""

import datetime
import tempfile

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from communes.models import AdministrativeUnit, Role, UnitLevel
from core.testing import close_response, csv_bytes, xlsx_bytes
from criteria.models import CriteriaSet, Criterion, Indicator, IndicatorTarget
from criteria.services import CRITERIA_COLUMNS
from ntm_portal.demo import DEMO_SET_CODE, make_member
from office.models import ImportKind, ImportRecord, ImportStatus

UNIT_HEADER = ["code", "name", "level", "parent_code", "valid_from", "valid_until", "successor_code"]
UNITS = [
    UNIT_HEADER,
    ["99001", "Xã Thử Nghiệm", "commune", "395", "", "", ""],
    ["15514", "Xã Xuân Trường Mới", "commune", "395", "", "", ""],  # a correction (both undated)
    ["99002", "Thôn Một", "village", "99001", "", "", ""],
]
CRITERIA = [
    list(CRITERIA_COLUMNS),
    ["1", "Quy hoạch", "I", "1.1", "Có quy hoạch chung", "yes_no", "", "Đạt", "", "", "Phòng KT-HT"],
    ["13", "Y tế", "IV", "13.1", "Tỷ lệ tham gia BHYT", "percent_min", "%", "", "95", "", "Phòng Y tế"],
    ["13", "Y tế", "IV", "13.2", "Trạm y tế đạt chuẩn", "yes_no", "", "Đạt", "", "", "Phòng Y tế"],
]
SET = {
    "code": "thanh-hoa-thu-nghiem",
    "name": "Bộ tiêu chí thử nghiệm của tỉnh",
    "legal_basis": "QĐ 1/2026/QĐ-UBND",
    "level": "advanced",
    "effective_from": "01/01/2026",
    "effective_until": "",
}


def world():
    """Everything an import may touch, as plain values (primary keys aside)."""
    return (
        sorted(
            AdministrativeUnit.objects.values_list(
                "code", "name", "level", "parent__code", "path", "valid_from", "valid_until", "replaced_by__code"
            ),
            key=str,
        ),
        sorted(
            CriteriaSet.objects.values_list("code", "name", "legal_basis", "level", "owner__code", "effective_from")
        ),
        sorted(Criterion.objects.values_list("criteria_set__code", "number", "name", "group")),
        sorted(Indicator.objects.values_list("criteria_set__code", "code", "name", "kind", "criterion__number")),
        sorted(IndicatorTarget.objects.values_list("indicator__code", "zone", "target_text", "threshold"), key=str),
    )


@pytest.fixture
def province(demo):
    return AdministrativeUnit.objects.get(code="38")


@pytest.fixture
def office(province):
    """The province's top office (the `demo` world of 2021 has only the district's)."""
    return make_member("vpdp_tinh", Role.OFFICE, province, first_name="Tỉnh", last_name="Văn phòng")


def upload(client, kind, content, filename="tep.csv", **fields):
    data = {"file": SimpleUploadedFile(filename, content), **fields}
    return client.post(reverse("office:import_new", args=[kind]), data)


def latest():
    return ImportRecord.objects.order_by("-pk").first()


def test_units_preview_changes_nothing_then_apply(client_for, office):
    client = client_for(office)
    before = world()
    response = upload(client, "units", csv_bytes(UNITS))
    record = latest()
    assert response.status_code == 302 and response.url == reverse("office:import_detail", args=[record.pk])
    assert record.status == ImportStatus.PREVIEWED and record.uploaded_by == office
    assert world() == before  # a preview changes nothing
    page = client.get(response.url).content.decode()
    assert "Tạo mới 99001 – Xã Thử Nghiệm (xã/phường/thị trấn), thuộc 395" in page
    assert "Sửa 15514: tên “Xã Xuân Trường” → “Xã Xuân Trường Mới”" in page
    assert "Áp dụng" in page
    assert [line for line, _text in record.changes] == [2, 3, 4]

    response = client.post(reverse("office:import_apply", args=[record.pk]))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == ImportStatus.APPLIED
    assert record.applied_by == office and record.applied_at is not None
    assert len(record.changes) == 3
    assert AdministrativeUnit.objects.by_code("99002").path == "38/395/99001/99002/"
    assert AdministrativeUnit.objects.by_code("15514").name == "Xã Xuân Trường Mới"
    with record.file.open("rb") as stored:
        assert stored.read() == csv_bytes(UNITS)  # the file is kept with its record
    assert record.file.name.startswith("private/imports/")

    # Applying twice is refused and changes nothing.
    after = world()
    response = client.post(reverse("office:import_apply", args=[record.pk]), follow=True)
    assert "Lần nhập này đã được áp dụng." in response.content.decode()
    assert world() == after


def test_bad_lines_are_named_and_nothing_changes(client_for, office):
    client = client_for(office)
    rows = [UNIT_HEADER, UNITS[1], ["99003", "Xã Lỗi", "hamlet", "395", "", "", ""], ["99004", "", "commune", "395"]]
    before = world()
    response = upload(client, "units", csv_bytes(rows))
    record = latest()
    assert record.status == ImportStatus.REFUSED
    assert record.errors == [
        [3, "cấp “hamlet” không hợp lệ (province, district, commune, village)"],
        [4, "thiếu tên đơn vị"],
    ]
    page = client.get(response.url).content.decode()
    assert "Dòng 3:" in page and "Dòng 4:" in page and "Áp dụng</button>" not in page
    response = client.post(reverse("office:import_apply", args=[record.pk]), follow=True)
    assert "có lỗi nên không thể áp dụng" in response.content.decode()
    assert world() == before


def test_rows_outside_the_province_are_refused(client_for, office):
    other = AdministrativeUnit.objects.create(code="01", name="Thành phố Hà Nội", level=UnitLevel.PROVINCE)
    AdministrativeUnit.objects.create(code="001", name="Quận Ba Đình", level=UnitLevel.DISTRICT, parent=other)
    rows = [
        UNIT_HEADER,
        ["99005", "Xã Ngoài", "commune", "001", "", "", ""],
        ["001", "Quận Ba Đình Mới", "district", "01", "", "", ""],
        ["02", "Tỉnh Mới", "province", "", "", "", ""],
        ["38", "Tỉnh Thanh Hóa", "province", "", "", "", ""],
        ["99006", "Xã Mồ Côi", "commune", "", "", "", ""],
        ["15514", "Xã Xuân Trường", "commune", "395", "", "", "001"],
    ]
    before = world()
    upload(client_for(office), "units", csv_bytes(rows))
    errors = latest().errors
    assert latest().status == ImportStatus.REFUSED
    assert [2, "đơn vị cấp trên 001 ở ngoài Tỉnh Thanh Hóa"] in errors
    assert [3, "mã 001 là đơn vị ngoài Tỉnh Thanh Hóa"] in errors
    assert [4, "không được nhập đơn vị cấp tỉnh"] in errors
    assert [5, "không được sửa chính đơn vị 38 qua trang này"] in errors
    assert [6, "thiếu mã đơn vị cấp trên (parent_code)"] in errors
    assert [7, "đơn vị kế thừa 001 ở ngoài Tỉnh Thanh Hóa"] in errors
    assert world() == before


def test_xlsx_file_works(client_for, office):
    client = client_for(office)
    upload(client, "units", xlsx_bytes(UNITS), filename="don-vi.xlsx")
    record = latest()
    assert record.status == ImportStatus.PREVIEWED and record.file.name.endswith(".xlsx")
    client.post(reverse("office:import_apply", args=[record.pk]))
    assert AdministrativeUnit.objects.by_code("99001").parent.code == "395"


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"%PDF-1.4\n%%EOF\n", "don-vi.csv", "không phải là tệp CSV (UTF-8) hoặc Excel (XLSX)"),
        (b"\xff\xfe\x00c\x00o\x00d\x00e", "don-vi.csv", "không phải là tệp CSV (UTF-8) hoặc Excel (XLSX)"),
        (b"code,name,level,parent_code\n" + b"1" * 200, "don-vi.csv", "quá lớn"),
    ],
    ids=["pdf", "utf16", "too-large"],
)
def test_a_refused_upload_changes_nothing(client_for, office, settings, content, name, expected):
    settings.IMPORT_MAX_BYTES = 100
    before = world()
    response = upload(client_for(office), "units", content, filename=name)
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not ImportRecord.objects.exists()  # a file that is not an import file is not kept
    assert world() == before


def test_an_unsafe_xlsx_is_refused_before_it_is_read(client_for, office, settings):
    settings.XLSX_MAX_UNCOMPRESSED_BYTES = 1000
    response = upload(client_for(office), "units", xlsx_bytes(UNITS), filename="don-vi.xlsx")
    assert response.status_code == 400 and "vượt giới hạn" in response.content.decode()
    assert not ImportRecord.objects.exists()


def test_criteria_file_bad_then_fixed_is_applied_for_the_province(client_for, office, province):
    client = client_for(office)
    bad = [row[:] for row in CRITERIA]
    bad[2][8] = "chín lăm"
    before = world()
    upload(client, "criteria", csv_bytes(bad), **SET)
    refused = latest()
    assert refused.status == ImportStatus.REFUSED
    assert refused.errors == [[3, "ngưỡng “chín lăm” không phải là số"]]
    assert world() == before

    upload(client, "criteria", csv_bytes(CRITERIA), **SET)
    record = latest()
    assert record.status == ImportStatus.PREVIEWED
    texts = [text for _line, text in record.changes]
    assert texts[:3] == [
        "Tạo bộ tiêu chí mới “Bộ tiêu chí thử nghiệm của tỉnh”",
        "Thêm tiêu chí 1 – Quy hoạch",
        "Thêm tiêu chí 13 – Y tế",
    ]
    assert world() == before
    client.post(reverse("office:import_apply", args=[record.pk]))
    criteria_set = CriteriaSet.objects.get(code=SET["code"])
    assert criteria_set.owner == province
    assert criteria_set.effective_from.isoformat() == "2026-01-01"
    assert criteria_set.indicators.count() == 3

    # The province updates its own set: the preview names what changes and what goes.
    changed = [row[:] for row in CRITERIA[:3]]
    changed[2][8] = "90"
    upload(client, "criteria", csv_bytes(changed), **SET)
    update = latest()
    assert [text for _line, text in update.changes] == [
        "Sửa tiểu tiêu chí 13.1: chỉ tiêu (mọi vùng) “≥ 95%” → “≥ 90%”; ngưỡng (mọi vùng) 95 → 90",
        "Xóa tiểu tiêu chí 13.2 – Trạm y tế đạt chuẩn",
    ]
    client.post(reverse("office:import_apply", args=[update.pk]))
    assert not criteria_set.indicators.filter(code="13.2").exists()


def test_a_national_set_is_not_updated_through_the_browser(client_for, office):
    before = world()
    upload(client_for(office), "criteria", csv_bytes(CRITERIA), **{**SET, "code": DEMO_SET_CODE})
    record = latest()
    assert record.status == ImportStatus.REFUSED
    assert "Bộ tiêu chí quốc gia “minh-hoa-nang-cao-15-41” chỉ được cập nhật bằng lệnh quản trị" in record.errors[0][1]
    assert world() == before


def test_apply_refuses_a_file_that_no_longer_applies(client_for, office):
    client = client_for(office)
    upload(client, "criteria", csv_bytes(CRITERIA), **SET)
    record = latest()
    call_command("import_criteria", _write(CRITERIA), code=SET["code"], name="Bộ quốc gia cùng mã")  # no owner
    before = world()
    response = client.post(reverse("office:import_apply", args=[record.pk]), follow=True)
    record.refresh_from_db()
    assert record.status == ImportStatus.REFUSED and record.applied_at is None
    assert "Bộ tiêu chí quốc gia" in record.errors[0][1]
    assert "không còn áp dụng được" in response.content.decode()
    assert world() == before


def test_criteria_form_errors_are_shown(client_for, office):
    response = upload(client_for(office), "criteria", csv_bytes(CRITERIA), **{**SET, "effective_from": "2026-13-01"})
    assert response.status_code == 400
    assert not ImportRecord.objects.exists()


def _write(rows, suffix=".csv"):
    with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as handle:
        handle.write(csv_bytes(rows) if suffix == ".csv" else xlsx_bytes(rows))
    return handle.name


def test_the_command_and_the_page_give_the_same_result(client_for, office):
    rows = [
        *UNITS,
        ["15517", "Xã Xuân Hòa", "commune", "395", "", "30/06/2025", ""],
        ["15502", "Xã Xuân Lập", "commune", "395", "01/07/2025", "", ""],
    ]
    client = client_for(office)
    with transaction.atomic():
        upload(client, "units", csv_bytes(rows))
        record = latest()
        client.post(reverse("office:import_apply", args=[record.pk]))
        record.refresh_from_db()
        assert record.status == ImportStatus.APPLIED
        by_page, page_changes = world(), record.changes
        transaction.set_rollback(True)
    assert AdministrativeUnit.objects.by_code("99001") is None
    call_command("import_units", _write(rows))
    assert world() == by_page
    texts = [text for _line, text in page_changes]
    assert "Chấm dứt hiệu lực 15517 – Xã Xuân Hòa: ngày cuối 30/06/2025" in texts
    assert any(text.startswith("Phiên bản mới của 15502 từ 01/07/2025: tên") for text in texts)

    with transaction.atomic():
        upload(client, "criteria", xlsx_bytes(CRITERIA), filename="tieu-chi.xlsx", **SET)
        client.post(reverse("office:import_apply", args=[latest().pk]))
        by_page = world()
        transaction.set_rollback(True)
    call_command(
        "import_criteria",
        _write(CRITERIA, ".xlsx"),
        code=SET["code"],
        name=SET["name"],
        legal_basis=SET["legal_basis"],
        level="advanced",
        effective_from=datetime.date(2026, 1, 1),
    )
    # The one difference: the page makes the province the owner of the set it creates (the command sets none).
    CriteriaSet.objects.filter(code=SET["code"]).update(owner=AdministrativeUnit.objects.by_code("38"))
    assert world() == by_page


def test_the_stored_file_is_downloaded_through_the_permission_check(client_for, office):
    client = client_for(office)
    upload(client, "units", csv_bytes(UNITS), filename="don-vi thanh hoa.csv")
    response = client.get(reverse("office:import_file", args=[latest().pk]))
    assert b"".join(response.streaming_content) == csv_bytes(UNITS)
    assert "attachment" in response["Content-Disposition"]
    assert close_response(response) == 200


def test_the_list_shows_the_province_records(client_for, office):
    client = client_for(office)
    upload(client, "units", csv_bytes(UNITS), filename="don-vi.csv")
    page = client.get(reverse("office:import_list")).content.decode()
    assert "don-vi.csv" in page and "Chờ xác nhận" in page
    assert client.get(reverse("office:import_new", args=["people"])).status_code == 404
    assert client.get(reverse("office:import_new", args=["criteria"])).status_code == 200


def _urls(record):
    return [
        ("get", reverse("office:import_list")),
        ("get", reverse("office:import_new", args=["units"])),
        ("post", reverse("office:import_new", args=["units"])),
        ("get", reverse("office:import_detail", args=[record.pk])),
        ("post", reverse("office:import_apply", args=[record.pk])),
        ("get", reverse("office:import_file", args=[record.pk])),
    ]


@pytest.fixture
def record(office, province):
    from django.core.files.base import ContentFile

    return ImportRecord.objects.create(
        kind=ImportKind.UNITS,
        unit=province,
        file=ContentFile(csv_bytes(UNITS), name="don-vi.csv"),
        original_name="don-vi.csv",
        status=ImportStatus.PREVIEWED,
        uploaded_by=office,
    )


@pytest.mark.parametrize("username", ["vpdp_thoxuan", "xa_xuantruong", "lanhdao_thoxuan", "superuser"])
def test_it_checks_the_role(client_for, users, record, username):
    user = users.get(username) or get_user_model().objects.create_superuser("superuser", "su@example.com", "x")
    client = client_for(user)
    for method, url in _urls(record):
        assert close_response(getattr(client, method)(url)) == 403, (username, method, url)
    assert ImportRecord.objects.get().status == ImportStatus.PREVIEWED


def test_it_checks_the_province(client_for, record):
    other = AdministrativeUnit.objects.create(code="01", name="Thành phố Hà Nội", level=UnitLevel.PROVINCE)
    client = client_for(make_member("vpdp_hanoi", Role.OFFICE, other))
    for method, url in _urls(record)[3:]:
        assert close_response(getattr(client, method)(url)) == 404, (method, url)
    assert client.get(reverse("office:import_list")).status_code == 200
    assert "don-vi.csv" not in client.get(reverse("office:import_list")).content.decode()


def test_the_reform_province_office_imports(client_for, demo_reform, users):
    office = get_user_model().objects.get(username="vpdp_thanhhoa")
    client = client_for(office)
    assert client.get(reverse("office:import_list")).status_code == 200
    rows = [UNIT_HEADER, ["99010", "Xã Sau Sáp Nhập", "commune", "38", "01/12/2026", "", ""]]
    upload(client, "units", csv_bytes(rows))
    record = latest()
    assert record.status == ImportStatus.PREVIEWED, record.errors
    client.post(reverse("office:import_apply", args=[record.pk]))
    assert AdministrativeUnit.objects.by_code("99010").parent.code == "38"


def test_the_upload_form_fits_a_phone(client_for, office):
    page = client_for(office).get(reverse("office:import_new", args=["criteria"])).content.decode()
    assert 'type="file"' in page and 'enctype="multipart/form-data"' in page
    file_input = page[page.index('type="file"') - 200 : page.index('type="file"') + 200]
    assert "form-control" in file_input
    assert 'placeholder="dd/mm/yyyy"' in page
    assert "<script>" not in page and "style=" not in page  # CSP: no inline scripts or styles


def test_the_commands_dry_run_changes_nothing(demo, capsys):
    before = world()
    call_command("import_units", _write(UNITS), dry_run=True)
    call_command("import_criteria", _write(CRITERIA), code=SET["code"], name=SET["name"], dry_run=True)
    output = capsys.readouterr().out
    assert "Dòng 2: Tạo mới 99001 – Xã Thử Nghiệm (xã/phường/thị trấn), thuộc 395" in output
    assert "Dòng 2: Thêm tiêu chí 1 – Quy hoạch" in output
    assert "Chạy thử, dữ liệu không thay đổi." in output
    assert world() == before


def test_a_stored_file_gone_from_the_storage_is_404_not_a_server_error(client_for, office):
    client = client_for(office)
    upload(client, "units", csv_bytes(UNITS), filename="don-vi.csv")
    record = latest()
    record.file.storage.delete(record.file.name)
    assert client.get(reverse("office:import_file", args=[record.pk])).status_code == 404
