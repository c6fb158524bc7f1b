"""The demo story (Thọ Xuân district, Thanh Hóa, spring 2021), its sequel after the 2025 reform (the
district's communes merged into a few communes under the province, reporting on the 2026–2030 set from
02/2026) and the helpers tests share with them.

`seed_demo` calls `seed()`; tests call the `make_*` helpers to build the same kind of data.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from communes.models import AdministrativeUnit, Membership, Role
from communes.services import membership_end, membership_grant
from core.db import model_update
from criteria.models import CriteriaSet, Enrolment, SetLevel
from criteria.services import enrolment_set
from inspections.models import ActionItem, ActionSource, ActionStatus, Assessment, Inspection
from inspections.services import action_create, action_from_finding, finding_add, inspection_create, visit_add
from meetings import services as meetings
from meetings.models import Meeting
from ntm_portal.mergers import units_merge
from office.models import AccountChange, ChangeKind
from reports import services
from reports.models import IndicatorStatus, MonthlyReport
from reports.selectors import report_statuses

DEMO_PASSWORD = "ntm-demo-2021"
DISTRICT_CODE = "395"  # Huyện Thọ Xuân
XUAN_TRUONG_CODE = "15514"
XUAN_HOA_CODE = "15517"
DEMO_SET_CODE = "minh-hoa-nang-cao-15-41"
# The demo's story is set in 2021: its units are the versions in force then (before the 2025 reform).
STORY_DAY = datetime.date(2021, 1, 1)
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
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    return user


def make_member(username, role, unit, *, department="", position="", **user_fields):
    user = make_user(username, **user_fields)
    membership_grant(user=user, unit=unit, role=role, department=department, position=position)
    return user


def seed_users():
    units = {
        u.code: u
        for u in AdministrativeUnit.objects.valid_on(STORY_DAY).filter(code__in={d.unit_code for d in DEMO_USERS})
    }
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
    district = AdministrativeUnit.objects.by_code(DISTRICT_CODE, on=STORY_DAY)
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


def seed(*, reports=True, reform=True):
    """The 2021 story; with `reform`, its sequel after 1/7/2025 (needs the 2026–2030 illustrative set)."""
    with transaction.atomic():
        seed_users()
        seed_enrolments()
    if reports:
        seed_reports()
        seed_inspection()
        seed_meeting()
    if not reform:
        return DEMO_USERS
    seed_reform(reports=reports)
    return DEMO_USERS + REFORM_USERS


# --- Monthly reports, January to April 2021 ----------------------------------------------------

# (criteria met, sub-criteria met) per month for Xuân Trường: 9/15 and 25/41 in March and April 2021.
XUAN_TRUONG_PROGRESS = {1: (7, 21), 2: (8, 23), 3: (9, 25), 4: (9, 25)}
# Each month's report is opened and drafted on the 10th, before any submission (the 15th at the earliest).
OPENED_DAY = 10
OWNERS = [
    "Lê Văn Thành, Phó Chủ tịch UBND xã",
    "Nguyễn Văn Bình, công chức Địa chính - Xây dựng",
    "Trần Thị Hương, công chức Văn hóa - Xã hội",
    "Phạm Văn Toàn, Chủ tịch Hội Nông dân xã",
]
RETURN_REASON = (
    "Tiêu chí 13 (Y tế): tỷ lệ tham gia BHYT chưa khớp số liệu của BHXH huyện; "
    "đề nghị xã rà soát, bổ sung minh chứng rồi gửi lại."
)


def _met_indicator_ids(criteria, order, n_criteria, n_indicators):
    """Indicators met so that exactly `n_criteria` criteria are fully met and `n_indicators` in all.

    `criteria`: {criterion id: [indicator ids]}; `order`: criterion ids, the first ones get met first,
    so progress only grows as the numbers grow.
    """
    met_criteria = order[:n_criteria]
    met = [i for c in met_criteria for i in criteria[c]]
    partial = [i for c in order[n_criteria:] for i in criteria[c][:-1]]  # each keeps one not met
    extra = max(0, min(n_indicators - len(met), len(partial)))
    return set(met + partial[:extra])


def _answer(status, met, rng, year=2021):
    """Values that make the sub-criterion met or not against its target, as a commune would type them."""
    indicator, target = status.indicator, status.target
    answer = {
        "value": None,
        "declared_met": None,
        "text_value": "",
        "note": "",
        "responsible_person": "",
        "planned_date": None,
    }
    if indicator.has_threshold:
        threshold = target.threshold
        upward = indicator.kind in ("number_min", "percent_min")
        if met:
            value = threshold + (Decimal(rng.randint(0, 4)) if upward else -min(threshold, Decimal(rng.randint(0, 1))))
        else:
            value = (threshold * Decimal("0.85")).quantize(Decimal("0.1")) if upward else threshold + 1 + threshold / 2
        if indicator.kind in ("percent_min", "percent_max"):
            value = min(Decimal(100), max(Decimal(0), value))
        answer["value"] = value.quantize(Decimal("0.01"))
    else:
        answer["declared_met"] = met
        if indicator.kind == "text":
            answer["text_value"] = "Đã triển khai theo kế hoạch." if met else "Đang triển khai, chưa hoàn thành."
    if not met:
        answer["responsible_person"] = rng.choice(OWNERS)
        answer["planned_date"] = datetime.date(year, rng.choice([6, 9, 12]), 30)
        answer["note"] = "Đã có kế hoạch khắc phục, đang huy động nguồn lực."
    return answer


def _local(year, month, day, hour=9):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, 0))


def _story_plan(commune, rng, criteria_count, indicator_count):
    """(criteria met, sub-criteria met, submit day or None, review) per month for one commune."""
    if commune.code == XUAN_TRUONG_CODE:
        days = {1: 20, 2: 22, 3: 24, 4: 20}
        return {m: (*XUAN_TRUONG_PROGRESS[m], days[m], "accept" if m < 4 else None) for m in range(1, 5)}
    c, i = rng.randint(4, 9), 0
    plan = {}
    for month in range(1, 5):
        c = min(criteria_count, c + (rng.choice([0, 1, 1]) if month > 1 else 0))
        i = min(indicator_count, max(i + rng.randint(0, 2), 2 * c + 8 + month))
        day = rng.choice([15, 18, 20, 22, 24, 24, 25, 27])  # a few submit after the 25th
        review = "accept" if month < 4 else rng.choice([None, "accept"])
        if month == 4 and rng.random() < 0.2:
            day, review = None, None  # still a draft, or not started: the office sees who is missing
        plan[month] = (c, i, day, review)
    if commune.code == XUAN_HOA_CODE:
        plan[4] = (plan[4][0], plan[4][1], 23, "return")
    return plan


def seed_reports(commune_codes=None):
    """January–April 2021 reports of Thọ Xuân's enrolled communes (or of `commune_codes` only);
    skips what already exists."""
    import random

    User = get_user_model()
    official = User.objects.get(username="xa_xuantruong")
    office = User.objects.get(username="vpdp_thoxuan")
    enrolments = Enrolment.objects.filter(
        commune__parent__code=DISTRICT_CODE, criteria_set__code=DEMO_SET_CODE
    ).select_related("commune", "criteria_set")
    if commune_codes is not None:
        enrolments = enrolments.filter(commune__code__in=commune_codes)
    for enrolment in enrolments.order_by("commune__code"):
        commune = enrolment.commune
        if MonthlyReport.objects.filter(commune=commune, period__year=2021).exists():
            continue
        rng = random.Random(int(commune.code))
        criteria = {}
        for indicator in enrolment.criteria_set.indicators.order_by("criterion__number", "position"):
            criteria.setdefault(indicator.criterion_id, []).append(indicator.pk)
        order = sorted(criteria, key=lambda c: (len(criteria[c]), rng.random()))
        submitter = (
            official
            if commune.code == XUAN_TRUONG_CODE
            else make_member(
                f"demo_xa_{commune.code}",
                Role.COMMUNE_OFFICIAL,
                commune,
                password=None,
                email="",
                first_name="",
                last_name=f"Cán bộ {commune.name}",
            )
        )
        plan = _story_plan(commune, rng, len(criteria), sum(len(v) for v in criteria.values()))
        for month, (n_criteria, n_indicators, day, review) in plan.items():
            if day is None and rng.random() < 0.5:
                continue  # not started at all
            met_ids = _met_indicator_ids(criteria, order, n_criteria, n_indicators)
            _seed_report(commune, 2021, month, met_ids, (day, review), submitter, office, rng, RETURN_REASON)
    seed_action_plan(official)


def _seed_report(commune, year, month, met_ids, plan, submitter, office, rng, reason):
    """One monthly report as the commune fills it: opened on the 10th, submitted on `plan`'s day (None: a
    draft), then accepted, returned with `reason`, or left for review (`plan`'s review: None)."""
    day, review = plan
    with transaction.atomic():
        report = services.report_open(commune=commune, period=services.period_for(year, month))
        statuses = report_statuses(report)
        answers = {s.pk: _answer(s, s.indicator_id in met_ids, rng, year) for s in statuses}
        services.report_save(report=report, user=submitter, answers=answers, expected_version=report.version)
        # The services stamp the seeding time; the story happens earlier (see _date_history).
        opened = _local(year, month, OPENED_DAY, 8)
        mark = _date_history(report, (0, 0), opened)
        last = opened
        if day is not None:
            last = _local(year, month, day, 16)
            report = services.report_submit(report=report, user=submitter, now=last)
            mark = _date_history(report, mark, last)
            reviewed = _local(year, month, min(day + 2, 28), 10)
            if review == "accept":
                services.report_accept(report=report, user=office, comment="", now=reviewed)
            elif review == "return":
                services.report_return(report=report, user=office, reason=reason, now=reviewed)
            if review is not None:
                last = reviewed
                _date_history(report, mark, reviewed)
        MonthlyReport.objects.filter(pk=report.pk).update(created_at=opened, updated_at=last)


def _date_history(report, since, when):
    """Date at `when` the history rows written for `report` after `since` (the last history ids of the
    report and of its statuses); return the new last ids.

    The services record the time they run at (history, `created_at`): seeded in 2026, a report of
    April 2021 would read "Lập báo cáo" in 2026, after its 2021 submission."""
    from django.db.models import Max

    report_rows = MonthlyReport.history.filter(id=report.pk, history_id__gt=since[0])
    status_rows = IndicatorStatus.history.filter(report_id=report.pk, history_id__gt=since[1])
    marks = (
        report_rows.aggregate(last=Max("history_id"))["last"] or since[0],
        status_rows.aggregate(last=Max("history_id"))["last"] or since[1],
    )
    report_rows.update(history_date=when)
    status_rows.update(history_date=when)
    return marks


def seed_action_plan(official):
    """The commune's own tasks: one for each criterion not met that the inspection of 14/04/2021 leaves
    without a follow-up (criteria 5 and 6 get theirs from its findings), none repeating a finding's or
    a directive's task."""

    commune = AdministrativeUnit.objects.by_code(XUAN_TRUONG_CODE, on=STORY_DAY)
    if ActionItem.objects.filter(commune=commune, source=ActionSource.PLAN).exists():
        return
    criteria = {c.number: c for c in CriteriaSet.objects.get(code=DEMO_SET_CODE).criteria.all()}
    tasks = [
        (
            13,
            "Vận động người dân tham gia BHYT hộ gia đình, đạt tỷ lệ ≥ 95%",
            "Trần Thị Hương",
            "Công chức Văn hóa - Xã hội",
            "Trạm Y tế xã",
            datetime.date(2021, 6, 30),
            ActionStatus.IN_PROGRESS,
        ),
        (
            14,
            "Xây dựng mô hình thu gom, phân loại rác thải tại nguồn ở 5 thôn",
            "Nguyễn Văn Bình",
            "Công chức Địa chính - Xây dựng",
            "UBND xã",
            datetime.date(2021, 9, 30),
            ActionStatus.OPEN,
        ),
        (
            8,
            "Triển khai phần mềm quản lý văn bản, chữ ký số và trang thông tin điện tử của xã",
            "Trần Thị Hương",
            "Công chức Văn hóa - Xã hội",
            "Phòng Văn hóa và Thông tin",
            datetime.date(2021, 10, 31),
            ActionStatus.OPEN,
        ),
        (
            15,
            "Hoàn thiện hồ sơ đánh giá xã đạt chuẩn tiếp cận pháp luật (≥ 85 điểm)",
            "Lê Văn Thành",
            "Phó Chủ tịch UBND xã",
            "Công chức Tư pháp - Hộ tịch",
            datetime.date(2021, 11, 30),
            ActionStatus.OPEN,
        ),
        (
            2,
            "Cứng hóa 1,2 km đường trục thôn 5",
            "Lê Văn Thành",
            "Phó Chủ tịch UBND xã",
            "Phòng Kinh tế - Hạ tầng",
            datetime.date(2021, 12, 31),
            ActionStatus.DONE,
        ),
    ]
    for number, title, name, position, department, due, status in tasks:
        action_create(
            commune=commune,
            created_by=official,
            source=ActionSource.PLAN,
            criterion=criteria[number],
            title=title,
            owner_name=name,
            owner_position=position,
            owner_department=department,
            due_date=due,
            status=status,
        )


# --- The inspection of 14/04/2021 ---------------------------------------------------------------

VISITS = [
    ("school", "Trường THCS Xuân Trường", "Thôn 2"),
    ("cultural_house", "Nhà văn hóa thôn 3", "Thôn 3"),
    ("health_station", "Trạm Y tế xã Xuân Trường", "Thôn 1"),
    ("sanitation", "Điểm tập kết rác thải thôn 5", "Thôn 5"),
    ("garden", "Mô hình vườn hộ ông Lê Văn Hòa", "Thôn 4"),
]


def demo_photo(text, colour):
    """A small JPEG standing in for a field photo (the demo ships no real photographs)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 600), colour)
    ImageDraw.Draw(image).text((40, 280), text, fill="white")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return SimpleUploadedFile("anh-hien-truong.jpg", buffer.getvalue(), content_type="image/jpeg")


def seed_inspection():
    """Working group no. 1 inspects Xuân Trường on 14/04/2021: five sites, findings, follow-ups."""

    commune = AdministrativeUnit.objects.by_code(XUAN_TRUONG_CODE, on=STORY_DAY)
    if Inspection.objects.filter(commune=commune, date=datetime.date(2021, 4, 14)).exists():
        return
    User = get_user_model()
    leader, office, official = (
        User.objects.get(username=u) for u in ("totrt_thoxuan", "vpdp_thoxuan", "xa_xuantruong")
    )
    health = User.objects.get(username="phong_ythoxuan")
    indicators = {i.code: i for i in CriteriaSet.objects.get(code=DEMO_SET_CODE).indicators.select_related("criterion")}
    march = {
        s.indicator.code: s.met
        for s in IndicatorStatus.objects.filter(
            report__commune=commune, report__period__year=2021, report__period__month=3
        ).select_related("indicator")
    }
    # A school sub-criterion the commune declared met, where the team found a shortcoming: "disputed".
    school_met = next((code for code in sorted(march) if code.startswith("5.") and march[code]), "5.1")
    inspection = inspection_create(
        commune=commune,
        date=datetime.date(2021, 4, 14),
        team_name="Tổ công tác số 1 huyện Thọ Xuân",
        leader=leader,
        members=[office, health],
        purpose="Kiểm tra tiến độ xây dựng xã NTM nâng cao: trường học, nhà văn hóa thôn, trạm y tế, "
        "vệ sinh môi trường, mô hình vườn hộ.",
        created_by=leader,
    )
    findings = {
        "school": (
            school_met,
            Assessment.SHORTCOMING,
            "Nhà vệ sinh học sinh xuống cấp; thiếu phòng học bộ môn theo chuẩn.",
            "Lập dự toán cải tạo nhà vệ sinh, bổ sung phòng bộ môn trong năm học 2021-2022.",
        ),
        "cultural_house": (
            "6.1",
            Assessment.SHORTCOMING,
            "Nhà văn hóa thôn 3 thiếu trang thiết bị, sân chưa lát.",
            "Huy động xã hội hóa mua sắm thiết bị, lát sân trước quý III/2021.",
        ),
        # The commune's plan already has "mobilise households to join BHYT" (13) and "sort waste at
        # source in the 5 villages" (14): the team's follow-ups are the distinct tasks it found.
        "health_station": (
            "13.1",
            Assessment.SHORTCOMING,
            "Tỷ lệ tham gia BHYT mới đạt khoảng 88%.",
            "Phối hợp BHXH huyện rà soát, đối chiếu danh sách người chưa tham gia BHYT theo từng thôn.",
        ),
        "sanitation": (
            "14.2",  # solid household waste sorted, collected and treated
            Assessment.SERIOUS,
            "Rác thải tồn đọng tại điểm tập kết thôn 5, chưa phân loại.",
            "Thu gom, xử lý dứt điểm rác thải tồn đọng tại điểm tập kết thôn 5.",
        ),
        # public green space in residential areas: the set's landscape sub-criterion
        "garden": ("14.3", Assessment.MEETS, "", "Nhân rộng mô hình vườn mẫu ra các thôn."),
    }
    for (site_type, name, village), colour in zip(
        VISITS, ["#2e7d32", "#6d4c41", "#1565c0", "#795548", "#558b2f"], strict=True
    ):
        visit = visit_add(
            inspection=inspection,
            site_type=site_type,
            name=name,
            village=village,
            latitude=Decimal("19.925100"),
            longitude=Decimal("105.462600"),
        )
        code, assessment, shortcoming, recommendation = findings[site_type]
        finding = finding_add(
            visit=visit,
            indicator=indicators[code],
            assessment=assessment,
            shortcoming=shortcoming,
            recommendation=recommendation,
            photos=[demo_photo(name, colour)],
            user=leader,
        )
        if assessment != Assessment.MEETS:
            action_from_finding(
                finding=finding,
                created_by=leader,
                title=recommendation,
                owner_user=official,
                owner_name="Lê Văn Thành",
                owner_position="Phó Chủ tịch UBND xã",
                owner_department="UBND xã",
                due_date=datetime.date(2021, 9, 30),
            )


# --- The working session of the afternoon of 14/04/2021 -----------------------------------------

COMMUNE_BOARD = [
    "Ông Lê Văn Thành - Phó Chủ tịch UBND xã, Phó Trưởng Ban quản lý xây dựng NTM xã Xuân Trường",
    "Bà Trần Thị Hương - Công chức Văn hóa - Xã hội, thành viên Ban quản lý NTM xã",
    "Ông Nguyễn Văn Bình - Công chức Địa chính - Xây dựng, thành viên Ban quản lý NTM xã",
    "Trưởng các thôn 1, 2, 3, 4, 5",
]
REMARKS = [
    (
        "Phạm Văn Đức, Tổ trưởng Tổ công tác số 1",
        5,
        "Trường THCS còn thiếu phòng học bộ môn; nhà vệ sinh học sinh xuống cấp.",
    ),
    ("Đỗ Thị Mai, Trưởng phòng Y tế", 13, "Tỷ lệ tham gia BHYT mới đạt khoảng 88%, cần vận động hộ gia đình tham gia."),
    (
        "Nguyễn Thị Hà, Chánh Văn phòng Điều phối NTM",
        14,
        "Rác thải tồn đọng tại điểm tập kết thôn 5; chưa phân loại tại nguồn.",
    ),
]
CONCLUSIONS = (
    "Ghi nhận xã Xuân Trường đã đạt 9/15 tiêu chí, 25/41 tiểu tiêu chí xã NTM nâng cao. Để về đích đúng hạn, "
    "đề nghị xã:\n"
    "1. Xây dựng lộ trình cụ thể cho từng tiêu chí chưa đạt, rõ người, rõ việc, rõ thời gian hoàn thành.\n"
    "2. Phân công nhiệm vụ cho từng thành viên Ban quản lý NTM xã; phối hợp với các phòng, ngành huyện về nguồn lực.\n"
    "3. Báo cáo tiến độ về huyện (qua Văn phòng Điều phối NTM) trước ngày 25 hằng tháng."
)
# The chair's directives are the conclusions above. BHYT and waste are not repeated here: each dated
# directive opens a task, and those tasks already exist (the commune's plan, the inspection's follow-ups).
DIRECTIVES = [
    (
        "Xây dựng lộ trình thực hiện từng tiêu chí chưa đạt, gửi Văn phòng Điều phối NTM huyện",
        "UBND xã Xuân Trường",
        datetime.date(2021, 4, 30),
    ),
    (
        "Phân công nhiệm vụ cho từng thành viên Ban quản lý NTM xã; thống nhất nguồn lực với các phòng, ngành huyện",
        "UBND xã Xuân Trường",
        datetime.date(2021, 5, 15),
    ),
    ("Báo cáo tiến độ về huyện qua Văn phòng Điều phối NTM trước ngày 25 hằng tháng", "UBND xã Xuân Trường", None),
]


def seed_meeting():

    commune = AdministrativeUnit.objects.by_code(XUAN_TRUONG_CODE, on=STORY_DAY)
    if Meeting.objects.filter(commune=commune, year=2021).exists():
        return
    User = get_user_model()
    chair, secretary, inspector, health = (
        User.objects.get(username=u) for u in ("lanhdao_thoxuan", "vpdp_thoxuan", "totrt_thoxuan", "phong_ythoxuan")
    )
    criteria = {c.number: c for c in CriteriaSet.objects.get(code=DEMO_SET_CODE).criteria.all()}
    meeting = meetings.meeting_create(
        commune=commune,
        issuing_unit=AdministrativeUnit.objects.by_code(DISTRICT_CODE, on=STORY_DAY),
        inspection=Inspection.objects.filter(commune=commune, date=datetime.date(2021, 4, 14)).first(),
        created_by=secretary,
        subject="Làm việc với xã Xuân Trường về tiến độ xây dựng xã nông thôn mới nâng cao",
        place="Hội trường UBND xã Xuân Trường",
        started_at=_local(2021, 4, 14, 14),
        ended_at=_local(2021, 4, 14, 16) + datetime.timedelta(minutes=30),
        chair=chair,
        chair_position="Phó Chủ tịch UBND huyện Thọ Xuân",
        secretary=secretary,
        secretary_position="Chánh Văn phòng Điều phối NTM huyện",
        attendees=[inspector, health],
        guests="\n".join(COMMUNE_BOARD),
        conclusions=CONCLUSIONS,
        recipients="Thường trực Huyện ủy, HĐND, UBND huyện (b/c)\nUBND xã Xuân Trường\nThành viên Tổ công tác số 1",
    )
    for speaker, number, text in REMARKS:
        meetings.remark_add(meeting=meeting, speaker=speaker, criterion=criteria[number], text=text)
    for text, owner, due in DIRECTIVES:
        meetings.directive_add(meeting=meeting, text=text, owner=owner, due_date=due, created_by=secretary)


# --- After the reform: Thanh Hóa's communes under the province, 2026 --------------------------------

PROVINCE_CODE = "38"
REFORM_DAY = datetime.date(2025, 7, 1)  # two-tier local government (Luật 72/2025/QH15)
DISTRICT_LAST_DAY = REFORM_DAY - datetime.timedelta(days=1)
REFORM_SET_CODE = "minh-hoa-qd51-10-47"
REFORM_ZONE = "Nhóm 2"
REFORM_FIRST_MONTH = datetime.date(2026, 2, 1)
THO_XUAN_CODE = "15499"  # the new Xã Thọ Xuân reuses the code of the former Thị trấn Thọ Xuân
# Illustrative grouping, invented for the demo (not the list of NQ 1686/NQ-UBTVQH15): each new commune
# takes the code of one of the units merged into it; all 30 units of Thọ Xuân district are merged.
REFORM_COMMUNES = [
    (THO_XUAN_CODE, "Xã Thọ Xuân", ["15499", "15493", XUAN_TRUONG_CODE]),
    ("15556", "Xã Lam Sơn", ["15556", "15553", "15547", "15550", "15559", "15565"]),
    ("15526", "Xã Xuân Giang", ["15526", "15502", "15505", "15508", "15511", XUAN_HOA_CODE, "15520", "15523"]),
    ("15532", "Xã Xuân Sinh", ["15532", "15535", "15538", "15541", "15544", "15568"]),
    ("15574", "Xã Xuân Tín", ["15574", "15571", "15577", "15583", "15586", "15592", "15598"]),
]
REFORM_USERS = [
    DemoUser("vpdp_thanhhoa", "Tuấn", "Lê Anh", Role.OFFICE, PROVINCE_CODE, "Chánh Văn phòng Điều phối NTM tỉnh"),
    DemoUser("xa_thoxuan", "Hằng", "Nguyễn Thu", Role.COMMUNE_OFFICIAL, THO_XUAN_CODE, "Phó Chủ tịch UBND xã"),
]
REFORM_RETURN_REASON = (
    "Tiêu chí 4 (Y tế): số liệu tỷ lệ tham gia BHYT chưa khớp số liệu của BHXH tỉnh; "
    "đề nghị xã đối chiếu, bổ sung minh chứng rồi gửi lại."
)
REFORM_RETURNED = "15526"  # Xã Xuân Giang's last report is returned
REFORM_LATE = ("15556", 3)  # Xã Lam Sơn submits its third report late


def reform_months(today=None):
    """(year, month) from 02/2026 up to the month before `today` (default: today)."""
    today = today or timezone.localdate()
    months, day = [], REFORM_FIRST_MONTH
    while day < today.replace(day=1):
        months.append((day.year, day.month))
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return months


def seed_reform(*, reports=True):
    """1/7/2025: Thọ Xuân's units merge into REFORM_COMMUNES under the province; the district ends the day
    before, with its people's memberships (they keep reading 2021, read-only). The province office
    coordinates the new communes, enrolled in the 2026–2030 illustrative set from 02/2026. Idempotent."""
    with transaction.atomic():
        province = AdministrativeUnit.objects.by_code(PROVINCE_CODE)
        for code, name, old in REFORM_COMMUNES:
            units_merge(into_code=code, name=name, from_codes=old, on=REFORM_DAY, parent_code=PROVINCE_CODE)
        district = AdministrativeUnit.objects.by_code(DISTRICT_CODE, on=STORY_DAY)
        model_update(instance=district, fields=["valid_until"], data={"valid_until": DISTRICT_LAST_DAY})
        for membership in Membership.objects.filter(unit=district):
            membership_end(membership=membership, on=DISTRICT_LAST_DAY)
        for demo in REFORM_USERS:
            unit = AdministrativeUnit.objects.by_code(demo.unit_code, on=REFORM_DAY)
            user = make_user(demo.username, first_name=demo.first_name, last_name=demo.last_name)
            membership_grant(
                user=user,
                unit=unit,
                role=demo.role,
                position=demo.position,
                valid_from=None if unit == province else REFORM_DAY,
            )
        _record_reform_grants()
        criteria_set = CriteriaSet.objects.get(code=REFORM_SET_CODE)
        for code, _name, _old in REFORM_COMMUNES:
            enrolment_set(
                commune=AdministrativeUnit.objects.by_code(code, on=REFORM_DAY),
                criteria_set=criteria_set,
                target_level=criteria_set.level,
                target_year=2027 if code == THO_XUAN_CODE else 2028,
                zone=REFORM_ZONE,
                starts_on=REFORM_FIRST_MONTH,
            )
    if reports:
        seed_reform_reports()


def _record_reform_grants():
    """What the province office's people page tells of Xã Thọ Xuân's official: the office gave the role
    on the day the commune began (as it would on /office/people/). Idempotent."""
    office = get_user_model().objects.get(username="vpdp_thanhhoa")
    for membership in Membership.objects.filter(user__username="xa_thoxuan").select_related("unit", "user"):
        AccountChange.objects.get_or_create(
            person=membership.user,
            kind=ChangeKind.ROLE_GRANTED,
            unit=membership.unit,
            defaults={
                "actor": office,
                "at": _local(REFORM_DAY.year, REFORM_DAY.month, REFORM_DAY.day, 8),
                "details": {
                    "role": membership.role,
                    "position": membership.position,
                    "valid_from": REFORM_DAY.isoformat(),
                },
            },
        )


def _reform_plan(code, rng, months, criteria_count, indicator_count):
    """(criteria met, sub-criteria met, submit day or None, review) per month: progress grows; earlier
    months accepted; the last one a mix (submitted, accepted, one returned, one still a draft)."""
    c, i = rng.randint(2, 4), 0
    plan = {}
    for index, month in enumerate(months):
        c = min(criteria_count, c + (rng.choice([0, 0, 1]) if index else 0))
        i = min(indicator_count, max(i + rng.randint(0, 3), 4 * c + 6 + index))
        day = rng.choice([15, 17, 19, 20, 22, 24])
        plan[month] = (c, i, day, "accept")
    if (code, 3) == REFORM_LATE and len(months) >= 3:
        c, i, _day, review = plan[months[2]]
        plan[months[2]] = (c, i, 27, review)
    if months:
        c, i, day, _review = plan[months[-1]]
        last = {REFORM_RETURNED: (day, "return"), "15574": (None, None), "15556": (day, "accept")}
        plan[months[-1]] = (c, i, *last.get(code, (day, None)))
    return plan


def seed_reform_reports():
    """The new communes' reports from 02/2026 to the month before today; skips what already exists."""
    import random

    User = get_user_model()
    office = User.objects.get(username="vpdp_thanhhoa")
    official = User.objects.get(username="xa_thoxuan")
    criteria_set = CriteriaSet.objects.get(code=REFORM_SET_CODE)
    criteria = {}
    for indicator in criteria_set.indicators.order_by("criterion__number", "position"):
        criteria.setdefault(indicator.criterion_id, []).append(indicator.pk)
    months = reform_months()
    for code, name, _old in REFORM_COMMUNES:
        commune = AdministrativeUnit.objects.by_code(code, on=REFORM_DAY)
        if MonthlyReport.objects.filter(commune=commune, period__year__gte=2026).exists():
            continue
        rng = random.Random(f"reform-{code}")
        order = sorted(criteria, key=lambda c: (len(criteria[c]), rng.random()))
        if code == THO_XUAN_CODE:
            submitter = official
        else:
            submitter = make_user(f"demo_xa_moi_{code}", password=None, email="", last_name=f"Cán bộ {name}")
            membership_grant(user=submitter, unit=commune, role=Role.COMMUNE_OFFICIAL, valid_from=REFORM_DAY)
        plan = _reform_plan(code, rng, months, len(criteria), sum(len(v) for v in criteria.values()))
        for (year, month), (n_criteria, n_indicators, day, review) in plan.items():
            met_ids = _met_indicator_ids(criteria, order, n_criteria, n_indicators)
            _seed_report(commune, year, month, met_ids, (day, review), submitter, office, rng, REFORM_RETURN_REASON)
