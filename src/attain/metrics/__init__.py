"""The metric catalog: one definition of every sales metric, cut any way.

Dashboards, goals, quotas, leaderboards, alerts and comp-plan measures all read metrics
from here, so a number means the same thing everywhere. The API (stable; others build on
it)::

    import datetime as dt
    from attain import metrics

    metrics.catalog()                      # every Metric, in catalog order
    metric = metrics.get("win_rate")       # MetricError naming the known ones if unknown
    table = metric.query(
        by=["team"],                       # dimensions (metric.dimensions lists them)
        grain="quarter",                   # day, week, month, quarter, year (fiscal)
        start=dt.date(2026, 1, 1),         # periods overlapping start..end, whole
        end=dt.date(2026, 12, 31),
        filters={"segment": "enterprise"}, # dimension -> value or list of values
        compare=None,                      # or "prior", "yoy", "benchmark", "target"
        warehouse=None,                    # backend, URL, or the configured warehouse
        calendar=None,                     # FiscalCalendar (default: the company's,
                                           # ATTAIN_FISCAL_YEAR_START)
    )
    table.to_pandas()                      # an Ibis table: nothing runs until here

Columns of the result, in order:

- one per dimension in ``by``, named as the dimension (``team``, ``person``, …);
- ``period`` (label such as ``FY2026-Q1``, ``2026-03``, ``2026-W05``, ``2026-03-14``),
  ``period_start``, ``period_end`` (dates, inclusive);
- ``value``: DECIMAL; money to the cent in the reporting currency (USD), ratios as
  fractions to six places (0.25 is 25%), rounded once, half away from zero; empty when
  there is nothing to divide by;
- ratios only: ``numerator`` and ``denominator``, the summed parts the value divides
  (a ratio is never an average of ratios);
- ``reason``: why ``value`` is empty (e.g. "no deals closed in the period"), else empty.

Rows come ordered by ``period_start`` then the dimensions. Without ``by`` every period
appears (with a reason where there is nothing to divide by); with dimensions, the
combinations that have any fact in the period (a team with no closed deals has no
win-rate row). A fact whose dimension is unknown (a rep in no team) is kept, under an
empty dimension value, so cuts add up to the whole (except ``team_rollup`` and
``territory``, which may count a fact under several values).

With ``compare="prior"`` or ``"yoy"`` also ``compare_period``, ``compare_value``,
``change`` (value − compare_value) and ``change_ratio`` (change ÷ |compare_value|). With
``compare="benchmark"`` each row is set against its peers, the rows of the same period
that share every ``by`` dimension but the last (``by=["team", "person"]``: people within
their team; ``by=["person"]``: everyone): ``peer_count``, ``peer_median``,
``peer_top_quartile`` (the quartile on the good side), ``peer_average`` (mean of the
peers' values), ``group_value`` (the metric for the whole peer group, e.g. the company),
``rank`` (1 is best, by the metric's direction) and ``percentile`` (0 worst .. 1 best).
With ``compare="target"`` (by person, by team, or for the company): ``target`` (approved
targets of the metric, latest version, spread evenly over their months), ``attainment``
(value ÷ target) and ``gap`` (target − value); bookings quotas are revenue targets.

Each :class:`Metric` carries its name, label, description, formula (in words), unit,
direction (which way is good), additivity, time column, parts and dimensions;
``docs/metrics.md`` is generated from them (``attain docs``). From the shell:
``attain metrics list [--json]`` and ``attain metric NAME --by team --grain quarter
--from 2026-01-01 --to 2026-12-31 [--compare prior|yoy|benchmark|target] [--json|--csv]``.

Over a span of days that is no calendar period (a contest's dates):
``metrics.query_span("deals_won", by=["person"], start=d0, end=d1, label="Spring push")``,
one period with the same columns; ``metrics.span_capable(metric)`` says which metrics can.

Training ROI: ``metrics.training_effect("win_rate", course_id="NEG-201", before=(d0, d1),
after=(d2, d3))`` compares the metric's change for the people who completed the course
between the windows with that of the people who did not (rows ``trained``, ``untrained``
and ``effect``, the difference of the two changes).

People, teams and quotas come from the app database (Django must be set up, as it is
in ``attain shell`` or after ``django.setup()``); everything else from the warehouse.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from attain.metrics.model import GRAINS, Metric, MetricError, Part

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends import BaseBackend

__all__ = ["GRAINS", "Metric", "MetricError", "Part", "catalog", "get", "query_span",
           "span_capable", "training_effect"]


def catalog() -> list[Metric]:
    """Every metric, in catalog order."""
    from attain.metrics.definitions import METRICS

    return list(METRICS)


def get(name: str) -> Metric:
    """The metric called ``name``; :class:`MetricError` lists the known names otherwise."""
    from attain.metrics.definitions import METRICS_BY_NAME

    try:
        return METRICS_BY_NAME[name]
    except KeyError:
        known = ", ".join(METRICS_BY_NAME)
        raise MetricError(f"unknown metric {name!r}; metrics are: {known}") from None


def query_span(metric: str | Metric, *, by: list[str], start: dt.date, end: dt.date,
               label: str = "span", filters: dict[str, object] | None = None,
               warehouse: BaseBackend | str | None = None) -> ir.Table:
    """``metric`` cut ``by`` over the days ``start``..``end`` as one period labelled
    ``label`` (a contest's dates, not a calendar period); :class:`MetricError` for metrics
    that cannot be read over any span (:func:`span_capable`)."""
    from attain.metrics.query import query_span as over

    chosen = get(metric) if isinstance(metric, str) else metric
    return over(chosen, by=by, start=start, end=end, label=label, filters=filters or {},
                warehouse=warehouse)


def span_capable(metric: Metric) -> bool:
    """Whether ``metric`` can be read over an arbitrary span of days (contests)."""
    from attain.metrics.query import span_capable as capable

    return capable(metric)


def training_effect(metric: str | Metric, *, course_id: str, before: tuple[dt.date, dt.date],
                    after: tuple[dt.date, dt.date],
                    warehouse: BaseBackend | str | None = None) -> ir.Table:
    """How ``metric`` changed for people trained on ``course_id`` against the untrained, over
    the same two windows (:mod:`attain.metrics.training`)."""
    from attain.metrics.training import training_effect as effect

    chosen = get(metric) if isinstance(metric, str) else metric
    return effect(chosen, course_id=course_id, before=before, after=after, warehouse=warehouse)
