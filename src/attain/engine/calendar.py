"""The run's calendar as a small table: every day with the period of each kind it falls in.

Joining transactions to this table on the booking date gives each its month, quarter, half
and fiscal year on the company's fiscal calendar, with no date arithmetic in SQL (which
differs between backends) and with :mod:`attain.core.periods` as the one source of truth.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa

from attain.core.periods import FiscalCalendar
from attain.engine.small import small_table

KINDS = ("month", "quarter", "half", "year")


def day_table(calendar: FiscalCalendar, start: dt.date, end: dt.date) -> ibis.Table:
    """Columns: day, and ``{kind}_start``, ``{kind}_end``, ``{kind}_label`` for each kind."""
    columns: dict[str, list[object]] = {"day": []}
    for kind in KINDS:
        columns[f"{kind}_start"] = []
        columns[f"{kind}_end"] = []
        columns[f"{kind}_label"] = []
    cache: dict[tuple[str, dt.date], tuple[dt.date, dt.date, str]] = {}
    day = start
    while day <= end:
        columns["day"].append(day)
        for kind in KINDS:
            key = (kind, day.replace(day=1))
            if key not in cache:
                period = calendar.period_containing(day, kind)  # type: ignore[arg-type]
                cache[key] = (period.start, period.end, period.label)
            p_start, p_end, label = cache[key]
            columns[f"{kind}_start"].append(p_start)
            columns[f"{kind}_end"].append(p_end)
            columns[f"{kind}_label"].append(label)
        day += dt.timedelta(days=1)
    schema = {"day": pa.date32()}
    for kind in KINDS:
        schema |= {f"{kind}_start": pa.date32(), f"{kind}_end": pa.date32(),
                   f"{kind}_label": pa.string()}
    return small_table("days", pa.table(columns, schema=pa.schema(schema)))
