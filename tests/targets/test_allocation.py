"""Quota allocation: top-down by method, seasonality, ramp, proration; children sum exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attain.core.money import CENT, sum_money
from attain.core.periods import DEFAULT_CALENDAR
from attain.targets.allocation import (
    AllocationError,
    Child,
    SeasonalityProfile,
    WorkingTime,
    allocate_top_down,
    gap_check,
    prorated_fte,
    ramp_factor,
    spread_over_months,
)

Q1 = DEFAULT_CALENDAR.parse("FY2026-Q1")
JANUARY = DEFAULT_CALENDAR.parse("2026-01")
FEBRUARY = DEFAULT_CALENDAR.parse("2026-02")
MARCH = DEFAULT_CALENDAR.parse("2026-03")


def test_equal_allocation_hands_left_over_cents_to_the_earliest_parts() -> None:
    # 100,000.00 over Jan/Feb/Mar: 3,333,333.33 cents each -> Jan takes the odd cent
    # (33,333.34). Jan split 3 ways: 1,111,111.33 cents each -> A takes the odd cent.
    # A = 11,111.12 + 11,111.11 + 11,111.11 = 33,333.34; B = C = 33,333.33.
    result = allocate_top_down(Decimal("100000.00"), Q1, [Child("A"), Child("B"), Child("C")])
    assert result.amounts() == {"A": Decimal("33333.34"), "B": Decimal("33333.33"),
                                "C": Decimal("33333.33")}
    assert [amount for _, amount in result.children[0].by_month] == [
        Decimal("11111.12"), Decimal("11111.11"), Decimal("11111.11")]
    assert not result.check.flagged


def test_ramp_and_part_time_shift_quota_to_full_capacity_reps() -> None:
    # 90,000 over Q1, flat: 30,000 a month. A full time; B hired 1 Jan on a 25/50/75 ramp;
    # C half time all quarter.
    # Jan weights 1, .25, .5 (sum 1.75): A 17,142.857.., B 4,285.714.., C 8,571.428..;
    #   floors leave 2 cents, largest remainders C (.857) then A (.714):
    #   A 17,142.86, B 4,285.71, C 8,571.43.
    # Feb weights 1, .5, .5 (sum 2): A 15,000, B 7,500, C 7,500.
    # Mar weights 1, .75, .5 (sum 2.25): A 13,333.333.., B 10,000, C 6,666.666..;
    #   one cent left, to C: A 13,333.33, B 10,000.00, C 6,666.67.
    # Totals: A 45,476.19, B 21,785.71, C 22,738.10 (sum 90,000.00).
    hire_b = dt.date(2026, 1, 1)
    half_time = [WorkingTime(dt.date(2025, 1, 1), None, Decimal("0.5"))]

    def capacity(hire: dt.date, working: list[WorkingTime]) -> dict[dt.date, Decimal]:
        return {month.start: ramp_factor(month, hire)
                * prorated_fte(month, hire_date=hire, termination_date=None, working_time=working)
                for month in Q1.months()}

    children = [
        Child("A", capacity=capacity(dt.date(2020, 1, 1), [])),
        Child("B", capacity=capacity(hire_b, [])),
        Child("C", capacity=capacity(dt.date(2025, 1, 1), half_time)),
    ]
    result = allocate_top_down(Decimal("90000"), Q1, children)
    assert result.amounts() == {"A": Decimal("45476.19"), "B": Decimal("21785.71"),
                                "C": Decimal("22738.10")}
    assert [amount for _, amount in result.children[1].by_month] == [
        Decimal("4285.71"), Decimal("7500.00"), Decimal("10000.00")]


def test_historical_share_follows_past_results() -> None:
    # A sold 300 and B 100 last year: A carries 3/4 of 1,000 and B 1/4.
    result = allocate_top_down(Decimal("1000"), JANUARY,
                               [Child("A", history=Decimal(300)), Child("B", history=Decimal(100))],
                               method="historical")
    assert result.amounts() == {"A": Decimal("750.00"), "B": Decimal("250.00")}


def test_potential_split_three_ways_gives_the_odd_cent_to_the_first() -> None:
    # 10,000 cents / 3 = 3,333.33.. each; one cent left goes to the first: 33.34/33.33/33.33.
    children = [Child(key, potential=Decimal(5)) for key in "XYZ"]
    result = allocate_top_down(Decimal("100"), JANUARY, children, method="potential")
    assert result.amounts() == {"X": Decimal("33.34"), "Y": Decimal("33.33"),
                                "Z": Decimal("33.33")}


def test_entered_seasonality_puts_half_a_quarter_into_march() -> None:
    # Weights 1, 1, 2 of 4: Jan 25,000, Feb 25,000, Mar 50,000.
    profile = SeasonalityProfile.entered({1: Decimal(1), 2: Decimal(1), 3: Decimal(2)})
    months = spread_over_months(Decimal("100000"), Q1, profile)
    assert [(month.label, amount) for month, amount in months] == [
        ("2026-01", Decimal("25000.00")), ("2026-02", Decimal("25000.00")),
        ("2026-03", Decimal("50000.00"))]


def test_learned_seasonality_uses_each_years_shares_so_growth_does_not_tilt_it() -> None:
    # 2024: 100/100/200 of 400 -> shares x3 months = .75/.75/1.5; 2025 doubled: same shares.
    # Months never seen get the mean (1). Q1 of 3,000 -> 750 / 750 / 1,500.
    history = {dt.date(2024, 1, 1): Decimal(100), dt.date(2024, 2, 1): Decimal(100),
               dt.date(2024, 3, 1): Decimal(200), dt.date(2025, 1, 1): Decimal(200),
               dt.date(2025, 2, 1): Decimal(200), dt.date(2025, 3, 1): Decimal(400)}
    profile = SeasonalityProfile.learned(history)
    assert profile.weights[:4] == (Decimal("0.75"), Decimal("0.75"), Decimal("1.5"), Decimal(1))
    months = spread_over_months(Decimal("3000"), Q1, profile)
    assert [amount for _, amount in months] == [Decimal("750.00"), Decimal("750.00"),
                                                Decimal("1500.00")]


def test_a_mid_month_hire_is_prorated_by_days() -> None:
    # Hired 16 January: 16 of 31 days -> 0.516129 (six places).
    fte = prorated_fte(JANUARY, hire_date=dt.date(2026, 1, 16), termination_date=None,
                       working_time=[])
    assert fte == Decimal("0.516129")


def test_leave_counts_as_zero_working_time() -> None:
    # Full time to 14 Feb, on leave from 15 Feb: 14 of 28 days -> 0.5.
    working = [WorkingTime(dt.date(2025, 1, 1), dt.date(2026, 2, 14), Decimal(1)),
               WorkingTime(dt.date(2026, 2, 15), None, Decimal(0))]
    fte = prorated_fte(FEBRUARY, hire_date=dt.date(2025, 1, 1), termination_date=None,
                       working_time=working)
    assert fte == Decimal("0.5")


def test_ramp_runs_25_50_75_then_full() -> None:
    hire = dt.date(2026, 1, 20)
    april = DEFAULT_CALENDAR.parse("2026-04")
    factors = [ramp_factor(month, hire) for month in (JANUARY, FEBRUARY, MARCH, april)]
    assert factors == [Decimal("0.25"), Decimal("0.50"), Decimal("0.75"), Decimal(1)]


def test_manual_amounts_are_kept_and_the_gap_is_flagged() -> None:
    # Parent 100.00, children 40 + 50 = 90: 10.00 under-assigned.
    result = allocate_top_down(Decimal("100.00"), JANUARY,
                               [Child("A", manual=Decimal(40)), Child("B", manual=Decimal(50))],
                               method="manual")
    assert result.amounts() == {"A": Decimal("40.00"), "B": Decimal("50.00")}
    assert result.check.gap == Decimal("10.00")
    assert result.check.flagged
    assert "10.00 less than the parent" in result.check.message


def test_gap_check_flags_over_assignment_beyond_the_tolerance() -> None:
    # 60 + 50 = 110 against 100: 10 over; a tolerance of 5 still flags it, 10 does not.
    children = {"A": Decimal(60), "B": Decimal(50)}
    assert gap_check(Decimal(100), children, tolerance=Decimal(5)).flagged
    check = gap_check(Decimal(100), children, tolerance=Decimal(10))
    assert not check.flagged and check.gap == Decimal(-10)
    assert "10 more than" in check.message


def test_a_month_nobody_can_carry_is_refused() -> None:
    on_leave = {JANUARY.start: Decimal(0)}
    with pytest.raises(AllocationError, match="2026-01 no child can carry"):
        allocate_top_down(Decimal(100), JANUARY, [Child("A", capacity=on_leave)])


def test_manual_allocation_needs_every_amount() -> None:
    with pytest.raises(AllocationError, match="needs an amount for B"):
        allocate_top_down(Decimal(100), JANUARY, [Child("A", manual=Decimal(1)), Child("B")],
                          method="manual")


def test_an_amount_with_fractions_of_a_cent_is_refused() -> None:
    with pytest.raises(AllocationError, match="whole number of cents"):
        allocate_top_down(Decimal("1.005"), JANUARY, [Child("A")])


_capacities = st.sampled_from([Decimal(0), Decimal("0.25"), Decimal("0.5"), Decimal(1)])


@settings(max_examples=150, deadline=None)
@given(
    cents=st.integers(min_value=0, max_value=10**12),
    method=st.sampled_from(["equal", "historical", "potential"]),
    quarter=st.integers(min_value=1, max_value=4),
    weights=st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=8),
    capacities=st.lists(st.tuples(_capacities, _capacities, _capacities), min_size=8,
                        max_size=8),
    season=st.lists(st.integers(min_value=1, max_value=9), min_size=12, max_size=12),
)
def test_children_always_sum_exactly_to_the_parent(
        cents: int, method: str, quarter: int, weights: list[int],
        capacities: list[tuple[Decimal, Decimal, Decimal]], season: list[int]) -> None:
    period = DEFAULT_CALENDAR.quarter(2026, quarter)
    parent = Decimal(cents) * CENT
    children = []
    for index, weight in enumerate(weights):
        by_month = dict(zip([m.start for m in period.months()], capacities[index], strict=True))
        # the first child is always at work, so every month has someone to carry it
        capacity = {} if index == 0 else by_month
        children.append(Child(f"C{index}", history=Decimal(weight), potential=Decimal(weight),
                              capacity=capacity))
    profile = SeasonalityProfile(tuple(Decimal(value) for value in season))
    result = allocate_top_down(parent, period, children, method=method,  # type: ignore[arg-type]
                               seasonality=profile)
    assert sum_money(result.amounts().values()) == parent
    assert result.check.gap == 0 and not result.check.flagged
    for child in result.children:
        assert sum_money(amount for _, amount in child.by_month) == child.amount
        assert child.amount >= 0
