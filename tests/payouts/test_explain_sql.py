"""The warehouse's words for statement lines (DuckDB, bulk statements) are Python's words,
line for line: every credit rule, currency conversion, notes, tiers and quotas, modifiers,
negative amounts, thousands, and percentages that fall exactly half way. A line it cannot
word exactly comes back NULL, for Python to word."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import duckdb
import pytest

from attain.payouts.explain_sql import explained
from attain.payouts.statements import LINE_COLUMNS, explain

D = Decimal
TYPES = {"share": "DECIMAL(18,6)", "value": "DECIMAL(38,8)", "tier_no": "INTEGER",
         "tier_lower": "DECIMAL(38,8)", "rate": "DECIMAL(18,6)", "base": "DECIMAL(38,8)",
         "modifier": "DECIMAL(18,6)", "quota": "DECIMAL(18,2)", "cum_before": "DECIMAL(38,8)",
         "source_amount": "DECIMAL(18,2)", "fx_factor": "DECIMAL(38,16)",
         "amount": "DECIMAL(18,2)", "booked_on": "DATE"}
"""results_lines' column types (the others are VARCHAR)."""


def line(**values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "payee_id": "rep1", "line_kind": "commission", "component_id": "bookings",
        "booked_on": dt.date(2026, 4, 2), "transaction_id": "T1", "opportunity_id": "OPP-1",
        "credit_rule": "owner", "via_person": None, "share": D("1"), "value": D("60000"),
        "tier_no": 1, "tier_lower": D("0"), "rate": D("0.04"), "base": D("60000"),
        "modifier": None, "quota": D("100000"), "cum_before": D("0"), "note": None,
        "source_amount": D("60000"), "source_currency": "USD", "fx_factor": None,
        "amount": D("2400"), "currency": "USD", "account_name": "Acme"}
    row.update(values)
    return row


LINES = [
    line(),
    # a split: 60%, and the second tier reached part way (the 8% tier on 8,000 of 48,000)
    line(credit_rule="split", share=D("0.6"), value=D("48000"), tier_no=2,
         tier_lower=D("100000"), cum_before=D("60000"), rate=D("0.08"), base=D("8000"),
         amount=D("640")),
    line(credit_rule="overlay", via_person="Ben Rep"),
    line(credit_rule="se", via_person=""),
    line(credit_rule="sdr", via_person="Ana"),
    line(credit_rule="territory"),
    line(credit_rule="rollup", via_person="E00042", quota=None),
    line(credit_rule="mystery"),
    line(credit_rule=None),
    # converted from euros at 1.085: 12,345.67 EUR is 13,395.05 USD (13,395.051950 rounded)
    line(source_amount=D("12345.67"), source_currency="EUR", fx_factor=D("1.085"),
         value=D("13395.05195"), base=D("13395.05195"), amount=D("535.80")),
    # half way: 12.25% rounds to 12.2% (even), 12.35% to 12.4%, 12.345% to 12.3%
    line(share=D("0.1225")), line(share=D("0.1235")), line(share=D("0.12345")),
    line(rate=D("0.0125"), quota=None), line(rate=D("0.0135"), quota=None),
    # attainment: 33,333.333333 of 100,000 = 33.3%; 12,250 of 100,000 exactly half way
    line(cum_before=D("33333.33333333")), line(cum_before=D("12250")),
    line(cum_before=D("-500"), tier_lower=None),
    line(note="paid on the plan's special terms"),
    line(rate=None, quota=None),
    line(modifier=D("1.25")), line(modifier=D("1")), line(modifier=D("2.000000")),
    # a cancellation: negative money, rounding half away from zero
    line(source_amount=D("-1234567.89"), value=D("-1234567.89"), base=D("-1234567.895"),
         amount=D("-49382.72")),
    line(base=D("0.005"), value=D("0.004"), amount=D("0")),
    line(opportunity_id=None), line(opportunity_id="", transaction_id=""),
    line(account_name=None), line(account_name=""),
    line(amount=D("1234567890123.45"), source_amount=D("999999999999.99")),
]
WORDED_BY_PYTHON = [
    line(line_kind="bonus", note="quarterly bonus"),
    line(line_kind="spiff"),
    line(line_kind="mbo"),
    line(quota=D("-5")),
    line(share=None),
    line(cum_before=D("95000000")),  # running totals this large: Python
    line(amount=D("10000000000000")),
]


def sql_words(rows: list[dict[str, Any]]) -> list[str | None]:
    database = duckdb.connect()
    columns = [*LINE_COLUMNS, "account_name"]
    database.execute("CREATE TABLE lines (n INTEGER, " + ", ".join(
        f"{name} {TYPES.get(name, 'VARCHAR')}" for name in columns) + ")")
    database.executemany(
        f"INSERT INTO lines VALUES (?, {', '.join('?' for _ in columns)})",
        [[number, *(row[name] for name in columns)] for number, row in enumerate(rows)])
    found = database.execute(explained("SELECT * FROM lines", ["n"])).fetchall()
    return [record[-1] for record in found]


def python_words(rows: list[dict[str, Any]]) -> list[str]:
    typed = []
    for row in rows:
        converted = dict(row)
        for name, kind in TYPES.items():
            value = row[name]
            if value is not None and kind.startswith("DECIMAL"):
                scale = int(kind.rstrip(")").split(",")[1])
                converted[name] = value.quantize(Decimal(1).scaleb(-scale))
        typed.append(converted)
    return [explain(row, account_name=row["account_name"]) for row in typed]


def test_the_warehouse_words_every_plain_line_as_python_does() -> None:
    assert sql_words(LINES) == python_words(LINES)


@pytest.mark.parametrize(("values", "words"), [
    ({}, "Deal OPP-1, Acme, 60,000.00 USD credited 100% to you as the deal's owner; you "
         "were at 0% of quota, so the 4% tier applied: 2,400.00 USD"),
    ({"share": D("0.1225")}, "credited 12.2% to you"),
    ({"share": D("0.1235")}, "credited 12.4% to you"),
    ({"cum_before": D("12250")}, "you were at 12.2% of quota"),
    ({"source_amount": D("12345.67"), "source_currency": "EUR", "fx_factor": D("1.085")},
     "12,345.67 EUR (13,395.05 USD at 1.085) credited"),
    ({"source_amount": D("-1234567.89"), "amount": D("-49382.72")},
     "-1,234,567.89 USD credited"),
    ({"modifier": D("1.25")}, ", times a modifier of 1.25: 2,400.00 USD"),
])
def test_hand_worked_words(values: dict[str, Any], words: str) -> None:
    (text,) = sql_words([line(**values)])
    assert text is not None and words in text


def test_lines_it_cannot_word_exactly_are_left_to_python() -> None:
    assert sql_words(WORDED_BY_PYTHON) == [None] * len(WORDED_BY_PYTHON)
