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

import ibis.expr.types as ir

from attain.metrics.model import Metric, Part

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


def _won(t: ir.Table) -> ir.BooleanValue:
    return t.is_won


def _lost(t: ir.Table) -> ir.BooleanValue:
    return ~t.is_won


def _order(t: ir.Table) -> ir.BooleanValue:
    return t.kind == "order"


METRICS: tuple[Metric, ...] = (
    # --- revenue ---------------------------------------------------------------------------
    Metric(
        name="revenue",
        label="Revenue (booked)",
        description="Net bookings: order lines by booking date, less cancellations and "
                    "refunds, in the reporting currency.",
        formula="sum(transactions.amount) by booked_on, every kind (cancellations and refunds "
                "are negative lines), each line converted to USD at the rate of its day and "
                "rounded to the cent",
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
)

METRICS_BY_NAME: dict[str, Metric] = {metric.name: metric for metric in METRICS}
assert len(METRICS_BY_NAME) == len(METRICS), "metric names must be unique"
