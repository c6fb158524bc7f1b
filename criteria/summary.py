"""The one sentence that says where a commune stands: "đạt 9/15 tiêu chí, 25/41 tiểu tiêu chí"."""

from django.utils.translation import gettext as _


def summary_line(*, criteria_met: int, criteria_total: int, indicators_met: int, indicators_total: int) -> str:
    return _("đạt %(c)s/%(ct)s tiêu chí, %(i)s/%(it)s tiểu tiêu chí") % {
        "c": criteria_met,
        "ct": criteria_total,
        "i": indicators_met,
        "it": indicators_total,
    }
