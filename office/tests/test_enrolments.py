"""The office's enrolments page: the communes below the office with their set; a change previewed, then
applied through criteria.services.enrolment_set with its history."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from communes.models import AdministrativeUnit, Role, UnitLevel
from criteria.models import CriteriaSet, Enrolment
from criteria.reference import shipped_set_import
from criteria.selectors import enrolments_for
from ntm_portal.demo import (
    DEMO_SET_CODE,
    DISTRICT_CODE,
    REFORM_COMMUNES,
    REFORM_FIRST_MONTH,
    REFORM_SET_CODE,
    THO_XUAN_CODE,
    XUAN_TRUONG_CODE,
    make_member,
)
from office import enrolments
from office.forms_enrolments import MonthField
from reports.models import MonthlyReport

LIST = reverse("office:enrolment_list")
CHANGE = reverse("office:enrolment_change")
MAY_2021 = datetime.datetime(2021, 5, 10, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture
def in_2021():
    with time_machine.travel(MAY_2021, tick=False):
        yield


@pytest.fixture
def nhu_xuan(demo):
    """Another district with one commune and its own office (outside Thọ Xuân's office's reach)."""
    province = AdministrativeUnit.objects.get(code="38")
    district = AdministrativeUnit.objects.create(
        code="402", name="Huyện Như Xuân", level=UnitLevel.DISTRICT, parent=province
    )
    commune = AdministrativeUnit.objects.create(
        code="16174", name="Thị trấn Yên Cát", level=UnitLevel.COMMUNE, parent=district
    )
    return {"commune": commune, "office": make_member("vpdp_khac", Role.OFFICE, district)}


@pytest.fixture
def province_office(demo_reform):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="vpdp_thanhhoa")


def _tho_xuan():
    return AdministrativeUnit.objects.by_code(THO_XUAN_CODE)


def _change(commune, criteria_set, *, zone, year=2028, month="10/2026", **extra):
    return {
        "communes": [commune.pk],
        "criteria_set": criteria_set.pk,
        "zone": zone,
        "target_year": year,
        "starts_on": month,
        **extra,
    }


def _framework_2026():
    """The 2026–2030 national framework (from 15/02/2026, no zones): a set the new communes never had."""
    return shipped_set_import("qd51-2025-xa-ntm")


def _history_rows():
    return Enrolment.history.count()


# --- The list --------------------------------------------------------------------------------------


def test_the_district_office_sees_only_its_communes(in_2021, nhu_xuan, users):
    office = users["vpdp_thoxuan"]
    rows = enrolments.enrolment_rows(office, on_month=datetime.date(2021, 5, 1))
    district_communes = AdministrativeUnit.objects.filter(parent__code=DISTRICT_CODE, level=UnitLevel.COMMUNE)
    assert {r.commune.pk for r in rows} == set(district_communes.values_list("pk", flat=True))
    assert nhu_xuan["commune"].pk not in {r.commune.pk for r in rows}
    xuan_truong = next(r for r in rows if r.commune.code == XUAN_TRUONG_CODE)
    assert xuan_truong.enrolment.criteria_set.code == DEMO_SET_CODE
    assert (xuan_truong.enrolment.zone, xuan_truong.enrolment.target_year) == ("Vùng 2", 2021)
    # The other district's office sees its own commune only, not yet enrolled.
    theirs = enrolments.enrolment_rows(nhu_xuan["office"], on_month=datetime.date(2021, 5, 1))
    assert [(r.commune, r.enrolment) for r in theirs] == [(nhu_xuan["commune"], None)]


def test_the_list_page_filters(in_2021, users, client_for):
    client = client_for(users["vpdp_thoxuan"])
    page = client.get(LIST)
    assert page.status_code == 200
    assert page.context["month"] == datetime.date(2021, 5, 1)  # this month, in Asia/Ho_Chi_Minh
    html = page.content.decode()
    assert "Xã Xuân Trường" in html and 'form="enrolment-change"' in html
    found = client.get(LIST, {"q": "Xuân Trường"})
    assert [r.commune.code for r in found.context["rows"]] == [XUAN_TRUONG_CODE]
    none = client.get(LIST, {"criteria_set": enrolments.NOT_ENROLLED})
    assert all(r.enrolment is None for r in none.context["rows"])
    on_set = client.get(LIST, {"criteria_set": DEMO_SET_CODE, "month": "04/2021"})
    assert on_set.context["rows"] and all(
        r.enrolment.criteria_set.code == DEMO_SET_CODE for r in on_set.context["rows"]
    )


def test_the_province_office_sees_the_new_communes(province_office, client_for):
    rows = enrolments.enrolment_rows(province_office, on_month=datetime.date(2026, 12, 1))
    assert {r.commune.code for r in rows} == {code for code, _name, _old in REFORM_COMMUNES}
    for row in rows:
        assert row.enrolment.criteria_set.code == REFORM_SET_CODE
        assert (row.enrolment.zone, row.enrolment.starts_on) == ("Nhóm 2", REFORM_FIRST_MONTH)
    page = client_for(province_office).get(LIST)
    assert page.status_code == 200 and page.context["month"] == datetime.date(2026, 12, 1)
    assert "Xã Thọ Xuân" in page.content.decode()


def test_the_list_has_a_bounded_number_of_queries(province_office, client_for, django_assert_max_num_queries):
    client = client_for(province_office)
    client.get(LIST)  # warm caches (session, content types)
    with django_assert_max_num_queries(12):
        assert client.get(LIST, {"month": "03/2021"}).status_code == 200  # the 30 former units
    with django_assert_max_num_queries(12):
        assert client.get(LIST).status_code == 200


# --- Preview and apply -----------------------------------------------------------------------------


def test_the_preview_says_what_will_change_and_changes_nothing(province_office, client_for):
    framework = _framework_2026()
    before, history = list(Enrolment.objects.values_list("pk", "criteria_set", "zone", "starts_on")), _history_rows()
    page = client_for(province_office).post(CHANGE, _change(_tho_xuan(), framework, zone="", preview="1"))
    assert page.status_code == 200
    [line] = page.context["lines"]
    assert line.kind == enrolments.MOVE, line.text
    assert "Chuyển từ bộ" in line.text and "từ tháng 10/2026" in line.text and "các tháng trước giữ bộ" in line.text
    # The reports of 10/2026 and 11/2026 keep the reform set: said, not changed.
    assert any("Báo cáo tháng 10/2026" in w for w in line.warnings)
    assert any("Báo cáo tháng 11/2026" in w for w in line.warnings)
    assert "Xác nhận" in page.content.decode()
    assert list(Enrolment.objects.values_list("pk", "criteria_set", "zone", "starts_on")) == before
    assert _history_rows() == history


def test_confirm_moves_the_commune_and_records_the_office_in_the_history(province_office, client_for):
    framework = _framework_2026()
    commune = _tho_xuan()
    old = Enrolment.objects.get(commune=commune, criteria_set__code=REFORM_SET_CODE)
    reports = list(MonthlyReport.objects.filter(commune=commune).values_list("pk", "criteria_set", "zone"))
    response = client_for(province_office).post(CHANGE, _change(commune, framework, zone="", confirm="1"))
    assert response.status_code == 302 and response["Location"] == f"{LIST}?month=10%2F2026"
    new = Enrolment.objects.get(commune=commune, criteria_set=framework)
    assert (new.zone, new.target_year, new.starts_on) == ("", 2028, datetime.date(2026, 10, 1))
    assert new.target_level == framework.level
    old.refresh_from_db()
    assert old.starts_on == REFORM_FIRST_MONTH  # the months before keep the reform set
    assert enrolments_for([commune], datetime.date(2026, 9, 1), datetime.date(2026, 9, 30))[commune.pk] == old
    assert enrolments_for([commune], datetime.date(2026, 10, 1), datetime.date(2026, 10, 31))[commune.pk] == new
    assert list(MonthlyReport.objects.filter(commune=commune).values_list("pk", "criteria_set", "zone")) == reports
    record = new.history.latest()
    assert record.history_type == "+" and record.history_user == province_office


def test_the_service_records_the_user_outside_a_request(province_office):
    reform_set = CriteriaSet.objects.get(code=REFORM_SET_CODE)
    counts = enrolments.enrolment_change_apply(
        user=province_office,
        communes=[_tho_xuan()],
        criteria_set=reform_set,
        zone="Nhóm 1",
        target_year=2029,
        starts_on=datetime.date(2026, 12, 1),
    )
    assert counts == {"new": 0, "move": 0, "update": 1, "same": 0}
    record = Enrolment.objects.get(commune=_tho_xuan(), criteria_set=reform_set).history.latest()
    assert record.history_type == "~" and record.history_user == province_office


def test_the_same_set_keeps_its_first_month(province_office, client_for):
    reform_set = CriteriaSet.objects.get(code=REFORM_SET_CODE)
    client = client_for(province_office)
    data = _change(_tho_xuan(), reform_set, zone="Nhóm 1", year=2029, month="12/2026")
    [line] = client.post(CHANGE, {**data, "preview": "1"}).context["lines"]
    assert line.kind == enrolments.UPDATE
    assert "vùng Nhóm 2 → Nhóm 1" in line.text and "năm phấn đấu 2027 → 2029" in line.text
    assert "giữ tháng bắt đầu 02/2026" in line.text
    assert client.post(CHANGE, {**data, "confirm": "1"}).status_code == 302
    enrolment = Enrolment.objects.get(commune=_tho_xuan(), criteria_set=reform_set)
    assert (enrolment.zone, enrolment.target_year, enrolment.starts_on) == ("Nhóm 1", 2029, REFORM_FIRST_MONTH)
    # Nothing else to change: the preview says so.
    [again] = client.post(CHANGE, {**data, "preview": "1"}).context["lines"]
    assert again.kind == enrolments.SAME and again.text == "Không thay đổi."


def test_a_zone_the_set_does_not_define_is_refused(province_office, client_for):
    reform_set = CriteriaSet.objects.get(code=REFORM_SET_CODE)
    client = client_for(province_office)
    history = _history_rows()
    for data in (_change(_tho_xuan(), reform_set, zone="Vùng 9"), _change(_tho_xuan(), reform_set, zone="")):
        for button in ("preview", "confirm"):
            page = client.post(CHANGE, {**data, button: "1"})
            assert page.status_code == 400
            errors = page.context["form"].errors["zone"]
            assert errors and "Nhóm 1, Nhóm 2, Nhóm 3" in errors[0]
    assert (
        "không có vùng “Vùng 9”"
        in client.post(CHANGE, _change(_tho_xuan(), reform_set, zone="Vùng 9")).content.decode()
    )
    assert _history_rows() == history


def test_a_set_not_in_force_in_the_month_is_refused(province_office, client_for):
    old_set = shipped_set_import("qd318-2022-xa-ntm")  # 08/03/2022 – 14/02/2026, no zones
    page = client_for(province_office).post(
        CHANGE, _change(_tho_xuan(), old_set, zone="", month="03/2026", preview="1")
    )
    assert page.status_code == 400
    [error] = page.context["form"].errors["starts_on"]
    assert "chỉ áp dụng từ 08/03/2022 đến 14/02/2026" in error and "từ tháng 03/2026" in error
    assert not Enrolment.objects.filter(criteria_set=old_set).exists()


def test_a_set_the_commune_left_is_not_taken_again_from_another_month(province_office, client_for):
    # The merger carried the 2021 set over to the new commune from 07/2025; the reform set replaced it.
    demo_set = CriteriaSet.objects.get(code=DEMO_SET_CODE)
    page = client_for(province_office).post(CHANGE, _change(_tho_xuan(), demo_set, zone="Vùng 1", preview="1"))
    [line] = page.context["lines"]
    assert line.kind == enrolments.REFUSED and "từ tháng 07/2025" in line.text
    assert Enrolment.objects.get(commune=_tho_xuan(), criteria_set=demo_set).starts_on == datetime.date(2025, 7, 1)


def test_a_second_enrolment_starting_the_same_month_is_refused(province_office, client_for):
    framework = _framework_2026()
    client = client_for(province_office)
    data = _change(_tho_xuan(), framework, zone="", month="02/2026")
    page = client.post(CHANGE, {**data, "preview": "1"})
    [line] = page.context["lines"]
    assert line.kind == enrolments.REFUSED and "bắt đầu đúng tháng 02/2026" in line.text
    assert not page.context["can_confirm"] and 'name="confirm"' not in page.content.decode()
    refused = client.post(CHANGE, {**data, "confirm": "1"})
    assert refused.status_code == 400 and "Không áp dụng được cho 1 xã" in refused.content.decode()
    assert not Enrolment.objects.filter(criteria_set=framework, commune=_tho_xuan()).exists()


def test_new_enrolment_in_2021(in_2021, nhu_xuan, client_for):
    demo_set = CriteriaSet.objects.get(code=DEMO_SET_CODE)
    client = client_for(nhu_xuan["office"])
    data = _change(nhu_xuan["commune"], demo_set, zone="Vùng 2", year=2023, month="06/2021")
    [line] = client.post(CHANGE, {**data, "preview": "1"}).context["lines"]
    assert line.kind == enrolments.NEW and line.text.startswith("Đăng ký mới")
    assert client.post(CHANGE, {**data, "confirm": "1"}).status_code == 302
    enrolment = Enrolment.objects.get(commune=nhu_xuan["commune"])
    assert (enrolment.starts_on, enrolment.history.latest().history_user) == (
        datetime.date(2021, 6, 1),
        nhu_xuan["office"],
    )


# --- Who may ---------------------------------------------------------------------------------------


def test_a_commune_outside_the_office_is_a_404(in_2021, nhu_xuan, users, client_for):
    demo_set = CriteriaSet.objects.get(code=DEMO_SET_CODE)
    client = client_for(users["vpdp_thoxuan"])
    xuan_truong = AdministrativeUnit.objects.get(code=XUAN_TRUONG_CODE)
    for button in ("preview", "confirm"):
        data = _change(nhu_xuan["commune"], demo_set, zone="Vùng 2", month="06/2021")
        data["communes"] = [xuan_truong.pk, nhu_xuan["commune"].pk]
        assert client.post(CHANGE, {**data, button: "1"}).status_code == 404
    assert not Enrolment.objects.filter(commune=nhu_xuan["commune"]).exists()


def test_it_checks_the_role(in_2021, users, client_for):
    demo_set = CriteriaSet.objects.get(code=DEMO_SET_CODE)
    xuan_truong = AdministrativeUnit.objects.get(code=XUAN_TRUONG_CODE)
    for username in ("xa_xuantruong", "totrt_thoxuan", "phong_ythoxuan", "lanhdao_thoxuan"):
        client = client_for(users[username])
        assert client.get(LIST).status_code == 403
        data = _change(xuan_truong, demo_set, zone="Vùng 2", month="06/2021", confirm="1")
        assert client.post(CHANGE, data).status_code == 403
    assert client.get(CHANGE).status_code == 405


def test_an_ended_office_membership_acts_on_nothing(province_office, users, client_for):
    assert client_for(users["vpdp_thoxuan"]).get(LIST).status_code == 403  # the district ended on 30/06/2025


def test_an_empty_post_gets_the_form_back(in_2021, users, client_for):
    page = client_for(users["vpdp_thoxuan"]).post(CHANGE, {})
    assert page.status_code == 400
    form = page.context["form"]
    assert {"communes", "criteria_set", "target_year", "starts_on"} <= set(form.errors)
    assert "Chọn ít nhất một xã trong bảng." in page.content.decode()


@pytest.mark.parametrize(
    ("typed", "month"),
    [
        ("02/2026", datetime.date(2026, 2, 1)),
        ("2/2026", datetime.date(2026, 2, 1)),
        ("2026-11", datetime.date(2026, 11, 1)),
    ],
)
def test_a_month_is_typed_as_mm_yyyy(typed, month):
    assert MonthField().clean(typed) == month


@pytest.mark.parametrize("typed", ["13/2026", "2026", "1/1/2026"])
def test_a_bad_month_is_refused(typed):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="MM/YYYY"):
        MonthField().clean(typed)


def test_the_list_is_paged_and_the_pages_keep_the_filters(in_2021, users, client_for, monkeypatch):
    from office import views_enrolments

    monkeypatch.setattr(views_enrolments, "ROWS_PER_PAGE", 10)
    client = client_for(users["vpdp_thoxuan"])
    first = client.get(LIST, {"month": "04/2021"})
    total = len(first.context["rows"])
    assert total > 20 and len(first.context["page"]) == 10
    html = first.content.decode()
    assert "month=04%2F2021&amp;page=2" in html
    second = client.get(LIST, {"month": "04/2021", "page": "2"})
    shown = {r.commune.pk for r in first.context["page"]} | {r.commune.pk for r in second.context["page"]}
    assert len(shown) == 20
