"""Benchmark: an executive dashboard's worth of metrics on the 10M-transaction warehouse.

    python -m benchmarks.metrics [--transactions 10000000] [--people 10000] [--data DIR]

Every catalog metric, by team (where it can be cut by team; company-wide otherwise) and by
month, over two years (2025-2026), each built, compiled and executed on DuckDB through
Attain's catalog. Baseline in the same run: hand-written DuckDB SQL for a set of the same
metrics, at least one of each fact source (revenue with FX conversion, win rate, average
deal size, open pipeline, calls per rep, MRR, customer churn, NPS, lead conversion, stage
conversion, sales cycle, CAC, gross revenue retention, quota attainment, call connect
rate), timed alike; their values are compared with Attain's
(money to the cent, ratios to 1e-6) and the benchmark fails if any differ.

The warehouse, the org and the app database are built once under /tmp/attain-heavy.lock
(one heavy job at a time on the machine) into ``--data`` and reused by later runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import os
import pickle
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.common import print_table, timed

AS_OF = dt.date(2026, 12, 31)
START, END = dt.date(2025, 1, 1), dt.date(2026, 12, 31)
HEAVY_LOCK = "/tmp/attain-heavy.lock"


def _setup_django(folder: Path) -> None:
    (folder / "var").mkdir(parents=True, exist_ok=True)
    os.environ["ATTAIN_VAR_DIR"] = str(folder / "var")
    os.environ.setdefault("ATTAIN_SECRET_KEY", "benchmark")
    os.environ["DJANGO_SETTINGS_MODULE"] = "attain.settings"
    os.environ["ATTAIN_WAREHOUSE_URL"] = f"duckdb:///{folder / 'warehouse.duckdb'}"
    import django

    django.setup()


def build(folder: Path, transactions: int, people: int) -> None:
    """Generate two years of the demo company and load it (warehouse and app database),
    unless ``folder`` already holds it. The caller holds the heavy lock."""
    from django.core.management import call_command

    from attain.org import services as org_services
    from attain.targets import services as target_services
    from attain.warehouse import connection, load
    from attain.warehouse.demo import DemoOptions, generate

    done = folder / "built"
    if done.exists():
        return
    with timed() as building:
        company = generate(DemoOptions(seed=7, as_of=AS_OF, people=people, quarters=8,
                                       transactions=transactions))
        url = os.environ["ATTAIN_WAREHOUSE_URL"]
        load.create_tables(url=url, replace=True)
        load.load_tables(company.tables, url=url)
        connection.disconnect(url)
        call_command("migrate", verbosity=0)
        org_services.load_org(org=company.org, password="benchmark")
        target_services.load_person_quotas(quotas=company.quotas)
    (folder / "company.pickle").write_bytes(pickle.dumps(
        {"transactions": company.transaction_count, "people": len(company.org.people)}))
    done.write_text(f"{building.seconds:.1f}")
    print(f"built the warehouse and the app database in {building.seconds:.0f} s")


# --- hand-written DuckDB SQL: the baseline -------------------------------------------------

FX = """
    SELECT rate_date, from_currency, rate FROM fx_rates WHERE to_currency = 'USD'
"""


def _usd(table: str, amount: str, day: str, alias: str = "x") -> str:
    """A table's rows with ``amount`` in USD at the latest rate on or before ``day``: the
    rate is looked up once per (day, currency) with an ASOF join, then hash-joined back
    (an ASOF join over every row is several times slower on 10M rows)."""
    return f"""
        WITH src AS (SELECT * FROM {table}),
        pairs AS (SELECT DISTINCT {day} AS day, currency FROM src WHERE currency <> 'USD'),
        factors AS (SELECT p.day, p.currency, r.rate FROM pairs p ASOF JOIN ({FX}) r
                    ON p.currency = r.from_currency AND p.day >= r.rate_date)
        SELECT {alias}.*, CASE WHEN {alias}.currency = 'USD' THEN {alias}.{amount}
               ELSE CAST(round(CAST({alias}.{amount} AS DECIMAL(38, 10)) * f.rate, 2)
                         AS DECIMAL(18, 2)) END AS usd
        FROM src {alias} LEFT JOIN factors f
          ON f.day = {alias}.{day} AND f.currency = {alias}.currency
    """


def _team(day: str) -> str:
    return (f"LEFT JOIN members m ON m.person = f.person_id "
            f"AND f.{day} BETWEEN m.valid_from AND m.valid_to")


MONTH = "strftime(date_trunc('month', {day}), '%Y-%m')"

SQL: dict[str, str] = {
    "revenue": f"""
        WITH f AS (SELECT owner_id AS person_id, booked_on, usd FROM ({_usd(
            "transactions", "amount", "booked_on")}) WHERE booked_on BETWEEN '{START}' AND '{END}')
        SELECT m.team, {MONTH.format(day="f.booked_on")} AS period, sum(usd) AS value
        FROM f {_team("booked_on")} GROUP BY ALL""",
    "win_rate": f"""
        WITH f AS (SELECT owner_id AS person_id, close_date, is_won FROM opportunities
                   WHERE is_closed AND close_date BETWEEN '{START}' AND '{END}')
        SELECT m.team, {MONTH.format(day="f.close_date")} AS period,
               round(count(*) FILTER (WHERE is_won) / count(*), 6) AS value
        FROM f {_team("close_date")} GROUP BY ALL""",
    "average_deal_size": f"""
        WITH f AS (SELECT owner_id AS person_id, close_date, usd FROM ({_usd(
            "(SELECT *, coalesce(amount, 0) AS amt FROM opportunities)", "amt", "close_date")})
                   WHERE is_won AND close_date BETWEEN '{START}' AND '{END}')
        SELECT m.team, {MONTH.format(day="f.close_date")} AS period,
               round(sum(usd) / count(*), 2) AS value
        FROM f {_team("close_date")} GROUP BY ALL""",
    "pipeline_value": f"""
        WITH f AS (SELECT owner_id AS person_id, close_date, usd FROM ({_usd(
            "(SELECT *, coalesce(amount, 0) AS amt FROM opportunities)", "amt", "close_date")})
                   WHERE NOT is_closed AND close_date BETWEEN '{START}' AND '{END}')
        SELECT m.team, {MONTH.format(day="f.close_date")} AS period, sum(usd) AS value
        FROM f {_team("close_date")} GROUP BY ALL""",
    "calls_per_rep": f"""
        WITH calls AS (
            SELECT m.team, {MONTH.format(day="f.day")} AS period, count(*) AS calls
            FROM (SELECT person_id, CAST(occurred_at AS DATE) AS day FROM activities
                  WHERE activity_type = 'call'
                    AND CAST(occurred_at AS DATE) BETWEEN '{START}' AND '{END}') f
            {_team("day")} GROUP BY ALL),
        reps AS (
            SELECT m.team, {MONTH.format(day="f.day")} AS period,
                   count(DISTINCT f.person_id) AS reps
            FROM rep_months f {_team("day")} GROUP BY ALL)
        SELECT coalesce(c.team, r.team) AS team, coalesce(c.period, r.period) AS period,
               CASE WHEN coalesce(r.reps, 0) > 0
                    THEN round(coalesce(c.calls, 0) / r.reps, 2) END AS value
        FROM calls c FULL JOIN reps r
          ON c.team IS NOT DISTINCT FROM r.team AND c.period = r.period""",
    "mrr": f"""
        SELECT NULL AS team, {MONTH.format(day="month")} AS period, sum(usd) AS value
        FROM ({_usd("subscriptions", "mrr", "month")})
        WHERE month BETWEEN '{START}' AND '{END}' GROUP BY ALL""",
    "customer_churn_rate": f"""
        WITH opening AS (SELECT CAST(month + INTERVAL 1 MONTH AS DATE) AS month, account_id
                         FROM subscriptions WHERE mrr > 0),
        base AS (SELECT month, count(DISTINCT account_id) AS n FROM opening GROUP BY ALL),
        churned AS (SELECT s.month, count(DISTINCT s.account_id) AS n
                    FROM subscriptions s JOIN opening o
                      ON o.account_id = s.account_id AND o.month = s.month
                    WHERE s.movement = 'churn' GROUP BY ALL)
        SELECT NULL AS team, {MONTH.format(day="b.month")} AS period,
               CASE WHEN b.n > 0 THEN round(coalesce(c.n, 0) / b.n, 6) END AS value
        FROM base b LEFT JOIN churned c ON c.month = b.month
        WHERE b.month BETWEEN '{START}' AND '{END}'""",
    "nps": f"""
        SELECT NULL AS team, {MONTH.format(day="responded_on")} AS period,
               round(100 * (count(*) FILTER (WHERE score >= 9)
                            - count(*) FILTER (WHERE score <= 6)) / count(*), 2) AS value
        FROM customer_feedback
        WHERE survey = 'nps' AND responded_on BETWEEN '{START}' AND '{END}' GROUP BY ALL""",
    # --- one metric of each further fact source ---------------------------------------------
    "lead_conversion_rate": f"""
        WITH f AS (SELECT owner_id AS person_id, created_on, opportunity_id FROM leads
                   WHERE created_on BETWEEN '{START}' AND '{END}')
        SELECT m.team, {MONTH.format(day="f.created_on")} AS period,
               round(count(f.opportunity_id) / count(*), 6) AS value
        FROM f {_team("created_on")} GROUP BY ALL""",
    "stage_conversion": f"""
        WITH h AS (SELECT opportunity_id, CAST(entered_at AS DATE) AS day, probability,
                          lead(probability) OVER (PARTITION BY opportunity_id
                                                  ORDER BY entered_at) AS next_probability
                   FROM opportunity_stage_history),
        f AS (SELECT o.owner_id AS person_id, h.day,
                     coalesce(h.next_probability > 0, false) AS advanced
              FROM h JOIN opportunities o ON o.opportunity_id = h.opportunity_id
              WHERE h.day BETWEEN '{START}' AND '{END}'
                AND h.probability > 0 AND h.probability < 1)
        SELECT m.team, {MONTH.format(day="f.day")} AS period,
               round(count(*) FILTER (WHERE advanced) / count(*), 6) AS value
        FROM f {_team("day")} GROUP BY ALL""",
    "sales_cycle_days": f"""
        WITH f AS (SELECT owner_id AS person_id, close_date,
                          date_diff('day', created_on, close_date) AS days
                   FROM opportunities
                   WHERE is_closed AND is_won AND close_date BETWEEN '{START}' AND '{END}')
        SELECT m.team, {MONTH.format(day="f.close_date")} AS period,
               round(sum(days) / count(*), 2) AS value
        FROM f {_team("close_date")} GROUP BY ALL""",
    "cac": f"""
        WITH costs AS (SELECT month, sum(usd) AS amount FROM ({_usd(
            "sales_marketing_costs", "amount", "month")}) GROUP BY ALL),
        spend AS (SELECT month, sum(usd) AS amount FROM ({_usd(
            "campaign_spend", "amount", "month")}) GROUP BY ALL),
        firsts AS (SELECT account_id, min(booked_on) AS first FROM transactions
                   WHERE kind = 'order' GROUP BY ALL),
        new AS (SELECT CAST(date_trunc('month', first) AS DATE) AS month, count(*) AS n
                FROM firsts GROUP BY ALL),
        months AS (SELECT month FROM costs UNION SELECT month FROM spend
                   UNION SELECT month FROM new)
        SELECT NULL AS team, {MONTH.format(day="months.month")} AS period,
               CASE WHEN new.n > 0 THEN round((coalesce(costs.amount, 0)
                                               + coalesce(spend.amount, 0)) / new.n, 2)
               END AS value
        FROM months LEFT JOIN costs USING (month) LEFT JOIN spend USING (month)
             LEFT JOIN new USING (month)
        WHERE months.month BETWEEN '{START}' AND '{END}'""",
    "gross_revenue_retention": f"""
        WITH balances AS (SELECT account_id, month, usd AS mrr FROM ({_usd(
            "subscriptions", "mrr", "month")})),
        changes AS (SELECT account_id, month, movement, usd AS change FROM ({_usd(
            "subscriptions", "mrr_change", "month")})),
        opening AS (SELECT CAST(month + INTERVAL 1 MONTH AS DATE) AS month, account_id, mrr
                    FROM balances WHERE mrr > 0),
        base AS (SELECT month, sum(mrr) AS mrr FROM opening GROUP BY ALL),
        lost AS (SELECT c.month, -sum(c.change) AS amount
                 FROM changes c JOIN opening o
                   ON o.account_id = c.account_id AND o.month = c.month
                 WHERE c.movement IN ('churn', 'contraction') GROUP BY ALL)
        SELECT NULL AS team, {MONTH.format(day="b.month")} AS period,
               CASE WHEN b.mrr > 0
                    THEN round((b.mrr - coalesce(l.amount, 0)) / b.mrr, 6) END AS value
        FROM base b LEFT JOIN lost l ON l.month = b.month
        WHERE b.month BETWEEN '{START}' AND '{END}'""",
    "quota_attainment": f"""
        WITH f AS (SELECT owner_id AS person_id, booked_on AS day, usd AS booked,
                          CAST(0 AS DECIMAL(18, 2)) AS quota
                   FROM ({_usd("transactions", "amount", "booked_on")})
                   WHERE booked_on BETWEEN '{START}' AND '{END}'
                   UNION ALL
                   SELECT person_id, "at" AS day, CAST(0 AS DECIMAL(18, 2)), quota
                   FROM quota_months),
        per AS (SELECT m.team, {MONTH.format(day="f.day")} AS period, f.person_id,
                       sum(booked) AS booked, sum(quota) AS quota
                FROM f {_team("day")} GROUP BY ALL)
        SELECT team, period,
               CASE WHEN sum(quota) > 0
                    THEN round(sum(booked) FILTER (WHERE quota > 0) / sum(quota), 6)
               END AS value
        FROM per GROUP BY ALL""",
    "call_connect_rate": f"""
        WITH f AS (SELECT person_id, CAST(occurred_at AS DATE) AS day, outcome
                   FROM activities
                   WHERE activity_type = 'call' AND outcome IN ('connected', 'no_answer')
                     AND CAST(occurred_at AS DATE) BETWEEN '{START}' AND '{END}')
        SELECT m.team, {MONTH.format(day="f.day")} AS period,
               round(count(*) FILTER (WHERE outcome = 'connected') / count(*), 6) AS value
        FROM f {_team("day")} GROUP BY ALL""",
}
"""Hand-written SQL for a set of the catalog's metrics, by team and month: at least one of
each fact source (transactions, deals, open pipeline, leads, stage history, costs and
spend, subscription balances and movements, quotas, activities and their outcomes,
feedback)."""


def _register_org(con: Any) -> None:
    """The same people and teams Attain reads from the app database, as DuckDB tables."""
    from attain.metrics import org

    members = org.memberships().to_pyarrow()
    members = members.rename_columns(["person", "team", "valid_from", "valid_to"])
    con.register("members_arrow", members)
    con.execute("CREATE OR REPLACE TEMP TABLE members AS SELECT * FROM members_arrow")
    reps = org.rep_months(START, END).to_pyarrow().rename_columns(["person_id", "day"])
    con.register("reps_arrow", reps)
    con.execute("CREATE OR REPLACE TEMP TABLE rep_months AS SELECT * FROM reps_arrow")
    quotas = org.quota_months(START, END).to_pyarrow()
    con.register("quotas_arrow", quotas)
    con.execute("CREATE OR REPLACE TEMP TABLE quota_months AS SELECT * FROM quotas_arrow")


def _as_map(rows: list[dict[str, Any]], dimension: str | None) -> dict[tuple[Any, str], Any]:
    return {(row.get(dimension) if dimension else None, row["period"]): row["value"]
            for row in rows}


def _differences(attain: dict[tuple[Any, str], Any], sql: dict[tuple[Any, str], Any],
                 tolerance: Decimal) -> int:
    keys = set(attain) | set(sql)
    wrong = 0
    for key in keys:
        a, b = attain.get(key), sql.get(key)
        if a is None and b in (None, 0):
            continue
        if a is None or b is None or abs(Decimal(str(a)) - Decimal(str(b))) > tolerance:
            wrong += 1
    return wrong


def run(folder: Path) -> list[dict[str, Any]]:
    from django.core.management import call_command

    from attain import metrics
    from attain.warehouse import connection

    # An app database built by an earlier version gets the newer tables (team parents).
    call_command("migrate", verbosity=0)

    backend = connection.connect()
    rows: list[dict[str, Any]] = []
    results: dict[str, list[dict[str, Any]]] = {}
    for metric in metrics.catalog():
        by = ["team"] if "team" in metric.dimensions else []
        with timed() as took:
            table = metric.query(by=by, grain="month", start=START, end=END).to_pyarrow()
        results[metric.name] = table.to_pylist()
        rows.append({"metric": metric.name, "by": ",".join(by) or "company",
                     "rows": table.num_rows, "attain_s": took.seconds})
    con = backend.con
    _register_org(con)
    for row in rows:
        sql = SQL.get(row["metric"])
        if sql is None:
            continue
        with timed() as took:
            found = con.execute(sql).to_arrow_table().to_pylist()
        row["sql_s"] = took.seconds
        dimension = None if row["by"] == "company" else "team"
        places = metrics.get(row["metric"]).places
        tolerance = Decimal(1).scaleb(-places)
        row["differences"] = _differences(_as_map(results[row["metric"]], dimension),
                                          _as_map(found, dimension), tolerance)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transactions", type=int, default=10_000_000)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--data", default=None,
                        help="folder to build the data in and reuse (default under /tmp)")
    args = parser.parse_args()
    folder = Path(args.data or f"/tmp/attain-metrics-bench/{args.transactions}-{args.people}")
    folder.mkdir(parents=True, exist_ok=True)
    _setup_django(folder)
    with open(HEAVY_LOCK, "a") as lock:
        # Building and querying 10M rows are both heavy: one such job on the machine at once.
        fcntl.flock(lock, fcntl.LOCK_EX)
        build(folder, args.transactions, args.people)
        facts = pickle.loads((folder / "company.pickle").read_bytes())
        rows = run(folder)
    total = sum(row["attain_s"] for row in rows)
    compared = [row for row in rows if "sql_s" in row]
    attain_subset = sum(row["attain_s"] for row in compared)
    sql_subset = sum(row["sql_s"] for row in compared)
    shown = [{"metric": r["metric"], "by": r["by"], "rows": r["rows"],
              "Attain s": r["attain_s"], "SQL s": r.get("sql_s", ""),
              "÷ SQL": (f"{r['attain_s'] / r['sql_s']:.1f}x" if "sql_s" in r else ""),
              "differ": r.get("differences", "")} for r in rows]
    print_table(f"Every catalog metric by month, {START}..{END}, on "
                f"{facts['transactions']:,} transactions and {facts['people']:,} people", shown)
    print(f"all {len(rows)} metrics: {total:.1f} s in Attain "
          f"({total / len(rows):.2f} s a metric)")
    print(f"the {len(compared)} with hand-written SQL: Attain {attain_subset:.1f} s, "
          f"SQL {sql_subset:.1f} s, ratio {attain_subset / sql_subset:.1f}x")
    wrong = sum(row.get("differences", 0) for row in compared)
    if wrong:
        raise SystemExit(f"{wrong} values differ between Attain and the hand-written SQL")
    print("every compared value agrees (money to the cent, ratios to their last place)")


if __name__ == "__main__":
    main()
