"""Who must report in a period: unit dates, enrolment starts and criteria-set dates (issue 17).

The tree: province T1 → districts T10 (Xã An, Xã Bình), T20 (Xã Cường). On 1/7/2025 the districts are
abolished and Xã Bình is merged into Xã Bình Mới, a commune directly under the province."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from communes.models import AdministrativeUnit, UnitLevel
from criteria.models import CriteriaSet, Enrolment, SetLevel
from criteria.services import enrolment_set
from dashboards.selectors import overview, rollup
from ntm_portal.home import home_context
from reports import reminders
from reports.models import MonthlyReport, ReportStatus
from reports.selectors import communes_reporting_in, period_overview
from reports.services import ReportError, period_for, report_open

MERGER = datetime.date(2025, 7, 1)


@pytest.fixture
def old_set(db):
    return CriteriaSet.objects.create(code="nc-2021", name="Bộ 2021–2025", is_complete=True)


@pytest.fixture
def merged(tree, old_set):
    """Every commune enrolled from the beginning; Xã Bình abolished on 30/6/2025, Xã Bình Mới from 1/7/2025."""
    for key in ("district", "other_district", "b"):
        AdministrativeUnit.objects.filter(pk=tree[key].pk).update(valid_until=MERGER - datetime.timedelta(days=1))
    new = AdministrativeUnit.objects.create(
        code="T300", name="Xã Bình Mới", level=UnitLevel.COMMUNE, parent=tree["province"], valid_from=MERGER
    )
    AdministrativeUnit.objects.filter(pk=tree["b"].pk).update(replaced_by=new)
    for commune in (tree["a"], tree["b"], tree["c"], new):
        Enrolment.objects.create(
            commune=commune, criteria_set=old_set, target_level=SetLevel.ADVANCED, target_year=2025
        )
    for unit in tree.values():
        unit.refresh_from_db()
    return {**tree, "new": new}


def _codes(communes):
    return sorted(c.code for c in communes)


def test_a_period_before_the_merger_has_the_old_communes_and_one_after_it_the_new(merged):
    assert _codes(communes_reporting_in(period_for(2021, 4))) == ["T100", "T101", "T200"]
    assert _codes(communes_reporting_in(period_for(2025, 6))) == ["T100", "T101", "T200"]
    assert _codes(communes_reporting_in(period_for(2025, 8))) == ["T100", "T200", "T300"]
    assert _codes(communes_reporting_in(period_for(2025, 8), within=merged["district"])) == ["T100"]


def test_an_abolished_commune_gets_no_reminder_after_the_merger(merged):
    august = period_for(2025, 8)
    assert _codes(reminders.missing_communes(august)) == ["T100", "T200", "T300"]
    planned = reminders.plan(datetime.date(2025, 8, 20))  # T-5 of the 25th
    assert {p.kind for p in planned} == {"t-5"}
    assert _codes(p.unit for p in planned) == ["T100", "T200", "T300"]
    assert "T101" in _codes(reminders.missing_communes(period_for(2025, 6)))


def test_an_abolished_commune_keeps_its_numbers_in_an_old_period_and_is_not_counted_after(merged, old_set):
    april, august = period_for(2021, 4), period_for(2025, 8)
    MonthlyReport.objects.create(
        commune=merged["b"], period=april, criteria_set=old_set, status=ReportStatus.SUBMITTED,
        criteria_total=19, criteria_met=12, indicators_total=50, indicators_met=30,
    )  # fmt: skip
    old = overview(merged["province"], april)
    row = next(r for r in old.rows if r.commune == merged["b"])
    assert row.shows_numbers and row.report.criteria_met == 12
    assert row.commune.parent == merged["district"]  # under its old district
    assert old.totals["communes"] == 3 and old.totals["submitted"] == 1
    lines = {line["unit"].code: line["enrolled"] for line in rollup(merged["province"], april)["lines"]}
    assert lines == {"T10": 2, "T20": 1}

    new = overview(merged["province"], august)
    assert _codes(r.commune for r in new.rows) == ["T100", "T200", "T300"]
    assert new.totals["communes"] == 3 and new.totals["missing"] == 3
    lines = {line["unit"].code: line["enrolled"] for line in rollup(merged["province"], august)["lines"]}
    assert lines == {"T10": 1, "T20": 1, "T1": 1}  # Xã Bình Mới directly under the province


def test_the_overview_of_a_period_lists_only_the_communes_that_must_report_in_it(merged, people, client_for):
    office = people["province_office"]
    assert _codes(c for c, _r in period_overview(office, period_for(2025, 8))) == ["T100", "T200", "T300"]
    assert _codes(c for c, _r in period_overview(office, period_for(2021, 4))) == ["T100", "T101", "T200"]
    assert _codes(c for c, _r in period_overview(people["office"], period_for(2025, 8))) == ["T100"]

    response = client_for(office).get(reverse("dashboards:overview", args=["T1"]), {"year": 2025, "month": 8})
    assert response.status_code == 200
    assert _codes(r.commune for r in response.context["data"].rows) == ["T100", "T200", "T300"]


@time_machine.travel(datetime.datetime(2025, 8, 10, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_the_office_home_counts_the_communes_that_must_report_now(merged, people):
    _role, context = home_context(people["province_office"])
    assert _codes(c for c, _e in context["communes"]) == ["T100", "T200", "T300"]
    assert context["enrolled_count"] == 3


def test_an_abolished_commune_opens_no_report_after_the_merger(merged):
    with pytest.raises(ReportError):
        report_open(commune=merged["b"], period=period_for(2025, 8))
    assert report_open(commune=merged["b"], period=period_for(2025, 6)).commune == merged["b"]


def test_a_commune_moved_to_a_new_set_reports_on_it_from_then_and_keeps_its_old_reports(tree, old_set):
    new_set = CriteriaSet.objects.create(
        code="qd-51-2025", name="QĐ 51/2025", is_complete=True, effective_from=datetime.date(2026, 2, 15)
    )
    commune = tree["a"]
    enrolment_set(commune=commune, criteria_set=old_set, target_level=SetLevel.ADVANCED, target_year=2025)
    old_report = report_open(commune=commune, period=period_for(2021, 4))
    enrolment_set(
        commune=commune,
        criteria_set=new_set,
        target_level=SetLevel.ADVANCED,
        target_year=2030,
        starts_on=datetime.date(2026, 2, 15),
    )
    assert Enrolment.objects.get(criteria_set=new_set).starts_on == datetime.date(2026, 2, 1)
    assert report_open(commune=commune, period=period_for(2026, 2)).criteria_set == new_set
    assert report_open(commune=commune, period=period_for(2026, 1)).criteria_set == old_set
    assert report_open(commune=commune, period=period_for(2021, 5)).criteria_set == old_set
    old_report.refresh_from_db()
    assert old_report.criteria_set == old_set
    january, february = period_for(2026, 1), period_for(2026, 2)
    assert {r.enrolment.criteria_set for r in overview(tree["province"], january).rows} == {old_set}
    assert {r.enrolment.criteria_set for r in overview(tree["province"], february).rows} == {new_set}


def test_a_set_out_of_force_does_not_apply(tree, old_set):
    CriteriaSet.objects.filter(pk=old_set.pk).update(effective_until=datetime.date(2025, 12, 31))
    Enrolment.objects.create(commune=tree["a"], criteria_set=old_set, target_level=SetLevel.ADVANCED, target_year=2025)
    assert _codes(communes_reporting_in(period_for(2025, 12))) == ["T100"]
    assert _codes(communes_reporting_in(period_for(2026, 1))) == []
