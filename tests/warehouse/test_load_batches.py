"""Rows handed over a batch at a time (a large file's checked rows): they land exactly as a
whole table would, a bad batch after good ones lands nothing, and readers in other
connections read the old rows, unblocked, until a replace commits; on DuckDB and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import psycopg
import pyarrow as pa
import pytest

from attain.warehouse import connection, load, schema
from attain.warehouse.load import LoadError
from tests.warehouse.test_load import read_back, transactions


@pytest.fixture
def url(warehouse_url: str) -> str:
    """A warehouse with every table created, empty."""
    load.create_tables(url=warehouse_url)
    return warehouse_url


def in_batches(rows: pa.Table, size: int,
               between: Callable[[int], None] | None = None) -> pa.RecordBatchReader:
    """``rows`` as a reader of batches of ``size`` rows; ``between(n)`` runs before batch n
    (from 1), while the loader is part-way through."""
    def batches() -> Iterator[pa.RecordBatch]:
        for number, batch in enumerate(rows.to_batches(max_chunksize=size)):
            if between is not None and number:
                between(number)
            yield batch
    return pa.RecordBatchReader.from_batches(rows.schema, batches())


def ten() -> pa.Table:
    """T-1 … T-10, the same order line ten times over."""
    return transactions(*({} for _ in range(10)))


def test_batches_load_exactly_as_the_whole_table_would(url: str) -> None:
    # 10 rows in batches of 3: four batches (3, 3, 3, 1)
    assert load.load_table("transactions", in_batches(ten(), 3), url=url) == 10
    assert load.fingerprint(url=url, tables=["transactions"]) == \
        load.fingerprint_arrow({"transactions": ten()})
    written = load.load_tables({"transactions": in_batches(ten().slice(0, 4), 3)}, url=url)
    assert written == {"transactions": 4}
    assert load.table_counts(url=url)["transactions"] == 4  # replaced: T-1 … T-4


def test_batches_merge_by_key(url: str) -> None:
    load.load_table("transactions", ten().slice(0, 5), url=url)  # T-1 … T-5
    # T-1 … T-10 with T-2 one cent dearer: T-6 … T-10 new (5), T-2 updated, 4 unchanged
    changed = transactions(*({"amount": "2100.01"} if n == 2 else {} for n in range(1, 11)))
    assert load.merge_table("transactions", in_batches(changed, 3), url=url,
                            dry_run=True) == load.Merged(5, 1, 4)
    assert load.table_counts(url=url)["transactions"] == 5
    assert load.merge_table("transactions", in_batches(changed, 3), url=url) == \
        load.Merged(5, 1, 4)
    amounts = {r["transaction_id"]: r["amount"] for r in read_back(url, "transactions")}
    assert len(amounts) == 10 and amounts["T-2"] == Decimal("2100.01")
    assert amounts["T-1"] == Decimal("2100.00")


def test_a_merge_into_a_table_not_created_counts_batches_in_a_dry_run(
        warehouse_url: str) -> None:
    assert load.merge_table("transactions", in_batches(ten(), 4), url=warehouse_url,
                            dry_run=True) == load.Merged(10, 0, 0)
    assert "transactions" not in load.table_counts(url=warehouse_url)


@pytest.mark.parametrize("how", ["replace", "append", "merge"])
@pytest.mark.parametrize(("change", "words"), [
    # a value the loader cannot convert (found while the database reads the batches)
    ({"booked_on": "31/03/2025"}, "booked_on"),
    # a value the database refuses (its CHECK constraint)
    ({"discount": "1.5"}, "constraint"),
    # a key already in an earlier batch
    ({"transaction_id": "T-1"}, "constraint"),
])
def test_a_bad_row_in_a_late_batch_loads_nothing(url: str, how: str,
                                                 change: dict[str, str], words: str) -> None:
    load.load_table("transactions", transactions({"transaction_id": "OLD-1"}), url=url)
    before = load.fingerprint(url=url, tables=["transactions"])
    # rows 1-9 good, row 10 (in the fourth batch of 3) bad
    rows = transactions(*({} for _ in range(9)), change)
    with pytest.raises(LoadError) as refused:
        if how == "merge":
            load.merge_table("transactions", in_batches(rows, 3), url=url)
        else:
            load.load_table("transactions", in_batches(rows, 3), url=url,
                            mode=how)  # type: ignore[arg-type]
    assert refused.value.table == "transactions"
    assert words in str(refused.value)
    assert load.fingerprint(url=url, tables=["transactions"]) == before


def _count_elsewhere(where: str) -> int:
    """The table's rows as another connection sees them (this is run in another thread, and
    each thread has its own connection), refusing to wait more than a few seconds."""
    with ThreadPoolExecutor(1) as pool:
        def count() -> int:
            backend = connection.connect(where)
            if backend.name == "postgres":
                backend.con.execute("SET lock_timeout = '3s'")
            return int(backend.table("transactions").count().to_pyarrow().as_py())
        return pool.submit(count).result(timeout=30)


def test_readers_read_the_old_rows_unblocked_while_a_replace_is_under_way(
        url: str) -> None:
    load.load_table("transactions", ten().slice(0, 2), url=url)  # T-1, T-2
    seen: list[int] = []
    # the replace has emptied the table in its transaction and written the first batch
    # when the reader looks; TRUNCATE would make the reader wait (and time out) here
    load.load_table("transactions", in_batches(ten(), 4,
                                               lambda _n: seen.append(_count_elsewhere(url))),
                    url=url)
    assert seen == [2, 2]  # before the second and the third batch: the old two rows
    assert _count_elsewhere(url) == 10


def test_a_reader_whose_snapshot_began_before_a_replace_never_finds_the_table_empty(
        url: str) -> None:
    # A swap by DROP/RENAME or a TRUNCATE is not MVCC-safe on PostgreSQL: a transaction
    # whose snapshot is older than the commit would read the new table as empty.
    load.load_table("transactions", ten().slice(0, 2), url=url)  # T-1, T-2
    backend = connection.connect(url)
    if backend.name != "postgres":
        pytest.skip("DuckDB transactions read their own snapshot of the catalog too; "
                    "the PostgreSQL case is the one a swap could break")
    spec = connection.parse_url(url)
    with psycopg.connect(host=spec.host, port=spec.port, user=spec.user,
                         dbname=spec.database,
                         options=f"-c search_path={spec.schema}") as reader:
        reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        reader.execute("SELECT 1 FROM fx_rates LIMIT 1")  # the snapshot is taken here
        load.load_table("transactions", ten(), url=url)
        [(old,)] = reader.execute("SELECT count(*) FROM transactions").fetchall()
        reader.execute("COMMIT")
        [(new,)] = reader.execute("SELECT count(*) FROM transactions").fetchall()
    assert (old, new) == (2, 10)


@pytest.mark.parametrize("typed", [True, False])
def test_a_parquet_file_merges_and_a_bad_row_in_it_loads_nothing(
        url: str, tmp_path: Path, typed: bool) -> None:
    import pyarrow.parquet as pq

    # typed: the columns have the table's types already (DuckDB reads the file itself);
    # else they are text, converted a batch at a time as the file is read
    rows = ten()
    if typed:
        rows = rows.cast(pa.schema([pa.field(name, load._arrow_type(column))
                                    for name, column in zip(rows.column_names,
                                                            schema.get("transactions").columns,
                                                            strict=True)]))
    pq.write_table(rows, tmp_path / "rows.parquet", row_group_size=3)
    assert load.merge_table("transactions", tmp_path / "rows.parquet", url=url) == \
        load.Merged(10, 0, 0)
    assert load.fingerprint(url=url, tables=["transactions"]) == \
        load.fingerprint_arrow({"transactions": ten()})
    before = load.fingerprint(url=url, tables=["transactions"])
    # T-11 new, T-12 with a discount above 1: refused by the table's CHECK, nothing lands
    bad = transactions({}, {"discount": "1.5"}).slice(0, 2)
    bad = bad.set_column(0, "transaction_id", pa.array(["T-11", "T-12"]))
    pq.write_table(bad.cast(rows.schema), tmp_path / "bad.parquet")
    with pytest.raises(LoadError, match="constraint"):
        load.merge_table("transactions", tmp_path / "bad.parquet", url=url)
    assert load.fingerprint(url=url, tables=["transactions"]) == before
