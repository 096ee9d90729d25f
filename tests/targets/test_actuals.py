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


def test_past_changes_compare_windows_of_the_goals_length_as_far_back_as_the_baseline(
        warehouse: str) -> None:
    # E1 sold 100, 200, 300 in Jul-Sep 2025 (Q3: 600) and 400, 500, 600 in Oct-Dec
    # (Q4: 1,500). For a Q1 2026 goal, quarter windows tiled back from 1 January:
    # - against the quarter before (lag 3): Q4 1,500 vs Q3 600 = +150%; Q3 vs Q2 (none)
    #   is no change; so [1.5];
    # - year on year (lag 12): Q4 2025 vs Q4 2024 (none): nothing to compare;
    # - month windows, month before (lag 1): Aug/Jul +100%, Sep/Aug +50%, Oct/Sep
    #   +33.3333%, Nov/Oct +25%, Dec/Nov +20%.
    from tests.metrics import builders

    builders.load(warehouse, transactions="""
        transaction_id,owner_id,amount,booked_on
        T7,E1,100.00,2025-07-10
        T8,E1,200.00,2025-08-10
        T9,E1,300.00,2025-09-10
        T10,E1,400.00,2025-10-10
        T11,E1,500.00,2025-11-10
        T12,E1,600.00,2025-12-10
    """)
    builders.org("person_id,team,valid_from\nE1,T1,2025-01-01\n")
    q1 = DEFAULT_CALENDAR.parse("FY2026-Q1")
    prior, months = actuals.past_changes("revenue", "person:E1", q1, window_months=3,
                                         lag_months=3)
    assert (prior, months) == ([Decimal("1.5")], 6)
    assert actuals.past_changes("revenue", "person:E1", q1, window_months=3,
                                lag_months=12)[0] == []
    monthly = actuals.past_changes("revenue", "person:E1", JANUARY, window_months=1,
                                   lag_months=1)[0]
    assert sorted(monthly) == [Decimal("0.2"), Decimal("0.25"), Decimal("0.333333"),
                               Decimal("0.5"), Decimal("1")]
