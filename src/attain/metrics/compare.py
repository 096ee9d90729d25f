"""Comparisons: a metric against its prior period, the same period last year, its peers, or
its targets.

``prior`` and ``yoy`` run the same metric with every part read from the compared period
but labelled with the period asked for, and join the two on the dimensions and the
period, so a comparison value is computed exactly as the value is (a ratio from its
parts, never derived from other ratios).

``benchmark`` sets each row against its peers: the rows of the same period that share
every ``by`` dimension but the last. Median and quartile are statistics over the peers'
values, computed in double precision and rounded to the metric's places; ``group_value``
is the metric itself for the whole peer group (e.g. the company's win rate, from the
company's won and lost deals), exact like every value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt_
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends import BaseBackend

from attain.core.money import ZERO, allocate
from attain.core.periods import FiscalCalendar
from attain.metrics import org
from attain.metrics import periods as periods_module
from attain.metrics.model import Grain, MetricError
from attain.metrics.periods import Span
from attain.metrics.query import compute, divide

if TYPE_CHECKING:
    from attain.metrics.model import Metric


TARGET_ALIASES: dict[str, tuple[str, ...]] = {"revenue": (org.QUOTA_METRIC,)}
"""Target metric names that measure a catalog metric under another name: bookings quotas
are revenue targets."""


def _same(left: ir.Table, right: ir.Table, by: list[str], prefix: str
          ) -> list[ir.BooleanValue]:
    """Join predicates on the period and every dimension, treating empty as equal; the
    right side's key columns carry ``prefix``."""
    return [left.period == right[f"{prefix}period"],
            *[left[name].identical_to(right[f"{prefix}{name}"]) for name in by]]


def _prefixed(table: ir.Table, keys: list[str], prefix: str) -> ir.Table:
    return table.rename({f"{prefix}{name}": name for name in keys})


def compare(metric: Metric, *, how: str, by: list[str], current: list[Span], grain: Grain,
            filters: Mapping[str, Any], as_of: dt.date, calendar: FiscalCalendar,
            backend: BaseBackend) -> ir.Table:
    common: dict[str, Any] = {"grain": grain, "filters": filters, "as_of": as_of,
                              "calendar": calendar, "backend": backend}
    base = compute(metric, by=by, current=current, **common)
    if how == "benchmark":
        return _benchmark(metric, base, by=by, current=current, common=common)
    if how == "target":
        return _target(metric, base, by=by, current=current, grain=grain)
    other = compute(metric, by=by, current=current, compare_shift=how, **common)
    other = other.select(*by, "period", compare_value="value")
    other = _prefixed(other, [*by, "period"], "c_")
    labels = ibis.memtable({
        "l_period": [span.label for span in current],
        "compare_period": [periods_module.shifted(span, grain, how, calendar).label
                           for span in current],
    })
    joined = base.left_join(other, _same(base, other, by, "c_")).join(
        labels, base.period == labels.l_period)
    value_type = dt_.Decimal(38, metric.places)
    change = (joined.value - joined.compare_value).cast(value_type)
    change_ratio = ibis.ifelse(
        joined.compare_value.isnull() | (joined.compare_value == 0) | joined.value.isnull(),
        ibis.null(dt_.Decimal(38, 6)),
        divide(change, joined.compare_value.abs(), 6))
    return joined.select(*base.columns, "compare_period", "compare_value", change=change,
                         change_ratio=change_ratio)


def _benchmark(metric: Metric, base: ir.Table, *, by: list[str], current: list[Span],
               common: dict[str, Any]) -> ir.Table:
    if not by:
        raise MetricError("a benchmark compares members of a dimension: give at least one "
                          "dimension in by (e.g. by=person, or by=team,person for people "
                          "within their team)")
    peers = by[:-1]
    value_type = dt_.Decimal(38, metric.places)
    group_keys = [*peers, "period"]
    present = base.filter(base.value.notnull())
    as_float = present.value.cast("float64")
    top = 0.75 if metric.direction == "higher" else 0.25
    stats = present.group_by(group_keys).aggregate(
        peer_count=present.count(),
        peer_median=as_float.median(),
        peer_top_quartile=as_float.quantile(top),
        peer_average=as_float.mean(),
    )
    stats = _prefixed(stats, group_keys, "s_")
    best_first = (ibis.desc(present.value) if metric.direction == "higher"
                  else ibis.asc(present.value))
    worst_first = (ibis.asc(present.value) if metric.direction == "higher"
                   else ibis.desc(present.value))
    ranked = present.select(
        *by, "period",
        rank=(ibis.rank().over(group_by=group_keys, order_by=best_first) + 1).cast("int64"),
        percentile=ibis.percent_rank().over(group_by=group_keys, order_by=worst_first),
    )
    ranked = _prefixed(ranked, [*by, "period"], "r_")
    group = compute(metric, by=peers, current=current, all_periods=False, **common)
    group = _prefixed(group.select(*peers, "period", group_value="value"), group_keys, "g_")
    joined = (base.left_join(stats, _same(base, stats, peers, "s_"))
              .left_join(ranked, _same(base, ranked, by, "r_"))
              .left_join(group, _same(base, group, peers, "g_")))

    def rounded(column: ir.NumericValue) -> ir.DecimalValue:
        return column.round(metric.places).cast(value_type)

    return joined.select(
        *base.columns,
        peer_count=joined.peer_count.fill_null(0),
        peer_median=rounded(joined.peer_median),
        peer_top_quartile=rounded(joined.peer_top_quartile),
        peer_average=rounded(joined.peer_average),
        group_value=joined.group_value,
        rank=joined.rank,
        percentile=joined.percentile.round(6).cast(dt_.Decimal(18, 6)),
    )


_TARGET_OWNERS = {(): "company", ("person",): "person", ("team",): "team"}


def _target(metric: Metric, base: ir.Table, *, by: list[str], current: list[Span],
            grain: Grain) -> ir.Table:
    """``base`` with the owners' approved targets for the metric (latest version), spread
    evenly over their months to the cent and summed per period asked for."""
    from attain.targets.models import Quota, QuotaStatus

    owner_type = _TARGET_OWNERS.get(tuple(by))
    if owner_type is None:
        raise MetricError("a target comparison is by person, by team, or for the company "
                          "(no dimension): targets are owned by people, teams and the company")
    if grain in ("day", "week"):
        raise MetricError("targets are set by month or longer: compare with them by month, "
                          "quarter or year")
    names = {metric.name, *TARGET_ALIASES.get(metric.name, ())}
    quotas = Quota.objects.filter(metric__in=names, owner_type=owner_type,
                                  status=QuotaStatus.APPROVED,
                                  period_end__gte=current[0].start,
                                  period_start__lte=current[-1].end)
    latest: dict[tuple[str, str], tuple[int, dt.date, dt.date, Decimal]] = {}
    for quota in quotas.select_related("person", "team"):
        owner = (quota.person.employee_id if quota.person else
                 quota.team.code if quota.team else "")
        key = (owner, quota.period)
        if key not in latest or quota.version > latest[key][0]:
            latest[key] = (quota.version, quota.period_start, quota.period_end, quota.amount)
    totals: dict[tuple[str, str], Decimal] = {}
    for (owner, _period), (_version, start, end, amount) in latest.items():
        months = org.months_of(start, end)
        for day, share in zip(months, allocate(amount, [Decimal(1)] * len(months)),
                              strict=True):
            for span in current:
                if span.start <= day <= span.end:
                    totals[(owner, span.label)] = totals.get((owner, span.label), ZERO) + share
    targets = ibis.memtable(pa.table({
        "t_owner": pa.array([key[0] for key in totals], pa.string()),
        "t_period": pa.array([key[1] for key in totals], pa.string()),
        "target": pa.array(list(totals.values()), pa.decimal128(18, 2)),
    }))
    predicate = [base.period == targets.t_period]
    if by:
        predicate.append(base[by[0]] == targets.t_owner)
    joined = base.left_join(targets, predicate)
    value_type = dt_.Decimal(38, metric.places)
    target = joined.target.cast(value_type)
    return joined.select(
        *base.columns, target=target,
        attainment=ibis.ifelse(target.isnull() | (target <= 0) | joined.value.isnull(),
                               ibis.null(dt_.Decimal(38, 6)), divide(joined.value, target, 6)),
        gap=(target - joined.value).cast(value_type))
