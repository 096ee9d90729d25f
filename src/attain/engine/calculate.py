"""Stages 3 and 4, measure and incentive: from credit rows to earning lines, as Ibis.

The whole calculation is a handful of lazy Ibis expressions built here and executed by
:mod:`attain.engine.run`; nothing in this module runs a query except the split check.

How money is made exact (docs/plan-language.md, "How amounts are calculated"):

1. Each credited row has a value: its amount converted to the pay currency at the booking
   day's rate (rounded to the cent: the one rounding of a conversion) times the credit
   share, kept exactly (8 places).
2. Within a payee × component × period the rows are ordered by booking date and
   transaction id; each row covers the stretch of the running total from ``cum_before`` to
   ``cum_after``. Under marginal tiers that stretch is cut at the tier bounds (a transaction
   crossing a bound becomes one line per tier); under retroactive tiers the row earns the
   change in (rate of the tier reached × running total).
3. Line amounts are exact until one place: the running total of exact amounts (after
   modifiers, gates and the component cap) is rounded to the cent, and each line's amount is
   the change in that rounded running total. So every line is whole cents, lines always add
   up to the total, the total is the exact total rounded once, and splitting a transaction
   in two never changes what is paid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import ibis
import ibis.expr.datatypes as dt_
import pyarrow as pa

from attain.core.money import round_money
from attain.core.periods import FiscalCalendar, Period
from attain.engine import credit as credit_stage
from attain.engine import prepare
from attain.engine.calendar import KINDS, day_table
from attain.engine.errors import EngineError
from attain.engine.plans import CompiledPlans, compile_plans, condition_columns
from attain.engine.prepare import EXACT, MONEY, RATE, VALUE
from attain.engine.small import small_table
from attain.plans.language import MONTHS_IN

BIG = Decimal("1e20")


@dataclass(frozen=True)
class Assignment:
    person_id: str
    plan_code: str
    plan_version: int
    valid_from: dt.date
    valid_to: dt.date | None
    currency: str


@dataclass(frozen=True)
class QuotaRow:
    person_id: str
    metric: str
    start: dt.date
    end: dt.date
    amount: Decimal


@dataclass(frozen=True)
class MboScore:
    person_id: str
    comp_key: str
    period_label: str
    score: Decimal


@dataclass
class EngineInputs:
    """Everything a run needs besides the warehouse, as plain values."""

    calendar: FiscalCalendar
    plans: list  # list[PlanVersionInput]
    assignments: list[Assignment]
    reporting_lines: list[tuple[str, str, int, dt.date, dt.date | None]]
    quotas: list[QuotaRow]
    mbo_scores: list[MboScore]
    territories: list[tuple[str, str, dt.date, dt.date | None]] | None = None
    """(account_id, person_id, from, to): who holds each account's territory when."""


@dataclass
class Outputs:
    """The run's results as lazy Ibis tables."""

    lines: ibis.Table
    measures: ibis.Table
    earnings: ibis.Table
    credits: ibis.Table


@dataclass
class Calculation:
    """The credited rows (stages 1–2 and the measure's inputs) and how to derive the results
    from them. The runner stores ``rows`` once and derives from the stored table, so the big
    expression is compiled and executed once; tests derive straight from ``rows``."""

    rows: ibis.Table
    derive: Callable[[ibis.Table], Outputs]
    _outputs: Outputs | None = None

    def outputs(self) -> Outputs:
        if self._outputs is None:
            check_rates(self.rows)
            self._outputs = self.derive(self.rows)
        return self._outputs

    @property
    def lines(self) -> ibis.Table:
        return self.outputs().lines

    @property
    def measures(self) -> ibis.Table:
        return self.outputs().measures

    @property
    def earnings(self) -> ibis.Table:
        return self.outputs().earnings

    @property
    def credits(self) -> ibis.Table:
        return self.outputs().credits


def plan_year(calendar: FiscalCalendar, period: Period) -> Period:
    return calendar.period_containing(period.start, "year")


def _assignments_table(rows: list[Assignment]) -> ibis.Table:
    return small_table("assignments", pa.table({
        "a_person": pa.array([r.person_id for r in rows], pa.string()),
        "a_plan": pa.array([r.plan_code for r in rows], pa.string()),
        "a_version": pa.array([r.plan_version for r in rows], pa.int32()),
        "a_from": pa.array([r.valid_from for r in rows], pa.date32()),
        "a_to": pa.array([r.valid_to or credit_stage.FOREVER for r in rows], pa.date32()),
        "a_currency": pa.array([r.currency for r in rows], pa.string()),
    }))


def _quota_table(inputs: EngineInputs, compiled: CompiledPlans, start: dt.date,
                 end: dt.date) -> ibis.Table:
    """Quota per (person, metric, period kind, period start): the sum of the person's quota
    rows lying within that period (quarterly quotas add up to a yearly one)."""
    kinds = {(doc_comp.quota, doc_comp.period)
             for doc in compiled.documents.values() for doc_comp in doc.components
             if doc_comp.quota}
    periods: dict[str, list[Period]] = {}
    for _metric, kind in kinds:
        periods.setdefault(kind, inputs.calendar.periods_between(start, end, kind))
    sums: dict[tuple[str, str, str, dt.date], Decimal] = {}
    wanted_metrics = {metric for metric, _kind in kinds}
    for quota in inputs.quotas:
        if quota.metric not in wanted_metrics:
            continue
        for metric, kind in kinds:
            if metric != quota.metric:
                continue
            for period in periods[kind]:
                if period.start <= quota.start and quota.end <= period.end:
                    key = (quota.person_id, metric, kind, period.start)
                    sums[key] = sums.get(key, Decimal(0)) + quota.amount
    keys = sorted(sums)
    return small_table("quotas", pa.table({
        "q_person": pa.array([k[0] for k in keys], pa.string()),
        "q_metric": pa.array([k[1] for k in keys], pa.string()),
        "q_kind": pa.array([k[2] for k in keys], pa.string()),
        "q_start": pa.array([k[3] for k in keys], pa.date32()),
        "quota": pa.array([sums[k] for k in keys], pa.decimal128(18, 2)),
    }))


def _targets_table(inputs: EngineInputs, compiled: CompiledPlans) -> ibis.Table:
    """Every currency someone is paid in: the payees' own and the plans' fixed ones."""
    currencies = sorted({a.currency for a in inputs.assignments}
                        | {doc.currency for doc in compiled.documents.values()
                           if doc.currency != "payee"})
    return small_table("targets", pa.table({"to_currency": pa.array(currencies, pa.string())}))


def payee_small_tables(inputs: EngineInputs, period: Period) -> None:
    """Make the small tables that depend on who is paid, as :func:`calculate` makes them:
    assignments, quotas, pay currencies and MBO lines. Every other small table follows
    from the plans, the calendar and the period alone (with no reporting lines and no
    territories, as for a payee nobody reports to).

    Called inside :func:`attain.engine.small.named` it gives one payee's data for SQL
    compiled for another payee on the same plans, without building the calculation."""
    year = plan_year(inputs.calendar, period)
    start, end = year.start, period.end
    compiled = compile_plans(inputs.plans)
    _assignments_table(inputs.assignments)
    _targets_table(inputs, compiled)
    _quota_table(inputs, compiled, start, end)
    _mbo_lines(inputs, compiled, start, end)


def _deal_units(tx: ibis.Table) -> ibis.Table:
    """+1 on the first order line of each deal, -1 on a reversal of that line, else 0."""
    orders = tx.filter(tx.kind == "order")
    first = orders.mutate(line_rank=ibis.row_number().over(
        group_by="opportunity_id", order_by=["booked_on", "transaction_id"]))
    firsts = first.filter((first.line_rank == 0) & first.opportunity_id.notnull()).select(
        first_id="transaction_id")
    joined = tx.left_join(firsts, tx.transaction_id == firsts.first_id)
    marked = joined.select(*tx.columns, is_first=joined.first_id.notnull())
    reversed_firsts = firsts.select(rev_first="first_id")
    rev = marked.left_join(reversed_firsts,
                           marked.reverses_transaction_id == reversed_firsts.rev_first)
    return rev.select(
        *tx.columns,
        deal_unit=ibis.cases((rev.is_first, 1), (rev.rev_first.notnull(), -1), else_=0),
    )


def _finished(join: ibis.Table) -> ibis.Table:
    """End a join with a projection: an open join reused by two expressions is compiled
    twice, and its columns cannot be referenced by a later join."""
    return join.select(*join.columns)


def calculate(warehouse: ibis.BaseBackend, inputs: EngineInputs, period: Period) -> Calculation:
    """Build the run's lazy result tables for ``period``."""
    calendar = inputs.calendar
    year = plan_year(calendar, period)
    start, end = year.start, period.end
    compiled = compile_plans(inputs.plans)
    if not inputs.assignments:
        raise EngineError("nobody is assigned to a plan in force in this period")

    tx = prepare.transactions(warehouse, start, end)
    tx = _deal_units(tx)
    credit_stage.check_splits(warehouse, tx)
    conditions = set(compiled.filters.values())
    for mods in compiled.modifiers.values():
        conditions |= {text for text, _f in mods}
    for mixes in compiled.mixes.values():
        conditions |= {text for text, _a, _f in mixes}
    condition_names = {text: f"cond_{i}" for i, text in enumerate(sorted(conditions))}
    if conditions:
        tx = tx.mutate(**{condition_names[text]: expr
                          for text, expr in condition_columns(tx, conditions).items()})

    territories = None
    if inputs.territories:
        territories = small_table("territories", pa.table({
            "t_account": pa.array([t[0] for t in inputs.territories], pa.string()),
            "t_person": pa.array([t[1] for t in inputs.territories], pa.string()),
            "t_from": pa.array([t[2] for t in inputs.territories], pa.date32()),
            "t_to": pa.array([t[3] or credit_stage.FOREVER for t in inputs.territories],
                             pa.date32()),
        }))
    reporting = (credit_stage.reporting_table(inputs.reporting_lines)
                 if "rollup" in compiled.credit_types else None)
    carried = ("opportunity_id", "account_id", "product_id", "currency", "amount", "quantity",
               "cost", "kind", "deal_unit", *[c for c in tx.columns if c.startswith("cond_")])
    credits = credit_stage.credits(warehouse, tx, types=compiled.credit_types,
                                   reporting=reporting, territories=territories, carry=carried)

    # --- who is paid on what: credits x assignments x components ---------------------------
    assignments = _assignments_table(inputs.assignments)
    rows = _finished(credits.join(assignments, (credits.payee_id == assignments.a_person)
                                  & (assignments.a_from <= credits.booked_on)
                                  & (assignments.a_to >= credits.booked_on)))
    cc = compiled.component_credit
    # credit_type is compared after the join: when one rule makes every credit it is a
    # constant, which Ibis cannot use in a join predicate.
    rows = _finished(rows.join(cc, (rows.a_plan == cc.cc_plan)
                               & (rows.a_version == cc.cc_version)))
    rows = rows.filter(rows.credit_type == rows.cc_type)
    rows = _finished(rows.join(compiled.components,
                               rows.cc_key == compiled.components.comp_key))
    rows = rows.select(
        "transaction_id", "payee_id", "credit_rule", "credit_type", "share", "via_person",
        "depth", "a_currency", *compiled.components.columns, "booked_on", *carried)
    rows = rows.rename(source_amount="amount")
    if compiled.filters:
        keep = ibis.cases(*[(rows.comp_key == key, rows[condition_names[text]])
                            for key, text in sorted(compiled.filters.items())], else_=True)
        rows = rows.filter(keep)
    rows = rows.mutate(pay_currency=rows.pay_currency.fill_null(rows.a_currency))

    # --- FX and the credited value ---------------------------------------------------------
    targets = _targets_table(inputs, compiled)
    needed = tx.select("booked_on", "currency").distinct().cross_join(targets)
    fx = prepare.fx_factors(warehouse, needed)
    rows = rows.left_join(fx, (rows.booked_on == fx.fx_day) & (rows.currency == fx.fx_from)
                          & (rows.pay_currency == fx.fx_to)).drop("fx_day", "fx_from", "fx_to")
    # Products are formed in the scale they naturally have (cents × a 6-place share is
    # exactly 8 places) and only widened: a cast to a smaller scale is a 128-bit division
    # per row in DuckDB, the costliest operation of the run.
    # A payee paid in the transaction's currency (the usual case) needs no conversion.
    converted = ibis.cases((rows.currency == rows.pay_currency, rows.source_amount),
                           else_=(rows.source_amount * rows.factor).round(2)).cast(MONEY)
    converted_margin = ((rows.source_amount - rows.cost) * rows.factor).round(2).cast(MONEY)
    sign = ibis.cases((rows.kind == "order", 1), else_=-1)
    measured = {
        "sum:amount": lambda: (converted * rows.share).cast(VALUE),
        "sum:quantity": lambda: rows.quantity.cast(VALUE) * rows.share,
        "sum:margin": lambda: (converted_margin * rows.share).cast(VALUE),
        "count:transactions": lambda: sign.cast(VALUE) * rows.share,
        "count:deals": lambda: rows.deal_unit.cast(VALUE) * rows.share,
    }
    used_measures = sorted(set(measured) & compiled.measures)
    if compiled.measures <= {"sum:amount"}:
        value = measured["sum:amount"]()
    else:
        value = ibis.cases(*[(rows.measure == name, measured[name]()) for name in used_measures],
                           else_=ibis.literal(0, type=VALUE)).cast(VALUE)
    rows = rows.mutate(converted_amount=converted, value=value,
                       missing_rate=rows.factor.isnull())

    # --- the component's period and quota --------------------------------------------------
    cal = day_table(calendar, start, end)
    rows = rows.join(cal, rows.booked_on == cal.day)
    rows = rows.mutate(period_start=ibis.cases(
        *[(rows.period_kind == kind, rows[f"{kind}_start"]) for kind in KINDS])
    ).drop(*cal.columns)
    quotas = _quota_table(inputs, compiled, start, end)
    rows = rows.left_join(quotas, (rows.payee_id == quotas.q_person)
                          & (rows.quota_metric == quotas.q_metric)
                          & (rows.period_kind == quotas.q_kind)
                          & (rows.period_start == quotas.q_start)).drop(
        "q_person", "q_metric", "q_kind", "q_start")
    # Keep only what the later stages read: the stored rows are the run's widest table, and
    # the running totals sort them with everything they carry. What follows from the
    # component (its plan, kind, period kind, tiers, cap…) or from the period (its end and
    # label) is joined back from small tables where needed (:func:`_described`).
    # Conditions only filters use were applied above; modifiers' and mixes' conditions stay.
    needed_conditions = {condition_names[text] for mods in compiled.modifiers.values()
                         for text, _f in mods}
    needed_conditions |= {condition_names[text] for mixes in compiled.mixes.values()
                          for text, _a, _f in mixes}
    rows = rows.select(*STAGED_COLUMNS, *sorted(needed_conditions))

    def derive(staged: ibis.Table) -> Outputs:
        return _outputs(staged, compiled, inputs, condition_names, period, start, end)

    return Calculation(rows=rows, derive=derive)


STAGED_COLUMNS = (
    "transaction_id", "payee_id", "credit_rule", "share", "via_person", "depth", "comp_key",
    "booked_on", "period_start", "opportunity_id", "account_id", "product_id", "currency",
    "source_amount", "quantity", "deal_unit", "factor", "pay_currency", "converted_amount",
    "value", "quota", "missing_rate",
)
"""The credited rows as stored: ids, dates and numbers."""


def _periods_table(calendar: FiscalCalendar, start: dt.date, end: dt.date) -> ibis.Table:
    """Every period of every kind in [start, end]: kind, start, end and label."""
    periods = [period for kind in KINDS
               for period in calendar.periods_between(start, end, kind)]  # type: ignore[arg-type]
    return small_table("periods", pa.table({
        "p_kind": pa.array([p.kind for p in periods], pa.string()),
        "p_start": pa.array([p.start for p in periods], pa.date32()),
        "period_end": pa.array([p.end for p in periods], pa.date32()),
        "period_label": pa.array([p.label for p in periods], pa.string()),
    }))


def _described(rows: ibis.Table, compiled: CompiledPlans, periods: ibis.Table) -> ibis.Table:
    """Credited rows with their component's attributes and their period's end and label:
    two joins to small tables, done after the big sorts rather than carried through them."""
    components = compiled.components
    joined = _finished(rows.join(components, rows.comp_key == components.comp_key))
    joined = joined.join(periods, (joined.period_kind == periods.p_kind)
                         & (joined.period_start == periods.p_start))
    return joined.select(*rows.columns, *[c for c in components.columns
                                          if c not in rows.columns],
                         "period_end", "period_label")


def _of_kind(rows: ibis.Table, compiled: CompiledPlans, kind: str) -> ibis.Table:
    keys = sorted(key for key, of in compiled.kinds.items() if of == kind)
    return rows.filter(rows.comp_key.isin(keys)) if keys else rows.filter(ibis.literal(False))


def check_rates(rows: ibis.Table) -> None:
    """Stop when a transaction has no exchange rate into its payee's currency."""
    missing = rows.filter(rows.missing_rate).select("transaction_id", "currency",
                                                    "pay_currency", "booked_on")
    found = missing.limit(3).to_pyarrow().to_pylist()
    if found:
        shown = "; ".join(f"{r['transaction_id']} ({r['currency']} to {r['pay_currency']} on "
                          f"{r['booked_on']})" for r in found)
        raise EngineError(f"no exchange rate on or before the booking day for {shown}: load "
                          "fx_rates covering every transaction's currency and booking date")


def _outputs(rows: ibis.Table, compiled: CompiledPlans, inputs: EngineInputs,
             condition_names: dict[str, str], period: Period, start: dt.date,
             end: dt.date) -> Outputs:
    """Lines, measures, earnings and credits from the credited rows (stored or not)."""
    periods = _periods_table(inputs.calendar, start, end)
    commissions = _of_kind(rows, compiled, "commission")
    commission = _commission_lines(commissions, compiled, condition_names, periods)
    parts = [commission]
    if "spiff" in compiled.kinds.values():
        parts.append(_spiff_lines(_described(_of_kind(rows, compiled, "spiff"), compiled,
                                             periods)))
    bonus = _bonus_lines(_described(commissions, compiled, periods), compiled, inputs)
    if bonus is not None:
        parts.append(bonus)
    mbo = _mbo_lines(inputs, compiled, start, end)
    if mbo is not None:
        parts.append(mbo)
    lines = parts[0]
    for part in parts[1:]:
        lines = lines.union(part)
    lines = _plan_caps(lines, compiled, inputs.calendar, start, end)
    in_run = lines.filter((lines.booked_on >= period.start) & (lines.booked_on <= period.end))
    measures = _measures(commissions, period, compiled, periods)
    credits_out = rows.filter((rows.booked_on >= period.start)
                              & (rows.booked_on <= period.end)).select(
        "transaction_id", "payee_id", "comp_key", "credit_rule", "share", "via_person",
        "depth", "booked_on", "converted_amount", "value", currency="pay_currency")
    return Outputs(lines=in_run, measures=measures, earnings=earnings_of(in_run),
                   credits=credits_out)


def earnings_of(lines: ibis.Table) -> ibis.Table:
    """Per payee × component × period: the sum of its lines (so totals equal lines)."""
    return lines.group_by(["payee_id", "plan_code", "plan_version", "comp_key",
                           "component_id", "line_kind", "period_label", "period_start",
                           "period_end", "currency"]).aggregate(
        amount=lines.amount.sum().cast(MONEY), lines=lines.count())


def _commission_lines(rows: ibis.Table, compiled: CompiledPlans,
                      condition_names: dict[str, str], periods: ibis.Table) -> ibis.Table:
    """Commission lines in one pass over the credited rows.

    Within a payee × component × period each row covers the stretch of the running total
    from ``cum_before`` to ``cum_after``; a stretch crossing tier bounds becomes one line
    per tier. What has been earned at any position ``x`` of the running total is a fixed
    schedule ``F(x)`` (marginal: the tiers' rates integrated up to ``x``; retroactive: the
    reached tier's rate times ``x``), so a line's amount is ``F(end) − F(start)`` and the
    running total of earnings needs no second pass over the rows: the one rounding is
    ``round(F(end)) − round(F(start))``, and the lines telescope to ``round(F(total))``.
    Only per-transaction modifiers (which weigh rows differently) need a running sum.
    """
    credited = rows
    order = ["booked_on", "transaction_id", "credit_rule", "via_person", "depth"]
    partition = ["payee_id", "comp_key", "period_start"]
    window = ibis.window(group_by=partition, order_by=order, rows=(None, 0))
    rows = rows.mutate(cum_after=rows.value.sum().over(window).cast(VALUE))
    rows = rows.mutate(cum_before=(rows.cum_after - rows.value).cast(VALUE))
    rows = _described(rows, compiled, periods)

    # Tier bounds and the schedule's value at each tier's start, once per payee ×
    # component × period: attainment bounds scale with that period's quota.
    groups = credited.select("payee_id", "comp_key", "period_start", "quota").distinct()
    methods = compiled.components.select(m_key="comp_key", table_on="table_on",
                                         method="method")
    groups = groups.join(methods, groups.comp_key == methods.m_key).select(
        "payee_id", "comp_key", "period_start", "quota", "table_on", "method")
    tiers = compiled.tiers
    bounds = _finished(groups.join(tiers, groups.comp_key == tiers.t_key))
    needs_quota = bounds.table_on == "attainment"
    missing = needs_quota & (bounds.quota.isnull() | (bounds.quota == 0))
    single = missing | (bounds.method == "retroactive")
    scale = ibis.cases((needs_quota & ~missing, bounds.quota.cast(VALUE)),
                       else_=ibis.literal(1, type=VALUE)).cast(VALUE)
    tier_rate = ibis.cases((bounds.t_per_unit != 0, bounds.t_per_unit),
                           else_=bounds.t_rate).cast(RATE)
    anchor = ibis.cases((bounds.t_lower.isnull(), ibis.literal(0, type=VALUE)),
                        else_=(bounds.t_lower.cast(VALUE) * scale).cast(VALUE)).cast(VALUE)
    top = ibis.cases((bounds.t_upper.isnull(), ibis.literal(0, type=VALUE)),
                     else_=(bounds.t_upper.cast(VALUE) * scale).cast(VALUE)).cast(VALUE)
    bounds = bounds.mutate(rate=tier_rate, anchor=anchor,
                           band_earning=((top - anchor).cast(VALUE) * tier_rate).cast(EXACT))
    below = ibis.window(group_by=["payee_id", "comp_key", "period_start"], order_by="tier_no",
                        rows=(None, -1))
    bounds = bounds.mutate(f_at_anchor=bounds.band_earning.sum().over(below).cast(EXACT))
    f_at_anchor = bounds.f_at_anchor.fill_null(ibis.literal(0, type=EXACT)).cast(EXACT)
    # What :func:`schedule_cents` needs, worked out once per tier (a small table) so that
    # no line rounds a DECIMAL(38,14): F at the tier's start in whole cents and the rest.
    quick = (bounds.rate.abs() < 1) & (f_at_anchor.abs() < QUICK_LIMIT)
    zero_exact = ibis.literal(0, type=EXACT)
    fa_cents = ibis.cases((quick, f_at_anchor.round(2)), else_=zero_exact).cast(EXACT)
    bounds = bounds.filter(~single | (bounds.tier_no == 1)).select(
        b_payee=bounds.payee_id, b_key=bounds.comp_key, b_start=bounds.period_start,
        tier_no=bounds.tier_no, rate=bounds.rate, anchor=bounds.anchor,
        f_at_anchor=f_at_anchor, quick_tier=quick, fa_cents=fa_cents.cast(CENTS),
        fa_rest=ibis.cases((quick, (f_at_anchor - fa_cents).cast(REST)),
                           else_=ibis.literal(0, type=REST)),
        missing_quota=missing, scale=scale,
        lower=ibis.cases((single | bounds.t_lower.isnull(), ibis.literal(-BIG, type=VALUE)),
                         else_=bounds.anchor).cast(VALUE),
        upper=ibis.cases((single | bounds.t_upper.isnull(), ibis.literal(BIG, type=VALUE)),
                         else_=(bounds.t_upper.cast(VALUE) * scale).cast(VALUE)).cast(VALUE),
    )
    joined = _finished(rows.join(bounds, (rows.payee_id == bounds.b_payee)
                                 & (rows.comp_key == bounds.b_key)
                                 & (rows.period_start == bounds.b_start)))
    lower, upper = joined.lower, joined.upper
    low_end = ibis.least(joined.cum_before, joined.cum_after)
    high_end = ibis.greatest(joined.cum_before, joined.cum_after)
    joined = joined.filter(((lower < high_end) & (upper > low_end))
                           | ((joined.value == 0) & (lower <= low_end) & (upper > low_end)))
    rising = joined.value >= 0
    start_at = ibis.cases((rising, ibis.greatest(joined.cum_before, joined.lower)),
                          else_=ibis.least(joined.cum_before, joined.upper)).cast(VALUE)
    end_at = ibis.cases((rising, ibis.least(joined.cum_after, joined.upper)),
                        else_=ibis.greatest(joined.cum_after, joined.lower)).cast(VALUE)
    joined = joined.mutate(start_at=start_at, end_at=end_at)

    def marginal(position: ibis.Value) -> ibis.Value:
        return (joined.f_at_anchor
                + ((position - joined.anchor).cast(VALUE) * joined.rate).cast(EXACT)
                ).cast(EXACT)

    f_start, f_end = marginal(joined.start_at), marginal(joined.end_at)
    rate, tier_no, tier_lower = joined.rate, joined.tier_no, joined.anchor
    is_retro = (joined.comp_key.isin(sorted(compiled.retroactive))
                & ~joined.missing_quota) if compiled.retroactive else ibis.literal(False)
    if compiled.retroactive:
        rate_after, tier_after, lower_after = _retro_cases(joined, compiled, "cum_after")
        rate_before, _tier, _lower = _retro_cases(joined, compiled, "cum_before")
        f_end = ibis.cases((is_retro, (joined.cum_after * rate_after).cast(EXACT)),
                           else_=f_end).cast(EXACT)
        f_start = ibis.cases((is_retro, (joined.cum_before * rate_before).cast(EXACT)),
                             else_=f_start).cast(EXACT)
        rate = ibis.cases((is_retro, rate_after), else_=rate).cast(RATE)
        tier_no = ibis.cases((is_retro, tier_after), else_=tier_no)
        tier_lower = ibis.cases((is_retro, lower_after), else_=tier_lower)
    zero = ibis.literal(0, type=EXACT)
    f_start = ibis.cases((joined.missing_quota, zero), else_=f_start).cast(EXACT)
    f_end = ibis.cases((joined.missing_quota, zero), else_=f_end).cast(EXACT)
    lines = joined.mutate(
        f_start=f_start, f_end=f_end,
        tier_no=ibis.cases((joined.missing_quota, ibis.null().cast(dt_.int32)),
                           else_=tier_no),
        tier_lower=ibis.cases((joined.missing_quota, ibis.null().cast(VALUE)),
                              else_=tier_lower).cast(VALUE),
        rate=ibis.cases((joined.missing_quota, ibis.null().cast(RATE)), else_=rate).cast(RATE),
        base=ibis.cases((is_retro | joined.missing_quota, joined.value),
                        else_=(joined.end_at - joined.start_at).cast(VALUE)).cast(VALUE),
    )

    # Period-level factors: a gate (0 or 1) and mix modifiers; they scale the schedule.
    period_factor: ibis.Value = ibis.literal(1, type=RATE)
    if compiled.gates:
        finals = credited.group_by(["payee_id", "comp_key", "period_start"]).aggregate(
            g_value=credited.value.sum().cast(VALUE), g_quota=credited.quota.max())
        finals = finals.select(g_payee="payee_id", g_key="comp_key", g_start="period_start",
                               g_value="g_value", g_quota="g_quota")
        lines = _finished(lines.left_join(finals, (lines.payee_id == finals.g_payee)
                                          & (lines.gate_key == finals.g_key)
                                          & (lines.period_start == finals.g_start)))
        gate_met = lines.gate_threshold.isnull() | (
            lines.g_quota.notnull() & (lines.g_quota != 0)
            & (lines.g_value >= (lines.gate_threshold.cast(VALUE)
                                 * lines.g_quota.cast(VALUE)).cast(VALUE)))
        lines = lines.mutate(gate_met=gate_met.fill_null(False))
    else:
        lines = lines.mutate(gate_met=ibis.literal(True))
    mix_factor: ibis.Value = ibis.literal(1, type=RATE)
    if any(compiled.mixes.values()):
        for key, mixes in sorted(compiled.mixes.items()):
            for text, at_least, factor_value in mixes:
                matching = ibis.cases((credited[condition_names[text]], credited.value),
                                      else_=ibis.literal(0, type=VALUE))
                shares = credited.group_by(["payee_id", "comp_key", "period_start"]).aggregate(
                    m_match=matching.sum().cast(VALUE), m_total=credited.value.sum().cast(VALUE))
                name = f"mix_{len(lines.columns)}"
                shares = shares.select(
                    m_payee="payee_id", m_key="comp_key", m_start="period_start",
                    **{name: ((shares.m_match / shares.m_total.nullif(0)).cast(EXACT)
                              >= ibis.literal(at_least, type=RATE)).fill_null(False)})
                lines = _finished(lines.left_join(shares, (lines.payee_id == shares.m_payee)
                                                  & (lines.comp_key == shares.m_key)
                                                  & (lines.period_start == shares.m_start)))
                earned = (lines.comp_key == key) & lines[name].fill_null(False)
                mix_factor = (mix_factor * ibis.cases(
                    (earned, ibis.literal(factor_value, type=RATE)),
                    else_=ibis.literal(1, type=RATE))).cast(RATE)
    has_mixes = any(compiled.mixes.values())
    period_factor = ibis.cases((lines.gate_met, mix_factor),
                               else_=ibis.literal(0, type=RATE)).cast(RATE)

    # Per-transaction modifiers weigh rows differently, so their earnings are a running sum.
    row_factor: ibis.Value = ibis.literal(1, type=RATE)
    if compiled.modifiers:
        cases = []
        for key, mods in sorted(compiled.modifiers.items()):
            factor: ibis.Value = ibis.literal(1, type=EXACT)
            for text, amount in mods:
                factor = (factor * ibis.cases((lines[condition_names[text]],
                                               ibis.literal(amount, type=RATE)),
                                              else_=ibis.literal(1, type=RATE))).cast(EXACT)
            cases.append((lines.comp_key == key, factor))
        row_factor = ibis.cases(*cases, else_=ibis.literal(1, type=EXACT)).cast(RATE)
    # Without mixes or modifiers every factor is 0 or 1: choose rather than multiply, since
    # a product cast back to its scale is a 128-bit division per line in DuckDB.
    modifier = ((row_factor * period_factor).cast(RATE) if compiled.modifiers or has_mixes
                else period_factor)
    lines = lines.mutate(modifier=modifier, period_factor=period_factor)
    zero_exact = ibis.literal(0, type=EXACT)

    def scaled(earned: ibis.Value) -> ibis.Value:
        if has_mixes:
            return (earned * lines.period_factor).cast(EXACT)
        if compiled.gates:
            return ibis.cases((lines.gate_met, earned), else_=zero_exact).cast(EXACT)
        return earned

    if compiled.modifiers:
        earned_here = ((lines.f_end - lines.f_start).cast(EXACT) * lines.modifier).cast(EXACT)
        line_order = [*order, "tier_no"]
        running = earned_here.sum().over(ibis.window(group_by=partition, order_by=line_order,
                                                     rows=(None, 0))).cast(EXACT)
        weighted = lines.comp_key.isin(sorted(compiled.modifiers))
        run_end = ibis.cases((weighted, running), else_=scaled(lines.f_end)).cast(EXACT)
        run_start = ibis.cases((weighted, (running - earned_here).cast(EXACT)),
                               else_=scaled(lines.f_start)).cast(EXACT)
    else:
        run_end = scaled(lines.f_end)
        run_start = scaled(lines.f_start)

    # The component cap, then the one rounding, on the running total of earnings.
    def capped(total: ibis.Value) -> ibis.Value:
        return ibis.cases((lines.cap_amount.notnull(),
                           ibis.least(total, lines.cap_amount.cast(EXACT))),
                          else_=total).cast(EXACT)

    end_total, start_total = capped(run_end), capped(run_start)
    amount = (end_total.round(2).cast(MONEY) - start_total.round(2).cast(MONEY)).cast(MONEY)
    if not compiled.modifiers and not has_mixes:
        # The same amount in integers where a line allows it: the two DECIMAL(38,14)
        # roundings were 40 % of the earning-lines statement in DuckDB.
        quick = (lines.quick_tier & lines.cap_amount.isnull() & ~is_retro
                 & ((lines.start_at - lines.anchor).abs() < QUICK_LIMIT)
                 & ((lines.end_at - lines.anchor).abs() < QUICK_LIMIT))

        nothing = lines.missing_quota | ~lines.gate_met
        lines = lines.mutate(quick=(quick & ~nothing).fill_null(False))
        lines = schedule_cents(lines, quick=lines.quick,
                               positions={"cents_end": "end_at", "cents_start": "start_at"})
        amount = ibis.cases(
            (nothing, ibis.literal(0, type=MONEY)),
            (lines.quick, (lines.cents_end - lines.cents_start).cast(MONEY)),
            else_=amount).cast(MONEY)
    note = ibis.cases(
        (lines.missing_quota, ibis.literal("no quota for this period")),
        (~lines.gate_met, ibis.literal("gate not met")),
        else_=ibis.null().cast(dt_.string))
    lines = lines.mutate(exact_amount=(end_total - start_total).cast(EXACT), amount=amount,
                         note=note)
    return _shape(lines, "commission")


QUICK_LIMIT = Decimal("1e9")
"""Bound on a line's distance from its tier's start and on F at that start for
:func:`schedule_cents` (every step then fits a DECIMAL of at most 18 digits)."""
CENTS = dt_.Decimal(14, 2)
REST = dt_.Decimal(17, 14)


def _floor_cents(value: ibis.Value) -> ibis.Value:
    """``value`` (a REST) rounded down to whole cents."""
    nearest = value.round(2).cast(REST)
    cent = ibis.literal(Decimal("0.01"), type=REST)
    return ibis.cases((nearest > value, nearest - cent), else_=nearest).cast(REST)


def schedule_cents(table: ibis.Table, *, quick: ibis.Value, positions: dict[str, str],
                   anchor: str = "anchor", rate: str = "rate", fa_cents: str = "fa_cents",
                   fa_rest: str = "fa_rest") -> ibis.Table:
    """``table`` with, for each ``name: position`` of ``positions``, a CENTS column ``name``:
    ``F = f_at_anchor + (position − anchor) × rate`` rounded to the cent, half away from
    zero, exactly, on the rows where ``quick`` holds (0 elsewhere).

    Why: rounding a DECIMAL(38,14) (or casting it to a smaller scale, or to a float) is a
    128-bit division per value in DuckDB, and the earning lines round two per line (40 %
    of that statement). Here every rounding is of a DECIMAL of at most 18 digits (a 64-bit
    integer) and the 38-digit values are only narrowed to the same scale (a range check).
    ``quick`` must imply ``|position − anchor| < QUICK_LIMIT``, ``|rate| < 1`` and
    ``f_at_anchor = fa_cents + fa_rest`` with fa_cents whole cents and ``|fa_rest| ≤ ½``
    cent. The steps are separate projections so that the SQL names each once.

    ``d = position − anchor = whole + fraction`` (whole an integer, ``|fraction| ≤ ½``), so
    ``F = fa_cents + fa_rest + whole × rate + fraction × rate``; each product is split into
    whole cents and a rest of at most half a cent, giving ``F = C + S`` with C whole cents
    and ``|S| ≤ 1.5`` cents. When ``|C| ≥ 2`` cents F has C's sign, and half away from
    zero is ``C + ⌊S + ½⌋`` above zero and ``C − ⌊½ − S⌋`` below (in cents); a smaller C
    is added to S and that rounded as it is."""
    zero_int = ibis.literal(0, type=dt_.int32)
    table = table.mutate(
        _q_on=quick.fill_null(False),
        _q_rate=ibis.cases((quick.fill_null(False), table[rate].cast(dt_.Decimal(6, 6))),
                           else_=ibis.literal(0, type=dt_.Decimal(6, 6))),
        **{f"_q_d_{name}": ibis.cases(
            (quick.fill_null(False),
             (table[position] - table[anchor]).cast(dt_.Decimal(17, 8))),
            else_=ibis.literal(0, type=dt_.Decimal(17, 8)))
        for name, position in positions.items()})
    table = table.mutate(**{f"_q_w_{name}": ibis.cases(
        (table._q_on, table[f"_q_d_{name}"].cast(dt_.int32)), else_=zero_int)
        for name in positions})
    table = table.mutate(**{
        column: expression for name in positions for column, expression in (
            (f"_q_bw_{name}", (table[f"_q_w_{name}"] * table._q_rate).cast(dt_.Decimal(16, 6))),
            (f"_q_f_{name}", (table[f"_q_d_{name}"] - table[f"_q_w_{name}"]
                              ).cast(dt_.Decimal(9, 8))))})
    table = table.mutate(**{
        column: expression for name in positions for column, expression in (
            (f"_q_bf_{name}", (table[f"_q_f_{name}"] * table._q_rate
                               ).cast(dt_.Decimal(15, 14))),
            (f"_q_wc_{name}", table[f"_q_bw_{name}"].round(2).cast(dt_.Decimal(16, 6))))})
    table = table.mutate(**{f"_q_fc_{name}": table[f"_q_bf_{name}"].round(2).cast(
        dt_.Decimal(15, 14)) for name in positions})
    table = table.mutate(**{
        column: expression for name in positions for column, expression in (
            (f"_q_c_{name}", (table[fa_cents] + table[f"_q_wc_{name}"].cast(CENTS)
                              + table[f"_q_fc_{name}"].cast(CENTS)).cast(CENTS)),
            (f"_q_s_{name}", (table[fa_rest]
                              + (table[f"_q_bw_{name}"] - table[f"_q_wc_{name}"]).cast(REST)
                              + (table[f"_q_bf_{name}"] - table[f"_q_fc_{name}"]).cast(REST)
                              ).cast(REST)))})
    half = ibis.literal(Decimal("0.005"), type=REST)
    two = ibis.literal(Decimal("0.02"), type=CENTS)
    table = table.mutate(**{f"_q_n_{name}": ibis.cases(
        (table[f"_q_c_{name}"].abs() < two,
         (table[f"_q_c_{name}"].cast(dt_.Decimal(4, 2)).cast(REST) + table[f"_q_s_{name}"]
          ).cast(REST)), else_=ibis.literal(0, type=REST)) for name in positions})
    results = {}
    for name in positions:
        cents, rest, near = table[f"_q_c_{name}"], table[f"_q_s_{name}"], table[f"_q_n_{name}"]
        results[name] = ibis.cases(
            (cents >= two, cents + _floor_cents(rest + half).cast(CENTS)),
            (cents <= -two, cents - _floor_cents(half - rest).cast(CENTS)),
            (near >= 0, _floor_cents(near + half).cast(CENTS)),
            else_=-_floor_cents(half - near).cast(CENTS),
        ).cast(CENTS)
    table = table.mutate(**results)
    return table.drop(*[c for c in table.columns if c.startswith("_q_")])


def _retro_cases(joined: ibis.Table, compiled: CompiledPlans, column: str
                 ) -> tuple[ibis.Value, ibis.Value, ibis.Value]:
    """Rate, tier and bound reached at ``column`` for each retroactive component."""
    rates, numbers, lowers = [], [], []
    for key, tiers_of in sorted(compiled.retroactive.items()):
        mine = joined.comp_key == key
        rate, number, lower = _tier_reached(joined[column], joined.scale, tiers_of)
        rates.append((mine, rate))
        numbers.append((mine, number))
        lowers.append((mine, lower))
    return (ibis.cases(*rates, else_=ibis.literal(0, type=RATE)),
            ibis.cases(*numbers, else_=ibis.literal(1, type=dt_.int32)),
            ibis.cases(*lowers, else_=ibis.literal(0, type=VALUE)))


def _tier_reached(total: ibis.Value, scale: ibis.Value, tiers_of: list
                  ) -> tuple[ibis.Value, ibis.Value, ibis.Value]:
    """(rate, tier number, lower bound) of the highest tier whose bound ``total`` reaches."""
    cases_rate, cases_tier, cases_lower = [], [], []
    for number, bound, tier_rate in reversed(tiers_of):
        if bound is None:
            continue
        bound_value = (ibis.literal(bound, type=RATE).cast(VALUE) * scale).cast(VALUE)
        reached = total >= bound_value
        cases_rate.append((reached, ibis.literal(tier_rate, type=RATE)))
        cases_tier.append((reached, ibis.literal(number, type=dt_.int32)))
        cases_lower.append((reached, bound_value))
    first_rate = ibis.literal(tiers_of[0][2], type=RATE)
    first_tier = ibis.literal(1, type=dt_.int32)
    zero = ibis.literal(0, type=VALUE)
    if not cases_rate:
        return first_rate, first_tier, zero
    return (ibis.cases(*cases_rate, else_=first_rate),
            ibis.cases(*cases_tier, else_=first_tier),
            ibis.cases(*cases_lower, else_=zero))


def _shape(lines: ibis.Table, kind: str) -> ibis.Table:
    return lines.select(
        line_kind=ibis.literal(kind), payee_id=lines.payee_id, plan_code=lines.plan_code,
        plan_version=lines.plan_version, comp_key=lines.comp_key,
        component_id=lines.component_id, ordinal=lines.ordinal, period_kind=lines.period_kind,
        period_start=lines.period_start, period_end=lines.period_end,
        period_label=lines.period_label, transaction_id=lines.transaction_id,
        opportunity_id=lines.opportunity_id, account_id=lines.account_id,
        product_id=lines.product_id, booked_on=lines.booked_on, credit_rule=lines.credit_rule,
        via_person=lines.via_person, depth=lines.depth, share=lines.share,
        source_amount=lines.source_amount,
        source_currency=lines.currency, fx_factor=lines.factor.cast(prepare.FX),
        currency=lines.pay_currency, value=lines.value, cum_before=lines.cum_before,
        cum_after=lines.cum_after, quota=lines.quota, tier_no=lines.tier_no,
        tier_lower=lines.tier_lower.cast(VALUE), rate=lines.rate.cast(RATE),
        base=lines.base.cast(VALUE), modifier=lines.modifier.cast(RATE),
        gate_met=lines.gate_met, exact_amount=lines.exact_amount.cast(EXACT),
        amount=lines.amount.cast(MONEY), note=lines.note,
    )


def _spiff_lines(rows: ibis.Table) -> ibis.Table:
    """SPIFFs: per deal, per unit or a rate, inside their date window; optionally only the
    payee's first N deals. Each line is rounded on its own (no tiers, nothing running)."""
    in_window = rows.filter((rows.booked_on >= rows.spiff_from)
                            & (rows.booked_on <= rows.spiff_to))
    firsts = in_window.filter(in_window.deal_unit == 1)
    ranked = firsts.select(
        r_payee="payee_id", r_key="comp_key", r_opp="opportunity_id",
        deal_rank=ibis.row_number().over(group_by=["payee_id", "comp_key"],
                                         order_by=["booked_on", "opportunity_id",
                                                   "transaction_id"]) + 1)
    ranked = ranked.group_by(["r_payee", "r_key", "r_opp"]).aggregate(
        deal_rank=ranked.deal_rank.min())
    joined = in_window.left_join(ranked, (in_window.payee_id == ranked.r_payee)
                                 & (in_window.comp_key == ranked.r_key)
                                 & (in_window.opportunity_id == ranked.r_opp))
    eligible = joined.spiff_first.isnull() | (joined.deal_rank <= joined.spiff_first)
    exact = ibis.cases(
        (joined.spiff_per_deal.notnull(),
         (joined.deal_unit.cast(VALUE) * joined.share).cast(VALUE)
         * joined.spiff_per_deal.cast(RATE)),
        (joined.spiff_per_unit.notnull(),
         (joined.quantity.cast(VALUE) * joined.share).cast(VALUE)
         * joined.spiff_per_unit.cast(RATE)),
        else_=joined.value * joined.spiff_rate,
    ).cast(EXACT)
    rate = ibis.cases((joined.spiff_per_deal.notnull(), joined.spiff_per_deal.cast(RATE)),
                      (joined.spiff_per_unit.notnull(), joined.spiff_per_unit.cast(RATE)),
                      else_=joined.spiff_rate)
    base = ibis.cases(
        (joined.spiff_per_deal.notnull(), (joined.deal_unit.cast(VALUE) * joined.share)),
        (joined.spiff_per_unit.notnull(), (joined.quantity.cast(VALUE) * joined.share)),
        else_=joined.value).cast(VALUE)
    exact = ibis.cases((eligible, exact), else_=ibis.literal(0, type=EXACT))
    lines = joined.mutate(
        cum_before=ibis.null().cast(VALUE), cum_after=ibis.null().cast(VALUE),
        tier_no=ibis.null().cast(dt_.int32), tier_lower=ibis.null().cast(VALUE),
        rate=rate.cast(RATE), base=base, modifier=ibis.literal(1, type=RATE),
        gate_met=ibis.literal(True), exact_amount=exact,
        amount=exact.round(2).cast(MONEY),
        note=ibis.cases((~eligible, ibis.literal("beyond the first deals this SPIFF pays")),
                        else_=ibis.null().cast(dt_.string)),
    )
    lines = lines.filter((lines.base != 0) | lines.note.notnull())
    return _shape(lines, "spiff")


def _bonus_lines(rows: ibis.Table, compiled: CompiledPlans, inputs: EngineInputs
                 ) -> ibis.Table | None:
    """A bonus is earned when the period's attainment of its component reaches the
    threshold; its line is dated on the transaction that took attainment over it."""
    if not compiled.bonuses:
        return None
    parts = []
    for key, target_key, threshold, amount, ti_share, period_kind in compiled.bonuses:
        plan_key = ":".join(key.split(":")[:2])
        document = compiled.documents[plan_key]
        value = amount
        if value is None:
            assert document.pay_mix is not None and ti_share is not None
            value = round_money(document.pay_mix.target_incentive * ti_share
                                * MONTHS_IN[period_kind] / 12)
        mine = rows.filter(rows.comp_key == target_key)
        partition = ["payee_id", "comp_key", "period_start"]
        order = ["booked_on", "transaction_id", "credit_rule", "via_person", "depth"]
        mine = mine.mutate(
            cum_after=mine.value.sum().over(ibis.window(group_by=partition, order_by=order,
                                                        rows=(None, 0))).cast(VALUE),
            final_value=mine.value.sum().over(group_by=partition).cast(VALUE))
        bar = (ibis.literal(threshold, type=RATE).cast(VALUE) * mine.quota.cast(VALUE)
               ).cast(VALUE)
        over = mine.filter(mine.quota.notnull() & (mine.quota > 0) & (mine.cum_after >= bar)
                           & (mine.final_value >= bar))
        first = over.mutate(n=ibis.row_number().over(group_by=partition, order_by=order))
        first = first.filter(first.n == 0).drop("n")
        info = compiled.components.filter(compiled.components.comp_key == key).select(
            b_key="comp_key", b_component="component_id", b_ordinal="ordinal")
        first = first.cross_join(info)
        money = ibis.literal(value, type=MONEY)
        lines = first.mutate(
            comp_key=first.b_key, component_id=first.b_component, ordinal=first.b_ordinal,
            cum_before=ibis.null().cast(VALUE), tier_no=ibis.null().cast(dt_.int32),
            tier_lower=bar, rate=ibis.literal(threshold, type=RATE), base=first.cum_after,
            modifier=ibis.literal(1, type=RATE), gate_met=ibis.literal(True),
            exact_amount=money.cast(EXACT), amount=money,
            note=ibis.literal(f"bonus for reaching {threshold * 100:g}% of quota"),
        )
        parts.append(_shape(lines, "bonus"))
    result = parts[0]
    for part in parts[1:]:
        result = result.union(part)
    return result


def _mbo_lines(inputs: EngineInputs, compiled: CompiledPlans, start: dt.date, end: dt.date
               ) -> ibis.Table | None:
    """MBO: score (capped at the plan's maximum) × target incentive, one line per period."""
    if not compiled.mbos or not inputs.mbo_scores:
        return None
    specs = {key: (target, max_score, kind) for key, target, max_score, kind in compiled.mbos}
    assigned = {(a.person_id, a.plan_code, a.plan_version): a for a in inputs.assignments}
    rows: list[dict[str, object]] = []
    for score in inputs.mbo_scores:
        if score.comp_key not in specs:
            continue
        target, max_score, kind = specs[score.comp_key]
        period = inputs.calendar.parse(score.period_label)
        if period.end < start or period.end > end:
            continue
        plan_code, version, component_id = score.comp_key.split(":")
        assignment = assigned.get((score.person_id, plan_code, int(version)))
        if assignment is None:
            continue
        document = compiled.documents[f"{plan_code}:{version}"]
        ordinal = [c.id for c in document.components].index(component_id)
        used = min(score.score, max_score)
        exact = target * used
        rows.append({
            "line_kind": "mbo", "payee_id": score.person_id, "plan_code": plan_code,
            "plan_version": int(version), "comp_key": score.comp_key,
            "component_id": component_id, "ordinal": ordinal, "period_kind": kind,
            "period_start": period.start, "period_end": period.end,
            "period_label": period.label, "booked_on": period.end,
            "currency": assignment.currency if document.currency == "payee"
            else document.currency,
            "rate": used, "base": target, "exact_amount": exact,
            "amount": round_money(exact),
            "note": f"MBO score {score.score * 100:g}%"
            + (f" (capped at {max_score * 100:g}%)" if score.score > max_score else ""),
        })
    if not rows:
        return None
    return _python_lines(rows)


LINE_ARROW_TYPES: dict[str, pa.DataType] = {
    "line_kind": pa.string(), "payee_id": pa.string(), "plan_code": pa.string(),
    "plan_version": pa.int32(), "comp_key": pa.string(), "component_id": pa.string(),
    "ordinal": pa.int32(), "period_kind": pa.string(), "period_start": pa.date32(),
    "period_end": pa.date32(), "period_label": pa.string(), "transaction_id": pa.string(),
    "opportunity_id": pa.string(), "account_id": pa.string(), "product_id": pa.string(),
    "booked_on": pa.date32(), "credit_rule": pa.string(), "via_person": pa.string(),
    "depth": pa.int32(), "share": pa.decimal128(18, 6), "source_amount": pa.decimal128(18, 2),
    "source_currency": pa.string(), "fx_factor": pa.decimal128(38, 16), "currency": pa.string(),
    "value": pa.decimal128(38, 8), "cum_before": pa.decimal128(38, 8),
    "cum_after": pa.decimal128(38, 8), "quota": pa.decimal128(18, 2), "tier_no": pa.int32(),
    "tier_lower": pa.decimal128(38, 8), "rate": pa.decimal128(18, 6),
    "base": pa.decimal128(38, 8), "modifier": pa.decimal128(18, 6), "gate_met": pa.bool_(),
    "exact_amount": pa.decimal128(38, 14), "amount": pa.decimal128(18, 2),
    "note": pa.string(),
}


def _python_lines(rows: list[dict[str, object]]) -> ibis.Table:
    table = pa.table({name: pa.array([row.get(name) for row in rows], kind)
                      for name, kind in LINE_ARROW_TYPES.items()})
    return small_table("mbo_lines", table)


def _plan_caps(lines: ibis.Table, compiled: CompiledPlans, calendar: FiscalCalendar,
               start: dt.date, end: dt.date) -> ibis.Table:
    """A plan cap per period limits the sum of all of a payee's lines on the plan; applied
    on whole cents after rounding, so it is never exceeded by even a cent. One pass over
    every line: plans without a cap pass through unchanged."""
    if not compiled.plan_caps:
        return lines
    cal = day_table(calendar, start, end)
    days = cal.select("day", *[f"{kind}_start" for kind in ("month", "quarter", "half",
                                                              "year")])
    joined = _finished(lines.join(days, lines.booked_on == days.day))
    cap_cases, start_cases = [], []
    for plan_key, (cap, kind) in sorted(compiled.plan_caps.items()):
        plan_code, version = plan_key.split(":")
        mine = (joined.plan_code == plan_code) & (joined.plan_version == int(version))
        cap_cases.append((mine, ibis.literal(cap, type=MONEY)))
        start_cases.append((mine, joined[f"{kind}_start"]))
    joined = joined.mutate(plan_cap=ibis.cases(*cap_cases, else_=ibis.null().cast(MONEY)),
                           cap_start=ibis.cases(*start_cases, else_=joined.period_start))
    order = ["booked_on", "ordinal", "transaction_id", "credit_rule", "via_person", "depth",
             "tier_no", "line_kind"]
    group = ["payee_id", "plan_code", "plan_version", "cap_start"]
    running = joined.amount.sum().over(ibis.window(group_by=group, order_by=order,
                                                   rows=(None, 0)))
    capped_running = ibis.cases((joined.plan_cap.notnull(),
                                 ibis.least(running, joined.plan_cap)), else_=running)
    joined = joined.mutate(capped_running=capped_running.cast(MONEY))
    previous = joined.capped_running.lag().over(ibis.window(group_by=group, order_by=order))
    new_amount = (joined.capped_running - previous.fill_null(ibis.literal(0, type=MONEY))
                  ).cast(MONEY)
    joined = joined.mutate(
        note=ibis.cases((new_amount != joined.amount, ibis.literal("plan cap reached")),
                        else_=joined.note),
        amount=new_amount)
    return joined.select(*lines.columns)


def _measures(rows: ibis.Table, period: Period, compiled: CompiledPlans,
              periods: ibis.Table) -> ibis.Table:
    """Per payee × component × component period overlapping the run: credited value to
    the run's end, plan-year-to-date value, quota and attainment."""
    grouped = rows.group_by(["payee_id", "comp_key", "period_start", "pay_currency"]).aggregate(
        credited_value=rows.value.sum().cast(VALUE), quota=rows.quota.max(),
        transactions=rows.transaction_id.nunique())
    grouped = _described(grouped, compiled, periods)
    ytd = rows.group_by(["payee_id", "comp_key"]).aggregate(
        ytd_value=rows.value.sum().cast(VALUE))
    ytd = ytd.select(y_payee="payee_id", y_key="comp_key", ytd_value="ytd_value")
    grouped = grouped.filter(grouped.period_end >= period.start)
    joined = grouped.join(ytd, (grouped.payee_id == ytd.y_payee)
                          & (grouped.comp_key == ytd.y_key))
    attainment = (joined.credited_value / joined.quota.cast(VALUE).nullif(0)).round(6).cast(RATE)
    return joined.select(
        "payee_id", "plan_code", "plan_version", "comp_key", "component_id", "period_kind",
        "period_start", "period_end", "period_label", "credited_value", "ytd_value", "quota",
        "transactions", currency="pay_currency", attainment=attainment,
    )
