"""The earnings estimator: "what does this deal pay me?" for one payee and a hypothetical
deal, given their actual plan year to date.

It is the engine's own calculation restricted to one payee (their assignments and quotas
only) over a view of the warehouse that adds the hypothetical deal, run with and without
it: the marginal payout is the difference, so tiers, caps, gates and modifiers apply
exactly as in a real run. Nothing is written. For a payee credited only on deals they own,
split, overlay, engineer or source, the transactions are narrowed to theirs first, which
is what keeps an estimate well under a second on a large warehouse.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import ibis
from django.core.exceptions import PermissionDenied
from ibis.backends import BaseBackend

from attain.core.money import ONE, ZERO, D, round_money, sum_money
from attain.core.periods import DEFAULT_CALENDAR
from attain.engine import run as engine_run
from attain.engine.calculate import EngineInputs, calculate
from attain.engine.errors import EngineError
from attain.payouts.errors import PayoutError
from attain.payouts.statements import OPERATOR, explain
from attain.warehouse import connection
from attain.web import access

DEAL_ID = "ESTIMATE"
OTHERS = "(others)"


@dataclass(frozen=True)
class EstimateLine:
    component: str
    tier: int | None
    rate: Decimal | None
    base: Decimal | None
    amount: Decimal
    text: str


@dataclass(frozen=True)
class Estimate:
    employee_id: str
    period: str
    currency: str
    deal_amount: Decimal
    share: Decimal
    marginal_payout: Decimal
    """What the payee's period earnings grow by with the deal."""
    earned_before: Decimal
    earned_after: Decimal
    attainment_before: Decimal | None
    attainment_after: Decimal | None
    lines: list[EstimateLine] = field(default_factory=list)
    """The deal's own earning lines: which tier it lands in, at what rate."""


class _WithDeal:
    """A warehouse seen through: extra rows appended to some tables, transactions narrowed
    to one payee's when that is safe. Everything else is the real backend."""

    def __init__(self, backend: BaseBackend, extra: dict[str, list[dict[str, Any]]],
                 narrow_to: str | None) -> None:
        self._backend = backend
        self._extra = extra
        self._narrow_to = narrow_to

    def table(self, name: str, **kwargs: Any) -> ibis.Table:
        table = self._backend.table(name, **kwargs)
        if name == "transactions" and self._narrow_to is not None:
            who = self._narrow_to
            splits = self._backend.table("splits")
            theirs = splits.filter(splits.person_id == who).select(s_opp="opportunity_id")
            opportunities = self._backend.table("opportunities")
            helping = opportunities.filter((opportunities.se_id == who)
                                           | (opportunities.sdr_id == who)).select(
                s_opp="opportunity_id")
            deals = theirs.union(helping).distinct()
            table = table.filter((table.owner_id == who)
                                 | table.opportunity_id.isin(deals.s_opp))
        if name in self._extra:
            table = table.union(self._as_sql(table.schema(), self._extra[name]))
        return table

    def _as_sql(self, schema: ibis.Schema, rows: list[dict[str, Any]]) -> ibis.Table:
        """The rows as SELECTs of typed literals from a one-row aggregate of a small table.

        Not a memtable: DuckDB may push a join's bloom filter into an Arrow scan, which it
        cannot do yet, and literals compile the same on every backend."""
        products = self._backend.table("products")
        one_row = products.aggregate(rows_=products.count())
        parts = [one_row.select(**{
            column: (ibis.literal(row[column], type=dtype) if row.get(column) is not None
                     else ibis.null().cast(dtype))
            for column, dtype in schema.items()}) for row in rows]
        result = parts[0]
        for part in parts[1:]:
            result = result.union(part)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)


def _one_payee(inputs: EngineInputs, employee_id: str) -> EngineInputs:
    assignments = [a for a in inputs.assignments if a.person_id == employee_id]
    return EngineInputs(calendar=inputs.calendar, plans=inputs.plans, assignments=assignments,
                        reporting_lines=inputs.reporting_lines,
                        quotas=[q for q in inputs.quotas if q.person_id == employee_id],
                        mbo_scores=[m for m in inputs.mbo_scores if m.person_id == employee_id],
                        territories=inputs.territories)


def estimate(*, viewer: Any, employee_id: str, amount: str | Decimal, booked_on: dt.date,
             product_id: str, share: str | Decimal = "1", deal_type: str = "new",
             account_id: str | None = None, currency: str = "USD", url: str | None = None,
             inputs: EngineInputs | None = None) -> Estimate:
    """The marginal payout of a hypothetical deal for ``employee_id``."""
    if viewer is not OPERATOR and not access.can_see_money_of(viewer, employee_id, booked_on):
        raise PermissionDenied(f"you may not see the earnings of {employee_id}")
    try:
        deal_amount, deal_share = D(amount), D(share)
    except (TypeError, ValueError) as error:
        raise PayoutError(str(error)) from error
    if deal_amount <= 0 or deal_amount != round_money(deal_amount):
        raise PayoutError(f"amount: {amount} is not a positive whole number of cents")
    if not ZERO < deal_share <= ONE:
        raise PayoutError(f"share: {share} is not between 0 (excluded) and 1")
    period = DEFAULT_CALENDAR.period_containing(booked_on, "quarter")
    try:
        everyone = inputs or engine_run.inputs_from_app(period)
    except EngineError as error:
        raise PayoutError(str(error)) from error
    mine = _one_payee(everyone, employee_id)
    if not any(a.valid_from <= booked_on and (a.valid_to is None or booked_on <= a.valid_to)
               for a in mine.assignments):
        raise PayoutError(f"{employee_id} is on no plan in force on {booked_on}")
    backend = connection.connect(url)
    products = backend.table("products")
    if not products.filter(products.product_id == product_id).count().execute():
        raise PayoutError(f"product: no product {product_id!r} in the warehouse")
    manages = any(line[1] == employee_id for line in mine.reporting_lines)
    narrow = None if manages or mine.territories else employee_id
    deal = {
        "transaction_id": DEAL_ID, "order_id": DEAL_ID, "opportunity_id": DEAL_ID,
        "account_id": account_id or DEAL_ID, "product_id": product_id,
        "owner_id": employee_id, "deal_type": deal_type, "quantity": Decimal(1),
        "unit_price": deal_amount, "discount": ZERO, "cost": ZERO, "currency": currency,
        "booked_on": booked_on, "kind": "order", "amount": deal_amount,
    }
    opportunity = {
        "opportunity_id": DEAL_ID, "name": "Hypothetical deal",
        "account_id": account_id or DEAL_ID, "owner_id": employee_id,
        "product_id": product_id, "amount": deal_amount, "currency": currency,
        "stage": "Closed Won", "deal_type": deal_type, "is_closed": True, "is_won": True,
        "close_date": booked_on, "created_on": booked_on,
    }
    extra = {"transactions": [deal], "opportunities": [opportunity]}
    if deal_share != ONE:
        extra["splits"] = [
            {"opportunity_id": DEAL_ID, "person_id": employee_id, "share": deal_share,
             "split_type": "revenue"},
            {"opportunity_id": DEAL_ID, "person_id": OTHERS, "share": ONE - deal_share,
             "split_type": "revenue"}]
    try:
        before = calculate(_WithDeal(backend, {}, narrow), mine, period)
        after = calculate(_WithDeal(backend, extra, narrow), mine, period)
        lines_before = before.lines.filter(before.lines.payee_id == employee_id).select(
            "amount", "currency").to_pyarrow().to_pylist()
        after_lines = after.lines.filter(after.lines.payee_id == employee_id)
        lines_after = after_lines.to_pyarrow().to_pylist()
        measures_before = _attainment(before.measures, employee_id, booked_on)
        measures_after = _attainment(after.measures, employee_id, booked_on)
    except EngineError as error:
        raise PayoutError(str(error)) from error
    earned_before = sum_money(row["amount"] for row in lines_before)
    earned_after = sum_money(row["amount"] for row in lines_after)
    pay_currency = (lines_after[0]["currency"] if lines_after else currency)
    own = [row for row in lines_after if row["transaction_id"] == DEAL_ID]
    own.sort(key=lambda row: (row["component_id"], row["tier_no"] or 0))
    return Estimate(
        employee_id=employee_id, period=period.label, currency=pay_currency,
        deal_amount=deal_amount, share=deal_share,
        marginal_payout=earned_after - earned_before, earned_before=earned_before,
        earned_after=earned_after, attainment_before=measures_before,
        attainment_after=measures_after,
        lines=[EstimateLine(row["component_id"], row["tier_no"], row["rate"], row["base"],
                            row["amount"], explain(row, account_name="hypothetical deal"))
               for row in own])


def _attainment(measures: ibis.Table, employee_id: str, day: dt.date) -> Decimal | None:
    """The payee's highest attainment among components whose period holds ``day``."""
    mine = measures.filter((measures.payee_id == employee_id)
                           & (measures.period_start <= day) & (measures.period_end >= day)
                           & measures.attainment.notnull())
    values = [row["attainment"] for row in mine.select("attainment").to_pyarrow().to_pylist()]
    return max(values) if values else None
