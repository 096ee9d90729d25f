"""Benchmark: Attain's calculation engine against the same calculation written by hand.

    python -m benchmarks.engine [--transactions 10000000] [--people 10000] [--keep DIR]
                                [--only attain,sql,pandas,polars] [--repeat N]
                                [--memory-limit 12GB]

The demo company at scale (benchmarks/engine_data.py): N transactions over the 12 months of
2026, revenue splits on 30% of deals, payees paid in their own currency, quarterly quotas,
reps on marginal tiers (4% / 8% from 100% / 10% from 150% of quota), managers, directors
and the VP on 1% of their teams' roll-up. Every implementation credits, converts, tiers and
writes one earning line per credited row and tier crossed, plus the total per payee ×
component × quarter:

- Attain: ``calculate()`` and ``write_results()`` (Ibis on DuckDB; writes its four result
  tables, lines with all 37 columns, into the warehouse file);
- raw SQL, the baseline: one hand-written DuckDB statement in BIGINT units writing the
  lines (10 columns) into the warehouse file, and one for the totals;
- pandas (vectorised) and polars (lazy), reading the warehouse through Arrow and writing
  their lines and totals to Parquet files;
- optionally (``--only …,sql_decimal``) the raw SQL again in Attain's DECIMAL(38, _) types,
  which shows what that arithmetic costs in DuckDB.

The hand-written versions are in benchmarks/engine_alternatives.py. Each implementation runs
alone in a fresh Python, so its peak memory is its own; the data is built once (timed apart;
``--keep DIR`` keeps it for the next run). Then every implementation's lines (key columns
and amount) and totals must equal Attain's to the cent, or the benchmark prints the first
differing rows and exits non-zero. It never fails on time: it prints wall time, the
process's CPU time (all threads; steadier than wall time when other jobs share the machine),
peak memory and both ratios to the raw SQL.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import in_subprocess, print_table, timed

IMPLEMENTATIONS = ("attain", "sql", "pandas", "polars", "sql_decimal")
DEFAULT = ("attain", "sql", "pandas", "polars")
LABELS = {"attain": "Attain engine (Ibis → DuckDB)", "sql": "raw DuckDB SQL, BIGINT (baseline)",
          "pandas": "pandas, vectorised", "polars": "polars, lazy",
          "sql_decimal": "raw DuckDB SQL, DECIMAL like Attain"}
COMPONENTS = {"bench-ae": "bookings", "bench-manager": "team"}


def _django(folder: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attain.settings")
    os.environ.setdefault("ATTAIN_VAR_DIR", str(folder / "var"))
    import django

    django.setup()


def build_data(folder: str, transactions: int, people: int) -> dict[str, Any]:
    """Generate and load the data (in its own process), then write the small inputs."""
    path = Path(folder)
    _django(path)
    from benchmarks.engine_data import build

    with timed() as building:
        built = build(path, transactions, people)
    return {"seconds": building.seconds, **{k: v for k, v in built.items() if k != "url"}}


def prepare_inputs(folder: str) -> dict[str, Any]:
    """Attain's EngineInputs for this data, as three small Parquet files the hand-written
    versions read: one row per assigned person (component, dates, pay currency), the
    reporting lines and the quota rows. Untimed, like building EngineInputs for Attain."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(folder)
    _django(path)
    from benchmarks.engine_alternatives import plan_spec
    from benchmarks.engine_data import engine_inputs

    inputs = engine_inputs(path)
    people = [a.person_id for a in inputs.assignments]
    if len(people) != len(set(people)):
        raise ValueError("the benchmark expects one plan assignment per person")
    pq.write_table(pa.table({
        "person_id": pa.array(people, pa.string()),
        "component": pa.array([COMPONENTS[a.plan_code] for a in inputs.assignments]),
        "a_from": pa.array([a.valid_from for a in inputs.assignments], pa.date32()),
        "a_to": pa.array([a.valid_to for a in inputs.assignments], pa.date32()),
        "currency": pa.array([a.currency for a in inputs.assignments], pa.string()),
    }), path / "people.parquet")
    lines = inputs.reporting_lines
    pq.write_table(pa.table({
        "person_id": pa.array([r[0] for r in lines], pa.string()),
        "manager_id": pa.array([r[1] for r in lines], pa.string()),
        "depth": pa.array([r[2] for r in lines], pa.int32()),
        "valid_from": pa.array([r[3] for r in lines], pa.date32()),
        "valid_to": pa.array([r[4] for r in lines], pa.date32()),
    }), path / "reporting.parquet")
    quotas = inputs.quotas
    pq.write_table(pa.table({
        "person_id": pa.array([q.person_id for q in quotas], pa.string()),
        "metric": pa.array([q.metric for q in quotas], pa.string()),
        "q_start": pa.array([q.start for q in quotas], pa.date32()),
        "q_end": pa.array([q.end for q in quotas], pa.date32()),
        "amount_cents": pa.array([int(q.amount * 100) for q in quotas], pa.int64()),
    }), path / "quotas.parquet")
    return {"assigned": len(people), "reporting_lines": len(lines), "quota_rows": len(quotas),
            "spec": plan_spec()}


def attain_run(folder: str, memory_limit: str | None = None) -> dict[str, Any]:
    """Attain's engine: time from calculate() to the results written in the warehouse."""
    path = Path(folder)
    _django(path)
    from attain.core.periods import DEFAULT_CALENDAR
    from attain.engine.calculate import calculate
    from attain.engine.run import RESULT_TABLES, write_results
    from attain.warehouse import connection
    from benchmarks.engine_data import engine_inputs

    url = f"duckdb:///{path}/bench.duckdb"
    inputs = engine_inputs(path)
    period = DEFAULT_CALENDAR.parse("FY2026")
    backend = connection.connect(url)
    if memory_limit:  # the same DuckDB setting as the raw SQL gets; Attain's code unchanged
        backend.raw_sql(f"SET memory_limit = '{memory_limit}'")
    for name in RESULT_TABLES:  # a clean slate when the data folder is reused
        backend.drop_table(name, force=True)
    backend.raw_sql("CHECKPOINT")
    marks: list[tuple[str, float]] = []

    def progress(text: str) -> None:
        marks.append((text, time.perf_counter()))

    cpu_started = time.process_time()
    with timed() as run:
        progress("building the calculation")
        calculation = calculate(connection.connect(url), inputs, period)
        counts = write_results(calculation, "bench", url=url, progress=progress)
    cpu = time.process_time() - cpu_started
    marks.append(("end", marks[0][1] + run.seconds))
    connection.disconnect(url)
    stages = {text: round(later - at, 2)
              for (text, at), (_next, later) in itertools.pairwise(marks)}
    return {"seconds": run.seconds, "cpu_seconds": cpu, "lines": counts["results_lines"],
            "output": "DuckDB tables (4)", "stages": stages}


def _run(name: str, folder: Path, spec: dict[str, Any], memory_limit: str | None
         ) -> dict[str, Any]:
    if name == "attain":
        return in_subprocess("benchmarks.engine", "attain_run", folder=str(folder),
                             memory_limit=memory_limit)
    extra = {"memory_limit": memory_limit} if name.startswith("sql") else {}
    return in_subprocess("benchmarks.engine_alternatives", f"{name}_version",
                         folder=str(folder), spec=spec, **extra)


# --- agreement --------------------------------------------------------------------------------

KEYS = ("payee_id", "component", "period_start", "booked_on", "transaction_id", "credit_rule",
        "via_person", "depth", "tier_no")
TOTAL_KEYS = ("payee_id", "component", "period_start")


def _lines_query(name: str, folder: Path) -> str:
    keys = ", ".join(KEYS)
    if name == "attain":
        return (f"SELECT {keys.replace('component', 'component_id AS component')}, "
                "CAST(amount * 100 AS BIGINT) AS cents FROM results_lines "
                "WHERE run_id = 'bench'")
    if name.startswith("sql"):
        return f"SELECT {keys}, amount_cents AS cents FROM {name}_lines"
    return (f"SELECT {keys}, amount_cents AS cents "
            f"FROM read_parquet('{folder / f'{name}_lines.parquet'}')")


def _totals_query(name: str, folder: Path) -> str:
    keys = ", ".join(TOTAL_KEYS)
    if name == "attain":
        return ("SELECT payee_id, component_id AS component, period_start, "
                "CAST(amount * 100 AS BIGINT) AS cents FROM results_earnings "
                "WHERE run_id = 'bench'")
    if name.startswith("sql"):
        return f"SELECT {keys}, amount_cents AS cents FROM {name}_totals"
    return (f"SELECT {keys}, amount_cents AS cents "
            f"FROM read_parquet('{folder / f'{name}_totals.parquet'}')")


def compare(folder: Path, names: list[str], memory_limit: str | None = None) -> list[str]:
    """Every implementation's lines and totals against the reference's (Attain's when it
    ran), as multisets: rows counted +1 on one side and -1 on the other, grouped by every
    column, must all net to zero. Returns the problems found, with the first rows."""
    import duckdb

    connection = duckdb.connect(str(folder / "bench.duckdb"), read_only=True)
    connection.execute("SET enable_progress_bar = false")
    if memory_limit:
        connection.execute(f"SET memory_limit = '{memory_limit}'")
    reference, others = names[0], names[1:]
    problems = []
    for other in others:
        for what, query in (("lines", _lines_query), ("totals", _totals_query)):
            differing = connection.execute(f"""
                WITH sides AS (SELECT *, 1 AS side FROM ({query(reference, folder)})
                               UNION ALL
                               SELECT *, -1 AS side FROM ({query(other, folder)})),
                     netted AS (SELECT * EXCLUDE (side), SUM(side)::BIGINT AS surplus
                                FROM sides GROUP BY ALL)
                SELECT *, count(*) OVER () AS differing FROM netted WHERE surplus <> 0
                ORDER BY ALL LIMIT 20""").df()
            if len(differing):
                count = int(differing["differing"].iloc[0])
                shown = differing.drop(columns="differing").rename(
                    columns={"surplus": f"+{reference}/-{other}"})
                problems.append(f"{what}: {count:,} rows differ between {reference} and "
                                f"{other} (+1: only in {reference}, -1: only in {other}); "
                                f"first:\n{shown.to_string()}")
    connection.close()
    return problems


# --- main -------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transactions", type=int, default=10_000_000)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, default=None,
                        help="build the data in DIR and keep it; reuse it if already built")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each implementation N times; report the fastest")
    parser.add_argument("--memory-limit", default=None, metavar="SIZE",
                        help="DuckDB memory_limit (e.g. 12GB) for Attain, the raw SQL and the "
                        "check, to stay safe on a shared machine (default: DuckDB's 80%% of RAM)")
    parser.add_argument("--only", default=",".join(DEFAULT),
                        help="which to run, of " + ", ".join(IMPLEMENTATIONS)
                        + " (the first is the reference the others must equal)")
    args = parser.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    if unknown := set(names) - set(IMPLEMENTATIONS):
        parser.error(f"unknown implementations: {', '.join(sorted(unknown))}")
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        run_in(args.keep.resolve(), args, names)
    else:
        with tempfile.TemporaryDirectory(prefix="attain-engine-bench-") as folder:
            run_in(Path(folder), args, names)


def run_in(folder: Path, args: argparse.Namespace, names: list[str]) -> None:
    if (folder / "bench.duckdb").exists() and (folder / "inputs.json").exists():
        print(f"reusing the data in {folder}", flush=True)
        built = None
    else:
        print(f"building {args.transactions:,} transactions, {args.people:,} people in "
              f"{folder} …", flush=True)
        built = in_subprocess("benchmarks.engine", "build_data", folder=str(folder),
                              transactions=args.transactions, people=args.people)
        print(f"built in {built['seconds']:.1f} s (peak {built['peak_mib']:,.0f} MiB)",
              flush=True)
    spec = in_subprocess("benchmarks.engine", "prepare_inputs", folder=str(folder))["spec"]
    sizes = _sizes(folder)
    results: dict[str, dict[str, Any]] = {}
    runs: dict[str, list[float]] = {}
    for name in names:
        for _ in range(args.repeat):
            print(f"running {LABELS[name]} …", flush=True)
            result = _run(name, folder, spec, args.memory_limit)
            print(f"  {result['seconds']:.1f} s ({result['cpu_seconds']:.1f} s of CPU), "
                  f"{result['lines']:,} lines, "
                  f"peak {result['peak_mib']:,.0f} MiB", flush=True)
            runs.setdefault(name, []).append(result["seconds"])
            best = results.get(name)
            if best is None or result["seconds"] < best["seconds"]:
                result["peak_mib"] = max(result["peak_mib"], best["peak_mib"] if best else 0)
                results[name] = result
            else:
                best["peak_mib"] = max(best["peak_mib"], result["peak_mib"])
    print("CPU s: the process's CPU time over the timed part (every thread; steadier than wall "
          "time on a shared machine)")
    print("comparing every implementation's lines and totals …", flush=True)
    with timed() as checking:
        problems = compare(folder, names, args.memory_limit)
    baseline = results.get("sql", {}).get("seconds")
    cpu_baseline = results.get("sql", {}).get("cpu_seconds")
    rows = [{
        "implementation": LABELS[name],
        "wall s": r["seconds"],
        "CPU s": round(r["cpu_seconds"], 2),
        "of which reading s": r.get("read_seconds", ""),
        "peak MiB": r["peak_mib"],
        "lines written": r["lines"],
        "written to": r["output"],
        "÷ raw SQL": f"{r['seconds'] / baseline:.2f}×" if baseline else "",
        "÷ raw SQL, CPU": f"{r['cpu_seconds'] / cpu_baseline:.2f}×" if cpu_baseline else "",
    } for name, r in results.items()]
    print_table(
        f"Engine at {sizes['transactions']:,} transactions ({sizes['splits']:,} revenue "
        f"splits), {sizes['people']:,} people ({sizes['payees']:,} on a plan), 12 months",
        rows)
    if args.repeat > 1:
        print("wall seconds of every run: " + "; ".join(
            f"{name} " + ", ".join(f"{s:.1f}" for s in times) for name, times in runs.items()))
    if args.memory_limit:
        print(f"DuckDB memory_limit = {args.memory_limit} for Attain, the raw SQL and the check")
    print(f"data: {sizes['transactions']:,} transactions, {sizes['splits']:,} revenue splits, "
          f"{sizes['reporting']:,} reporting lines, {sizes['quota_rows']:,} quota rows"
          + (f"; built in {built['seconds']:.1f} s" if built else "; reused"))
    if "stages" in results.get("attain", {}):
        print("Attain's stages (s): " + "; ".join(
            f"{text} {seconds:.1f}" for text, seconds in results["attain"]["stages"].items()))
    print(f"agreement checked in {checking.seconds:.1f} s (lines and per payee × component × "
          f"quarter totals, reference: {LABELS[names[0]]})")
    if problems:
        print("\n\n".join(problems))
        sys.exit(f"DISAGREEMENT: {len(problems)} comparison(s) differ; the figures above "
                 "are of wrong results")
    print(f"all {len(names)} implementations agree to the cent on every line and total")


def _sizes(folder: Path) -> dict[str, int]:
    import duckdb
    import pyarrow.parquet as pq

    connection = duckdb.connect(str(folder / "bench.duckdb"), read_only=True)
    transactions = connection.execute("SELECT count(*) FROM transactions").fetchall()[0][0]
    splits = connection.execute(
        "SELECT count(*) FROM splits WHERE split_type = 'revenue'").fetchall()[0][0]
    connection.close()
    import json

    people = len(json.loads((folder / "inputs.json").read_text())["people"])
    return {"transactions": transactions, "splits": splits, "people": people,
            "payees": pq.read_metadata(folder / "people.parquet").num_rows,
            "reporting": pq.read_metadata(folder / "reporting.parquet").num_rows,
            "quota_rows": pq.read_metadata(folder / "quotas.parquet").num_rows}


if __name__ == "__main__":
    main()
