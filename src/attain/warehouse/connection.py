"""The one module that opens warehouse connections.

Nothing else in Attain knows which backend the warehouse is: everything asks
:func:`connect` for an Ibis backend and writes through :func:`writing`.

URLs (``ATTAIN_WAREHOUSE_URL``):
- ``duckdb:///path/to/file.duckdb`` (default ``duckdb:///var/warehouse.duckdb``),
  ``duckdb://:memory:`` for a throwaway in-memory warehouse;
- ``postgres://user:password@host:port/database[?schema=name]``;
- ``spark://local[2]`` or ``sc://host:port`` for Spark Connect (later; not yet supported).

DuckDB allows one writing process per file. Threads of this process each get their own
cursor of one shared database per URL; across processes, :func:`writing` takes an
exclusive file lock beside the DuckDB file and waits for it with a clear message, so no
user meets a lock error.
"""

from __future__ import annotations

import fcntl
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import ibis
from ibis.backends import BaseBackend

from attain.paths import var_dir


class WarehouseError(Exception):
    """A warehouse problem explained for a person (bad URL, locked file, missing table)."""


@dataclass(frozen=True)
class WarehouseURL:
    """A parsed warehouse URL."""

    backend: str
    """``duckdb`` or ``postgres``."""
    path: str = ""
    """DuckDB: the file path or ``:memory:``."""
    host: str = ""
    port: int = 5432
    user: str = ""
    password: str = ""
    database: str = ""
    schema: str = ""
    """PostgreSQL: the schema holding the warehouse tables (default: the search path)."""

    @property
    def is_duckdb_file(self) -> bool:
        return self.backend == "duckdb" and self.path != ":memory:"


def default_url() -> str:
    return f"duckdb:///{var_dir() / 'warehouse.duckdb'}"


def configured_url() -> str:
    return os.environ.get("ATTAIN_WAREHOUSE_URL") or default_url()


def parse_url(url: str) -> WarehouseURL:
    """Parse a warehouse URL, or raise :class:`WarehouseError` saying what is accepted."""
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "duckdb":
        path = unquote(parsed.netloc + parsed.path)
        if path in ("", "/:memory:", ":memory:"):
            path = ":memory:"
        return WarehouseURL(backend="duckdb", path=path)
    if scheme in ("postgres", "postgresql"):
        query = parse_qs(parsed.query)
        return WarehouseURL(
            backend="postgres",
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 5432,
            user=unquote(parsed.username or "postgres"),
            password=unquote(parsed.password or ""),
            database=parsed.path.lstrip("/") or "postgres",
            schema=query.get("schema", [""])[0],
        )
    raise WarehouseError(
        f"unsupported warehouse URL {url!r}: use duckdb:///path/file.duckdb or "
        "postgres://user@host:port/database"
    )


_connections: dict[tuple[str, int], BaseBackend] = {}
_connections_lock = threading.RLock()


MEMORY_SIZE = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


def _memory_limit() -> str:
    """``ATTAIN_WAREHOUSE_MEMORY`` (e.g. ``1500MB``): the most memory a DuckDB warehouse may
    use in this process; beyond it DuckDB spills to a temporary folder beside the file. It
    keeps a large engine run's peak bounded (docs/benchmarks.md: 10M transactions). Empty:
    DuckDB's default, 80 % of the machine's memory."""
    value = os.environ.get("ATTAIN_WAREHOUSE_MEMORY", "").strip()
    if value and not MEMORY_SIZE.match(value):
        raise WarehouseError(f"ATTAIN_WAREHOUSE_MEMORY={value!r} is not a size: write it like "
                             "1500MB or 2GB")
    return value


def _open(spec: WarehouseURL, sibling: BaseBackend | None = None) -> BaseBackend:
    """A new backend for ``spec``; for DuckDB, a cursor of ``sibling``'s database when one is
    open in this process (DuckDB allows one process per file, and many cursors in it)."""
    if spec.backend == "duckdb":
        if sibling is not None:
            return ibis.duckdb.from_connection(sibling.con.cursor())
        if spec.is_duckdb_file:
            Path(spec.path).parent.mkdir(parents=True, exist_ok=True)
        limit = _memory_limit()
        try:
            backend = ibis.duckdb.connect(spec.path)
        except Exception as error:  # duckdb raises IOException for a file locked elsewhere
            if "lock" in str(error).lower():
                raise WarehouseError(
                    f"the warehouse {spec.path} is open for writing in another program; "
                    "stop it (or wait for it to finish) and try again"
                ) from error
            raise
        if limit:
            backend.raw_sql(f"SET memory_limit = '{limit}'")
        return backend
    # JIT off: metric and engine queries are long SQL over many small joins, which PostgreSQL
    # then spends a minute compiling with LLVM (measured: 65 s of JIT for a 0.1 s query).
    options = ["-c jit=off"]
    if spec.schema:
        options.append(f"-c search_path={spec.schema}")
    kwargs: dict[str, Any] = {"options": " ".join(options)}
    return ibis.postgres.connect(
        host=spec.host,
        port=spec.port,
        user=spec.user,
        password=spec.password or None,
        database=spec.database,
        **kwargs,
    )


def connect(url: str | None = None) -> BaseBackend:
    """The Ibis backend for ``url`` (default: the configured warehouse) for this thread.

    Each thread gets its own connection (a DuckDB connection or a PostgreSQL session may
    not run two queries at once), kept for the thread's next calls; for DuckDB they are
    cursors of one database, so the web server's threads and its job worker share the file.
    """
    url = url or configured_url()
    key = (url, threading.get_ident())
    with _connections_lock:
        backend = _connections.get(key)
        if backend is None:
            spec = parse_url(url)
            sibling = next((b for (u, _t), b in _connections.items() if u == url), None)
            backend = _open(spec, sibling if spec.backend == "duckdb" else None)
            _connections[key] = backend
        return backend


def disconnect(url: str | None = None) -> None:
    """Close the connections for ``url`` in every thread (all of them when ``url`` is None)."""
    with _connections_lock:
        target = None if url is None else (url or configured_url())
        keys = [key for key in _connections if target is None or key[0] == target]
        # cursors first, the connection that opened the file last
        for key in reversed(keys):
            backend = _connections.pop(key, None)
            if backend is not None:
                backend.disconnect()


def backend_name(url: str | None = None) -> str:
    """``duckdb`` or ``postgres``: for the few places that must know (DDL, bulk loads)."""
    return parse_url(url or configured_url()).backend


_write_lock = threading.RLock()


@contextmanager
def writing(url: str | None = None, *, wait_message: str | None = None) -> Iterator[BaseBackend]:
    """Hold the warehouse for writing: one writer at a time, across threads and processes.

    Another process writing the same DuckDB file makes this wait (printing ``wait_message``
    once after a second) rather than fail.
    """
    url = url or configured_url()
    spec = parse_url(url)
    with _write_lock:
        if not spec.is_duckdb_file:
            yield connect(url)
            return
        lock_path = Path(spec.path + ".writelock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "a") as handle:
            started = time.monotonic()
            told = False
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if not told and time.monotonic() - started > 1:
                        print(wait_message or "Waiting for another Attain job to finish writing…")
                        told = True
                    time.sleep(0.1)
            try:
                yield connect(url)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
