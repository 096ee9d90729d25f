"""The shared real datasets import end to end through the shipped mappings, and the figures
a user would look at come out right.

The data lives beside the repository (``ATTAIN_DATASETS_DIR``, default ../shared/datasets);
where it is absent these tests say so and are skipped. Expected figures are worked out from
the files independently, with the csv module, not with the importer.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from attain.ingest import services
from attain.org.models import Person, TeamMembership
from attain.warehouse import connection

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
DATASETS = Path(os.environ.get("ATTAIN_DATASETS_DIR", REPO.parent / "shared" / "datasets"))
MAPPINGS = REPO / "docs" / "examples" / "mappings"


def dataset(name: str) -> Path:
    folder = DATASETS / name
    if not folder.is_dir():
        pytest.skip(f"the shared dataset {name} is not at {folder}")
    return folder


def imported(kind: str, path: Path, mapping: Path) -> services.ImportReport:
    report = services.import_file(kind, path, mapping=mapping)
    assert report.ok, [str(issue) for issue in report.errors[:10]]
    return report


def rows_of(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with open(path, encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle))


def test_maven_crm_imports_with_owners_joined_by_name(warehouse: str) -> None:
    folder = dataset("maven_crm")
    mappings = MAPPINGS / "maven_crm"
    assert imported("people", folder / "sales_teams.csv", mappings / "managers.yaml").added == 6
    assert imported("teams", folder / "sales_teams.csv", mappings / "teams.yaml").added == 6
    agents = imported("people", folder / "sales_teams.csv", mappings / "agents.yaml")
    assert agents.added == 35
    assert imported("accounts", folder / "accounts.csv", mappings / "accounts.yaml").added == 85
    assert imported("products", folder / "products.csv", mappings / "products.yaml").added == 7
    report = imported("opportunities", folder / "sales_pipeline.csv",
                      mappings / "opportunities.yaml")
    pipeline = rows_of(folder / "sales_pipeline.csv")
    without_account = [row for row in pipeline if not row["account"]]
    assert len(without_account) == 1425  # as PROVENANCE.md says
    assert (report.rows, report.skipped, report.added) == (8800, 1425, 8800 - 1425)

    won = [row for row in pipeline if row["deal_stage"] == "Won" and row["account"]]
    expected_won_value = sum(Decimal(row["close_value"]) for row in won)
    top_agent, top_count = Counter(row["sales_agent"] for row in won).most_common(1)[0]
    opportunities = connection.connect(warehouse).table("opportunities")
    won_table = opportunities.filter(opportunities.is_won)
    assert won_table.count().to_pyarrow().as_py() == len(won) == 4238
    assert won_table.amount.sum().to_pyarrow().as_py() == expected_won_value
    # the agents' figures: deals won by the best agent, joined by name to their person
    person = Person.objects.get(name=top_agent)
    assert won_table.filter(won_table.owner_id == person.employee_id).count() \
        .to_pyarrow().as_py() == top_count
    # GTXPro in the pipeline is "GTX Pro" in products: every deal found its product
    assert opportunities.filter(opportunities.product_id == "GTX Pro").count() \
        .to_pyarrow().as_py() == sum(1 for row in pipeline
                                     if row["product"] == "GTXPro" and row["account"])
    assert TeamMembership.objects.filter(team__code="dustin.brinkmann").count() == sum(
        1 for row in rows_of(folder / "sales_teams.csv") if row["manager"] == "Dustin Brinkmann")
    again = imported("opportunities", folder / "sales_pipeline.csv",
                     mappings / "opportunities.yaml")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 8800 - 1425)


SUPERSTORE_MANAGERS = (
    # Tableau's Superstore workbook names one manager per region (its "People" sheet)
    "employee_id,name,email,role,hire_date,region\n"
    "ss-west,Anna Andreadi,anna@superstore.example,manager,2014-01-01,West\n"
    "ss-east,Chuck Magee,chuck@superstore.example,manager,2014-01-01,East\n"
    "ss-central,Kelly Williamson,kelly@superstore.example,manager,2014-01-01,Central\n"
    "ss-south,Cassandra Brandow,cassandra@superstore.example,manager,2014-01-01,South\n"
)


def _cents(text: str) -> Decimal:
    return Decimal(text).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


def test_superstore_in_windows_1252_imports_with_amounts_rounded_once(
        warehouse: str, tmp_path: Path) -> None:
    folder = dataset("superstore")
    source = folder / "Sample - Superstore.csv"
    mappings = MAPPINGS / "superstore"
    people = tmp_path / "managers.csv"
    people.write_text(SUPERSTORE_MANAGERS)
    assert services.import_file("people", people).added == 4
    lines = rows_of(source, encoding="cp1252")
    customers = {row["Customer ID"] for row in lines}
    products = {row["Product ID"] for row in lines}
    accounts = imported("accounts", source, mappings / "accounts.yaml")
    assert (accounts.added, accounts.skipped) == (len(customers), 9994 - len(customers))
    assert accounts.notes[0] == "read as cp1252, delimiter ','"
    assert imported("products", source, mappings / "products.yaml").added == len(products)
    report = imported("transactions", source, mappings / "transactions.yaml")
    assert report.added == len(lines) == 9994
    transactions = connection.connect(warehouse).table("transactions")
    # each line rounded to the cent half away from zero, then summed: lines add up to totals
    assert transactions.amount.sum().to_pyarrow().as_py() == sum(
        _cents(row["Sales"]) for row in lines)
    assert transactions.order_id.nunique().to_pyarrow().as_py() == 5009
    west = [row for row in lines if row["Region"] == "West"]
    assert transactions.filter(transactions.owner_id == "ss-west").amount.sum() \
        .to_pyarrow().as_py() == sum(_cents(row["Sales"]) for row in west)
    # a product name with a Windows-1252 curly quote or no-break space arrives as Unicode
    names = connection.connect(warehouse).table("products").name.to_pyarrow().to_pylist()
    assert any("\u201c" in name or "\u00a0" in name for name in names)


def test_olist_funnel_imports_leads_reps_and_won_deals(warehouse: str) -> None:
    folder = dataset("olist_funnel")
    mappings = MAPPINGS / "olist_funnel"
    leads_file = folder / "olist_marketing_qualified_leads_dataset.csv"
    deals_file = folder / "olist_closed_deals_dataset.csv"
    leads = imported("leads", leads_file, mappings / "leads.yaml")
    assert leads.added == 8000
    deals = rows_of(deals_file)
    sdrs = {row["sdr_id"] for row in deals}
    reps = {row["sr_id"] for row in deals}
    assert imported("people", deals_file, mappings / "sdrs.yaml").added == len(sdrs)
    sellers = imported("people", deals_file, mappings / "sellers.yaml")
    # 13 ids are both: importing the reps updates them rather than adding them again
    assert (sellers.added, sellers.updated) == (len(reps - sdrs), len(reps & sdrs)) \
        and len(reps & sdrs) == 13
    accounts = imported("accounts", deals_file, mappings / "accounts.yaml")
    assert accounts.added == len({row["seller_id"] for row in deals})
    won = imported("opportunities", deals_file, mappings / "deals.yaml")
    assert won.added == 842
    backend = connection.connect(warehouse)
    lead_table = backend.table("leads")
    assert lead_table.filter(lead_table.source == "unknown").count().to_pyarrow().as_py() == \
        sum(1 for row in rows_of(leads_file) if row["origin"] in ("", "unknown"))
    # the funnel a marketer looks at: 842 of 8,000 MQLs won = 10.525 %
    opportunities = backend.table("opportunities")
    converted = opportunities.filter(opportunities.lead_id.notnull()).count()
    assert converted.to_pyarrow().as_py() * Decimal(100) / 8000 == Decimal("10.525")
