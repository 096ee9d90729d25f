"""Mappings: any layout onto a kind, with renames, constants, value maps, formats, formulas
and joins by name, and mapping files checked with the line they are wrong at."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from attain.ingest import services
from attain.ingest.mapping import MappingError, parse_mapping
from attain.warehouse import connection
from tests.ingest.helpers import load_examples, write

pytestmark = pytest.mark.django_db

MAPPINGS = Path(__file__).resolve().parents[2] / "docs" / "examples" / "mappings"

SALESFORCE = (
    '"Opportunity Owner","Account Name","Opportunity Name","Type","Lead Source","Amount",'
    '"Close Date","Created Date","Stage","Probability (%)","Forecast Category","Closed","Won",'
    '"Opportunity ID"\n'
    '"Jane Doe","Globex","Globex renewal","Existing Customer - Upgrade","Web","18,500.00",'
    '"5/31/2026","1/15/2026","Negotiation/Review","90","Commit","0","0","006Hs00001AbCdE"\n'
    '"omar haddad ","Initech","Initech new","New Customer","","","9/30/2026","4/2/2026",'
    '"Prospecting","10","Pipeline","0","0","006Hs00001AbCdF"\n'
)

HUBSPOT = (
    "Record ID,Deal Name,Deal Stage,Close Date,Deal owner,Amount,Create Date,Deal Type,"
    "Associated Company\n"
    "1234567,Globex expansion,Closed Won,2026-04-30 12:00,Jane Doe,7200,2026-02-01 09:15,"
    "Existing Business,Globex\n"
    "1234568,Initech pilot,Contract Sent,2026-07-15 00:00,Nobody Known,1500.5,"
    "2026-03-10 10:00,New Business,Initech\n"
)


def _deal(warehouse: str, key: str) -> dict[str, object]:
    table = connection.connect(warehouse).table("opportunities")
    [row] = table.filter(table.opportunity_id == key).to_pyarrow().to_pylist()
    return row


def test_a_salesforce_opportunity_report_imports_through_the_built_in_mapping(
        warehouse: str, tmp_path: Path) -> None:
    load_examples(tmp_path, upto="products")
    path = write(tmp_path, "report.csv", SALESFORCE.replace('"18,500.00"', '"18500.00"'))
    report = services.import_file("opportunities", path,
                                  mapping=MAPPINGS / "salesforce_opportunities.yaml")
    assert report.ok, [str(issue) for issue in report.errors]
    deal = _deal(warehouse, "006Hs00001AbCdE")
    assert (deal["owner_id"], deal["account_id"], deal["deal_type"], deal["probability"],
            deal["forecast_category"], deal["amount"]) == (
        "E101", "A1", "expansion", Decimal("0.900000"), "commit", Decimal("18500.00"))
    # a name with different case and a trailing space still finds its person
    other = _deal(warehouse, "006Hs00001AbCdF")
    assert (other["owner_id"], other["lead_source"], other["amount"]) == ("E102", "Unknown", None)


def test_a_thousands_separator_is_an_error_not_a_guess(warehouse: str, tmp_path: Path) -> None:
    load_examples(tmp_path, upto="products")
    path = write(tmp_path, "report.csv", SALESFORCE)
    report = services.import_file("opportunities", path,
                                  mapping=MAPPINGS / "salesforce_opportunities.yaml")
    assert [(i.row, i.column, i.value) for i in report.errors] == [
        (2, "amount (from Amount)", "18,500.00")]


def test_a_hubspot_deals_export_reports_an_owner_it_cannot_find(
        warehouse: str, tmp_path: Path) -> None:
    load_examples(tmp_path, upto="products")
    path = write(tmp_path, "hubspot.csv", HUBSPOT)
    mapping = MAPPINGS / "hubspot_deals.yaml"
    report = services.import_file("opportunities", path, mapping=mapping)
    assert [(i.row, i.column, i.value, i.reason) for i in report.errors] == [
        (3, "owner_id (from Deal owner)", "Nobody Known", "no person has this name")]
    path = write(tmp_path, "hubspot.csv", HUBSPOT.replace("Nobody Known", "Jane Doe"))
    report = services.import_file("opportunities", path, mapping=mapping)
    assert report.ok and report.added == 2
    pilot = _deal(warehouse, "1234568")
    assert (pilot["is_closed"], pilot["forecast_category"], pilot["amount"],
            str(pilot["close_date"])) == (False, "commit", Decimal("1500.50"), "2026-07-15")


def test_decimal_commas_constants_skips_and_rounding(warehouse: str, tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "kind: products\n"
        "decimal_comma: true\n"
        "delimiter: ';'\n"
        "skip_when_empty: [Nummer]\n"
        "columns:\n"
        "  product_id: Nummer\n"
        "  name: Bezeichnung\n"
        "  family: {value: Hardware}\n"
        "  list_price: {from: Preis, round: true}\n"
        "  unit_cost: Kosten\n"
        "  currency: {value: EUR}\n"
        "  is_recurring: {from: Abo, map: {ja: 'true', nein: 'false'}}\n")
    # 1.234,565 rounds half away from zero to 1234.57; the row without a number is skipped
    path = write(tmp_path, "produkte.csv", "Nummer;Bezeichnung;Preis;Kosten;Abo\n"
                 "X1;Drucker;1.234,565;800,10;nein\n;Leer;1;1;ja\n")
    report = services.import_file("products", path, mapping=mapping)
    assert report.ok and (report.added, report.skipped) == (1, 1)
    table = connection.connect(warehouse).table("products")
    [row] = table.to_pyarrow().to_pylist()
    assert (row["list_price"], row["unit_cost"], row["is_recurring"]) == (
        Decimal("1234.57"), Decimal("800.10"), False)


@pytest.mark.parametrize(("text", "message"), [
    ("kind: products\ncolumns:\n  product_id: {from: A, value: B}\n",
     "m.yaml, line 3: column product_id needs exactly one of from, value, template, formula"),
    ("kind: products\ncolumns:\n  product_id: A\n  colour: B\n",
     "m.yaml, line 4: products has no column 'colour'"),
    ("kind: widgets\ncolumns: {}\n", "m.yaml, line 1: there is no import kind 'widgets'"),
    ("kind: products\ncolumns:\n  product_id: {from: A, lookup: by_magic}\n",
     "m.yaml, line 3: columns.product_id.lookup: Input should be"),
    ("kind: products\ncolumns:\n  list_price: {formula: '{A} ** 2'}\n",
     "m.yaml, line 3: formula '{A} ** 2': '*' (item 3) where a column or number should be"),
    ("kind: products\ncolumns:\n  list_price: {formula: '{A} + import(os)'}\n",
     "m.yaml, line 3: formula '{A} + import(os)': unexpected text at character 7"),
    ("kind: products\ncolumns: [\n", "m.yaml, line 3, column 1: not valid YAML"),
])
def test_a_bad_mapping_says_which_line_is_wrong(text: str, message: str) -> None:
    with pytest.raises(MappingError) as error:
        parse_mapping(text, source="m.yaml")
    assert str(error.value).startswith(message)


def test_every_shipped_mapping_is_valid() -> None:
    shipped = sorted(MAPPINGS.rglob("*.yaml"))
    assert len(shipped) >= 13
    for path in shipped:
        parse_mapping(path.read_text(encoding="utf-8"), source=path.name)
