"""Recurring-revenue metrics on a hand-made quarter of subscriptions, worked out by hand:
balances read at the period's end (never summed over months), movements, churn and
retention against the opening balance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from attain import metrics
from tests.metrics import builders

pytestmark = pytest.mark.django_db

SUBSCRIPTIONS = """
    account_id,month,mrr,mrr_change,movement
    A-2,2024-12-01,200.00,0.00,flat
    A-4,2024-12-01,100.00,0.00,flat
    A-2,2025-01-01,200.00,0.00,flat
    A-4,2025-01-01,0.00,-100.00,churn
    A-1,2025-01-01,100.00,100.00,new
    A-3,2025-01-01,150.00,150.00,new
    A-2,2025-02-01,250.00,50.00,expansion
    A-1,2025-02-01,80.00,-20.00,contraction
    A-3,2025-02-01,150.00,0.00,flat
    A-2,2025-03-01,250.00,0.00,flat
    A-1,2025-03-01,80.00,0.00,flat
    A-3,2025-03-01,0.00,-150.00,churn
    A-4,2025-03-01,120.00,120.00,reactivation
"""
QUARTER = {"grain": "quarter", "start": dt.date(2025, 1, 1), "end": dt.date(2025, 3, 31)}
MONTHS = {"grain": "month", "start": dt.date(2025, 1, 1), "end": dt.date(2025, 3, 31)}


def _values(name: str, **query: object) -> dict[str, object]:
    rows = metrics.get(name).query(**query).to_pyarrow().to_pylist()  # type: ignore[arg-type]
    return {r["period"]: r["value"] for r in rows}


@pytest.fixture
def quarter(warehouse: str) -> str:
    builders.load(warehouse, subscriptions=SUBSCRIPTIONS)
    return warehouse


def test_mrr_is_a_balance_read_at_the_end_of_the_period(quarter: str) -> None:
    # January 200 + 100 + 150 = 450; February 250 + 80 + 150 = 480; March 250 + 80 + 120
    assert _values("mrr", **MONTHS) == {"2025-01": Decimal("450.00"),
                                        "2025-02": Decimal("480.00"),
                                        "2025-03": Decimal("450.00")}
    # the quarter is March's balance, not the sum of its months (1380)
    assert _values("mrr", **QUARTER) == {"FY2025-Q1": Decimal("450.00")}
    assert _values("arr", **QUARTER) == {"FY2025-Q1": Decimal("5400.00")}


def test_a_running_period_reads_the_balance_of_its_latest_month(quarter: str) -> None:
    running = {**QUARTER, "end": dt.date(2025, 2, 15)}
    # asked on 15 February: Q1 so far is February's 480.00
    assert _values("mrr", **running) == {"FY2025-Q1": Decimal("480.00")}


def test_mrr_movements_over_the_quarter(quarter: str) -> None:
    # new A-1 100 + A-3 150; expansion A-2 50; contraction A-1 20; churn A-4 100 + A-3 150;
    # reactivation A-4 120; net 250 + 50 − 20 − 250 + 120 = 150 = 450 closing − 300 opening
    expected = {"new_mrr": "250.00", "expansion_mrr": "50.00", "contraction_mrr": "20.00",
                "churned_mrr": "250.00", "reactivation_mrr": "120.00", "net_new_mrr": "150.00"}
    for name, amount in expected.items():
        assert _values(name, **QUARTER) == {"FY2025-Q1": Decimal(amount)}, name


def test_churn_and_retention_against_the_opening_balance(quarter: str) -> None:
    # opening (December): A-2 200, A-4 100 -> 2 customers, 300.00 MRR
    # customers churned in Q1: A-4, A-3 -> 2 ÷ 2 = 1
    assert _values("customer_churn_rate", **QUARTER) == {"FY2025-Q1": Decimal("1.000000")}
    # by month: January 1 of 2; February 0 of 3; March 1 of 3
    assert _values("customer_churn_rate", **MONTHS) == {
        "2025-01": Decimal("0.500000"), "2025-02": Decimal("0.000000"),
        "2025-03": Decimal("0.333333")}
    # revenue lost (churn 250 + contraction 20) ÷ 300 = 0.9; GRR (300 − 270) ÷ 300 = 0.1;
    # NRR (300 − 270 + 50) ÷ 300 = 0.266666… -> 0.266667
    assert _values("revenue_churn_rate", **QUARTER) == {"FY2025-Q1": Decimal("0.900000")}
    assert _values("gross_revenue_retention", **QUARTER) == {
        "FY2025-Q1": Decimal("0.100000")}
    assert _values("net_revenue_retention", **QUARTER) == {"FY2025-Q1": Decimal("0.266667")}


def test_customer_retention_leaves_out_customers_won_in_the_period(quarter: str) -> None:
    # February: 3 at the start, 3 at the end, none gained -> 1
    # March: 3 at the start; at the end of which A-4 came back in March
    # -> (3 − 1) ÷ 3 = 0.666667
    values = _values("customer_retention_rate", **MONTHS)
    assert (values["2025-02"], values["2025-03"]) == (Decimal("1.000000"),
                                                      Decimal("0.666667"))


def test_churn_with_no_opening_customers_is_empty_with_a_reason(warehouse: str) -> None:
    builders.load(warehouse, subscriptions="""
        account_id,month,mrr,mrr_change,movement
        A-1,2025-01-01,100.00,100.00,new
    """)
    rows = metrics.get("customer_churn_rate").query(
        grain="month", start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31)).to_pyarrow()
    assert rows.to_pylist()[0]["value"] is None
    assert rows.to_pylist()[0]["reason"] == "no paying customers at the start of the period"
