"""The small in-memory tables of a calculation (plans, assignments, quotas, the calendar),
made in one place and named by their role.

A normal run hands each to Ibis as a memtable, as before. The earnings estimator compiles
its one-payee calculation once and reruns the SQL for other payees and deals: for that the
SQL must name each small table the same way every time (Ibis names a memtable after a fresh
uuid, so no two compiles agree), and the data, which is the payee's, must be supplied at
each call. Inside :func:`named` every small table is an unbound table
``attain_est_<role>`` whose data is recorded instead, and the checks that would run a query
while the expression is built (the revenue split check) are recorded rather than run.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import ibis
import pyarrow as pa

PREFIX = "attain_est_"


@dataclass
class Recorded:
    """What a build inside :func:`named` made: each small table's data by its SQL name,
    and the deferred checks (a query and what to do with its rows)."""

    data: dict[str, pa.Table] = field(default_factory=dict)
    checks: list[tuple[ibis.Table, Callable[[list[dict[str, Any]]], None]]] = field(
        default_factory=list)


_recording: contextvars.ContextVar[Recorded | None] = contextvars.ContextVar(
    "attain_small_tables", default=None)


@contextmanager
def named() -> Iterator[Recorded]:
    """Within: small tables are named by role and recorded, checks are deferred."""
    recorded = Recorded()
    token = _recording.set(recorded)
    try:
        yield recorded
    finally:
        _recording.reset(token)


def small_table(role: str, data: pa.Table) -> ibis.Table:
    """``data`` as a table of the expression: a memtable, or inside :func:`named` the table
    ``attain_est_<role>`` (``_2``, ``_3``… when a role is made again in the same build, so
    the names follow the build's order, which is the same for the same plans)."""
    recorded = _recording.get()
    if recorded is None:
        return ibis.memtable(data)
    name = f"{PREFIX}{role}"
    number = 1
    while name in recorded.data:
        number += 1
        name = f"{PREFIX}{role}_{number}"
    recorded.data[name] = data
    return ibis.table(ibis.Schema.from_pyarrow(data.schema), name=name)


def check(problems: ibis.Table, complain: Callable[[list[dict[str, Any]]], None]) -> None:
    """Run the query ``problems`` and pass its rows to ``complain`` (which raises when there
    are any); inside :func:`named`, record both for whoever runs the compiled SQL."""
    recorded = _recording.get()
    if recorded is not None:
        recorded.checks.append((problems, complain))
        return
    complain(problems.to_pyarrow().to_pylist())
