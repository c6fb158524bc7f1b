"""Migration 0003: every sub-criterion starts with its criterion's department (issue 17)."""

import pytest

from core.testing import migrate_to, migrate_to_latest


@pytest.mark.django_db(transaction=True)
def test_sub_criteria_take_their_criterion_s_department():
    try:
        old = migrate_to([("criteria", "0002_enrolment_starts_on")])
        sets = old.get_model("criteria", "CriteriaSet").objects
        criteria_set = sets.create(code="cu", name="Bộ cũ")
        criteria = old.get_model("criteria", "Criterion").objects
        health = criteria.create(criteria_set=criteria_set, number=13, name="Y tế", responsible_department="Phòng Y tế")
        roads = criteria.create(criteria_set=criteria_set, number=2, name="Giao thông")
        indicators = old.get_model("criteria", "Indicator").objects
        for criterion, code in ((health, "13.1"), (health, "13.2"), (roads, "2.1")):
            indicators.create(criteria_set=criteria_set, criterion=criterion, code=code, name=code, kind="yes_no")
        new = migrate_to([("criteria", "0003_indicator_department")])
        departments = dict(new.get_model("criteria", "Indicator").objects.values_list("code", "responsible_department"))
        assert departments == {"13.1": "Phòng Y tế", "13.2": "Phòng Y tế", "2.1": ""}
    finally:  # the next tests need every table, whatever happened here
        migrate_to_latest()
