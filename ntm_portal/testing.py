"""Helpers for tests that need monthly reports filled the way the demo story fills them."""

import random

from ntm_portal.demo import _answer, _met_indicator_ids
from reports.selectors import report_statuses
from reports.services import report_save


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
