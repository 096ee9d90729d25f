"""Bad files: every error names file, row, column, value and reason, all at once, and a
file with any error loads nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from attain.ingest import services
from attain.ingest.report import ERROR_LIMIT
from attain.warehouse import load
from tests.ingest.helpers import load_examples, run

pytestmark = pytest.mark.django_db

TX_HEADER = ("transaction_id,order_id,opportunity_id,account_id,product_id,owner_id,deal_type,"
             "quantity,unit_price,discount,amount,cost,currency,booked_on,invoiced_on,paid_on,"
             "kind,reverses_transaction_id\n")
GOOD_TX = "T9,SO-9,O1,A1,P1,E102,new,1,100.00,0,100.00,10.00,USD,2026-06-01,,,order,\n"


def errors(report: object) -> list[tuple[int, str, str, str]]:
    return [(issue.row, issue.column, issue.value, issue.reason)
            for issue in report.errors]  # type: ignore[attr-defined]


def test_a_currency_code_is_one_iso_4217_knows_said_in_plain_words(
        warehouse: str, tmp_path: Path) -> None:
    # three capital letters are not enough (USX, ABC); digits, symbols and accented
    # capitals are their own upper case; lower case is named in capitals; only row 9 (EUR)
    # and row 10 (DEM, withdrawn in 2002, still in old files) are codes
    text = ("rate_date,from_currency,to_currency,rate\n"
            "2026-01-01,USX,USD,1.1\n"
            "2026-01-01,ABC,USD,1.1\n"
            "2026-01-01,123,USD,1.1\n"
            "2026-01-01,US$,USD,1.1\n"
            "2026-01-01,ÉUR,USD,1.1\n"
            "2026-01-01,EURO,USD,1.1\n"
            "2026-01-01,gbp,USD,1.1\n"
            "2026-01-01,EUR,USD,1.1\n"
            "2001-01-01,DEM,USD,0.47\n")
    report = run("fx_rates", tmp_path, text)
    unknown = "not a known ISO 4217 currency code"
    assert errors(report) == [
        (2, "from_currency", "USX", unknown), (3, "from_currency", "ABC", unknown),
        (4, "from_currency", "123", unknown), (5, "from_currency", "US$", unknown),
        (6, "from_currency", "ÉUR", unknown), (7, "from_currency", "EURO", unknown),
        (8, "from_currency", "gbp", unknown + ": codes are written in capitals, GBP")]
    assert str(report.errors[0]) == \
        "fx_rates.csv, row 2, column from_currency: 'USX': not a known ISO 4217 currency code"
    assert report.rejected == 7 and not report.loaded
    assert load.table_counts(url=warehouse).get("fx_rates", 0) == 0


def test_a_reversal_may_name_a_line_already_imported_or_in_its_own_file_and_nothing_else(
        warehouse: str, tmp_path: Path) -> None:
    load_examples(tmp_path, upto="transactions")  # the warehouse holds T1 and T2
    text = TX_HEADER + (
        # row 2: refunds T1, imported earlier; row 3: a new order; row 4: refunds row 3's
        # line; row 5: refunds T77, which exists nowhere
        "T20,SO-1,,A1,P1,E102,new,-1,100.00,0,-100.00,-10.00,USD,2026-06-01,,,refund,T1\n"
        "T21,SO-2,,A1,P1,E102,new,1,100.00,0,100.00,10.00,USD,2026-06-01,,,order,\n"
        "T22,SO-2,,A1,P1,E102,new,-1,100.00,0,-100.00,-10.00,USD,2026-06-02,,,refund,T21\n"
        "T23,SO-2,,A1,P1,E102,new,-1,100.00,0,-100.00,-10.00,USD,2026-06-02,,,refund,T77\n")
    report = run("transactions", tmp_path, text)
    assert errors(report) == [(5, "reverses_transaction_id", "T77",
                               "no transaction has this transaction_id")]
    assert report.rejected == 1
    good = run("transactions", tmp_path, text.rsplit("T23", 1)[0])
    assert good.ok and good.added == 3


def test_every_bad_value_of_a_transactions_file_is_reported_at_once(
        warehouse: str, tmp_path: Path) -> None:
    load_examples(tmp_path, upto="transactions")
    before = load.fingerprint(url=warehouse, tables=["transactions"])
    text = TX_HEADER + GOOD_TX + (
        # row 3: money with three places, a discount above 1, an unknown product
        "T10,SO-9,,A1,NOPE,E102,new,1,100.005,1.5,100.00,10.00,USD,2026-06-01,,,order,\n"
        # row 4: bad date, lower-case currency, unknown deal type, unknown seller
        "T11,SO-9,,A1,P1,E999,upsell,1,100.00,0,100.00,10.00,usd,2026-02-30,,,order,\n"
        # row 5: same key as row 2, and a cancellation that names no line
        "T9,SO-9,,A1,P1,E102,new,-1,100.00,0,-100.00,-10.00,USD,2026-06-02,,,cancellation,\n"
        # row 6: required values empty
        "T12,,,A1,P1,E102,new,1,100.00,0,,10.00,USD,2026-06-01,,,order,\n"
    )
    report = run("transactions", tmp_path, text)
    assert not report.ok and not report.loaded
    found = errors(report)
    assert (3, "unit_price", "100.005",
            "not a number with at most 2 decimal places (written like 1234.50)") in found
    assert (3, "discount", "1.5",
            "must be between 0 and 1 (a fraction of the list price: 0.1 is 10%)") in found
    assert (3, "product_id", "NOPE", "no product has this product_id (import products first)") \
        in found
    assert (4, "booked_on", "2026-02-30", "not a date (YYYY-MM-DD)") in found
    assert (4, "currency", "usd", "not a known ISO 4217 currency code: codes are written in "
            "capitals, USD") in found
    assert (4, "deal_type", "upsell", "not one of new, expansion, renewal") in found
    assert (4, "owner_id", "E999", "no person has this person_id (import people first)") in found
    assert (5, "transaction_id", "T9", "the same key as row 2") in found
    assert (5, "kind, reverses_transaction_id", "cancellation, ",
            "an order names no line in reverses_transaction_id; a cancellation or refund "
            "names the line it reverses") in found
    assert (6, "order_id", "", "required, but empty") in found
    assert (6, "amount", "", "required, but empty") in found
    assert report.rejected == 4  # rows 3, 4, 5 and 6; row 2 is good
    assert all(issue.file == "transactions.csv" for issue in report.errors)
    assert load.fingerprint(url=warehouse, tables=["transactions"]) == before


def test_missing_and_unknown_columns_are_named_on_the_header_row(
        warehouse: str, tmp_path: Path) -> None:
    report = run("accounts", tmp_path, "account_id,name,segmnt\nA1,Globex,smb\n")
    found = errors(report)
    assert any(row == 1 and column == "segmnt" and "accounts has no column 'segmnt'" in reason
               for row, column, _v, reason in found)
    assert (1, "industry", "", "the column is required but missing") in found
    assert (1, "employees", "", "the column is required but missing") not in found


def test_ragged_rows_and_broken_quotes_are_errors_with_their_line(
        warehouse: str, tmp_path: Path) -> None:
    text = ("campaign_id,name,channel,start_on,end_on\n"
            "C1,Spring,Webinar,2026-03-01,2026-03-31\n"
            "C2,Summer,Webinar\n"
            "C3,\"Autumn\" sale,Events,2026-09-01,\n"
            "C4,Winter,Events,2026-12-01,2026-11-01\n")
    report = run("campaigns", tmp_path, text)
    found = errors(report)
    rows = sorted({row for row, *_ in found})
    # row 3 has too few fields, row 4 a quote inside an unquoted value, row 5 ends before
    # it starts: the check names both columns
    assert rows == [3, 4, 5]
    assert any(row == 5 and column == "start_on, end_on" for row, column, _v, _r in found)
    assert load.table_counts(url=warehouse).get("campaigns", 0) == 0


def test_more_errors_than_the_limit_are_counted_and_the_report_downloads_as_csv(
        warehouse: str, tmp_path: Path) -> None:
    rows = "".join(f"R{n},EUR,USD,-1\n" for n in range(ERROR_LIMIT + 5))
    report = run("fx_rates", tmp_path, "rate_date,from_currency,to_currency,rate\n" + rows)
    # every row: a date that is text "R…" and a negative rate → 2 errors a row; rows whose
    # key is incomplete are not compared for duplicates
    assert report.error_count == 2 * (ERROR_LIMIT + 5)
    assert len(report.errors) == ERROR_LIMIT
    lines = report.errors_csv().splitlines()
    assert lines[0] == "file,row,column,value,reason"
    assert lines[1] == "fx_rates.csv,2,rate_date,R0,not a date (YYYY-MM-DD)"
    assert lines[-1].endswith(f"… and {ERROR_LIMIT + 10} more errors")


def test_an_unknown_kind_or_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    report = services.import_file("widgets", tmp_path / "x.csv")
    assert "there is no import kind 'widgets'" in report.errors[0].reason
    report = services.import_file("accounts", tmp_path / "absent.csv")
    assert report.errors[0].reason == f"there is no file {tmp_path / 'absent.csv'}"
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert "the file is empty" in services.import_file("accounts", empty).errors[0].reason
