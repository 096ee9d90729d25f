"""Benchmark: statements for every payee of a quarter, and the earnings estimator's latency.

    python -m benchmarks.payouts [--transactions 10000000] [--people 10000] [--keep DIR]
                                 [--estimates 20] [--estimator-only]

The data is the engine benchmark's (benchmarks/engine_data.py: the demo company at scale
over 2026, 30% split deals, marginal tiers, roll-up managers). The engine calculates
FY2026-Q2 once (timed apart: that is the engine's benchmark). Then:

- **statements**: ``iter_statements`` builds every payee's statement of the quarter (every
  line explained in words, headline, attainment) and renders each as CSV, one payee at a
  time. Baseline, in the same run: fetching the same lines with one hand-written DuckDB
  query ordered by payee, the floor of any statement built from them. The statements'
  totals must equal the SQL's total per payee to the cent, or the benchmark fails.
- **one statement**: ``statement`` for 20 payees spread over the company, as the statement
  page asks for it: the first view and the view again (the run's lines kept), medians of
  wall time and process CPU.
- **estimator**: ``estimate`` for a 25,000 deal for reps spread over the company, each
  answered by the engine's one-payee path with and without the deal. The first call of the
  plan in the process (which builds and compiles the calculation) is timed apart from the
  others (which run the compiled SQL). Baseline: one
  hand-written DuckDB query of the same rep's quarter-to-date credited bookings (owner and
  split credit), the least any estimate must read. Median and worst latency are printed.

It never fails on time; it prints the figures and the ratios to the baselines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.common import print_table, timed

PERIOD = "FY2026-Q2"
RUN_ID = "bench-payouts"


def _django(folder: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attain.settings")
    (folder / "var").mkdir(exist_ok=True)
    os.environ["ATTAIN_VAR_DIR"] = str(folder / "var")
    os.environ["ATTAIN_SECRET_KEY"] = os.environ.get("ATTAIN_SECRET_KEY", "bench")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def prepare(folder: Path, transactions: int, people: int) -> dict[str, Any]:
    """Build (or reuse) the data and calculate the quarter once."""
    from attain.core.periods import DEFAULT_CALENDAR
    from attain.engine.calculate import calculate
    from attain.engine.models import CalculationRun, RunStatus
    from attain.engine.run import write_results
    from attain.warehouse import connection
    from benchmarks.engine_data import build, engine_inputs

    url = f"duckdb:///{folder}/bench.duckdb"
    figures: dict[str, Any] = {}
    if not (folder / "inputs.json").exists():
        with timed() as building:
            built = build(folder, transactions, people)
        figures["build_s"] = building.seconds
        figures["transactions"] = built["transactions"]
    os.environ["ATTAIN_WAREHOUSE_URL"] = url
    backend = connection.connect(url)
    period = DEFAULT_CALENDAR.parse(PERIOD)
    if not CalculationRun.objects.filter(run_id=RUN_ID).exists():
        for name in ("results_lines", "results_measures", "results_earnings",
                     "results_credits"):
            if name in backend.list_tables():
                backend.raw_sql(f"DELETE FROM {name} WHERE run_id = '{RUN_ID}'")
        backend.raw_sql("SET memory_limit = '8GB'")  # spill rather than crowd the machine
        with timed() as engine:
            counts = write_results(calculate(backend, engine_inputs(folder), period), RUN_ID,
                                   url=url)
        CalculationRun.objects.create(run_id=RUN_ID, period=period.label,
                                      period_start=period.start, period_end=period.end,
                                      status=RunStatus.SUCCEEDED, counts=counts)
        figures["engine_s"] = engine.seconds
    figures["transactions_total"] = int(backend.table("transactions").count().execute())
    return figures


def statements_benchmark(url: str) -> dict[str, Any]:
    import duckdb

    from attain.payouts.exports import statement_csv
    from attain.payouts.statements import OPERATOR, iter_statements
    from attain.warehouse import connection

    connection.disconnect(url)
    path = url.removeprefix("duckdb:///")
    with timed() as baseline:
        database = duckdb.connect(path, read_only=True)
        table = database.execute(
            "SELECT payee_id, booked_on, transaction_id, tier_no, amount FROM results_lines "
            f"WHERE run_id = '{RUN_ID}' ORDER BY payee_id, booked_on, transaction_id, tier_no"
        ).to_arrow_table()
        sums: dict[str, Decimal] = {}
        for batch in table.to_batches(200_000):
            for payee, amount in zip(batch.column(0).to_pylist(), batch.column(4).to_pylist(),
                                     strict=True):
                sums[payee] = sums.get(payee, Decimal(0)) + amount
        database.close()
    lines = table.num_rows
    payees = 0
    totals: dict[str, Decimal] = {}
    size = 0
    cpu = time.process_time()
    with timed() as built:
        for statement in iter_statements(viewer=OPERATOR, period=PERIOD, url=url):
            payees += 1
            totals[statement.employee_id] = statement.earned
            size += len(statement_csv(statement))
    cpu = time.process_time() - cpu
    disagree = [p for p in sums if totals.get(p) != sums[p]]
    if disagree:
        sys.exit(f"statement totals differ from the SQL for {len(disagree)} payees, "
                 f"e.g. {disagree[:3]}")
    return {"payees": payees, "lines": lines, "statements_s": built.seconds, "cpu_s": cpu,
            "baseline_s": baseline.seconds, "csv_mib": size / 2**20}


def single_statement_benchmark(url: str, count: int = 20) -> dict[str, Any]:
    """The statement page's service: one payee's statement, first view (compiled queries
    run, lines explained) and second view (the run's lines kept), for payees spread over
    the company; wall time and process CPU (the machine is shared), medians."""
    from attain.payouts.statements import OPERATOR, statement
    from attain.warehouse import connection

    backend = connection.connect(url)
    lines = backend.table("results_lines")
    payees = sorted(lines.filter(lines.run_id == RUN_ID).select("payee_id").distinct()
                    .execute()["payee_id"])
    chosen = payees[:: max(1, len(payees) // count)][:count]
    statement(viewer=OPERATOR, employee_id=payees[-1], period=PERIOD, url=url)  # imports
    timings: dict[str, list[float]] = {"first": [], "first_cpu": [], "again": [],
                                       "again_cpu": []}
    sizes = []
    for payee in chosen:
        for name in ("first", "again"):
            cpu, started = time.process_time(), time.perf_counter()
            found = statement(viewer=OPERATOR, employee_id=payee, period=PERIOD, url=url)
            timings[name].append(time.perf_counter() - started)
            timings[f"{name}_cpu"].append(time.process_time() - cpu)
        sizes.append(len(found.lines))
    return {"payees": len(chosen), "lines_median": statistics.median(sizes),
            **{name: statistics.median(values) for name, values in timings.items()}}


def estimator_benchmark(folder: Path, url: str, count: int) -> dict[str, Any]:
    import duckdb

    from attain.core.periods import DEFAULT_CALENDAR
    from attain.payouts.estimator import estimate
    from attain.payouts.statements import OPERATOR
    from attain.warehouse import connection
    from benchmarks.engine_data import engine_inputs

    inputs = engine_inputs(folder)
    period = DEFAULT_CALENDAR.parse(PERIOD)
    reps = sorted({a.person_id for a in inputs.assignments if a.plan_code == "bench-ae"
                   and a.valid_from <= period.start
                   and (a.valid_to is None or a.valid_to >= period.end)})
    chosen = reps[:: max(1, len(reps) // count)][:count]
    backend = connection.connect(url)
    product = backend.table("products").order_by("product_id").limit(1).execute()[
        "product_id"][0]
    day = dt.date(2026, 5, 20)
    # The first call of a plan and period in a process builds and compiles the one-payee
    # calculation; every later one (any rep on the plan, any deal) runs the compiled SQL.
    first = next((rep for rep in reps if rep not in chosen), chosen[0])
    started = time.perf_counter()
    estimate(viewer=OPERATOR, employee_id=first, amount="25000", booked_on=day,
             product_id=product, url=url, inputs=inputs)
    cold = time.perf_counter() - started
    latencies = []
    marginal = []
    for rep in chosen:
        started = time.perf_counter()
        found = estimate(viewer=OPERATOR, employee_id=rep, amount="25000", booked_on=day,
                         product_id=product, url=url, inputs=inputs)
        latencies.append(time.perf_counter() - started)
        marginal.append(found.marginal_payout)
    connection.disconnect(url)
    database = duckdb.connect(url.removeprefix("duckdb:///"), read_only=True)
    baseline = []
    for rep in chosen:
        started = time.perf_counter()
        database.execute(
            "SELECT sum(t.amount * coalesce(s.share, 1)) FROM transactions t "
            "LEFT JOIN splits s ON s.opportunity_id = t.opportunity_id "
            "AND s.split_type = 'revenue' "
            "WHERE t.booked_on BETWEEN DATE '2026-04-01' AND DATE '2026-05-20' "
            "AND (s.person_id = ? OR (s.person_id IS NULL AND t.owner_id = ?))",
            [rep, rep]).fetchall()
        baseline.append(time.perf_counter() - started)
    database.close()
    return {"estimates": len(latencies), "cold_s": cold,
            "median_s": statistics.median(latencies),
            "worst_s": max(latencies), "baseline_median_s": statistics.median(baseline),
            "marginal_min": str(min(marginal)), "marginal_max": str(max(marginal))}


def run_in(folder: Path, args: argparse.Namespace) -> None:
    _django(folder)
    figures = prepare(folder, args.transactions, args.people)
    url = f"duckdb:///{folder}/bench.duckdb"
    if args.estimator_only:
        guessed = estimator_benchmark(folder, url, args.estimates)
        print(f"{figures['transactions_total']:,} transactions; estimator, first call of the "
              f"plan (builds and compiles) {guessed['cold_s']:.2f} s; then median of "
              f"{guessed['estimates']} {guessed['median_s']:.2f} s, worst "
              f"{guessed['worst_s']:.2f} s; baseline query median "
              f"{guessed['baseline_median_s']:.3f} s. Estimates ranged "
              f"{guessed['marginal_min']}–{guessed['marginal_max']}.")
        return
    made = statements_benchmark(url)
    single = single_statement_benchmark(url)
    guessed = estimator_benchmark(folder, url, args.estimates)
    print(f"{figures['transactions_total']:,} transactions; {made['payees']:,} statements, "
          f"{made['lines']:,} lines in {PERIOD}"
          + (f"; data built in {figures['build_s']:.0f} s" if "build_s" in figures else "")
          + (f"; engine run {figures['engine_s']:.0f} s" if "engine_s" in figures else ""))
    print_table(f"Payouts at {figures['transactions_total']:,} transactions", [
        {"measure": "statements for every payee (explained, as CSV)",
         "seconds": f"{made['statements_s']:.1f} (CPU {made['cpu_s']:.1f})",
         "baseline s": f"{made['baseline_s']:.1f}",
         "÷ baseline": f"{made['statements_s'] / made['baseline_s']:.1f}×"},
        {"measure": f"one statement, first view (median of {single['payees']}, "
                    f"{single['lines_median']:.0f} lines)",
         "seconds": f"{single['first']:.3f} (CPU {single['first_cpu']:.3f})",
         "baseline s": "", "÷ baseline": ""},
        {"measure": "one statement, viewed again", "seconds":
         f"{single['again']:.3f} (CPU {single['again_cpu']:.3f})", "baseline s": "",
         "÷ baseline": ""},
        {"measure": f"estimator, median of {guessed['estimates']}",
         "seconds": f"{guessed['median_s']:.2f}",
         "baseline s": f"{guessed['baseline_median_s']:.3f}",
         "÷ baseline": f"{guessed['median_s'] / guessed['baseline_median_s']:.0f}×"},
        {"measure": "estimator, worst", "seconds": f"{guessed['worst_s']:.2f}",
         "baseline s": "", "÷ baseline": ""},
        {"measure": "estimator, first call of the plan (builds and compiles)",
         "seconds": f"{guessed['cold_s']:.2f}", "baseline s": "", "÷ baseline": ""},
    ])
    print(f"statements: {made['payees'] / made['statements_s']:,.0f} payees/s, "
          f"{made['lines'] / made['statements_s']:,.0f} lines/s, {made['csv_mib']:.0f} MiB of "
          f"CSV; totals agree with the SQL to the cent. Estimates ranged "
          f"{guessed['marginal_min']}–{guessed['marginal_max']}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transactions", type=int, default=10_000_000)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--estimates", type=int, default=20)
    parser.add_argument("--estimator-only", action="store_true",
                        help="skip the statements (on data built by an earlier --keep run)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="build the data in DIR and keep it; reuse it if already built")
    args = parser.parse_args()
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        run_in(args.keep.resolve(), args)
        return
    with tempfile.TemporaryDirectory(prefix="attain-payouts-bench-") as folder:
        run_in(Path(folder), args)


if __name__ == "__main__":
    main()
