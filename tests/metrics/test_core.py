"""The query API: its columns, exact ratios, empty values with reasons, periods and
dimensions, on DuckDB and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from attain import metrics
from attain.metrics import MetricError
from tests.metrics import builders

pytestmark = pytest.mark.django_db

Q1 = (dt.date(2025, 1, 1), dt.date(2025, 3, 31))

DEALS = """
    opportunity_id,owner_id,amount,is_closed,is_won,close_date,created_on
    O-1,E1,1000.00,true,true,2025-01-10,2024-12-01
    O-2,E1,500.00,true,false,2025-01-20,2024-12-15
    O-3,E1,2000.00,true,true,2025-02-05,2025-01-03
    O-4,E2,300.00,true,false,2025-02-11,2025-01-04
    O-5,E2,900.00,false,false,2025-03-30,2025-02-01
"""


def _rows(table) -> list[dict]:  # type: ignore[no-untyped-def]
    return table.to_pyarrow().to_pylist()


def test_win_rate_divides_summed_counts_and_gives_numerator_and_denominator(
        warehouse: str) -> None:
    builders.load(warehouse, opportunities=DEALS)
    rows = _rows(metrics.get("win_rate").query(grain="quarter", start=Q1[0], end=Q1[1]))
    # Closed in Q1: O-1 won, O-2 lost, O-3 won, O-4 lost (O-5 is open) -> 2 ÷ 4 = 0.5
    assert rows == [{
        "period": "FY2025-Q1", "period_start": dt.date(2025, 1, 1),
        "period_end": dt.date(2025, 3, 31), "value": Decimal("0.500000"),
        "numerator": Decimal("2"), "denominator": Decimal("4"), "reason": None}]


def test_win_rate_pools_the_counts_instead_of_averaging_monthly_or_person_ratios(
        warehouse: str) -> None:
    builders.load(warehouse, opportunities=DEALS)
    rows = _rows(metrics.get("win_rate").query(by=["person"], grain="month", start=Q1[0],
                                               end=Q1[1]))
    got = {(r["person"], r["period"]): (r["value"], r["reason"]) for r in rows}
    # E1 January: O-1 won, O-2 lost -> 1/2; E1 February: O-3 won -> 1/1;
    # E2 February: O-4 lost -> 0/1. Nobody closed anything in March, so no rows.
    assert got == {("E1", "2025-01"): (Decimal("0.500000"), None),
                   ("E1", "2025-02"): (Decimal("1.000000"), None),
                   ("E2", "2025-02"): (Decimal("0.000000"), None)}
    quarter = _rows(metrics.get("win_rate").query(by=["person"], grain="quarter",
                                                  start=Q1[0], end=Q1[1]))
    # E1's quarter pools the deals: 2 won of 3 closed = 0.666667, not the average of E1's
    # monthly ratios (0.5 + 1) ÷ 2 = 0.75; E2 0 of 1
    assert {r["person"]: (r["value"], r["numerator"], r["denominator"]) for r in quarter} == {
        "E1": (Decimal("0.666667"), Decimal("2"), Decimal("3")),
        "E2": (Decimal("0.000000"), Decimal("0"), Decimal("1"))}
    company = _rows(metrics.get("win_rate").query(grain="quarter", start=Q1[0], end=Q1[1]))
    # the company pools people too: 2 won of 4 = 0.5, not (0.666667 + 0) ÷ 2 = 0.333333
    assert [r["value"] for r in company] == [Decimal("0.500000")]


def test_a_query_runs_to_a_pandas_frame_for_notebooks(warehouse: str) -> None:
    builders.load(warehouse, opportunities=DEALS)
    frame = metrics.get("win_rate").query(by=["person"], grain="quarter", start=Q1[0],
                                          end=Q1[1]).to_pandas()
    assert list(frame.columns) == ["person", "period", "period_start", "period_end", "value",
                                   "numerator", "denominator", "reason"]
    # the same exact decimals as the Arrow path: E1 2 of 3, E2 0 of 1, in person order
    assert frame["person"].tolist() == ["E1", "E2"]
    assert frame["value"].tolist() == [Decimal("0.666667"), Decimal("0.000000")]
    assert frame["period"].tolist() == ["FY2025-Q1", "FY2025-Q1"]


def test_a_period_with_nothing_closed_has_no_value_and_says_why(warehouse: str) -> None:
    builders.load(warehouse, opportunities=DEALS)
    rows = _rows(metrics.get("win_rate").query(grain="month", start=Q1[0], end=Q1[1]))
    march = [r for r in rows if r["period"] == "2025-03"]
    # Only the open O-5 is due in March: 0 won ÷ 0 closed is no value, not an error.
    assert march == [{"period": "2025-03", "period_start": dt.date(2025, 3, 1),
                      "period_end": dt.date(2025, 3, 31), "value": None,
                      "numerator": Decimal("0"), "denominator": Decimal("0"),
                      "reason": "no deals closed in the period"}]


def test_an_empty_warehouse_gives_every_period_with_reasons(warehouse: str) -> None:
    builders.load(warehouse)
    rows = _rows(metrics.get("win_rate").query(grain="month", start=Q1[0], end=Q1[1]))
    assert [(r["period"], r["value"], r["reason"]) for r in rows] == [
        (month, None, "no deals closed in the period")
        for month in ("2025-01", "2025-02", "2025-03")]


def test_ratios_round_once_half_away_from_zero(warehouse: str) -> None:
    # 2 won of 3 closed: 0.6666666… -> 0.666667; average deal size (1000.00 + 0.01) ÷ 2 =
    # 500.005 -> 500.01 (a float would give 500.00 or 500.01 by luck).
    builders.load(warehouse, opportunities="""
        opportunity_id,amount,is_closed,is_won,close_date
        O-1,1000.00,true,true,2025-01-10
        O-2,0.01,true,true,2025-01-11
        O-3,5.00,true,false,2025-01-12
    """)
    january = {"start": dt.date(2025, 1, 1), "end": dt.date(2025, 1, 31)}
    win = _rows(metrics.get("win_rate").query(grain="month", **january))
    size = _rows(metrics.get("average_deal_size").query(grain="month", **january))
    assert win[0]["value"] == Decimal("0.666667")
    assert size[0]["value"] == Decimal("500.01")
    assert size[0]["numerator"] == Decimal("1000.01")


def test_unknown_names_are_refused_with_the_known_ones(warehouse: str) -> None:
    with pytest.raises(MetricError, match=r"unknown metric 'winrate'.*win_rate"):
        metrics.get("winrate")
    with pytest.raises(MetricError, match="cannot be cut by activity_type"):
        metrics.get("win_rate").query(by=["activity_type"], start=Q1[0], end=Q1[1])
    with pytest.raises(MetricError, match="unknown grain"):
        metrics.get("win_rate").query(grain="fortnight", start=Q1[0], end=Q1[1])  # type: ignore[arg-type]
    with pytest.raises(MetricError, match="ends before it starts"):
        metrics.get("win_rate").query(start=Q1[1], end=Q1[0])


def test_revenue_nets_refunds_and_counts_every_period(warehouse: str) -> None:
    builders.load(warehouse, transactions="""
        transaction_id,amount,booked_on,kind,reverses_transaction_id
        T-1,1000.00,2025-01-05,order,
        T-2,250.50,2025-02-07,order,
        T-3,-100.00,2025-02-20,refund,T-1
    """)
    rows = _rows(metrics.get("revenue").query(grain="month", start=Q1[0], end=Q1[1]))
    # January 1000.00; February 250.50 − 100.00 refund = 150.50; March nothing = 0.00
    assert [(r["period"], r["value"]) for r in rows] == [
        ("2025-01", Decimal("1000.00")), ("2025-02", Decimal("150.50")),
        ("2025-03", Decimal("0.00"))]
    assert list(rows[0]) == ["period", "period_start", "period_end", "value", "reason"]


def test_prior_and_year_over_year_compare_each_period_with_its_own_parts(
        warehouse: str) -> None:
    builders.load(warehouse, transactions="""
        transaction_id,amount,booked_on
        T-1,400.00,2024-02-10
        T-2,1000.00,2025-01-05
        T-3,1500.00,2025-02-07
    """)
    feb = {"start": dt.date(2025, 2, 1), "end": dt.date(2025, 2, 28)}
    prior = _rows(metrics.get("revenue").query(grain="month", compare="prior", **feb))
    # February 2025 1500.00 against January 2025 1000.00: +500.00, +50%
    assert [(r["period"], r["value"], r["compare_period"], r["compare_value"], r["change"],
             r["change_ratio"]) for r in prior] == [
        ("2025-02", Decimal("1500.00"), "2025-01", Decimal("1000.00"), Decimal("500.00"),
         Decimal("0.500000"))]
    yoy = _rows(metrics.get("revenue").query(grain="month", compare="yoy", **feb))
    # against February 2024's 400.00: +1100.00, 1100 ÷ 400 = 2.75
    assert [(r["compare_period"], r["compare_value"], r["change_ratio"]) for r in yoy] == [
        ("2024-02", Decimal("400.00"), Decimal("2.750000"))]


def test_benchmark_ranks_people_against_their_peers(warehouse: str) -> None:
    builders.load(warehouse, opportunities="""
        opportunity_id,owner_id,is_closed,is_won,close_date
        O-1,E1,true,true,2025-01-10
        O-2,E1,true,true,2025-01-11
        O-3,E2,true,true,2025-01-12
        O-4,E2,true,false,2025-01-13
        O-5,E3,true,false,2025-01-14
        O-6,E4,false,false,2025-01-15
    """)
    rows = _rows(metrics.get("win_rate").query(
        by=["person"], grain="month", compare="benchmark", start=dt.date(2025, 1, 1),
        end=dt.date(2025, 1, 31)))
    got = {r["person"]: (r["value"], r["rank"], r["percentile"]) for r in rows}
    # E1 2/2 = 1, E2 1/2 = 0.5, E3 0/1 = 0; E4 closed nothing (no row: no closed deals).
    assert got == {"E1": (Decimal("1.000000"), 1, Decimal("1.000000")),
                   "E2": (Decimal("0.500000"), 2, Decimal("0.500000")),
                   "E3": (Decimal("0.000000"), 3, Decimal("0.000000"))}
    first = rows[0]
    # peers 1, 0.5, 0: median 0.5, top quartile 0.75, mean 0.5; the company 3 won of 5
    assert (first["peer_count"], first["peer_median"], first["peer_top_quartile"],
            first["peer_average"], first["group_value"]) == (
        3, Decimal("0.500000"), Decimal("0.750000"), Decimal("0.500000"),
        Decimal("0.600000"))


def test_grains_follow_the_fiscal_calendar_weeks_and_days(warehouse: str) -> None:
    from attain.core.periods import FiscalCalendar

    builders.load(warehouse, transactions="""
        transaction_id,amount,booked_on
        T-1,10.00,2025-01-06
        T-2,20.00,2025-01-12
        T-3,40.00,2025-01-13
    """)
    revenue = metrics.get("revenue")
    span = {"start": dt.date(2025, 1, 6), "end": dt.date(2025, 1, 13)}
    weeks = revenue.query(grain="week", **span).to_pyarrow().to_pylist()
    # ISO week 2 is Monday 6 to Sunday 12 January: 10 + 20; week 3 starts on the 13th
    assert [(r["period"], r["period_start"], r["value"]) for r in weeks] == [
        ("2025-W02", dt.date(2025, 1, 6), Decimal("30.00")),
        ("2025-W03", dt.date(2025, 1, 13), Decimal("40.00"))]
    days = revenue.query(grain="day", start=dt.date(2025, 1, 12),
                         end=dt.date(2025, 1, 13)).to_pyarrow().to_pylist()
    assert [(r["period"], r["value"]) for r in days] == [("2025-01-12", Decimal("20.00")),
                                                        ("2025-01-13", Decimal("40.00"))]
    # A fiscal year starting in February: January 2025 is the last month of FY2025-Q4
    # (November 2024 to January 2025).
    quarters = revenue.query(grain="quarter", calendar=FiscalCalendar(2),
                             **span).to_pyarrow().to_pylist()
    assert [(r["period"], r["period_start"], r["period_end"], r["value"])
            for r in quarters] == [("FY2025-Q4", dt.date(2024, 11, 1), dt.date(2025, 1, 31),
                                    Decimal("70.00"))]
