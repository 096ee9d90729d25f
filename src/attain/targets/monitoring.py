"""Monitoring a target: actual, pace, variance, attainment, projections and status.

Everything here is a pure function of a :class:`TargetSpec` and a series of actuals, so the
same numbers come out on every backend and every rerun (all arithmetic in ``Decimal``).
docs/targets.md states the rules for users; in short:

- **Accumulating metrics** (bookings, revenue, qualified leads) add up over the period: the
  series is the amount of each day, the actual to date is their sum, and the **expected to
  date** is the target times the share of the period gone by, weighted by the seasonality
  profile (a month weighing twice as much fills twice as fast). On the last day expected
  equals the target.
- **Level metrics** (a conversion rate, an average cycle length) do not add up: the series
  is the metric's to-date value as observed on each day, the actual is the latest one, and
  expected moves in a straight line from the baseline (if any) to the target over the
  period's days.
- **Attainment** of an actual against a target ``t`` (also used for pace: actual against
  expected): higher-is-better ``actual ÷ t``; lower-is-better ``2 − actual ÷ t`` floored at
  0 (at target 100%, at half the target 150%, at double 0%); a zero target is met (100%)
  when the actual is at or on the good side of zero, else 0%.
- **Status**: on track when the pace attainment is at least 95%, at risk from 85%, off
  track below (:data:`ON_TRACK_FROM`, :data:`AT_RISK_FROM`).
- **Projections**: run-rate (accumulating: actual ÷ the seasonal share elapsed; level: the
  actual holds) and a least-squares trend over the days so far with an 80% interval.

This module never imports Django, Ibis or a warehouse backend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from itertools import pairwise
from typing import Literal

from attain.core.money import ONE, ZERO, round_money, round_rate
from attain.core.periods import Period
from attain.targets.allocation import SeasonalityProfile

Direction = Literal["higher", "lower"]
"""Which way is good: more bookings, or fewer days of sales cycle."""
Status = Literal["on_track", "at_risk", "off_track"]

ON_TRACK_FROM = Decimal("0.95")
"""Pace attainment from which a target is on track."""
AT_RISK_FROM = Decimal("0.85")
"""Pace attainment from which a target is at risk (below it: off track)."""
INTERVAL_Z = Decimal("1.2816")
"""Normal quantile for the two-sided 80% interval of the trend projection."""
TWO = Decimal(2)


class MonitoringError(ValueError):
    """A target that cannot be monitored as given."""


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """What is aimed at, for monitoring: metric, period, value and how to read it."""

    metric: str
    period: Period
    value: Decimal
    """The target itself (money, a count, a rate as a fraction, days…); not negative."""
    direction: Direction = "higher"
    accumulates: bool = True
    """True for sums over the period (bookings); False for levels (rates, averages)."""
    baseline: Decimal | None = None
    """Level metrics: where the straight-line path starts ("from 15% to 25%")."""
    seasonality: SeasonalityProfile | None = None
    """Accumulating metrics: how the period fills (flat if None)."""
    owner: str = ""

    def __post_init__(self) -> None:
        if self.value < 0:
            raise MonitoringError(f"{self.metric}: a target cannot be negative ({self.value})")

    def rounded(self, value: Decimal) -> Decimal:
        """Accumulating figures to the cent (or hundredth); levels to six places."""
        return round_money(value) if self.accumulates else round_rate(value)


# --- rules ----------------------------------------------------------------------------------


def attainment(actual: Decimal, target: Decimal, direction: Direction = "higher") -> Decimal:
    """Attainment as a fraction (1 = 100%), by the documented rules, to six places.

    Monotonic: never decreases as ``actual`` grows for higher-is-better, never increases
    for lower-is-better.
    """
    if target < 0:
        raise MonitoringError(f"attainment needs a target of at least 0, not {target}")
    if target == 0:
        good = actual >= 0 if direction == "higher" else actual <= 0
        return ONE if good else ZERO
    with localcontext() as context:
        context.prec = 38
        ratio = actual / target
        return round_rate(ratio if direction == "higher" else max(TWO - ratio, ZERO))


def status_for(pace_attainment: Decimal) -> Status:
    """On track from 95% of pace, at risk from 85%, else off track."""
    if pace_attainment >= ON_TRACK_FROM:
        return "on_track"
    if pace_attainment >= AT_RISK_FROM:
        return "at_risk"
    return "off_track"


def elapsed_share(period: Period, as_of: dt.date,
                  seasonality: SeasonalityProfile | None = None) -> Decimal:
    """Share of the period's expected total due by the end of ``as_of``, from 0 to 1.

    Each day weighs its month's seasonality weight divided by the month's length, so a
    flat profile gives the share of days in whole months; exactly 1 from the last day on.
    """
    if as_of < period.start:
        return ZERO
    if as_of >= period.end:
        return ONE
    profile = seasonality or SeasonalityProfile.flat()
    done = total = ZERO
    with localcontext() as context:
        context.prec = 38
        for month in period.months():
            first, last = max(month.start, period.start), min(month.end, period.end)
            per_day = profile.weight(month.start.month) / month.days
            total += per_day * ((last - first).days + 1)
            if as_of >= first:
                done += per_day * ((min(last, as_of) - first).days + 1)
        if total == 0:
            raise MonitoringError(f"the seasonality profile gives {period.label} no weight")
        return done / total


def expected_to_date(spec: TargetSpec, as_of: dt.date) -> Decimal:
    """Where the target should stand at the end of ``as_of`` (pace)."""
    with localcontext() as context:
        context.prec = 38
        if spec.accumulates:
            return spec.rounded(spec.value * elapsed_share(spec.period, as_of, spec.seasonality))
        if spec.baseline is None:
            return spec.rounded(spec.value)
        fraction = spec.period.elapsed_fraction(as_of)
        return spec.rounded(spec.baseline + (spec.value - spec.baseline) * fraction)


# --- projections ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Projection:
    """A projected value at the period's end, with an 80% interval when there is one."""

    value: Decimal
    low: Decimal | None = None
    high: Decimal | None = None
    method: str = ""


def run_rate_projection(spec: TargetSpec, as_of: dt.date, actual: Decimal) -> Projection | None:
    """Accumulating: the actual grown at the same pace to the period's end; level: as is."""
    if not spec.accumulates:
        return Projection(actual, method="run rate: the current level holds")
    share = elapsed_share(spec.period, as_of, spec.seasonality)
    if share == 0:
        return None
    with localcontext() as context:
        context.prec = 38
        return Projection(spec.rounded(actual / share),
                          method=f"run rate: actual ÷ {round_rate(share)} of the period's pace")


def trend_projection(spec: TargetSpec, as_of: dt.date,
                     series: Sequence[tuple[dt.date, Decimal]]) -> Projection | None:
    """Least-squares line through the days so far, projected to the period's end, ±80%.

    Accumulating: a line through each day's amount (days without rows count 0); the
    projection is the actual plus the line's sum over the days left (a day never below
    zero), and the interval is that sum's prediction interval (residual and slope
    uncertainty, normal 80%), its low end never below the actual to date.
    Level: a line through the observed to-date values, read at the last day.
    Needs at least three days; None before that.
    """
    end = min(as_of, spec.period.end)
    points = _points(spec, end, series)
    if len(points) < 3:
        return None
    with localcontext() as context:
        context.prec = 38
        n = Decimal(len(points))
        mean_x = sum((x for x, _ in points), ZERO) / n
        mean_y = sum((y for _, y in points), ZERO) / n
        sxx = sum(((x - mean_x) ** 2 for x, _ in points), ZERO)
        slope = (sum(((x - mean_x) * (y - mean_y) for x, y in points), ZERO) / sxx
                 if sxx else ZERO)
        intercept = mean_y - slope * mean_x
        residuals = sum(((y - intercept - slope * x) ** 2 for x, y in points), ZERO)
        sigma = (residuals / (n - 2)).sqrt()
        last_x = Decimal((spec.period.end - spec.period.start).days)
        if spec.accumulates:
            future = [Decimal(x) for x in range(int(points[-1][0]) + 1, int(last_x) + 1)]
            m = Decimal(len(future))
            # A day ahead is never predicted below zero: a falling line must not project
            # sales being taken back.
            ahead = sum((max(intercept + slope * x, ZERO) for x in future), ZERO)
            centred = sum((x - mean_x for x in future), ZERO)
            spread = (m + m * m / n + (centred * centred / sxx if sxx else ZERO)).sqrt()
            value = sum((y for _, y in points), ZERO) + ahead
            method = f"trend: a line through {len(points)} daily amounts"
        else:
            value = intercept + slope * last_x
            spread = (ONE + ONE / n + ((last_x - mean_x) ** 2 / sxx if sxx else ZERO)).sqrt()
            method = f"trend: a line through {len(points)} observed values"
        margin = INTERVAL_Z * sigma * spread
        low = value - margin
        if spec.accumulates:
            low = max(low, sum((y for _, y in points), ZERO))
        return Projection(spec.rounded(value), spec.rounded(low), spec.rounded(value + margin),
                          method)


def _points(spec: TargetSpec, end: dt.date,
            series: Sequence[tuple[dt.date, Decimal]]) -> list[tuple[Decimal, Decimal]]:
    """(day number from the period start, y) for the days of the period up to ``end``."""
    start = spec.period.start
    inside = [(day, value) for day, value in series if start <= day <= end]
    if spec.accumulates:
        if end < start:
            return []
        daily = dict.fromkeys(range((end - start).days + 1), ZERO)
        for day, value in inside:
            daily[(day - start).days] += value
        return [(Decimal(x), y) for x, y in sorted(daily.items())]
    return [(Decimal((day - start).days), value) for day, value in sorted(inside)]


# --- the assessment -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything monitoring says about one target on one day; every figure is traceable."""

    spec: TargetSpec
    as_of: dt.date
    actual: Decimal
    """Accumulating: the sum to date; level: the latest to-date value."""
    expected: Decimal
    """Pace: where the actual should be by now."""
    variance: Decimal
    """actual − expected (for lower-is-better, negative is good)."""
    variance_ratio: Decimal | None
    """variance ÷ expected; None when nothing is expected yet."""
    attainment: Decimal
    """actual against the full target, by the documented rule."""
    pace_attainment: Decimal
    """actual against expected, by the same rule: what the status reads."""
    progress: Decimal | None
    """With a baseline: the share of the way from baseline to target covered."""
    run_rate: Projection | None
    trend: Projection | None
    status: Status
    reason: str
    """The status rule applied to these numbers, in words."""


def actual_to_date(spec: TargetSpec, as_of: dt.date,
                   series: Sequence[tuple[dt.date, Decimal]]) -> Decimal:
    """Sum of the period's days up to ``as_of``, or the latest observed level."""
    inside = [(day, value) for day, value in series if spec.period.start <= day <= as_of
              and day <= spec.period.end]
    if spec.accumulates:
        return sum((value for _, value in inside), ZERO)
    if not inside:
        return spec.baseline if spec.baseline is not None else ZERO
    return max(inside, key=lambda item: item[0])[1]


def assess(spec: TargetSpec, as_of: dt.date, series: Sequence[tuple[dt.date, Decimal]],
           *, actual: Decimal | None = None) -> Assessment:
    """Monitor ``spec`` on ``as_of`` from ``series`` (see the module docstring for its shape).

    ``actual`` overrides the value read from the series (a ratio to date computed from its
    numerator and denominator, for instance).
    """
    actual = actual_to_date(spec, as_of, series) if actual is None else actual
    expected = expected_to_date(spec, as_of)
    variance = actual - expected
    with localcontext() as context:
        context.prec = 38
        variance_ratio = round_rate(variance / expected) if expected else None
        progress = None
        if spec.baseline is not None and spec.baseline != spec.value:
            progress = round_rate((actual - spec.baseline) / (spec.value - spec.baseline))
    pace = attainment(actual, expected, spec.direction)
    status = status_for(pace)
    reason = (f"{_percent(pace)} of pace (actual {actual} against {expected} expected by "
              f"{as_of}): {status.replace('_', ' ')} (on track from {_percent(ON_TRACK_FROM)}, "
              f"at risk from {_percent(AT_RISK_FROM)})")
    return Assessment(
        spec=spec, as_of=as_of, actual=actual, expected=expected, variance=variance,
        variance_ratio=variance_ratio, attainment=attainment(actual, spec.value, spec.direction),
        pace_attainment=pace, progress=progress,
        run_rate=run_rate_projection(spec, as_of, actual),
        trend=trend_projection(spec, as_of, series), status=status, reason=reason,
    )


def _percent(fraction: Decimal) -> str:
    return f"{round_money(fraction * 100)}%"


# --- status over time -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatusPoint:
    """The status on one review day and the numbers it was read from."""

    day: dt.date
    status: Status
    pace_attainment: Decimal
    actual: Decimal
    expected: Decimal


@dataclass(frozen=True, slots=True)
class StatusChange:
    """The status moved between two review days: what an alert is raised on."""

    day: dt.date
    previous: Status
    status: Status
    assessment: Assessment


def review_days(period: Period, as_of: dt.date, every_days: int = 7) -> list[dt.date]:
    """Review days from the period's first week to ``as_of``: every ``every_days`` days,
    counted from the start, and ``as_of`` itself."""
    last = min(as_of, period.end)
    days = []
    day = period.start + dt.timedelta(days=every_days - 1)
    while day < last:
        days.append(day)
        day += dt.timedelta(days=every_days)
    if last >= period.start:
        days.append(last)
    return days


def status_history(spec: TargetSpec, series: Sequence[tuple[dt.date, Decimal]],
                   days: Sequence[dt.date]) -> list[StatusPoint]:
    """The status on each of ``days``, as it would have been read that day."""
    points = []
    for day in days:
        actual, expected = actual_to_date(spec, day, series), expected_to_date(spec, day)
        pace = attainment(actual, expected, spec.direction)
        points.append(StatusPoint(day, status_for(pace), pace, actual, expected))
    return points


def status_changes(spec: TargetSpec, series: Sequence[tuple[dt.date, Decimal]],
                   days: Sequence[dt.date]) -> list[StatusChange]:
    """Each day on which the status differs from the review before, with the numbers."""
    history = status_history(spec, series, days)
    return [StatusChange(later.day, earlier.status, later.status,
                         assess(spec, later.day, series))
            for earlier, later in pairwise(history)
            if later.status != earlier.status]
