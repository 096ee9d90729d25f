"""Tiny hand-made warehouses for metric tests: CSV text in the test, defaults for the rest.

A test writes only the columns its metric reads; :func:`load` fills every other column of
the warehouse table with a plain default (USD, an order, one unit, …) so the rows still
pass the schema's checks, and loads them through :mod:`attain.warehouse.load`, the one
way rows get in. People and teams go into the app database with :func:`org`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import textwrap
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from attain.warehouse import load as warehouse_load
from attain.warehouse import schema

Row = dict[str, Any]

DEFAULTS: dict[str, Callable[[Row], Row]] = {
    "accounts": lambda r: {
        "name": r["account_id"], "industry": "Technology", "segment": "smb", "region": "EMEA",
        "country": "DE", "employees": None, "created_on": "2025-01-01", "owner_id": None,
        "channel": "direct"},
    "products": lambda r: {
        "name": r["product_id"], "family": "Cloud", "list_price": "100.00",
        "unit_cost": "10.00", "currency": "USD", "is_recurring": "false"},
    "opportunities": lambda r: {
        "name": r["opportunity_id"], "account_id": "A-1", "owner_id": "E1", "product_id": None,
        "amount": "1000.00", "currency": "USD",
        "stage": "Closed Won" if r.get("is_won") == "true" else (
            "Closed Lost" if r.get("is_closed") == "true" else "Proposal"),
        "probability": "1" if r.get("is_won") == "true" else (
            "0" if r.get("is_closed") == "true" else "0.5"),
        "forecast_category": "closed" if r.get("is_won") == "true" else (
            "omitted" if r.get("is_closed") == "true" else "pipeline"),
        "lead_source": "Web", "deal_type": "new", "created_on": "2025-01-01",
        "close_date": "2025-03-31", "is_closed": "false", "is_won": "false",
        "loss_reason": None, "lead_id": None, "campaign_id": None, "sdr_id": None,
        "se_id": None},
    "opportunity_stage_history": lambda r: {
        "amount": None, "probability": "0.5", "forecast_category": "pipeline",
        "close_date": "2025-03-31"},
    "transactions": lambda r: {
        "order_id": r["transaction_id"], "opportunity_id": None, "account_id": "A-1",
        "product_id": "P-1", "owner_id": "E1", "deal_type": "new",
        "quantity": "-1" if r.get("kind", "order") != "order" else "1",
        "unit_price": str(abs(float(r.get("amount", "0")))), "discount": "0",
        "cost": "0.00", "currency": "USD", "invoiced_on": None, "paid_on": None,
        "kind": "order", "reverses_transaction_id": None},
    "activities": lambda r: {
        "account_id": None, "opportunity_id": None, "outcome": "completed",
        "duration_minutes": None},
    "leads": lambda r: {
        "source": "Web", "campaign_id": None, "qualified_on": None, "converted_on": None,
        "opportunity_id": None, "owner_id": None, "account_id": None},
    "campaigns": lambda r: {"name": r["campaign_id"], "channel": "Webinar",
                            "start_on": "2025-01-01", "end_on": None},
    "campaign_spend": lambda r: {"currency": "USD"},
    "sales_marketing_costs": lambda r: {"function": "sales", "category": "salaries",
                                        "cost_center": "SALES", "currency": "USD"},
    "subscriptions": lambda r: {"mrr_change": "0.00", "movement": "flat", "currency": "USD"},
    "customer_feedback": lambda r: {"account_id": "A-1"},
    "fx_rates": lambda r: {"to_currency": "USD"},
    "training": lambda r: {"score": None},
}


def rows(table: str, text: str) -> pa.Table:
    """CSV text (header line first; an empty field is NULL) as an Arrow table of the warehouse
    table's columns, every column not written filled from :data:`DEFAULTS`."""
    reader = csv.DictReader(io.StringIO(textwrap.dedent(text).strip()))
    records: list[Row] = []
    for raw in reader:
        given = {k.strip(): (v.strip() if v.strip() != "" else None) for k, v in raw.items()}
        record = {**DEFAULTS.get(table, lambda r: {})(given), **given}
        records.append(record)
    names = schema.get(table).column_names
    return pa.table({name: pa.array([r.get(name) for r in records], pa.string())
                     for name in names})


def load(url: str, **tables: str) -> None:
    """Create every warehouse table empty, then load each ``name=csv_text`` given."""
    warehouse_load.create_tables(url=url, replace=True)
    if tables:
        warehouse_load.load_tables({name: rows(name, text) for name, text in tables.items()},
                                   url=url)


def org(text: str) -> None:
    """People and their team spans in the app database, from CSV text.

    Columns: person_id, team, valid_from, valid_to (empty: still there), and optionally
    role (default rep), parent (the team's parent team code, since always; move a team
    later with :func:`attain.org.services.set_team_parent`) and hired (default valid_from).
    A person may have several lines (a move between teams).
    """
    from attain.org import services as org_services
    from attain.org.models import Employment, Person, Team, TeamMembership

    reader = csv.DictReader(io.StringIO(textwrap.dedent(text).strip()))
    lines = [{k.strip(): (v.strip() or None) for k, v in raw.items()} for raw in reader]
    teams: dict[str, Team] = {}
    for line in lines:
        code = line["team"]
        parent_code = line.get("parent")
        if parent_code and parent_code not in teams:
            teams[parent_code] = Team.objects.get_or_create(
                code=parent_code, defaults={"name": parent_code})[0]
        if code not in teams:
            teams[code] = Team.objects.get_or_create(code=code, defaults={"name": code})[0]
        if parent_code and teams[code].parent_id != teams[parent_code].pk:
            org_services.set_team_parent(team=teams[code], parent=teams[parent_code],
                                         since=org_services.BEGINNING)
    people: dict[str, Person] = {}
    for line in lines:
        employee_id = line["person_id"]
        start = dt.date.fromisoformat(line["valid_from"])
        end = dt.date.fromisoformat(line["valid_to"]) if line.get("valid_to") else None
        if employee_id not in people:
            hired = dt.date.fromisoformat(line.get("hired") or line["valid_from"])
            people[employee_id] = Person.objects.create(
                employee_id=employee_id, name=employee_id, email=f"{employee_id}@example.com",
                role=line.get("role") or "rep", access_role="rep", hire_date=hired)
            Employment.objects.create(person=people[employee_id], role=line.get("role") or "rep",
                                      valid_from=hired, valid_to=None)
        TeamMembership.objects.create(person=people[employee_id], team=teams[line["team"]],
                                      valid_from=start, valid_to=end)
