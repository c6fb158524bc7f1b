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


def distribution(data: Mapping[str, Any]) -> dict[str, Any]:
    """Each commune's value of a numeric sub-criterion as a dot on one axis, with the target line(s)."""
    values = data["values"]
    thresholds = [float(t.threshold) for t in data["targets"] if t.threshold is not None]
    low = min(values + thresholds + [0])
    high = max(values + thresholds + [1])
    span = (high - low) or 1
    width, height, pad = 600, 70, 20

    def x(value: float) -> str:
        return _n(pad + (width - 2 * pad) * (value - low) / span)

    return {
        **data,
        "width": width,
        "height": height,
        "dots": [{"x": x(v), "value": v} for v in values],
        "thresholds": [
            {"x": x(float(t.threshold)), "zone": t.zone, "text": t.target_text}
            for t in data["targets"]
            if t.threshold is not None
        ],
        "low": f"{low:g}",
        "high": f"{high:g}",
        "right": width - pad,
    }
