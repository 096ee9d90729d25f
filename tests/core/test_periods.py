"""Fiscal calendars and periods: what a quarter, a half, a week and "to date" mean in Attain."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attain.core.periods import (
    DEFAULT_CALENDAR,
    PERIOD_KINDS,
    FiscalCalendar,
    Period,
    PeriodError,
    PeriodKind,
)

FEBRUARY_START = FiscalCalendar(2)
JULY_START = FiscalCalendar(7)
GRID_KINDS: tuple[PeriodKind, ...] = tuple(kind for kind in PERIOD_KINDS if kind != "custom")


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# --- fiscal years -------------------------------------------------------------------------


def test_calendar_fiscal_year_is_the_calendar_year_by_default() -> None:
    fy = DEFAULT_CALENDAR.year(2026)
    assert (fy.start, fy.end, fy.label) == (day("2026-01-01"), day("2026-12-31"), "FY2026")


def test_fiscal_year_starting_in_february_is_named_for_the_year_it_ends() -> None:
    # FY2027 ends on 31 January 2027, so it started on 1 February 2026.
    fy = FEBRUARY_START.year(2027)
    assert (fy.start, fy.end) == (day("2026-02-01"), day("2027-01-31"))
    assert fy.label == "FY2027"


def test_a_day_belongs_to_the_fiscal_year_in_which_that_year_ends() -> None:
    # 31 Jan 2026 is the last day of FY2026; 1 Feb 2026 is the first day of FY2027.
    assert FEBRUARY_START.fiscal_year_of(day("2026-01-31")) == 2026
    assert FEBRUARY_START.fiscal_year_of(day("2026-02-01")) == 2027
    assert DEFAULT_CALENDAR.fiscal_year_of(day("2026-12-31")) == 2026


def test_a_fiscal_year_starting_in_july_spans_two_calendar_years() -> None:
    # The common government/university year: FY2026 = 1 Jul 2025 .. 30 Jun 2026.
    fy = JULY_START.year(2026)
    assert (fy.start, fy.end) == (day("2025-07-01"), day("2026-06-30"))
    assert fy.days == 365


def test_calendar_refuses_a_start_month_that_is_not_a_month() -> None:
    with pytest.raises(PeriodError, match="1-12"):
        FiscalCalendar(13)
    with pytest.raises(PeriodError, match="1-12"):
        FiscalCalendar(0)


# --- halves, quarters, months, weeks ------------------------------------------------------


def test_quarters_are_counted_from_the_fiscal_year_start() -> None:
    # February start: Q1 = Feb-Apr 2026, Q4 = Nov 2026-Jan 2027 (all of FY2027).
    q1 = FEBRUARY_START.quarter(2027, 1)
    q4 = FEBRUARY_START.quarter(2027, 4)
    assert (q1.start, q1.end, q1.label) == (day("2026-02-01"), day("2026-04-30"), "FY2027-Q1")
    assert (q4.start, q4.end, q4.label) == (day("2026-11-01"), day("2027-01-31"), "FY2027-Q4")


def test_halves_are_six_months_from_the_fiscal_year_start() -> None:
    # July start: H2 of FY2026 is January to June 2026.
    h2 = JULY_START.half(2026, 2)
    assert (h2.start, h2.end, h2.label) == (day("2026-01-01"), day("2026-06-30"), "FY2026-H2")


def test_quarter_and_half_numbers_outside_the_year_are_refused() -> None:
    with pytest.raises(PeriodError, match="quarters 1-4"):
        DEFAULT_CALENDAR.quarter(2026, 5)
    with pytest.raises(PeriodError, match="halves 1 and 2"):
        DEFAULT_CALENDAR.half(2026, 0)


def test_a_month_is_a_calendar_month_whatever_the_fiscal_calendar() -> None:
    march = FEBRUARY_START.month(2026, 3)
    assert (march.start, march.end, march.label) == (
        day("2026-03-01"),
        day("2026-03-31"),
        "2026-03",
    )


def test_february_of_a_leap_year_has_29_days() -> None:
    assert DEFAULT_CALENDAR.month(2024, 2).days == 29
    assert DEFAULT_CALENDAR.month(2100, 2).days == 28  # divisible by 100, not by 400
    assert DEFAULT_CALENDAR.month(2000, 2).days == 29  # divisible by 400


def test_a_week_runs_monday_to_sunday_and_is_labelled_by_iso_week() -> None:
    # Thursday 1 Jan 2026 is in ISO week 1 of 2026, which starts Monday 29 Dec 2025.
    week = DEFAULT_CALENDAR.week(day("2026-01-01"))
    assert (week.start, week.end, week.label) == (day("2025-12-29"), day("2026-01-04"), "2026-W01")


def test_the_last_days_of_december_can_be_in_week_one_of_next_year() -> None:
    # Wednesday 31 Dec 2025 is in 2026-W01 (the week holding the year's first Thursday).
    assert DEFAULT_CALENDAR.week(day("2025-12-31")).label == "2026-W01"


def test_period_containing_finds_the_fiscal_quarter_of_a_day() -> None:
    # February start: 15 Jan 2026 is in Nov 2025-Jan 2026, the 4th quarter of FY2026.
    quarter = FEBRUARY_START.period_containing(day("2026-01-15"), "quarter")
    assert quarter == FEBRUARY_START.quarter(2026, 4)


def test_period_containing_refuses_custom_because_it_has_no_grid() -> None:
    with pytest.raises(PeriodError, match="no grid"):
        DEFAULT_CALENDAR.period_containing(day("2026-01-15"), "custom")


def test_periods_between_gives_every_overlapping_period_whole() -> None:
    # 15 Jan..15 Feb touches January and February; both come back whole.
    months = DEFAULT_CALENDAR.periods_between(day("2026-01-15"), day("2026-02-15"), "month")
    assert [month.label for month in months] == ["2026-01", "2026-02"]


def test_periods_between_a_single_day_is_the_one_period_containing_it() -> None:
    quarters = DEFAULT_CALENDAR.periods_between(day("2026-05-05"), day("2026-05-05"), "quarter")
    assert [quarter.label for quarter in quarters] == ["FY2026-Q2"]


def test_periods_between_refuses_a_span_that_ends_before_it_starts() -> None:
    with pytest.raises(PeriodError, match="ends before it starts"):
        DEFAULT_CALENDAR.periods_between(day("2026-02-01"), day("2026-01-01"), "month")


def test_a_period_that_is_not_on_its_kinds_grid_cannot_be_built() -> None:
    # A "quarter" from 1 Feb is not a quarter of a calendar-year company.
    with pytest.raises(PeriodError, match="is not a quarter"):
        Period("quarter", day("2026-02-01"), day("2026-04-30"), DEFAULT_CALENDAR)
    with pytest.raises(PeriodError, match="before it starts"):
        DEFAULT_CALENDAR.custom(day("2026-02-01"), day("2026-01-31"))
    with pytest.raises(PeriodError, match="unknown period kind"):
        Period("fortnight", day("2026-02-02"), day("2026-02-15"))  # type: ignore[arg-type]


# --- working with a period ----------------------------------------------------------------


def test_days_and_contains_include_both_ends() -> None:
    quarter = DEFAULT_CALENDAR.quarter(2026, 1)
    assert quarter.days == 31 + 28 + 31
    assert quarter.contains(day("2026-01-01"))
    assert quarter.contains(day("2026-03-31"))
    assert not quarter.contains(day("2026-04-01"))
    assert not quarter.contains(day("2025-12-31"))


def test_quarter_to_date_runs_from_the_quarter_start_to_the_day() -> None:
    so_far = DEFAULT_CALENDAR.quarter(2026, 1).to_date(day("2026-02-10"))
    assert (so_far.kind, so_far.start, so_far.end) == (
        "custom",
        day("2026-01-01"),
        day("2026-02-10"),
    )
    assert so_far.label == "2026-01-01..2026-02-10"


def test_to_date_on_or_after_the_last_day_is_the_whole_period() -> None:
    quarter = DEFAULT_CALENDAR.quarter(2026, 1)
    assert quarter.to_date(day("2026-03-31")) == quarter
    assert quarter.to_date(day("2026-07-01")) == quarter


def test_to_date_before_the_period_starts_is_an_error() -> None:
    with pytest.raises(PeriodError, match="has not started"):
        DEFAULT_CALENDAR.quarter(2026, 2).to_date(day("2026-03-31"))
    assert issubclass(PeriodError, ValueError)


def test_plan_year_to_date_starts_at_the_fiscal_year_start() -> None:
    # February start: on 3 May 2026 we are in FY2027, which began on 1 Feb 2026.
    ytd = FEBRUARY_START.year_to_date(day("2026-05-03"))
    assert (ytd.start, ytd.end) == (day("2026-02-01"), day("2026-05-03"))


def test_elapsed_fraction_counts_the_day_itself() -> None:
    # Q1 2026 has 90 days; at the end of 1 Jan one day of 90 has gone (0.011111 to 6 places);
    # at the end of 14 Feb, 31 + 14 = 45 days, exactly half.
    quarter = DEFAULT_CALENDAR.quarter(2026, 1)
    assert quarter.elapsed_fraction(day("2026-01-01")) == Decimal("0.011111")
    assert quarter.elapsed_fraction(day("2026-02-14")) == Decimal("0.5")
    assert quarter.elapsed_fraction(day("2026-03-31")) == Decimal("1")


def test_elapsed_fraction_is_clamped_outside_the_period() -> None:
    quarter = DEFAULT_CALENDAR.quarter(2026, 1)
    assert quarter.elapsed_fraction(day("2025-12-31")) == Decimal("0")
    assert quarter.elapsed_fraction(day("2027-01-01")) == Decimal("1")
    assert isinstance(quarter.elapsed_fraction(day("2026-01-20")), Decimal)


def test_prior_and_next_step_by_one_period_of_the_same_kind() -> None:
    q1 = DEFAULT_CALENDAR.quarter(2026, 1)
    assert q1.prior() == DEFAULT_CALENDAR.quarter(2025, 4)
    assert q1.next() == DEFAULT_CALENDAR.quarter(2026, 2)
    assert DEFAULT_CALENDAR.month(2026, 12).next().label == "2027-01"
    assert DEFAULT_CALENDAR.parse("2026-W01").prior().label == "2025-W52"
    assert DEFAULT_CALENDAR.parse("2026-W53").next().label == "2027-W01"


def test_prior_of_a_custom_period_is_the_same_length_just_before() -> None:
    # 10..20 Mar is 11 days; the 11 days before it are 27 Feb..9 Mar.
    window = DEFAULT_CALENDAR.custom(day("2026-03-10"), day("2026-03-20"))
    assert window.prior() == DEFAULT_CALENDAR.custom(day("2026-02-27"), day("2026-03-09"))
    assert window.next() == DEFAULT_CALENDAR.custom(day("2026-03-21"), day("2026-03-31"))


def test_same_period_last_year_for_grid_periods() -> None:
    assert DEFAULT_CALENDAR.quarter(2026, 3).same_period_last_year().label == "FY2025-Q3"
    assert FEBRUARY_START.half(2027, 1).same_period_last_year().label == "FY2026-H1"
    assert DEFAULT_CALENDAR.month(2024, 2).same_period_last_year().label == "2023-02"
    assert DEFAULT_CALENDAR.year(2026).same_period_last_year().label == "FY2025"
    assert DEFAULT_CALENDAR.parse("2026-W10").same_period_last_year().label == "2025-W10"


def test_week_53_last_year_is_the_last_week_when_last_year_had_only_52() -> None:
    # ISO 2026 has 53 weeks, 2025 has 52: the rule maps W53 to the last week, W52.
    assert DEFAULT_CALENDAR.parse("2026-W53").same_period_last_year().label == "2025-W52"


def test_custom_period_ending_on_feb_29_compares_with_feb_28_last_year() -> None:
    # Year to date on leap day 2024: last year's comparison ends on 28 Feb 2023.
    ytd = DEFAULT_CALENDAR.year_to_date(day("2024-02-29"))
    last_year = ytd.same_period_last_year()
    assert (last_year.start, last_year.end) == (day("2023-01-01"), day("2023-02-28"))
    assert (ytd.days, last_year.days) == (60, 59)


def test_the_leap_day_alone_last_year_is_feb_28() -> None:
    leap_day = DEFAULT_CALENDAR.custom(day("2024-02-29"), day("2024-02-29"))
    assert leap_day.same_period_last_year() == DEFAULT_CALENDAR.custom(
        day("2023-02-28"), day("2023-02-28")
    )


def test_custom_period_across_a_leap_day_last_year_keeps_calendar_dates() -> None:
    # 28 Feb..1 Mar 2025 is 2 days; the same dates in 2024 include 29 Feb, so 3 days.
    window = DEFAULT_CALENDAR.custom(day("2025-02-28"), day("2025-03-01"))
    last_year = window.same_period_last_year()
    assert (last_year.start, last_year.end, last_year.days) == (
        day("2024-02-28"),
        day("2024-03-01"),
        3,
    )


def test_months_of_a_fiscal_quarter_straddling_new_year() -> None:
    # February start: FY2027-Q4 is Nov, Dec 2026 and Jan 2027.
    quarter = FEBRUARY_START.quarter(2027, 4)
    assert [month.label for month in quarter.months()] == ["2026-11", "2026-12", "2027-01"]


def test_quarters_of_a_fiscal_year_and_of_a_week_that_straddles_two() -> None:
    assert [q.label for q in JULY_START.year(2026).quarters()] == [
        "FY2026-Q1",
        "FY2026-Q2",
        "FY2026-Q3",
        "FY2026-Q4",
    ]
    # Week of Mon 29 Jun..Sun 5 Jul 2026 crosses from FY2026-Q4 into FY2027-Q1 (July start).
    week = JULY_START.week(day("2026-07-01"))
    assert [q.label for q in week.quarters()] == ["FY2026-Q4", "FY2027-Q1"]


# --- labels -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "kind", "start", "end"),
    [
        ("FY2026", "year", "2025-02-01", "2026-01-31"),
        ("2026", "year", "2025-02-01", "2026-01-31"),
        ("2026-Q1", "quarter", "2025-02-01", "2025-04-30"),
        ("FY2026-Q1", "quarter", "2025-02-01", "2025-04-30"),
        ("fy2026-q2", "quarter", "2025-05-01", "2025-07-31"),
        ("2026-H1", "half", "2025-02-01", "2025-07-31"),
        ("FY2026-H2", "half", "2025-08-01", "2026-01-31"),
        ("2026-03", "month", "2026-03-01", "2026-03-31"),
        ("2026-W05", "week", "2026-01-26", "2026-02-01"),
        ("2026-01-15..2026-02-20", "custom", "2026-01-15", "2026-02-20"),
        ("  2026-01-15 .. 2026-02-20 ", "custom", "2026-01-15", "2026-02-20"),
    ],
)
def test_parse_reads_every_accepted_form(label: str, kind: str, start: str, end: str) -> None:
    # February start, so FY2026 = 1 Feb 2025 .. 31 Jan 2026.
    period = FEBRUARY_START.parse(label)
    assert (period.kind, period.start, period.end) == (kind, day(start), day(end))


@pytest.mark.parametrize(
    ("label", "reason"),
    [
        ("", "not a period label"),
        ("Q1 2026", "not a period label"),
        ("2026-Q5", "quarters 1-4"),
        ("2026-H3", "halves 1 and 2"),
        ("2026-13", "months are 1-12"),
        ("FY2026-03", "without FY"),
        ("2025-W53", "no week 53"),
        ("2026-02-30..2026-03-01", "2026-02-30 is not a day"),
        ("2026-03-05..2026-03-01", "before it starts"),
    ],
)
def test_parse_says_what_was_wrong_and_which_forms_are_accepted(label: str, reason: str) -> None:
    with pytest.raises(PeriodError) as caught:
        DEFAULT_CALENDAR.parse(label)
    message = str(caught.value)
    assert reason in message
    assert repr(label) in message
    assert "FY2026-Q1" in message and "2026-W05" in message and ".." in message


def test_parse_refuses_fiscal_years_outside_the_supported_dates() -> None:
    # With a February start FY0001 would begin in year 0, which no date can hold.
    with pytest.raises(PeriodError, match="fiscal year 1 falls outside"):
        FEBRUARY_START.parse("FY0001")


def test_a_label_round_trips_on_its_own_calendar() -> None:
    quarter = JULY_START.quarter(2026, 3)
    assert str(quarter) == "FY2026-Q3"
    assert JULY_START.parse(quarter.label) == quarter


# --- properties ---------------------------------------------------------------------------

calendars = st.builds(FiscalCalendar, st.integers(min_value=1, max_value=12))
days = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31))
grid_kinds = st.sampled_from(GRID_KINDS)


@st.composite
def periods(draw: st.DrawFn) -> Period:
    calendar = draw(calendars)
    start = draw(days)
    kind = draw(st.sampled_from(PERIOD_KINDS))
    if kind == "custom":
        length = draw(st.integers(min_value=0, max_value=800))
        return calendar.custom(start, start + dt.timedelta(days=length))
    return calendar.period_containing(start, kind)


@given(calendars, days, grid_kinds)
def test_period_containing_a_day_contains_it(
    calendar: FiscalCalendar, some_day: dt.date, kind: PeriodKind
) -> None:
    period = calendar.period_containing(some_day, kind)
    assert period.contains(some_day)
    assert period.kind == kind


@given(calendars, days, grid_kinds, st.integers(min_value=0, max_value=400))
def test_consecutive_periods_tile_time_with_no_gaps_or_overlaps(
    calendar: FiscalCalendar, first_day: dt.date, kind: PeriodKind, span: int
) -> None:
    last_day = first_day + dt.timedelta(days=span)
    periods_in_span = calendar.periods_between(first_day, last_day, kind)
    assert periods_in_span[0].contains(first_day)
    assert periods_in_span[-1].contains(last_day)
    for earlier, later in itertools.pairwise(periods_in_span):
        assert later.start == earlier.end + dt.timedelta(days=1)
        assert earlier.next() == later
    # Each period starting inside the tiling is exactly the one containing that day.
    for period in periods_in_span:
        assert calendar.period_containing(period.start, kind) == period
        assert calendar.period_containing(period.end, kind) == period


@given(periods())
def test_prior_then_next_is_the_same_period(period: Period) -> None:
    assert period.prior().next() == period
    assert period.next().prior() == period


@given(periods())
def test_a_custom_periods_neighbours_have_the_same_length_and_touch_it(period: Period) -> None:
    assert period.prior().end == period.start - dt.timedelta(days=1)
    assert period.next().start == period.end + dt.timedelta(days=1)
    if period.kind == "custom":
        assert period.prior().days == period.days == period.next().days


@given(periods())
def test_parse_of_a_label_gives_the_period_back(period: Period) -> None:
    assert period.calendar.parse(period.label) == period
    assert period.calendar.parse(period.label.lower()) == period


@given(calendars, st.integers(min_value=1901, max_value=2200), st.integers(1, 4))
def test_a_quarter_is_exactly_three_whole_months(
    calendar: FiscalCalendar, fiscal_year: int, number: int
) -> None:
    quarter = calendar.quarter(fiscal_year, number)
    months = quarter.months()
    assert len(months) == 3
    assert months[0].start == quarter.start
    assert months[-1].end == quarter.end
    assert sum(month.days for month in months) == quarter.days
    assert quarter.quarters() == [quarter]


@given(calendars, st.integers(min_value=1901, max_value=2200))
def test_a_fiscal_year_is_two_halves_four_quarters_and_twelve_months(
    calendar: FiscalCalendar, fiscal_year: int
) -> None:
    year = calendar.year(fiscal_year)
    halves = [calendar.half(fiscal_year, 1), calendar.half(fiscal_year, 2)]
    assert (halves[0].start, halves[1].end) == (year.start, year.end)
    assert year.quarters() == [calendar.quarter(fiscal_year, q) for q in (1, 2, 3, 4)]
    assert len(year.months()) == 12
    assert calendar.fiscal_year_of(year.start) == fiscal_year
    assert calendar.fiscal_year_of(year.end) == fiscal_year


@given(calendars, days)
def test_every_day_is_in_the_fiscal_year_named_for_it(
    calendar: FiscalCalendar, some_day: dt.date
) -> None:
    fiscal_year = calendar.fiscal_year_of(some_day)
    assert calendar.year(fiscal_year).contains(some_day)
    # The fiscal year ends in the calendar year it is named for.
    assert calendar.year(fiscal_year).end.year == fiscal_year


@given(periods(), days)
def test_to_date_and_elapsed_fraction_agree(period: Period, some_day: dt.date) -> None:
    fraction = period.elapsed_fraction(some_day)
    assert Decimal(0) <= fraction <= Decimal(1)
    if some_day < period.start:
        assert fraction == 0
        return
    so_far = period.to_date(some_day)
    assert so_far.start == period.start
    assert so_far.end == min(some_day, period.end)
    expected = Decimal(so_far.days) / Decimal(period.days)
    assert abs(fraction - expected) <= Decimal("0.0000005")


@given(periods())
def test_same_period_last_year_is_about_a_year_earlier(period: Period) -> None:
    last_year = period.same_period_last_year()
    assert last_year.kind == period.kind
    assert last_year.start <= last_year.end
    # 52 weeks for weeks (364 days) up to 366 days for dates across a leap day.
    assert 364 <= (period.start - last_year.start).days <= 371
    if period.kind in ("month", "quarter", "half", "year"):
        assert (last_year.start.year, last_year.start.month) == (
            period.start.year - 1,
            period.start.month,
        )
        assert last_year.label != period.label
    if period.kind == "custom":
        assert abs(last_year.days - period.days) <= 1


@given(st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2200, 12, 31)))
def test_a_day_last_year_is_the_same_date_or_feb_28_for_a_leap_day(some_day: dt.date) -> None:
    one_day = DEFAULT_CALENDAR.custom(some_day, some_day)
    last_year = one_day.same_period_last_year()
    assert last_year.days == 1
    if (some_day.month, some_day.day) == (2, 29):
        assert last_year.start == dt.date(some_day.year - 1, 2, 28)
    else:
        assert last_year.start == some_day.replace(year=some_day.year - 1)
