"""Every metric of Attain, defined once.

Each entry names its parts (aggregates of fact sources, :mod:`attain.metrics.sources`)
and how the value follows from them. Ratios divide summed parts at the requested grain.
``docs/metrics.md`` is generated from this list, so the formula written here in words is
the one users read; keep it in step with the parts beside it.

This module must never execute a query or read the app database at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

import ibis
import ibis.expr.datatypes as dt_
import ibis.expr.types as ir

from attain.metrics.model import Metric, Part
from attain.metrics.query import divide

# --- part helpers ---------------------------------------------------------------------------

Snapshot = Literal["closing", "opening"] | None
Shift = Literal["prior", "yoy"] | None


Where = Callable[[ir.Table], ir.BooleanValue] | None


def money(source: str, column: str = "amount", where: Where = None, *,
          snapshot: Snapshot = None, shift: Shift = None) -> Part:
    """The sum of a money column of ``source`` (cents, in the reporting currency)."""
    return Part(source, lambda t: t[column].sum(), where=where, places=2, snapshot=snapshot,
                shift=shift)


def count(source: str, where: Where = None, *, shift: Shift = None) -> Part:
    """The number of rows of ``source``."""
    return Part(source, lambda t: t.count(), where=where, places=0, shift=shift)


def distinct(source: str, column: str, where: Where = None, *,
             snapshot: Snapshot = None) -> Part:
    """The number of distinct values of ``column`` in ``source``."""
    return Part(source, lambda t: t[column].nunique(), where=where, places=0,
                snapshot=snapshot)


def _p(parts: Mapping[str, ir.Value], name: str) -> ir.NumericValue:
    value: ir.NumericValue = parts[name]
    return value


def _times(*factors: tuple[ir.NumericValue, int]) -> ir.NumericValue:
    """The exact product of parts, each given with its decimal places (cents 2, counts 0).

    A database multiplies decimals as integers scaled by their places, so each factor is
    cast to its own places first (a count carried at six places would add six digits to
    every product and overflow DECIMAL(38) at 10M-transaction scale); the product's places
    are the sum of the factors'.
    """
    value, places = factors[0]
    product = value.cast(dt_.Decimal(38, places))
    for factor, factor_places in factors[1:]:
        places += factor_places
        product = (product * factor.cast(dt_.Decimal(38, factor_places))).cast(
            dt_.Decimal(38, places))
    return product


def _money(parts: Mapping[str, ir.Value], *names: str) -> tuple[ir.NumericValue, int]:
    """A money factor for :func:`_times`: the named parts, the later ones subtracted."""
    value = _p(parts, names[0])
    for name in names[1:]:
        value = value - _p(parts, name)
    return value, 2


def _count(parts: Mapping[str, ir.Value], name: str) -> tuple[ir.NumericValue, int]:
    """A count factor for :func:`_times`."""
    return _p(parts, name), 0


def _cltv_parts(p: Mapping[str, ir.Value]) -> tuple[ir.NumericValue, ir.NumericValue]:
    numerator = _times(_money(p, "mrr"), _money(p, "revenue", "cost"), _count(p, "opening"),
                       _count(p, "months"))
    denominator = _times(_count(p, "customers"), _money(p, "revenue"), _count(p, "churned"))
    return numerator, denominator


def _rounded(numerator: ir.NumericValue, denominator: ir.NumericValue,
             places: int) -> ir.NumericValue:
    """``numerator ÷ denominator`` rounded to ``places``, empty when the denominator is 0."""
    return ibis.ifelse(denominator == 0, ibis.null(dt_.Decimal(38, places)),
                       divide(numerator, denominator, places))


def _won(t: ir.Table) -> ir.BooleanValue:
    return t.is_won


def _lost(t: ir.Table) -> ir.BooleanValue:
    return ~t.is_won


def _order(t: ir.Table) -> ir.BooleanValue:
    return t.kind == "order"


def _deal_type(kind: str) -> Where:
    return lambda t: t.deal_type == kind


def _movement(*kinds: str) -> Where:
    return lambda t: t.movement.isin(kinds)


def _activity(kind: str, *outcomes: str) -> Where:
    if outcomes:
        return lambda t: (t.activity_type == kind) & t.outcome.isin(outcomes)
    return lambda t: t.activity_type == kind


def _lost_mrr(t: ir.Table) -> ir.Scalar:
    """MRR lost to churn and contraction, as a positive amount."""
    return -(t.mrr_change.sum(where=t.movement.isin(("churn", "contraction"))))


def _customers(t: ir.Table) -> ir.Scalar:
    return t.account_id.nunique(where=t.mrr > 0)


def _cohort_churned() -> Part:
    """Opening customers lost in the period, each once (see :attr:`Part.cohort`)."""
    return Part("subscriptions", lambda t: t.account_id.nunique(), where=_movement("churn"),
                places=0, cohort=True)


def _cohort_lost() -> Part:
    """MRR the opening customers lost to churn and contraction, as a positive amount."""
    return Part("subscriptions", _lost_mrr, places=2, cohort=True)


def _per_person(then: Callable[[ir.Table], ir.Scalar]) -> Part:
    """A part over each rep's bookings and quota in the period (quota carriers only)."""
    return Part("quota_attainment", lambda t: t.booked.sum(), per="person_id",
                inner=lambda t: {"booked": t.booked.sum(), "quota": t.quota.sum()},
                then=then, places=2)


def _revenue_metric(name: str, label: str, kind: str) -> Metric:
    return Metric(
        name=name, label=label,
        description=f"Net bookings of {kind} deals (deal_type = {kind}), net of reversals.",
        formula=f"sum(transactions.amount) where deal_type = '{kind}', by booked_on",
        unit="money", direction="higher", additivity="additive",
        time_column="transactions.booked_on",
        parts={"revenue": money("transactions", where=_deal_type(kind))},
        numerator="revenue",
    )


def _growth_metric(name: str, label: str, shift: Shift, against: str) -> Metric:
    return Metric(
        name=name, label=label,
        description=f"How much revenue grew against {against}.",
        formula=f"(revenue − revenue of {against}) ÷ revenue of {against}",
        unit="ratio", direction="higher", additivity="non_additive",
        time_column="transactions.booked_on",
        parts={"revenue": money("transactions"), "base": money("transactions", shift=shift)},
        numerator=lambda p: _p(p, "revenue") - _p(p, "base"), denominator="base", places=6,
        positive_denominator=True, empty_reason=f"no revenue in {against}",
    )


def _mrr_movement(name: str, label: str, kind: str, sign: int, direction: str) -> Metric:
    shown = "−sum" if sign < 0 else "sum"
    return Metric(
        name=name, label=label,
        description=f"MRR gained or lost by {kind} movements in the period"
                    + (" (shown as a positive amount)." if sign < 0 else "."),
        formula=f"{shown}(subscriptions.mrr_change) where movement = '{kind}', by month",
        unit="money", direction=direction,  # type: ignore[arg-type]
        additivity="additive", time_column="subscriptions.month",
        parts={"change": Part("subscriptions", lambda t: t.mrr_change.sum() * sign,
                              where=_movement(kind), places=2)},
        numerator="change",
    )


def _per_rep(name: str, kind: str) -> Metric:
    return Metric(
        name=name, label=f"{kind.capitalize()}s per rep",
        description=f"Logged {kind}s per account executive employed in the period.",
        formula=f"count(activities where activity_type = '{kind}') ÷ "
                "count(distinct account executives employed in the period)",
        unit="count", direction="higher", additivity="non_additive",
        time_column="activities.occurred_at",
        parts={"activities": count("activities", _activity(kind)),
               "reps": distinct("reps", "person_id")},
        numerator="activities", denominator="reps", places=2,
        empty_reason="no account executives employed in the period",
    )


def _outcome_rate(name: str, label: str, kind: str, good: tuple[str, ...],
                  all_: tuple[str, ...]) -> Metric:
    return Metric(
        name=name, label=label,
        description=f"Share of {kind}s that ended {' or '.join(good)}.",
        formula=f"count({kind}s with outcome {'/'.join(good)}) ÷ "
                f"count({kind}s with outcome {'/'.join(all_)})",
        unit="ratio", direction="higher", additivity="non_additive",
        time_column="activities.occurred_at",
        parts={"good": count("activities", _activity(kind, *good)),
               "all": count("activities", _activity(kind, *all_))},
        numerator="good", denominator="all", places=6,
        empty_reason=f"no {kind}s in the period",
    )


_MONEY_PER_ROW = "each row converted to USD at the rate of its day and rounded to the cent"

METRICS: tuple[Metric, ...] = (
    # --- revenue ---------------------------------------------------------------------------
    Metric(
        name="revenue",
        label="Revenue (booked)",
        description="Net bookings: order lines by booking date, less cancellations and "
                    "refunds, in the reporting currency.",
        formula="sum(transactions.amount) by booked_on, every kind (cancellations and refunds "
                f"are negative lines), {_MONEY_PER_ROW}",
        unit="money", direction="higher", additivity="additive",
        time_column="transactions.booked_on",
        parts={"revenue": money("transactions")}, numerator="revenue",
    ),
    Metric(
        name="invoiced_revenue",
        label="Revenue (invoiced)",
        description="Invoiced revenue: order lines by invoice date, net of reversals that "
                    "were invoiced; lines not yet invoiced are left out.",
        formula="sum(transactions.amount) by invoiced_on, where invoiced_on is set",
        unit="money", direction="higher", additivity="additive",
        time_column="transactions.invoiced_on",
        parts={"revenue": money("invoices")}, numerator="revenue",
    ),
    _growth_metric("revenue_growth", "Revenue growth (vs prior period)", "prior",
                   "the prior period"),
    _growth_metric("revenue_growth_yoy", "Revenue growth (year over year)", "yoy",
                   "the same period last year"),
    _revenue_metric("new_revenue", "New business revenue", "new"),
    _revenue_metric("expansion_revenue", "Expansion revenue", "expansion"),
    _revenue_metric("renewal_revenue", "Renewal revenue", "renewal"),
    Metric(
        name="revenue_per_rep",
        label="Revenue per rep",
        description="Net bookings per account executive employed in the period (whether "
                    "or not they booked anything).",
        formula="sum(transactions.amount) ÷ count(distinct account executives employed in "
                "the period, from the app database)",
        unit="money", direction="higher", additivity="non_additive",
        time_column="transactions.booked_on",
        parts={"revenue": money("transactions"), "reps": distinct("reps", "person_id")},
        numerator="revenue", denominator="reps",
        empty_reason="no account executives employed in the period",
    ),
    Metric(
        name="average_deal_size",
        label="Average deal size",
        description="Average amount of the deals won in the period.",
        formula="sum(opportunities.amount) ÷ count(opportunities), won deals by close_date",
        unit="money", direction="higher", additivity="non_additive",
        time_column="opportunities.close_date",
        parts={"won_amount": money("closed_deals", where=_won),
               "won_deals": count("closed_deals", where=_won)},
        numerator="won_amount", denominator="won_deals",
        empty_reason="no deals won in the period",
    ),
    Metric(
        name="average_order_value",
        label="Average order value",
        description="Average value of an order booked in the period (its order lines).",
        formula="sum(transactions.amount where kind = 'order') ÷ "
                "count(distinct transactions.order_id where kind = 'order')",
        unit="money", direction="higher", additivity="non_additive",
        time_column="transactions.booked_on",
        parts={"amount": money("transactions", where=_order),
               "orders": distinct("transactions", "order_id", where=_order)},
        numerator="amount", denominator="orders", empty_reason="no orders in the period",
    ),
    Metric(
        name="discount_rate",
        label="Discount rate",
        description="How much below list price orders were sold, as a share of list.",
        formula="(sum(round(quantity × unit_price, 2)) − sum(amount)) ÷ "
                "sum(round(quantity × unit_price, 2)), order lines",
        unit="ratio", direction="lower", additivity="non_additive",
        time_column="transactions.booked_on",
        parts={"list": money("transactions", "list_amount", where=_order),
               "net": money("transactions", where=_order)},
        numerator=lambda p: _p(p, "list") - _p(p, "net"), denominator="list", places=6,
        empty_reason="no orders in the period",
    ),
    Metric(
        name="gross_margin",
        label="Gross margin",
        description="Revenue left after the cost of what was sold, as a share of revenue, "
                    "net of reversals.",
        formula="(sum(transactions.amount) − sum(transactions.cost)) ÷ sum(transactions.amount)",
        unit="ratio", direction="higher", additivity="non_additive",
        time_column="transactions.booked_on",
        parts={"revenue": money("transactions"), "cost": money("transactions", "cost")},
        numerator=lambda p: _p(p, "revenue") - _p(p, "cost"), denominator="revenue", places=6,
        positive_denominator=True, empty_reason="no revenue in the period",
    ),
    # --- pipeline and funnel ---------------------------------------------------------------
    Metric(
        name="win_rate",
        label="Win rate",
        description="Of the deals closed in the period, the share won.",
        formula="won ÷ (won + lost), over opportunities with is_closed by close_date",
        unit="ratio", direction="higher", additivity="non_additive",
        time_column="opportunities.close_date",
        parts={"won": count("closed_deals", _won), "lost": count("closed_deals", _lost)},
        numerator="won", denominator=lambda p: _p(p, "won") + _p(p, "lost"),
        denominator_places=0, places=6, empty_reason="no deals closed in the period",
    ),
    Metric(
        name="deals_won",
        label="Deals won",
        description="Deals closed won in the period: the count contests and leaderboards "
                    "rank by.",
        formula="count(opportunities where is_won) by close_date",
        unit="count", direction="higher", additivity="additive",
        time_column="opportunities.close_date",
        parts={"won": count("closed_deals", _won)}, numerator="won", places=0,
    ),
    Metric(
        name="close_rate",
        label="Close rate (cohort)",
        description="Of the deals created in the period, the share won so far.",
        formula="count(opportunities where is_won) ÷ count(opportunities), by created_on",
        unit="ratio", direction="higher", additivity="non_additive",
        time_column="opportunities.created_on",
        parts={"won": count("created_deals", _won), "created": count("created_deals")},
        numerator="won", denominator="created", places=6,
        empty_reason="no deals created in the period",
    ),
    Metric(
        name="leads_generated",
        label="Leads generated",
        description="Leads that arrived in the period.",
        formula="count(leads) by created_on",
        unit="count", direction="higher", additivity="additive", time_column="leads.created_on",
        parts={"leads": count("leads")}, numerator="leads", places=0,
    ),
    Metric(
        name="leads_qualified",
        label="Leads qualified",
        description="Leads that arrived in the period and have been qualified (MQL/SQL).",
        formula="count(leads where qualified_on is set) by created_on",
        unit="count", direction="higher", additivity="additive", time_column="leads.created_on",
        parts={"leads": count("leads", lambda t: t.qualified)}, numerator="leads", places=0,
    ),
    Metric(
        name="lead_conversion_rate",
        label="Lead → opportunity conversion",
        description="Of the leads that arrived in the period, the share that became an "
                    "opportunity.",
        formula="count(leads where opportunity_id is set) ÷ count(leads), by created_on",
        unit="ratio", direction="higher", additivity="non_additive",
        time_column="leads.created_on",
        parts={"converted": count("leads", lambda t: t.converted), "leads": count("leads")},
        numerator="converted", denominator="leads", places=6,
        empty_reason="no leads in the period",
    ),
    Metric(
        name="stage_conversion",
        label="Stage-to-stage conversion",
        description="Of the deals that entered a stage in the period, the share whose next "
                    "move was onward (to a later stage or a win) rather than lost; cut by "
                    "stage for the funnel.",
        formula="count(stage entries followed by a stage with probability > 0) ÷ "
                "count(stage entries), opportunity_stage_history by entered_at, open stages "
                "only (0 < probability < 1)",
        unit="ratio", direction="higher", additivity="non_additive",
        time_column="opportunity_stage_history.entered_at",
        parts={"advanced": count("stage_entries", lambda t: t.advanced),
               "entered": count("stage_entries")},
        numerator="advanced", denominator="entered", places=6,
        empty_reason="no deal entered the stage in the period",
    ),
    Metric(
        name="sales_cycle_days",
        label="Sales cycle length",
        description="Average days from creation to close of the deals won in the period.",
        formula="sum(close_date − created_on) ÷ count(opportunities), won deals by close_date",
        unit="days", direction="lower", additivity="non_additive",
        time_column="opportunities.close_date",
        parts={"days": Part("closed_deals", lambda t: t.cycle_days.sum(), where=_won, places=0),
               "won": count("closed_deals", _won)},
        numerator="days", denominator="won", places=2,
        empty_reason="no deals won in the period",
    ),
    Metric(
        name="pipeline_value",
        label="Open pipeline",
        description="Amount of the open deals expected to close in the period; cut by "
                    "stage or forecast category.",
        formula="sum(opportunities.amount) where not is_closed, by close_date (expected)",
        unit="money", direction="higher", additivity="additive",
        time_column="opportunities.close_date",
        parts={"pipeline": money("open_pipeline")}, numerator="pipeline",
    ),
    Metric(
        name="weighted_pipeline",
        label="Weighted pipeline",
        description="Open pipeline weighted by each deal's stage probability.",
        formula="sum(round(amount × probability, 2)) where not is_closed, by close_date",
        unit="money", direction="higher", additivity="additive",
        time_column="opportunities.close_date",
        parts={"pipeline": Part("open_pipeline", lambda t: (
            t.amount.cast("decimal(38, 8)") * t.probability).round(2).sum(), places=2)},
        numerator="pipeline",
    ),
    Metric(
        name="pipeline_coverage",
        label="Pipeline coverage",
        description="Open pipeline due in the period against the quota still to book in it; "
                    "3.0 means three times what is left to book.",
        formula="open pipeline (by close_date) ÷ (quota − revenue booked in the period), "
                "reps' approved bookings quotas from the app database",
        unit="ratio", direction="higher", additivity="non_additive",
        time_column="opportunities.close_date",
        parts={"pipeline": money("open_pipeline"), "quota": money("quotas", "quota"),
               "booked": money("transactions")},
        numerator="pipeline", denominator=lambda p: _p(p, "quota") - _p(p, "booked"),
        places=6, positive_denominator=True,
        empty_reason="no quota left to book in the period",
        grains=("month", "quarter", "year"),
    ),
    Metric(
        name="pipeline_velocity",
        label="Pipeline velocity",
        description="Money the pipeline turns into per day: open deals × win rate × average "
                    "deal size ÷ sales cycle days.",
        formula="open deals due in the period × (won ÷ closed) × (won amount ÷ won) ÷ "
                "(won cycle days ÷ won) = open × won amount × won ÷ (closed × won cycle days)",
        unit="money", direction="higher", additivity="non_additive",
        time_column="opportunities.close_date",
        parts={"open": count("open_pipeline"), "won": count("closed_deals", _won),
               "closed": count("closed_deals"),
               "won_amount": money("closed_deals", where=_won),
               "days": Part("closed_deals", lambda t: t.cycle_days.sum(), where=_won, places=0)},
        numerator=lambda p: _times(_count(p, "open"), _money(p, "won_amount"),
                                   _count(p, "won")),
        denominator=lambda p: _times(_count(p, "closed"), _count(p, "days")),
        numerator_places=2, denominator_places=0,
        empty_reason="no deals won (or none with a cycle) in the period",
    ),
    Metric(
        name="deals_created",
        label="Deals created",
        description="Opportunities created in the period.",
        formula="count(opportunities) by created_on",
        unit="count", direction="higher", additivity="additive",
        time_column="opportunities.created_on",
        parts={"deals": count("created_deals")}, numerator="deals", places=0,
    ),
    Metric(
        name="deals_slipped",
        label="Deals slipped",
        description="Deals once expected to close in the period that now close (or are "
                    "expected to) after it.",
        formula="count(distinct opportunities with a stage-history close_date in the period "
                "and a current close_date after the period's end)",
        unit="count", direction="lower", additivity="non_additive",
        time_column="opportunity_stage_history.close_date",
        parts={"deals": distinct("slipped_deals", "opportunity_id",
                                 where=lambda t: t.current_close_date > t.period_end)},
        numerator="deals", places=0,
    ),
    # --- marketing and unit economics ------------------------------------------------------
    Metric(
        name="marketing_sourced_pipeline",
        label="Marketing-sourced pipeline",
        description="Amount of the deals created in the period that a campaign sourced.",
        formula="sum(opportunities.amount) where campaign_id is set, by created_on",
        unit="money", direction="higher", additivity="additive",
        time_column="opportunities.created_on",
        parts={"pipeline": money("created_deals", where=lambda t: t.campaign_id.notnull())},
        numerator="pipeline",
    ),
    Metric(
        name="marketing_sourced_revenue",
        label="Marketing-sourced revenue",
        description="Net bookings of deals a campaign sourced.",
        formula="sum(transactions.amount) of deals whose opportunity has a campaign_id",
        unit="money", direction="higher", additivity="additive",
        time_column="transactions.booked_on",
        parts={"revenue": money("campaign_revenue")}, numerator="revenue",
    ),
    Metric(
        name="campaign_roi",
        label="Campaign ROI",
        description="What campaigns returned on their spend: sourced revenue less spend, "
                    "per unit of spend.",
        formula="(sum(sourced transactions.amount) − sum(campaign_spend.amount)) ÷ "
                "sum(campaign_spend.amount), revenue by booked_on and spend by month",
        unit="ratio", direction="higher", additivity="non_additive",
        time_column="transactions.booked_on",
        parts={"revenue": money("campaign_revenue"), "spend": money("campaign_spend")},
        numerator=lambda p: _p(p, "revenue") - _p(p, "spend"), denominator="spend",
        places=6, empty_reason="no campaign spend in the period",
    ),
    Metric(
        name="new_customers",
        label="New customers",
        description="Accounts whose first order ever was booked in the period.",
        formula="count(accounts whose min(transactions.booked_on where kind = 'order') is in "
                "the period)",
        unit="count", direction="higher", additivity="additive",
        time_column="transactions.booked_on",
        parts={"customers": count("new_customers")}, numerator="customers", places=0,
    ),
    Metric(
        name="cac",
        label="Customer acquisition cost (CAC)",
        description="Sales and marketing cost per new customer.",
        formula="(sum(sales_marketing_costs.amount) + sum(campaign_spend.amount)) ÷ "
                "new customers (first order in the period)",
        unit="money", direction="lower", additivity="non_additive",
        time_column="sales_marketing_costs.month",
        parts={"costs": money("sales_marketing_costs"), "spend": money("campaign_spend"),
               "customers": count("new_customers")},
        numerator=lambda p: _p(p, "costs") + _p(p, "spend"), denominator="customers",
        empty_reason="no new customers in the period",
    ),
    Metric(
        name="cltv",
        label="Customer lifetime value (CLTV)",
        description="Gross profit a customer brings over their expected lifetime: monthly "
                    "revenue per customer × gross margin ÷ monthly customer churn rate.",
        formula="(closing MRR ÷ closing customers) × ((revenue − cost) ÷ revenue) ÷ "
                "(churned customers ÷ (opening customers × months of the period)); "
                "= closing MRR × (revenue − cost) × opening customers × months ÷ "
                "(closing customers × revenue × churned customers)",
        unit="money", direction="higher", additivity="non_additive",
        time_column="subscriptions.month",
        parts={"mrr": money("subscriptions", "mrr", snapshot="closing"),
               "customers": Part("subscriptions", _customers, snapshot="closing", places=0),
               "opening": Part("subscriptions", _customers, snapshot="opening", places=0),
               "churned": count("subscriptions", _movement("churn")),
               "months": distinct("subscriptions", "month"),
               "revenue": money("transactions"), "cost": money("transactions", "cost")},
        numerator=lambda p: _cltv_parts(p)[0],
        denominator=lambda p: _cltv_parts(p)[1],
        numerator_places=2, denominator_places=2,
        empty_reason="no customer churned in the period (or no customers or revenue): "
                     "the lifetime is unbounded",
    ),
    Metric(
        name="cltv_cac_ratio",
        label="CLTV : CAC",
        description="Lifetime value of a customer against what it cost to win one; 3 or more "
                    "is healthy.",
        formula="CLTV ÷ CAC, each first rounded to the cent as shown for them",
        unit="ratio", direction="higher", additivity="non_additive",
        time_column="subscriptions.month",
        parts={"mrr": money("subscriptions", "mrr", snapshot="closing"),
               "customers": Part("subscriptions", _customers, snapshot="closing", places=0),
               "opening": Part("subscriptions", _customers, snapshot="opening", places=0),
               "churned": count("subscriptions", _movement("churn")),
               "months": distinct("subscriptions", "month"),
               "revenue": money("transactions"), "cost": money("transactions", "cost"),
               "costs": money("sales_marketing_costs"), "spend": money("campaign_spend"),
               "new": count("new_customers")},
        numerator=lambda p: _rounded(*_cltv_parts(p), 2),
        denominator=lambda p: _rounded(_p(p, "costs") + _p(p, "spend"), _p(p, "new"), 2),
        numerator_places=2, denominator_places=2, places=6,
        empty_reason="CLTV or CAC has no value in the period",
    ),
    Metric(
        name="payback_months",
        label="CAC payback (months)",
        description="Months of a new customer's gross profit it takes to earn back what it "
                    "cost to win them.",
        formula="CAC ÷ (new MRR per new customer × gross margin) = (costs + spend) × revenue "
                "÷ (new MRR × (revenue − cost))",
        unit="months", direction="lower", additivity="non_additive",
        time_column="subscriptions.month",
        parts={"costs": money("sales_marketing_costs"), "spend": money("campaign_spend"),
               "new_mrr": Part("subscriptions", lambda t: t.mrr_change.sum(),
                               where=_movement("new"), places=2),
               "revenue": money("transactions"), "cost": money("transactions", "cost")},
        numerator=lambda p: _times((_p(p, "costs") + _p(p, "spend"), 2), _money(p, "revenue")),
        denominator=lambda p: _times(_money(p, "new_mrr"), _money(p, "revenue", "cost")),
        numerator_places=2, denominator_places=2, places=2, positive_denominator=True,
        empty_reason="no new MRR (or no margin) in the period",
    ),
    # --- recurring revenue -----------------------------------------------------------------
    Metric(
        name="mrr",
        label="MRR",
        description="Monthly recurring revenue at the end of the period (or the latest month "
                    "of a period still running).",
        formula="sum(subscriptions.mrr) of the period's last month",
        unit="money", direction="higher", additivity="semi_additive",
        time_column="subscriptions.month",
        parts={"mrr": money("subscriptions", "mrr", snapshot="closing")}, numerator="mrr",
    ),
    Metric(
        name="arr",
        label="ARR",
        description="Annual recurring revenue: MRR × 12 at the end of the period.",
        formula="12 × sum(subscriptions.mrr) of the period's last month",
        unit="money", direction="higher", additivity="semi_additive",
        time_column="subscriptions.month",
        parts={"mrr": money("subscriptions", "mrr", snapshot="closing")}, numerator="mrr",
        scale=12,
    ),
    _mrr_movement("new_mrr", "New MRR", "new", 1, "higher"),
    _mrr_movement("expansion_mrr", "Expansion MRR", "expansion", 1, "higher"),
    _mrr_movement("contraction_mrr", "Contraction MRR", "contraction", -1, "lower"),
    _mrr_movement("churned_mrr", "Churned MRR", "churn", -1, "lower"),
    _mrr_movement("reactivation_mrr", "Reactivation MRR", "reactivation", 1, "higher"),
    Metric(
        name="net_new_mrr",
        label="Net new MRR",
        description="Net change of MRR over the period: new + expansion + reactivation − "
                    "contraction − churn.",
        formula="sum(subscriptions.mrr_change), by month",
        unit="money", direction="higher", additivity="additive",
        time_column="subscriptions.month",
        parts={"change": money("subscriptions", "mrr_change")}, numerator="change",
    ),
    Metric(
        name="customer_churn_rate",
        label="Customer churn rate",
        description="Of the paying customers at the start of the period, the share lost "
                    "during it. Customers won within the period are not in the cohort; one "
                    "who left and came back within it counts as lost.",
        formula="count(distinct opening customers with a movement = 'churn' in the period) "
                "÷ count(opening customers); opening customers = distinct accounts with "
                "mrr > 0 in the month before the period",
        unit="ratio", direction="lower", additivity="non_additive",
        time_column="subscriptions.month",
        parts={"churned": _cohort_churned(),
               "opening": Part("subscriptions", _customers, snapshot="opening", places=0)},
        numerator="churned", denominator="opening", places=6,
        empty_reason="no paying customers at the start of the period",
    ),
    Metric(
        name="revenue_churn_rate",
        label="Revenue churn rate",
        description="MRR the opening customers lost to churn and contraction during the "
                    "period, against their MRR at its start (customers won within the "
                    "period not counted).",
        formula="−sum(mrr_change where movement in (churn, contraction), of opening "
                "customers) ÷ opening MRR; opening = accounts with mrr > 0 in the month "
                "before the period, and the sum of their mrr",
        unit="ratio", direction="lower", additivity="non_additive",
        time_column="subscriptions.month",
        parts={"lost": _cohort_lost(),
               "opening": money("subscriptions", "mrr", snapshot="opening")},
        numerator="lost", denominator="opening", places=6,
        empty_reason="no MRR at the start of the period",
    ),
    Metric(
        name="gross_revenue_retention",
        label="Gross revenue retention (GRR)",
        description="Share of the opening MRR the opening customers kept after churn and "
                    "contraction (expansion not counted; customers won within the period "
                    "not in the cohort).",
        formula="(opening MRR − churned and contraction MRR of opening customers) ÷ opening "
                "MRR",
        unit="ratio", direction="higher", additivity="non_additive",
        time_column="subscriptions.month",
        parts={"lost": _cohort_lost(),
               "opening": money("subscriptions", "mrr", snapshot="opening")},
        numerator=lambda p: _p(p, "opening") - _p(p, "lost"), denominator="opening",
        places=6, empty_reason="no MRR at the start of the period",
    ),
    Metric(
        name="net_revenue_retention",
        label="Net revenue retention (NRR)",
        description="Opening MRR after the opening customers' churn, contraction and "
                    "expansion, against the opening MRR; above 1 means existing customers "
                    "grow (customers won or won back within the period not counted).",
        formula="(opening MRR − churned and contraction MRR + expansion MRR, of opening "
                "customers) ÷ opening MRR",
        unit="ratio", direction="higher", additivity="non_additive",
        time_column="subscriptions.month",
        parts={"lost": _cohort_lost(),
               "expansion": Part("subscriptions", lambda t: t.mrr_change.sum(),
                                 where=_movement("expansion"), places=2, cohort=True),
               "opening": money("subscriptions", "mrr", snapshot="opening")},
        numerator=lambda p: _p(p, "opening") - _p(p, "lost") + _p(p, "expansion"),
        denominator="opening", places=6, empty_reason="no MRR at the start of the period",
    ),
    Metric(
        name="customer_retention_rate",
        label="Customer retention rate",
        description="Of the paying customers at the start of the period, the share never "
                    "lost during it: 1 − customer churn rate (customers won within the "
                    "period not in the cohort; one who left and came back counts as lost).",
        formula="(count(opening customers) − count(distinct opening customers with a "
                "movement = 'churn' in the period)) ÷ count(opening customers); opening "
                "customers = distinct accounts with mrr > 0 in the month before the period",
        unit="ratio", direction="higher", additivity="non_additive",
        time_column="subscriptions.month",
        parts={"churned": _cohort_churned(),
               "opening": Part("subscriptions", _customers, snapshot="opening", places=0)},
        numerator=lambda p: _p(p, "opening") - _p(p, "churned"), denominator="opening",
        numerator_places=0, places=6,
        empty_reason="no paying customers at the start of the period",
    ),
    # --- customer feedback -----------------------------------------------------------------
    Metric(
        name="nps",
        label="Net promoter score (NPS)",
        description="Promoters (9–10) minus detractors (0–6), as a share of NPS answers, "
                    "× 100: from −100 to 100.",
        formula="100 × (count(score ≥ 9) − count(score ≤ 6)) ÷ count(answers), "
                "customer_feedback where survey = 'nps'",
        unit="score", direction="higher", additivity="non_additive",
        time_column="customer_feedback.responded_on",
        parts={"promoters": count("feedback", lambda t: (t.survey == "nps") & (t.score >= 9)),
               "detractors": count("feedback", lambda t: (t.survey == "nps") & (t.score <= 6)),
               "answers": count("feedback", lambda t: t.survey == "nps")},
        numerator=lambda p: _p(p, "promoters") - _p(p, "detractors"), denominator="answers",
        numerator_places=0, scale=100, places=2, empty_reason="no NPS answers in the period",
    ),
    Metric(
        name="csat",
        label="Customer satisfaction (CSAT)",
        description="Share of CSAT answers that were 4 or 5 on the 1–5 scale.",
        formula="count(score in (4, 5)) ÷ count(answers), customer_feedback where survey = "
                "'csat'",
        unit="ratio", direction="higher", additivity="non_additive",
        time_column="customer_feedback.responded_on",
        parts={"satisfied": count("feedback", lambda t: (t.survey == "csat") & (t.score >= 4)),
               "answers": count("feedback", lambda t: t.survey == "csat")},
        numerator="satisfied", denominator="answers", places=6,
        empty_reason="no CSAT answers in the period",
    ),
    # --- activity --------------------------------------------------------------------------
    Metric(
        name="activities",
        label="Activities",
        description="Calls, emails, meetings and demos logged; cut by activity_type.",
        formula="count(activities) by occurred_at",
        unit="count", direction="higher", additivity="additive",
        time_column="activities.occurred_at",
        parts={"activities": count("activities")}, numerator="activities", places=0,
    ),
    Metric(
        name="meetings",
        label="Meetings",
        description="Meetings logged in the period (activity_type = meeting).",
        formula="count(activities where activity_type = 'meeting') by occurred_at",
        unit="count", direction="higher", additivity="additive",
        time_column="activities.occurred_at",
        parts={"meetings": count("activities", _activity("meeting"))}, numerator="meetings",
        places=0,
    ),
    _per_rep("calls_per_rep", "call"),
    _per_rep("emails_per_rep", "email"),
    _per_rep("meetings_per_rep", "meeting"),
    _per_rep("demos_per_rep", "demo"),
    _outcome_rate("call_connect_rate", "Call connect rate", "call", ("connected",),
                  ("connected", "no_answer")),
    _outcome_rate("email_reply_rate", "Email reply rate", "email", ("replied",),
                  ("replied", "no_reply")),
    _outcome_rate("meeting_held_rate", "Meeting held rate", "meeting", ("held",),
                  ("held", "no_show")),
    Metric(
        name="activities_per_win",
        label="Activities per deal won",
        description="Activities logged for each deal won in the period: the effort a win "
                    "takes.",
        formula="count(activities by occurred_at) ÷ count(opportunities won by close_date)",
        unit="count", direction="lower", additivity="non_additive",
        time_column="activities.occurred_at",
        parts={"activities": count("activities"), "won": count("closed_deals", _won)},
        numerator="activities", denominator="won", places=2,
        empty_reason="no deals won in the period",
    ),
    # --- quota -----------------------------------------------------------------------------
    Metric(
        name="quota_attainment",
        label="Quota attainment",
        description="Bookings of the reps with a quota against their quota (approved "
                    "bookings quotas from the app database, spread evenly over months).",
        formula="sum(transactions.amount of reps with a quota in the period) ÷ sum(quota)",
        unit="ratio", direction="higher", additivity="non_additive",
        time_column="transactions.booked_on",
        parts={"booked": _per_person(lambda t: t.booked.sum(where=t.quota > 0)),
               "quota": _per_person(lambda t: t.quota.sum())},
        numerator="booked", denominator="quota", places=6,
        empty_reason="no quota in the period", grains=("month", "quarter", "year"),
    ),
    Metric(
        name="reps_at_quota",
        label="Reps at or above quota",
        description="Share of the reps with a quota in the period whose bookings reached it.",
        formula="count(reps with bookings ≥ quota > 0) ÷ count(reps with quota > 0), each "
                "rep's bookings and quota summed over the period",
        unit="ratio", direction="higher", additivity="non_additive",
        time_column="transactions.booked_on",
        parts={"at_quota": Part("quota_attainment", lambda t: t.booked.sum(), per="person_id",
                                inner=lambda t: {"booked": t.booked.sum(),
                                                 "quota": t.quota.sum()},
                                then=lambda t: ibis.ifelse(
                                    (t.quota > 0) & (t.booked >= t.quota), 1, 0).sum(),
                                places=0),
               "with_quota": Part("quota_attainment", lambda t: t.quota.sum(),
                                  per="person_id",
                                  inner=lambda t: {"quota": t.quota.sum()},
                                  then=lambda t: ibis.ifelse(t.quota > 0, 1, 0).sum(),
                                  places=0)},
        numerator="at_quota", denominator="with_quota", places=6,
        empty_reason="no rep had a quota in the period", grains=("month", "quarter", "year"),
    ),
)

METRICS_BY_NAME: dict[str, Metric] = {metric.name: metric for metric in METRICS}
assert len(METRICS_BY_NAME) == len(METRICS), "metric names must be unique"
