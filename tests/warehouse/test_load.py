"""Loading: every row the schema allows lands exactly, and a batch with one bad row lands not at
all, on DuckDB and on PostgreSQL alike (``warehouse_url`` gives the backend under test)."""

from __future__ import annotations

import csv
import io
import textwrap
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from attain.warehouse import connection, load, schema
from attain.warehouse.load import LoadError

# --- rows as a user writes them ------------------------------------------------------------


def table_of(records: list[dict[str, Any]]) -> pa.Table:
    """Records whose values are all text (or None for empty), as they come from a file."""
    names = list(records[0])
    return pa.table({name: pa.array([r[name] for r in records], pa.string()) for name in names})


def csv_rows(text: str) -> pa.Table:
    """CSV text with a header line; an empty field is NULL."""
    reader = csv.DictReader(io.StringIO(textwrap.dedent(text).strip()))
    return table_of([{k: (v if v != "" else None) for k, v in row.items()} for row in reader])


PRODUCTS = """
    product_id,name,family,list_price,unit_cost,currency,is_recurring
    CLD-01,Cloud Suite,Cloud,1200.00,310.55,USD,true
    PLT-02,Platform Core,Platform,49999.99,0.01,EUR,false
    SRV-03,Onboarding,Services,0.00,0.00,USD,false
"""

ACCOUNTS = """
    account_id,name,industry,segment,region,country,employees,created_on,owner_id,channel
    A-1,Acme Tools,Retail,smb,EMEA,DE,120,2024-01-15,E100,direct
    A-2,Globex,Technology,enterprise,NA,US,,2023-11-02,,partner
"""

STAGE_HISTORY = """
    opportunity_id,stage,entered_at,amount,probability,forecast_category,close_date
    OPP-1,Prospecting,2025-01-06 09:30:00,,0.1,pipeline,2025-06-30
    OPP-1,Negotiation,2025-03-14 16:45:30.250000,48000.00,0.8,commit,2025-04-30
"""

FEEDBACK = """
    feedback_id,account_id,responded_on,survey,score
    F-1,A-1,2025-02-01,nps,9
    F-2,A-2,2025-02-03,csat,1
    F-3,A-2,2025-02-04,nps,0
"""

FX_RATES = """
    rate_date,from_currency,to_currency,rate
    2025-01-01,EUR,USD,1.08345678
    2025-01-01,GBP,USD,1.25000001
"""

ORDER: dict[str, Any] = {
    "transaction_id": "T-1", "order_id": "SO-1", "opportunity_id": "OPP-1",
    "account_id": "A-1", "product_id": "CLD-01", "owner_id": "E100", "deal_type": "new",
    "quantity": "2", "unit_price": "1200.00", "discount": "0.125", "amount": "2100.00",
    "cost": "621.10", "currency": "USD", "booked_on": "2025-03-31",
    "invoiced_on": "2025-04-02", "paid_on": None, "kind": "order",
    "reverses_transaction_id": None,
}  # fmt: skip


def transactions(*changes: dict[str, Any]) -> pa.Table:
    """One order line per ``changes``, each the order above with those values changed."""
    return table_of([{**ORDER, "transaction_id": f"T-{i}", **c} for i, c in enumerate(changes, 1)])


OPPORTUNITY: dict[str, Any] = {
    "opportunity_id": "OPP-1", "name": "Acme expansion", "account_id": "A-1",
    "owner_id": "E100", "product_id": "CLD-01", "amount": "48000.00", "currency": "USD",
    "stage": "Closed Won", "probability": "1", "forecast_category": "closed",
    "lead_source": "Web", "deal_type": "expansion", "created_on": "2025-01-06",
    "close_date": "2025-04-30", "is_closed": "true", "is_won": "true", "loss_reason": None,
    "lead_id": None, "campaign_id": None, "sdr_id": None, "se_id": None,
}  # fmt: skip


@pytest.fixture
def url(warehouse_url: str) -> str:
    """A warehouse with every table created, empty."""
    load.create_tables(url=warehouse_url)
    return warehouse_url


def read_back(url: str, name: str) -> list[dict[str, Any]]:
    """The table's rows through Ibis (not through the loader), in primary-key order."""
    table = schema.get(name)
    expr = connection.connect(url).table(name).order_by(list(table.primary_key))
    return expr.to_pyarrow().to_pylist()


# --- creating tables -----------------------------------------------------------------------


def test_create_tables_makes_every_table_with_every_column(url: str) -> None:
    backend = connection.connect(url)
    assert load.table_counts(url=url) == {table.name: 0 for table in schema.TABLES}
    for table in schema.TABLES:
        created = backend.get_schema(table.name)
        assert list(created.names) == table.column_names
        for column in table.columns:
            # compared as Arrow types: what the loader casts to and reads back
            assert created[column.name].to_pyarrow() == column.ibis_type.to_pyarrow(), (
                f"{table.name}.{column.name}"
            )


def test_create_tables_again_keeps_rows_and_replace_empties_them(url: str) -> None:
    load.load_table("products", csv_rows(PRODUCTS), url=url)
    load.create_tables(url=url)
    assert load.table_counts(url=url)["products"] == 3
    load.create_tables(url=url, tables=[schema.PRODUCTS], replace=True)
    assert load.table_counts(url=url)["products"] == 0


def test_loading_into_a_table_not_created_names_it(warehouse_url: str) -> None:
    with pytest.raises(LoadError, match=r"products: .*create_tables"):
        load.load_table("products", csv_rows(PRODUCTS), url=warehouse_url)


# --- values land exactly -------------------------------------------------------------------


def test_loading_round_trips_money_to_the_cent_and_dates(url: str) -> None:
    assert load.load_table("products", csv_rows(PRODUCTS), url=url) == 3
    assert load.load_table("accounts", csv_rows(ACCOUNTS), url=url) == 2

    products = read_back(url, "products")
    assert [(p["product_id"], p["list_price"], p["unit_cost"]) for p in products] == [
        ("CLD-01", Decimal("1200.00"), Decimal("310.55")),
        ("PLT-02", Decimal("49999.99"), Decimal("0.01")),
        ("SRV-03", Decimal("0.00"), Decimal("0.00")),
    ]
    assert [p["is_recurring"] for p in products] == [True, False, False]
    accounts = read_back(url, "accounts")
    assert accounts[0]["created_on"] == date(2024, 1, 15)
    assert accounts[0]["employees"] == 120
    assert (accounts[1]["employees"], accounts[1]["owner_id"]) == (None, None)


def test_loading_round_trips_rates_timestamps_and_transactions(url: str) -> None:
    load.load_tables(
        {
            "fx_rates": csv_rows(FX_RATES),
            "opportunity_stage_history": csv_rows(STAGE_HISTORY),
            "transactions": transactions({}, {"discount": "1", "amount": "0.00"}),
        },
        url=url,
    )
    assert [r["rate"] for r in read_back(url, "fx_rates")] == [
        Decimal("1.08345678"), Decimal("1.25000001")
    ]
    history = read_back(url, "opportunity_stage_history")
    assert history[1]["entered_at"] == datetime(2025, 3, 14, 16, 45, 30, 250000)
    assert (history[0]["amount"], history[1]["amount"]) == (None, Decimal("48000.00"))
    assert history[0]["probability"] == Decimal("0.100000")
    first = read_back(url, "transactions")[0]
    assert (first["quantity"], first["discount"], first["amount"]) == (
        Decimal("2.0000"), Decimal("0.125000"), Decimal("2100.00")
    )
    assert (first["booked_on"], first["paid_on"]) == (date(2025, 3, 31), None)


def test_empty_text_and_null_stay_different(url: str) -> None:
    rows = transactions({"opportunity_id": ""}, {"opportunity_id": None})
    load.load_table("transactions", rows, url=url)
    assert [r["opportunity_id"] for r in read_back(url, "transactions")] == ["", None]


def test_replace_swaps_the_rows_and_append_adds_to_them(url: str) -> None:
    load.load_table("transactions", transactions({}, {}), url=url)
    assert load.load_table("transactions", transactions({}), url=url, mode="replace") == 1
    assert load.table_counts(url=url)["transactions"] == 1
    later = transactions({"transaction_id": "T-9"}, {"transaction_id": "T-10"})
    assert load.load_table("transactions", later, url=url, mode="append") == 2
    ids = [r["transaction_id"] for r in read_back(url, "transactions")]
    assert ids == ["T-1", "T-10", "T-9"]


def test_load_tables_returns_rows_per_table_in_schema_order(url: str) -> None:
    written = load.load_tables(
        {"transactions": transactions({}), "products": csv_rows(PRODUCTS),
         "accounts": csv_rows(ACCOUNTS)},
        url=url,
    )
    assert list(written.items()) == [("accounts", 2), ("products", 3), ("transactions", 1)]


# --- the database refuses bad rows, and nothing of the batch lands --------------------------

BAD_BATCHES = {
    "discount above one": ("transactions", lambda: transactions({}, {"discount": "1.5"})),
    "negative order amount": ("transactions", lambda: transactions({}, {"amount": "-5.00"})),
    "lower-case currency": ("transactions", lambda: transactions({}, {"currency": "usd"})),
    # each of these is three characters and its own upper case: not enough for a code
    "digits as currency": ("transactions", lambda: transactions({}, {"currency": "123"})),
    "symbol in currency": ("transactions", lambda: transactions({}, {"currency": "US$"})),
    "accented currency": ("transactions", lambda: transactions({}, {"currency": "ÉUR"})),
    "refund that reverses nothing": (
        "transactions",
        lambda: transactions({}, {"kind": "refund", "amount": "-10.00"}),
    ),
    "deal type not allowed": ("transactions", lambda: transactions({}, {"deal_type": "upsell"})),
    "missing required amount": ("transactions", lambda: transactions({}, {"amount": None})),
    "duplicate primary key": (
        "transactions",
        lambda: transactions({}, {"transaction_id": "T-1"}),
    ),
    "nps score above ten": (
        "customer_feedback",
        lambda: csv_rows(FEEDBACK + "    F-4,A-1,2025-02-05,nps,11\n"),
    ),
    "csat score of zero": (
        "customer_feedback",
        lambda: csv_rows(FEEDBACK + "    F-4,A-1,2025-02-05,csat,0\n"),
    ),
    "won but not closed": (
        "opportunities",
        lambda: table_of([OPPORTUNITY, {**OPPORTUNITY, "opportunity_id": "OPP-2",
                                        "is_closed": "false"}]),
    ),
    "missing required product name": (
        "products",
        lambda: csv_rows(PRODUCTS + "    XX-9,,Cloud,1.00,1.00,USD,false\n"),
    ),
}

GOOD_BEFORE = {
    "transactions": lambda: transactions({"transaction_id": "OLD-1"}),
    "customer_feedback": lambda: csv_rows("feedback_id,account_id,responded_on,survey,score\n"
                                          "OLD-1,A-1,2024-12-01,nps,7"),
    "opportunities": lambda: table_of([{**OPPORTUNITY, "opportunity_id": "OLD-1"}]),
    "products": lambda: csv_rows(PRODUCTS),
}


@pytest.mark.parametrize("mode", ["replace", "append"])
@pytest.mark.parametrize("case", list(BAD_BATCHES))
def test_a_bad_row_loads_nothing_and_names_the_table(url: str, case: str, mode: str) -> None:
    name, bad_batch = BAD_BATCHES[case]
    load.load_table(name, GOOD_BEFORE[name](), url=url)
    before = load.fingerprint(url=url, tables=[name])

    with pytest.raises(LoadError) as refused:
        load.load_table(name, bad_batch(), url=url, mode=mode)  # type: ignore[arg-type]

    assert refused.value.table == name
    assert str(refused.value).startswith(f"{name}: ")
    assert "constraint" in refused.value.reason.lower()  # the database's own words
    assert load.fingerprint(url=url, tables=[name]) == before
    assert load.table_counts(url=url)[name] == GOOD_BEFORE[name]().num_rows


def test_appending_a_key_that_is_already_there_is_refused(url: str) -> None:
    load.load_table("transactions", transactions({}), url=url)
    with pytest.raises(LoadError, match="transactions"):
        load.load_table("transactions", transactions({"amount": "1.00"}), url=url, mode="append")
    assert [r["amount"] for r in read_back(url, "transactions")] == [Decimal("2100.00")]


def test_load_tables_is_all_or_nothing_across_tables(url: str) -> None:
    load.load_tables({"products": csv_rows(PRODUCTS), "accounts": csv_rows(ACCOUNTS)}, url=url)
    before = load.fingerprint(url=url)

    new_products = csv_rows(PRODUCTS).slice(0, 1)
    with pytest.raises(LoadError) as refused:
        load.load_tables(
            {
                "products": new_products,
                "accounts": csv_rows(ACCOUNTS).slice(1),
                "transactions": transactions({}, {"discount": "2"}),
            },
            url=url,
        )

    assert refused.value.table == "transactions"
    assert load.fingerprint(url=url) == before
    assert load.table_counts(url=url)["products"] == 3


# --- merging by key ------------------------------------------------------------------------


def test_merge_adds_new_keys_updates_changed_rows_and_keeps_the_rest(url: str) -> None:
    load.load_table("transactions", transactions({}, {}, {}), url=url)  # T-1, T-2, T-3
    # T-1 as stored, T-2 with one cent more, T-4 new; T-3 is not in the batch at all
    batch = table_of([
        {**ORDER, "transaction_id": "T-1"},
        {**ORDER, "transaction_id": "T-2", "amount": "2100.01"},
        {**ORDER, "transaction_id": "T-4"},
    ])
    merged = load.merge_table("transactions", batch, url=url)
    assert merged == load.Merged(added=1, updated=1, unchanged=1)
    stored = {r["transaction_id"]: r["amount"] for r in read_back(url, "transactions")}
    assert stored == {"T-1": Decimal("2100.00"), "T-2": Decimal("2100.01"),
                      "T-3": Decimal("2100.00"), "T-4": Decimal("2100.00")}


def test_merging_the_same_rows_again_changes_nothing(url: str) -> None:
    rows = transactions({}, {"paid_on": "2025-05-01"})
    assert load.merge_table("transactions", rows, url=url) == load.Merged(2, 0, 0)
    before = load.fingerprint(url=url, tables=["transactions"])
    assert load.merge_table("transactions", rows, url=url) == load.Merged(0, 0, 2)
    assert load.fingerprint(url=url, tables=["transactions"]) == before


def test_a_null_becoming_a_value_is_an_update(url: str) -> None:
    load.merge_table("transactions", transactions({}), url=url)  # paid_on empty
    merged = load.merge_table("transactions", transactions({"paid_on": "2025-05-01"}), url=url)
    assert merged == load.Merged(0, 1, 0)
    assert read_back(url, "transactions")[0]["paid_on"] == date(2025, 5, 1)


def test_merge_creates_a_missing_table_and_a_dry_run_does_not(warehouse_url: str) -> None:
    rows = csv_rows(PRODUCTS)
    assert load.merge_table("products", rows, url=warehouse_url, dry_run=True) == \
        load.Merged(3, 0, 0)
    assert "products" not in load.table_counts(url=warehouse_url)
    assert load.merge_table("products", rows, url=warehouse_url) == load.Merged(3, 0, 0)
    assert load.table_counts(url=warehouse_url) == {"products": 3}


def test_a_dry_run_merge_counts_but_writes_nothing(url: str) -> None:
    load.load_table("transactions", transactions({}), url=url)
    before = load.fingerprint(url=url, tables=["transactions"])
    batch = transactions({"amount": "1.00"}, {})
    assert load.merge_table("transactions", batch, url=url, dry_run=True) == load.Merged(1, 1, 0)
    assert load.fingerprint(url=url, tables=["transactions"]) == before


def test_merge_tells_its_stages_in_order(url: str) -> None:
    seen: list[str] = []
    load.merge_table("transactions", transactions({}), url=url, on_stage=seen.append)
    assert seen == ["comparing", "writing", "committing"]
    seen.clear()
    load.merge_table("transactions", transactions({}), url=url, on_stage=seen.append)
    assert seen == ["comparing"]  # nothing changed: nothing written


def test_a_merge_larger_than_a_row_group_lands_every_row_exactly(url: str) -> None:
    # 150,000 rows: more than DuckDB's row group of 122,880, so the batch is cut in several
    # and inserted on every thread; the content must still be exactly the batch's
    count = 150_000
    ids = [f"T-{n}" for n in range(count)]
    rows = pa.table({**{name: pa.array([value] * count, pa.string())
                        for name, value in ORDER.items()},
                     "transaction_id": pa.array(ids, pa.string())})
    assert load.merge_table("transactions", rows, url=url) == load.Merged(count, 0, 0)
    assert load.fingerprint(url=url, tables=["transactions"]) == \
        load.fingerprint_arrow({"transactions": rows})


@pytest.mark.parametrize("case", ["duplicate primary key", "discount above one",
                                  "accented currency", "refund that reverses nothing"])
def test_a_merge_with_a_bad_row_changes_nothing(url: str, case: str) -> None:
    load.load_table("transactions", transactions({}, {"transaction_id": "OLD-1"}), url=url)
    before = load.fingerprint(url=url, tables=["transactions"])
    _name, bad_batch = BAD_BATCHES[case]
    with pytest.raises(LoadError) as refused:
        load.merge_table("transactions", bad_batch(), url=url)
    assert refused.value.table == "transactions"
    assert "constraint" in refused.value.reason.lower()
    assert load.fingerprint(url=url, tables=["transactions"]) == before


# --- the loader refuses what it cannot load exactly -----------------------------------------


def test_missing_and_unexpected_columns_are_named(url: str) -> None:
    rows = csv_rows(PRODUCTS).drop_columns(["unit_cost", "currency"])
    rows = rows.append_column("colour", pa.array(["red"] * 3))
    with pytest.raises(LoadError) as refused:
        load.load_table("products", rows, url=url)
    message = str(refused.value)
    assert message.startswith("products: ")
    assert "missing columns: unit_cost, currency" in message
    assert "unexpected columns: colour" in message
    assert load.table_counts(url=url)["products"] == 0


def test_an_unknown_table_is_named(url: str) -> None:
    with pytest.raises(LoadError, match="no warehouse table 'deals'"):
        load.load_table("deals", csv_rows(PRODUCTS), url=url)


def test_money_given_as_float_is_refused(url: str) -> None:
    rows = csv_rows(PRODUCTS)
    rows = rows.set_column(3, "list_price", pa.array([1200.0, 0.1, 0.0]))
    with pytest.raises(LoadError, match=r"list_price .*float"):
        load.load_table("products", rows, url=url)


def test_money_with_fractions_of_a_cent_is_refused_not_rounded(url: str) -> None:
    with pytest.raises(LoadError, match="amount cannot be read as DECIMAL"):
        load.load_table("transactions", transactions({"amount": "2100.005"}), url=url)


def test_text_that_is_not_a_date_names_the_column(url: str) -> None:
    with pytest.raises(LoadError, match="booked_on"):
        load.load_table("transactions", transactions({"booked_on": "31/03/2025"}), url=url)


def test_columns_may_come_in_any_order_and_typed(url: str) -> None:
    rows = csv_rows(PRODUCTS)
    typed = rows.set_column(
        3, "list_price", pa.array([Decimal("1200"), Decimal("49999.99"), Decimal("0")],
                                  pa.decimal128(7, 2))
    ).set_column(6, "is_recurring", pa.array([True, False, False]))
    reordered = typed.select(list(reversed(typed.column_names)))
    load.load_table("products", reordered, url=url)
    assert load.fingerprint(url=url, tables=["products"]) == load.fingerprint_arrow(
        {"products": rows}
    )


# --- fingerprints --------------------------------------------------------------------------


def test_fingerprint_does_not_depend_on_row_order(url: str) -> None:
    rows = csv_rows(PRODUCTS)
    reversed_rows = rows.take(pa.array([2, 1, 0]))
    load.load_table("products", rows, url=url)
    first = load.fingerprint(url=url, tables=["products"])
    load.load_table("products", reversed_rows, url=url)
    assert load.fingerprint(url=url, tables=["products"]) == first
    assert load.fingerprint_arrow({"products": reversed_rows}) == first


def test_fingerprint_changes_when_one_cent_changes(url: str) -> None:
    load.load_table("transactions", transactions({}, {}), url=url)
    before = load.fingerprint(url=url, tables=["transactions"])
    load.load_table("transactions", transactions({}, {"amount": "2100.01"}), url=url)
    after = load.fingerprint(url=url, tables=["transactions"])
    assert after != before
    one_cent_more = transactions({}, {"amount": "2100.01"})
    assert after == load.fingerprint_arrow({"transactions": one_cent_more})


def test_fingerprint_tells_null_from_empty_and_from_escaped_text() -> None:
    digests = {
        value: load.fingerprint_arrow({"transactions": transactions({"opportunity_id": value})})
        for value in (None, "", "\\N", "\t", "\\t")
    }
    assert len({digest["transactions"] for digest in digests.values()}) == 5


def test_arrow_fingerprint_equals_warehouse_fingerprint(url: str) -> None:
    tricky_names = ["Tab\there", "Line\nbreak", "Back\\slash", "Ünïcödé ✓", '"quoted", comma']
    products = csv_rows(PRODUCTS).set_column(
        1, "name", pa.array(tricky_names[:3], pa.string())
    )
    data = {
        "products": products,
        "accounts": csv_rows(ACCOUNTS),
        "opportunity_stage_history": csv_rows(STAGE_HISTORY),
        "customer_feedback": csv_rows(FEEDBACK),
        "fx_rates": csv_rows(FX_RATES),
        "opportunities": table_of([OPPORTUNITY, {**OPPORTUNITY, "opportunity_id": "OPP-0",
                                                 "loss_reason": tricky_names[3],
                                                 "is_won": "false", "amount": None}]),
        "transactions": transactions({}, {"order_id": tricky_names[4]}, {"paid_on": "2025-05-01"}),
    }
    load.load_tables(data, url=url)
    assert load.fingerprint(url=url, tables=list(data)) == load.fingerprint_arrow(data)


def test_fingerprint_of_an_empty_table_matches_its_arrow_fingerprint(url: str) -> None:
    empty = csv_rows(PRODUCTS).slice(0, 0)
    assert load.fingerprint(url=url, tables=["products"]) == load.fingerprint_arrow(
        {"products": empty}
    )


def test_fingerprint_covers_every_created_table_and_refuses_a_missing_one(
    warehouse_url: str,
) -> None:
    load.create_tables(url=warehouse_url, tables=[schema.PRODUCTS, schema.ACCOUNTS])
    assert set(load.fingerprint(url=warehouse_url)) == {"accounts", "products"}
    assert load.table_counts(url=warehouse_url) == {"accounts": 0, "products": 0}
    with pytest.raises(LoadError, match="transactions"):
        load.fingerprint(url=warehouse_url, tables=["transactions"])
