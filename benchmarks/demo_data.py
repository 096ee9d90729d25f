"""Benchmark: generate the demo company at scale and load it into a DuckDB file.

    python benchmarks/demo_data.py [--transactions 10000000] [--people 10000]

Times generation (NumPy/Arrow) and loading (schema-checked, one transaction) of the whole
company with N transaction rows, and prints rows/s. Baseline in the same run: DuckDB copying
the very same Arrow tables into a file with no constraints (``CREATE TABLE AS``), the floor
for getting those rows onto this disk; Attain's load adds keys, NOT NULL and CHECKs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import in_subprocess, print_table, timed


def attain_generate_and_load(transactions: int, people: int, folder: str) -> dict[str, Any]:
    import duckdb

    from attain.warehouse import connection, load
    from attain.warehouse.demo import DemoOptions, generate

    url = f"duckdb:///{folder}/attain.duckdb"
    with timed() as generating:
        company = generate(DemoOptions(seed=7, as_of=dt.date(2026, 11, 24), people=people,
                                       transactions=transactions, split_share=0.30))
    # Baseline: the same Arrow tables written to a DuckDB file with no constraints at all.
    floor = duckdb.connect(f"{folder}/floor.duckdb")
    with timed() as copying:
        for name, table in company.tables.items():
            floor.register("incoming", table)
            floor.execute(f'CREATE TABLE "{name}" AS SELECT * FROM incoming')
            floor.unregister("incoming")
        floor.execute("CHECKPOINT")
    floor.close()
    with timed() as loading:
        load.create_tables(url=url, replace=True)
        counts = load.load_tables(company.tables, url=url)
    connection.disconnect(url)
    return {"generate_s": generating.seconds, "load_s": loading.seconds,
            "floor_s": copying.seconds,
            "transactions": counts["transactions"], "all_rows": sum(counts.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transactions", type=int, default=10_000_000)
    parser.add_argument("--people", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        attain = in_subprocess("benchmarks.demo_data", "attain_generate_and_load",
                               transactions=args.transactions, people=args.people,
                               folder=folder)
        size_mib = sum(p.stat().st_size for p in Path(folder).glob("attain.duckdb*")) / 2**20
    total = attain["generate_s"] + attain["load_s"]
    rows = [
        {"what": "Attain: generate whole company", "seconds": attain["generate_s"],
         "rows/s": int(attain["all_rows"] / attain["generate_s"]), "peak MiB": attain["peak_mib"]},
        {"what": "Attain: load (checked, one transaction)", "seconds": attain["load_s"],
         "rows/s": int(attain["all_rows"] / attain["load_s"]), "peak MiB": ""},
        {"what": "Attain: generate + load", "seconds": total,
         "rows/s": int(attain["all_rows"] / total), "peak MiB": attain["peak_mib"]},
        {"what": "Baseline: DuckDB CREATE TABLE AS the same Arrow, no constraints",
         "seconds": attain["floor_s"], "rows/s": int(attain["all_rows"] / attain["floor_s"]),
         "peak MiB": ""},
    ]
    print_table(f"Demo company at {attain['transactions']:,} transactions, "
                f"{attain['all_rows']:,} rows in all, {args.people:,} people "
                f"(warehouse file {size_mib:,.0f} MiB)", rows)
    print(f"transaction rows per second, generate + load: {attain['transactions'] / total:,.0f}"
          f"; checked load vs unconstrained copy: {attain['load_s'] / attain['floor_s']:.2f}x")


if __name__ == "__main__":
    main()
