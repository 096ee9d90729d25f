"""Actuals for targets, read from the metric catalog (:mod:`attain.metrics`).

Monitoring (:mod:`attain.targets.monitoring`) wants a plain series per target; this module
is the one place that asks the catalog for it, in the shape the metric calls for:

- **additive** metrics (revenue, leads): the amount of each day (``grain="day"``);
- **ratios** whose parts are plain sums (win rate, lead conversion, cycle length): the
  to-date value on each day, from the running sums of numerator and denominator, rounded
  once as the catalog rounds (half away from zero, to the metric's places): a ratio to
  date is never an average of daily ratios;
- **other levels** (balances such as MRR or retention, per-person aggregates): the value
  of each month of the period, observed at the month's end (or the as-of day).

An owner becomes a filter on the dimension of the same name: ``person:E00042`` →
``person = E00042``, ``team:T1`` → ``team``, ``region:EMEA`` → ``region``; ``company``
filters nothing. ``team_rollup:T1`` reads a team with every team below it: how a manager's
own quota is measured (:func:`attain.targets.services.actuals_owner`). Quota metrics that
name a measure rather than a catalog metric are read through :data:`QUOTA_METRICS`
(``bookings`` is the catalog's booked ``revenue``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any, Literal

from attain.core.company import company_calendar
from attain.core.money import ROUNDING, ZERO
from attain.core.periods import FiscalCalendar, Period

Shape = Literal["additive", "ratio", "level"]

QUOTA_METRICS: Mapping[str, str] = {"bookings": "revenue"}
"""Quota measures read as catalog metrics."""

OWNER_DIMENSIONS = ("person", "team", "team_rollup", "region", "territory")


class ActualsError(ValueError):
    """Actuals that cannot be read (unknown metric, owner or dimension), said plainly."""


@dataclass(frozen=True, slots=True)
class MetricFacts:
    """What monitoring needs to know about a catalog metric."""

    name: str
    direction: Literal["higher", "lower"]
    shape: Shape
    dimensions: tuple[str, ...]

    @property
    def accumulates(self) -> bool:
        return self.shape == "additive"


def catalog_name(metric: str) -> str:
    return QUOTA_METRICS.get(metric, metric)


def facts(metric: str) -> MetricFacts:
    """Direction, shape and dimensions of ``metric`` (an :class:`ActualsError` if unknown)."""
    from attain import metrics

    try:
        found = metrics.get(catalog_name(metric))
    except metrics.MetricError as error:
        raise ActualsError(str(error)) from None
    return MetricFacts(found.name, found.direction, _shape(found), tuple(found.dimensions))


def known_metrics() -> tuple[str, ...]:
    from attain import metrics

    return tuple(metric.name for metric in metrics.catalog())


def _shape(metric: Any) -> Shape:
    if metric.additivity == "additive" and not metric.is_ratio:
        return "additive"
    plain = all(part.snapshot is None and part.per is None and part.shift is None
                for part in metric.parts.values())
    if metric.is_ratio and plain and "day" in metric.grains:
        return "ratio"
    return "level"


def owner_filters(owner: str) -> dict[str, str]:
    """The catalog filter that selects ``owner``'s facts."""
    kind, _, key = owner.partition(":")
    if kind == "company":
        return {}
    if kind not in OWNER_DIMENSIONS or not key:
        raise ActualsError(f"owner {owner!r}: write company, person:ID, team:CODE, "
                           f"region:CODE or territory:CODE")
    return {kind: key}


def series(metric: str, owner: str, period: Period, as_of: dt.date, *,
           filters: Mapping[str, Any] | None = None, warehouse: Any = None,
           calendar: FiscalCalendar | None = None) -> list[tuple[dt.date, Decimal]]:
    """The series :func:`attain.targets.monitoring.assess` reads, up to ``as_of``."""
    calendar = calendar or company_calendar()
    return batch_series(metric, [owner], period, as_of, filters=filters, warehouse=warehouse,
                        calendar=calendar)[owner]


def batch_series(metric: str, owners: Sequence[str], period: Period, as_of: dt.date, *,
                 filters: Mapping[str, Any] | None = None, warehouse: Any = None,
                 calendar: FiscalCalendar | None = None
                 ) -> dict[str, list[tuple[dt.date, Decimal]]]:
    """:func:`series` for many owners, with one catalog query per kind of owner."""
    calendar = calendar or company_calendar()
    end = min(as_of, period.end)
    if end < period.start:
        return {owner: [] for owner in owners}
    return _batch(metric, owners, period.start, end, filters=filters, warehouse=warehouse,
                  calendar=calendar)


def _batch(metric: str, owners: Sequence[str], start: dt.date, end: dt.date, *,
           filters: Mapping[str, Any] | None, warehouse: Any,
           calendar: FiscalCalendar) -> dict[str, list[tuple[dt.date, Decimal]]]:
    from attain import metrics

    try:
        found = metrics.get(catalog_name(metric))
    except metrics.MetricError as error:
        raise ActualsError(str(error)) from None
    shape = _shape(found)
    grain: Literal["month", "day"] = "month" if shape == "level" else "day"
    by_kind: dict[str, list[str]] = {}
    for owner in owners:
        kind = owner.partition(":")[0]
        key = next(iter(owner_filters(owner).values()), "")
        by_kind.setdefault(kind, []).append(key)
    result: dict[str, list[tuple[dt.date, Decimal]]] = {}
    for kind, keys in by_kind.items():
        by = [] if kind == "company" else [kind]
        where = dict(filters or {})
        if by:
            where[kind] = keys if len(keys) > 1 else keys[0]
        try:
            rows = found.query(by=by, grain=grain, start=start, end=end, filters=where,
                               warehouse=warehouse, calendar=calendar).to_pyarrow().to_pylist()
        except metrics.MetricError as error:
            raise ActualsError(str(error)) from None
        rows.sort(key=lambda row: row["period_start"])
        for key in keys:
            mine = [row for row in rows if not by or str(row[kind]) == key]
            result["company" if not by else f"{kind}:{key}"] = _shaped(mine, shape, found, end)
    return result


def _shaped(rows: list[dict[str, Any]], shape: Shape, metric: Any,
            end: dt.date) -> list[tuple[dt.date, Decimal]]:
    if shape == "additive":
        return [(row["period_start"], row["value"]) for row in rows if row["value"] is not None]
    if shape == "level":
        return [(min(row["period_end"], end), row["value"]) for row in rows
                if row["value"] is not None]
    out = []
    numerator = denominator = ZERO
    for row in rows:
        numerator += row["numerator"] or ZERO
        denominator += row["denominator"] or ZERO
        if denominator:
            out.append((row["period_start"], _ratio(numerator, denominator, metric)))
    return out


def _ratio(numerator: Decimal, denominator: Decimal, metric: Any) -> Decimal:
    with localcontext() as context:
        context.prec = 38
        value = numerator * metric.scale / denominator
        return value.quantize(Decimal(1).scaleb(-metric.places), rounding=ROUNDING)


def values_over(metric: str, owners: Sequence[str], start: dt.date, end: dt.date, *,
                filters: Mapping[str, Any] | None = None, warehouse: Any = None,
                calendar: FiscalCalendar | None = None) -> dict[str, Decimal | None]:
    """The metric for each owner over ``start``..``end``: a sum, a ratio to date, or the last
    level; None when there is nothing."""
    calendar = calendar or company_calendar()
    accumulates = facts(metric).accumulates
    out: dict[str, Decimal | None] = {}
    for owner, points in _batch(metric, owners, start, end, filters=filters,
                                warehouse=warehouse, calendar=calendar).items():
        if not points:
            out[owner] = None
        elif accumulates:
            out[owner] = sum((value for _, value in points), ZERO)
        else:
            out[owner] = points[-1][1]
    return out


def _months_back(day: dt.date, months: int) -> dt.date:
    """The first of the month ``months`` before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def past_changes(metric: str, owner: str, frame: Period, *, window_months: int,
                 lag_months: int, filters: Mapping[str, Any] | None = None,
                 warehouse: Any = None, history_years: int = 2,
                 calendar: FiscalCalendar | None = None) -> tuple[list[Decimal], int]:
    """Past changes comparable with a goal's: each window of ``window_months`` (the goal's
    length), tiled back from the goal's start over ``history_years``, against the window
    ``lag_months`` before it (12 when the baseline is last year, the goal's length when
    it is the period before), for the owner and their peers (everyone cut by the owner's
    dimension, with the goal's filters). Also how many months (or periods) of the history
    the owner has a value in.

    Additive metrics are summed month by month into windows of any length. A ratio or a
    level cannot be summed: it is read at the catalog grain nearest the goal's length
    (month, quarter or year), each period against the one ``lag_months`` before (rounded
    to whole periods), so its value is always the catalog's own.
    """
    calendar = calendar or company_calendar()
    from attain import metrics

    kind, _, key = owner.partition(":")
    by = [] if kind == "company" else [kind]
    found = metrics.get(catalog_name(metric))
    window_months = max(window_months, 1)
    if facts(metric).accumulates:
        grain: Literal["month", "quarter", "year"] = "month"
        size = window_months
    else:
        grain = "month" if window_months < 2 else "quarter" if window_months < 8 else "year"
        size = {"month": 1, "quarter": 3, "year": 12}[grain]
    lag = max(round(lag_months / size), 1) * size if grain != "month" else max(lag_months, 1)
    anchor = frame.start.replace(day=1)
    if grain != "month":
        anchor = calendar.period_containing(frame.start, grain).start
    history = history_years * 12
    first = _months_back(anchor, history + lag + size)
    last = anchor - dt.timedelta(days=1)
    if last < first:
        return [], 0
    try:
        rows = found.query(by=by, grain=grain, start=first, end=last,
                           filters=dict(filters or {}), warehouse=warehouse,
                           calendar=calendar).to_pyarrow().to_pylist()
    except metrics.MetricError as error:
        raise ActualsError(str(error)) from None
    by_member: dict[str, dict[dt.date, Decimal]] = {}
    for row in rows:
        if row["value"] is not None:
            member = str(row[kind]) if by else ""
            by_member.setdefault(member, {})[row["period_start"]] = row["value"]
    step = 1 if grain == "month" else size

    def window(values: dict[dt.date, Decimal], end_exclusive: dt.date) -> Decimal | None:
        starts = [_months_back(end_exclusive, months)
                  for months in range(step, size + 1, step)]
        present = [values[start] for start in starts if start in values]
        if not present:
            return None
        return sum(present, ZERO) if grain == "month" else present[0]

    changes: list[Decimal] = []
    with localcontext() as context:
        context.prec = 38
        for values in by_member.values():
            for tile in range(history // size):
                end = _months_back(anchor, tile * size)
                later = window(values, end)
                earlier = window(values, _months_back(end, lag))
                if later is not None and earlier:
                    changes.append(((later - earlier) / abs(earlier)).quantize(
                        Decimal("0.000001"), rounding=ROUNDING))
    own = len(by_member.get(key if by else "", {}))
    return changes, own


def month_actuals(points: Sequence[tuple[dt.date, Decimal]]) -> dict[dt.date, Decimal]:
    """Daily amounts summed by month (keyed by the month's first day), for seasonality."""
    months: dict[dt.date, Decimal] = {}
    for day, value in points:
        key = day.replace(day=1)
        months[key] = months.get(key, ZERO) + value
    return months


# --- currency ---------------------------------------------------------------------------------


def reporting_currency() -> str:
    from attain.metrics import sources

    return sources.REPORTING_CURRENCY


def in_reporting_currency(amounts: Sequence[tuple[Decimal, str, dt.date]], *,
                          warehouse: Any = None) -> list[Decimal]:
    """Each (amount, currency, day) in the reporting currency (USD), converted as the
    catalog converts revenue (:func:`attain.metrics.sources.to_reporting`: the latest
    ``fx_rates`` rate on or before the day, rounded to the cent), so a target and its
    actuals are in the same money. Amounts already in USD are returned as they are, without
    reading the warehouse; an :class:`ActualsError` names a currency with no rate yet."""
    usd = reporting_currency()
    if all(currency == usd for _, currency, _ in amounts):
        return [amount for amount, _, _ in amounts]
    import ibis
    import pyarrow as pa

    from attain.metrics import sources
    from attain.warehouse import connection

    backend = warehouse if warehouse is not None and not isinstance(warehouse, str) \
        else connection.connect(warehouse)
    missing = sorted({f"{currency} on {day}" for _, currency, day in amounts
                      if currency != usd})
    if "fx_rates" not in backend.list_tables():
        raise ActualsError(f"no exchange rates in the warehouse to convert "
                           f"{', '.join(missing)} to {usd}")
    days = [day for _, _, day in amounts]
    table = ibis.memtable(pa.table({
        "position": pa.array(range(len(amounts)), pa.int64()),
        "amount": pa.array([amount for amount, _, _ in amounts], pa.decimal128(18, 2)),
        "currency": pa.array([currency for _, currency, _ in amounts], pa.string()),
        "day": pa.array(days, pa.date32())}))
    context = sources.Context(backend, min(days), max(days))
    converted = sources.to_reporting(context, table, {"amount": "in_reporting"}, "day")
    rows = backend.to_pyarrow(converted.order_by("position")).to_pylist()
    result = [row["in_reporting"] for row in rows]
    unconverted = sorted({f"{currency} on {day}" for (_, currency, day), value
                          in zip(amounts, result, strict=True) if value is None})
    if unconverted:
        raise ActualsError(f"no exchange rate to {usd} in force for "
                           f"{', '.join(unconverted)}: import fx_rates first")
    return [Decimal(value) for value in result]
