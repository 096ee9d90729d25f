"""Revenue metrics on hand-made transactions: kinds, growth, per rep, order value, discount,
margin, invoicing and currency conversion, each worked out by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from attain import metrics
from tests.metrics import builders

pytestmark = pytest.mark.django_db

JAN = {"grain": "month", "start": dt.date(2025, 1, 1), "end": dt.date(2025, 1, 31)}
Q1 = {"grain": "month", "start": dt.date(2025, 1, 1), "end": dt.date(2025, 3, 31)}

LINES = """
    transaction_id,order_id,owner_id,deal_type,quantity,unit_price,discount,amount,cost,booked_on,invoiced_on,kind,reverses_transaction_id
    T-1,ORD-1,E1,new,2,500.00,0.1,900.00,300.00,2025-01-05,2025-01-20,order,
    T-2,ORD-1,E1,new,1,100.00,0,100.00,40.00,2025-01-05,,order,
    T-3,ORD-2,E2,expansion,1,1000.00,0.25,750.00,250.00,2025-01-09,2025-02-02,order,
    T-4,ORD-3,E2,renewal,1,400.00,0,400.00,100.00,2025-01-30,2025-01-31,order,
    T-5,ORD-4,E2,expansion,-1,1000.00,0.25,-750.00,-250.00,2025-01-31,2025-02-02,refund,T-3
"""


def _value(name: str, **query: object) -> object:
    rows = metrics.get(name).query(**query).to_pyarrow().to_pylist()  # type: ignore[arg-type]
    assert len(rows) == 1, rows
    return rows[0]["value"]


def test_revenue_kinds_split_net_bookings_by_deal_type(warehouse: str) -> None:
    builders.load(warehouse, transactions=LINES)
    # new: 900 + 100 = 1000.00; expansion: 750 − 750 refund = 0.00; renewal 400.00
    assert _value("new_revenue", **JAN) == Decimal("1000.00")
    assert _value("expansion_revenue", **JAN) == Decimal("0.00")
    assert _value("renewal_revenue", **JAN) == Decimal("400.00")
    # all together 1000 + 0 + 400
    assert _value("revenue", **JAN) == Decimal("1400.00")


def test_invoiced_revenue_follows_the_invoice_date(warehouse: str) -> None:
    builders.load(warehouse, transactions=LINES)
    rows = metrics.get("invoiced_revenue").query(**Q1).to_pyarrow().to_pylist()  # type: ignore[arg-type]
    # January invoices: T-1 900 + T-4 400 = 1300.00 (T-2 is not invoiced);
    # February: T-3 750 and its refund −750 = 0.00
    assert [(r["period"], r["value"]) for r in rows] == [
        ("2025-01", Decimal("1300.00")), ("2025-02", Decimal("0.00")),
        ("2025-03", Decimal("0.00"))]


def test_average_order_value_counts_orders_not_lines(warehouse: str) -> None:
    builders.load(warehouse, transactions=LINES)
    # orders only (the refund is not an order): 900 + 100 + 750 + 400 = 2150.00 over
    # ORD-1, ORD-2, ORD-3 = 3 orders -> 716.666… -> 716.67
    assert _value("average_order_value", **JAN) == Decimal("716.67")


def test_discount_rate_is_discount_over_list_price(warehouse: str) -> None:
    builders.load(warehouse, transactions=LINES)
    # list: 2 × 500 + 100 + 1000 + 400 = 2500.00; net 2150.00; (2500 − 2150) ÷ 2500 = 0.14
    assert _value("discount_rate", **JAN) == Decimal("0.140000")


def test_gross_margin_nets_the_refund_and_its_cost(warehouse: str) -> None:
    builders.load(warehouse, transactions=LINES)
    # revenue 1400.00; cost 300 + 40 + 250 + 100 − 250 = 440.00; (1400 − 440) ÷ 1400
    # = 0.685714285… -> 0.685714
    assert _value("gross_margin", **JAN) == Decimal("0.685714")


def test_growth_against_the_prior_period_and_last_year(warehouse: str) -> None:
    builders.load(warehouse, transactions="""
        transaction_id,amount,booked_on
        T-1,800.00,2024-03-15
        T-2,1000.00,2025-02-10
        T-3,1300.00,2025-03-01
    """)
    march = {"grain": "month", "start": dt.date(2025, 3, 1), "end": dt.date(2025, 3, 31)}
    # March 1300 vs February 1000: +30%; vs March 2024 800: +62.5%
    assert _value("revenue_growth", **march) == Decimal("0.300000")
    assert _value("revenue_growth_yoy", **march) == Decimal("0.625000")
    rows = metrics.get("revenue_growth").query(**Q1).to_pyarrow().to_pylist()  # type: ignore[arg-type]
    # January's prior (December 2024) had no revenue: no growth figure, and a reason
    assert (rows[0]["value"], rows[0]["reason"]) == (None, "no revenue in the prior period")


def test_amounts_in_other_currencies_are_converted_at_the_rate_of_their_day(
        warehouse: str) -> None:
    builders.load(warehouse, fx_rates="""
        rate_date,from_currency,rate
        2025-01-01,EUR,1.10000000
        2025-01-15,EUR,1.20000000
    """, transactions="""
        transaction_id,amount,currency,booked_on
        T-1,100.00,EUR,2025-01-10
        T-2,100.05,EUR,2025-01-20
        T-3,50.00,USD,2025-01-20
    """)
    # T-1 at the 1 January rate: 110.00; T-2 at the 15 January rate: 120.06 (120.060);
    # T-3 stays 50.00 -> 280.06
    assert _value("revenue", **JAN) == Decimal("280.06")


def test_revenue_per_rep_divides_by_every_rep_employed(warehouse: str) -> None:
    builders.load(warehouse, transactions=LINES)
    builders.org("""
        person_id,team,valid_from,valid_to
        E1,WEST,2024-01-01,
        E2,WEST,2024-01-01,
        E3,EAST,2024-06-01,
    """)
    # 1400.00 booked over three reps employed in January (E3 booked nothing) = 466.67
    assert _value("revenue_per_rep", **JAN) == Decimal("466.67")
    rows = metrics.get("revenue_per_rep").query(by=["team"], **JAN).to_pyarrow().to_pylist()  # type: ignore[arg-type]
    # WEST: (1000 + 400) ÷ 2 = 700.00; EAST: 0 ÷ 1 = 0.00
    assert {r["team"]: r["value"] for r in rows} == {"WEST": Decimal("700.00"),
                                                    "EAST": Decimal("0.00")}
