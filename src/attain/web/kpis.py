"""What the KPI explorer and the executive dashboard show, read from the metric catalog.

Charts are Plotly figures built here as JSON and drawn by plotly.js shipped in the plotly
wheel (no CDN). Cutting by person follows the money rule: reps and managers see only the
people they may see (team, region and company cuts are open to everyone signed in).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
from django.core.cache import cache

from attain import metrics
from attain.core.company import company_calendar
from attain.metrics import Metric, MetricError
from attain.web import access

COMPARISONS = {"": "none", "prior": "prior period", "yoy": "same period last year",
               "benchmark": "peers (median, top quartile, rank)"}
DASHBOARD = ["revenue", "revenue_growth_yoy", "win_rate", "sales_cycle_days",
             "pipeline_coverage", "cac", "cltv", "customer_churn_rate",
             "net_revenue_retention", "mrr", "nps", "csat"]
MAX_SERIES = 12
AS_OF_TODAY = {"pipeline_coverage"}
"""Tiles read for the quarter under way: open pipeline is what is open today, so a past
quarter's coverage (its deals long closed or slipped) would always read near zero."""


@dataclass
class Exploration:
    metric: Metric
    by: list[str]
    grain: str
    start: dt.date
    end: dt.date
    compare: str
    columns: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    chart: str = ""
    error: str = ""


def format_value(metric: Metric, value: Any) -> str:
    """A value as a person reads it: money with separators, ratios as percentages."""
    if value is None:
        return "—"
    number = Decimal(str(value))
    if metric.unit == "ratio":
        return f"{number * 100:,.1f}%"
    if metric.unit == "money":
        return f"{number:,.0f}" if abs(number) >= 1000 else f"{number:,.2f}"
    if metric.unit in ("days", "months"):
        return f"{number:,.1f} {metric.unit}"
    return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.2f}"


def _person_filter(user: Any, by: list[str], day: dt.date) -> dict[str, Any]:
    if "person" not in by:
        return {}
    visible = access.visible_people(user, day)
    if visible is access.ALL:
        return {}
    return {"person": sorted(visible) or ["-"]}


def explore(user: Any, *, name: str, by: list[str], grain: str, start: dt.date,
            end: dt.date, compare: str = "") -> Exploration:
    """Query one metric for the explorer, with its chart; errors become a message."""
    metric = metrics.get(name)
    result = Exploration(metric, by, grain, start, end, compare)
    unknown = [d for d in by if d not in metric.dimensions]
    if unknown:
        result.error = (f"{metric.label} cannot be cut by {', '.join(unknown)}; it can be cut "
                        f"by {', '.join(metric.dimensions) or 'nothing (company only)'}")
        return result
    if end < start:
        result.error = "the end date is before the start date"
        return result
    try:
        table = metric.query(by=by, grain=grain, start=start, end=end,  # type: ignore[arg-type]
                             compare=compare or None,
                             filters=_person_filter(user, by, end))
        frame = table.to_pyarrow()
    except MetricError as error:
        result.error = str(error)
        return result
    result.columns = frame.column_names
    result.rows = frame.to_pylist()
    result.chart = _chart(metric, result.rows, by)
    return result


def _chart(metric: Metric, rows: list[dict[str, Any]], by: list[str]) -> str:
    """A line per group over the periods (the largest groups first, at most a dozen)."""
    series: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        key = " · ".join(str(row[d]) for d in by) if by else metric.label
        series.setdefault(key, []).append(row)
    ranked = sorted(series.items(),
                    key=lambda item: -sum(abs(float(r["value"] or 0)) for r in item[1]))
    figure = go.Figure()
    scale = 100 if metric.unit == "ratio" else 1
    for key, points in ranked[:MAX_SERIES]:
        figure.add_trace(go.Scatter(
            x=[str(p["period"]) for p in points],
            y=[float(p["value"]) * scale if p["value"] is not None else None for p in points],
            name=key, mode="lines+markers"))
    figure.update_layout(margin={"l": 50, "r": 10, "t": 10, "b": 40}, height=340,
                         legend={"orientation": "h"}, template="plotly_white",
                         yaxis={"title": "%" if metric.unit == "ratio" else metric.unit})
    return str(figure.to_json())


@dataclass
class Tile:
    name: str
    label: str
    period: str
    value: str
    change: str
    good: bool | None
    reason: str
    spark: str


def dashboard(today: dt.date) -> list[Tile]:
    """The executive KPI tiles: each metric's last complete quarter, its change on the same
    quarter a year before and an eight-quarter trend (a quarter still running would compare
    part of a quarter with a whole one). Cached for five minutes: the figures move only
    when data is imported, and a dozen catalog queries are too slow to run per page view."""
    key = f"attain:dashboard:{today.isoformat()}"
    cached = cache.get(key)
    if cached is not None:
        return list(cached)
    current = company_calendar().period_containing(today, "quarter")
    if today < current.end:
        current = current.prior()
    first = current
    for _ in range(7):
        first = first.prior()
    tiles = []
    for name in DASHBOARD:
        metric = metrics.get(name)
        if name in AS_OF_TODAY:
            tiles.append(_today_tile(metric, today))
            continue
        rows = metric.query(grain="quarter", start=first.start, end=current.end).to_pyarrow() \
            .to_pylist()
        latest = rows[-1] if rows else {}
        same_last_year = rows[-5] if len(rows) >= 5 else {}
        change, good = "", None
        if latest.get("value") is not None and same_last_year.get("value") is not None:
            delta = Decimal(str(latest["value"])) - Decimal(str(same_last_year["value"]))
            change = _change_text(metric, delta, Decimal(str(same_last_year["value"])))
            good = (delta > 0) == (metric.direction == "higher") if delta else None
        spark = go.Figure(go.Scatter(
            x=[str(r["period"]) for r in rows],
            y=[float(r["value"]) if r["value"] is not None else None for r in rows],
            mode="lines", line={"width": 2}, hoverinfo="x+y"))
        spark.update_layout(margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=50,
                            xaxis={"visible": False}, yaxis={"visible": False},
                            template="plotly_white", showlegend=False)
        tiles.append(Tile(metric.name, metric.label, str(latest.get("period", current.label)),
                          format_value(metric, latest.get("value")), change, good,
                          str(latest.get("reason") or ""), str(spark.to_json())))
    cache.set(key, tiles, 300)
    return tiles


def _today_tile(metric: Metric, today: dt.date) -> Tile:
    """A tile for the quarter under way, read to today, with no trend or comparison (the
    warehouse keeps what is open now, not what was open a year ago)."""
    running = company_calendar().period_containing(today, "quarter")
    rows = metric.query(grain="quarter", start=running.start, end=running.end).to_pyarrow() \
        .to_pylist()
    latest = rows[-1] if rows else {}
    value = latest.get("value")
    reason = str(latest.get("reason") or "no data yet in the quarter")
    return Tile(metric.name, metric.label, f"{running.label} so far",
                format_value(metric, value), "" if value is None else "the quarter under way",
                None, reason, "")


def _change_text(metric: Metric, delta: Decimal, base: Decimal) -> str:
    if metric.unit == "ratio":
        return f"{delta * 100:+.1f} pts vs last year"
    if metric.unit == "score":
        # A score such as NPS runs from -100 to 100: its change is in points, and a
        # percentage of a score near zero says nothing.
        return f"{delta:+.1f} pts vs last year"
    if base:
        return f"{delta / abs(base) * 100:+.1f}% vs last year"
    return f"{format_value(metric, delta)} vs last year"


def as_json_rows(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, default=str)
