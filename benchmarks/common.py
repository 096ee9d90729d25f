"""Small helpers shared by the benchmarks: timing, peak memory, printing a result table.

Benchmarks print figures and compare against a baseline measured in the same run; they
never pass or fail on time (these machines are shared and noisy).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass
class Timing:
    seconds: float = 0.0


@contextmanager
def timed() -> Iterator[Timing]:
    timing = Timing()
    started = time.perf_counter()
    try:
        yield timing
    finally:
        timing.seconds = time.perf_counter() - started


def peak_memory_mib() -> float:
    """Peak resident memory of this process so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_subprocess(module: str, function: str, **kwargs: Any) -> dict[str, Any]:
    """Run ``module.function(**kwargs)`` in a fresh Python so its peak memory is its own;
    the function returns a JSON-able dict, to which ``peak_mib`` is added."""
    code = (
        "import json, sys, importlib\n"
        "from benchmarks.common import peak_memory_mib\n"
        f"m = importlib.import_module({module!r})\n"
        f"r = getattr(m, {function!r})(**json.loads(sys.argv[1]))\n"
        "r['peak_mib'] = round(peak_memory_mib(), 1)\n"
        "print('RESULT ' + json.dumps(r))\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [os.getcwd(), env.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", code, json.dumps(kwargs)], env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{module}.{function} failed:\n{done.stderr[-4000:]}")
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line[len("RESULT "):])
    return result


def print_table(title: str, rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    columns = list(rows[0]) if rows else []
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(_fmt(row.get(column)) for column in columns))
    Console(width=140).print(table)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def run_main(main: Callable[[], None]) -> None:
    if "--json" in sys.argv:
        os.environ["BENCH_JSON"] = "1"
    main()


def emit_json(payload: dict[str, Any]) -> None:
    if os.environ.get("BENCH_JSON") == "1":
        print(json.dumps(payload))
