"""What the pages show, read from the latest runs. Plain functions; no HTTP here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from attain.engine import run as engine_run
from attain.engine.models import CalculationRun, RunStatus
from attain.warehouse import connection


@dataclass(frozen=True)
class ComponentSummary:
    payee_id: str
    component: str
    period: str
    credited: Decimal
    quota: Decimal | None
    attainment: Decimal | None
    earned: Decimal
    currency: str


def latest_runs(limit: int = 12) -> list[CalculationRun]:
    return list(CalculationRun.objects.order_by("-started_at", "-id")[:limit])


def current_run(day: dt.date) -> CalculationRun | None:
    """The latest successful run of the quarter containing ``day`` (or the latest run)."""
    runs = CalculationRun.objects.filter(status=RunStatus.SUCCEEDED)
    here = runs.filter(period_start__lte=day, period_end__gte=day).order_by("-started_at")
    return here.first() or runs.order_by("-period_end", "-started_at").first()


def summaries(run: CalculationRun, people: set[str] | None) -> list[ComponentSummary]:
    """Per payee × component of ``run``: credited, quota, attainment and earned, for
    ``people`` (None: everyone)."""
    if "results_measures" not in connection.connect().list_tables():
        return []  # nothing calculated in this warehouse yet
    measures = engine_run.results("results_measures", run.run_id)
    earnings = engine_run.results("results_earnings", run.run_id)
    if people is not None:
        wanted = sorted(people)
        measures = measures.filter(measures.payee_id.isin(wanted))
        earnings = earnings.filter(earnings.payee_id.isin(wanted))
    measure_rows = measures.to_pyarrow().to_pylist()
    earned_rows = earnings.group_by(["payee_id", "component_id", "period_label",
                                     "currency"]).aggregate(
        amount=earnings.amount.sum()).to_pyarrow().to_pylist()
    earned = {(r["payee_id"], r["component_id"], r["period_label"]): (r["amount"], r["currency"])
              for r in earned_rows}
    result = []
    for row in measure_rows:
        key = (row["payee_id"], row["component_id"], row["period_label"])
        amount, currency = earned.pop(key, (Decimal("0.00"), row["currency"]))
        result.append(ComponentSummary(row["payee_id"], row["component_id"],
                                       row["period_label"], row["credited_value"],
                                       row["quota"], row["attainment"], amount, currency))
    for (payee, component, period), (amount, currency) in earned.items():
        result.append(ComponentSummary(payee, component, period, Decimal(0), None, None,
                                       amount, currency))
    return sorted(result, key=lambda s: (s.payee_id, s.component, s.period))
