"""Fact sources: the warehouse rows metrics aggregate, each placed in time by one date.

Every source is a function from a :class:`Context` to an Ibis table with an ``at`` column
(the date that places the row in a period) and the key columns dimensions are resolved
from (``person_id``, ``account_id``, ``product_id``, ``opportunity_id``, ``lead_source``,
``campaign_id``, ``deal_type``, …). Money is converted to the reporting currency (USD) at
the rate in force on the row's date, and rounded to the cent on each row by the one rule,
so sums are sums of cents.

Sources are lazy Ibis expressions: nothing here executes. They must never assume a
backend (no DuckDB-only SQL) and never loop over rows in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import ibis
import ibis.expr.datatypes as dt_
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from attain.metrics import org

REPORTING_CURRENCY = "USD"
MONEY = dt_.Decimal(18, 2)
FX = dt_.Decimal(18, 8)


@dataclass
class Context:
    """What sources need for one query: the warehouse and the span of days it covers."""

    warehouse: BaseBackend
    first: dt.date
    """First day of the first period asked for (or compared with)."""
    last: dt.date
    """Last day of the last period."""
    _cache: dict[str, ir.Table] = field(default_factory=dict)

    def table(self, name: str) -> ir.Table:
        return self.warehouse.table(name)

    def cached(self, key: str, build: Callable[[], ir.Table]) -> ir.Table:
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]


def to_reporting(ctx: Context, table: ir.Table, amounts: dict[str, str], day: str,
                 currency: str = "currency") -> ir.Table:
    """``table`` with each ``amounts`` column (source → new name) in USD, rounded per row.

    The rate in force on a day is the latest ``fx_rates`` row to USD on or before it. A row
    already in USD is left exactly as it is; a row whose currency has no rate yet gets an
    empty amount (and so drops out of sums) rather than a guessed one.
    """
    usd = ibis.literal(REPORTING_CURRENCY)
    rates = ctx.table("fx_rates")
    rates = rates.filter(rates.to_currency == usd).select(
        r_day="rate_date", r_ccy="from_currency", r_rate="rate")
    # The day as its own column: joining on an expression of the table confuses Ibis's
    # column resolution (it compared the factors' day with itself).
    table = table.mutate(fx_day=table[day].cast("date"))
    pairs = table.select(p_day=table.fx_day, p_ccy=table[currency]).distinct()
    pairs = pairs.filter(pairs.p_ccy != usd)
    candidates = pairs.join(rates, (pairs.p_ccy == rates.r_ccy) & (rates.r_day <= pairs.p_day))
    best = candidates.group_by(["p_day", "p_ccy"]).aggregate(b_day=candidates.r_day.max())
    # A second, independent reference to the rates: Ibis reads a self-join of one table
    # expression ambiguously.
    again = rates.view()
    factors = best.join(again, (best.p_ccy == again.r_ccy) & (best.b_day == again.r_day)).select(
        f_day="p_day", f_ccy="p_ccy", f_rate="r_rate")
    joined = table.left_join(factors, (table.fx_day == factors.f_day)
                             & (table[currency] == factors.f_ccy))
    converted = {
        new: ibis.cases(
            (joined[currency] == usd, joined[column].cast(MONEY)),
            else_=(joined[column].cast(dt_.Decimal(38, 10)) * joined.f_rate.cast(FX))
            .round(2).cast(MONEY),
        )
        for column, new in amounts.items()
    }
    keep = [name for name in table.columns
            if name not in amounts.values() and name != "fx_day"]
    return joined.select(*keep, **converted)


def transactions(ctx: Context) -> ir.Table:
    """Order lines by booking date, net of cancellations and refunds (negative lines)."""
    tx = ctx.table("transactions")
    tx = tx.filter(tx.booked_on >= ctx.first, tx.booked_on <= ctx.last)
    tx = tx.select(
        "transaction_id", "order_id", "opportunity_id", "account_id", "product_id",
        "deal_type", "kind", "currency", "booked_on", "amount", "cost", person_id="owner_id",
        list_amount=(tx.quantity * tx.unit_price).round(2).cast(MONEY),
    )
    tx = to_reporting(ctx, tx, {"amount": "amount", "cost": "cost",
                                "list_amount": "list_amount"}, "booked_on")
    return tx.mutate(at=tx.booked_on)


def campaign_revenue(ctx: Context) -> ir.Table:
    """Order lines (net of reversals) of deals a campaign sourced, by booking date."""
    tx = transactions(ctx)
    opp = ctx.table("opportunities")
    opp = opp.filter(opp.campaign_id.notnull()).select(
        c_opp="opportunity_id", campaign_id="campaign_id", lead_source="lead_source")
    return tx.join(opp, tx.opportunity_id == opp.c_opp).drop("c_opp")


def invoices(ctx: Context) -> ir.Table:
    """Order lines by invoice date (lines not yet invoiced are left out)."""
    tx = ctx.table("transactions")
    tx = tx.filter(tx.invoiced_on.notnull(), tx.invoiced_on >= ctx.first,
                   tx.invoiced_on <= ctx.last)
    tx = tx.select("transaction_id", "opportunity_id", "account_id", "product_id", "deal_type",
                   "kind", "currency", "invoiced_on", "amount", person_id="owner_id")
    tx = to_reporting(ctx, tx, {"amount": "amount"}, "invoiced_on")
    return tx.mutate(at=tx.invoiced_on)


def _opportunities(ctx: Context, day: str) -> ir.Table:
    opp = ctx.table("opportunities")
    opp = opp.filter(opp[day] >= ctx.first, opp[day] <= ctx.last)
    opp = opp.select(
        "opportunity_id", "account_id", "product_id", "deal_type", "lead_source", "campaign_id",
        "stage", "forecast_category", "probability", "is_closed", "is_won", "created_on",
        "close_date", "currency", "sdr_id",
        amount=opp.amount.fill_null(ibis.literal(0, type=MONEY)), person_id="owner_id",
        cycle_days=(opp.close_date.delta(opp.created_on, unit="day")).cast("int64"),
    )
    opp = to_reporting(ctx, opp, {"amount": "amount"}, day)
    return opp.mutate(at=opp[day])


def closed_deals(ctx: Context) -> ir.Table:
    """Opportunities closed (won or lost) in the span, by close date, in their final state.

    A deal lost and then reopened is open again in the CRM's current state, so it counts
    as closed only once it closes again, on its new close date.
    """
    opp = _opportunities(ctx, "close_date")
    return opp.filter(opp.is_closed)


def created_deals(ctx: Context) -> ir.Table:
    """Opportunities by creation date (the cohort close rate follows)."""
    return _opportunities(ctx, "created_on")


def open_pipeline(ctx: Context) -> ir.Table:
    """Open opportunities by expected close date: the pipeline due in each period."""
    opp = _opportunities(ctx, "close_date")
    return opp.filter(~opp.is_closed)


def slipped_deals(ctx: Context) -> ir.Table:
    """Every expected close date a deal once had that it has since moved later.

    ``at`` is the old expected close date and ``current_close_date`` where it is now; a
    metric counts the deal as slipped out of a period when it once was due in it and now
    is due (or closed) after the period's end.
    """
    history = ctx.table("opportunity_stage_history")
    opp = ctx.table("opportunities").select(
        "opportunity_id", "account_id", "product_id", "deal_type", "lead_source", "campaign_id",
        person_id="owner_id", current_close_date="close_date")
    dates = history.select("opportunity_id", old_close="close_date").distinct()
    dates = dates.filter(dates.old_close >= ctx.first, dates.old_close <= ctx.last)
    joined = dates.join(opp, "opportunity_id")
    joined = joined.filter(joined.current_close_date > joined.old_close)
    return joined.mutate(at=joined.old_close)


def stage_entries(ctx: Context) -> ir.Table:
    """Every stage a deal entered, with whether it went on to a later, still-live stage.

    ``advanced`` is true when the deal's next stage change was not to a lost stage (one
    with probability 0): the deal moved on through the funnel rather than dropping out.
    """
    history = ctx.table("opportunity_stage_history")
    ordered = ibis.window(group_by=history.opportunity_id, order_by=history.entered_at)
    steps = history.mutate(next_probability=history.probability.lead().over(ordered))
    steps = steps.mutate(at=steps.entered_at.cast("date"))
    steps = steps.filter(steps.at >= ctx.first, steps.at <= ctx.last, steps.probability > 0,
                         steps.probability < 1)
    opp = ctx.table("opportunities").select(
        o_id="opportunity_id", account_id="account_id", product_id="product_id",
        deal_type="deal_type", lead_source="lead_source", campaign_id="campaign_id",
        person_id="owner_id")
    joined = steps.join(opp, steps.opportunity_id == opp.o_id)
    advanced = joined.next_probability.notnull() & (joined.next_probability > 0)
    return joined.select("opportunity_id", "stage", "at", "account_id", "product_id",
                         "deal_type", "lead_source", "campaign_id", "person_id",
                         advanced=advanced)


def leads(ctx: Context) -> ir.Table:
    """Leads by the day they arrived, with whether they were qualified and converted."""
    lead = ctx.table("leads")
    lead = lead.filter(lead.created_on >= ctx.first, lead.created_on <= ctx.last)
    return lead.select(
        "lead_id", "campaign_id", "account_id", "opportunity_id", lead_source="source",
        person_id="owner_id", at="created_on",
        qualified=lead.qualified_on.notnull(), converted=lead.opportunity_id.notnull(),
    )


def campaign_spend(ctx: Context) -> ir.Table:
    """Campaign spend by month."""
    spend = ctx.table("campaign_spend")
    spend = spend.filter(spend.month >= ctx.first.replace(day=1), spend.month <= ctx.last)
    spend = to_reporting(ctx, spend, {"amount": "amount"}, "month")
    return spend.mutate(at=spend.month)


def sales_marketing_costs(ctx: Context) -> ir.Table:
    """Other sales and marketing costs by month (salaries, tools, travel, …)."""
    costs = ctx.table("sales_marketing_costs")
    costs = costs.filter(costs.month >= ctx.first.replace(day=1), costs.month <= ctx.last)
    costs = to_reporting(ctx, costs, {"amount": "amount"}, "month")
    return costs.mutate(at=costs.month)


def new_customers(ctx: Context) -> ir.Table:
    """Each account once, on the day of its first order (its first purchase ever)."""
    tx = ctx.table("transactions")
    orders = tx.filter(tx.kind == "order")
    first = orders.group_by("account_id").aggregate(at=orders.booked_on.min())
    return first.filter(first.at >= ctx.first, first.at <= ctx.last)


def subscriptions(ctx: Context) -> ir.Table:
    """Monthly recurring revenue per account per month, with the month's movement.

    Read one month wider than the span, so a period's opening balance (the month before
    it) is there.
    """
    subs = ctx.table("subscriptions")
    opening = (ctx.first.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    subs = subs.filter(subs.month >= opening, subs.month <= ctx.last)
    subs = to_reporting(ctx, subs, {"mrr": "mrr", "mrr_change": "mrr_change"}, "month")
    return subs.mutate(at=subs.month)


def feedback(ctx: Context) -> ir.Table:
    """Survey answers by the day they were given."""
    answers = ctx.table("customer_feedback")
    answers = answers.filter(answers.responded_on >= ctx.first, answers.responded_on <= ctx.last)
    return answers.mutate(at=answers.responded_on)


def activities(ctx: Context) -> ir.Table:
    """Logged activities by the day they happened."""
    acts = ctx.table("activities")
    day = acts.occurred_at.cast("date")
    acts = acts.mutate(at=day)
    acts = acts.filter(acts.at >= ctx.first, acts.at <= ctx.last)
    return acts.select("activity_id", "account_id", "opportunity_id", "activity_type", "outcome",
                       "at", person_id="person_id")


def reps(ctx: Context) -> ir.Table:
    """Account executives employed, one row per rep per month (from the app database)."""
    return org.rep_months(ctx.first, ctx.last)


def quotas(ctx: Context) -> ir.Table:
    """Approved bookings quotas per rep per month (from the app database)."""
    return org.quota_months(ctx.first, ctx.last)


def quota_attainment(ctx: Context) -> ir.Table:
    """Bookings and quota side by side per rep and day: the rows attainment is built from."""
    tx = transactions(ctx)
    booked = tx.select("person_id", "at", booked=tx.amount,
                       quota=ibis.literal(0, type=MONEY))
    quota = quotas(ctx)
    quota = quota.select("person_id", "at", booked=ibis.literal(0, type=MONEY),
                         quota=quota.quota.cast(MONEY))
    return booked.union(quota)


SOURCES: dict[str, Callable[[Context], ir.Table]] = {
    "transactions": transactions,
    "invoices": invoices,
    "campaign_revenue": campaign_revenue,
    "closed_deals": closed_deals,
    "created_deals": created_deals,
    "open_pipeline": open_pipeline,
    "slipped_deals": slipped_deals,
    "stage_entries": stage_entries,
    "leads": leads,
    "campaign_spend": campaign_spend,
    "sales_marketing_costs": sales_marketing_costs,
    "new_customers": new_customers,
    "subscriptions": subscriptions,
    "feedback": feedback,
    "activities": activities,
    "reps": reps,
    "quotas": quotas,
    "quota_attainment": quota_attainment,
}
"""Every fact source by name."""

KEYS: dict[str, frozenset[str]] = {
    "transactions": frozenset({"person_id", "account_id", "product_id", "opportunity_id",
                               "deal_type"}),
    "invoices": frozenset({"person_id", "account_id", "product_id", "opportunity_id",
                           "deal_type"}),
    "campaign_revenue": frozenset({"person_id", "account_id", "product_id", "opportunity_id",
                                   "deal_type", "lead_source", "campaign_id"}),
    "closed_deals": frozenset({"person_id", "account_id", "product_id", "opportunity_id",
                               "deal_type", "lead_source", "campaign_id"}),
    "created_deals": frozenset({"person_id", "account_id", "product_id", "opportunity_id",
                                "deal_type", "lead_source", "campaign_id"}),
    "open_pipeline": frozenset({"person_id", "account_id", "product_id", "opportunity_id",
                                "deal_type", "lead_source", "campaign_id", "stage",
                                "forecast_category"}),
    "slipped_deals": frozenset({"person_id", "account_id", "product_id", "opportunity_id",
                                "deal_type", "lead_source", "campaign_id"}),
    "stage_entries": frozenset({"person_id", "account_id", "product_id", "opportunity_id",
                                "deal_type", "lead_source", "campaign_id", "stage"}),
    "leads": frozenset({"person_id", "account_id", "lead_source", "campaign_id"}),
    "campaign_spend": frozenset({"campaign_id"}),
    "sales_marketing_costs": frozenset(),
    "new_customers": frozenset({"account_id"}),
    "subscriptions": frozenset({"account_id"}),
    "feedback": frozenset({"account_id"}),
    "activities": frozenset({"person_id", "account_id", "opportunity_id", "activity_type"}),
    "reps": frozenset({"person_id"}),
    "quotas": frozenset({"person_id"}),
    "quota_attainment": frozenset({"person_id"}),
}
"""The key columns each source carries, which decide the dimensions it can be cut by."""
