"""Issue 14 (A): a commune is never judged against a zone picked for it silently."""

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory

from core.testing import csv_bytes
from criteria.models import Enrolment, Indicator, SetLevel
from criteria.services import CRITERIA_COLUMNS, criteria_set_import, enrolment_set

HEADER = list(CRITERIA_COLUMNS)
ZONED = [
    HEADER,
    ["13", "Y tế", "IV", "13.1", "Tỷ lệ tham gia BHYT", "percent_min", "%", "", "95", "", "Phòng Y tế"],
    ["13", "Y tế", "IV", "13.2", "Tỷ lệ hộ nghèo", "percent_max", "%", "", "2,5", "Vùng 1", "Phòng Y tế"],
    ["13", "Y tế", "IV", "13.2", "Tỷ lệ hộ nghèo", "percent_max", "%", "", "1,5", "Vùng 2", "Phòng Y tế"],
]
UNZONED = [HEADER, ZONED[1]]


@pytest.fixture
def zoned(db):
    return criteria_set_import(csv_bytes(ZONED), code="co-vung", name="Bộ có vùng")


@pytest.fixture
def unzoned(db):
    return criteria_set_import(csv_bytes(UNZONED), code="khong-vung", name="Bộ không vùng")


def enrol(commune, criteria_set, zone):
    return enrolment_set(
        commune=commune, criteria_set=criteria_set, target_level=SetLevel.ADVANCED, target_year=2025, zone=zone
    )


def test_enrolment_with_a_zone_the_set_does_not_define_is_refused(tree, zoned):
    with pytest.raises(ValidationError) as error:
        enrol(tree["a"], zoned, "Vùng 3")
    assert error.value.messages == ["Bộ tiêu chí “Bộ có vùng” không có vùng “Vùng 3”; các vùng hợp lệ: Vùng 1, Vùng 2."]
    assert not Enrolment.objects.exists()


def test_enrolment_without_a_zone_in_a_set_with_zone_thresholds_is_refused(tree, zoned):
    with pytest.raises(ValidationError) as error:
        enrol(tree["a"], zoned, "")
    assert error.value.messages == [
        "Bộ tiêu chí “Bộ có vùng” có chỉ tiêu riêng theo vùng; hãy chọn vùng của xã (Vùng 1, Vùng 2)."
    ]
    assert not Enrolment.objects.exists()


def test_a_zone_in_a_set_without_zones_is_refused(tree, unzoned):
    with pytest.raises(ValidationError) as error:
        enrol(tree["a"], unzoned, "Vùng 1")
    assert error.value.messages == ["Bộ tiêu chí “Bộ không vùng” không chia vùng; hãy để trống ô vùng."]


def test_valid_zones_are_enrolled(tree, zoned, unzoned):
    assert enrol(tree["a"], zoned, " Vùng 2 ").zone == "Vùng 2"
    assert enrol(tree["b"], unzoned, "").zone == ""


def test_model_clean_refuses_the_zone_so_the_admin_form_does(tree, zoned):
    form_class = modelform_factory(Enrolment, fields="__all__")
    data = {"commune": tree["a"].pk, "criteria_set": zoned.pk, "target_level": "advanced", "target_year": 2025}
    form = form_class({**data, "zone": "Vùng 3", "active": True})
    assert not form.is_valid()
    assert form.errors["zone"] == ["Bộ tiêu chí “Bộ có vùng” không có vùng “Vùng 3”; các vùng hợp lệ: Vùng 1, Vùng 2."]
    assert not form_class({**data, "zone": "", "active": True}).is_valid()
    assert form_class({**data, "zone": "Vùng 1", "active": True}).is_valid()


def test_target_for_an_unmatched_zone_is_none_not_another_zones_target(zoned):
    poverty = Indicator.objects.get(criteria_set=zoned, code="13.2")  # targets for Vùng 1 and Vùng 2 only
    assert poverty.target_for("Vùng 2").threshold == 1.5
    assert poverty.target_for("Vùng 3") is None
    assert poverty.target_for("") is None  # used to be Vùng 1's ≤ 2,5%, the first zone alphabetically
    assert Indicator.objects.get(criteria_set=zoned, code="13.1").target_for("Vùng 3").threshold == 95  # all zones
