"""Benchmark: quota allocation and target monitoring at company scale, against bare baselines.

    python -m benchmarks.targets [--reps 10000]

- **Allocation**: a yearly company quota over ``--reps`` reps, with a learned seasonality
  profile, new hires on a ramp and part-timers, by historical share
  (``allocate_top_down``), against the bare baseline of one ``core.money.allocate`` call
  over the same reps × 12 months weights (the arithmetic with no structure around it).
  Both are checked to sum to the parent exactly.
- **Monitoring**: ``assess`` (actual, pace, variance, attainment, run rate, trend with its
  interval, status) of one quarterly target per rep on a day 60 days in, from a daily
  series, against the baseline of summing each rep's series (actual to date only).

It prints seconds and per-item figures of each and the ratio; it never fails on time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from decimal import Decimal

from benchmarks.common import emit_json, print_table, run_main, timed


def _inputs(reps: int, seed: int = 5) -> tuple[list, list, dict]:  # type: ignore[type-arg]
    from attain.core.periods import DEFAULT_CALENDAR
    from attain.targets.allocation import Child, ramp_factor

    rng = random.Random(seed)
    year = DEFAULT_CALENDAR.year(2026)
    months = year.months()
    children = []
    for index in range(reps):
        hired = dt.date(2026, rng.randint(1, 12), 1) if index % 10 == 0 else dt.date(2020, 1, 1)
        fte = Decimal("0.5") if index % 7 == 0 else Decimal(1)
        capacity = {month.start: ramp_factor(month, hired) * (fte if month.start >= hired
                                                               else Decimal(0))
                    for month in months}
        children.append(Child(f"E{index:05d}", history=Decimal(rng.randint(50_000, 900_000)),
                              capacity=capacity))
    history = {dt.date(2025, month, 1): Decimal(rng.randint(800, 1200)) for month in
               range(1, 13)}
    series = {child.key: [(dt.date(2026, 1, 1) + dt.timedelta(days=day),
                           Decimal(rng.randint(0, 400_000)) / 100) for day in range(60)]
              for child in children}
    return children, months, {"history": history, "series": series, "year": year}


def allocation(reps: int) -> dict[str, float]:
    from attain.core.money import allocate, sum_money
    from attain.targets.allocation import SeasonalityProfile, allocate_top_down

    children, months, extra = _inputs(reps)
    parent = Decimal(reps * 1_000_000) + Decimal("0.37")
    profile = SeasonalityProfile.learned(extra["history"])
    with timed() as attain_time:
        result = allocate_top_down(parent, extra["year"], children, method="historical",
                                   seasonality=profile)
    weights = [child.history * child.capacity_in(month) for child in children
               for month in months]
    with timed() as base_time:
        parts = allocate(parent, weights)
    assert sum_money(result.amounts().values()) == parent
    assert sum_money(parts) == parent
    return {"attain_s": attain_time.seconds, "baseline_s": base_time.seconds}


def monitoring(reps: int) -> dict[str, float]:
    from attain.core.periods import DEFAULT_CALENDAR
    from attain.targets.monitoring import TargetSpec, assess

    children, _, extra = _inputs(reps)
    quarter = DEFAULT_CALENDAR.quarter(2026, 1)
    as_of = dt.date(2026, 3, 1)
    specs = [TargetSpec("revenue", quarter, Decimal(150_000), owner=child.key)
             for child in children]
    series = extra["series"]
    with timed() as attain_time:
        statuses = [assess(spec, as_of, series[spec.owner]) for spec in specs]
    with timed() as base_time:
        totals = [sum((value for _, value in series[spec.owner]), Decimal(0))
                  for spec in specs]
    assert [status.actual for status in statuses] == totals
    return {"attain_s": attain_time.seconds, "baseline_s": base_time.seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=10_000)
    args = parser.parse_args()
    allocated = allocation(args.reps)
    monitored = monitoring(args.reps)
    rows = [
        {"what": f"allocate a year over {args.reps:,} reps (historical, seasonality, ramp)",
         "attain s": allocated["attain_s"], "baseline s": allocated["baseline_s"],
         "ratio": allocated["attain_s"] / max(allocated["baseline_s"], 1e-9)},
        {"what": f"assess {args.reps:,} quarterly targets (60 days of actuals)",
         "attain s": monitored["attain_s"], "baseline s": monitored["baseline_s"],
         "ratio": monitored["attain_s"] / max(monitored["baseline_s"], 1e-9)},
    ]
    print_table("Targets: allocation and monitoring (baseline: bare allocate / bare sums)", rows)
    emit_json({"reps": args.reps, "allocation": allocated, "monitoring": monitored})


if __name__ == "__main__":
    run_main(main)
