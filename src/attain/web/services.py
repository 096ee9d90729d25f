"""What the pages show, read from the latest runs. Plain functions; no HTTP here."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

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
    plan_code: str = ""
    plan_version: int | None = None
    """The plan version the component comes from (for its rate table)."""
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    """The component's own period (for pace)."""


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
    url = connection.configured_url()
    with _reading:  # one thread reads a run while the others wait for the cached rows
        everyone = _run_summaries(run.run_id, url)
        by_payee = _by_payee(run.run_id, url)
    if people is None:
        return list(everyone)
    return [row for payee in sorted(people) for row in by_payee.get(payee, ())]


_reading = threading.Lock()


@lru_cache(maxsize=32)
def _by_payee(run_id: str, url: str) -> dict[str, tuple[ComponentSummary, ...]]:
    """A run's summary rows by payee, so a rep's or a team's rows are a few look-ups, not a
    scan of everyone's (a home page asks for several runs' rows of one person)."""
    grouped: dict[str, list[ComponentSummary]] = {}
    for row in _run_summaries(run_id, url):
        grouped.setdefault(row.payee_id, []).append(row)
    return {payee: tuple(rows) for payee, rows in grouped.items()}


@lru_cache(maxsize=32)
def _run_summaries(run_id: str, url: str) -> tuple[ComponentSummary, ...]:
    """Every summary row of a run, read once per process: a run's results never change
    (a rerun is a new run id), so pages filter this in memory instead of compiling and
    running two warehouse queries per request."""
    if "results_measures" not in connection.connect(url).list_tables():
        return ()  # nothing calculated in this warehouse yet
    measures = engine_run.results("results_measures", run_id, url=url)
    earnings = engine_run.results("results_earnings", run_id, url=url)
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
                                       row["quota"], row["attainment"], amount, currency,
                                       row["plan_code"], row["plan_version"],
                                       row["period_start"], row["period_end"]))
    for (payee, component, period), (amount, currency) in earned.items():
        result.append(ComponentSummary(payee, component, period, Decimal(0), None, None,
                                       amount, currency))
    return tuple(sorted(result, key=lambda s: (s.payee_id, s.component, s.period)))
