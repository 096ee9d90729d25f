"""Loading rows into the warehouse: the one place rows get in.

Everything that writes source rows into the warehouse tables (the demo generator, the
importers, tests) hands Arrow tables to :func:`load_table` or :func:`load_tables`. This
module checks the columns against :mod:`attain.warehouse.schema`, casts them to the schema's
types, and writes them in one transaction per call through :func:`connection.writing`, with
each backend's bulk path: DuckDB scans the Arrow table natively, PostgreSQL receives it by
``COPY``, a record batch at a time.

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
and a cast that would lose digits fails); leave part of a failed load behind; or write
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

    def create(self, table: Table) -> None: ...

    def clear(self, table: Table) -> None: ...

    def insert(self, table: Table, data: pa.Table, *, appending: bool) -> None: ...

    def stage(self, table: Table, data: pa.Table) -> str: ...

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


class _DuckDBSession:
    """A DuckDB cursor: its own transaction, so readers on the shared connection see none of
    it before commit.

    Tables have no primary-key index here (see :func:`schema.create_table_sql`): each write
    checks its keys with a query in the same transaction instead, before inserting.
    """

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self.cursor = cursor
        self.views: list[str] = []

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

    def stage(self, table: Table, data: pa.Table) -> str:
        # DuckDB scans the registered Arrow table zero-copy, one thread per record batch.
        view = f"attain_load_{uuid.uuid4().hex}"
        self.cursor.register(view, _parallel_batches(data))
        self.views.append(view)
        return view

    def insert(self, table: Table, data: pa.Table, *, appending: bool) -> None:
        view = self.stage(table, data)
        _refuse_duplicate_keys(self, table, view,
                               against=_quote(table.name) if appending else None)
        columns = _column_list(table)
        self.cursor.execute(
            f"INSERT INTO {_quote(table.name)} ({columns}) SELECT {columns} FROM {view}")

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
        # TRUNCATE is transactional and leaves no dead rows for the new keys to step over;
        # readers of the table wait for the commit instead of seeing the old rows.
        self.execute(f"TRUNCATE {_quote(table.name)}")

    def _copy(self, target: str, table: Table, data: pa.Table) -> None:
        options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
        statement = f"COPY {target} ({_column_list(table)}) FROM STDIN (FORMAT csv)"
        with self.cursor.copy(statement.encode()) as copy:
            # pyarrow writes NULL unquoted-empty and empty text as "", as COPY expects.
            for batch in data.to_batches(max_chunksize=_BATCH_ROWS):
                text = io.BytesIO()
                pa_csv.write_csv(batch, text, options)
                copy.write(text.getbuffer())

    def insert(self, table: Table, data: pa.Table, *, appending: bool) -> None:
        # the table's primary key refuses a repeated key itself
        self._copy(_quote(table.name), table, data)

    def stage(self, table: Table, data: pa.Table) -> str:
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
        cursor.begin()
        session = _DuckDBSession(cursor)
        try:
            yield session
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
        session.insert(table, data, appending=not replace)
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
    data: pa.Table,
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
    if any row is refused nothing changes and :class:`LoadError` says why.
    """
    table = _table_for(name)
    conformed = _conform(table, data)
    stage = on_stage or _no_stage
    target = _quote(table.name)
    with connection.writing(url) as backend, _transaction(backend) as session:
        try:
            if table.name not in _existing_tables(session):
                if dry_run:  # every row would be new; nothing may be created
                    return Merged(conformed.num_rows, 0, 0)
                session.create(table)
            staged = session.stage(table, conformed)
            _refuse_duplicate_keys(session, table, staged)
            stage("comparing")
            e_key = "e." + _quote(table.primary_key[0])
            [(added, updated)] = session.rows(
                f"SELECT count(*) FILTER (WHERE {e_key} IS NULL), "
                f"count(*) FILTER (WHERE {e_key} IS NOT NULL AND ({_differs(table, 'i', 'e')}))"
                f" FROM {staged} i LEFT JOIN {target} e ON {_keys_equal(table, 'i', 'e')}")
            merged = Merged(int(added), int(updated),
                            conformed.num_rows - int(added) - int(updated))
            if dry_run or not (merged.added or merged.updated):
                return merged
            stage("writing")
            session.merge(table, staged, updates=merged.updated > 0,
                          all_new=merged.added == conformed.num_rows)
        except _DATABASE_ERRORS as error:
            reason = str(error).strip()
            raise LoadError(f"the database refused the rows, nothing was loaded: {reason}",
                            table=table.name) from error
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
