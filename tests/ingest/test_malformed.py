"""Malformed files never crash the importer and never load partially (Hypothesis)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attain.ingest import reading, services
from attain.warehouse import load

pytestmark = pytest.mark.django_db

HEADER = ["product_id", "name", "family", "list_price", "unit_cost", "currency", "is_recurring"]
GOOD_ROW = ["P1", "Cloud Suite", "Cloud", "12000.00", "1800.00", "USD", "true"]

cells = st.one_of(
    st.sampled_from(["", "P1", "12.5", "1e9", "-3", "abc", "true", "USD", "usd", "2026-13-01",
                     '"', '""', 'x"y', "a,b", "\n", "\r\n", ";", "\t", "\u00e9", "\x00"]),
    st.text(max_size=12),
)
rows = st.lists(st.lists(cells, min_size=0, max_size=9), min_size=0, max_size=6)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])


def _csv_bytes(header: list[str], body: list[list[str]], delimiter: str, encoding: str) -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(row) for row in body]
    return "\n".join(lines).encode(encoding, errors="replace")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.one_of(st.just(HEADER), st.permutations(HEADER),
                        st.lists(st.sampled_from([*HEADER, "", "extra"]), max_size=9)),
       body=rows, delimiter=st.sampled_from([",", ";", "\t", "|"]), encoding=encodings,
       junk=st.binary(max_size=40), where=st.integers(min_value=0, max_value=400))
def test_any_malformed_csv_is_reported_and_loads_nothing_or_everything(
        warehouse: str, tmp_path: Path, header: list[str], body: list[list[str]],
        delimiter: str, encoding: str, junk: bytes, where: int) -> None:
    load.create_tables(url=warehouse)
    load.load_table("products", _typed([GOOD_ROW]), url=warehouse)
    before = load.fingerprint(url=warehouse, tables=["products"])
    data = _csv_bytes(header, body, delimiter, encoding)
    data = data[:where] + junk + data[where:]  # stray bytes anywhere, even inside a BOM
    path = tmp_path / "products.csv"
    path.write_bytes(data)
    report = services.import_file("products", path)
    if report.ok:
        counts = load.table_counts(url=warehouse)
        assert counts["products"] >= 1
        assert report.added + report.updated + report.unchanged == report.rows
    else:
        assert report.errors and all(issue.reason for issue in report.errors)
        assert load.fingerprint(url=warehouse, tables=["products"]) == before


def _typed(rows: list[list[str]]) -> pa.Table:
    """Products rows as the loader takes them (money as decimals)."""
    return pa.table({
        "product_id": [row[0] for row in rows], "name": [row[1] for row in rows],
        "family": [row[2] for row in rows],
        "list_price": pa.array([Decimal(row[3]) for row in rows], pa.decimal128(18, 2)),
        "unit_cost": pa.array([Decimal(row[4]) for row in rows], pa.decimal128(18, 2)),
        "currency": [row[5] for row in rows], "is_recurring": [row[6] == "true" for row in rows],
    })


def test_a_field_longer_than_the_limit_is_an_error_on_its_row(
        warehouse: str, tmp_path: Path) -> None:
    huge = "x" * (reading.MAX_LINE_BYTES + 10)
    path = tmp_path / "products.csv"
    path.write_text(",".join(HEADER) + "\n" + ",".join(GOOD_ROW) + "\n"
                    f"P2,{huge},Cloud,1.00,1.00,USD,false\n")
    report = services.import_file("products", path)
    assert not report.ok
    assert report.errors[0].row == 3 and "cannot be read" in report.errors[0].reason
    assert len(report.errors[0].value) <= 201
    assert load.table_counts(url=warehouse).get("products", 0) == 0
