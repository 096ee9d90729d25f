"""What-if modelling: a draft plan version (or draft quotas) against the same period's data,
compared payee by payee with the published run.

The draft is calculated by the engine exactly as a run would be, with the draft document in
place of the published versions of the same plan (its assignments move to the draft) and
the draft quotas in place of the approved ones; nothing is written. The comparison gives
old, new and delta per payee, the cost of sales and its share of revenue, how many gain or
lose, the spread of attainment and payout, and the largest changes.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied

from attain.core.company import company_calendar
from attain.core.money import ZERO, round_money, round_rate, sum_money
from attain.core.periods import Period
from attain.engine import run as engine_run
from attain.engine.calculate import Assignment, EngineInputs, QuotaRow, calculate, plan_year
from attain.engine.errors import EngineError
from attain.engine.plans import PlanVersionInput
from attain.payouts.errors import PayoutError
from attain.payouts.finance import revenue_by_payee
from attain.payouts.lifecycle import parse_period
from attain.payouts.statements import OPERATOR, run_for
from attain.plans.language import PlanErrors, load_plan
from attain.targets.models import OwnerType, Quota, QuotaStatus
from attain.warehouse import connection
from attain.web import access

QUANTILES = (Decimal("0.1"), Decimal("0.25"), Decimal("0.5"), Decimal("0.75"), Decimal("0.9"))
TOP = 10


@dataclass(frozen=True)
class PayeeChange:
    employee_id: str
    currency: str
    old: Decimal
    new: Decimal
    delta: Decimal
    old_attainment: Decimal | None
    new_attainment: Decimal | None


@dataclass(frozen=True)
class CurrencyTotals:
    currency: str
    old_cost: Decimal
    new_cost: Decimal
    revenue: Decimal
    old_share: Decimal | None
    """Cost of sales over revenue."""
    new_share: Decimal | None


@dataclass(frozen=True)
class WhatIf:
    period: str
    plan: str
    """The draft plan's code; "" when only the quotas are drafts."""
    draft_quotas: int
    """How many draft quotas replaced published ones."""
    baseline_run_id: str
    payees: list[PayeeChange]
    totals: list[CurrencyTotals]
    gainers: int
    losers: int
    unchanged: int
    attainment_quantiles: dict[str, dict[str, Decimal | None]]
    """old/new → quantile (p10 … p90) of attainment."""
    payout_quantiles: dict[str, dict[str, Decimal | None]]
    top_changes: list[PayeeChange] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, Decimal):
                return str(value)
            if isinstance(value, dict):
                return {key: plain(item) for key, item in value.items()}
            if isinstance(value, list):
                return [plain(item) for item in value]
            return value

        return plain(dataclasses.asdict(self))


def quantiles(values: Sequence[Decimal]) -> dict[str, Decimal | None]:
    """Nearest-rank quantiles p10, p25, p50, p75, p90 (exact values from the data)."""
    ordered = sorted(values)
    result: dict[str, Decimal | None] = {}
    for q in QUANTILES:
        name = f"p{int(q * 100)}"
        if not ordered:
            result[name] = None
            continue
        rank = max(1, int((q * len(ordered)).to_integral_value(rounding="ROUND_CEILING")))
        result[name] = ordered[rank - 1]
    return result


def draft_inputs(inputs: EngineInputs, draft_text: str | None,
                 quotas: Sequence[QuotaRow] = ()) -> tuple[EngineInputs, str]:
    """The engine inputs with the draft plan (if any) in place of the published versions of
    the same plan, and draft quotas in place of the same person × metric × period.

    Returns the inputs and the draft plan's code ("" with draft quotas alone: the
    published plans stay as they are)."""
    if draft_text is None:
        if not quotas:
            raise PayoutError("nothing to compare: give a draft plan, draft quotas or both")
        on_plan = {a.person_id for a in inputs.assignments}
        if not any(q.person_id in on_plan for q in quotas):
            raise PayoutError("none of the draft quotas is for someone on a published plan "
                              f"in this period (quotas for {_some(q.person_id for q in quotas)})")
        return _with_quotas(inputs, quotas), ""
    try:
        document = load_plan(draft_text, source="draft plan")
    except PlanErrors as errors:
        raise PayoutError(errors.report()) from errors
    code = document.plan
    draft = PlanVersionInput(document, document.effective_from, document.effective_to)
    plans = [item for item in inputs.plans if item.document.plan != code] + [draft]
    moved: list[Assignment] = []
    for assignment in inputs.assignments:
        if assignment.plan_code != code:
            moved.append(assignment)
            continue
        first = max(assignment.valid_from, document.effective_from)
        ends = [d for d in (assignment.valid_to, document.effective_to) if d is not None]
        last = min(ends) if ends else None
        if last is None or first <= last:
            moved.append(dataclasses.replace(assignment, plan_version=document.version,
                                             valid_from=first, valid_to=last))
    if not any(a.plan_code == code for a in moved):
        raise PayoutError(f"nobody is assigned to plan {code!r} in this period: a draft is "
                          "compared for the people on the published plan")
    return _with_quotas(dataclasses.replace(inputs, plans=plans, assignments=moved),
                        quotas), code


def _with_quotas(inputs: EngineInputs, quotas: Sequence[QuotaRow]) -> EngineInputs:
    replaced = {(q.person_id, q.metric, q.start) for q in quotas}
    kept = [q for q in inputs.quotas if (q.person_id, q.metric, q.start) not in replaced]
    return dataclasses.replace(inputs, quotas=kept + list(quotas))


def _some(names: Iterable[str]) -> str:
    unique = sorted(set(names))
    return ", ".join(unique[:5]) + (f" and {len(unique) - 5} more" if len(unique) > 5 else "")


def draft_quotas(period: str | Period) -> list[QuotaRow]:
    """The people's quotas of ``period``'s plan year still in draft: for each person ×
    metric × period, its highest version when that version is a draft (one not yet
    approved, so what the run would read once it is)."""
    the_period = parse_period(period)
    year = plan_year(company_calendar(), the_period)
    latest: dict[tuple[str, str, str], tuple[int, str, QuotaRow]] = {}
    for person_id, metric, label, start, end, amount, number, status in (
            Quota.objects.filter(owner_type=OwnerType.PERSON, period_start__gte=year.start,
                                 period_end__lte=year.end)
            .values_list("person__employee_id", "metric", "period", "period_start",
                         "period_end", "amount", "version", "status")):
        key = (person_id, metric, label)
        if key not in latest or latest[key][0] < number:
            latest[key] = (number, status, QuotaRow(person_id, metric, start, end, amount))
    return [row for _n, status, row in sorted(latest.values(), key=lambda v: str(v[2]))
            if status == QuotaStatus.DRAFT]


def whatif(*, viewer: Any, period: str | Period, plan_text: str | None = None,
           quotas: Sequence[QuotaRow] = (), url: str | None = None,
           inputs: EngineInputs | None = None) -> WhatIf:
    """Compare a draft plan, draft quotas or both with the published run of ``period``.

    With draft quotas alone (``plan_text`` None) the published plans are calculated against
    them: the same people, the same plans, only the quotas differ."""
    if viewer is not OPERATOR and not access.sees_company_money(viewer):
        raise PermissionDenied("what-if modelling is for sales operations and finance")
    the_period = parse_period(period)
    baseline_id, _pay_run = run_for(the_period)
    try:
        published = inputs or engine_run.inputs_from_app(the_period)
        drafted, code = draft_inputs(published, plan_text, quotas)
        backend = connection.connect(url)
        calculation = calculate(backend, drafted, the_period)
        new_lines = calculation.lines
        new = new_lines.group_by(["payee_id", "currency"]).aggregate(
            amount=new_lines.amount.sum().cast("decimal(18, 2)")).to_pyarrow().to_pylist()
        new_measures = calculation.measures.select(
            "payee_id", "period_start", "period_end", "attainment").to_pyarrow().to_pylist()
    except EngineError as error:
        raise PayoutError(str(error)) from error
    old_table = backend.table("results_lines")
    old_table = old_table.filter(old_table.run_id == baseline_id)
    old = old_table.group_by(["payee_id", "currency"]).aggregate(
        amount=old_table.amount.sum().cast("decimal(18, 2)")).to_pyarrow().to_pylist()
    stored = backend.table("results_measures")
    old_measures = stored.filter(stored.run_id == baseline_id).select(
        "payee_id", "period_start", "period_end", "attainment").to_pyarrow().to_pylist()

    revenue = revenue_by_payee(backend, baseline_id)
    old_by = {(r["payee_id"], r["currency"]): r["amount"] for r in old}
    new_by = {(r["payee_id"], r["currency"]): r["amount"] for r in new}
    old_att = _attainment_by_payee(old_measures, the_period)
    new_att = _attainment_by_payee(new_measures, the_period)
    changes = [PayeeChange(employee_id, currency, old_by.get((employee_id, currency), ZERO),
                           new_by.get((employee_id, currency), ZERO),
                           new_by.get((employee_id, currency), ZERO)
                           - old_by.get((employee_id, currency), ZERO),
                           old_att.get(employee_id), new_att.get(employee_id))
               for employee_id, currency in sorted(set(old_by) | set(new_by))]
    totals = []
    for currency in sorted({c.currency for c in changes}):
        mine = [c for c in changes if c.currency == currency]
        income = round_money(sum_money(v for (_p, ccy), v in revenue.items() if ccy == currency))
        old_cost = sum_money(c.old for c in mine)
        new_cost = sum_money(c.new for c in mine)
        totals.append(CurrencyTotals(
            currency, old_cost, new_cost, income,
            round_rate(old_cost / income) if income else None,
            round_rate(new_cost / income) if income else None))
    top = sorted(changes, key=lambda c: (-abs(c.delta), c.employee_id))[:TOP]
    return WhatIf(
        period=the_period.label, plan=code, draft_quotas=len(quotas),
        baseline_run_id=baseline_id, payees=changes,
        totals=totals, gainers=sum(1 for c in changes if c.delta > 0),
        losers=sum(1 for c in changes if c.delta < 0),
        unchanged=sum(1 for c in changes if c.delta == 0),
        attainment_quantiles={
            "old": quantiles([v for v in old_att.values() if v is not None]),
            "new": quantiles([v for v in new_att.values() if v is not None])},
        payout_quantiles={"old": quantiles([c.old for c in changes]),
                          "new": quantiles([c.new for c in changes])},
        top_changes=[c for c in top if c.delta != 0])


def _attainment_by_payee(rows: list[dict[str, Any]], period: Period
                         ) -> dict[str, Decimal | None]:
    """Each payee's highest attainment among component periods ending in ``period``."""
    best: dict[str, Decimal | None] = defaultdict(lambda: None)
    for row in rows:
        if not (period.start <= row["period_end"] <= period.end):
            continue
        value = row["attainment"]
        current = best[row["payee_id"]]
        if value is not None and (current is None or value > current):
            best[row["payee_id"]] = value
        elif row["payee_id"] not in best:
            best[row["payee_id"]] = None
    return dict(best)
