"""Monitoring: pace, variance, attainment rules, projections, status and its history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attain.core.periods import DEFAULT_CALENDAR
from attain.targets.allocation import SeasonalityProfile
from attain.targets.monitoring import (
    MonitoringError,
    TargetSpec,
    assess,
    attainment,
    elapsed_share,
    expected_to_date,
    review_days,
    status_changes,
    status_history,
    trend_projection,
)

Q1 = DEFAULT_CALENDAR.parse("FY2026-Q1")  # 90 days: Jan 31, Feb 28, Mar 31
JANUARY = DEFAULT_CALENDAR.parse("2026-01")


def day(month: int, number: int) -> dt.date:
    return dt.date(2026, month, number)


def test_sales_half_way_through_the_quarter_are_at_risk_behind_pace() -> None:
    # $500,000 in Q1. On 14 Feb, January (1 of 3 months) and half of February have gone:
    # share (1 + 14/28) / 3 = 0.5 -> expected 250,000.00. Actual 230,000: variance -20,000
    # (-8%), pace 230/250 = 92% -> at risk (85% <= 92% < 95%); attainment 230/500 = 46%;
    # run rate 230,000 / 0.5 = 460,000.
    spec = TargetSpec("revenue", Q1, Decimal(500000))
    result = assess(spec, day(2, 14), [(day(1, 20), Decimal(150000)),
                                       (day(2, 10), Decimal(80000))])
    assert result.actual == Decimal(230000)
    assert result.expected == Decimal("250000.00")
    assert result.variance == Decimal(-20000)
    assert result.variance_ratio == Decimal("-0.08")
    assert result.pace_attainment == Decimal("0.92")
    assert result.attainment == Decimal("0.46")
    assert result.status == "at_risk"
    assert result.run_rate is not None and result.run_rate.value == Decimal("460000.00")
    assert "92.00% of pace" in result.reason


def test_seasonality_makes_a_heavy_month_fill_faster() -> None:
    # Weights 1, 1, 2: by the end of January a quarter (1 of 4) is due: 125,000.
    profile = SeasonalityProfile.entered({1: Decimal(1), 2: Decimal(1), 3: Decimal(2)})
    spec = TargetSpec("revenue", Q1, Decimal(500000), seasonality=profile)
    assert elapsed_share(Q1, day(1, 31), profile) == Decimal("0.25")
    assert expected_to_date(spec, day(1, 31)) == Decimal("125000.00")


def test_lower_is_better_cycle_length_against_a_straight_line_from_the_baseline() -> None:
    # Cut the cycle from 60 to 45 days over Q1. On 14 Feb (45 of 90 days) expected is
    # 60 - 15 x 0.5 = 52.5. Actual 55: pace 2 - 55/52.5 = 0.952381 -> on track;
    # attainment 2 - 55/45 = 0.777778; progress (55-60)/(45-60) = 0.333333.
    spec = TargetSpec("sales_cycle_days", Q1, Decimal(45), direction="lower",
                      accumulates=False, baseline=Decimal(60))
    result = assess(spec, day(2, 14), [(day(1, 31), Decimal(58)), (day(2, 14), Decimal(55))])
    assert result.actual == Decimal(55)
    assert result.expected == Decimal("52.5")
    assert result.pace_attainment == Decimal("0.952381")
    assert result.attainment == Decimal("0.777778")
    assert result.progress == Decimal("0.333333")
    assert result.status == "on_track"
    assert result.run_rate is not None and result.run_rate.value == Decimal(55)


def test_attainment_rules_for_lower_is_better_and_zero_targets() -> None:
    # Lower: at target 100%, at half the target 150%, at double 0%, beyond never negative.
    assert attainment(Decimal(45), Decimal(45), "lower") == Decimal(1)
    assert attainment(Decimal("22.5"), Decimal(45), "lower") == Decimal("1.5")
    assert attainment(Decimal(90), Decimal(45), "lower") == Decimal(0)
    assert attainment(Decimal(200), Decimal(45), "lower") == Decimal(0)
    # Zero target: met (100%) at or on the good side of zero, else 0%.
    assert attainment(Decimal(0), Decimal(0), "higher") == Decimal(1)
    assert attainment(Decimal(-1), Decimal(0), "higher") == Decimal(0)
    assert attainment(Decimal(0), Decimal(0), "lower") == Decimal(1)
    assert attainment(Decimal(3), Decimal(0), "lower") == Decimal(0)


def test_a_negative_target_is_refused() -> None:
    with pytest.raises(MonitoringError, match="cannot be negative"):
        TargetSpec("revenue", Q1, Decimal(-1))


def test_trend_of_a_perfect_line_projects_its_sum_with_no_spread() -> None:
    # January, days 0..9 sell 10 + 2x: 190 so far. The 21 days left (x = 10..30) add
    # 21 x 10 + 2 x (10 + ... + 30) = 210 + 2 x 420 = 1,050: projection 1,240, no spread.
    # Run rate: 190 / (10/31) = 589.00.
    spec = TargetSpec("revenue", JANUARY, Decimal(1000))
    series = [(day(1, 1 + x), Decimal(10 + 2 * x)) for x in range(10)]
    result = assess(spec, day(1, 10), series)
    assert result.trend is not None
    assert (result.trend.value, result.trend.low, result.trend.high) == (
        Decimal("1240.00"), Decimal("1240.00"), Decimal("1240.00"))
    assert result.run_rate is not None and result.run_rate.value == Decimal("589.00")


def test_a_falling_trend_never_projects_sales_being_taken_back() -> None:
    # Days 0..9 sell 90, 80, ..., 0: 450 so far. The line 90 - 10x is negative from day 10
    # on, so the 21 days left add 0: projection 450, and the interval cannot go below 450.
    spec = TargetSpec("revenue", JANUARY, Decimal(1000))
    series = [(day(1, 1 + x), Decimal(90 - 10 * x)) for x in range(10)]
    projection = trend_projection(spec, day(1, 10), series)
    assert projection is not None
    assert (projection.value, projection.low) == (Decimal("450.00"), Decimal("450.00"))


def test_trend_of_a_level_has_an_80_percent_prediction_interval() -> None:
    # Observations 1, 3, 2 on days 0, 1, 2: slope 1/2, intercept 1.5, residuals -.5, 1, -.5
    # (sum of squares 1.5, sigma sqrt(1.5/1) = 1.224745). At day 30: 1.5 + 15 = 16.5;
    # spread sqrt(1 + 1/3 + 29²/2) = 20.538582; margin 1.2816 x 1.224745 x 20.538582
    # = 32.238036 -> -15.738036 .. 48.738036.
    spec = TargetSpec("win_rate", JANUARY, Decimal(20), accumulates=False)
    series = [(day(1, 1), Decimal(1)), (day(1, 2), Decimal(3)), (day(1, 3), Decimal(2))]
    projection = trend_projection(spec, day(1, 3), series)
    assert projection is not None
    assert projection.value == Decimal("16.5")
    assert projection.low == Decimal("-15.738036")
    assert projection.high == Decimal("48.738036")


def test_no_trend_before_three_days() -> None:
    spec = TargetSpec("revenue", JANUARY, Decimal(1000))
    assert trend_projection(spec, day(1, 2), [(day(1, 1), Decimal(5))]) is None


def test_status_history_and_the_change_that_raises_an_alert() -> None:
    # January 3,100: pace 100 a day. Sells 100 a day except on 11 and 12 January.
    # 7 Jan: 700/700 on track; 14 Jan: 1,200/1,400 = 85.7% at risk; 21 Jan 1,900/2,100
    # = 90.5%; 28 Jan 2,600/2,800 = 92.9%; 31 Jan 2,900/3,100 = 93.5%: at risk throughout.
    spec = TargetSpec("revenue", JANUARY, Decimal(3100))
    series = [(day(1, n), Decimal(100)) for n in range(1, 32) if n not in (11, 12)]
    days = review_days(JANUARY, day(1, 31))
    assert days == [day(1, 7), day(1, 14), day(1, 21), day(1, 28), day(1, 31)]
    history = status_history(spec, series, days)
    assert [point.status for point in history] == [
        "on_track", "at_risk", "at_risk", "at_risk", "at_risk"]
    assert history[1].pace_attainment == Decimal("0.857143")
    changes = status_changes(spec, series, days)
    assert [(change.day, change.previous, change.status) for change in changes] == [
        (day(1, 14), "on_track", "at_risk")]
    assert changes[0].assessment.actual == Decimal(1200)


_profiles = st.lists(st.integers(min_value=0, max_value=5), min_size=12, max_size=12).filter(
    lambda weights: all(weights))


@settings(max_examples=100, deadline=None)
@given(value=st.integers(min_value=0, max_value=10**9), kind=st.sampled_from(["quarter", "half"]),
       number=st.integers(min_value=1, max_value=2), weights=_profiles,
       accumulates=st.booleans(), baseline=st.none() | st.integers(0, 10**6))
def test_pace_at_period_end_equals_the_target(value: int, kind: str, number: int,
                                              weights: list[int], accumulates: bool,
                                              baseline: int | None) -> None:
    period = DEFAULT_CALENDAR.parse(f"FY2026-{kind[0].upper()}{number}")
    spec = TargetSpec("m", period, Decimal(value) / 100, accumulates=accumulates,
                      baseline=None if baseline is None else Decimal(baseline),
                      seasonality=SeasonalityProfile(tuple(Decimal(w) for w in weights)))
    assert expected_to_date(spec, period.end) == Decimal(value) / 100


@settings(max_examples=200, deadline=None)
@given(a=st.integers(-10**6, 10**6), b=st.integers(-10**6, 10**6),
       target=st.integers(0, 10**6))
def test_attainment_is_monotonic_in_actual_and_reversed_for_lower_is_better(
        a: int, b: int, target: int) -> None:
    low, high = sorted((Decimal(a) / 100, Decimal(b) / 100))
    goal = Decimal(target) / 100
    assert attainment(low, goal, "higher") <= attainment(high, goal, "higher")
    assert attainment(low, goal, "lower") >= attainment(high, goal, "lower")
