"""What a metric is: the definition every catalog entry fills in, and the errors queries raise.

A metric is built from *parts*: each part is one aggregate (a sum, a count, a distinct
count) of one fact source of the warehouse (see :mod:`attain.metrics.sources`). A plain
metric's value is its numerator part; a ratio's value is its summed numerator divided by
its summed denominator at the requested grain, never an average of ratios. Keeping the
parts apart is what lets every metric be cut by any dimension its sources share, and lets
a ratio say *why* it has no value (a zero denominator) instead of failing.

This module must never open a warehouse or read the app database: it only describes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import ibis
import ibis.expr.types as ir

if TYPE_CHECKING:
    from ibis.backends import BaseBackend

    from attain.core.periods import FiscalCalendar

Unit = Literal["money", "count", "ratio", "days", "months", "score"]
"""What a value measures: money (reporting currency), a count, a ratio (0.25 is 25%),
days, months, or a score (NPS −100..100)."""

Direction = Literal["higher", "lower"]
"""Which way is good: ``higher`` (revenue, win rate) or ``lower`` (CAC, churn, cycle days)."""

Additivity = Literal["additive", "semi_additive", "non_additive"]
"""``additive``: sums over time and dimensions (revenue). ``semi_additive``: a balance that
sums over dimensions but not over time; a longer period takes its last month (MRR).
``non_additive``: a ratio or distinct count, recomputed from its parts at every grain."""

Grain = Literal["day", "week", "month", "quarter", "year"]
GRAINS: tuple[Grain, ...] = ("day", "week", "month", "quarter", "year")

Aggregate = Callable[[ir.Table], ir.Scalar]
"""An aggregate over a fact table's rows, e.g. ``lambda t: t.amount.sum()``."""

Combine = Callable[[Mapping[str, ir.Value]], ir.Value]
"""Numerator or denominator from the summed parts, e.g. ``lambda p: p["won"] + p["lost"]``."""


class MetricError(ValueError):
    """A query that cannot be answered, explained for a person (unknown metric, bad
    dimension, bad grain or dates). Never a stack trace's worth of Ibis."""


@dataclass(frozen=True)
class Part:
    """One aggregate of one fact source: a building block of numerators and denominators."""

    source: str
    """Fact source name (:data:`attain.metrics.sources.SOURCES`)."""
    aggregate: Aggregate
    """The aggregate over the source's rows (after ``where``)."""
    where: Callable[[ir.Table], ir.BooleanValue] | None = None
    """Which rows count, e.g. won deals only."""
    places: int = 2
    """Decimal places of the aggregate: 2 for money, 0 for counts."""
    snapshot: Literal["closing", "opening"] | None = None
    """A balance (MRR): a period takes the rows of one month, never the sum of its months:
    ``closing`` its last month (or the query's ``end`` month while it is still running),
    ``opening`` the month before it starts."""
    cohort: bool = False
    """Only rows of the accounts paying (``mrr > 0``) in the month before the period starts:
    churn and retention follow the customers a period opens with, so a customer won during
    a quarter and lost before its end is not a loss of the opening base. The source must
    carry ``account_id``."""
    per: str | None = None
    """Aggregate per value of this fact column first (e.g. per person), then ``then``."""
    then: Callable[[ir.Table], ir.Scalar] | None = None
    """With ``per``: the aggregate over the per-column rows, whose aggregate is column ``v``
    plus any columns ``inner`` names."""
    inner: Callable[[ir.Table], Mapping[str, ir.Scalar]] | None = None
    """With ``per``: the per-value aggregates (default ``{"v": aggregate}``)."""
    shift: Literal["prior", "yoy"] | None = None
    """Read the part from the period before (``prior``) or a year before (``yoy``), labelled
    with the period asked for: how growth compares a period with its predecessor."""


@dataclass(frozen=True)
class Metric:
    """One metric, defined once and used everywhere (dashboards, goals, quotas, alerts)."""

    name: str
    label: str
    description: str
    """One or two sentences for a sales leader: what it is and why it matters."""
    formula: str
    """The formula in words and warehouse columns, for the docs page."""
    unit: Unit
    direction: Direction
    additivity: Additivity
    time_column: str
    """The date the metric is placed in time by, e.g. ``transactions.booked_on``."""
    parts: Mapping[str, Part]
    numerator: str | Combine
    denominator: str | Combine | None = None
    numerator_places: int | None = None
    """Decimal places of the numerator column (default: its part's, or 2)."""
    denominator_places: int | None = None
    """Decimal places of the denominator column (default: its part's, or 2)."""
    scale: int = 1
    """Multiplier on the numerator before dividing (100 for NPS)."""
    places: int = 2
    """Decimal places of the value (money 2, ratios 6)."""
    empty_reason: str = "no data in the period"
    """Why the value is empty when the denominator is zero or missing."""
    positive_denominator: bool = False
    """The value is empty (with ``empty_reason``) unless the denominator is above zero:
    coverage of a quota already met, or growth from a negative base, means nothing."""
    grains: tuple[Grain, ...] = GRAINS
    """Grains the metric can be asked at (quota-based metrics have no day or week)."""
    extra_dimensions: tuple[str, ...] = field(default=())
    """Dimensions documented as meaningful beyond the sources' keys (informational)."""

    @property
    def is_ratio(self) -> bool:
        return self.denominator is not None

    @property
    def dimensions(self) -> tuple[str, ...]:
        """The dimensions every part's source can be cut by."""
        from attain.metrics import dimensions

        return dimensions.available_for(self)

    def query(
        self,
        *,
        by: Sequence[str] = (),
        grain: Grain = "month",
        start: dt.date,
        end: dt.date,
        filters: Mapping[str, Any] | None = None,
        compare: str | None = None,
        warehouse: BaseBackend | str | None = None,
        calendar: FiscalCalendar | None = None,
    ) -> ibis.Table:
        """The metric cut ``by`` dimensions, per ``grain`` period from ``start`` to ``end``.

        See :mod:`attain.metrics` for the columns. Nothing executes until the table is.
        """
        from attain.metrics import query as query_module

        return query_module.query(
            self, by=by, grain=grain, start=start, end=end, filters=filters or {},
            compare=compare, warehouse=warehouse, calendar=calendar,
        )
