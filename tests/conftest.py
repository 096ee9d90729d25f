"""Fixtures shared by every test: a throwaway warehouse on the backend under test.

The whole suite runs twice (see ``scripts/test``): on the embedded stores (SQLite, DuckDB)
and with ``ATTAIN_TEST_POSTGRES=1`` on PostgreSQL for both the app database (pytest-django
creates and drops ``test_…`` databases) and the warehouse (a database made here for the
session, one schema per test, all dropped afterwards).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from attain.warehouse import connection

ON_POSTGRES = os.environ.get("ATTAIN_TEST_POSTGRES") == "1"
PG_ADMIN = os.environ.get("ATTAIN_TEST_PG", "postgres://postgres@127.0.0.1:5432/postgres")


def _pg_execute(database_url: str, sql: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
    import psycopg

    with psycopg.connect(database_url.replace("postgres://", "postgresql://"),
                         autocommit=True) as c:
        c.execute(sql)


def pg_schema_url(database_url: str, schema: str) -> str:
    """Create ``schema`` in the database and return a warehouse URL that uses it."""
    _pg_execute(database_url, f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    return f"{database_url}?schema={schema}"


def _pg_admin_execute(sql: str) -> None:
    _pg_execute(PG_ADMIN, sql)


@pytest.fixture(scope="session")
def pg_warehouse_database(worker_id: str) -> Iterator[str]:
    """A PostgreSQL database for this test session's warehouses, dropped at the end."""
    name = f"attain_wh_{worker_id}_{os.getpid()}"
    _pg_admin_execute(f'DROP DATABASE IF EXISTS "{name}"')
    _pg_admin_execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    connection.disconnect()
    _pg_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def warehouse_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The URL of an empty warehouse on the backend under test, private to one test."""
    if ON_POSTGRES:
        database = request.getfixturevalue("pg_warehouse_database")
        schema = f"t_{uuid.uuid4().hex[:12]}"
        _pg_execute(database, f'CREATE SCHEMA "{schema}"')
        url = f"{database}?schema={schema}"
        yield url
        connection.disconnect(url)
        _pg_execute(database, f'DROP SCHEMA "{schema}" CASCADE')
    else:
        folder = tmp_path_factory.mktemp("warehouse")
        url = f"duckdb:///{folder / 'warehouse.duckdb'}"
        yield url
        connection.disconnect(url)


@pytest.fixture
def warehouse(warehouse_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Like ``warehouse_url``, and made the configured warehouse for code under test."""
    monkeypatch.setenv("ATTAIN_WAREHOUSE_URL", warehouse_url)
    return warehouse_url
