"""How a report's numbers are derived: plain functions, shared by the form preview and the services."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from criteria.summary import summary_line

if TYPE_CHECKING:
    from criteria.models import Indicator, IndicatorTarget


def derive_met(
    indicator: Indicator, target: IndicatorTarget | None, value: Decimal | None, declared_met: bool | None
) -> bool | None:
    """A sub-criterion with a threshold is met by its value; one without is declared.

    With a threshold but no target for the commune's zone (`Indicator.target_for` gives None), it
    stays undetermined (None, "chưa xác định"): never judged against another zone's threshold."""
    if indicator.has_threshold:
        if target is None:
            return None
        return indicator.is_met_by(value, target.threshold)  # type: ignore[no-any-return]  # models are not annotated
    return declared_met


def is_answered(indicator: Indicator, value: Decimal | None, declared_met: bool | None) -> bool:
    return value is not None if indicator.has_threshold else declared_met is not None


def submission_gaps(
    indicator: Indicator,
    *,
    value: Decimal | None,
    declared_met: bool | None,
    met: bool | None,
    responsible_person: str | None,
    planned_date: datetime.date | None,
) -> list[tuple[str, str]]:
    """What one sub-criterion still lacks before the report can be submitted: [(part, message)], where
    part is "result", "person" or "planned". A result is needed; one not met needs a person responsible
    and a planned date. The form (field errors) and the submit service (a list) both ask here."""
    if not is_answered(indicator, value, declared_met):
        return [("result", _("Chưa nhập kết quả."))]
    gaps = []
    if met is False:
        if not (responsible_person or "").strip():
            gaps.append(("person", _("Chưa đạt: cần ghi người chịu trách nhiệm.")))
        if planned_date is None:
            gaps.append(("planned", _("Chưa đạt: cần ghi thời gian dự kiến hoàn thành.")))
    return gaps


@dataclass(frozen=True)
class Summary:
    criteria_total: int
    criteria_met: int
    indicators_total: int
    indicators_met: int
    indicators_answered: int
    met_criteria: tuple = ()

    @property
    def line(self) -> str:
        return summary_line(
            criteria_met=self.criteria_met,
            criteria_total=self.criteria_total,
            indicators_met=self.indicators_met,
            indicators_total=self.indicators_total,
        )

    def as_fields(self) -> dict[str, Any]:
        return {
            "criteria_total": self.criteria_total,
            "criteria_met": self.criteria_met,
            "indicators_total": self.indicators_total,
            "indicators_met": self.indicators_met,
            "indicators_answered": self.indicators_answered,
            "met_criteria": list(self.met_criteria),
        }


def summarize(results: Iterable[tuple[int, bool | None, bool]]) -> Summary:
    """`results`: (criterion key, met, answered) per sub-criterion. A criterion is met when all are.

    The key is what `met_criteria` lists (the services pass the criterion's number)."""
    by_criterion = defaultdict(list)
    answered = 0
    for criterion_id, met, is_done in results:
        by_criterion[criterion_id].append(met is True)
        answered += bool(is_done)
    return Summary(
        criteria_total=len(by_criterion),
        criteria_met=sum(1 for flags in by_criterion.values() if flags and all(flags)),
        indicators_total=sum(len(flags) for flags in by_criterion.values()),
        indicators_met=sum(sum(flags) for flags in by_criterion.values()),
        indicators_answered=answered,
        met_criteria=tuple(sorted(key for key, flags in by_criterion.items() if flags and all(flags))),
    )
