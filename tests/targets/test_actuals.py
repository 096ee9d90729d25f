"""Actuals from the metric catalog, in the shape each metric calls for (conftest's company)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from attain.core.periods import DEFAULT_CALENDAR
from attain.targets import actuals
from attain.targets.monitoring import TargetSpec, assess

pytestmark = pytest.mark.django_db
JANUARY = DEFAULT_CALENDAR.parse("2026-01")


def test_an_additive_metric_gives_each_days_amount(company: str) -> None:
    points = actuals.series("bookings", "person:E1", JANUARY, dt.date(2026, 1, 12))
    # 100.00 on 1-10 January; nothing on the 11th and 12th.
    assert points == [(dt.date(2026, 1, day), Decimal("100.00")) for day in range(1, 11)]


def test_a_ratio_to_date_is_divided_from_running_sums(company: str) -> None:
    # January closes: O-5 won on the 5th, O-6/7/8 lost on the 10th, 15th, 20th.
    # Running won / closed to date: 1/1, 1/2, 1/3, 1/4, one point per day with a close.
    points = actuals.series("win_rate", "person:E1", JANUARY, dt.date(2026, 1, 31))
    assert points == [(dt.date(2026, 1, 5), Decimal("1.000000")),
                      (dt.date(2026, 1, 10), Decimal("0.500000")),
                      (dt.date(2026, 1, 15), Decimal("0.333333")),
                      (dt.date(2026, 1, 20), Decimal("0.250000"))]


def test_a_level_goal_is_monitored_from_its_to_date_ratio(company: str) -> None:
    # Win rate from 0.75 (December) to 0.80 over January. On 31 January expected is the
    # target 0.80; actual 0.25: pace 0.25 / 0.8 = 0.3125 -> off track.
    spec = TargetSpec("win_rate", JANUARY, Decimal("0.80"), accumulates=False,
                      baseline=Decimal("0.75"), owner="person:E1")
    points = actuals.series("win_rate", "person:E1", JANUARY, dt.date(2026, 1, 31))
    result = assess(spec, dt.date(2026, 1, 31), points)
    assert (result.actual, result.expected) == (Decimal("0.250000"), Decimal("0.8"))
    assert result.pace_attainment == Decimal("0.3125")
    assert result.status == "off_track"


def test_values_over_sums_or_reads_the_ratio_to_date_for_each_owner(company: str) -> None:
    # E1: 3,500 in Nov-Dec 2025; E2 sold nothing. Win rate over December: 3 of 4.
    assert actuals.values_over("revenue", ["person:E1", "person:E2"], dt.date(2025, 11, 1),
                               dt.date(2025, 12, 31)) == {"person:E1": Decimal("3500.00"),
                                                          "person:E2": None}
    assert actuals.values_over("win_rate", ["team:T1"], dt.date(2025, 12, 1),
                               dt.date(2025, 12, 31)) == {"team:T1": Decimal("0.750000")}


def test_an_unknown_metric_or_owner_is_said_plainly(company: str) -> None:
    with pytest.raises(actuals.ActualsError, match="unknown metric 'revnue'"):
        actuals.series("revnue", "company", JANUARY, dt.date(2026, 1, 31))
    with pytest.raises(actuals.ActualsError, match="write company, person:ID"):
        actuals.owner_filters("E1")
