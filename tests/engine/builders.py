"""Engine test kit: a tiny warehouse from CSV text, plans from YAML text, and a runner.

Tests write only the columns that matter to them; the rest get plain defaults (one account,
one product, USD, new business, no discount), so each test reads like the spreadsheet a
sales-ops person would write to check a plan by hand.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from attain.core.periods import DEFAULT_CALENDAR
from attain.engine.calculate import Assignment, EngineInputs, MboScore, QuotaRow, calculate
from attain.engine.plans import PlanVersionInput
from attain.plans.language import load_plan
from attain.warehouse import connection, load, schema

DEFAULTS: dict[str, dict[str, str]] = {
    "transactions": {
        "order_id": "{transaction_id}", "opportunity_id": "OPP-{transaction_id}",
        "account_id": "A1", "product_id": "P1", "owner_id": "rep1", "deal_type": "new",
        "quantity": "1", "unit_price": "{amount_abs}", "discount": "0", "cost": "0",
        "currency": "USD", "invoiced_on": "", "paid_on": "", "kind": "order",
        "reverses_transaction_id": "",
    },
    "opportunities": {
        "name": "Deal {opportunity_id}", "account_id": "A1", "owner_id": "rep1",
        "product_id": "P1", "amount": "", "currency": "USD", "stage": "Closed Won",
        "probability": "1", "forecast_category": "closed", "lead_source": "Web",
        "deal_type": "new", "created_on": "2026-01-01", "close_date": "2026-01-01",
        "is_closed": "true", "is_won": "true", "loss_reason": "", "lead_id": "",
        "campaign_id": "", "sdr_id": "", "se_id": "",
    },
    "accounts": {
        "name": "Account {account_id}", "industry": "Technology", "segment": "mid_market",
        "region": "AMER", "country": "US", "employees": "500", "created_on": "2020-01-01",
        "owner_id": "", "channel": "direct",
    },
    "products": {
        "name": "Product {product_id}", "family": "Cloud", "list_price": "1000",
        "unit_cost": "100", "currency": "USD", "is_recurring": "true",
    },
    "splits": {"split_type": "revenue"},
    "fx_rates": {},
}


def rows_from_csv(text: str) -> list[dict[str, str]]:
    lines = [line.strip() for line in textwrap.dedent(text).strip().splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    header = [name.strip() for name in lines[0].split(",")]
    return [dict(zip(header, [v.strip() for v in line.split(",")], strict=True))
            for line in lines[1:]]


def _complete(table: str, rows: list[dict[str, str]]) -> pa.Table:
    spec = schema.get(table)
    done = []
    for row in rows:
        values = dict(row)
        amount = values.get("amount", "0") or "0"
        context = {**values, "amount_abs": amount.lstrip("-")}
        for column, default in DEFAULTS[table].items():
            if column not in values:
                values[column] = default.format(**context) if "{" in default else default
        done.append(values)
    buffer = io.StringIO()
    buffer.write(",".join(spec.column_names) + "\n")
    for values in done:
        buffer.write(",".join(values.get(name, "") for name in spec.column_names) + "\n")
    types = {column.name: column.ibis_type.to_pyarrow() for column in spec.columns}
    return pacsv.read_csv(
        io.BytesIO(buffer.getvalue().encode()),
        convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True,
                                             null_values=[""]),
    )


def warehouse(url: str, *, transactions: str, splits: str = "", fx_rates: str = "",
              accounts: str = "", products: str = "", opportunities: str = "") -> None:
    """Load a warehouse whose deals, accounts and products are made up from the
    transactions where the test does not give them."""
    tx_rows = rows_from_csv(transactions)
    tx = _complete("transactions", tx_rows)
    opp_rows = rows_from_csv(opportunities) if opportunities else []
    known_opps = {row["opportunity_id"] for row in opp_rows}
    for row in tx.to_pylist():
        if row["opportunity_id"] not in known_opps:
            known_opps.add(row["opportunity_id"])
            opp_rows.append({"opportunity_id": row["opportunity_id"],
                             "account_id": row["account_id"], "owner_id": row["owner_id"],
                             "product_id": row["product_id"]})
    account_rows = rows_from_csv(accounts) if accounts else []
    known = {row["account_id"] for row in account_rows}
    for account_id in sorted({row["account_id"] for row in tx.to_pylist()} - known):
        account_rows.append({"account_id": account_id})
    product_rows = rows_from_csv(products) if products else []
    known = {row["product_id"] for row in product_rows}
    for product_id in sorted({row["product_id"] for row in tx.to_pylist()} - known):
        product_rows.append({"product_id": product_id})
    data = {
        "transactions": tx,
        "opportunities": _complete("opportunities", opp_rows),
        "accounts": _complete("accounts", account_rows),
        "products": _complete("products", product_rows),
        "splits": _complete("splits", rows_from_csv(splits) if splits else []),
        "fx_rates": _complete("fx_rates", rows_from_csv(fx_rates) if fx_rates else []),
    }
    load.create_tables(url=url, replace=True)
    load.load_tables(data, url=url)


def plan(text: str) -> PlanVersionInput:
    document = load_plan(textwrap.dedent(text))
    return PlanVersionInput(document, document.effective_from, document.effective_to)


def on_plan(person: str, document: PlanVersionInput, currency: str = "USD",
            since: dt.date | None = None, until: dt.date | None = None) -> Assignment:
    return Assignment(person, document.document.plan, document.document.version,
                      since or document.valid_from, until or document.valid_to, currency)


def quota(person: str, period: str, amount: str, metric: str = "bookings") -> QuotaRow:
    p = DEFAULT_CALENDAR.parse(period)
    return QuotaRow(person, metric, p.start, p.end, Decimal(amount))


def inputs(plans: list[PlanVersionInput], assignments: list[Assignment], *,
           quotas: list[QuotaRow] | None = None,
           reporting: list[tuple[str, str, int, dt.date, dt.date | None]] | None = None,
           mbo: list[MboScore] | None = None,
           territories: list[tuple[str, str, dt.date, dt.date | None]] | None = None,
           ) -> EngineInputs:
    return EngineInputs(calendar=DEFAULT_CALENDAR, plans=plans, assignments=assignments,
                        reporting_lines=reporting or [], quotas=quotas or [],
                        mbo_scores=mbo or [], territories=territories)


def lines(url: str, engine_inputs: EngineInputs, period: str) -> list[dict[str, Any]]:
    """The run's earning lines in a stable order, as plain dicts."""
    calculation = calculate(connection.connect(url), engine_inputs,
                            DEFAULT_CALENDAR.parse(period))
    rows = calculation.lines.to_pyarrow().to_pylist()
    return sorted(rows, key=lambda r: (r["payee_id"], r["ordinal"], r["booked_on"],
                                       r["transaction_id"] or "", r["credit_rule"] or "",
                                       r["via_person"] or "", r["tier_no"] or 0,
                                       r["line_kind"]))


def measures(url: str, engine_inputs: EngineInputs, period: str) -> list[dict[str, Any]]:
    calculation = calculate(connection.connect(url), engine_inputs,
                            DEFAULT_CALENDAR.parse(period))
    return sorted(calculation.measures.to_pyarrow().to_pylist(),
                  key=lambda r: (r["payee_id"], r["comp_key"], r["period_start"]))


def amounts(rows: list[dict[str, Any]], **match: Any) -> list[Decimal]:
    return [row["amount"] for row in rows
            if all(row[key] == value for key, value in match.items())]


def total(rows: list[dict[str, Any]], **match: Any) -> Decimal:
    return sum(amounts(rows, **match), Decimal("0"))
