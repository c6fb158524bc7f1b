"""The wording of the inbox entries and mails about tasks (see notifications.texts)."""

import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from notifications.texts import kind


@kind("action_assigned")
def _assigned(p: dict) -> tuple[str, str]:
    title = _("%(commune)s: anh/chị được giao nhiệm vụ") % p
    due = date_format(datetime.date.fromisoformat(p["due_date"]), "SHORT_DATE_FORMAT")
    return title, _("%(title)s — hạn hoàn thành %(due)s.") % {"title": p["title"], "due": due}
