import random

import pytest
from django.contrib.auth import get_user_model

from communes.models import AdministrativeUnit
from ntm_portal.demo import XUAN_HOA_CODE, XUAN_TRUONG_CODE, _answer, _met_indicator_ids
from reports.selectors import report_statuses
from reports.services import period_for, report_open, report_save


@pytest.fixture
def users(demo):
    return {u.username: u for u in get_user_model().objects.all()}


@pytest.fixture
def xuan_truong(demo):
    return AdministrativeUnit.objects.get(code=XUAN_TRUONG_CODE)


@pytest.fixture
def xuan_hoa(demo):
    return AdministrativeUnit.objects.get(code=XUAN_HOA_CODE)


@pytest.fixture
def april(db):
    return period_for(2021, 4)


@pytest.fixture
def report(xuan_truong, april):
    """Xuân Trường's April 2021 report, still empty (a draft)."""
    return report_open(commune=xuan_truong, period=april)


def fill(report, user, *, criteria_met, indicators_met, seed=1):
    """Answer every sub-criterion so that exactly the given numbers are met (as the demo does)."""
    statuses = report_statuses(report)
    criteria = {}
    for status in statuses:
        criteria.setdefault(status.indicator.criterion_id, []).append(status.indicator_id)
    order = sorted(criteria, key=lambda c: (len(criteria[c]), c))
    met_ids = _met_indicator_ids(criteria, order, criteria_met, indicators_met)
    rng = random.Random(seed)
    answers = {s.pk: _answer(s, s.indicator_id in met_ids, rng) for s in statuses}
    report.refresh_from_db()
    return report_save(report=report, user=user, answers=answers, expected_version=report.version)


@pytest.fixture
def filled(report, users):
    """The April report filled to the seed story's 9/15 criteria and 25/41 sub-criteria."""
    return fill(report, users["xa_xuantruong"], criteria_met=9, indicators_met=25)
