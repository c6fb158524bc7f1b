"""The data version the page cache is keyed on: every watched table has its trigger, a committed change
bumps the version, a rolled-back one does not (real transactions)."""

import pytest
from django.db import connection, transaction

from communes.models import Membership
from core import data_version
from reports.models import IndicatorStatus, MonthlyReport

pytestmark = pytest.mark.django_db(transaction=True)


def triggers_in_database():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {row[0] for row in cursor.fetchall()}


def test_every_watched_table_has_its_triggers():
    names = triggers_in_database()
    for table in data_version.WATCHED_TABLES:
        expected = (
            {data_version.trigger_name(table)}
            if connection.vendor == "postgresql"
            else {f"{data_version.trigger_name(table)}_{event}" for event in ("insert", "update", "delete")}
        )
        assert expected <= names, table


def test_a_committed_change_bumps_the_version_and_a_rolled_back_one_does_not(demo_reports):
    report = MonthlyReport.objects.exclude(status="draft").first()
    before = data_version.current()
    with transaction.atomic():
        IndicatorStatus.objects.filter(report=report).update(note="Đã kiểm tra lại")  # many rows, one commit
        MonthlyReport.objects.filter(pk=report.pk).update(review_comment="x")
    after = data_version.current()
    assert after[0] > before[0] and after[1] == before[1]  # the reporting data, not the structure
    if connection.vendor == "postgresql":
        assert after[0] == before[0] + 1  # once per transaction, however many rows

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        MonthlyReport.objects.filter(pk=report.pk).update(review_comment="y")
        raise Undo
    assert data_version.current() == after


def test_a_change_of_structure_bumps_its_own_number(demo_reports):
    before = data_version.current()
    Membership.objects.filter(pk=Membership.objects.first().pk).update(position="Chánh Văn phòng")
    after = data_version.current()
    assert after[1] > before[1] and after[0] == before[0]


def test_each_watched_table_bumps_its_group():
    assert set(data_version.STRUCTURE_TABLES).isdisjoint(data_version.ACTIVITY_TABLES)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
            sql = {table: text for table, text in cursor.fetchall()}
            for table in data_version.WATCHED_TABLES:
                group = data_version.STRUCTURE if table in data_version.STRUCTURE_TABLES else data_version.ACTIVITY
                assert f"VALUES ({group}, 1)" in sql[table], table
            return
        cursor.execute(
            "SELECT c.relname, encode(t.tgargs, 'escape') FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE '%%_data_version'"
        )
        args = dict(cursor.fetchall())
    for table in data_version.WATCHED_TABLES:
        first = args[table].split("\\000")[0]  # the trigger's first argument ("": made before the groups)
        expected = {str(data_version.STRUCTURE)} if table in data_version.STRUCTURE_TABLES else {"", "1"}
        assert first in expected, (table, first)
