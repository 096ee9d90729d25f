"""Running a metric: parts aggregated per dimension and period, then combined exactly.

For each part of a metric: its fact rows get the requested dimensions and filters, find
their period by an equality join on the day (:mod:`attain.metrics.periods`), and are
aggregated by (dimensions, period). The parts are stacked (UNION ALL) and summed, so a
combination that appears in any part appears once, with zeros for the parts that had no
rows. The numerator and denominator are then built from the summed parts and the value
divided **exactly** (:func:`divide`): a zero denominator gives an empty value and a reason.

One Ibis expression per query, nothing backend-specific, and nothing executes here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt_
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from attain.core.company import company_calendar
from attain.core.periods import FiscalCalendar
from attain.metrics import dimensions, sources
from attain.metrics import periods as periods_module
from attain.metrics.model import GRAINS, Grain, MetricError, Part
from attain.metrics.periods import Span

if TYPE_CHECKING:
    from attain.metrics.model import Metric

PART = dt_.Decimal(38, 6)
"""Parts are summed at six places: exact for cents and for counts."""

PERIOD_COLUMNS = ["period", "period_start", "period_end"]
COMPARE_CHOICES = ("prior", "yoy", "benchmark", "target")


def backend_for(warehouse: BaseBackend | str | None) -> BaseBackend:
    """The Ibis backend for a backend, a warehouse URL, or the configured warehouse."""
    if isinstance(warehouse, BaseBackend):
        return warehouse
    from attain.warehouse import connection

    return connection.connect(warehouse)


def divide(numerator: ir.NumericValue, denominator: ir.NumericValue,
           places: int) -> ir.DecimalValue:
    """``numerator / denominator`` rounded to ``places``, half away from zero, exactly.

    DuckDB divides decimals in floating point, so the quotient is first estimated in double
    precision and then corrected with exact decimal products: the right answer ``q`` is the
    one whose half-unit interval holds the true quotient, which is the estimate or one unit
    either side. The denominator must not be zero (callers guard it).
    """
    result = dt_.Decimal(38, places)
    unit = ibis.literal(Decimal(1).scaleb(-places), type=result)
    num = numerator.cast(PART)
    den = denominator.cast(PART)
    negative_den = den < 0
    signed_num = ibis.ifelse(negative_den, -num, num)
    size = ibis.ifelse(negative_den, -den, den)
    twice = (signed_num * 2).cast(dt_.Decimal(38, 6))
    estimate = (num.cast("float64") / den.cast("float64")).round(places).cast(result)

    # Products of the candidate (``places``) and the denominator (6) have places + 6 places;
    # saying so keeps them exact without widening them (a wider scale would cost digits).
    exact = dt_.Decimal(38, places + 6)

    def holds(q: ir.DecimalValue) -> ir.BooleanValue:
        low = ((q * 2 - unit).cast(dt_.Decimal(38, places)) * size).cast(exact)
        high = ((q * 2 + unit).cast(dt_.Decimal(38, places)) * size).cast(exact)
        positive = (low <= twice) & (twice < high)
        negative = (low < twice) & (twice <= high)
        return ibis.ifelse(signed_num >= 0, positive, negative)

    lower = (estimate - unit).cast(result)
    upper = (estimate + unit).cast(result)
    return ibis.cases((holds(estimate), estimate), (holds(lower), lower), else_=upper)


def _filter(table: ir.Table, filters: Mapping[str, Any]) -> ir.Table:
    for name, wanted in filters.items():
        values = list(wanted) if isinstance(wanted, list | tuple | set | frozenset) else [wanted]
        table = table.filter(table[name].isin([str(v) for v in values]))
    return table


def _mapping_spans(current: list[Span], grain: Grain, shifts: Sequence[str | None],
                   calendar: FiscalCalendar) -> list[tuple[Span, Span]]:
    """(period asked for, period whose rows it reads) after applying ``shifts`` in turn."""
    pairs = []
    for span in current:
        target = span
        for how in shifts:
            if how:
                target = periods_module.shifted(target, grain, how, calendar)
        pairs.append((span, target))
    return pairs


def _part_table(metric: Metric, name: str, part: Part, *, by: list[str],
                filters: Mapping[str, Any], current: list[Span], grain: Grain,
                compare_shift: str | None, as_of: dt.date, calendar: FiscalCalendar,
                backend: BaseBackend, org_cache: dict[str, ir.Table]) -> ir.Table:
    pairs = _mapping_spans(current, grain, [compare_shift, part.shift], calendar)
    if part.snapshot:
        targets = [target for _span, target in pairs]
        shift_as_of = as_of
        for how in (compare_shift, part.shift):
            if how == "prior":
                shift_as_of = min(shift_as_of, targets[-1].end)
            elif how == "yoy":
                shift_as_of = periods_module._year_earlier(shift_as_of)
        mapping = periods_module.snapshot_table(targets, shift_as_of,
                                                opening=part.snapshot == "opening")
    else:
        mapping = periods_module.day_table([target for _span, target in pairs])
    # Label the rows with the period asked for, whatever period they were read from.
    relabel = ibis.memtable({
        "r_label": [target.label for _span, target in pairs],
        "r_period": [span.label for span, _target in pairs],
        "r_start": [span.start for span, _target in pairs],
        "r_end": [span.end for span, _target in pairs],
    })

    def labelled(days: ir.Table) -> ir.Table:
        return days.join(relabel, days.period == relabel.r_label).select(
            "p_day", period="r_period", period_start="r_start", period_end="r_end",
            read_start="period_start", read_end="period_end")

    mapping = labelled(mapping)
    first = min(target.start for _span, target in pairs)
    last = max(target.end for _span, target in pairs)
    if part.snapshot == "opening":
        first = (first.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    ctx = sources.Context(backend, first, last, org_cache)
    facts = sources.SOURCES[part.source](ctx)
    facts = dimensions.resolve(facts, [*by, *filters], ctx)
    facts = _filter(facts, filters)
    joined = facts.join(mapping, facts.at == mapping.p_day)
    if part.where is not None:
        joined = joined.filter(part.where(joined))
    if part.cohort:
        joined = _in_opening_cohort(joined, ctx, labelled(periods_module.snapshot_table(
            [target for _span, target in pairs], as_of, opening=True)))
    keys = [*by, *PERIOD_COLUMNS]
    if part.per is not None:
        inner = part.inner(joined) if part.inner else {"v": part.aggregate(joined)}
        per = joined.group_by([*keys, part.per]).aggregate(**inner)
        assert part.then is not None, f"{metric.name}.{name}: per needs then"
        aggregated = per.group_by(keys).aggregate(**{name: part.then(per).cast(PART)})
    else:
        aggregated = joined.group_by(keys).aggregate(**{name: part.aggregate(joined).cast(PART)})
    return aggregated.select(*keys, **{
        other: aggregated[name] if other == name else ibis.null(PART)
        for other in metric.parts
    })


def _in_opening_cohort(joined: ir.Table, ctx: sources.Context,
                       opening: ir.Table) -> ir.Table:
    """The rows of ``joined`` whose account paid (mrr > 0) in its period's opening month.

    ``opening`` maps each period to the month before it starts; the cohort is read from
    the subscriptions source (which always reads that month too), whatever the part's own
    source is.
    """
    subscriptions = sources.SOURCES["subscriptions"](ctx)
    paying = subscriptions.filter(subscriptions.mrr > 0)
    cohort = paying.join(opening, paying.at == opening.p_day).select(
        c_account=paying.account_id, c_period=opening.period).distinct()
    return joined.semi_join(cohort, (joined.account_id == cohort.c_account)
                            & (joined.period == cohort.c_period))


def _places(metric: Metric, side: str | Any, explicit: int | None) -> int:
    if explicit is not None:
        return explicit
    if isinstance(side, str):
        return metric.parts[side].places
    return 2


def compute(metric: Metric, *, by: list[str], current: list[Span], grain: Grain,
            filters: Mapping[str, Any], as_of: dt.date, calendar: FiscalCalendar,
            backend: BaseBackend, compare_shift: str | None = None,
            all_periods: bool | None = None) -> ir.Table:
    """The metric's table for the periods ``current`` (see :mod:`attain.metrics`)."""
    org_cache: dict[str, ir.Table] = {}
    pieces = [
        _part_table(metric, name, part, by=by, filters=filters, current=current, grain=grain,
                    compare_shift=compare_shift, as_of=as_of, calendar=calendar,
                    backend=backend, org_cache=org_cache)
        for name, part in metric.parts.items()
    ]
    stacked = pieces[0]
    for piece in pieces[1:]:
        stacked = stacked.union(piece)
    keys = [*by, *PERIOD_COLUMNS]
    summed = stacked.group_by(keys).aggregate(
        **{name: stacked[name].sum() for name in metric.parts})
    if all_periods if all_periods is not None else not by:
        every = periods_module.periods_table(current)
        summed = every.left_join(summed, every.period == summed.period).select(
            *[summed[c] for c in by], *[every[c] for c in PERIOD_COLUMNS],
            *[summed[name] for name in metric.parts])
    zero = ibis.literal(0, type=PART)
    parts = {name: summed[name].fill_null(zero) for name in metric.parts}

    def side(spec: Any) -> ir.NumericValue:
        return parts[spec] if isinstance(spec, str) else spec(parts).cast(PART)

    numerator = side(metric.numerator)
    num_places = _places(metric, metric.numerator, metric.numerator_places)
    columns: dict[str, ir.Value] = {}
    if metric.denominator is None:
        scaled = numerator * metric.scale if metric.scale != 1 else numerator
        columns["value"] = scaled.round(metric.places).cast(dt_.Decimal(38, metric.places))
        columns["reason"] = ibis.null(dt_.string)
    else:
        denominator = side(metric.denominator)
        den_places = _places(metric, metric.denominator, metric.denominator_places)
        scaled = (numerator * metric.scale).cast(PART) if metric.scale != 1 else numerator
        nothing = denominator <= zero if metric.positive_denominator else denominator == zero
        # A numerator or denominator built from other rounded values (CLTV:CAC) may itself
        # be empty; the value is then empty too, with the reason.
        empty = (nothing | denominator.isnull() | numerator.isnull()).fill_null(True)
        columns["value"] = ibis.ifelse(empty, ibis.null(dt_.Decimal(38, metric.places)),
                                       divide(scaled, denominator, metric.places))
        columns["numerator"] = numerator.round(num_places).cast(dt_.Decimal(38, num_places))
        columns["denominator"] = denominator.round(den_places).cast(dt_.Decimal(38, den_places))
        columns["reason"] = ibis.ifelse(empty, ibis.literal(metric.empty_reason),
                                        ibis.null(dt_.string))
    return summed.select(*keys, **columns)


def query(metric: Metric, *, by: Sequence[str], grain: Grain, start: dt.date, end: dt.date,
          filters: Mapping[str, Any], compare: str | None,
          warehouse: BaseBackend | str | None,
          calendar: FiscalCalendar | None) -> ir.Table:
    """The body of :meth:`Metric.query`: check the request, then build the expression."""
    by = list(by)
    if len(set(by)) != len(by):
        raise MetricError(f"a dimension is named twice in by={by}")
    dimensions.check(metric, [*by, *filters])
    if grain not in GRAINS:
        raise MetricError(f"unknown grain {grain!r}; grains are: {', '.join(GRAINS)}")
    if grain not in metric.grains:
        raise MetricError(f"{metric.name} cannot be asked by {grain}; its grains are: "
                          f"{', '.join(metric.grains)}")
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        raise MetricError("start and end must be dates")
    calendar = calendar or company_calendar()
    current = periods_module.spans(grain, start, end, calendar)
    backend = backend_for(warehouse)
    if compare is None:
        result = compute(metric, by=by, current=current, grain=grain, filters=filters,
                         as_of=end, calendar=calendar, backend=backend)
    elif compare in COMPARE_CHOICES:
        from attain.metrics.compare import compare as compare_with

        result = compare_with(metric, how=compare, by=by, current=current, grain=grain,
                              filters=filters, as_of=end, calendar=calendar, backend=backend)
    else:
        raise MetricError(f"unknown comparison {compare!r}; use one of: "
                          f"{', '.join(COMPARE_CHOICES)}")
    return result.order_by(["period_start", *by])


def query_span(metric: Metric, *, by: Sequence[str], start: dt.date, end: dt.date,
               label: str, filters: Mapping[str, Any],
               warehouse: BaseBackend | str | None) -> ir.Table:
    """The metric over one span of days that is no calendar period (a contest's dates),
    labelled ``label``: the same columns as :func:`query` without comparisons. Metrics that
    read another period (growth), a balance (MRR) or need a coarser grain (quota-based)
    cannot be asked over an arbitrary span."""
    by = list(by)
    dimensions.check(metric, [*by, *filters])
    if end < start:
        raise MetricError(f"the span {start}..{end} ends before it starts")
    if not span_capable(metric):
        raise MetricError(f"{metric.name} cannot be asked over an arbitrary span of days")
    return compute(metric, by=by, current=[Span(label, start, end)], grain="day",
                   filters=filters, as_of=end, calendar=company_calendar(),
                   backend=backend_for(warehouse), all_periods=False)


def span_capable(metric: Metric) -> bool:
    """Whether :func:`query_span` can answer ``metric``."""
    return "day" in metric.grains and not any(
        part.shift or part.snapshot or part.cohort for part in metric.parts.values())
