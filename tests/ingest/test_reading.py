"""Files as people have them: any encoding with a BOM, UTF-8, Windows-1252 or Latin-1, any
common delimiter, Excel and Parquet, all read to the same rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from attain.ingest import reading, services
from tests.ingest.helpers import load_examples, write

pytestmark = pytest.mark.django_db

ACCOUNTS = ("account_id{d}name{d}industry{d}segment{d}region{d}country{d}employees{d}created_on"
            "{d}owner_id{d}channel\n"
            "A7{d}Café “Müller”{d}Retail{d}smb{d}EMEA{d}DE{d}12{d}2024-01-31{d}{d}direct\n")


def _names(warehouse: str) -> list[str]:
    from attain.warehouse import connection

    table = connection.connect(warehouse).table("accounts")
    return sorted(table.filter(table.account_id == "A7").name.to_pyarrow().to_pylist())


@pytest.mark.parametrize(("encoding", "delimiter", "detected"), [
    ("utf-8", ",", "utf-8"),
    ("utf-8-sig", ";", "utf-8-sig"),
    ("utf-16", "\t", "utf-16"),
    ("cp1252", "|", "cp1252"),
])
def test_encodings_and_delimiters_are_detected(warehouse: str, tmp_path: Path, encoding: str,
                                               delimiter: str, detected: str) -> None:
    path = write(tmp_path, "accounts.csv", ACCOUNTS.format(d=delimiter), encoding)
    assert reading.detect_encoding(path) == detected
    report = services.import_file("accounts", path)
    assert report.ok, [str(issue) for issue in report.errors]
    assert report.notes == [f"read as {detected}, delimiter {delimiter!r}"]
    assert _names(warehouse) == ["Café “Müller”"]


def test_a_windows_1252_byte_far_down_a_file_is_still_found(warehouse: str,
                                                           tmp_path: Path) -> None:
    # 3,000 ASCII rows (~190 kB, beyond any sample of the head), then one "é" as the single
    # byte 0xE9: the file is read as UTF-8 first, which DuckDB refuses, and only then
    # decoded in Python and found to be Windows-1252
    header, first = ACCOUNTS.format(d=",").splitlines()
    rows = [first.replace("A7", f"B{n}").replace("Café “Müller”", f"Plain {n}")
            for n in range(3000)]
    text = "\n".join([header, *rows, first.replace("A7", "A8").replace("“Müller”", "X")]) + "\n"
    path = write(tmp_path, "accounts.csv", text, "cp1252")
    report = services.import_file("accounts", path)
    assert report.ok and report.added == 3001, [str(issue) for issue in report.errors]
    assert report.notes == ["read as cp1252, delimiter ','"]
    from attain.warehouse import connection

    table = connection.connect(warehouse).table("accounts")
    assert table.filter(table.account_id == "A8").name.to_pyarrow().to_pylist() == ["Café X"]


def test_latin1_bytes_that_are_not_windows_1252_still_read(tmp_path: Path) -> None:
    # 0x81 is undefined in Windows-1252, so only Latin-1 decodes this file
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\n\x81,\xe9\n")
    assert reading.detect_encoding(path) == "latin-1"


def test_an_excel_file_reads_like_the_csv_with_spreadsheet_row_numbers(
        warehouse: str, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["account_id", "name", "industry", "segment", "region", "country",
                  "employees", "created_on", "owner_id", "channel"])
    sheet.append(["A7", "Café “Müller”", "Retail", "smb", "EMEA", "DE", 12,
                  dt.datetime(2024, 1, 31), None, "direct"])
    sheet.append([None] * 10)  # an empty row is skipped, but keeps its number
    sheet.append(["A8", "Bad Co", "Retail", "huge", "EMEA", "DE", 12.5,
                  dt.datetime(2024, 1, 31), None, "direct"])
    book.save(tmp_path / "accounts.xlsx")
    report = services.import_file("accounts", tmp_path / "accounts.xlsx")
    assert [(issue.row, issue.column, issue.value) for issue in report.errors] == [
        (4, "segment", "huge"), (4, "employees", "12.5")]
    sheet.delete_rows(4)
    book.save(tmp_path / "accounts.xlsx")
    assert services.import_file("accounts", tmp_path / "accounts.xlsx").ok
    assert _names(warehouse) == ["Café “Müller”"]


def test_a_sheet_read_a_few_rows_at_a_time_keeps_every_row_and_its_number(
        warehouse: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # batches of 2 rows: 7 data rows (one of them empty) land in 3 batches of 2 and one of 1
    monkeypatch.setattr(reading, "EXCEL_BATCH_ROWS", 2)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["account_id", "name", "industry", "segment", "region", "country",
                  "employees", "created_on", "owner_id", "channel"])
    for n in range(1, 8):
        if n == 4:
            sheet.append([None] * 10)  # spreadsheet row 5: empty, skipped, number kept
            continue
        segment = "huge" if n == 6 else "smb"  # spreadsheet row 7: the one bad row
        sheet.append([f"X{n}", f"Co {n}", "Retail", segment, "EMEA", "DE", n,
                      dt.datetime(2024, 1, n), None, "direct"])
    book.save(tmp_path / "accounts.xlsx")
    report = services.import_file("accounts", tmp_path / "accounts.xlsx")
    assert report.rows == 6
    assert [(issue.row, issue.column, issue.value) for issue in report.errors] == [
        (7, "segment", "huge")]
    sheet.cell(row=7, column=4, value="smb")
    book.save(tmp_path / "accounts.xlsx")
    report = services.import_file("accounts", tmp_path / "accounts.xlsx")
    assert report.ok and report.added == 6
    from attain.warehouse import connection

    table = connection.connect(warehouse).table("accounts").order_by("account_id")
    assert table.select("account_id", "employees").to_pyarrow().to_pylist() == [
        {"account_id": f"X{n}", "employees": n} for n in (1, 2, 3, 5, 6, 7)]


def test_a_parquet_file_keeps_decimals_exact(warehouse: str, tmp_path: Path) -> None:
    load_examples(tmp_path, upto="products")
    data = pa.table({
        "product_id": ["P9"], "name": ["Widget"], "family": ["Platform"],
        "list_price": pa.array([Decimal("1234.56")], pa.decimal128(18, 2)),
        "unit_cost": pa.array([Decimal("0.10")], pa.decimal128(18, 2)),
        "currency": ["USD"], "is_recurring": [False],
    })
    pq.write_table(data, tmp_path / "products.parquet")
    report = services.import_file("products", tmp_path / "products.parquet")
    assert report.ok and report.added == 1
    from attain.warehouse import connection

    table = connection.connect(warehouse).table("products")
    [row] = table.filter(table.product_id == "P9").to_pyarrow().to_pylist()
    assert (row["list_price"], row["unit_cost"]) == (Decimal("1234.56"), Decimal("0.10"))


def test_an_unknown_file_type_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "accounts.json", "{}")
    assert "unknown file type .json" in services.import_file("accounts", path).errors[0].reason
