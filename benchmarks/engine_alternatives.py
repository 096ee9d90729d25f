"""The engine benchmark's baselines: the same calculation written by hand.

Each reads the same warehouse file (``bench.duckdb``) and the same small inputs written
beside it by :func:`benchmarks.engine.prepare_inputs` from Attain's own ``EngineInputs``
(people with their plan, dates and currency; effective-dated reporting lines; quota rows),
and writes the same outputs: one earning line per credited row and tier it crosses, and the
total per payee × component × quarter. Amounts are written as integer cents.

- :func:`sql_version` (the baseline): one hand-written DuckDB statement (CTEs, window
  functions, BIGINT arithmetic in the units below; DuckDB raises on any BIGINT overflow)
  writing the lines into a table of the warehouse file, as Attain does, and one more for
  the totals. :func:`sql_decimal_version` is the same in Attain's DECIMAL(38, _) types with
  DuckDB's ROUND (half away from zero), to show what that arithmetic costs.
- :func:`pandas_version`: pandas and NumPy, vectorised (merges, sort, groupby cumsum, array
  arithmetic; no Python loop over rows), ids as integer codes, money in int64 units.
- :func:`polars_version`: polars, lazy (streamed into the Parquet sinks), int64 units up to
  the value, Int128 for running totals and tier arithmetic.

The data-frame versions write their lines and totals to Parquet files (snappy): the natural
output of a data-frame job, and no cheaper than a DuckDB table.

The calculation (what Attain's engine does for the two benchmark plans,
src/attain/engine/calculate.py ``_commission_lines``, credit.py, prepare.py):

1. Transactions booked in the plan year.
2. Direct credit: the deal's revenue splits (each person their share, ``via`` the owner),
   or else the owner, share 1. Roll-up: every manager above a directly credited person on
   the booking day (any depth) gets the same share, ``via`` that person.
3. A credit counts when its payee is on a plan that day: reps on the AE plan (direct
   credit), managers, directors and the VP on the manager plan (roll-up credit).
4. The amount converted to the payee's currency at the booking day's rate (latest rate on
   or before it, through USD), rounded half away from zero to the cent, times the share.
5. Per payee × component × quarter, rows ordered by (booked_on, transaction_id,
   credit_rule, via_person, depth) make a running total; each row covers the stretch
   [cum_before, cum_after], cut at the tier bounds (tier × quarterly quota), one line per
   tier; a line earns round(F(end)) − round(F(start)) where F is the earnings schedule
   (marginal tiers; the first extends below zero). No quota: one line of 0 per row. The
   manager plan is one flat rate on the roll-up value.

Exact money in integers. Units are chosen from the data and the plans so every quantity is
an exact integer (:class:`Units`); each version stops with an error rather than overflow:

- amounts in cents; FX factors in 1e-16 (a rate has 8 places, a cross rate through USD 16);
  the conversion ``round(cents × factor / 1e16)`` works on the factor split in two halves of
  1e8, so no product exceeds |cents| × max(1e8, factor / 1e8) (checked before converting);
- shares with ``d`` places (the fewest that hold every share: 1 in this data), tier bounds
  with ``g`` places (1), rates with ``e`` places (2): values and running totals in units of
  10^-(2 + k) with k = max(d, g), earnings in 10^-(2 + k + e). With this data the largest
  running total is ≈ 6.4e13 units (the VP's biggest quarter at 10M transactions: $64bn in
  10^-3) and the largest earnings figure below 1e15, far inside int64 (9.2e18). pandas
  checks the sum of |value| (bounding every running total) and the largest running total
  times the largest rate before using them; the SQL relies on DuckDB's overflow errors;
  polars needs only the conversion check.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

INT64_SAFE = 2**62
"""Every integer the data-frame versions compute must stay below this (int64 is 2^63)."""
INF = 2**62
"""Stands for an unbounded tier bound in int64 arithmetic (never multiplied)."""
RULE_CODES = {"owner": 0, "rollup": 1, "split": 2}
"""Credit rules as integers in their alphabetical order (lines are ordered by rule)."""
FOREVER = dt.date(9999, 12, 31)


# --- the plans, as plain data -----------------------------------------------------------

def plan_spec() -> dict[str, Any]:
    """The two benchmark plans as JSON-able data (from benchmarks/engine_data.py)."""
    from benchmarks.engine_data import MANAGER_RATE, TIERS, YEAR_END, YEAR_START

    tiers = []
    for number, (lower, rate) in enumerate(TIERS):
        upper = TIERS[number + 1][0] if number + 1 < len(TIERS) else None
        tiers.append([None if number == 0 else str(lower),
                      None if upper is None else str(upper), str(rate)])
    return {"year_start": YEAR_START.isoformat(), "year_end": YEAR_END.isoformat(),
            "ae_component": "bookings", "manager_component": "team",
            "quota_metric": "bookings", "tiers": tiers, "manager_rate": str(MANAGER_RATE)}


def _places(values: list[Decimal]) -> int:
    """The fewest decimal places that hold every value exactly."""
    return max((max(0, -int(v.normalize().as_tuple().exponent)) for v in values if v),
               default=0)


@dataclass(frozen=True)
class Units:
    """Integer units for the data-frame versions (see the module docstring)."""

    k: int
    share_div: int
    """share in micro-units (6 places) // share_div = share in 10^-d."""
    share_mul: int
    """value = cents × share_int × share_mul, in 10^-(2 + k)."""
    bound_mul: int
    """bound = tier factor_int × quota cents × bound_mul, in 10^-(2 + k)."""
    cents_div: int
    """earnings (10^-(2 + k + e)) // cents_div = cents."""
    tiers: list[tuple[int | None, int | None, int, int]]
    """(lower factor_int or None, upper factor_int or None, rate_int, f0 per bound unit)."""
    manager_rate: int

    @staticmethod
    def choose(spec: dict[str, Any], share_digits: int) -> Units:
        tiers = [(None if lo is None else Decimal(lo), None if hi is None else Decimal(hi),
                  Decimal(rate)) for lo, hi, rate in spec["tiers"]]
        manager_rate = Decimal(spec["manager_rate"])
        g = _places([b for lo, hi, _r in tiers for b in (lo, hi) if b is not None])
        e = _places([r for _lo, _hi, r in tiers] + [manager_rate])
        d = share_digits
        k = max(d, g)
        int_tiers = []
        f0 = 0
        for lo, hi, rate in tiers:
            lo_int = None if lo is None else int(lo * 10**g)
            hi_int = None if hi is None else int(hi * 10**g)
            rate_int = int(rate * 10**e)
            int_tiers.append((lo_int, hi_int, rate_int, f0))
            if hi_int is not None:
                f0 += (hi_int - (lo_int or 0)) * rate_int
        return Units(k=k, share_div=10 ** (6 - d), share_mul=10 ** (k - d),
                     bound_mul=10 ** (k - g), cents_div=10 ** (k + e), tiers=int_tiers,
                     manager_rate=int(manager_rate * 10**e))

    def check_conversion(self, max_cents: int, max_factor: int) -> None:
        """Stop unless converting (and valuing) amounts up to ``max_cents`` at factors up
        to ``max_factor`` (1e-16) stays inside int64."""
        worst = {"conversion": max_cents * max(max_factor // 10**8, 10**8),
                 "value": max_cents * (max_factor // 10**16 + 1) * 10**6 // self.share_div
                 * self.share_mul}
        self._refuse(worst)

    def check_sum(self, absolute_sum: float) -> None:
        """Stop unless the sum of |value| over all rows (in float, an upper bound of every
        running total) stays inside int64."""
        self._refuse({"running total": absolute_sum})

    def check_tiers(self, max_running: int, max_quota: int) -> None:
        """Stop unless running totals up to ``max_running`` and tier bounds of quotas up to
        ``max_quota`` cents keep every earnings figure inside int64."""
        max_rate = max([r for _lo, _hi, r, _f in self.tiers] + [self.manager_rate])
        max_factor = max((hi or lo or 0) for lo, hi, _r, _f in self.tiers)
        bound = max_factor * max_quota * self.bound_mul
        f0 = max(f for _lo, _hi, _r, f in self.tiers) * max_quota * self.bound_mul
        self._refuse({"tier bound": bound,
                      "earnings": (max(max_running, bound) * 2 + 1) * max_rate + f0})

    @staticmethod
    def _refuse(worst: Mapping[str, float]) -> None:
        for what, size in worst.items():
            if size >= INT64_SAFE:
                raise OverflowError(f"{what} may reach {size:.3g} units, beyond int64: "
                                    "choose coarser units for this data")


def share_places(share_micro: Any) -> int:
    """Places needed by shares given in micro-units (a NumPy array)."""
    import numpy as np

    for d in range(7):
        if not np.any(share_micro % 10 ** (6 - d)):
            return d
    return 6


def _inputs(folder: Path) -> dict[str, Path]:
    return {name: folder / f"{name}.parquet" for name in ("people", "reporting", "quotas")}


# --- (a) one hand-written DuckDB SQL ----------------------------------------------------

def _sql_common(folder: Path, spec: dict[str, Any], money: str, share: str) -> str:
    """The CTEs both SQL flavours share: inputs, FX legs, credit and plan assignment.
    ``money``/``share``: how a transaction's amount and a split's share are carried."""
    files = _inputs(folder)
    ae, mgr = spec["ae_component"], spec["manager_component"]
    first, last = f"DATE '{spec['year_start']}'", f"DATE '{spec['year_end']}'"
    return f"""
people AS (SELECT * FROM read_parquet('{files["people"]}')),
reporting AS (SELECT * FROM read_parquet('{files["reporting"]}')),
days AS (SELECT d::DATE AS day FROM range({first}, {last} + 1, INTERVAL 1 DAY) t(d)),
quarters AS (
    SELECT DISTINCT date_trunc('quarter', day)::DATE AS q_start,
           (date_trunc('quarter', day) + INTERVAL 3 MONTH - INTERVAL 1 DAY)::DATE AS q_end
    FROM days),
quota AS (  -- the quarter's quota: the payee's quota rows lying within it
    SELECT q.person_id, '{ae}' AS component, p.q_start,
           SUM(q.amount_cents)::BIGINT AS quota_cents
    FROM read_parquet('{files["quotas"]}') q
    JOIN quarters p ON p.q_start <= q.q_start AND q.q_end <= p.q_end
    WHERE q.metric = '{spec["quota_metric"]}'
    GROUP BY ALL),
-- FX: every day and currency, the latest rate on or before the day, to and from USD
ccys AS (SELECT from_currency AS ccy FROM fx_rates UNION SELECT to_currency FROM fx_rates),
grid AS (SELECT day, ccy FROM days CROSS JOIN ccys),
to_usd AS (
    SELECT g.day, g.ccy, r.rate
    FROM grid g ASOF LEFT JOIN (SELECT rate_date, from_currency, rate FROM fx_rates
                                WHERE to_currency = 'USD') r
      ON r.from_currency = g.ccy AND r.rate_date <= g.day),
from_usd AS (
    SELECT g.day, g.ccy, r.rate
    FROM grid g ASOF LEFT JOIN (SELECT rate_date, to_currency, rate FROM fx_rates
                                WHERE from_currency = 'USD') r
      ON r.to_currency = g.ccy AND r.rate_date <= g.day),
-- credit: the owner, or each revenue split; roll-ups to every manager above, any depth
tx AS (
    SELECT transaction_id, opportunity_id, owner_id, booked_on, currency, {money} AS money
    FROM transactions WHERE booked_on BETWEEN {first} AND {last}),
rev AS (SELECT opportunity_id, person_id, {share} AS share FROM splits
        WHERE split_type = 'revenue'),
direct AS (
    SELECT transaction_id, booked_on, currency, money, owner_id AS payee_id,
           'owner' AS credit_rule, {{one}} AS share, NULL::VARCHAR AS via_person, 0 AS depth
    FROM tx ANTI JOIN rev ON rev.opportunity_id = tx.opportunity_id
    UNION ALL
    SELECT t.transaction_id, t.booked_on, t.currency, t.money, r.person_id, 'split', r.share,
           t.owner_id, 0
    FROM tx t JOIN rev r ON r.opportunity_id = t.opportunity_id),
credited AS (  -- counted when the payee is on the plan paying that credit, that day
    SELECT d.*, '{ae}' AS component, p.currency AS pay_currency
    FROM direct d
    JOIN people p ON p.person_id = d.payee_id AND p.component = '{ae}'
     AND d.booked_on BETWEEN p.a_from AND coalesce(p.a_to, DATE '9999-12-31')
    UNION ALL
    SELECT d.transaction_id, d.booked_on, d.currency, d.money, l.manager_id, 'rollup',
           d.share, d.payee_id, l.depth, '{mgr}', p.currency
    FROM direct d
    JOIN reporting l ON l.person_id = d.payee_id
     AND d.booked_on BETWEEN l.valid_from AND coalesce(l.valid_to, DATE '9999-12-31')
    JOIN people p ON p.person_id = l.manager_id AND p.component = '{mgr}'
     AND d.booked_on BETWEEN p.a_from AND coalesce(p.a_to, DATE '9999-12-31')),"""


def _sql_integer(folder: Path, spec: dict[str, Any], units: Units) -> str:
    """The baseline: BIGINT in the units of :class:`Units` (DuckDB stops with an error on
    any BIGINT overflow, so a result is never silently wrong). Integer division truncates
    toward zero in DuckDB, so n / d rounded half away from zero is
    sign(n) × ((|n| + d/2) // d) (d is 1 or even)."""
    ae, mgr = spec["ae_component"], spec["manager_component"]
    tiers = []
    for number, (lo, hi, rate, f0) in enumerate(units.tiers, start=1):
        tiers.append(f"('{ae}', 'quota', {number}, {'NULL' if lo is None else lo}, "
                     f"{'NULL' if hi is None else hi}, {rate}, {f0})")
    tiers.append(f"('{ae}', 'none', NULL, NULL, NULL, 0, 0)")
    tiers.append(f"('{mgr}', 'flat', 1, NULL, NULL, {units.manager_rate}, 0)")
    d = units.cents_div
    half = d // 2

    def cents(n: str) -> str:
        return f"sign({n}) * ((abs({n}) + {half}) // {d})"

    common = _sql_common(folder, spec, money="(amount * 100)::BIGINT",
                         share=f"(share * {10**6 // units.share_div})::BIGINT").replace(
        "{one}", f"{10**6 // units.share_div}")
    return f"""
CREATE OR REPLACE TABLE sql_lines AS
WITH
{common}
tiers(component, band, tier_no, lo, hi, rate, f0) AS (
    SELECT component, band, tier_no::INTEGER, lo::BIGINT, hi::BIGINT, rate::BIGINT,
           f0::BIGINT
    FROM (VALUES {", ".join(tiers)}) v(component, band, tier_no, lo, hi, rate, f0)),
fx AS (  -- factors in 1e-16
    SELECT a.day, a.ccy AS from_ccy, b.ccy AS to_ccy,
           CASE WHEN a.ccy = b.ccy THEN 10000000000000000
                WHEN a.ccy = 'USD' THEN (b.rate * 100000000)::BIGINT * 100000000
                WHEN b.ccy = 'USD' THEN (a.rate * 100000000)::BIGINT * 100000000
                ELSE (a.rate * 100000000)::BIGINT * (b.rate * 100000000)::BIGINT
           END AS factor
    FROM to_usd a JOIN from_usd b ON a.day = b.day),
converted AS (  -- round(cents × factor / 1e16), the factor split in halves of 1e8
    SELECT c.payee_id, c.component, date_trunc('quarter', c.booked_on)::DATE AS period_start,
           c.booked_on, c.transaction_id, c.credit_rule, c.via_person, c.depth, c.share,
           c.money AS cents, abs(c.money) * (f.factor // 100000000) AS up,
           abs(c.money) * (f.factor % 100000000) AS down
    FROM credited c
    JOIN fx f ON f.day = c.booked_on AND f.from_ccy = c.currency AND f.to_ccy = c.pay_currency),
valued AS (
    SELECT * EXCLUDE (cents, up, down, share),
           sign(cents) * (up // 100000000 + ((up % 100000000) * 100000000 + down
                                             + 5000000000000000) // 10000000000000000)
           * share * {units.share_mul} AS value
    FROM converted),
running AS (
    SELECT *, (SUM(value) OVER (
        PARTITION BY payee_id, component, period_start
        ORDER BY booked_on, transaction_id, credit_rule, via_person NULLS LAST, depth
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))::BIGINT AS cum_after
    FROM valued),
banded AS (  -- each row with each tier of its plan (bounds scale with the quota)
    SELECT r.*, r.cum_after - r.value AS cum_before, t.tier_no, t.rate,
           coalesce(t.lo * q.quota_cents * {units.bound_mul}, -{INF}) AS lower_b,
           coalesce(t.hi * q.quota_cents * {units.bound_mul}, {INF}) AS upper_b,
           coalesce(t.f0 * q.quota_cents * {units.bound_mul}, 0)
           - coalesce(t.lo * q.quota_cents * {units.bound_mul}, 0) * t.rate AS f_base
    FROM running r
    LEFT JOIN quota q ON q.component = r.component AND q.person_id = r.payee_id
     AND q.q_start = r.period_start
    JOIN tiers t ON t.component = r.component
     AND t.band = CASE WHEN r.component = '{mgr}' THEN 'flat'
                       WHEN q.quota_cents > 0 THEN 'quota' ELSE 'none' END),
cut AS (  -- the stretch [cum_before, cum_after] clipped to the tier
    SELECT *,
           CASE WHEN value >= 0 THEN greatest(cum_before, lower_b)
                ELSE least(cum_before, upper_b) END AS start_at,
           CASE WHEN value >= 0 THEN least(cum_after, upper_b)
                ELSE greatest(cum_after, lower_b) END AS end_at
    FROM banded
    WHERE (lower_b < greatest(cum_before, cum_after) AND upper_b > least(cum_before, cum_after))
       OR (value = 0 AND lower_b <= least(cum_before, cum_after)
           AND upper_b > least(cum_before, cum_after)))
SELECT payee_id, component, period_start, booked_on, transaction_id, credit_rule, via_person,
       depth, tier_no,
       {cents("(f_base + end_at * rate)")} - {cents("(f_base + start_at * rate)")} AS amount_cents
FROM cut;

CREATE OR REPLACE TABLE sql_totals AS
SELECT payee_id, component, period_start, SUM(amount_cents)::BIGINT AS amount_cents,
       COUNT(*) AS lines
FROM sql_lines GROUP BY ALL;
"""


def _sql_decimal(folder: Path, spec: dict[str, Any]) -> str:
    """The same in Attain's exact DECIMAL types (values 8 places, earnings 14, DuckDB's
    ROUND half away from zero); DuckDB's arithmetic on DECIMAL(38, _) is slow."""
    ae, mgr = spec["ae_component"], spec["manager_component"]
    tiers = []
    f0 = Decimal(0)
    for number, (lo, hi, rate) in enumerate(spec["tiers"], start=1):
        tiers.append(f"('{ae}', 'quota', {number}, {'NULL' if lo is None else lo}, "
                     f"{'NULL' if hi is None else hi}, {rate}, {f0})")
        if hi is not None:
            f0 += (Decimal(hi) - Decimal(lo or 0)) * Decimal(rate)
    tiers.append(f"('{ae}', 'none', NULL, NULL, NULL, 0, 0)")
    tiers.append(f"('{mgr}', 'flat', 1, NULL, NULL, {spec['manager_rate']}, 0)")
    common = _sql_common(folder, spec, money="amount", share="share").replace(
        "{one}", "1::DECIMAL(18, 6)")
    return f"""
CREATE OR REPLACE TABLE sql_decimal_lines AS
WITH
{common}
tiers(component, band, tier_no, lower_f, upper_f, rate, f0_f) AS (
    SELECT component, band, tier_no::INTEGER, lower_f::DECIMAL(18, 6),
           upper_f::DECIMAL(18, 6), rate::DECIMAL(18, 6), f0_f::DECIMAL(38, 12)
    FROM (VALUES {", ".join(tiers)}) v(component, band, tier_no, lower_f, upper_f, rate, f0_f)),
fx AS (
    SELECT a.day, a.ccy AS from_ccy, b.ccy AS to_ccy,
           CASE WHEN a.ccy = b.ccy THEN 1::DECIMAL(38, 16)
                WHEN a.ccy = 'USD' THEN b.rate::DECIMAL(38, 16)
                WHEN b.ccy = 'USD' THEN a.rate::DECIMAL(38, 16)
                ELSE (a.rate * b.rate)::DECIMAL(38, 16) END AS factor
    FROM to_usd a JOIN from_usd b ON a.day = b.day),
valued AS (
    SELECT c.payee_id, c.component, date_trunc('quarter', c.booked_on)::DATE AS period_start,
           c.booked_on, c.transaction_id, c.credit_rule, c.via_person, c.depth,
           ROUND(c.money * f.factor, 2)::DECIMAL(18, 2) * c.share AS value
    FROM credited c
    JOIN fx f ON f.day = c.booked_on AND f.from_ccy = c.currency AND f.to_ccy = c.pay_currency),
running AS (
    SELECT *, SUM(value) OVER (
        PARTITION BY payee_id, component, period_start
        ORDER BY booked_on, transaction_id, credit_rule, via_person NULLS LAST, depth
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum_after
    FROM valued),
banded AS (
    SELECT r.*, r.cum_after - r.value AS cum_before, t.tier_no, t.rate,
           coalesce(t.lower_f * q.quota, -1e20)::DECIMAL(38, 8) AS lower_b,
           coalesce(t.upper_f * q.quota, 1e20)::DECIMAL(38, 8) AS upper_b,
           coalesce(t.lower_f * q.quota, 0)::DECIMAL(38, 8) AS anchor,
           (t.f0_f * coalesce(q.quota, 0))::DECIMAL(38, 14) AS f0
    FROM running r
    LEFT JOIN (SELECT *, (quota_cents::DECIMAL(18, 0) * 0.01::DECIMAL(3, 2))::DECIMAL(18, 2)
               AS quota FROM quota) q
      ON q.component = r.component AND q.person_id = r.payee_id AND q.q_start = r.period_start
    JOIN tiers t ON t.component = r.component
     AND t.band = CASE WHEN r.component = '{mgr}' THEN 'flat'
                       WHEN q.quota > 0 THEN 'quota' ELSE 'none' END),
cut AS (
    SELECT *,
           CASE WHEN value >= 0 THEN greatest(cum_before, lower_b)
                ELSE least(cum_before, upper_b) END AS start_at,
           CASE WHEN value >= 0 THEN least(cum_after, upper_b)
                ELSE greatest(cum_after, lower_b) END AS end_at
    FROM banded
    WHERE (lower_b < greatest(cum_before, cum_after) AND upper_b > least(cum_before, cum_after))
       OR (value = 0 AND lower_b <= least(cum_before, cum_after)
           AND upper_b > least(cum_before, cum_after)))
SELECT payee_id, component, period_start, booked_on, transaction_id, credit_rule, via_person,
       depth, tier_no,
       ((ROUND(f0 + (end_at - anchor) * rate, 2)
         - ROUND(f0 + (start_at - anchor) * rate, 2)) * 100)::BIGINT AS amount_cents
FROM cut;

CREATE OR REPLACE TABLE sql_decimal_totals AS
SELECT payee_id, component, period_start, SUM(amount_cents)::BIGINT AS amount_cents,
       COUNT(*) AS lines
FROM sql_decimal_lines GROUP BY ALL;
"""


def sql_version(folder: str, spec: dict[str, Any], flavour: str = "integer",
                memory_limit: str | None = None) -> dict[str, Any]:
    """(a): one SQL statement writing the lines table (and one the totals), timed from
    choosing the units to both tables written."""
    import duckdb

    path = Path(folder)
    table = "sql" if flavour == "integer" else "sql_decimal"
    connection = duckdb.connect(str(path / "bench.duckdb"))
    connection.execute("SET enable_progress_bar = false")
    if memory_limit:
        connection.execute(f"SET memory_limit = '{memory_limit}'")
    connection.execute(f"DROP TABLE IF EXISTS {table}_lines; "
                       f"DROP TABLE IF EXISTS {table}_totals; CHECKPOINT")
    started, cpu_started = time.perf_counter(), time.process_time()
    if flavour == "integer":
        shares = connection.execute("SELECT DISTINCT (share * 1000000)::BIGINT FROM splits "
                                    "WHERE split_type = 'revenue'").fetchnumpy()
        units = Units.choose(spec, share_places(next(iter(shares.values()))))
        text = _sql_integer(path, spec, units)
    else:
        text = _sql_decimal(path, spec)
    connection.execute(text)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    lines = connection.execute(f"SELECT count(*) FROM {table}_lines").fetchall()[0][0]
    connection.close()
    return {"seconds": seconds, "cpu_seconds": cpu, "lines": int(lines),
            "output": "DuckDB table"}


def sql_decimal_version(folder: str, spec: dict[str, Any], memory_limit: str | None = None
                        ) -> dict[str, Any]:
    return sql_version(folder, spec, flavour="decimal", memory_limit=memory_limit)


# --- shared by the data-frame versions ----------------------------------------------------

def _round_div(numbers: Any, divisor: int, np: Any) -> Any:
    """numbers / divisor rounded half away from zero (int64 arrays, divisor > 0)."""
    magnitude = np.abs(numbers)
    whole, rest = np.divmod(magnitude, divisor)
    whole += (2 * rest >= divisor)
    return np.where(numbers < 0, -whole, whole)


def _convert(cents: Any, factor: Any, np: Any) -> Any:
    """round(cents × factor / 1e16) half away from zero, exactly in int64: the factor (in
    1e-16) is split in halves of 1e8, so no product exceeds |cents| × max(1e8, factor/1e8)."""
    magnitude = np.abs(cents)
    high, low = np.divmod(factor, 10**8)
    carry, rest = np.divmod(magnitude * high, 10**8)
    rest = rest * 10**8 + magnitude * low
    whole = carry + rest // 10**16
    whole += (2 * (rest % 10**16) >= 10**16)
    return np.where(cents < 0, -whole, whole)


def _exact_ints(values: Any, scale: int, np: Any) -> Any:
    """Decimals read as float64 back to exact integers of 1/scale (checked)."""
    scaled = np.asarray(values, dtype=np.float64) * scale
    ints = np.rint(scaled)
    if len(ints) and (float(np.abs(scaled - ints).max()) > 1e-3
                      or float(np.abs(scaled).max()) >= 2**52):
        raise ValueError("a decimal does not fit the integer unit chosen for it")
    return ints.astype(np.int64)


def _fx_factors(fx: Any, currencies: list[str], start: dt.date, end: dt.date) -> Any:
    """factor[day, from, to] in 1e-16 (−1: no rate), pandas: the latest rate on or before
    each day (merge_asof on the small rates table); X→Y = (X→USD) × (USD→Y)."""
    import numpy as np
    import pandas as pd

    days = pd.DataFrame({"day": pd.date_range(start, end, freq="D")})
    fx = fx.assign(rate_date=pd.to_datetime(fx["rate_date"]).astype("datetime64[ns]"),
                   rate_1e8=_exact_ints(fx["rate"].astype("float64"), 10**8, np))
    position = {ccy: i for i, ccy in enumerate(currencies)}
    legs = {}
    for leg, usd_side, other_side in (("to_usd", "to_currency", "from_currency"),
                                      ("from_usd", "from_currency", "to_currency")):
        table = np.full((len(days), len(currencies)), -1, dtype=np.int64)
        for ccy, rows in fx[fx[usd_side] == "USD"].groupby(other_side):
            found = pd.merge_asof(days, rows.sort_values("rate_date")[["rate_date", "rate_1e8"]],
                                  left_on="day", right_on="rate_date")
            table[:, position[ccy]] = found["rate_1e8"].fillna(-1).to_numpy(np.int64)
        legs[leg] = table
    to_usd, from_usd = legs["to_usd"], legs["from_usd"]
    grid = np.full((len(days), len(currencies), len(currencies)), -1, dtype=np.int64)
    for a, ccy_a in enumerate(currencies):
        for b, ccy_b in enumerate(currencies):
            if a == b:
                grid[:, a, b] = 10**16
            elif ccy_a == "USD":
                grid[:, a, b] = np.where(from_usd[:, b] >= 0, from_usd[:, b] * 10**8, -1)
            elif ccy_b == "USD":
                grid[:, a, b] = np.where(to_usd[:, a] >= 0, to_usd[:, a] * 10**8, -1)
            else:
                if int(to_usd[:, a].max()) * int(from_usd[:, b].max()) >= INT64_SAFE:
                    raise OverflowError(f"cross rate {ccy_a}->{ccy_b} beyond int64")
                ok = (to_usd[:, a] >= 0) & (from_usd[:, b] >= 0)
                grid[:, a, b] = np.where(ok, to_usd[:, a] * from_usd[:, b], -1)
    return grid


def _quarters(start: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The plan year's four quarters (the benchmark's calendar: fiscal year = calendar)."""
    starts = [dt.date(start.year, month, 1) for month in (1, 4, 7, 10)]
    ends = [s - dt.timedelta(days=1) for s in starts[1:]] + [dt.date(start.year, 12, 31)]
    return list(zip(starts, ends, strict=True))


# --- (b) pandas ------------------------------------------------------------------------------

def pandas_version(folder: str, spec: dict[str, Any]) -> dict[str, Any]:
    import duckdb
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(folder)
    files = _inputs(path)
    start = dt.date.fromisoformat(spec["year_start"])
    end = dt.date.fromisoformat(spec["year_end"])
    ae, mgr = spec["ae_component"], spec["manager_component"]
    day0 = np.datetime64(start, "D")
    started, cpu_started = time.perf_counter(), time.process_time()

    # --- read the warehouse through Arrow (strings stay Arrow strings) -------------------
    connection = duckdb.connect(str(path / "bench.duckdb"), read_only=True)
    tx = connection.sql("SELECT transaction_id, opportunity_id, owner_id, booked_on, currency, "
                        "amount FROM transactions").to_arrow_table().to_pandas(
        types_mapper=pd.ArrowDtype)
    splits = connection.sql("SELECT opportunity_id, person_id, share, split_type FROM splits"
                            ).to_arrow_table().to_pandas(types_mapper=pd.ArrowDtype)
    fx = connection.sql("SELECT * FROM fx_rates").df()
    connection.close()
    people = pd.read_parquet(files["people"])
    reporting = pd.read_parquet(files["reporting"])
    quotas = pd.read_parquet(files["quotas"])
    read_seconds = time.perf_counter() - started

    def days_of(values: Any) -> Any:
        return (np.asarray(values, dtype="datetime64[D]") - day0).astype(np.int32)

    # --- ids as integer codes; people in alphabetical order (lines are ordered by them) ---
    epoch_day = int((day0 - np.datetime64("1970-01-01", "D")).astype(np.int64))
    tx["day"] = tx["booked_on"].astype("int32[pyarrow]").to_numpy(np.int32) - epoch_day
    tx = tx[(tx["day"] >= 0) & (tx["day"] <= (end - start).days)]
    splits = splits[splits["split_type"] == "revenue"]
    tx_codes, tx_ids = pd.factorize(tx["transaction_id"], sort=True)
    owner_codes, owner_ids = pd.factorize(tx["owner_id"])
    split_codes, split_ids = pd.factorize(splits["person_id"])
    owner_ids, split_ids = np.asarray(owner_ids, dtype=object), np.asarray(split_ids, dtype=object)
    person_index = pd.Index(sorted(set(people["person_id"]) | set(reporting["person_id"])
                                   | set(reporting["manager_id"]) | set(owner_ids)
                                   | set(split_ids)))
    no_person = len(person_index)  # a null via_person: sorts after everyone (NULLS LAST)
    opp_codes, _ = pd.factorize(pd.concat([tx["opportunity_id"], splits["opportunity_id"]]))
    currencies = sorted(set(fx["from_currency"]) | set(fx["to_currency"])
                        | set(people["currency"].dropna()))
    ccy_codes, ccy_ids = pd.factorize(tx["currency"])
    frame = pd.DataFrame({
        "tx": tx_codes.astype(np.int32), "opp": opp_codes[:len(tx)],
        "day": tx["day"].to_numpy(),
        "ccy": pd.Index(currencies).get_indexer(np.asarray(ccy_ids, dtype=object)
                                                ).astype(np.int8)[ccy_codes],
        "cents": _exact_ints(tx["amount"].astype("float64"), 100, np),
        "owner": person_index.get_indexer(owner_ids).astype(np.int32)[owner_codes]})
    del tx
    split_frame = pd.DataFrame({
        "opp": opp_codes[len(frame):],
        "person": person_index.get_indexer(split_ids).astype(np.int32)[split_codes],
        "share": _exact_ints(splits["share"].astype("float64"), 10**6, np)})
    del splits
    units = Units.choose(spec, share_places(split_frame["share"].to_numpy()))

    # --- plan, dates and currency of each person, by code -----------------------------------
    code = person_index.get_indexer(people["person_id"])
    plan_of = np.zeros(no_person + 1, dtype=np.int8)
    plan_of[code] = people["component"].map({ae: 1, mgr: 2}).fillna(0).to_numpy(np.int8)
    from_of = np.zeros(no_person + 1, dtype=np.int32)
    from_of[code] = days_of(people["a_from"])
    to_of = np.zeros(no_person + 1, dtype=np.int32)
    to_of[code] = days_of(people["a_to"].fillna(FOREVER))
    pay_of = np.zeros(no_person + 1, dtype=np.int8)
    pay_of[code] = pd.Index(currencies).get_indexer(people["currency"].fillna("USD"))

    # --- credit: the owner or the revenue splits; roll-ups over the reporting lines -----------
    has_split = np.zeros(int(opp_codes.max()) + 2, dtype=bool)
    has_split[split_frame["opp"].to_numpy()] = True
    unsplit = frame[~has_split[frame["opp"].to_numpy()]]  # a null deal (-1) reads the spare slot
    shape = ["tx", "day", "ccy", "cents", "payee", "rule", "share", "via", "depth"]
    owner_rows = unsplit.rename(columns={"owner": "payee"}).assign(
        rule=np.int8(RULE_CODES["owner"]), share=np.int64(10**6), via=np.int32(no_person),
        depth=np.int8(0))[shape]
    split_rows = frame.merge(split_frame, on="opp").rename(
        columns={"person": "payee", "owner": "via"}).assign(
        rule=np.int8(RULE_CODES["split"]), depth=np.int8(0))[shape]
    direct = pd.concat([owner_rows, split_rows], ignore_index=True)
    del owner_rows, split_rows, unsplit, frame
    lines_of = pd.DataFrame({
        "payee": person_index.get_indexer(reporting["person_id"]).astype(np.int32),
        "manager": person_index.get_indexer(reporting["manager_id"]).astype(np.int32),
        "level": reporting["depth"].to_numpy(np.int8),
        "r_from": days_of(reporting["valid_from"]),
        "r_to": days_of(reporting["valid_to"].fillna(FOREVER))})
    rollup = direct[["tx", "day", "ccy", "cents", "payee", "share"]].merge(lines_of, on="payee")
    rollup = rollup[(rollup["r_from"] <= rollup["day"]) & (rollup["day"] <= rollup["r_to"])]
    rollup = rollup.rename(columns={"payee": "via", "manager": "payee", "level": "depth"}).assign(
        rule=np.int8(RULE_CODES["rollup"]))[shape]

    # --- rates, quarters, quotas ---------------------------------------------------------------
    grid = _fx_factors(fx, currencies, start, end)
    quarters = _quarters(start)
    quarter_of_day = np.repeat(np.arange(4, dtype=np.int8),
                               [(e - s).days + 1 for s, e in quarters])
    mine = quotas[quotas["metric"] == spec["quota_metric"]]
    q_from, q_to = days_of(mine["q_start"]), days_of(mine["q_end"])
    inside = (q_from >= 0) & (q_to < len(quarter_of_day))
    mine, q_from, q_to = mine[inside], q_from[inside], q_to[inside]
    same = quarter_of_day[q_from] == quarter_of_day[q_to]
    mine = mine[same].assign(q=quarter_of_day[q_from[same]])
    mine = mine.groupby(["person_id", "q"], as_index=False)["amount_cents"].sum()
    quota_cents = np.full((no_person + 1, 4), -1, dtype=np.int64)
    quota_cents[person_index.get_indexer(mine["person_id"]), mine["q"].to_numpy()] = (
        mine["amount_cents"].to_numpy())
    max_quota = max(int(quota_cents.max()), 0)

    # --- per component: value, running total, tiers, lines -----------------------------------
    out_path = path / "pandas_lines.parquet"
    writer = None
    totals = []
    line_count = 0
    for component, credits, plan_code in ((ae, direct, 1), (mgr, rollup, 2)):
        payee, day = credits["payee"].to_numpy(), credits["day"].to_numpy()
        rows = credits[(plan_of[payee] == plan_code) & (from_of[payee] <= day)
                       & (day <= to_of[payee])]
        factor = grid[rows["day"].to_numpy(), rows["ccy"].to_numpy(),
                      pay_of[rows["payee"].to_numpy()]]
        if len(rows) == 0:
            continue
        if int(factor.min()) < 0:
            raise ValueError("no exchange rate on or before a booking day")
        cents = rows["cents"].to_numpy()
        units.check_conversion(int(np.abs(cents).max()), int(factor.max()))
        value = _convert(cents, factor, np) * (rows["share"].to_numpy() // units.share_div
                                               ) * units.share_mul
        units.check_sum(float(np.abs(value).sum(dtype=np.float64)))
        rows = rows.assign(q=quarter_of_day[rows["day"].to_numpy()], value=value)
        rows = rows.sort_values(["payee", "q", "day", "tx", "rule", "via", "depth"],
                                ignore_index=True)
        after = rows.groupby(["payee", "q"], sort=False)["value"].cumsum().to_numpy()
        value = rows["value"].to_numpy()
        before = after - value
        units.check_tiers(int(max(np.abs(after).max(), np.abs(before).max())), max_quota)
        rising = value >= 0
        low, high = np.minimum(before, after), np.maximum(before, after)
        parts: list[tuple[Any, int | None, Any]] = []
        if component == ae:
            quota = quota_cents[rows["payee"].to_numpy(), rows["q"].to_numpy()]
            has_quota = quota > 0
            scale = np.where(has_quota, quota, 0) * units.bound_mul
            for number, (lo_int, hi_int, rate, f0) in enumerate(units.tiers, start=1):
                lower = np.full(len(rows), -INF, np.int64) if lo_int is None else lo_int * scale
                upper = np.full(len(rows), INF, np.int64) if hi_int is None else hi_int * scale
                anchor = np.zeros(len(rows), np.int64) if lo_int is None else lower
                hit = has_quota & (((lower < high) & (upper > low))
                                   | ((value == 0) & (lower <= low) & (upper > low)))
                start_at = np.where(rising, np.maximum(before, lower),
                                    np.minimum(before, upper))[hit]
                end_at = np.where(rising, np.minimum(after, upper),
                                  np.maximum(after, lower))[hit]
                base = f0 * scale[hit] - anchor[hit] * rate
                amount = (_round_div(base + end_at * rate, units.cents_div, np)
                          - _round_div(base + start_at * rate, units.cents_div, np))
                parts.append((hit, number, amount))
            parts.append((~has_quota, None, np.zeros(int((~has_quota).sum()), np.int64)))
        else:
            rate = units.manager_rate
            amount = (_round_div(after * rate, units.cents_div, np)
                      - _round_div(before * rate, units.cents_div, np))
            parts.append((slice(None), 1, amount))
        for hit, tier_no, amount in parts:
            chosen = rows[hit]
            lines = pd.DataFrame({
                "payee": chosen["payee"].to_numpy(), "q": chosen["q"].to_numpy(),
                "day": chosen["day"].to_numpy(), "tx": chosen["tx"].to_numpy(),
                "rule": chosen["rule"].to_numpy(), "via": chosen["via"].to_numpy(),
                "depth": chosen["depth"].to_numpy(), "amount_cents": amount})
            line_count += len(lines)
            totals.append(lines.groupby(["payee", "q"], as_index=False).agg(
                amount_cents=("amount_cents", "sum"), lines=("amount_cents", "size")
            ).assign(component=component))
            table = _pandas_arrow(lines, component, tier_no, person_index, tx_ids, start, pa, np)
            if writer is None:
                writer = pq.ParquetWriter(out_path, table.schema, compression="snappy")
            writer.write_table(table)
    if writer is not None:
        writer.close()
    total = pd.concat(totals).groupby(["component", "payee", "q"], as_index=False).sum()
    pq.write_table(pa.table({
        "payee_id": pa.array(np.asarray(person_index, dtype=object)[total["payee"].to_numpy()],
                             pa.string()),
        "component": pa.array(total["component"].to_numpy(), pa.string()),
        "period_start": pa.array([quarters[q][0] for q in total["q"].to_numpy()], pa.date32()),
        "amount_cents": pa.array(total["amount_cents"].to_numpy(), pa.int64()),
        "lines": pa.array(total["lines"].to_numpy(), pa.int64())}),
        path / "pandas_totals.parquet", compression="snappy")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {"seconds": seconds, "cpu_seconds": cpu, "read_seconds": read_seconds,
            "lines": line_count,
            "output": "Parquet file"}


def _pandas_arrow(lines: Any, component: str, tier_no: int | None, person_index: Any,
                  tx_ids: Any, start: dt.date, pa: Any, np: Any) -> Any:
    """A batch of lines as Arrow (what ``DataFrame.to_parquet`` builds), the ids taken from
    their codes. (Not dictionary-encoded: Parquet writes a 10M-entry dictionary ~10× slower.)"""
    people = pa.array(np.asarray(person_index, dtype=object), pa.string())
    rules = pa.array(sorted(RULE_CODES, key=RULE_CODES.__getitem__), pa.string())
    starts = pa.array([s for s, _e in _quarters(start)], pa.date32())
    via = lines["via"].to_numpy()
    n = len(lines)
    return pa.table({
        "payee_id": people.take(lines["payee"].to_numpy()),
        "component": pa.array(np.full(n, component, dtype=object), pa.string()),
        "period_start": starts.take(lines["q"].to_numpy()),
        "booked_on": pa.array(np.datetime64(start, "D")
                              + lines["day"].to_numpy().astype("timedelta64[D]"), pa.date32()),
        "transaction_id": pa.array(tx_ids.array).take(lines["tx"].to_numpy()),
        "credit_rule": rules.take(lines["rule"].to_numpy()),
        "via_person": people.take(pa.array(np.minimum(via, len(people) - 1),
                                           mask=via >= len(people))),
        "depth": pa.array(lines["depth"].to_numpy().astype(np.int32)),
        "tier_no": pa.nulls(n, pa.int32()) if tier_no is None
        else pa.array(np.full(n, tier_no, np.int32)),
        "amount_cents": pa.array(lines["amount_cents"].to_numpy(), pa.int64()),
    })


# --- (c) polars ------------------------------------------------------------------------------

def polars_version(folder: str, spec: dict[str, Any]) -> dict[str, Any]:
    import duckdb
    import polars as pl

    path = Path(folder)
    files = _inputs(path)
    start = dt.date.fromisoformat(spec["year_start"])
    end = dt.date.fromisoformat(spec["year_end"])
    ae, mgr = spec["ae_component"], spec["manager_component"]
    started, cpu_started = time.perf_counter(), time.process_time()

    connection = duckdb.connect(str(path / "bench.duckdb"), read_only=True)
    tx = pl.DataFrame(connection.sql(
        "SELECT transaction_id, opportunity_id, owner_id, booked_on, currency, amount "
        "FROM transactions").to_arrow_table())
    splits = pl.DataFrame(connection.sql(
        "SELECT opportunity_id, person_id, share, split_type FROM splits").to_arrow_table())
    fx = pl.DataFrame(connection.sql("SELECT * FROM fx_rates").to_arrow_table())
    connection.close()
    people = pl.read_parquet(files["people"])
    reporting = pl.read_parquet(files["reporting"])
    quotas = pl.read_parquet(files["quotas"])
    read_seconds = time.perf_counter() - started

    def ints(column: str, scale: int, frame: Any) -> Any:
        """A DECIMAL column as exact integers of 10^-scale (its physical value)."""
        kind = frame.schema[column]
        if not isinstance(kind, pl.Decimal) or kind.scale != scale:
            raise TypeError(f"{column} is {kind}, expected DECIMAL(_, {scale})")
        return pl.col(column).to_physical().cast(pl.Int64)

    revenue = splits.lazy().filter(pl.col("split_type") == "revenue").select(
        "opportunity_id", "person_id", share=ints("share", 6, splits))
    units = Units.choose(spec, share_places(
        revenue.select("share").collect().to_series().to_numpy()))
    txl = tx.lazy().filter(pl.col("booked_on").is_between(start, end)).select(
        "transaction_id", "opportunity_id", "owner_id", "booked_on", "currency",
        cents=ints("amount", 2, tx))
    base = ["transaction_id", "booked_on", "currency", "cents"]
    owner = txl.join(revenue.select("opportunity_id").unique(), on="opportunity_id",
                     how="anti").select(
        *base, payee_id=pl.col("owner_id"), credit_rule=pl.lit("owner"),
        share=pl.lit(10**6, pl.Int64), via_person=pl.lit(None, pl.String),
        depth=pl.lit(0, pl.Int32))
    split = txl.join(revenue, on="opportunity_id").select(
        *base, payee_id=pl.col("person_id"), credit_rule=pl.lit("split"), share="share",
        via_person=pl.col("owner_id"), depth=pl.lit(0, pl.Int32))
    direct = pl.concat([owner, split])
    lines_of = reporting.lazy().select(
        "person_id", "manager_id", "valid_from", pl.col("valid_to").fill_null(FOREVER),
        level=pl.col("depth").cast(pl.Int32))
    rollup = direct.join(lines_of, left_on="payee_id", right_on="person_id").filter(
        pl.col("booked_on").is_between(pl.col("valid_from"), pl.col("valid_to"))).select(
        *base, payee_id=pl.col("manager_id"), credit_rule=pl.lit("rollup"), share="share",
        via_person=pl.col("payee_id"), depth=pl.col("level"))
    plans = people.lazy().with_columns(pl.col("a_to").fill_null(FOREVER))

    def on_plan(credits: Any, component: str) -> Any:
        mine = plans.filter(pl.col("component") == component).select(
            "person_id", "a_from", "a_to", pay_currency="currency")
        return credits.join(mine, left_on="payee_id", right_on="person_id").filter(
            pl.col("booked_on").is_between(pl.col("a_from"), pl.col("a_to"))).select(
            *base, "payee_id", "credit_rule", "share", "via_person", "depth", "pay_currency",
            component=pl.lit(component))

    credited = pl.concat([on_plan(direct, ae), on_plan(rollup, mgr)])

    # FX: the latest rate on or before each day (join_asof on the small table), through USD
    currencies = sorted(set(fx["from_currency"]) | set(fx["to_currency"])
                        | set(people["currency"].drop_nulls()))
    rates = fx.select("rate_date", "from_currency", "to_currency", rate=ints("rate", 8, fx))
    grid = pl.DataFrame({"day": pl.date_range(start, end, eager=True)}).join(
        pl.DataFrame({"ccy": currencies}), how="cross").sort("day")

    def leg(usd_side: str, other: str) -> Any:
        side = rates.filter(pl.col(usd_side) == "USD").select(
            "rate_date", "rate", ccy=pl.col(other)).sort("rate_date")
        return grid.join_asof(side, left_on="day", right_on="rate_date", by="ccy",
                              check_sortedness=False).select(
            "day", "ccy", "rate")

    to_usd, from_usd = leg("to_currency", "from_currency"), leg("from_currency", "to_currency")
    if int(to_usd["rate"].max() or 0) * int(from_usd["rate"].max() or 0) >= INT64_SAFE:
        raise OverflowError("cross rates beyond int64")
    factors = to_usd.rename({"ccy": "from_ccy", "rate": "a"}).join(
        from_usd.rename({"ccy": "to_ccy", "rate": "b"}), on="day").select(
        "day", "from_ccy", "to_ccy",
        factor=pl.when(pl.col("from_ccy") == pl.col("to_ccy")).then(pl.lit(10**16, pl.Int64))
        .when(pl.col("from_ccy") == "USD").then(pl.col("b") * 10**8)
        .when(pl.col("to_ccy") == "USD").then(pl.col("a") * 10**8)
        .otherwise(pl.col("a") * pl.col("b")))
    used = factors.filter(pl.col("from_ccy").is_in(tx["currency"].unique().implode())
                          & pl.col("to_ccy").is_in(people["currency"].unique().implode()))
    if used["factor"].null_count():
        raise ValueError("no exchange rate on or before a booking day")
    max_cents = int(tx.select(ints("amount", 2, tx).abs().max()).item() or 0)
    units.check_conversion(max_cents, int(factors["factor"].max() or 0))

    def round_div(number: Any, divisor: int) -> Any:
        """number / divisor rounded half away from zero (Int128: polars has no negation
        for it, so the sign is a product)."""
        magnitude = number.abs()
        whole = magnitude // divisor + ((magnitude % divisor) * 2 >= divisor).cast(pl.Int128)
        return whole * pl.when(number < 0).then(pl.lit(-1, pl.Int128)).otherwise(
            pl.lit(1, pl.Int128))

    magnitude = pl.col("cents").abs()
    high, low = pl.col("factor") // 10**8, pl.col("factor") % 10**8
    upper = magnitude * high
    rest = (upper % 10**8) * 10**8 + magnitude * low
    whole = upper // 10**8 + rest // 10**16 + ((rest % 10**16) * 2 >= 10**16).cast(pl.Int64)
    converted = pl.when(pl.col("cents") < 0).then(-whole).otherwise(whole)
    valued = credited.join(factors.lazy(), left_on=["booked_on", "currency", "pay_currency"],
                           right_on=["day", "from_ccy", "to_ccy"], how="left").with_columns(
        value=converted * (pl.col("share") // units.share_div) * units.share_mul,
        period_start=pl.col("booked_on").dt.truncate("1q"))

    group = ["payee_id", "component", "period_start"]
    # running totals and the tier arithmetic in Int128: nothing to prove about overflow
    wide = pl.Int128
    running = valued.sort([*group, "booked_on", "transaction_id", "credit_rule", "via_person",
                           "depth"], nulls_last=True).with_columns(
        cum_after=pl.col("value").cast(wide).cum_sum().over(group)).with_columns(
        cum_before=pl.col("cum_after") - pl.col("value"))

    quarters = pl.DataFrame({"p_start": [s for s, _e in _quarters(start)],
                             "p_end": [e for _s, e in _quarters(start)]}).lazy()
    quota = quotas.lazy().filter(pl.col("metric") == spec["quota_metric"]).join(
        quarters, how="cross").filter((pl.col("p_start") <= pl.col("q_start"))
                                      & (pl.col("q_end") <= pl.col("p_end"))).group_by(
        "person_id", "p_start").agg(quota=pl.col("amount_cents").sum())
    tier_rows = [{"band": "quota", "tier_no": n, "lo": lo, "hi": hi, "rate": rate, "f0": f0}
                 for n, (lo, hi, rate, f0) in enumerate(units.tiers, start=1)]
    tier_rows += [{"band": "none", "tier_no": None, "lo": None, "hi": None, "rate": 0, "f0": 0},
                  {"band": "flat", "tier_no": 1, "lo": None, "hi": None,
                   "rate": units.manager_rate, "f0": 0}]
    tiers = pl.DataFrame(tier_rows, schema={"band": pl.String, "tier_no": pl.Int32,
                                            "lo": wide, "hi": wide, "rate": wide,
                                            "f0": wide}).lazy()
    banded = running.join(quota, left_on=["payee_id", "period_start"],
                          right_on=["person_id", "p_start"], how="left").with_columns(
        quota=pl.when(pl.col("component") == ae).then(pl.col("quota")),
    ).with_columns(
        band=pl.when(pl.col("component") == mgr).then(pl.lit("flat"))
        .when(pl.col("quota") > 0).then(pl.lit("quota")).otherwise(pl.lit("none"))
    ).join(tiers, on="band")
    scale = pl.col("quota").fill_null(0).clip(lower_bound=0).cast(wide) * units.bound_mul
    banded = banded.with_columns(
        lower=pl.when(pl.col("lo").is_null()).then(pl.lit(-INF, wide))
        .otherwise(pl.col("lo") * scale),
        upper=pl.when(pl.col("hi").is_null()).then(pl.lit(INF, wide))
        .otherwise(pl.col("hi") * scale),
        anchor=pl.col("lo").fill_null(0) * scale,
        f0=pl.col("f0") * scale)
    low = pl.min_horizontal("cum_before", "cum_after")
    high = pl.max_horizontal("cum_before", "cum_after")
    rising = pl.col("value") >= 0
    cut = banded.filter(((pl.col("lower") < high) & (pl.col("upper") > low))
                        | ((pl.col("value") == 0) & (pl.col("lower") <= low)
                           & (pl.col("upper") > low))).with_columns(
        start_at=pl.when(rising).then(pl.max_horizontal("cum_before", "lower"))
        .otherwise(pl.min_horizontal("cum_before", "upper")),
        end_at=pl.when(rising).then(pl.min_horizontal("cum_after", "upper"))
        .otherwise(pl.max_horizontal("cum_after", "lower")))
    at = pl.col("f0") - pl.col("anchor") * pl.col("rate")
    lines = cut.select(
        "payee_id", "component", "period_start", "booked_on", "transaction_id", "credit_rule",
        "via_person", "depth", "tier_no",
        amount_cents=(round_div(at + pl.col("end_at") * pl.col("rate"), units.cents_div)
                      - round_div(at + pl.col("start_at") * pl.col("rate"), units.cents_div)
                      ).cast(pl.Int64))
    totals = lines.group_by(group).agg(amount_cents=pl.col("amount_cents").sum(),
                                       lines=pl.len())
    # one pass: both sinks share the plan (common subplan elimination), streamed to Parquet
    pl.collect_all([
        lines.sink_parquet(path / "polars_lines.parquet", compression="snappy", lazy=True),
        totals.sink_parquet(path / "polars_totals.parquet", compression="snappy", lazy=True)])
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    count = pl.scan_parquet(path / "polars_lines.parquet").select(pl.len()).collect().item()
    return {"seconds": seconds, "cpu_seconds": cpu, "read_seconds": read_seconds,
            "lines": int(count),
            "output": "Parquet file"}
