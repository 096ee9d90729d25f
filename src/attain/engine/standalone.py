"""``attain calc``: try a plan on CSV files, with no server and no database to set up.

A folder holds ``people.csv`` and ``transactions.csv`` (required) and optionally
``quotas.csv``, ``splits.csv``, ``territories.csv``, ``fx_rates.csv``, ``accounts.csv``,
``products.csv`` and ``opportunities.csv``, in the formats of docs/plan-language.md
("Trying a plan on a spreadsheet"). They are checked and loaded into a throwaway in-memory
DuckDB warehouse, and the engine runs on it exactly as it runs on the real warehouse.

Errors name the file, the row and the column; nothing here prints a traceback.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from attain.core.company import company_calendar
from attain.core.periods import Period, PeriodError
from attain.engine.calculate import (
    Assignment,
    Calculation,
    EngineInputs,
    QuotaRow,
    calculate,
    plan_year,
)
from attain.engine.errors import EngineError
from attain.engine.plans import PlanVersionInput
from attain.plans.language import PlanDocument, load_plan
from attain.warehouse import connection, load, schema

TRANSACTION_DEFAULTS = {
    "order_id": None, "opportunity_id": None, "account_id": "UNKNOWN", "product_id": "UNKNOWN",
    "deal_type": "new", "quantity": "1", "unit_price": None, "discount": "0", "cost": "0",
    "currency": "USD", "invoiced_on": "", "paid_on": "", "kind": "order",
    "reverses_transaction_id": "",
}


@dataclass(frozen=True)
class Person:
    person_id: str
    name: str
    role: str
    currency: str
    manager_id: str


def _read(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV file as dicts (header names trimmed and lower-cased)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="latin-1")
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        raise EngineError(f"{path.name} is empty: it needs a header row")
    reader.fieldnames = [name.strip().lower() for name in reader.fieldnames]
    return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]


def _need(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...]) -> None:
    if not rows:
        return
    missing = [c for c in columns if c not in rows[0]]
    if missing:
        raise EngineError(f"{path.name}: missing column(s) {', '.join(missing)}")


def _decimal(path: Path, row_number: int, column: str, text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise EngineError(f"{path.name}, row {row_number}, column {column}: "
                          f"{text!r} is not a number") from None


def _date(path: Path, row_number: int, column: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise EngineError(f"{path.name}, row {row_number}, column {column}: "
                          f"{text!r} is not a date (write YYYY-MM-DD)") from None


def _table(name: str, rows: list[dict[str, Any]], source: str) -> pa.Table:
    spec = schema.get(name)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(spec.column_names)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in spec.column_names])
    types = {column.name: column.ibis_type.to_pyarrow() for column in spec.columns}
    try:
        return pacsv.read_csv(io.BytesIO(buffer.getvalue().encode()),
                              convert_options=pacsv.ConvertOptions(
                                  column_types=types, strings_can_be_null=True, null_values=[""]))
    except pa.ArrowInvalid as error:
        raise EngineError(f"{source}: {error}") from None


def load_folder(folder: Path, url: str) -> list[Person]:
    """Check the CSV files in ``folder`` and load them into the warehouse at ``url``."""
    if not (folder / "transactions.csv").exists() or not (folder / "people.csv").exists():
        raise EngineError(f"{folder} needs people.csv and transactions.csv")
    people_path = folder / "people.csv"
    people_rows = _read(people_path)
    _need(people_path, people_rows, ("person_id", "role"))
    people = [Person(r["person_id"], r.get("name") or r["person_id"], r["role"],
                     r.get("currency") or "USD", r.get("manager_id", ""))
              for r in people_rows]
    known = {p.person_id for p in people}
    for number, person in enumerate(people, start=2):
        if person.manager_id and person.manager_id not in known:
            raise EngineError(f"people.csv, row {number}, column manager_id: "
                              f"{person.manager_id!r} is not a person_id in the file")
    tx_path = folder / "transactions.csv"
    tx_rows = _read(tx_path)
    _need(tx_path, tx_rows, ("transaction_id", "owner_id", "booked_on", "amount"))
    for number, row in enumerate(tx_rows, start=2):
        for column, default in TRANSACTION_DEFAULTS.items():
            if not row.get(column):
                row[column] = default if default is not None else ""
        row["order_id"] = row["order_id"] or row["transaction_id"]
        row["opportunity_id"] = row["opportunity_id"] or row["transaction_id"]
        amount = _decimal(tx_path, number, "amount", row["amount"])
        _date(tx_path, number, "booked_on", row["booked_on"])
        row["unit_price"] = row["unit_price"] or str(abs(amount))
        if row["owner_id"] not in known:
            raise EngineError(f"transactions.csv, row {number}, column owner_id: "
                              f"{row['owner_id']!r} is not a person_id in people.csv")

    def optional(name: str) -> list[dict[str, str]]:
        path = folder / f"{name}.csv"
        return _read(path) if path.exists() else []

    opportunities = optional("opportunities")
    seen = {r["opportunity_id"] for r in opportunities}
    for row in tx_rows:
        if row["opportunity_id"] not in seen:
            seen.add(row["opportunity_id"])
            opportunities.append({
                "opportunity_id": row["opportunity_id"], "name": row["opportunity_id"],
                "account_id": row["account_id"], "owner_id": row["owner_id"],
                "product_id": row["product_id"], "currency": row["currency"],
                "stage": "Closed Won", "probability": "1", "forecast_category": "closed",
                "lead_source": "Unknown", "deal_type": row["deal_type"],
                "created_on": row["booked_on"], "close_date": row["booked_on"],
                "is_closed": "true", "is_won": "true"})
    accounts = optional("accounts")
    seen = {r["account_id"] for r in accounts}
    for account_id in sorted({r["account_id"] for r in tx_rows} - seen):
        accounts.append({"account_id": account_id, "name": account_id, "industry": "Unknown",
                         "segment": "smb", "region": "Unknown", "country": "US",
                         "created_on": "2000-01-01", "channel": "direct"})
    products = optional("products")
    seen = {r["product_id"] for r in products}
    for product_id in sorted({r["product_id"] for r in tx_rows} - seen):
        products.append({"product_id": product_id, "name": product_id, "family": "Unknown",
                         "list_price": "0", "unit_cost": "0", "currency": "USD",
                         "is_recurring": "false"})
    splits = optional("splits")
    for row in splits:
        row.setdefault("split_type", "revenue")
        row["split_type"] = row["split_type"] or "revenue"
    data = {
        "transactions": _table("transactions", tx_rows, "transactions.csv"),
        "opportunities": _table("opportunities", opportunities, "opportunities.csv"),
        "accounts": _table("accounts", accounts, "accounts.csv"),
        "products": _table("products", products, "products.csv"),
        "splits": _table("splits", splits, "splits.csv"),
        "fx_rates": _table("fx_rates", optional("fx_rates"), "fx_rates.csv"),
    }
    load.create_tables(url=url, replace=True)
    try:
        load.load_tables(data, url=url)
    except load.LoadError as error:
        raise EngineError(f"{error.table}.csv: {error.reason}") from None
    return people


def reporting_lines(people: list[Person]) -> list[tuple[str, str, int, dt.date, dt.date | None]]:
    """Everyone above each person in the manager_id column (a static hierarchy)."""
    manager = {p.person_id: p.manager_id for p in people if p.manager_id}
    lines: list[tuple[str, str, int, dt.date, dt.date | None]] = []
    for person in people:
        depth, current, seen = 0, person.person_id, {person.person_id}
        while current in manager:
            current = manager[current]
            if current in seen:
                raise EngineError(f"people.csv: the manager chain of {person.person_id} loops "
                                  f"back to {current}")
            seen.add(current)
            depth += 1
            lines.append((person.person_id, current, depth, dt.date(1900, 1, 1), None))
    return lines


def quotas(folder: Path, metric_default: str) -> list[QuotaRow]:
    path = folder / "quotas.csv"
    if not path.exists():
        return []
    rows = _read(path)
    _need(path, rows, ("person_id", "period", "amount"))
    result = []
    for number, row in enumerate(rows, start=2):
        try:
            period = company_calendar().parse(row["period"])
        except PeriodError as error:
            raise EngineError(f"quotas.csv, row {number}, column period: {error}") from None
        result.append(QuotaRow(row["person_id"], row.get("metric") or metric_default,
                               period.start, period.end,
                               _decimal(path, number, "amount", row["amount"])))
    return result


def territories(folder: Path) -> list[tuple[str, str, dt.date, dt.date | None]] | None:
    path = folder / "territories.csv"
    if not path.exists():
        return None
    rows = _read(path)
    _need(path, rows, ("account_id", "person_id"))
    result = []
    for number, row in enumerate(rows, start=2):
        start = (_date(path, number, "valid_from", row["valid_from"])
                 if row.get("valid_from") else dt.date(1900, 1, 1))
        end = (_date(path, number, "valid_to", row["valid_to"]) if row.get("valid_to")
               else None)
        result.append((row["account_id"], row["person_id"], start, end))
    return result


def calculate_folder(plan_text: str, folder: Path, period: str | None, *,
                     plan_source: str = "plan") -> tuple[PlanDocument, Period, Calculation]:
    """Load ``folder`` into an in-memory warehouse and calculate ``plan_text`` on it."""
    document = load_plan(plan_text, source=plan_source)
    url = "duckdb://:memory:"
    connection.disconnect(url)
    people = load_folder(folder, url)
    backend = connection.connect(url)
    if period is None:
        latest = backend.table("transactions").booked_on.max().execute()
        the_period = company_calendar().period_containing(latest, "quarter")
    else:
        the_period = company_calendar().parse(period)
    roles = set(document.payees.roles)
    named = set(document.payees.people)
    payees = [p for p in people if p.role in roles or p.person_id in named]
    if not payees:
        raise EngineError(f"nobody in people.csv is a payee of {document.plan}: it pays roles "
                          f"{sorted(roles)} and people {sorted(named)}")
    year = plan_year(company_calendar(), the_period)
    version = PlanVersionInput(document, document.effective_from, document.effective_to)
    assignments = [Assignment(p.person_id, document.plan, document.version,
                              max(document.effective_from, year.start),
                              document.effective_to, p.currency) for p in payees]
    metric = next((c.quota for c in document.components if c.quota), "bookings")
    inputs = EngineInputs(calendar=company_calendar(), plans=[version], assignments=assignments,
                          reporting_lines=reporting_lines(people),
                          quotas=quotas(folder, metric), mbo_scores=[],
                          territories=territories(folder))
    return document, the_period, calculate(backend, inputs, the_period)
