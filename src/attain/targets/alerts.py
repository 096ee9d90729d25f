"""Alerts on a target's status change, with likely causes read from the metric tree.

A metric tree says which metrics drive which: revenue comes from pipeline (coverage), how
much of it is won (win rate), how big the deals are (deal size) and how fast they close
(cycle length). When a target's status worsens, each driver of its metric is read for the
same owner and period and set against its baseline (the prior period, or last year); a
driver that moved the wrong way by more than :data:`CHANGE_THRESHOLD`, or sits beyond its
floor (pipeline coverage under 3×), is a likely cause, and the tree's corrective action for
it is suggested. Each cause carries the numbers that made it one, so an alert can always be
traced back.

Pure: readings come in as plain values (:mod:`attain.targets.services` reads them from the
metric catalog); this module never imports Django, Ibis or a warehouse backend.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext

from attain.core.money import round_money, round_rate
from attain.targets.monitoring import Direction, Status, StatusChange

CHANGE_THRESHOLD = Decimal("0.05")
"""A driver is a likely cause when it moved the wrong way by more than 5% of its baseline."""

_SEVERITY: dict[Status, int] = {"on_track": 0, "at_risk": 1, "off_track": 2}


@dataclass(frozen=True, slots=True)
class Driver:
    """A metric that drives another, which way is good for it, and what to do if it slips."""

    metric: str
    label: str
    direction: Direction
    action: str
    """The corrective action suggested when this driver is a likely cause."""
    floor: Decimal | None = None
    """A level that is a cause on its own: below it (higher-is-better) or above it."""
    unit: str = "number"
    """How its values read: ``ratio`` as a percentage, ``times`` as a multiple, ``days``."""


_PIPELINE = Driver("pipeline_coverage", "pipeline coverage", "higher",
                   "Prospecting: build pipeline to at least 3× the target still to close",
                   floor=Decimal(3), unit="times")
_WIN_RATE = Driver("win_rate", "win rate", "higher",
                   "Coaching on the stage where deals are lost; review recent lost deals",
                   unit="ratio")
_DEAL_SIZE = Driver("average_deal_size", "average deal size", "higher",
                    "Pricing and discount review; look for cross-sell and upsell")
_CYCLE = Driver("sales_cycle_days", "sales cycle", "lower",
                "Deal reviews to unblock stalled late-stage deals", unit="days")
_REVENUE_DRIVERS = (_PIPELINE, _WIN_RATE, _DEAL_SIZE, _CYCLE)

METRIC_TREE: Mapping[str, tuple[Driver, ...]] = {
    "revenue": _REVENUE_DRIVERS,
    "lead_conversion_rate": (
        Driver("activities", "sales activities", "higher",
               "Coaching on the follow-up cadence: every new lead called within a day"),
    ),
    "leads_qualified": (
        Driver("leads_generated", "leads generated", "higher",
               "Marketing: fund the campaigns that source qualified leads"),
        Driver("activities", "prospecting activities", "higher",
               "Prospecting: more calls, emails and meetings with target accounts"),
    ),
    "customer_retention_rate": (
        Driver("nps", "net promoter score", "higher",
               "Customer-success review of detractors before renewal"),
        Driver("csat", "customer satisfaction", "higher",
               "Service review of the accounts with low satisfaction", unit="ratio"),
    ),
    "sales_cycle_days": (
        Driver("stage_conversion", "stage conversion", "higher",
               "Coaching on the stage where deals stall; deal reviews to unblock them",
               unit="ratio"),
        _WIN_RATE,
    ),
}
"""Which metrics drive which (docs/targets.md lists it)."""


@dataclass(frozen=True, slots=True)
class Reading:
    """A driver's value for the owner and period, and its baseline."""

    current: Decimal | None
    baseline: Decimal | None


@dataclass(frozen=True, slots=True)
class Cause:
    """A likely cause: the driver, its numbers, why it counts, and what to do."""

    driver: Driver
    current: Decimal
    baseline: Decimal | None
    change_ratio: Decimal | None
    """(current − baseline) ÷ |baseline|; None without a baseline."""
    why: str
    action: str


@dataclass(frozen=True, slots=True)
class Alert:
    """A status change on a target, with its numbers, likely causes and suggested actions."""

    change: StatusChange
    causes: tuple[Cause, ...]
    message: str

    @property
    def worsened(self) -> bool:
        return got_worse(self.change)

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(cause.action for cause in self.causes)


def likely_causes(metric: str, readings: Mapping[str, Reading], *,
                  threshold: Decimal = CHANGE_THRESHOLD) -> list[Cause]:
    """The drivers of ``metric`` that moved the wrong way or sit beyond their floor,
    worst first (by relative change; floor-only causes last)."""
    causes = []
    for driver in METRIC_TREE.get(metric, ()):
        reading = readings.get(driver.metric)
        if reading is None or reading.current is None:
            continue
        cause = _cause(driver, reading.current, reading.baseline, threshold)
        if cause is not None:
            causes.append(cause)
    return sorted(causes, key=lambda cause: -_badness(cause))


def _cause(driver: Driver, current: Decimal, baseline: Decimal | None,
           threshold: Decimal) -> Cause | None:
    sign = 1 if driver.direction == "higher" else -1
    change = None
    reasons = []
    if baseline:
        with localcontext() as context:
            context.prec = 38
            change = round_rate((current - baseline) / abs(baseline))
        if sign * change < -threshold:
            reasons.append(f"{driver.label} {_show(current, driver.unit)} against "
                           f"{_show(baseline, driver.unit)} before "
                           f"({_signed_percent(change)})")
    if driver.floor is not None and sign * (current - driver.floor) < 0:
        side = "below" if sign > 0 else "above"
        reasons.append(f"{driver.label} {_show(current, driver.unit)} is {side} "
                       f"{_show(driver.floor, driver.unit)}")
    if not reasons:
        return None
    return Cause(driver, current, baseline, change, "; ".join(reasons), driver.action)


def _badness(cause: Cause) -> Decimal:
    if cause.change_ratio is None:
        return Decimal(0)
    return -cause.change_ratio if cause.driver.direction == "higher" else cause.change_ratio


def got_worse(change: StatusChange) -> bool:
    """True when the status moved toward off track."""
    return _SEVERITY[change.status] > _SEVERITY[change.previous]


def alert_for(change: StatusChange, readings: Mapping[str, Reading], *,
              metric: str | None = None) -> Alert:
    """The alert for one status change: likely causes only when it got worse. ``metric``
    names the catalog metric when the target's own name differs (a quota on bookings is
    read as revenue)."""
    assessment = change.assessment
    spec = assessment.spec
    tree_metric = metric or spec.metric
    owner = f" for {spec.owner}" if spec.owner else ""
    headline = (f"{spec.metric}{owner} {spec.period.label}: "
                f"{change.previous.replace('_', ' ')} → {change.status.replace('_', ' ')} on "
                f"{change.day} ({assessment.reason})")
    worsened = got_worse(change)
    causes = tuple(likely_causes(tree_metric, readings)) if worsened else ()
    if worsened and not causes:
        known = METRIC_TREE.get(tree_metric)
        headline += ("; no driver moved the wrong way" if known
                     else "; the metric tree names no drivers for this metric")
    elif causes:
        headline += "; likely causes: " + "; ".join(cause.why for cause in causes)
    return Alert(change, causes, headline)


def _show(value: Decimal, unit: str = "number") -> str:
    """A driver's value as a manager reads it: 0.333333 of a ratio is 33.3%, a coverage of
    2.5 is 2.5×, a cycle 41.25 days."""
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "times":
        return f"{value:.1f}×"
    if unit == "days":
        return f"{value:.1f} days"
    return format(value.normalize(), "f")


def _signed_percent(ratio: Decimal) -> str:
    return f"{round_money(ratio * 100):+}%"
