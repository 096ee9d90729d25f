"""Finance outputs: the payroll export, the commission accrual report, and commission cost
against revenue by team and plan.

Only finance and sales operations see company money (``access.sees_company_money``); the
payroll export holds approved payouts only, never a figure that could still change.
Revenue is the run's direct credit (owner and splits, which sum to each deal once) in the
payee's currency; cost is the run's earning lines. Both are gathered set-based.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from ibis.backends import BaseBackend

from attain.core.money import ZERO, round_money, round_rate
from attain.core.periods import Period
from attain.org.models import Person, TeamMembership
from attain.payouts.errors import PayoutError
from attain.payouts.lifecycle import get_pay_run, parse_period
from attain.payouts.models import FINANCE_APPROVED_STATES, ItemKind, PayoutItem, PayRun
from attain.payouts.statements import OPERATOR, run_for
from attain.warehouse import connection
from attain.web import access

PAYROLL_HEADER = ("employee_id", "name", "period", "amount", "currency", "cost_centre")
ACCRUAL_HEADER = ("period", "state", "cost_centre", "currency", "earned", "held", "payable",
                  "paid", "accrued")
COST_HEADER = ("team", "plan", "currency", "payees", "revenue", "cost", "cost_share")


def _require_finance(viewer: Any) -> None:
    if viewer is not OPERATOR and not access.sees_company_money(viewer):
        raise PermissionDenied("company money is for finance and sales operations")


@dataclass(frozen=True)
class PayrollRow:
    employee_id: str
    name: str
    period: str
    amount: Decimal
    currency: str
    cost_centre: str

    def as_row(self) -> tuple[object, ...]:
        return (self.employee_id, self.name, self.period, self.amount, self.currency,
                self.cost_centre)


def payroll(*, viewer: Any, period: str | Period) -> list[PayrollRow]:
    """One row per payee and currency with a positive approved payout of ``period``."""
    _require_finance(viewer)
    pay_run = get_pay_run(period)
    if pay_run.state not in FINANCE_APPROVED_STATES:
        raise PayoutError(f"{pay_run.period} is {pay_run.get_state_display().lower()}: only "
                          "approved payouts go to payroll")
    people = {p.employee_id: p for p in Person.objects.all()}
    rows = []
    for payout in pay_run.payouts.filter(payable__gt=0).order_by("employee_id", "currency"):
        person = people.get(payout.employee_id)
        rows.append(PayrollRow(payout.employee_id, person.name if person else "",
                               pay_run.period, payout.payable, payout.currency,
                               person.cost_center if person else ""))
    return rows


@dataclass(frozen=True)
class AccrualRow:
    period: str
    state: str
    cost_centre: str
    currency: str
    earned: Decimal
    held: Decimal
    """Earned but held until invoices are paid and not yet released by a later pay run:
    still owed, so still accrued here."""
    payable: Decimal
    paid: Decimal
    accrued: Decimal
    """Owed and not yet paid: payable − paid + held."""

    def as_row(self) -> tuple[object, ...]:
        return (self.period, self.state, self.cost_centre, self.currency, self.earned,
                self.held, self.payable, self.paid, self.accrued)


def accruals(*, viewer: Any, start: dt.date | None = None,
             end: dt.date | None = None) -> list[AccrualRow]:
    """Per pay run (period) and cost centre: earned, held, payable, paid and accrued."""
    _require_finance(viewer)
    runs = PayRun.objects.all()
    if start:
        runs = runs.filter(period_end__gte=start)
    if end:
        runs = runs.filter(period_start__lte=end)
    centres = dict(Person.objects.values_list("employee_id", "cost_center"))
    held: dict[tuple[int, str, str], Decimal] = defaultdict(lambda: ZERO)
    for run_id, employee_id, currency, amount in PayoutItem.objects.filter(
            payout__pay_run__in=runs, kind=ItemKind.HOLD).values_list(
            "payout__pay_run_id", "payout__employee_id", "payout__currency", "amount"):
        held[(run_id, employee_id, currency)] -= amount
    # A hold released in a later pay run is owed there (its payable, until that run is
    # paid), no longer in the period that held it.
    run_of_period = dict(runs.values_list("period", "pk"))
    for held_in, employee_id, currency, amount in PayoutItem.objects.filter(
            kind=ItemKind.RELEASE, reference_period__in=list(run_of_period)).values_list(
            "reference_period", "payout__employee_id", "payout__currency", "amount"):
        held[(run_of_period[held_in], employee_id, currency)] -= amount
    rows = []
    for pay_run in runs.order_by("period_start"):
        sums: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [ZERO] * 4)
        for payout in pay_run.payouts.all():
            key = (centres.get(payout.employee_id, ""), payout.currency)
            values = sums[key]
            values[0] += payout.earned
            values[1] += held[(pay_run.pk, payout.employee_id, payout.currency)]
            values[2] += payout.payable
            values[3] += payout.paid or ZERO
        for (centre, currency), (earned, on_hold, payable, paid) in sorted(sums.items()):
            rows.append(AccrualRow(pay_run.period, pay_run.get_state_display(), centre,
                                   currency, earned, on_hold, payable, paid,
                                   payable - paid + on_hold))
    return rows


@dataclass(frozen=True)
class CostRow:
    team: str
    plan: str
    currency: str
    payees: int
    revenue: Decimal
    cost: Decimal
    cost_share: Decimal | None
    """Cost over revenue, e.g. 0.085 for 8.5%."""

    def as_row(self) -> tuple[object, ...]:
        return (self.team, self.plan, self.currency, self.payees, self.revenue, self.cost,
                self.cost_share)


def cost_vs_revenue(*, viewer: Any, period: str | Period, run_id: str | None = None,
                    url: str | None = None) -> list[CostRow]:
    """Commission cost against the revenue it was paid on, by team and plan."""
    _require_finance(viewer)
    the_period = parse_period(period)
    if run_id is None:
        run_id, _pay_run = run_for(the_period)
    backend = connection.connect(url)
    lines = backend.table("results_lines")
    lines = lines.filter(lines.run_id == run_id)
    cost = lines.group_by(["payee_id", "plan_code", "currency"]).aggregate(
        cost=lines.amount.sum().cast("decimal(18, 2)"))
    teams = {}
    for employee_id, team in TeamMembership.objects.as_of(the_period.end).values_list(
            "person__employee_id", "team__code"):
        teams[employee_id] = team
    totals: dict[tuple[str, str, str], list[Any]] = defaultdict(lambda: [set(), ZERO, ZERO])
    for row in cost.to_pyarrow().to_pylist():
        key = (teams.get(row["payee_id"], ""), row["plan_code"], row["currency"])
        totals[key][0].add(row["payee_id"])
        totals[key][2] += row["cost"]
    for (payee_id, plan_code, currency), amount in revenue_by_payee(
            backend, run_id, per_plan=True).items():
        key = (teams.get(payee_id, ""), plan_code, currency)
        totals[key][0].add(payee_id)
        totals[key][1] += amount
    result = []
    for (team, plan, currency), (payees, revenue_total, cost_total) in sorted(totals.items()):
        revenue_money = round_money(revenue_total)
        share = round_rate(cost_total / revenue_money) if revenue_money else None
        result.append(CostRow(team, plan, currency, len(payees), revenue_money, cost_total,
                              share))
    return result


def revenue_by_payee(backend: BaseBackend, run_id: str, *, per_plan: bool = False
                     ) -> dict[tuple[str, ...], Decimal]:
    """Revenue credited to each payee in a run: their owner and split credit (which sum to
    each deal exactly once), in their pay currency, exact. Keyed (payee, currency), or
    (payee, plan, currency) with ``per_plan``."""
    credits = backend.table("results_credits")
    credits = credits.filter((credits.run_id == run_id)
                             & credits.credit_rule.isin(["owner", "split"]))
    credits = credits.mutate(plan_code=credits.comp_key.split(":")[0])
    keys = ["payee_id", "plan_code", "currency"] if per_plan else ["payee_id", "currency"]
    # A deal credited to one payee under two components counts once.
    once = credits.select(*keys, "transaction_id", "share", "converted_amount").distinct()
    grouped = once.group_by(keys).aggregate(
        revenue=(once.converted_amount.cast("decimal(38, 8)") * once.share).sum())
    return {tuple(row[key] for key in keys): row["revenue"]
            for row in grouped.to_pyarrow().to_pylist()}
