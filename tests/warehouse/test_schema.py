"""The schema: one consistent description of every warehouse table, its keys and its rules."""

from __future__ import annotations

import pyarrow as pa
import pytest

from attain.warehouse import schema

APP_DATABASE_REFERENCES = {"people.person_id"}
"""References to rows that live in the app database, not the warehouse."""

MONEY_COLUMNS = {"amount", "list_price", "unit_cost", "unit_price", "cost", "mrr", "mrr_change",
                 "cost_per_seat"}

TABLE_IDS = [table.name for table in schema.TABLES]


def test_table_names_are_unique_and_all_reachable_by_name() -> None:
    assert len(TABLE_IDS) == len(set(TABLE_IDS))
    assert all(schema.get(name).name == name for name in TABLE_IDS)


def test_an_unknown_table_name_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="no warehouse table 'deals'; known: accounts"):
        schema.get("deals")


@pytest.mark.parametrize("table", schema.TABLES, ids=TABLE_IDS)
def test_every_table_has_a_required_primary_key_and_unique_columns(table: schema.Table) -> None:
    assert table.doc
    assert len(table.column_names) == len(set(table.column_names))
    assert table.primary_key
    for key in table.primary_key:
        assert table.column(key).required, f"{table.name}.{key} is a key but may be empty"


@pytest.mark.parametrize("table", schema.TABLES, ids=TABLE_IDS)
def test_every_column_has_a_known_type_and_a_meaning(table: schema.Table) -> None:
    for column in table.columns:
        assert column.doc, f"{table.name}.{column.name} has no meaning written down"
        assert isinstance(column.ibis_type.to_pyarrow(), pa.DataType)
        assert column.ibis_type.nullable is not column.required


@pytest.mark.parametrize("table", schema.TABLES, ids=TABLE_IDS)
def test_every_reference_names_a_real_column(table: schema.Table) -> None:
    for column in table.columns:
        if not column.references or column.references in APP_DATABASE_REFERENCES:
            continue
        target_table, target_column = column.references.split(".")
        assert target_column in schema.get(target_table).column_names, column.references


@pytest.mark.parametrize("table", schema.TABLES, ids=TABLE_IDS)
def test_money_is_a_cent_exact_decimal_and_currencies_are_checked(table: schema.Table) -> None:
    for column in table.columns:
        if column.name in MONEY_COLUMNS:
            assert column.sql_type == schema.MONEY, f"{table.name}.{column.name}"
        if column.name.endswith("currency"):
            assert column.check == schema.CURRENCY_CHECK.format(col=column.name)


def test_create_table_sql_declares_keys_not_null_and_checks() -> None:
    sql = schema.create_table_sql(schema.TRANSACTIONS)
    assert sql.startswith('CREATE TABLE "transactions" (')
    assert '"amount" DECIMAL(18, 2) NOT NULL' in sql
    assert '"paid_on" DATE,' in sql  # optional: no NOT NULL
    kind = """"kind" VARCHAR NOT NULL CHECK ("kind" IN ('order', 'cancellation', 'refund'))"""
    assert kind in sql
    assert "CHECK (discount >= 0 AND discount <= 1)" in sql
    assert 'PRIMARY KEY ("transaction_id")' in sql
    assert "CHECK ((kind = 'order') = (reverses_transaction_id IS NULL))" in sql


def test_create_table_sql_can_name_the_table_differently() -> None:
    assert schema.create_table_sql(schema.FX_RATES, name="fx_staging").startswith(
        'CREATE TABLE "fx_staging" ('
    )
