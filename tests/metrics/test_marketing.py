"""Marketing and unit-economics metrics on one hand-made month, worked out by hand: leads
by source and campaign, sourced pipeline and revenue, campaign ROI, new customers, CAC,
CLTV, CLTV:CAC and payback."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from attain import metrics
from tests.metrics import builders

pytestmark = pytest.mark.django_db

JAN = {"grain": "month", "start": dt.date(2025, 1, 1), "end": dt.date(2025, 1, 31)}

TABLES = {
    "leads": """
        lead_id,source,campaign_id,created_on,qualified_on,opportunity_id
        L-1,Web,C-1,2025-01-03,2025-01-05,O-1
        L-2,Web,C-1,2025-01-10,2025-01-11,
        L-3,Event,,2025-01-12,,
        L-4,Referral,,2025-02-01,,
    """,
    "opportunities": """
        opportunity_id,account_id,amount,campaign_id,created_on,close_date,is_closed,is_won
        O-1,A-1,1000.00,C-1,2025-01-06,2025-01-20,true,true
        O-2,A-3,500.00,,2025-01-07,2025-01-21,true,true
    """,
    "transactions": """
        transaction_id,account_id,opportunity_id,amount,cost,booked_on
        T-0,A-2,,300.00,0.00,2024-12-10
        T-1,A-1,O-1,1200.00,420.00,2025-01-20
        T-2,A-3,O-2,800.00,0.00,2025-01-21
        T-3,A-2,,100.00,0.00,2025-01-22
    """,
    "campaign_spend": """
        campaign_id,month,amount
        C-1,2025-01-01,400.00
        C-2,2025-01-01,100.00
    """,
    "sales_marketing_costs": """
        month,function,category,amount
        2025-01-01,sales,salaries,1200.00
        2025-01-01,marketing,agencies,300.00
    """,
    "subscriptions": """
        account_id,month,mrr,mrr_change,movement
        A-2,2024-12-01,200.00,0.00,flat
        A-4,2024-12-01,100.00,0.00,flat
        A-2,2025-01-01,200.00,0.00,flat
        A-4,2025-01-01,0.00,-100.00,churn
        A-1,2025-01-01,100.00,100.00,new
        A-3,2025-01-01,150.00,150.00,new
    """,
}


def _rows(name: str, **query: object) -> list[dict[str, object]]:
    return metrics.get(name).query(**query).to_pyarrow().to_pylist()  # type: ignore[arg-type, no-any-return]


def _january(name: str) -> object:
    rows = _rows(name, **JAN)
    assert len(rows) == 1
    return rows[0]["value"]


@pytest.fixture
def month(warehouse: str) -> str:
    builders.load(warehouse, **TABLES)
    return warehouse


def test_leads_generated_qualified_and_converted_by_source(month: str) -> None:
    # January leads: L-1, L-2 (Web), L-3 (Event); qualified L-1, L-2; converted L-1
    assert _january("leads_generated") == Decimal("3")
    assert _january("leads_qualified") == Decimal("2")
    assert _january("lead_conversion_rate") == Decimal("0.333333")
    by_source = _rows("leads_generated", by=["lead_source"], **JAN)
    assert {r["lead_source"]: r["value"] for r in by_source} == {"Web": Decimal("2"),
                                                                 "Event": Decimal("1")}
    by_campaign = _rows("leads_generated", by=["campaign"], **JAN)
    # L-3 has no campaign: it is counted under an empty campaign, not dropped
    assert {r["campaign"]: r["value"] for r in by_campaign} == {"C-1": Decimal("2"),
                                                                None: Decimal("1")}


def test_leads_qualified_cuts_by_lead_source_and_campaign(warehouse: str) -> None:
    builders.load(warehouse, leads="""
        lead_id,source,campaign_id,created_on,qualified_on
        L-1,Web,C-1,2025-01-03,2025-01-05
        L-2,Web,C-1,2025-01-04,
        L-3,Event,C-2,2025-01-05,2025-01-09
        L-4,Event,,2025-01-06,2025-02-02
        L-5,Referral,,2025-01-07,
        L-6,Web,C-1,2025-02-01,2025-02-03
    """)
    # January arrivals qualified (whenever): L-1, L-3, L-4 = 3; L-6 arrived in February
    assert _january("leads_qualified") == Decimal("3")
    by_source = _rows("leads_qualified", by=["lead_source"], **JAN)
    # Web: L-1 (L-2 not qualified); Event: L-3, L-4; Referral qualified none, so no row
    assert {r["lead_source"]: r["value"] for r in by_source} == {"Web": Decimal("1"),
                                                                 "Event": Decimal("2")}
    by_campaign = _rows("leads_qualified", by=["campaign"], **JAN)
    # C-1: L-1; C-2: L-3; no campaign: L-4 (kept under an empty campaign)
    assert {r["campaign"]: r["value"] for r in by_campaign} == {
        "C-1": Decimal("1"), "C-2": Decimal("1"), None: Decimal("1")}
    both = _rows("leads_qualified", by=["lead_source", "campaign"],
                 filters={"campaign": "C-1"}, **JAN)
    assert [(r["lead_source"], r["campaign"], r["value"]) for r in both] == [
        ("Web", "C-1", Decimal("1"))]


def test_marketing_sourced_pipeline_and_revenue_need_a_campaign(month: str) -> None:
    # O-1 (C-1) 1000.00 was created in January; O-2 has no campaign
    assert _january("marketing_sourced_pipeline") == Decimal("1000.00")
    # bookings of O-1: T-1 1200.00
    assert _january("marketing_sourced_revenue") == Decimal("1200.00")


def test_campaign_roi_is_sourced_revenue_less_spend_per_unit_of_spend(month: str) -> None:
    # company: (1200 − (400 + 100)) ÷ 500 = 1.4
    assert _january("campaign_roi") == Decimal("1.400000")
    by_campaign = _rows("campaign_roi", by=["campaign"], **JAN)
    # C-1: (1200 − 400) ÷ 400 = 2; C-2 sourced nothing: (0 − 100) ÷ 100 = −1
    assert {r["campaign"]: r["value"] for r in by_campaign} == {
        "C-1": Decimal("2.000000"), "C-2": Decimal("-1.000000")}


def test_cac_divides_all_sales_and_marketing_cost_by_new_customers(month: str) -> None:
    # new customers: A-1 and A-3 (first orders in January); A-2 first bought in December
    assert _january("new_customers") == Decimal("2")
    # (1200 + 300 costs + 400 + 100 spend) ÷ 2 = 1000.00
    assert _january("cac") == Decimal("1000.00")


def test_cltv_cltv_to_cac_and_payback(month: str) -> None:
    # closing MRR 200 + 100 + 150 = 450 over 3 customers = 150 a month each;
    # gross margin (2100 − 420) ÷ 2100 = 0.8; monthly churn 1 of 2 opening customers = 0.5
    # CLTV = 150 × 0.8 ÷ 0.5 = 240.00
    assert _january("cltv") == Decimal("240.00")
    # CLTV ÷ CAC = 240 ÷ 1000 = 0.24
    assert _january("cltv_cac_ratio") == Decimal("0.240000")
    # payback: CAC 1000 ÷ (new MRR 250 ÷ 2 new customers × 0.8 margin = 100) = 10 months
    assert _january("payback_months") == Decimal("10.00")


def test_cltv_without_churn_is_empty_and_says_the_lifetime_is_unbounded(
        warehouse: str) -> None:
    builders.load(warehouse, transactions=TABLES["transactions"], subscriptions="""
        account_id,month,mrr,mrr_change,movement
        A-2,2024-12-01,200.00,0.00,flat
        A-2,2025-01-01,200.00,0.00,flat
    """)
    rows = _rows("cltv", **JAN)
    assert rows[0]["value"] is None
    assert "unbounded" in str(rows[0]["reason"])


def test_company_wide_costs_cannot_be_cut_by_team(month: str) -> None:
    with pytest.raises(metrics.MetricError, match="cac cannot be cut by team"):
        metrics.get("cac").query(by=["team"], **JAN)  # type: ignore[arg-type]


def test_unit_economics_stay_exact_with_amounts_in_the_trillions(warehouse: str) -> None:
    builders.load(warehouse, transactions="""
        transaction_id,account_id,amount,cost,booked_on
        T-1,A-1,9000000000000.00,0.00,2025-01-20
    """, subscriptions="""
        account_id,month,mrr,mrr_change,movement
        A-1,2024-12-01,5000000000000.00,0.00,flat
        A-2,2024-12-01,1000000000000.00,0.00,flat
        A-1,2025-01-01,5000000000000.00,0.00,flat
        A-2,2025-01-01,0.00,-1000000000000.00,churn
    """)
    # MRR per customer 5e12 ÷ 1, margin (9e12 − 0) ÷ 9e12 = 1, churn 1 of 2 a month:
    # CLTV = 5e12 × 1 ÷ 0.5 = 10,000,000,000,000.00 (products of ~1e26 inside)
    assert _january("cltv") == Decimal("10000000000000.00")
