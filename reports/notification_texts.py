"""The wording of the inbox entries and mails about reports and reminders (see notifications.texts)."""

import datetime

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from criteria.summary import summary_line
from notifications.texts import kind


def _summary(params):
    if "criteria_total" not in params:
        return ""
    return summary_line(
        criteria_met=params["criteria_met"],
        criteria_total=params["criteria_total"],
        indicators_met=params["indicators_met"],
        indicators_total=params["indicators_total"],
    )


@kind("report_submitted")
def _submitted(p):
    if p.get("late"):
        title = _("%(commune)s đã nộp báo cáo tháng %(period)s (nộp trễ)")
    else:
        title = _("%(commune)s đã nộp báo cáo tháng %(period)s")
    return title % p, _summary(p)


@kind("report_resubmitted")
def _resubmitted(p):
    return _("%(commune)s đã nộp lại báo cáo tháng %(period)s sau khi bị trả lại") % p, _summary(p)


@kind("report_returned")
def _returned(p):
    return _("%(commune)s: Báo cáo tháng %(period)s bị trả lại") % p, p.get("text", "")


@kind("report_accepted")
def _accepted(p):
    return _("%(commune)s: Báo cáo tháng %(period)s đã được duyệt") % p, p.get("text") or _summary(p)


@kind("report_reopened")
def _reopened(p):
    return _("%(commune)s: Báo cáo tháng %(period)s được mở lại để chỉnh sửa") % p, p.get("text", "")


@kind("no_recipient")
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


@kind("reminder")
def _reminder(p):
    """Reminders and the office's digest keep their mail templates (subject and text)."""
    context = reminder_context(p)
    title = render_to_string(p["template"] + "_subject.txt", context).strip()
    return title, render_to_string(p["template"] + ".txt", context)
