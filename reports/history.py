"""A report's story in words: recorded changes with field labels, Vietnamese state names and values as people
write them (91,5 %, Đạt / Chưa đạt, 30/09/2021), and a return reason whose criteria link to the page's."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from criteria.models import PERCENT_KINDS

from . import selectors
from .models import IndicatorStatus, MonthlyReport, ReportStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from criteria.models import Indicator

    from .selectors import Change

EMPTY = "—"


@dataclass(frozen=True)
class HistoryLine:
    """One change as the history page shows it; `code`: the sub-criterion's code ("" for the report)."""

    at: datetime.datetime
    by: User | None
    code: str
    label: str
    old: str
    new: str


def number_text(value: Decimal | None, indicator: Indicator | None = None) -> str:
    """80.8000 → "80,8"; with the sub-criterion's unit: "91,5 %", "12 km"."""
    if value is None:
        return EMPTY
    text = f"{value.normalize():f}".replace(".", ",")
    if indicator is None:
        return text
    if indicator.kind in PERCENT_KINDS:
        return f"{text} %"
    return f"{text} {indicator.unit}" if indicator.unit else text


def met_text(met: bool | None) -> str:
    return {True: _("Đạt"), False: _("Chưa đạt")}.get(met, EMPTY)  # type: ignore[arg-type]


def result_text(row: Any, indicator: Indicator) -> str:
    """What a sub-criterion's row (a status, or a history record of one) says: its value, else its self-assessment."""
    if indicator.has_threshold:
        return number_text(row.value, indicator)
    return met_text(row.declared_met)


def _value_text(field: str, value: Any, indicator: Indicator | None) -> str:
    if value is None or value == "":
        return EMPTY
    if field == "status":
        return str(ReportStatus(value).label)
    if field in ("met", "declared_met"):
        return met_text(value)
    if field == "is_late":
        return _("Có") if value else _("Không")
    if isinstance(value, Decimal):
        return number_text(value, indicator)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%H:%M %d/%m/%Y")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _labels() -> dict[str, str]:
    # The stored summary counts have no verbose name of their own (they are not edited in a form).
    return {"criteria_met": _("Số tiêu chí đạt"), "indicators_met": _("Số tiểu tiêu chí đạt")}


def history_in_words(
    changes: Iterable[Change], indicators: Mapping[str, Indicator], period_text: str
) -> list[HistoryLine]:
    """`changes` (selectors.report_changes) in words; `indicators`: the report's, by code, for their units and
    kinds; the report's own changes are those described as `period_text`."""
    labels = _labels()
    lines = []
    for at, by, what, label, old, new in changes:
        indicator = None if what == period_text else indicators.get(what)
        field = _field_of(label, is_status=what != period_text)
        lines.append(
            HistoryLine(
                at=at,
                by=by,
                code="" if what == period_text else what,
                label=labels.get(field, capfirst(str(label))),
                old=_value_text(field, old, indicator),
                new=_value_text(field, new, indicator),
            )
        )
    return lines


def _field_of(label: Any, *, is_status: bool) -> str:
    """The field name behind a change's label (the changes carry the verbose name)."""
    model = IndicatorStatus if is_status else MonthlyReport
    names = {str(getattr(f, "verbose_name", "")): f.name for f in model._meta.get_fields()}
    return names.get(str(label), str(label))


# "Tiêu chí 13" (not "tiểu tiêu chí 13.1", a sub-criterion): the criterion's number.
CRITERION_MENTION = re.compile(r"(?<!tiểu )\btiêu chí\s+(\d+)\b(?![.,]\d)", re.IGNORECASE)


def reason_with_links(reason: str, numbers: Sequence[int] | set[int]) -> SafeString:
    """The return reason, escaped, with each criterion it names (one of `numbers`, on the page) linked to the
    criterion's anchor (#tc-13)."""
    parts, last = [], 0
    for match in CRITERION_MENTION.finditer(reason):
        if int(match.group(1)) not in numbers:
            continue
        parts.append(escape(reason[last : match.start()]))
        parts.append(format_html('<a href="#tc-{}" class="reason-link">{}</a>', int(match.group(1)), match.group(0)))
        last = match.end()
    parts.append(escape(reason[last:]))
    return mark_safe("".join(parts))  # every part escaped above


@dataclass(frozen=True)
class ReviewNotes:
    """What the office looks at first: what changed since the previous month and since the return (each
    status with its earlier result in words), what is not met, and the return reason with its links."""

    previous: MonthlyReport | None
    since_previous: list[tuple[IndicatorStatus, str]]
    since_return: list[tuple[IndicatorStatus, str]]
    unmet: list[IndicatorStatus]
    reason: SafeString


def review_notes(report: MonthlyReport, statuses: Sequence[IndicatorStatus]) -> ReviewNotes:
    """The notes for `statuses` (selectors.report_statuses); each status also gets `changed_since_previous`
    / `changed_since_return` (its earlier result in words, or "") for its row on the page."""
    previous, before = selectors.changes_since_previous(report, statuses)
    at_return = selectors.changes_since_return(report, statuses)
    since_previous, since_return = [], []
    for status in statuses:
        status.changed_since_previous = ""  # type: ignore[attr-defined]  # for the page
        status.changed_since_return = ""  # type: ignore[attr-defined]
        if status.pk in before:
            status.changed_since_previous = result_text(before[status.pk], status.indicator)  # type: ignore[attr-defined]
            since_previous.append((status, status.changed_since_previous))  # type: ignore[attr-defined]
        if status.pk in at_return:
            status.changed_since_return = result_text(at_return[status.pk], status.indicator)  # type: ignore[attr-defined]
            since_return.append((status, status.changed_since_return))  # type: ignore[attr-defined]
    numbers = {s.indicator.criterion.number for s in statuses}
    return ReviewNotes(
        previous=previous,
        since_previous=since_previous,
        since_return=since_return,
        unmet=[s for s in statuses if s.met is not True],
        reason=reason_with_links(report.review_comment, numbers),
    )
