"""What each kind of inbox entry says, rendered in the reader's language when it is read or mailed.

A notification stores its kind and plain parameters (names, the period's label, numbers, the text a
person typed), never a translated sentence: an office working in English must not hand a commune an
English inbox, and a mail goes out in its recipient's language.
"""

import datetime

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _


def summary_line(params):
    if "criteria_total" not in params:
        return ""
    return _("đạt %(c)s/%(ct)s tiêu chí, %(i)s/%(it)s tiểu tiêu chí") % {
        "c": params["criteria_met"],
        "ct": params["criteria_total"],
        "i": params["indicators_met"],
        "it": params["indicators_total"],
    }


def _submitted(p):
    if p.get("late"):
        title = _("%(commune)s đã nộp báo cáo tháng %(period)s (nộp trễ)")
    else:
        title = _("%(commune)s đã nộp báo cáo tháng %(period)s")
    return title % p, summary_line(p)


def _resubmitted(p):
    return _("%(commune)s đã nộp lại báo cáo tháng %(period)s sau khi bị trả lại") % p, summary_line(p)


def _returned(p):
    return _("%(commune)s: Báo cáo tháng %(period)s bị trả lại") % p, p.get("text", "")


def _accepted(p):
    return _("%(commune)s: Báo cáo tháng %(period)s đã được duyệt") % p, p.get("text") or summary_line(p)


def _reopened(p):
    return _("%(commune)s: Báo cáo tháng %(period)s được mở lại để chỉnh sửa") % p, p.get("text", "")


def _no_recipient(p):
    return (
        _("%(commune)s: không có người nhận nhắc nhở cho báo cáo tháng %(period)s") % p,
        _("Xã chưa có cán bộ nào có địa chỉ nhận nhắc nhở. Hãy liên hệ trực tiếp và cập nhật tài khoản."),
    )


def reminder_context(params):
    context = {**params, "deadline": timezone.localtime(datetime.datetime.fromisoformat(params["deadline"]))}
    if params["template"] == "reports/email/reminder":
        context["lines"] = render_to_string("reports/email/_reminder_lines.txt", context)
    return context


def _reminder(p):
    """Reminders and the office's digest keep their mail templates (subject and text)."""
    context = reminder_context(p)
    title = render_to_string(p["template"] + "_subject.txt", context).strip()
    return title, render_to_string(p["template"] + ".txt", context)


KINDS = {
    "report_submitted": _submitted,
    "report_resubmitted": _resubmitted,
    "report_returned": _returned,
    "report_accepted": _accepted,
    "report_reopened": _reopened,
    "no_recipient": _no_recipient,
    "reminder": _reminder,
}


def render(kind, params):
    """(title, body) of a notification of `kind`, in the active language."""
    return KINDS[kind](params)
