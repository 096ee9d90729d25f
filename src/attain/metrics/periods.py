"""The periods of a query as a small table, so facts find their period by an equality join.

Every day from the first period's start to the last period's end gets its period's label,
start and end on the company's fiscal calendar (:mod:`attain.core.periods` decides them;
no date arithmetic happens in SQL, where backends differ). Joining facts on the day is a
hash join against a few hundred rows. Balances (MRR) join instead on the month they are
read from: the last month of the period, or the query's end month while the period is
still running; and for an opening balance, the month before the period starts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from attain.core.periods import FiscalCalendar, Period, PeriodError
from attain.metrics.model import GRAINS, Grain, MetricError

_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Span:
    """One period of a query."""

    label: str
    start: dt.date
    end: dt.date


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def spans(grain: Grain, start: dt.date, end: dt.date, calendar: FiscalCalendar) -> list[Span]:
    """Every period of ``grain`` overlapping ``start``..``end``, whole, in order."""
    if grain not in GRAINS:
        raise MetricError(f"unknown grain {grain!r}; grains are: {', '.join(GRAINS)}")
    if end < start:
        raise MetricError(f"the span {start}..{end} ends before it starts")
    if grain == "day":
        days = (end - start).days + 1
        return [Span((start + n * _ONE_DAY).isoformat(), start + n * _ONE_DAY,
                     start + n * _ONE_DAY) for n in range(days)]
    try:
        periods = calendar.periods_between(start, end, grain)
    except PeriodError as error:
        raise MetricError(str(error)) from None
    return [Span(p.label, p.start, p.end) for p in periods]


def shifted(span: Span, grain: Grain, how: str, calendar: FiscalCalendar) -> Span:
    """The period to compare ``span`` with: ``prior`` (just before) or ``yoy`` (a year ago)."""
    if grain == "day":
        day = span.start - _ONE_DAY if how == "prior" else _year_earlier(span.start)
        return Span(day.isoformat(), day, day)
    period = Period(grain, span.start, span.end, calendar)
    other = period.prior() if how == "prior" else period.same_period_last_year()
    return Span(other.label, other.start, other.end)


def _year_earlier(day: dt.date) -> dt.date:
    if day.month == 2 and day.day == 29:
        return dt.date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def day_table(periods: list[Span]) -> ir.Table:
    """(p_day, period, period_start, period_end): each day of the periods with its period."""
    days: list[dt.date] = []
    labels: list[str] = []
    starts: list[dt.date] = []
    ends: list[dt.date] = []
    for span in periods:
        day = span.start
        while day <= span.end:
            days.append(day)
            labels.append(span.label)
            starts.append(span.start)
            ends.append(span.end)
            day += _ONE_DAY
    return _table(days, labels, starts, ends)


def snapshot_table(periods: list[Span], as_of: dt.date, *, opening: bool) -> ir.Table:
    """(p_day, period, …): the month each period's balance is read from.

    Closing balance: the month holding the period's last day, or ``as_of``'s month while
    the period is still running. Opening balance: the month before the period starts.
    """
    days: list[dt.date] = []
    for span in periods:
        if opening:
            days.append(_month_start(_month_start(span.start) - _ONE_DAY))
        else:
            days.append(_month_start(min(span.end, max(as_of, span.start))))
    return _table(days, [s.label for s in periods], [s.start for s in periods],
                  [s.end for s in periods])


def _table(days: list[dt.date], labels: list[str], starts: list[dt.date],
           ends: list[dt.date]) -> ir.Table:
    return ibis.memtable(pa.table({
        "p_day": pa.array(days, pa.date32()),
        "period": pa.array(labels, pa.string()),
        "period_start": pa.array(starts, pa.date32()),
        "period_end": pa.array(ends, pa.date32()),
    }))


def periods_table(periods: list[Span]) -> ir.Table:
    """(period, period_start, period_end): one row per period."""
    return ibis.memtable(pa.table({
        "period": pa.array([s.label for s in periods], pa.string()),
        "period_start": pa.array([s.start for s in periods], pa.date32()),
        "period_end": pa.array([s.end for s in periods], pa.date32()),
    }))
