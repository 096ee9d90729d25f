"""Pipeline and funnel metrics on hand-made deals and stage histories, worked out by hand:
close rate, stage conversion (with a lost-then-reopened deal), cycle, pipeline value,
weighted pipeline, velocity, deals created and slipped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from attain import metrics
from tests.metrics import builders

pytestmark = pytest.mark.django_db

JAN = {"grain": "month", "start": dt.date(2025, 1, 1), "end": dt.date(2025, 1, 31)}
Q1_MONTHS = {"grain": "month", "start": dt.date(2025, 1, 1), "end": dt.date(2025, 3, 31)}

DEALS = """
    opportunity_id,amount,stage,probability,forecast_category,is_closed,is_won,created_on,close_date
    O-1,1000.00,Closed Won,1,closed,true,true,2025-01-05,2025-01-15
    O-2,3000.00,Closed Won,1,closed,true,true,2024-12-22,2025-01-11
    O-3,700.00,Closed Lost,0,omitted,true,false,2025-01-02,2025-01-20
    O-4,900.00,Closed Lost,0,omitted,true,false,2025-01-03,2025-01-25
    O-5,1000.00,Proposal,0.5,best_case,false,false,2025-01-04,2025-01-30
    O-6,2000.00,Negotiation,0.8,commit,false,false,2025-01-06,2025-01-31
    O-7,500.00,Prospecting,0.1,pipeline,false,false,2025-02-01,2025-03-15
"""


def _by_period(name: str, **query: object) -> dict[str, object]:
    rows = metrics.get(name).query(**query).to_pyarrow().to_pylist()  # type: ignore[arg-type]
    return {r["period"]: r["value"] for r in rows}


def _january(name: str) -> object:
    return _by_period(name, **JAN)["2025-01"]


def test_close_rate_follows_the_cohort_created_in_the_period(warehouse: str) -> None:
    builders.load(warehouse, opportunities=DEALS)
    # created in January: O-1 (won), O-3, O-4, O-5, O-6 -> 1 ÷ 5 = 0.2
    # (O-2 was created in December; it belongs to December's cohort)
    assert _january("close_rate") == Decimal("0.200000")


def test_sales_cycle_is_the_average_of_won_deals_days(warehouse: str) -> None:
    builders.load(warehouse, opportunities=DEALS)
    # won in January: O-1 5 Jan -> 15 Jan = 10 days; O-2 22 Dec -> 11 Jan = 20 days -> 15
    assert _january("sales_cycle_days") == Decimal("15.00")


def test_pipeline_value_is_open_deals_due_in_the_period_cut_by_stage(warehouse: str) -> None:
    builders.load(warehouse, opportunities=DEALS)
    # open and due in January: O-5 1000.00 + O-6 2000.00; O-7 is due in March
    assert _by_period("pipeline_value", **Q1_MONTHS) == {
        "2025-01": Decimal("3000.00"), "2025-02": Decimal("0.00"),
        "2025-03": Decimal("500.00")}
    rows = metrics.get("pipeline_value").query(by=["forecast_category"], **JAN).to_pyarrow()  # type: ignore[arg-type]
    assert {r["forecast_category"]: r["value"] for r in rows.to_pylist()} == {
        "best_case": Decimal("1000.00"), "commit": Decimal("2000.00")}
    # weighted: 1000 × 0.5 + 2000 × 0.8 = 500 + 1600 = 2100.00
    assert _january("weighted_pipeline") == Decimal("2100.00")


def test_pipeline_velocity_multiplies_deals_win_rate_and_size_over_cycle(
        warehouse: str) -> None:
    builders.load(warehouse, opportunities=DEALS)
    # open deals due in January 2 × win rate 2/4 × average won 4000/2 ÷ cycle 30/2 days
    # = 2 × 0.5 × 2000 ÷ 15 = 133.333… -> 133.33 a day
    assert _january("pipeline_velocity") == Decimal("133.33")


def test_deals_created_counts_by_creation_date(warehouse: str) -> None:
    builders.load(warehouse, opportunities=DEALS)
    # January: O-1, O-3, O-4, O-5, O-6; February: O-7
    assert _by_period("deals_created", **Q1_MONTHS) == {
        "2025-01": Decimal("5"), "2025-02": Decimal("1"), "2025-03": Decimal("0")}


def test_a_lost_then_reopened_deal_counts_once_in_its_final_state(warehouse: str) -> None:
    builders.load(warehouse, opportunities="""
        opportunity_id,stage,probability,forecast_category,is_closed,is_won,created_on,close_date
        O-9,Closed Won,1,closed,true,true,2025-01-02,2025-02-20
    """, opportunity_stage_history="""
        opportunity_id,stage,entered_at,probability,close_date
        O-9,Proposal,2025-01-05 10:00:00,0.5,2025-01-31
        O-9,Closed Lost,2025-01-10 10:00:00,0,2025-01-10
        O-9,Proposal,2025-02-03 10:00:00,0.5,2025-02-28
        O-9,Closed Won,2025-02-20 10:00:00,1,2025-02-20
    """)
    # Win rate reads the deal as it is now: won on 20 February; January has nothing closed.
    rows = metrics.get("win_rate").query(**Q1_MONTHS).to_pyarrow().to_pylist()  # type: ignore[arg-type]
    assert [(r["period"], r["value"], r["reason"]) for r in rows] == [
        ("2025-01", None, "no deals closed in the period"),
        ("2025-02", Decimal("1.000000"), None),
        ("2025-03", None, "no deals closed in the period")]
    # The funnel sees each pass: January's Proposal went on to a loss (0 of 1), February's
    # Proposal went on to a win (1 of 1).
    assert _by_period("stage_conversion", **Q1_MONTHS) == {
        "2025-01": Decimal("0.000000"), "2025-02": Decimal("1.000000"), "2025-03": None}


def test_stage_conversion_is_cut_by_stage(warehouse: str) -> None:
    builders.load(warehouse, opportunities="""
        opportunity_id,is_closed,is_won
        O-1,true,true
        O-2,true,false
        O-3,false,false
    """, opportunity_stage_history="""
        opportunity_id,stage,entered_at,probability
        O-1,Discovery,2025-01-02 09:00:00,0.4
        O-1,Proposal,2025-01-09 09:00:00,0.6
        O-1,Closed Won,2025-01-20 09:00:00,1
        O-2,Discovery,2025-01-03 09:00:00,0.4
        O-2,Closed Lost,2025-01-04 09:00:00,0
        O-3,Discovery,2025-01-05 09:00:00,0.4
        O-3,Proposal,2025-01-12 09:00:00,0.6
    """)
    rows = metrics.get("stage_conversion").query(by=["stage"], **JAN).to_pyarrow().to_pylist()  # type: ignore[arg-type]
    # Discovery: O-1 and O-3 moved on, O-2 was lost -> 2/3; Proposal: O-1 won, O-3 is still
    # in Proposal (no next stage yet, not advanced) -> 1/2
    assert {r["stage"]: (r["numerator"], r["denominator"], r["value"]) for r in rows} == {
        "Discovery": (Decimal("2"), Decimal("3"), Decimal("0.666667")),
        "Proposal": (Decimal("1"), Decimal("2"), Decimal("0.500000"))}


def test_a_deal_slips_out_of_a_period_only_when_it_now_closes_after_it(
        warehouse: str) -> None:
    builders.load(warehouse, opportunities="""
        opportunity_id,is_closed,created_on,close_date
        O-1,false,2025-01-02,2025-02-28
        O-2,false,2025-01-02,2025-01-30
    """, opportunity_stage_history="""
        opportunity_id,stage,entered_at,probability,close_date
        O-1,Discovery,2025-01-02 09:00:00,0.4,2025-01-31
        O-1,Proposal,2025-01-20 09:00:00,0.6,2025-02-28
        O-2,Discovery,2025-01-02 09:00:00,0.4,2025-01-10
        O-2,Proposal,2025-01-08 09:00:00,0.6,2025-01-30
    """)
    # O-1 was due 31 January and is now due 28 February: slipped out of January.
    # O-2 moved from 10 to 30 January: still January, so it did not slip out of it.
    assert _january("deals_slipped") == Decimal("1")
    quarter = {"grain": "quarter", "start": dt.date(2025, 1, 1), "end": dt.date(2025, 3, 31)}
    # Within the quarter neither left Q1.
    assert _by_period("deals_slipped", **quarter) == {"FY2025-Q1": Decimal("0")}
