"""Loading rows into the warehouse: the one place rows get in.

Everything that writes source rows into the warehouse tables (the demo generator, the
importers, tests) hands Arrow tables to :func:`load_table` or :func:`load_tables`. This
module checks the columns against :mod:`attain.warehouse.schema`, casts them to the schema's
types, and writes them in one transaction per call through :func:`connection.writing`, with
each backend's bulk path: DuckDB scans the Arrow table natively, PostgreSQL receives it by
``COPY``, a record batch at a time.

The database enforces the schema (keys, NOT NULL, CHECK), so a load is all or nothing: a
single bad row rolls the whole call back and raises :class:`LoadError` naming the table and
the database's reason, and every table is exactly as it was before.

:func:`fingerprint` and :func:`fingerprint_arrow` digest table contents canonically, so a
run can record exactly which inputs it saw and a generator can be checked before loading.

This module must never: write rows one at a time or loop over rows in Python; round,
truncate or otherwise change a value to make it fit (money arriving as ``float`` is refused,
and a cast that would lose digits fails); leave part of a failed load behind; or write
anywhere but the tables named in the schema.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Literal, Protocol

import duckdb
import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from ibis.backends import BaseBackend

from attain.warehouse import connection, schema
from attain.warehouse.connection import WarehouseError
from attain.warehouse.schema import Table

__all__ = [
    "LoadError",
    "create_tables",
    "fingerprint",
    "fingerprint_arrow",
    "load_table",
    "load_tables",
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


def _conform(table: Table, data: pa.Table) -> pa.Table:
    """``data`` with exactly the schema's columns, in schema order, cast to its types."""
    expected = table.column_names
    given = data.column_names
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
    return pa.table(
        [_conform_column(table, column, data.column(column.name)) for column in table.columns],
        names=expected,
    )


# --- one transaction per backend -----------------------------------------------------------


class _Session(Protocol):
    """One open transaction on the warehouse: what loading and reading need of a backend."""

    def execute(self, sql: str) -> None: ...

    def rows(self, sql: str) -> list[tuple[Any, ...]]: ...

    def clear(self, table: Table) -> None: ...

    def insert(self, table: Table, data: pa.Table) -> None: ...

    def batches(self, table: Table, sql: str) -> Iterator[pa.RecordBatch]: ...


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


class _DuckDBSession:
    """A DuckDB cursor: its own transaction, so readers on the shared connection see none of
    it before commit."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self.cursor = cursor

    def execute(self, sql: str) -> None:
        self.cursor.execute(sql)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self.cursor.execute(sql).fetchall()

    def clear(self, table: Table) -> None:
        # Deleting rows and inserting the same keys in one transaction is slow in DuckDB
        # (each key leaves and re-enters the primary-key index): making the table again is
        # as transactional, and readers keep seeing the old table until commit.
        self.cursor.execute(f"DROP TABLE {_quote(table.name)}")
        self.cursor.execute(schema.create_table_sql(table))

    def insert(self, table: Table, data: pa.Table) -> None:
        # DuckDB scans the registered Arrow table zero-copy, one thread per record batch.
        view = f"attain_load_{uuid.uuid4().hex}"
        self.cursor.register(view, _parallel_batches(data))
        try:
            columns = _column_list(table)
            self.cursor.execute(
                f"INSERT INTO {_quote(table.name)} ({columns}) SELECT {columns} FROM {view}"
            )
        finally:
            self.cursor.unregister(view)

    def batches(self, table: Table, sql: str) -> Iterator[pa.RecordBatch]:
        reader = self.cursor.execute(sql).to_arrow_reader(_BATCH_ROWS)
        yield from reader


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

    def clear(self, table: Table) -> None:
        # TRUNCATE is transactional and leaves no dead rows for the new keys to step over;
        # readers of the table wait for the commit instead of seeing the old rows.
        self.execute(f"TRUNCATE {_quote(table.name)}")

    def insert(self, table: Table, data: pa.Table) -> None:
        options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
        statement = f"COPY {_quote(table.name)} ({_column_list(table)}) FROM STDIN (FORMAT csv)"
        with self.cursor.copy(statement.encode()) as copy:
            # pyarrow writes NULL unquoted-empty and empty text as "", as COPY expects.
            for batch in data.to_batches(max_chunksize=_BATCH_ROWS):
                text = io.BytesIO()
                pa_csv.write_csv(batch, text, options)
                copy.write(text.getbuffer())

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
        cursor.begin()
        try:
            yield _DuckDBSession(cursor)
        except BaseException:
            cursor.rollback()
            raise
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
            session.execute(schema.create_table_sql(table))


def _write(
    session: _Session, existing: set[str], table: Table, data: pa.Table, *, replace: bool
) -> None:
    if table.name not in existing:
        raise LoadError(
            "the table does not exist in the warehouse; create it first (create_tables)",
            table=table.name,
        )
    try:
        if replace:
            session.clear(table)
        session.insert(table, data)
    except _DATABASE_ERRORS as error:
        reason = str(error).strip()
        raise LoadError(f"the database refused the rows, nothing was loaded: {reason}",
                        table=table.name) from error


def load_table(
    name: str,
    data: pa.Table,
    *,
    url: str | None = None,
    mode: Literal["replace", "append"] = "replace",
) -> int:
    """Write ``data`` into warehouse table ``name`` in one transaction; return the rows written.

    ``data`` must have exactly the table's columns (in any order); values are cast to the
    schema's types, and a cast that would lose information fails. ``replace`` deletes the
    table's rows first, in the same transaction; ``append`` adds to them. If the database
    refuses any row, nothing changes and :class:`LoadError` says why.
    """
    if mode not in ("replace", "append"):
        raise ValueError(f"mode must be 'replace' or 'append', not {mode!r}")
    return load_tables({name: data}, url=url, replace=mode == "replace")[name]


def load_tables(
    data: Mapping[str, pa.Table], *, url: str | None = None, replace: bool = True
) -> dict[str, int]:
    """Load several tables in one transaction, in the schema's dependency order.

    Either every table is written or, when anything fails, none is and every table is as it
    was. With ``replace`` each table named in ``data`` loses its previous rows; otherwise the
    rows are appended. Returns the rows written per table.
    """
    tables = [_table_for(name) for name in data]
    order = {table.name: position for position, table in enumerate(schema.TABLES)}
    tables.sort(key=lambda table: order[table.name])
    conformed = {table.name: _conform(table, data[table.name]) for table in tables}
    with connection.writing(url) as backend, _transaction(backend) as session:
        existing = _existing_tables(session)
        for table in tables:
            _write(session, existing, table, conformed[table.name], replace=replace)
    return {table.name: conformed[table.name].num_rows for table in tables}


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
