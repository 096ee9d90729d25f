"""Plan documents compiled into the small tables the engine joins against.

Each component of each plan version becomes a row keyed ``plan:version:component``; rate
tables become tier rows (a flat rate is a table of one tier, so every commission takes the
same path); filters and modifiers stay as parsed expressions, compiled to Ibis columns of
the prepared transactions by :func:`condition_columns`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import ibis
import pyarrow as pa

from attain.core.money import round_money
from attain.engine.prepare import FIELD_COLUMNS
from attain.engine.small import small_table
from attain.plans import expressions
from attain.plans.fields import TRANSACTION_FIELDS
from attain.plans.language import MONTHS_IN, Component, PlanDocument


@dataclass(frozen=True)
class PlanVersionInput:
    document: PlanDocument
    valid_from: dt.date
    valid_to: dt.date | None


def key_of(document: PlanDocument, component: Component) -> str:
    return f"{document.plan}:{document.version}:{component.id}"


@dataclass
class CompiledPlans:
    documents: dict[str, PlanDocument]
    """By ``plan:version``."""
    credit_types: set[str]
    filters: dict[str, str] = field(default_factory=dict)
    """comp_key -> condition text, for components (and SPIFFs) with a filter."""
    modifiers: dict[str, list[tuple[str, Decimal]]] = field(default_factory=dict)
    mixes: dict[str, list[tuple[str, Decimal, Decimal]]] = field(default_factory=dict)
    retroactive: dict[str, list[tuple[int, Decimal | None, Decimal]]] = field(
        default_factory=dict)
    """comp_key -> [(tier_no, lower bound factor or None for the first, rate)]."""
    bonuses: list[tuple[str, str, Decimal, Decimal | None, Decimal | None, str]] = field(
        default_factory=list)
    """(bonus comp_key, target comp_key, threshold, amount, share of TI, period kind)."""
    mbos: list[tuple[str, Decimal, Decimal, str]] = field(default_factory=list)
    """(comp_key, target incentive, max score, period kind)."""
    plan_caps: dict[str, tuple[Decimal, str]] = field(default_factory=dict)
    """``plan:version`` -> (cap per period, period kind)."""
    components: ibis.Table = field(init=False)
    component_credit: ibis.Table = field(init=False)
    tiers: ibis.Table = field(init=False)
    """The small tables, set once every plan has been read."""
    gates: set[str] = field(default_factory=set)
    """comp_keys of components with a gate."""
    kinds: dict[str, str] = field(default_factory=dict)
    """comp_key -> the component's kind (commission, spiff, bonus, mbo)."""
    measures: set[str] = field(default_factory=set)
    """The measures components use (``sum:amount``…), so unused ones cost nothing."""


def compile_plans(versions: list[PlanVersionInput]) -> CompiledPlans:
    comp_rows: list[dict[str, object]] = []
    credit_rows: list[tuple[str, str, int, str]] = []
    tier_rows: list[tuple[str, int, Decimal | None, Decimal | None, Decimal, Decimal]] = []
    compiled = CompiledPlans(documents={}, credit_types=set())
    for version in versions:
        doc = version.document
        compiled.documents[f"{doc.plan}:{doc.version}"] = doc
        if doc.caps is not None:
            compiled.plan_caps[f"{doc.plan}:{doc.version}"] = (doc.caps.per_period,
                                                              doc.caps.period)
        for ordinal, component in enumerate(doc.components):
            key = key_of(doc, component)
            row: dict[str, object] = {
                "comp_key": key, "plan_code": doc.plan, "plan_version": doc.version,
                "component_id": component.id, "component_name": component.name,
                "comp_kind": component.kind, "ordinal": ordinal, "period_kind": component.period,
                "measure": component.measure.name if component.measure else "sum:amount",
                "quota_metric": component.quota, "table_on": None, "method": None,
                "gate_threshold": None, "gate_key": None, "cap_amount": None,
                "pay_currency": None if doc.currency == "payee" else doc.currency,
                "spiff_from": None, "spiff_to": None, "spiff_per_deal": None,
                "spiff_per_unit": None, "spiff_rate": None, "spiff_first": None,
            }
            credit = component.credit
            if component.kind == "commission" and component.payout is not None:
                payout = component.payout
                table = payout.effective_table()
                if table is None:
                    row["table_on"], row["method"] = "value", "marginal"
                    tier_rows.append((key, 1, None, None, payout.rate or Decimal(0),
                                      payout.per_unit or Decimal(0)))
                    row["uses_units"] = payout.per_unit is not None
                else:
                    row["table_on"], row["method"] = table.on, table.method
                    bounds = [tier.from_ for tier in table.tiers]
                    for number, tier in enumerate(table.tiers, start=1):
                        lower = None if number == 1 else bounds[number - 1]
                        upper = bounds[number] if number < len(bounds) else None
                        tier_rows.append((key, number, lower, upper, tier.rate or Decimal(0),
                                          tier.per_unit or Decimal(0)))
                    row["uses_units"] = table.tiers[0].per_unit is not None
                    if table.method == "retroactive":
                        compiled.retroactive[key] = [
                            (n, None if n == 1 else bounds[n - 1],
                             (t.rate if t.rate is not None else t.per_unit) or Decimal(0))
                            for n, t in enumerate(table.tiers, start=1)]
                if payout.gate is not None:
                    compiled.gates.add(key)
                    row["gate_threshold"] = payout.gate.attainment
                    row["gate_key"] = (f"{doc.plan}:{doc.version}:{payout.gate.component}"
                                       if payout.gate.component else key)
                if payout.cap is not None:
                    if payout.cap.amount is not None:
                        row["cap_amount"] = payout.cap.amount
                    else:
                        target = doc.target_incentive(component, MONTHS_IN[component.period])
                        assert target is not None and payout.cap.target_incentive is not None
                        row["cap_amount"] = round_money(target * payout.cap.target_incentive)
                if payout.modifiers:
                    compiled.modifiers[key] = [(m.when, m.factor) for m in payout.modifiers
                                               if m.when is not None]
                    compiled.mixes[key] = [(m.mix, m.at_least, m.factor)
                                           for m in payout.modifiers
                                           if m.mix is not None and m.at_least is not None]
                if component.filter:
                    compiled.filters[key] = component.filter
            elif component.spiff is not None:
                spiff = component.spiff
                credit = spiff.credit
                row.update(spiff_from=spiff.from_, spiff_to=spiff.to,
                           spiff_per_deal=spiff.per_deal, spiff_per_unit=spiff.per_unit,
                           spiff_rate=spiff.rate, spiff_first=spiff.first)
                if spiff.filter:
                    compiled.filters[key] = spiff.filter
            elif component.bonus is not None:
                bonus_target = doc.component(component.bonus.on)
                compiled.bonuses.append((key, key_of(doc, bonus_target), component.bonus.at,
                                         component.bonus.amount,
                                         component.bonus.target_incentive,
                                         bonus_target.period))
                credit = []
            elif component.mbo is not None:
                compiled.mbos.append((key, component.mbo.target_incentive,
                                      component.mbo.max_score, component.period))
                credit = []
            row.setdefault("uses_units", False)
            compiled.measures.add(str(row["measure"]))
            compiled.kinds[key] = component.kind
            comp_rows.append(row)
            for credit_type in credit:
                credit_rows.append((key, doc.plan, doc.version, credit_type))
                compiled.credit_types.add(credit_type)
    compiled.components = _components_table(comp_rows)
    compiled.component_credit = small_table("component_credit", pa.table({
        "cc_key": pa.array([r[0] for r in credit_rows], pa.string()),
        "cc_plan": pa.array([r[1] for r in credit_rows], pa.string()),
        "cc_version": pa.array([r[2] for r in credit_rows], pa.int32()),
        "cc_type": pa.array([r[3] for r in credit_rows], pa.string()),
    }))
    compiled.tiers = small_table("tiers", pa.table({
        "t_key": pa.array([r[0] for r in tier_rows], pa.string()),
        "tier_no": pa.array([r[1] for r in tier_rows], pa.int32()),
        "t_lower": pa.array([r[2] for r in tier_rows], pa.decimal128(18, 6)),
        "t_upper": pa.array([r[3] for r in tier_rows], pa.decimal128(18, 6)),
        "t_rate": pa.array([r[4] for r in tier_rows], pa.decimal128(18, 6)),
        "t_per_unit": pa.array([r[5] for r in tier_rows], pa.decimal128(18, 6)),
    }))
    return compiled


def _components_table(rows: list[dict[str, object]]) -> ibis.Table:
    def column(name: str, kind: pa.DataType) -> pa.Array:
        return pa.array([row.get(name) for row in rows], kind)

    return small_table("components", pa.table({
        "comp_key": column("comp_key", pa.string()),
        "plan_code": column("plan_code", pa.string()),
        "plan_version": column("plan_version", pa.int32()),
        "component_id": column("component_id", pa.string()),
        "component_name": column("component_name", pa.string()),
        "comp_kind": column("comp_kind", pa.string()),
        "ordinal": column("ordinal", pa.int32()),
        "period_kind": column("period_kind", pa.string()),
        "measure": column("measure", pa.string()),
        "quota_metric": column("quota_metric", pa.string()),
        "table_on": column("table_on", pa.string()),
        "method": column("method", pa.string()),
        "uses_units": column("uses_units", pa.bool_()),
        "gate_threshold": column("gate_threshold", pa.decimal128(18, 6)),
        "gate_key": column("gate_key", pa.string()),
        "cap_amount": column("cap_amount", pa.decimal128(18, 2)),
        "pay_currency": column("pay_currency", pa.string()),
        "spiff_from": column("spiff_from", pa.date32()),
        "spiff_to": column("spiff_to", pa.date32()),
        "spiff_per_deal": column("spiff_per_deal", pa.decimal128(18, 2)),
        "spiff_per_unit": column("spiff_per_unit", pa.decimal128(18, 2)),
        "spiff_rate": column("spiff_rate", pa.decimal128(18, 6)),
        "spiff_first": column("spiff_first", pa.int32()),
    }))


def condition_columns(tx: ibis.Table, conditions: set[str]) -> dict[str, ibis.Value]:
    """Each distinct condition text as a boolean column expression over ``tx`` (true only
    where the condition is true: SQL's unknown counts as false)."""
    columns = {name: tx[column] for name, column in FIELD_COLUMNS.items()}
    compiled: dict[str, ibis.Value] = {}
    for text in sorted(conditions):
        node = expressions.parse_condition(text, TRANSACTION_FIELDS)
        compiled[text] = expressions.to_ibis(node, columns).fill_null(False)
    return compiled
