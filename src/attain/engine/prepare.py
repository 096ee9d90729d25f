"""Stage 1, prepare: the transactions a run needs, with every field a plan may filter on.

Transactions booked from the start of the plan year to the end of the run period, joined
to their deal, account and product, and given the FX factor of their booking day. Pure
Ibis, nothing backend-specific; nothing here executes.

A cancellation or refund is credited by its own row's deal, owner, account and product;
importers and the demo copy them from the line it reverses, so it is credited to the same
people by the same rules and nets against the original (in the same period it cancels it;
in a later one it claws back).
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.datatypes as dt_

from attain.plans.fields import TRANSACTION_FIELDS

VALUE = dt_.Decimal(38, 8)
"""Credited values: amounts (2 places) times shares (6 places), exactly."""
EXACT = dt_.Decimal(38, 14)
"""Values times rates, exactly (before the one rounding)."""
RATE = dt_.Decimal(18, 6)
MONEY = dt_.Decimal(18, 2)
FX = dt_.Decimal(38, 16)

FIELD_COLUMNS: dict[str, str] = {
    "amount": "amount", "quantity": "quantity", "unit_price": "unit_price",
    "discount": "discount", "cost": "cost", "margin": "margin", "currency": "currency",
    "kind": "kind", "booked_on": "booked_on", "paid_on": "paid_on", "invoiced_on": "invoiced_on",
    "deal.id": "opportunity_id", "deal.type": "deal_type", "deal.source": "deal_source",
    "deal.amount": "deal_amount", "product.id": "product_id", "product.name": "product_name",
    "product.family": "product_family", "product.recurring": "product_recurring",
    "account.id": "account_id", "account.segment": "account_segment",
    "account.industry": "account_industry", "account.region": "account_region",
    "account.country": "account_country", "account.channel": "account_channel",
    "account.employees": "account_employees",
}
assert set(FIELD_COLUMNS) == set(TRANSACTION_FIELDS), "every plan field needs a column"


def transactions(warehouse: ibis.BaseBackend, start: dt.date, end: dt.date) -> ibis.Table:
    """Order lines booked in [start, end] with their deal, account and product fields."""
    tx = warehouse.table("transactions")
    tx = tx.filter(tx.booked_on >= start, tx.booked_on <= end)
    opp = warehouse.table("opportunities").select(
        opp_id="opportunity_id", deal_source="lead_source", deal_amount="amount",
        sdr_id="sdr_id", se_id="se_id")
    account = warehouse.table("accounts").select(
        acc_id="account_id", account_segment="segment", account_industry="industry",
        account_region="region", account_country="country", account_channel="channel",
        account_employees="employees")
    product = warehouse.table("products").select(
        prod_id="product_id", product_name="name", product_family="family",
        product_recurring="is_recurring")
    joined = (
        tx.left_join(opp, tx.opportunity_id == opp.opp_id)
        .left_join(account, tx.account_id == account.acc_id)
        .left_join(product, tx.product_id == product.prod_id)
    )
    margin = ((joined.amount - joined.cost).cast(VALUE)
              / joined.amount.cast(VALUE).nullif(0)).cast(RATE)
    return joined.select(
        "transaction_id", "opportunity_id", "account_id", "product_id", "owner_id",
        "deal_type", "kind", "reverses_transaction_id", "booked_on", "invoiced_on", "paid_on",
        "currency", "amount", "quantity", "unit_price", "discount", "cost",
        margin=margin,
        deal_source="deal_source", deal_amount="deal_amount", sdr_id="sdr_id", se_id="se_id",
        account_segment="account_segment", account_industry="account_industry",
        account_region="account_region", account_country="account_country",
        account_channel="account_channel",
        account_employees=joined.account_employees.cast("decimal(18, 0)"),
        product_name="product_name", product_family="product_family",
        product_recurring="product_recurring",
    )


def fx_factors(warehouse: ibis.BaseBackend, needed: ibis.Table) -> ibis.Table:
    """Conversion factors for every (booking day, from currency, to currency) in ``needed``.

    The rate in force on a day is the latest rate on or before it. Conversions go through
    USD (the warehouse keeps X→USD and USD→X); a currency to itself is exactly 1.
    """
    rates = warehouse.table("fx_rates")
    usd = ibis.literal("USD")

    def latest(from_col: str, to_usd: bool) -> ibis.Table:
        pairs = needed.select(day="booked_on", ccy=from_col).distinct()
        pairs = pairs.filter(pairs.ccy != usd)
        side = (rates.filter(rates.to_currency == usd) if to_usd
                else rates.filter(rates.from_currency == usd))
        ccy_col = side.from_currency if to_usd else side.to_currency
        side = side.select(r_day="rate_date", r_ccy=ccy_col, rate="rate")
        joined = pairs.join(side, (pairs.ccy == side.r_ccy) & (side.r_day <= pairs.day))
        best = joined.group_by(["day", "ccy"]).aggregate(r_day=joined.r_day.max())
        return best.join(side, (best.ccy == side.r_ccy) & (best.r_day == side.r_day)).select(
            "day", "ccy", "rate")

    to_usd = latest("currency", True)
    from_usd = latest("to_currency", False)
    combos = needed.select(day="booked_on", from_ccy="currency", to_ccy="to_currency").distinct()
    a = to_usd.select(a_day="day", a_ccy="ccy", a_rate="rate")
    b = from_usd.select(b_day="day", b_ccy="ccy", b_rate="rate")
    joined = (combos.left_join(a, (combos.day == a.a_day) & (combos.from_ccy == a.a_ccy))
              .left_join(b, (combos.day == b.b_day) & (combos.to_ccy == b.b_ccy)))
    one = ibis.literal(1, type=FX)
    factor = ibis.cases(
        (joined.from_ccy == joined.to_ccy, one),
        (joined.from_ccy == usd, joined.b_rate.cast(FX)),
        (joined.to_ccy == usd, joined.a_rate.cast(FX)),
        else_=(joined.a_rate.cast(FX) * joined.b_rate.cast(FX)).cast(FX),
    )
    return joined.select(fx_day="day", fx_from="from_ccy", fx_to="to_ccy", factor=factor)
