"""The demo story (Thọ Xuân district, Thanh Hóa, spring 2021) and the helpers tests share with it.

`seed_demo` calls `seed()`; tests call the `make_*` helpers to build the same kind of data.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from communes.models import AdministrativeUnit, Role
from communes.services import membership_grant
from criteria.models import CriteriaSet, SetLevel
from criteria.services import enrolment_set

DEMO_PASSWORD = "ntm-demo-2021"
DISTRICT_CODE = "395"  # Huyện Thọ Xuân
XUAN_TRUONG_CODE = "15514"
XUAN_HOA_CODE = "15517"
DEMO_SET_CODE = "minh-hoa-nang-cao-15-41"
# Communes of Thọ Xuân placed in the disadvantaged zone of the illustrative set (invented for the demo).
ZONE_1_CODES = {"15502", "15508", "15541", "15568"}


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    unit_code: str
    position: str
    department: str = ""


DEMO_USERS = [
    DemoUser("vpdp_thoxuan", "Hà", "Nguyễn Thị", Role.OFFICE, DISTRICT_CODE, "Chánh Văn phòng Điều phối NTM huyện"),
    DemoUser("xa_xuantruong", "Thành", "Lê Văn", Role.COMMUNE_OFFICIAL, XUAN_TRUONG_CODE, "Phó Chủ tịch UBND xã"),
    DemoUser(
        "xa_xuanhoa", "Lan", "Trịnh Thị", Role.COMMUNE_OFFICIAL, XUAN_HOA_CODE, "Công chức Địa chính - Xây dựng xã"
    ),
    DemoUser("totrt_thoxuan", "Đức", "Phạm Văn", Role.INSPECTOR, DISTRICT_CODE, "Tổ trưởng Tổ công tác số 1"),
    DemoUser("lanhdao_thoxuan", "Minh", "Hoàng Văn", Role.LEADER, DISTRICT_CODE, "Phó Chủ tịch UBND huyện"),
    DemoUser("phong_ythoxuan", "Mai", "Đỗ Thị", Role.DEPARTMENT, DISTRICT_CODE, "Trưởng phòng Y tế", "Phòng Y tế"),
]


def make_user(username, *, password=DEMO_PASSWORD, first_name="", last_name="", email=None):
    """Create or refresh a user (idempotent)."""
    user, _created = get_user_model().objects.get_or_create(username=username)
    user.first_name, user.last_name = first_name, last_name
    user.email = email if email is not None else f"{username}@ntm-thoxuan.example"
    user.set_password(password)
    user.save()
    return user


def make_member(username, role, unit, *, department="", position="", **user_fields):
    user = make_user(username, **user_fields)
    membership_grant(user=user, unit=unit, role=role, department=department, position=position)
    return user


def seed_users():
    units = {u.code: u for u in AdministrativeUnit.objects.filter(code__in={d.unit_code for d in DEMO_USERS})}
    for demo in DEMO_USERS:
        make_member(
            demo.username,
            demo.role,
            units[demo.unit_code],
            department=demo.department,
            position=demo.position,
            first_name=demo.first_name,
            last_name=demo.last_name,
        )


def seed_enrolments():
    district = AdministrativeUnit.objects.get(code=DISTRICT_CODE)
    if district.abbreviation != "VPĐP":
        district.abbreviation = "VPĐP"
        district.save(update_fields=["abbreviation"])
    criteria_set = CriteriaSet.objects.get(code=DEMO_SET_CODE)
    for commune in AdministrativeUnit.objects.filter(parent=district, name__startswith="Xã "):
        enrolment_set(
            commune=commune,
            criteria_set=criteria_set,
            target_level=SetLevel.ADVANCED,
            target_year=2021 if commune.code == XUAN_TRUONG_CODE else 2022,
            zone="Vùng 1" if commune.code in ZONE_1_CODES else "Vùng 2",
        )


def seed():
    with transaction.atomic():
        seed_users()
        seed_enrolments()
    return DEMO_USERS
