"""Benchmark: importing transactions from CSV with full validation, against a bare DuckDB read.

    python -m benchmarks.ingest [--rows 1000000] [--bigger 5000000] [--keep DIR]

The file is N order lines referring to 1,000 people, 5,000 accounts and 200 products that
are imported first (untimed). Then, each in a fresh Python so its peak memory is its own:

- Attain: ``import_file("transactions", …)``: encoding and delimiter detection, reading,
  every check of the kind (types, money places, required, allowed values, CHECKs, duplicate
  keys, references to people, accounts and products), the comparison with the warehouse and
  the all-or-nothing load into the DuckDB warehouse file;
- the baseline: a bare DuckDB ``CREATE TABLE … AS SELECT * FROM read_csv(file)`` (types
  sniffed, no checks) in a fresh in-memory database.

It prints rows per second and peak memory of each and the ratio, then the seconds of each
stage of the two imports (read, check, prepare, diff, write, commit: see ``STAGES``); it
never fails on time. With ``--bigger N`` it measures a second file of N rows the same way
and prints the peak memory at both sizes side by side: the checked rows reach the warehouse
a batch at a time, so the import's peak should not grow with the file the way the rows do.
It takes no lock itself: run it under ``flock /tmp/attain-heavy.lock``.
The target is at least 200,000 rows/s for Attain.
"""

from __future__ import annotations

import argparse
import itertools
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import in_subprocess, print_table, timed

PEOPLE, ACCOUNTS, PRODUCTS = 1_000, 5_000, 200


def _django(folder: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attain.settings")
    os.environ["ATTAIN_VAR_DIR"] = str(folder / "var")
    os.environ["ATTAIN_WAREHOUSE_URL"] = f"duckdb:///{folder / 'warehouse.duckdb'}"
    os.environ.pop("ATTAIN_DATABASE_URL", None)
    import django

    django.setup()


def build(folder: str, rows: int) -> dict[str, Any]:
    """The transactions file and the people, accounts and products it refers to, imported."""
    import duckdb
    from django.core.management import call_command

    path = Path(folder)
    _django(path)
    call_command("migrate", verbosity=0)
    from attain.ingest import services

    con = duckdb.connect()
    con.execute(f"""COPY (SELECT 'E' || i AS employee_id, 'Seller ' || i AS name,
        'seller' || i || '@example.com' AS email, 'rep' AS role, DATE '2024-01-01' AS hire_date
        FROM range({PEOPLE}) t(i)) TO '{path / "people.csv"}' (HEADER)""")
    con.execute(f"""COPY (SELECT 'A' || i AS account_id, 'Account ' || i AS name,
        'Retail' AS industry, 'smb' AS segment, 'NA' AS region, 'US' AS country,
        10 + i % 500 AS employees, DATE '2020-01-01' AS created_on, NULL AS owner_id,
        'direct' AS channel FROM range({ACCOUNTS}) t(i)) TO '{path / "accounts.csv"}' (HEADER)""")
    con.execute(f"""COPY (SELECT 'P' || i AS product_id, 'Product ' || i AS name,
        'Cloud' AS family, CAST(100 + i AS DECIMAL(18, 2)) AS list_price,
        CAST(20 + i AS DECIMAL(18, 2)) AS unit_cost, 'USD' AS currency,
        false AS is_recurring FROM range({PRODUCTS}) t(i)) TO '{path / "products.csv"}'
        (HEADER)""")
    with timed() as writing:
        con.execute(f"""COPY (SELECT 'T' || i AS transaction_id, 'SO-' || (i // 3) AS order_id,
            NULL AS opportunity_id, 'A' || (i % {ACCOUNTS}) AS account_id,
            'P' || (i % {PRODUCTS}) AS product_id, 'E' || (i % {PEOPLE}) AS owner_id,
            'new' AS deal_type, 1 + i % 5 AS quantity,
            CAST((10000 + i % 90000) AS DECIMAL(18, 2)) / 100 AS price,
            CAST(price AS DECIMAL(18, 2)) AS unit_price, 0 AS discount,
            CAST((1 + i % 5) * unit_price AS DECIMAL(18, 2)) AS amount,
            CAST(round(amount / 4, 2) AS DECIMAL(18, 2)) AS cost, 'USD' AS currency,
            DATE '2026-01-01' + CAST(i % 365 AS INTEGER) AS booked_on, NULL AS invoiced_on,
            NULL AS paid_on, 'order' AS kind, NULL AS reverses_transaction_id
            FROM range({rows}) t(i)) TO '{path / "transactions.csv"}' (HEADER)""")
        con.execute(f"""COPY (SELECT * EXCLUDE (price) FROM read_csv('{path / "transactions.csv"}',
            all_varchar = true)) TO '{path / "tx.csv"}' (HEADER)""")
        os.replace(path / "tx.csv", path / "transactions.csv")
    for kind in ("people", "accounts", "products"):
        report = services.import_file(kind, path / f"{kind}.csv")
        if not report.ok:
            raise RuntimeError(f"{kind}: {[str(issue) for issue in report.errors[:5]]}")
    return {"seconds": writing.seconds,
            "megabytes": round((path / "transactions.csv").stat().st_size / 2**20, 1)}


STAGES = {
    "reading": "read",
    "checking": "check",
    "loading": "prepare",
    "comparing": "diff",
    "writing": "write",
    "committing": "commit",
}
"""The import's progress messages and the stage each one starts, in order: read the file;
type and check every rule; prepare (the checked rows to Arrow, the scratch tables dropped,
the write lock, the rows handed to the warehouse and their keys checked); diff (count new
and changed rows against the warehouse); write; commit (and the audit entry)."""


def attain_import(folder: str) -> dict[str, Any]:
    path = Path(folder)
    _django(path)
    from attain.ingest import services

    marks: list[tuple[str, float]] = []

    def progress(message: str, _fraction: float) -> None:
        marks.append((message, time.perf_counter()))

    with timed() as importing:
        report = services.import_file("transactions", path / "transactions.csv",
                                      progress=progress)
    if not report.ok:
        raise RuntimeError([str(issue) for issue in report.errors[:5]])
    stages = {STAGES[message]: round(following[1] - started, 2)
              for (message, started), following in itertools.pairwise(marks)
              if message in STAGES}
    return {"seconds": importing.seconds, "rows": report.rows, "added": report.added,
            "unchanged": report.unchanged, "stages": stages}


def duckdb_read(folder: str) -> dict[str, Any]:
    import duckdb

    path = Path(folder)
    con = duckdb.connect()
    with timed() as reading:
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path / 'transactions.csv'}')")
    [(rows,)] = con.execute("SELECT count(*) FROM t").fetchall()
    return {"seconds": reading.seconds, "rows": int(rows)}


def measure(folder: str, count: int) -> dict[str, dict[str, Any]]:
    """Build a file of ``count`` rows in ``folder``, then the baseline and both imports,
    each in its own Python; print their figures."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    built = in_subprocess("benchmarks.ingest", "build", folder=folder, rows=count)
    print(f"{count:,} transaction rows, {built['megabytes']} MB of CSV "
          f"(written in {built['seconds']:.1f} s)")
    baseline = in_subprocess("benchmarks.ingest", "duckdb_read", folder=folder)
    first = in_subprocess("benchmarks.ingest", "attain_import", folder=folder)
    again = in_subprocess("benchmarks.ingest", "attain_import", folder=folder)
    rows = []
    for label, result in (("bare DuckDB read_csv (baseline)", baseline),
                          ("Attain import, new rows", first),
                          ("Attain import, same file again (nothing changes)", again)):
        rows.append({
            "what": label, "seconds": round(result["seconds"], 2),
            "rows/s": int(result["rows"] / result["seconds"]),
            "peak MiB": result["peak_mib"],
            "× baseline": round(result["seconds"] / baseline["seconds"], 1),
        })
    print_table(f"Importing {count:,} transactions from CSV", rows)
    print_table("Seconds per stage of the import (a stage not reached: nothing to write)", [
        {"import": label, **{stage: result["stages"].get(stage, "") for stage in
                             STAGES.values()}}
        for label, result in (("new rows", first), ("same file again", again))])
    if first.get("added") != count or again.get("unchanged") != count:
        raise SystemExit(f"unexpected counts: {first} / {again}")
    return {"baseline": baseline, "first": first, "again": again}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bigger", type=int, default=0,
                        help="also measure a file of this many rows (e.g. 5000000) and "
                             "compare peak memory")
    parser.add_argument("--keep", default=None, help="build the data in this folder")
    args = parser.parse_args()
    folder = args.keep or tempfile.mkdtemp(prefix="attain-bench-ingest-")
    sizes = [args.rows] + ([args.bigger] if args.bigger else [])
    results = {count: measure(str(Path(folder) / f"rows-{count}") if args.bigger else folder,
                              count) for count in sizes}
    if len(sizes) > 1:
        small, large = sizes
        print_table("Peak memory (MiB) by file size", [
            {"what": label,
             **{f"{count:,} rows": results[count][key]["peak_mib"] for count in sizes},
             "× for the rows": round(large / small, 1),
             "× for the peak": round(results[large][key]["peak_mib"]
                                     / results[small][key]["peak_mib"], 2)}
            for key, label in (("baseline", "bare DuckDB read_csv (baseline)"),
                               ("first", "Attain import, new rows"),
                               ("again", "Attain import, same file again"))])


if __name__ == "__main__":
    main()
