"""What the payout stage needs from the warehouse, gathered set-based per payee.

One aggregate over a run's earning lines joined to their transactions splits each payee's
earnings into orders, cancellations (inside or outside the clawback window) and lines held
for an unpaid invoice; one more finds lines held in earlier pay runs whose invoice was paid
in this period. Nothing here loops over transactions in Python, and nothing writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import ibis
import pyarrow as pa
from ibis.backends import BaseBackend

from attain.core.money import ZERO
from attain.core.periods import Period

MONEY = "decimal(18, 2)"
Key = tuple[str, str]
"""(employee id, currency)."""


def _lines_with_transactions(backend: BaseBackend, lines: ibis.Table) -> ibis.Table:
    tx = backend.table("transactions")
    this = tx.select(t_id="transaction_id", t_kind="kind", t_reverses="reverses_transaction_id",
                     t_paid_on="paid_on")
    original = tx.select(o_id="transaction_id", o_booked_on="booked_on")
    joined = lines.left_join(this, lines.transaction_id == this.t_id)
    joined = joined.left_join(original, joined.t_reverses == original.o_id)
    return joined.select("payee_id", "currency", "amount", "booked_on", "t_kind", "t_paid_on",
                         "o_booked_on", "plan_code", "plan_version")


def earnings_split(backend: BaseBackend, run_id: str, period: Period, *,
                   clawback_window_days: int,
                   plan_windows: Mapping[tuple[str, int], int] | None = None
                   ) -> dict[Key, dict[str, Any]]:
    """Per payee and currency: ``earned_orders``, ``cancellations``,
    ``cancellations_outside_window`` and ``held`` for the run's lines, and
    ``waived_window_days``: the clawback window of the waived cancellations' plans when
    they all share one (None otherwise).

    ``plan_windows`` (plan code, version) → days is each plan's own clawback window where
    its document sets one; every other line takes the policy's ``clawback_window_days``."""
    stored = backend.table("results_lines")
    lines = _lines_with_transactions(backend, stored.filter(stored.run_id == run_id))
    cancelled = lines.t_kind.notnull() & (lines.t_kind != "order")
    windows = {key: days for key, days in (plan_windows or {}).items()
               if days != clawback_window_days}
    cases = [((lines.plan_code == code) & (lines.plan_version == version), days)
             for (code, version), days in sorted(windows.items())]

    def older_than(days: int) -> ibis.ir.BooleanValue:
        return lines.o_booked_on < lines.booked_on - ibis.interval(days=days)

    # Each window as a literal interval (one comparison per plan with its own window):
    # a column-valued interval is spelt differently on every backend.
    late = older_than(clawback_window_days)
    for match, days in cases:
        late = ibis.ifelse(match, older_than(days), late)
    outside = cancelled & lines.o_booked_on.notnull() & late
    unpaid = (lines.t_kind == "order") & (lines.t_paid_on.isnull()
                                          | (lines.t_paid_on > period.end))
    zero = ibis.literal(0, type=MONEY)
    grouped = lines.group_by(["payee_id", "currency"]).aggregate(
        earned_orders=lines.amount.sum(where=~cancelled).fill_null(zero).cast(MONEY),
        cancellations=lines.amount.sum(where=cancelled).fill_null(zero).cast(MONEY),
        cancellations_outside_window=lines.amount.sum(where=outside).fill_null(zero).cast(MONEY),
        held=lines.amount.sum(where=unpaid).fill_null(zero).cast(MONEY),
        **_windows_applied(cases, clawback_window_days, outside))
    result: dict[Key, dict[str, Any]] = {}
    for row in grouped.to_pyarrow().to_pylist():
        key = (row.pop("payee_id"), row.pop("currency"))
        low = row.pop("window_min", clawback_window_days)
        high = row.pop("window_max", clawback_window_days)
        result[key] = {name: value if value is not None else ZERO for name, value in row.items()}
        result[key]["waived_window_days"] = low if low is not None and low == high else None
    return result


def _windows_applied(cases: list[tuple[ibis.ir.BooleanValue, int]], default: int,
                     outside: ibis.ir.BooleanValue) -> dict[str, ibis.ir.Scalar]:
    """The shortest and longest window of the waived lines (none needed with no plan's own)."""
    if not cases:
        return {}
    window = ibis.cases(*cases, else_=default)
    return {"window_min": window.min(where=outside), "window_max": window.max(where=outside)}


def released(backend: BaseBackend, held_runs: Sequence[tuple[str, dt.date]],
             period: Period) -> dict[Key, dict[str, Decimal]]:
    """Per payee and currency, per earlier pay run's engine run id: lines of earlier pay runs
    (run id, that period's end) that were held then and whose invoice was paid within
    ``period``."""
    if not held_runs:
        return {}
    runs = ibis.memtable(pa.table({
        "r_run_id": pa.array([run_id for run_id, _end in held_runs], pa.string()),
        "r_end": pa.array([end for _run_id, end in held_runs], pa.date32()),
    }))
    stored = backend.table("results_lines")
    lines = stored.join(runs, stored.run_id == runs.r_run_id)
    lines = lines.select("payee_id", "currency", "amount", "booked_on", "transaction_id",
                         "r_run_id", "r_end")
    tx = backend.table("transactions").select(t_id="transaction_id", t_kind="kind",
                                              t_paid_on="paid_on")
    joined = lines.join(tx, lines.transaction_id == tx.t_id)
    joined = joined.filter((joined.t_kind == "order") & (joined.t_paid_on > joined.r_end)
                           & (joined.t_paid_on >= period.start)
                           & (joined.t_paid_on <= period.end))
    grouped = joined.group_by(["payee_id", "currency", "r_run_id"]).aggregate(
        amount=joined.amount.sum().cast(MONEY))
    result: dict[Key, dict[str, Decimal]] = {}
    for row in grouped.to_pyarrow().to_pylist():
        result.setdefault((row["payee_id"], row["currency"]), {})[row["r_run_id"]] = \
            row["amount"]
    return result


def earned_by_payee(backend: BaseBackend, run_id: str) -> dict[Key, Decimal]:
    """Per payee and currency: the sum of a run's earnings (which equals its lines)."""
    stored = backend.table("results_earnings")
    mine = stored.filter(stored.run_id == run_id)
    grouped = mine.group_by(["payee_id", "currency"]).aggregate(
        amount=mine.amount.sum().cast(MONEY))
    return {(row["payee_id"], row["currency"]): row["amount"]
            for row in grouped.to_pyarrow().to_pylist()}
