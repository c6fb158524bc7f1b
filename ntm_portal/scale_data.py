"""Synthetic data at province or national scale, for benchmarks (`generate_scale_data`).

Invented unit codes start with "SX" (real codes are digits only), so nothing can clash with the
reference data. Rows are loaded in bulk (COPY on PostgreSQL): no history rows, no signals.
The story: each commune starts with some sub-criteria met and meets more as months pass; most
reports are submitted on time and accepted, some late, some returned, some missing; the office
of each district inspects a few communes a year and some shortcomings stay open."""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from communes.models import AdministrativeUnit, Membership, Role, UnitLevel
from core.bulk import load_rows
from criteria.models import CriteriaSet, Criterion, Enrolment, Indicator, IndicatorKind, IndicatorTarget, SetLevel
from inspections.models import (
    ActionItem,
    ActionSource,
    ActionStatus,
    Assessment,
    Finding,
    Inspection,
    InspectionStatus,
    SiteType,
    SiteVisit,
)
from reports.models import IndicatorStatus, MonthlyReport, ReportEvent, ReportStatus
from reports.scoring import derive_met, is_answered, summarize
from reports.services import period_for

PREFIX = "SX"
PASSWORD = "ntm-scale-2026"
ZONES = ["Vùng 1", "Vùng 2"]
OWNERS = ["Phó Chủ tịch UBND xã", "Công chức Địa chính - Xây dựng", "Công chức Văn hóa - Xã hội"]
# The summary stored on each report (reports.scoring.Summary), in the order they are loaded.
SUMMARY_COLUMNS = (
    "criteria_total",
    "criteria_met",
    "indicators_total",
    "indicators_met",
    "indicators_answered",
    "met_criteria",
)
SHORTCOMING_TEXT = "Chưa đạt yêu cầu theo hướng dẫn; hồ sơ minh chứng chưa đầy đủ."


@dataclass
class Generated:
    provinces: int = 0
    districts: int = 0
    communes: int = 0
    users: int = 0
    reports: int = 0
    statuses: int = 0
    events: int = 0
    inspections: int = 0
    findings: int = 0
    actions: int = 0
    offices: list = field(default_factory=list)


def synthetic_set(criteria, indicators):
    """A criteria set of `criteria` criteria and `indicators` sub-criteria (thresholds on every third)."""
    code = f"sx-tong-hop-{criteria}-{indicators}"
    existing = CriteriaSet.objects.filter(code=code).first()
    if existing:
        return existing
    criteria_set = CriteriaSet.objects.create(
        code=code,
        name=f"Bộ tiêu chí tổng hợp để đo hiệu năng ({criteria} tiêu chí, {indicators} tiểu tiêu chí)",
        level=SetLevel.ADVANCED,
        is_complete=True,
    )
    rows = Criterion.objects.bulk_create(
        Criterion(criteria_set=criteria_set, number=n, name=f"Tiêu chí tổng hợp số {n}") for n in range(1, criteria + 1)
    )
    kinds = [IndicatorKind.YES_NO, IndicatorKind.PERCENT_MIN, IndicatorKind.TEXT, IndicatorKind.NUMBER_MAX]
    made = Indicator.objects.bulk_create(
        Indicator(
            criteria_set=criteria_set,
            criterion=rows[i % criteria],
            code=f"{i % criteria + 1}.{i // criteria + 1}",
            name=f"Tiểu tiêu chí tổng hợp {i % criteria + 1}.{i // criteria + 1}",
            kind=kinds[i % len(kinds)],
            unit="%" if kinds[i % len(kinds)] == IndicatorKind.PERCENT_MIN else "",
            position=i // criteria + 1,
        )
        for i in range(indicators)
    )
    IndicatorTarget.objects.bulk_create(
        IndicatorTarget(indicator=ind, zone=zone, threshold=Decimal(90 if "percent" in ind.kind else 5) - z * 5)
        for ind in made
        if ind.has_threshold
        for z, zone in enumerate(ZONES)
    )
    return criteria_set


def _months(count, today):
    """The `count` months ending with today's month, oldest first, as (year, month)."""
    year, month = today.year, today.month
    months = []
    for _i in range(count):
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))


def _value(indicator, threshold, met, rng):
    """A measured value on the right side of `threshold`, as a commune would type it."""
    upward = indicator.kind in (IndicatorKind.NUMBER_MIN, IndicatorKind.PERCENT_MIN)
    factor = 1 + rng.random() * 0.1 if met == upward else 0.5 + rng.random() * 0.45
    value = threshold * Decimal(str(round(factor, 3)))
    if met and not upward:
        value = min(value, threshold)
    if indicator.kind in (IndicatorKind.PERCENT_MIN, IndicatorKind.PERCENT_MAX):
        value = min(Decimal(100), value)
    return value.quantize(Decimal("0.01"))


class ScaleGenerator:
    def __init__(self, *, provinces, communes, months, criteria_set, seed=1, per_district=25, today=None):
        self.rng = random.Random(seed)
        self.provinces, self.communes, self.months = provinces, communes, months
        self.per_district = per_district
        self.today = today or timezone.localdate()
        self.criteria_set = criteria_set
        self.result = Generated()
        self.password = make_password(PASSWORD)  # one hash for every generated account

    # --- units and people -------------------------------------------------------------------------
    def _next_prefix(self):
        taken = AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, code__startswith=PREFIX).count()
        return taken + 1

    def build_tree(self):
        """Provinces, districts of about `per_district` communes, communes; returns the communes by district."""
        first = self._next_prefix()
        share = [
            self.communes // self.provinces + (1 if p < self.communes % self.provinces else 0)
            for p in range(self.provinces)
        ]
        provinces = AdministrativeUnit.objects.bulk_create(
            AdministrativeUnit(
                code=f"{PREFIX}{first + p:03d}",
                name=f"Tỉnh Thử Nghiệm {first + p}",
                level=UnitLevel.PROVINCE,
                path=f"{PREFIX}{first + p:03d}/",
                abbreviation="VPĐP",
            )
            for p in range(self.provinces)
        )
        districts = []
        for province, count in zip(provinces, share, strict=True):
            n_districts = max(1, round(count / self.per_district))
            districts += [
                AdministrativeUnit(
                    code=f"{province.code}H{d + 1:02d}",
                    name=f"Huyện Thử {d + 1:02d} ({province.name})",
                    level=UnitLevel.DISTRICT,
                    parent=province,
                    path=f"{province.path}{province.code}H{d + 1:02d}/",
                    abbreviation="VPĐP",
                )
                for d in range(n_districts)
            ]
        districts = AdministrativeUnit.objects.bulk_create(districts)
        by_province = {}
        for district in districts:
            by_province.setdefault(district.parent_id, []).append(district)
        communes = []
        for province, count in zip(provinces, share, strict=True):
            own = by_province[province.pk]
            for c in range(count):
                district = own[c % len(own)]
                code = f"{district.code}X{c // len(own) + 1:03d}"
                communes.append(
                    AdministrativeUnit(
                        code=code,
                        name=f"Xã Thử {c // len(own) + 1:03d}",
                        level=UnitLevel.COMMUNE,
                        parent=district,
                        path=f"{district.path}{code}/",
                    )
                )
        communes = AdministrativeUnit.objects.bulk_create(communes, batch_size=2000)
        self.result.provinces, self.result.districts, self.result.communes = (
            len(provinces),
            len(districts),
            len(communes),
        )
        return provinces, districts, communes

    def build_people(self, provinces, districts, communes):
        """One office account per province and district, one inspector per district, one official per commune."""
        User = get_user_model()
        plan = [(f"vp.{u.code.lower()}", u, Role.OFFICE) for u in [*provinces, *districts]]
        plan += [(f"ktra.{d.code.lower()}", d, Role.INSPECTOR) for d in districts]
        plan += [(f"xa.{c.code.lower()}", c, Role.COMMUNE_OFFICIAL) for c in communes]
        users = User.objects.bulk_create(
            [
                User(
                    username=name,
                    password=self.password,
                    last_name=f"Cán bộ {unit.name}",
                    email=f"{name}@scale.example",
                )
                for name, unit, _role in plan
            ],
            batch_size=2000,
        )
        Membership.objects.bulk_create(
            [Membership(user=user, unit=unit, role=role) for user, (_n, unit, role) in zip(users, plan, strict=True)],
            batch_size=2000,
        )
        self.result.users = len(users)
        self.result.offices = [name for name, _unit, role in plan if role == Role.OFFICE]
        accounts = {}
        for user, (_name, unit, role) in zip(users, plan, strict=True):
            accounts[(unit.pk, role)] = user
        return accounts

    # --- reports ----------------------------------------------------------------------------------
    def build_reports(self, districts, communes, accounts):
        periods = [period_for(y, m) for y, m in _months(self.months, self.today)]
        indicators = list(
            self.criteria_set.indicators.select_related("criterion").order_by("criterion__number", "position")
        )
        targets = {(t.indicator_id, t.zone): t for t in IndicatorTarget.objects.filter(indicator__in=indicators)}
        zones = sorted({zone for _i, zone in targets if zone}) or [""]
        Enrolment.objects.bulk_create(
            [
                Enrolment(
                    commune=c,
                    criteria_set=self.criteria_set,
                    target_level=SetLevel.ADVANCED,
                    target_year=self.today.year + 1,
                    zone=self.rng.choice(zones) if zones != [""] else "",
                )
                for c in communes
            ],
            batch_size=2000,
        )
        zone_of = dict(Enrolment.objects.filter(commune__in=communes).values_list("commune_id", "zone"))
        offices = {d.pk: accounts[(d.pk, Role.OFFICE)] for d in districts}
        now = timezone.now()
        batch = 200  # communes per COPY round: their reports, then their statuses
        for start in range(0, len(communes), batch):
            chunk = communes[start : start + batch]
            plans = {c.pk: self._commune_plan(c, periods, indicators, targets, zone_of.get(c.pk, "")) for c in chunk}
            self.result.reports += load_rows(
                MonthlyReport,
                [
                    "commune_id",
                    "period_id",
                    "criteria_set_id",
                    "zone",
                    "status",
                    "version",
                    "submitted_at",
                    "submitted_by_id",
                    "is_late",
                    "reviewed_at",
                    "reviewed_by_id",
                    "review_comment",
                    *SUMMARY_COLUMNS,
                    "created_at",
                    "updated_at",
                ],  # fmt: skip
                (
                    (
                        c.pk,
                        p.pk,
                        self.criteria_set.pk,
                        zone_of.get(c.pk, ""),
                        r["status"],
                        r["version"],
                        r["submitted_at"],
                        accounts[(c.pk, Role.COMMUNE_OFFICIAL)].pk if r["submitted_at"] else None,
                        r["late"],
                        r["reviewed_at"],
                        offices[c.parent_id].pk if r["reviewed_at"] else None,
                        r["comment"],
                        *r["summary"],
                        r["created_at"],
                        r["reviewed_at"] or r["submitted_at"] or now,
                    )  # fmt: skip
                    for c in chunk
                    for p, r in plans[c.pk]
                ),
            )
            ids = {
                (commune, period): pk
                for pk, commune, period in MonthlyReport.objects.filter(commune__in=chunk).values_list(
                    "pk", "commune_id", "period_id"
                )
            }
            self.result.statuses += load_rows(
                IndicatorStatus,
                [
                    "report_id",
                    "indicator_id",
                    "value",
                    "text_value",
                    "declared_met",
                    "met",
                    "note",
                    "responsible_person",
                    "planned_date",
                ],  # fmt: skip
                ((ids[(c.pk, p.pk)], *answer) for c in chunk for p, r in plans[c.pk] for answer in r["answers"]),
            )
            self.result.events += load_rows(
                ReportEvent,
                ["report_id", "action", "from_status", "to_status", "actor_id", "at", "comment", "late"],
                (
                    (ids[(c.pk, p.pk)], *event)
                    for c in chunk
                    for p, r in plans[c.pk]
                    for event in self._events(r, accounts[(c.pk, Role.COMMUNE_OFFICIAL)].pk, offices[c.parent_id].pk)
                ),
            )

    def _events(self, r, official_id, office_id):
        """(action, from, to, actor id, at, comment, late) of one generated report's timeline."""
        if not r["submitted_at"]:
            return
        yield ("submit", ReportStatus.DRAFT, ReportStatus.SUBMITTED, official_id, r["submitted_at"], "", r["late"])
        if r["status"] == ReportStatus.ACCEPTED:
            yield ("accept", ReportStatus.SUBMITTED, ReportStatus.ACCEPTED, office_id, r["reviewed_at"], "", False)
        if r["status"] == ReportStatus.RETURNED:
            yield (
                "return",
                ReportStatus.SUBMITTED,
                ReportStatus.RETURNED,
                office_id,
                r["reviewed_at"],
                r["comment"],
                False,
            )

    def _commune_plan(self, commune, periods, indicators, targets, zone):
        """[(period, report fields)] for one commune: progress rises; a few months are missing."""
        rng = self.rng
        pace = 0.4 + rng.random()  # how fast this commune catches up
        head_start = 0.2 + rng.random() * 0.4
        met_from = {
            i.pk: 0 if rng.random() < head_start else int(rng.random() * len(periods) / pace) + 1 for i in indicators
        }
        plan = []
        last = len(periods) - 1
        for t, period in enumerate(periods):
            status, late = self._status(t, last, period, rng)
            if status is None:
                continue
            answers, results = [], []
            for indicator in indicators:
                met = t >= met_from[indicator.pk]
                target = targets.get((indicator.pk, zone)) or targets.get((indicator.pk, ""))  # "" = every zone
                value, declared, text = None, None, ""
                if indicator.has_threshold and target:
                    value = _value(indicator, target.threshold, met, rng)
                else:
                    declared = met
                    if indicator.kind == IndicatorKind.TEXT:
                        text = "Đã hoàn thành theo kế hoạch." if met else "Đang triển khai."
                derived = derive_met(indicator, target, value, declared)
                results.append((indicator.criterion.number, derived, is_answered(indicator, value, declared)))
                answers.append(
                    (
                        indicator.pk,
                        value,
                        text,
                        declared,
                        derived,
                        "" if derived else "Đang huy động nguồn lực để hoàn thành.",
                        "" if derived else rng.choice(OWNERS),
                        None if derived else period.deadline.date() + datetime.timedelta(days=90),
                    )  # fmt: skip
                )
            summary = summarize(results).as_fields()
            deadline = period.deadline
            submitted_at = reviewed_at = None
            if status != ReportStatus.DRAFT:
                offset = (
                    datetime.timedelta(days=rng.randint(1, 4), hours=rng.randint(0, 8))
                    if late
                    else -datetime.timedelta(days=rng.randint(0, 9), hours=rng.randint(0, 8))
                )
                submitted_at = min(deadline + offset, timezone.now() - datetime.timedelta(minutes=30))
                late = submitted_at > deadline
                if status in (ReportStatus.ACCEPTED, ReportStatus.RETURNED):
                    reviewed_at = min(submitted_at + datetime.timedelta(days=rng.randint(1, 3)), timezone.now())
            plan.append(
                (
                    period,
                    {
                        "status": status,
                        "version": 2 if submitted_at else 1,
                        "late": late,
                        "submitted_at": submitted_at,
                        "reviewed_at": reviewed_at,
                        "comment": "Đề nghị xã bổ sung minh chứng rồi gửi lại."
                        if status == ReportStatus.RETURNED
                        else "",
                        "summary": [summary[column] for column in SUMMARY_COLUMNS],
                        "created_at": deadline - datetime.timedelta(days=15),
                        "answers": answers,
                    },
                )
            )
        return plan

    def _status(self, t, last, period, rng):
        """(status, late) of month `t`, or (None, False) for a report never started."""
        roll = rng.random()
        if t == last and period.deadline <= timezone.now():
            # this month, the deadline just passed: the office chases the last ones
            if roll < 0.08:
                return None, False
            if roll < 0.12:
                return ReportStatus.DRAFT, False
            return ReportStatus.SUBMITTED, rng.random() < 0.15
        if t == last:
            # this month, before the deadline: many still working on it
            if roll < 0.35:
                return None, False
            if roll < 0.6:
                return ReportStatus.DRAFT, False
            return ReportStatus.SUBMITTED, False
        if roll < 0.04:
            return None, False
        if roll < 0.06:
            return (ReportStatus.DRAFT, False) if t >= last - 1 else (None, False)
        if roll < 0.08:
            return ReportStatus.RETURNED, False
        late = rng.random() < 0.12
        if t >= last - 1 and rng.random() < 0.5:
            return ReportStatus.SUBMITTED, late
        return ReportStatus.ACCEPTED, late

    # --- inspections --------------------------------------------------------------------------------
    def build_inspections(self, districts, communes, accounts, per_year=4):
        """Per district, `per_year` inspections a year over the generated months, each with findings;
        the shortcomings of the last year stay open, with a follow-up task each."""
        indicators = list(self.criteria_set.indicators.select_related("criterion"))
        by_district = {}
        for c in communes:
            by_district.setdefault(c.parent_id, []).append(c)
        first_month = _months(self.months, self.today)[0]
        span = (self.today - datetime.date(*first_month, 1)).days
        count = max(1, round(per_year * self.months / 12))
        inspections = []
        for district in districts:
            inspector = accounts[(district.pk, Role.INSPECTOR)]
            for k in range(count):
                inspections.append(
                    Inspection(
                        commune=self.rng.choice(by_district[district.pk]),
                        date=self.today - datetime.timedelta(days=int(span * k / count) + self.rng.randint(0, 10)),
                        team_name=f"Tổ công tác {district.name}",
                        leader=inspector,
                        purpose="Kiểm tra kết quả thực hiện các tiêu chí nông thôn mới nâng cao.",
                        status=InspectionStatus.DONE,
                        created_by=inspector,
                    )
                )
        inspections = Inspection.objects.bulk_create(inspections, batch_size=2000)
        visits = SiteVisit.objects.bulk_create(
            [
                SiteVisit(
                    inspection=i, site_type=self.rng.choice(SiteType.values), name="Điểm kiểm tra", village="Thôn 1"
                )
                for i in inspections
            ],
            batch_size=2000,
        )
        findings = []
        recent = self.today - datetime.timedelta(days=365)
        for visit in visits:
            inspection = visit.inspection
            for indicator in self.rng.sample(indicators, min(4, len(indicators))):
                assessment = self.rng.choice(
                    [Assessment.MEETS, Assessment.MEETS, Assessment.SHORTCOMING, Assessment.SERIOUS]
                )
                finding = Finding(visit=visit, indicator=indicator, assessment=assessment, created_by=inspection.leader)
                if assessment != Assessment.MEETS:
                    finding.shortcoming = SHORTCOMING_TEXT
                    finding.recommendation = "Khắc phục và báo cáo kết quả."
                    if inspection.date < recent:  # older shortcomings have been resolved
                        finding.resolved_at = timezone.make_aware(
                            datetime.datetime.combine(inspection.date + datetime.timedelta(days=60), datetime.time(9))
                        )
                        finding.resolved_by = inspection.leader
                        finding.resolution = "Xã đã khắc phục, tổ công tác đã kiểm tra lại."
                findings.append(finding)
        findings = Finding.objects.bulk_create(findings, batch_size=2000)
        actions = ActionItem.objects.bulk_create(
            [
                ActionItem(
                    commune=f.visit.inspection.commune,
                    criterion=f.indicator.criterion,
                    indicator=f.indicator,
                    finding=f,
                    source=ActionSource.FINDING,
                    title=f"Khắc phục tồn tại tiểu tiêu chí {f.indicator.code}",
                    owner_user=accounts[(f.visit.inspection.commune_id, Role.COMMUNE_OFFICIAL)],
                    due_date=f.visit.inspection.date + datetime.timedelta(days=45),
                    status=ActionStatus.VERIFIED if f.resolved_at else ActionStatus.OPEN,
                    created_by=f.created_by,
                )
                for f in findings
                if f.assessment != Assessment.MEETS
            ],
            batch_size=2000,
        )
        self.result.inspections, self.result.findings, self.result.actions = (
            len(inspections),
            len(findings),
            len(actions),
        )

    def run(self):
        with transaction.atomic():
            provinces, districts, communes = self.build_tree()
            accounts = self.build_people(provinces, districts, communes)
            self.build_reports(districts, communes, accounts)
            self.build_inspections(districts, communes, accounts)
        return self.result
