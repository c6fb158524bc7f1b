"""Migration 0008: a period-wide deadline moved before deadlines belonged to offices becomes a deadline set
at the top unit (with its note as the reason); the period keeps the 25th as its default."""

import datetime
import zoneinfo

import pytest

from core.testing import migrate_to, migrate_to_latest

HCM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
BEFORE = [("reports", "0007_move_to_new_apps")]
AFTER = [("reports", "0008_period_deadlines")]


@pytest.mark.django_db(transaction=True)
def test_a_moved_period_deadline_becomes_the_top_unit_s():
    try:
        _check_the_migration()
    finally:  # the next tests need every table, whatever happened here
        migrate_to_latest()


def _check_the_migration():
    old = migrate_to(BEFORE)
    units = old.get_model("communes", "AdministrativeUnit").objects
    province = units.create(code="98", name="Tỉnh Cũ", level="province", path="98/")
    units.create(code="981", name="Huyện Cũ", level="district", path="98/981/", parent=province)
    periods = old.get_model("reports", "ReportingPeriod").objects
    moved = periods.create(
        year=2021, month=4, deadline=datetime.datetime(2021, 4, 28, 17, 0, tzinfo=HCM), deadline_note="Nghỉ lễ"
    )
    kept = periods.create(year=2021, month=5, deadline=datetime.datetime(2021, 5, 25, 23, 59, 59, tzinfo=HCM))
    new = migrate_to(AFTER)
    rows = new.get_model("reports", "PeriodDeadline").objects
    row = rows.get()
    assert (row.period_id, row.unit_id, row.reason) == (moved.pk, province.pk, "Nghỉ lễ")
    assert row.deadline == datetime.datetime(2021, 4, 28, 17, 0, tzinfo=HCM)
    period = new.get_model("reports", "ReportingPeriod").objects.get(pk=moved.pk)
    assert period.deadline == datetime.datetime(2021, 4, 25, 23, 59, 59, tzinfo=HCM)
    assert new.get_model("reports", "HistoricalPeriodDeadline").objects.get().reason == "Nghỉ lễ"
    assert not rows.filter(period_id=kept.pk).exists()
