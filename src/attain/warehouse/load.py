"""Loading rows into the warehouse: the one place rows get in.

Everything that writes source rows into the warehouse tables (the demo generator, the
importers, tests) hands rows to :func:`load_table`, :func:`load_tables` or
:func:`merge_table`: an Arrow table, or, for rows of any number in bounded memory, Arrow
record batches (read once) or a Parquet file (read a row group at a time, as often as
needed; imports use it). This module checks the columns against
:mod:`attain.warehouse.schema`, casts them to the schema's types, and writes them in one
transaction per call through :func:`connection.writing`, with each backend's bulk path:
DuckDB scans the Arrow data or the Parquet file natively, PostgreSQL receives the rows by
``COPY``, a record batch at a time.

Readers are never locked out: a replace remakes the table inside the transaction on DuckDB
and deletes its rows on PostgreSQL (not TRUNCATE, which locks readers out until the commit
and is not safe for a reader whose snapshot is older than the commit); either way other
connections read the old rows until the commit swaps in the new ones at once.

Every rule of the schema is checked inside the write transaction, so a load is all or
nothing: a single bad row rolls the whole call back and raises :class:`LoadError` naming the
table and the reason, and every table is exactly as it was before. The database enforces
NOT NULL and CHECK, and primary keys on PostgreSQL; DuckDB tables have no key index (DuckDB
builds it while inserting, which made a bulk load several times slower), so on DuckDB this
module checks keys itself with a query before each insert.

:func:`merge_table` upserts by primary key (imports use it): the comparison with the stored
rows and the writing of what changed happen in one transaction under the write lock, in the
warehouse, without reading the table into Python.

:func:`fingerprint` and :func:`fingerprint_arrow` digest table contents canonically, so a
run can record exactly which inputs it saw and a generator can be checked before loading.

This module must never: write rows one at a time or loop over rows in Python; round,
truncate or otherwise change a value to make it fit (money arriving as ``float`` is refused,
and a cast that would lose digits fails); leave part of a failed load behind; hold a whole
batch-wise input in memory; or write
anywhere but the tables named in the schema (on PostgreSQL a merge stages its rows in a
temporary table, dropped at commit).
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeAlias

import duckdb
import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from ibis.backends import BaseBackend

from attain.warehouse import connection, schema
from attain.warehouse.connection import WarehouseError
from attain.warehouse.schema import Table

__all__ = [
    "LoadError",
    "Merged",
    "create_tables",
    "fingerprint",
    "fingerprint_arrow",
    "load_table",
    "load_tables",
    "merge_table",
    "table_counts",
]

_BATCH_ROWS = 100_000
"""Rows per record batch when streaming to PostgreSQL and when digesting."""

_DATABASE_ERRORS: tuple[type[Exception], ...] = (duckdb.Error, psycopg.Error)


class LoadError(WarehouseError):
    """Rows that could not be loaded, with the table and the reason, for a person to fix."""

    def __init__(self, message: str, *, table: str = "") -> None:
        super().__init__(f"{table}: {message}" if table else message)
        self.table = table
        """The warehouse table concerned (empty when the problem is not one table's)."""
        self.reason = message
        """What is wrong, without the table name."""


# --- columns and types ------------------------------------------------------------------


def _arrow_type(column: schema.Column) -> pa.DataType:
    arrow_type: pa.DataType = column.ibis_type.to_pyarrow()
    return arrow_type


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _column_list(table: Table) -> str:
    return ", ".join(_quote(name) for name in table.column_names)


def _table_for(name: str) -> Table:
    try:
        return schema.get(name)
    except KeyError as error:
        raise LoadError(str(error.args[0])) from None


def _conform_column(
    table: Table, column: schema.Column, values: pa.ChunkedArray
) -> pa.ChunkedArray:
    target = _arrow_type(column)
    source = values.type
    if pa.types.is_dictionary(source):
        values = values.cast(source.value_type)
        source = values.type
    if pa.types.is_string(target) and (
        pa.types.is_large_string(source) or pa.types.is_string(source)
    ):
        return values  # both scan and digest the same; casting large text could overflow
    if pa.types.is_decimal(target) and pa.types.is_floating(source):
        raise LoadError(
            f"column {column.name} is {source}: money and rates must arrive as decimals, "
            "integers or text, never floats (a float has already lost cents)",
            table=table.name,
        )
    if source == target:
        return values
    try:
        return values.cast(target, safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise LoadError(
            f"column {column.name} cannot be read as {column.sql_type} "
            f"(it is {source}): {error}",
            table=table.name,
        ) from None


def _check_names(table: Table, given: list[str]) -> None:
    """Raise :class:`LoadError` unless ``given`` are exactly the table's columns."""
    expected = table.column_names
    missing = [name for name in expected if name not in given]
    unexpected = [name for name in given if name not in expected]
    problems = []
    if missing:
        problems.append("missing columns: " + ", ".join(missing))
    if unexpected:
        problems.append("unexpected columns: " + ", ".join(unexpected))
    duplicated = sorted({name for name in given if given.count(name) > 1})
    if duplicated:
        problems.append("columns given twice: " + ", ".join(duplicated))
    if problems:
        raise LoadError("; ".join(problems), table=table.name)


def _conform(table: Table, data: pa.Table) -> pa.Table:
    """``data`` with exactly the schema's columns, in schema order, cast to its types."""
    _check_names(table, data.column_names)
    return pa.table(
        [_conform_column(table, column, data.column(column.name)) for column in table.columns],
        names=table.column_names,
    )


Rows: TypeAlias = pa.Table | pa.RecordBatchReader | Path
"""What the load functions take: a whole Arrow table; record batches, read once; or a
Parquet file (``Path``), read a batch at a time as often as needed. Batches and Parquet
keep memory bounded whatever the number of rows."""


class _Batches:
    """A table's rows arriving as record batches, conformed one at a time and counted.

    The batches can be read once. A batch that cannot be conformed raises
    :class:`LoadError`; it is also kept in :attr:`error`, because a database scanning the
    batches reports it as its own error, which the caller replaces with this one.
    """

    def __init__(self, table: Table, reader: pa.RecordBatchReader,
                 parquet: Path | None = None) -> None:
        self.table = table
        self.source = reader
        self.parquet = parquet
        """The Parquet file the batches are read from, if they are: a database may read it
        itself, as often as it needs."""
        given = reader.schema.names
        _check_names(table, given)
        empty = {name: pa.chunked_array([], reader.schema.field(name).type) for name in given}
        # the types each column will have, known before the first batch
        self.schema = pa.schema([
            pa.field(column.name, _conform_column(table, column, empty[column.name]).type)
            for column in table.columns])
        self.rows = 0
        """Rows passed on so far (all of them once the batches are read)."""
        self.error: LoadError | None = None
        self.as_given = all(self.schema.field(name).type == reader.schema.field(name).type
                            for name in table.column_names)
        """Whether every column has its type already (so a database may scan the batches
        as given, and count them itself)."""

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        for batch in self.source:
            try:
                columns = [
                    _conform_column(self.table, column,
                                    pa.chunked_array([batch.column(column.name)]))
                    for column in self.table.columns]
            except LoadError as error:
                self.error = error
                raise
            conformed = pa.Table.from_arrays(columns, schema=self.schema)
            for piece in conformed.to_batches(max_chunksize=_BATCH_ROWS):
                self.rows += piece.num_rows
                yield piece

    def reader(self) -> pa.RecordBatchReader:
        """The conformed batches as a reader, for a database to scan: the batches as given
        when their types are right already (no Python between the two; the database then
        sets :attr:`rows`), else each conformed."""
        if self.as_given:
            return self.source
        return pa.RecordBatchReader.from_batches(self.schema, iter(self))


def _prepared(table: Table, data: Rows) -> pa.Table | _Batches:
    if isinstance(data, pa.Table):
        return _conform(table, data)
    if isinstance(data, pa.RecordBatchReader):
        return _Batches(table, data)
    if isinstance(data, Path):
        try:
            file = pq.ParquetFile(data)
        except (OSError, pa.ArrowException) as error:
            raise LoadError(f"the rows cannot be read from {data.name}: {error}",
                            table=table.name) from None
        reader = pa.RecordBatchReader.from_batches(
            file.schema_arrow, file.iter_batches(batch_size=_BATCH_ROWS))
        return _Batches(table, reader, parquet=data)
    raise TypeError("rows must be a pyarrow Table or RecordBatchReader, or the Path of a "
                    f"Parquet file, not {type(data)}")


def _row_count(data: pa.Table | _Batches) -> int:
    return data.num_rows if isinstance(data, pa.Table) else data.rows


# --- one transaction per backend -----------------------------------------------------------


class _Session(Protocol):
    """One open transaction on the warehouse: what loading and reading need of a backend."""

    def execute(self, sql: str) -> None: ...

    def rows(self, sql: str) -> list[tuple[Any, ...]]: ...

    def create(self, table: Table) -> None: ...

    def clear(self, table: Table) -> None: ...

    def insert(self, table: Table, data: pa.Table | _Batches, *, appending: bool) -> None: ...

    def stage(self, table: Table, data: pa.Table | _Batches) -> str: ...

    def merge(self, table: Table, staged: str, *, updates: bool, all_new: bool) -> None: ...

    def batches(self, table: Table, sql: str) -> Iterator[pa.RecordBatch]: ...


def _key_text(table: Table, alias: str) -> str:
    """SQL naming a row's key for a person: ``transaction_id: T-1`` (both backends)."""
    parts = [f"'{key}: ' || CAST({alias}.{_quote(key)} AS VARCHAR)" for key in table.primary_key]
    return " || ', ' || ".join(parts)


def _keys_equal(table: Table, left: str, right: str) -> str:
    return " AND ".join(f"{left}.{_quote(key)} = {right}.{_quote(key)}"
                        for key in table.primary_key)


def _differs(table: Table, left: str, right: str) -> str:
    """SQL true when two rows with the same key differ in any other column (NULL = NULL)."""
    others = [name for name in table.column_names if name not in table.primary_key]
    return " OR ".join(f"{left}.{_quote(name)} IS DISTINCT FROM {right}.{_quote(name)}"
                       for name in others) or "false"


def _refuse_duplicate_keys(session: _Session, table: Table, relation: str,
                           *, against: str | None = None) -> None:
    """Raise :class:`LoadError` when ``relation`` has a key twice, or (with ``against``) a
    key that table holds already: the primary-key rule, where no index enforces it.

    The reason says "constraint", as the database's own refusal would."""
    keys = ", ".join(_quote(key) for key in table.primary_key)
    repeated = session.rows(
        f"SELECT {_key_text(table, 'i')}, count(*) FROM (SELECT {keys} FROM {relation}) i "
        f"GROUP BY {', '.join('i.' + _quote(key) for key in table.primary_key)} "
        "HAVING count(*) > 1 LIMIT 1")
    if repeated:
        [(key, count)] = repeated
        raise LoadError(f'duplicate key "{key}" violates the primary key constraint '
                        f"({count} rows have it), nothing was loaded", table=table.name)
    if against is not None:
        present = session.rows(
            f"SELECT {_key_text(table, 'i')} FROM {relation} i WHERE EXISTS (SELECT 1 FROM "
            f"{against} e WHERE {_keys_equal(table, 'i', 'e')}) LIMIT 1")
        if present:
            raise LoadError(f'duplicate key "{present[0][0]}" violates the primary key '
                            "constraint (the table has it already), nothing was loaded",
                            table=table.name)


_DUCKDB_ROW_GROUP = 122_880
_DUCKDB_MAX_BATCH = 8 * _DUCKDB_ROW_GROUP


def _parallel_batches(data: pa.Table) -> pa.Table:
    """``data`` cut into batches DuckDB can insert on all threads.

    DuckDB gives each thread whole record batches: a table in one chunk loads on one core
    (measured: half the speed on two), and many small batches cost more than they share.
    """
    if data.num_rows == 0:
        return data
    if data.num_rows / max(data.column(0).num_chunks, 1) < _DUCKDB_ROW_GROUP / 2:
        data = data.combine_chunks()
    batch_rows = min(max(-(-data.num_rows // 8), _DUCKDB_ROW_GROUP), _DUCKDB_MAX_BATCH)
    return pa.Table.from_batches(data.to_batches(max_chunksize=batch_rows), schema=data.schema)


def _rereadable(data: pa.Table | _Batches) -> bool:
    """Whether DuckDB can read ``data`` more than once without copying it first."""
    return isinstance(data, pa.Table) or (data.parquet is not None and data.as_given)


class _DuckDBSession:
    """A DuckDB cursor: its own transaction, so readers on the shared connection see none of
    it before commit.

    Tables have no primary-key index here (see :func:`schema.create_table_sql`): each write
    checks its keys with a query in the same transaction instead, before inserting.
    """

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self.cursor = cursor
        self.views: list[str] = []
        self.temporary: list[str] = []
        self.temporary_views: list[str] = []

    def execute(self, sql: str) -> None:
        self.cursor.execute(sql)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self.cursor.execute(sql).fetchall()

    def create(self, table: Table) -> None:
        self.cursor.execute(schema.create_table_sql(table, primary_key=False))

    def clear(self, table: Table) -> None:
        # Making the table again is as transactional as deleting its rows, far cheaper, and
        # readers keep seeing the old table until commit.
        self.cursor.execute(f"DROP TABLE {_quote(table.name)}")
        self.create(table)

    def _register(self, data: pa.Table | _Batches) -> str:
        """A name to read ``data`` by: as often as needed (see :func:`_rereadable`), or once."""
        view = f"attain_load_{uuid.uuid4().hex}"
        if isinstance(data, pa.Table):
            # scanned zero-copy, one thread per record batch, as often as needed
            self.cursor.register(view, _parallel_batches(data))
        elif data.parquet is not None and data.as_given:
            # read by DuckDB from the file, in parallel, a row group at a time
            self.cursor.execute(f"CREATE TEMPORARY VIEW {view} AS SELECT * FROM "
                                f"read_parquet({_literal(str(data.parquet))})")
            self.temporary_views.append(view)
            return view
        else:
            self.cursor.register(view, data.reader())  # scanned once, a batch at a time
        self.views.append(view)
        return view

    def stage(self, table: Table, data: pa.Table | _Batches) -> str:
        view = self._register(data)
        if _rereadable(data):
            if isinstance(data, _Batches):
                [(count,)] = self.cursor.execute(f"SELECT count(*) FROM {view}").fetchall()
                data.rows = int(count)
            return view
        # Batches are read once: they land in a temporary table of this transaction, which
        # DuckDB keeps within its memory limit (spilling to its temporary folder).
        staged = f"attain_load_{uuid.uuid4().hex}"
        [(count,)] = self.cursor.execute(
            f"CREATE TEMPORARY TABLE {staged} AS SELECT * FROM {view}").fetchall()
        data.rows = int(count)
        self.temporary.append(staged)
        return staged

    def insert(self, table: Table, data: pa.Table | _Batches, *, appending: bool) -> None:
        columns = _column_list(table)
        target = _quote(table.name)
        if not _rereadable(data) and not appending:
            # The table was just made empty in this transaction: the batches go straight
            # in, a batch at a time, and the keys are checked in the table afterwards.
            view = self._register(data)
            [(count,)] = self.cursor.execute(
                f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {view}").fetchall()
            data.rows = int(count)
            _refuse_duplicate_keys(self, table, target)
            return
        staged = self.stage(table, data)
        _refuse_duplicate_keys(self, table, staged, against=target if appending else None)
        self.cursor.execute(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {staged}")

    def merge(self, table: Table, staged: str, *, updates: bool, all_new: bool) -> None:
        # Rows whose key is new or whose values changed: the changed ones leave first, then
        # every staged row whose key is not (or no longer) in the table goes in.
        target = _quote(table.name)
        if updates:
            self.cursor.execute(
                f"DELETE FROM {target} e USING {staged} i WHERE {_keys_equal(table, 'i', 'e')} "
                f"AND ({_differs(table, 'i', 'e')})")
        columns = _column_list(table)
        only_missing = "" if all_new else (
            f" WHERE NOT EXISTS (SELECT 1 FROM {target} e WHERE {_keys_equal(table, 'i', 'e')})")
        self.cursor.execute(
            f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {staged} i{only_missing}")

    def batches(self, table: Table, sql: str) -> Iterator[pa.RecordBatch]:
        reader = self.cursor.execute(sql).to_arrow_reader(_BATCH_ROWS)
        yield from reader

    def finish(self) -> None:
        """Drop what the session staged, before its commit."""
        for staged in self.temporary:
            self.cursor.execute(f"DROP TABLE {staged}")
        for view in self.temporary_views:
            self.cursor.execute(f"DROP VIEW {view}")
        self.temporary.clear()
        self.temporary_views.clear()

    def close(self) -> None:
        for view in self.views:
            self.cursor.unregister(view)


class _CopyOutFile(io.RawIOBase):
    """The bytes of a PostgreSQL ``COPY … TO STDOUT`` as a readable file, for pyarrow."""

    def __init__(self, copy: psycopg.Copy) -> None:
        self._chunks = iter(copy)
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        target = memoryview(buffer).cast("B")
        written = 0
        while written < len(target):
            if not self._pending:
                chunk = next(self._chunks, None)
                if chunk is None:
                    break
                self._pending = memoryview(chunk).cast("B")
            size = min(len(target) - written, len(self._pending))
            target[written : written + size] = self._pending[:size]
            self._pending = self._pending[size:]
            written += size
        return written


class _PostgresSession:
    """A psycopg cursor inside one transaction; bulk data goes by COPY in CSV."""

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self.cursor = cursor

    def execute(self, sql: str) -> None:
        self.cursor.execute(sql.encode())

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self.cursor.execute(sql.encode()).fetchall()

    def create(self, table: Table) -> None:
        self.execute(schema.create_table_sql(table))

    def clear(self, table: Table) -> None:
        # DELETE, not TRUNCATE: TRUNCATE locks the table against readers until the commit,
        # and a reader whose snapshot is older than the commit would find it empty. Deleted
        # rows stay visible to every other transaction until the commit, which swaps old
        # for new at once; autovacuum reclaims their space afterwards.
        self.execute(f"DELETE FROM {_quote(table.name)}")

    def _copy(self, target: str, table: Table, data: pa.Table | _Batches) -> None:
        options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
        statement = f"COPY {target} ({_column_list(table)}) FROM STDIN (FORMAT csv)"
        batches = data.to_batches(max_chunksize=_BATCH_ROWS) \
            if isinstance(data, pa.Table) else data
        with self.cursor.copy(statement.encode()) as copy:
            # pyarrow writes NULL unquoted-empty and empty text as "", as COPY expects.
            for batch in batches:
                text = io.BytesIO()
                pa_csv.write_csv(batch, text, options)
                copy.write(text.getbuffer())

    def insert(self, table: Table, data: pa.Table | _Batches, *, appending: bool) -> None:
        # the table's primary key refuses a repeated key itself
        self._copy(_quote(table.name), table, data)

    def stage(self, table: Table, data: pa.Table | _Batches) -> str:
        # A temporary copy without constraints (the target's own are checked on merge),
        # dropped at commit; the table itself is only locked against other writers.
        staged = f"attain_load_{uuid.uuid4().hex}"
        self.execute(f"CREATE TEMPORARY TABLE {staged} (LIKE {_quote(table.name)}) "
                     "ON COMMIT DROP")
        self._copy(staged, table, data)
        self.execute(f"ANALYZE {staged}")
        self.execute(f"LOCK TABLE {_quote(table.name)} IN SHARE ROW EXCLUSIVE MODE")
        return staged

    def merge(self, table: Table, staged: str, *, updates: bool, all_new: bool) -> None:
        # New keys go in and changed rows are updated in place: readers keep reading the
        # committed rows throughout (no TRUNCATE, no table lock against them).
        columns = _column_list(table)
        keys = ", ".join(_quote(key) for key in table.primary_key)
        others = [name for name in table.column_names if name not in table.primary_key]
        action = "DO NOTHING"
        if updates and others:
            assignments = ", ".join(f"{_quote(name)} = EXCLUDED.{_quote(name)}"
                                    for name in others)
            action = (f"DO UPDATE SET {assignments} "
                      f"WHERE {_differs(table, _quote(table.name), 'EXCLUDED')}")
        self.execute(f"INSERT INTO {_quote(table.name)} ({columns}) SELECT {columns} "
                     f"FROM {staged} ON CONFLICT ({keys}) {action}")

    def close(self) -> None:
        return None

    def batches(self, table: Table, sql: str) -> Iterator[pa.RecordBatch]:
        self.cursor.execute(b"SET LOCAL datestyle = 'ISO, YMD'")
        read_options = pa_csv.ReadOptions(
            column_names=table.column_names, use_threads=False, block_size=1 << 22
        )
        convert_options = pa_csv.ConvertOptions(
            column_types={column.name: _arrow_type(column) for column in table.columns},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        )
        statement = f"COPY ({sql}) TO STDOUT (FORMAT csv)"
        with self.cursor.copy(statement.encode()) as copy:
            stream = io.BufferedReader(_CopyOutFile(copy), buffer_size=1 << 20)
            if not stream.peek(1):
                return  # an empty table: pyarrow refuses an empty CSV
            reader = pa_csv.open_csv(
                stream,
                read_options=read_options,
                parse_options=pa_csv.ParseOptions(newlines_in_values=True),
                convert_options=convert_options,
            )
            yield from reader


@contextmanager
def _duckdb_transaction(backend: BaseBackend) -> Iterator[_Session]:
    cursor = backend.con.cursor()
    try:
        # DuckDB draws a progress bar on the terminal for a long statement; the importer
        # reports progress itself (and a benchmark's output is read by a program)
        cursor.execute("SET enable_progress_bar = false")
        cursor.begin()
        session = _DuckDBSession(cursor)
        try:
            yield session
            session.finish()
        except BaseException:
            cursor.rollback()
            raise
        finally:
            session.close()
        cursor.commit()
    finally:
        cursor.close()


@contextmanager
def _postgres_transaction(backend: BaseBackend, *, read_only: bool) -> Iterator[_Session]:
    con: psycopg.Connection[Any] = backend.con
    with con.transaction(), con.cursor() as cursor:
        if read_only:
            # one snapshot for every table read, as DuckDB gives any transaction
            cursor.execute(b"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield _PostgresSession(cursor)


@contextmanager
def _transaction(backend: BaseBackend, *, read_only: bool = False) -> Iterator[_Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    if backend.name == "duckdb":
        with _duckdb_transaction(backend) as session:
            yield session
    elif backend.name == "postgres":
        with _postgres_transaction(backend, read_only=read_only) as session:
            yield session
    else:
        raise WarehouseError(f"loading into a {backend.name} warehouse is not supported yet")


def _existing_tables(session: _Session) -> set[str]:
    rows = session.rows(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_catalog = current_database() AND table_schema = current_schema()"
    )
    return {row[0] for row in rows}


def _existing_columns(session: _Session, name: str) -> list[str]:
    rows = session.rows(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema = current_schema() "
        f"AND table_name = {_literal(name)} ORDER BY ordinal_position"
    )
    return [row[0] for row in rows]


# --- writing -------------------------------------------------------------------------------


def create_tables(
    *, url: str | None = None, tables: Iterable[Table] = schema.TABLES, replace: bool = False
) -> None:
    """Create the warehouse tables with their keys, NOT NULL and CHECK constraints.

    A table that exists already is kept as it is when its columns are the schema's (and
    :class:`LoadError` is raised when they are not); with ``replace`` it is dropped and made
    again, empty. All tables change in one transaction.
    """
    wanted = tuple(tables)
    with connection.writing(url) as backend, _transaction(backend) as session:
        existing = _existing_tables(session)
        for table in wanted:
            if table.name in existing:
                if replace:
                    session.execute(f"DROP TABLE {_quote(table.name)}")
                else:
                    columns = _existing_columns(session, table.name)
                    if columns != table.column_names:
                        raise LoadError(
                            f"the warehouse table has columns {', '.join(columns)} but the "
                            f"schema has {', '.join(table.column_names)}; recreate it "
                            "(create_tables with replace=True) and load it again",
                            table=table.name,
                        )
                    continue
            session.create(table)


def _refused(table: Table, data: pa.Table | _Batches, error: Exception) -> LoadError:
    """The :class:`LoadError` for a database error while writing ``data``: a batch that
    could not be conformed when the database read it, else the database's reason."""
    if isinstance(data, _Batches) and data.error is not None:
        return data.error
    reason = str(error).strip()
    return LoadError(f"the database refused the rows, nothing was loaded: {reason}",
                     table=table.name)


def _write(
    session: _Session, existing: set[str], table: Table, data: pa.Table | _Batches, *,
    replace: bool
) -> None:
    if table.name not in existing:
        raise LoadError(
            "the table does not exist in the warehouse; create it first (create_tables)",
            table=table.name,
        )
    try:
        if replace:
            session.clear(table)
        session.insert(table, data, appending=not replace)
    except _DATABASE_ERRORS as error:
        raise _refused(table, data, error) from error


def load_table(
    name: str,
    data: Rows,
    *,
    url: str | None = None,
    mode: Literal["replace", "append"] = "replace",
) -> int:
    """Write ``data`` into warehouse table ``name`` in one transaction; return the rows written.

    ``data`` (a table, or record batches read once) must have exactly the table's columns
    (in any order); values are cast to the schema's types, and a cast that would lose
    information fails. ``replace`` deletes the
    table's rows first, in the same transaction; ``append`` adds to them. If the database
    refuses any row, nothing changes and :class:`LoadError` says why.
    """
    if mode not in ("replace", "append"):
        raise ValueError(f"mode must be 'replace' or 'append', not {mode!r}")
    return load_tables({name: data}, url=url, replace=mode == "replace")[name]


def load_tables(
    data: Mapping[str, Rows], *, url: str | None = None, replace: bool = True
) -> dict[str, int]:
    """Load several tables in one transaction, in the schema's dependency order.

    Either every table is written or, when anything fails, none is and every table is as it
    was. With ``replace`` each table named in ``data`` loses its previous rows; otherwise the
    rows are appended. Readers are never locked out: until the commit they read the rows as
    they were (DuckDB remakes the table inside the transaction, PostgreSQL deletes the rows,
    both invisible to others before the commit). Each table may come as record batches,
    written a batch at a time. Returns the rows written per table.
    """
    tables = [_table_for(name) for name in data]
    order = {table.name: position for position, table in enumerate(schema.TABLES)}
    tables.sort(key=lambda table: order[table.name])
    prepared = {table.name: _prepared(table, data[table.name]) for table in tables}
    with connection.writing(url) as backend, _transaction(backend) as session:
        existing = _existing_tables(session)
        for table in tables:
            _write(session, existing, table, prepared[table.name], replace=replace)
    return {table.name: _row_count(prepared[table.name]) for table in tables}


@dataclass(frozen=True)
class Merged:
    """What :func:`merge_table` did (or, in a dry run, would do), counted by key."""

    added: int
    """Rows whose key the table did not have."""
    updated: int
    """Rows whose key the table had, with some other value different."""
    unchanged: int
    """Rows exactly as the table has them already."""


Stage = Callable[[str], None]
"""Told when :func:`merge_table` starts ``comparing``, ``writing`` and ``committing``."""


def _no_stage(_stage: str) -> None:
    return None


def merge_table(
    name: str,
    data: Rows,
    *,
    url: str | None = None,
    dry_run: bool = False,
    on_stage: Stage | None = None,
) -> Merged:
    """Upsert ``data`` into table ``name`` by its primary key, in one transaction.

    Rows with a new key are added and rows that differ from the stored row with the same
    key replace it; rows the table holds already, and every row not in ``data``, stay as
    they are, so merging the same rows twice changes nothing. The comparison runs in the
    warehouse inside the write transaction, under :func:`connection.writing`, so no other
    writer can change the table between the counting and the writing. A table not created
    yet is created in the same transaction. With ``dry_run`` the counts are computed and
    nothing is written or created. Every constraint is checked as in :func:`load_table`;
    if any row is refused nothing changes and :class:`LoadError` says why. ``data`` may be
    record batches, read once: they are staged a batch at a time inside the transaction
    (a file's rows never need to be in Python's memory at once).
    """
    table = _table_for(name)
    conformed = _prepared(table, data)
    stage = on_stage or _no_stage
    target = _quote(table.name)
    with connection.writing(url) as backend, _transaction(backend) as session:
        try:
            if table.name not in _existing_tables(session):
                if dry_run:  # every row would be new; nothing may be created
                    if isinstance(conformed, _Batches):
                        for _batch in conformed:
                            pass  # counted, and each batch checked as it would be loaded
                    return Merged(_row_count(conformed), 0, 0)
                session.create(table)
            staged = session.stage(table, conformed)
            rows = _row_count(conformed)
            _refuse_duplicate_keys(session, table, staged)
            stage("comparing")
            e_key = "e." + _quote(table.primary_key[0])
            [(added, updated)] = session.rows(
                f"SELECT count(*) FILTER (WHERE {e_key} IS NULL), "
                f"count(*) FILTER (WHERE {e_key} IS NOT NULL AND ({_differs(table, 'i', 'e')}))"
                f" FROM {staged} i LEFT JOIN {target} e ON {_keys_equal(table, 'i', 'e')}")
            merged = Merged(int(added), int(updated), rows - int(added) - int(updated))
            if dry_run or not (merged.added or merged.updated):
                return merged
            stage("writing")
            session.merge(table, staged, updates=merged.updated > 0,
                          all_new=merged.added == rows)
        except _DATABASE_ERRORS as error:
            raise _refused(table, conformed, error) from error
        stage("committing")
    return merged


# --- reading back --------------------------------------------------------------------------


def table_counts(*, url: str | None = None) -> dict[str, int]:
    """Rows per warehouse table, in schema order; tables not created yet are left out."""
    backend = connection.connect(url)
    with _transaction(backend, read_only=True) as session:
        existing = _existing_tables(session)
        counts = {}
        for table in schema.TABLES:
            if table.name in existing:
                [(count,)] = session.rows(f"SELECT count(*) FROM {_quote(table.name)}")
                counts[table.name] = int(count)
    return counts


_TEXT_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))
_NULL_TEXT = "\\N"


def _text_bytes(values: pa.Array) -> memoryview:
    """The bytes of a text array's values, back to back (a slice shares its parent's buffer)."""
    _, offsets_buffer, data = values.buffers()
    if data is None:
        return memoryview(b"")
    offset_type = np.int64 if pa.types.is_large_string(values.type) else np.int32
    offsets = np.frombuffer(offsets_buffer, dtype=offset_type)
    start, end = offsets[values.offset], offsets[values.offset + len(values)]
    return memoryview(data)[start:end]


_ESCAPED_BYTES = tuple(raw.encode() for raw, _ in _TEXT_ESCAPES)


def _may_need_escapes(values: pa.Array) -> bool:
    """Whether any byte of the text needs escaping: a few byte scans, far cheaper than
    replacing."""
    text = _text_bytes(values).tobytes()
    return any(raw in text for raw in _ESCAPED_BYTES)


def _canonical_text(values: pa.Array) -> pa.Array:
    """Each value as canonical text: exact decimals, ISO dates and times, escaped text."""
    kind = values.type
    if pa.types.is_string_view(kind):
        values = values.cast(pa.large_string())
        kind = values.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        text = values
        if _may_need_escapes(values):
            for raw, escaped in _TEXT_ESCAPES:
                text = pc.replace_substring(text, raw, escaped)
    elif pa.types.is_timestamp(kind):
        text = pc.replace_substring(pc.cast(values, pa.string()), " ", "T", max_replacements=1)
    else:
        # decimals keep their scale ("12.30"), dates are ISO, booleans true/false
        text = pc.cast(values, pa.string())
    return pc.fill_null(text, _NULL_TEXT)


def _digest_batch(hasher: Any, batch: pa.RecordBatch) -> None:
    if batch.num_rows == 0:
        return
    texts = [_canonical_text(values) for values in batch.columns]
    lines = pc.binary_join_element_wise(*texts, "\t")
    lines = pc.binary_join_element_wise(lines, "\n", "")
    hasher.update(_text_bytes(lines))


def _digest(table: Table, batches: Iterable[pa.RecordBatch]) -> str:
    """sha256 of the header line then one line per row, rows in primary-key order."""
    hasher = hashlib.sha256()
    hasher.update(("\t".join(table.column_names) + "\n").encode())
    for batch in batches:
        _digest_batch(hasher, batch)
    return hasher.hexdigest()


def _ordered_select(table: Table, backend_name: str) -> str:
    # Byte order of text, as pyarrow sorts: DuckDB's default; PostgreSQL needs COLLATE "C".
    collate = ' COLLATE "C"' if backend_name == "postgres" else ""
    keys = ", ".join(
        _quote(key) + (collate if table.column(key).sql_type == "VARCHAR" else "")
        for key in table.primary_key
    )
    return f"SELECT {_column_list(table)} FROM {_quote(table.name)} ORDER BY {keys}"


def fingerprint(*, url: str | None = None, tables: Iterable[str] | None = None) -> dict[str, str]:
    """A sha256 per table of its whole content, independent of the order rows were written.

    Rows are read back in primary-key order and serialised canonically: a header of the
    column names, then one line per row with tab-separated values, ``\\N`` for NULL, text
    with backslash, tab, newline and carriage return escaped, decimals at the column's
    scale, dates and timestamps in ISO 8601. By default every table that exists is digested;
    naming a table that does not exist raises :class:`LoadError`.
    """
    backend = connection.connect(url)
    digests = {}
    with _transaction(backend, read_only=True) as session:
        existing = _existing_tables(session)
        if tables is None:
            wanted = [table for table in schema.TABLES if table.name in existing]
        else:
            wanted = [_table_for(name) for name in tables]
        for table in wanted:
            if table.name not in existing:
                raise LoadError("the table does not exist in the warehouse", table=table.name)
            sql = _ordered_select(table, backend.name)
            digests[table.name] = _digest(table, session.batches(table, sql))
    return digests


def fingerprint_arrow(data: Mapping[str, pa.Table]) -> dict[str, str]:
    """The digests :func:`fingerprint` would give once ``data`` is loaded, computed in memory.

    Each table is checked and cast as :func:`load_table` would, sorted by primary key and
    serialised the same way.
    """
    digests = {}
    for name, rows in data.items():
        table = _table_for(name)
        conformed = _conform(table, rows)
        ordered = conformed.sort_by([(key, "ascending") for key in table.primary_key])
        digests[name] = _digest(table, ordered.to_batches(max_chunksize=_BATCH_ROWS))
    return digests
