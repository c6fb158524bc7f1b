"""Small charts drawn on the server as SVG coordinates (no chart library, no JavaScript).

Coordinates are handed to templates as strings: Vietnamese number formatting would otherwise write
"142,0", which SVG does not read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reports.models import MonthlyReport


def _n(value: float) -> str:
    return f"{value:.1f}"


WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP, PAD_RIGHT = 640, 220, 40, 34, 10, 30


def _x(index: int, count: int) -> float:
    span = WIDTH - PAD_LEFT - PAD_RIGHT
    return PAD_LEFT + (span * index / (count - 1) if count > 1 else span / 2)


def _y(share: float) -> float:
    return PAD_TOP + (HEIGHT - PAD_TOP - PAD_BOTTOM) * (1 - share)


def trajectory(reports: Sequence[MonthlyReport]) -> dict[str, Any]:
    """Criteria met and sub-criteria met over time, as shares of their totals (0–100 %).

    The lines break where the criteria set changes, or the unit (a report of another unit version, after
    a merger): shares of two different sets do not continue each other. Each break gets a marker naming
    the set that begins there (`reports` are read with their `criteria_set`)."""
    count = len(reports)
    lines = {"criteria": [], "indicators": []}
    segments: list[dict[str, list[str]]] = []
    breaks = []
    labels = []
    previous: MonthlyReport | None = None
    for index, report in enumerate(reports):
        x = _x(index, count)
        if previous is None or (previous.criteria_set_id, previous.commune_id) != (
            report.criteria_set_id,
            report.commune_id,
        ):
            segments.append({"criteria": [], "indicators": []})
            if previous is not None:
                breaks.append(
                    {
                        "x": _n(x - (x - _x(index - 1, count)) / 2),
                        "text": report.criteria_set.code,
                        "criteria_set": report.criteria_set,
                        "period": report.period,
                        "set_changed": previous.criteria_set_id != report.criteria_set_id,
                    }
                )
        for key, met, total in (
            ("criteria", report.criteria_met, report.criteria_total),
            ("indicators", report.indicators_met, report.indicators_total),
        ):
            y = _y(met / total if total else 0)
            lines[key].append(
                {
                    "x": _n(x),
                    "y": _n(y),
                    "x0": _n(x - 3),
                    "y0": _n(y - 3),
                    "met": met,
                    "total": total,
                    "period": report.period,
                }
            )
            segments[-1][key].append(f"{_n(x)},{_n(y)}")
        step = max(1, count // 8)
        if index % step == 0 or index == count - 1:
            labels.append({"x": _n(x), "text": str(report.period)})
        previous = report
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "lines": {key: {"dots": pts} for key, pts in lines.items()},
        "segments": [{key: " ".join(points) for key, points in segment.items()} for segment in segments],
        "breaks": breaks,
        "top": PAD_TOP,
        "bottom": HEIGHT - PAD_BOTTOM,
        "labels": labels,
        "grid": [{"y": _n(_y(share)), "text": f"{int(share * 100)}%"} for share in (0, 0.25, 0.5, 0.75, 1)],
        "count": count,
    }


BARS_MAX = 40  # beyond this many communes a criterion chart counts them per band of values instead
NAME_LENGTH = 20


def _label(name: str) -> str:
    return name if len(name) <= NAME_LENGTH else name[: NAME_LENGTH - 1] + "…"


def _value(value: float) -> str:
    return f"{value:g}"


def distribution(data: Mapping[str, Any]) -> dict[str, Any]:
    """A numeric sub-criterion's values across the communes, against the target line(s): one labelled bar
    per commune (name, value, ✓/✗), sorted by value; with more than BARS_MAX communes, a histogram whose
    bars are labelled with how many communes fall in each band of values.

    `data`: selectors.criterion_page's distribution, whose `points` are (commune name, value, met, period
    label, "" for the viewed period) sorted by value."""
    points = data["points"]
    values: list[float] = [value for _name, value, _met, _month in points]
    thresholds = [(float(t.threshold), t) for t in data["targets"] if t.threshold is not None]
    low: float = min(values + [t for t, _ in thresholds] + [0.0])
    high: float = max(values + [t for t, _ in thresholds] + [1.0])
    span = (high - low) or 1
    # Each bar's value label: "62.5 ✓", with the month of a report of an earlier month: "62.5 ✓ (03/2021)".
    value_labels = [
        f"{_value(value)} {'✓' if met else '✗'}" + (f" ({month})" if month else "")
        for _name, value, met, month in points
    ]
    # Whole numbers: templates print them (a float would come out as "373,5" in Vietnamese).
    value_width = 14 + round(6.5 * max((len(label) for label in value_labels), default=4))
    width, label_width, row, axis = 420, 128, 17, 18
    top = 8 + 13 * len(thresholds)
    left, right = label_width, width - value_width

    def x(value: float) -> float:
        return left + (right - left) * (value - low) / span

    chart: dict[str, Any] = {**data, "width": width, "left": left, "right": right, "top": top}
    if len(points) <= BARS_MAX:
        bars = []
        for index, ((name, value, met, month), value_label) in enumerate(zip(points, value_labels, strict=True)):
            y = top + index * row
            bars.append(
                {
                    "y": _n(y + 2),
                    "text_y": _n(y + row - 5),
                    "width": _n(max(x(value) - left, 1.5)),
                    "name": _label(name),
                    "full_name": name,
                    "value": _value(value),
                    "label": value_label,
                    "value_x": _n(max(x(value), left) + 4),
                    "met": met,
                    "month": month,
                }
            )
        chart.update(kind="bars", bars=bars, bar_height=row - 4, bottom=top + len(points) * row)
    else:
        bands = 10
        size = span / bands
        counts = [0] * bands
        for value in values:
            counts[min(int((value - low) / size), bands - 1)] += 1
        peak = max(counts) or 1
        height = 120
        columns = []
        for index, count in enumerate(counts):
            x0, x1 = x(low + index * size), x(low + (index + 1) * size)
            h = (height - 16) * count / peak
            columns.append(
                {
                    "x": _n(x0 + 1),
                    "width": _n(x1 - x0 - 2),
                    "y": _n(top + height - h),
                    "height": _n(h),
                    "count": count,
                    "count_x": _n((x0 + x1) / 2),
                    "count_y": _n(top + height - h - 3),
                    "from": _value(round(low + index * size, 2)),
                    "to": _value(round(low + (index + 1) * size, 2)),
                }
            )
        chart.update(kind="histogram", columns=columns, bottom=top + height)
    chart.update(
        height=chart["bottom"] + axis,
        axis_y=_n(chart["bottom"] + axis - 5),
        low=_value(low),
        high=_value(high),
        thresholds=[
            {
                "x": _n(x(value)),
                "text_y": _n(8 + 13 * index),
                "zone": t.zone,
                "text": t.target_text,
                "anchor": "end" if x(value) > (left + right) / 2 else "start",
            }
            for index, (value, t) in enumerate(thresholds)
        ],
    )
    return chart
