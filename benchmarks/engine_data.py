"""The engine benchmark's data and plans: the demo company at scale, in a DuckDB file.

Shared by every implementation in benchmarks/engine.py so they all read the same rows.
Payees are paid in their region's currency and their deals are in that currency too, so
no conversion is needed (the engine still looks the rate up, as it always does).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path

from attain.core.periods import DEFAULT_CALENDAR
from attain.engine.calculate import Assignment, EngineInputs, QuotaRow
from attain.engine.plans import PlanVersionInput
from attain.org.services import _reporting_lines
from attain.plans.language import load_plan
from attain.warehouse import connection, load
from attain.warehouse.demo import DemoOptions, generate

AS_OF = dt.date(2026, 12, 31)
"""Four quarters of history ending here: the benchmark's 12 months are the year 2026."""
YEAR_START = dt.date(2026, 1, 1)
YEAR_END = dt.date(2026, 12, 31)

REP_PLAN = """
plan: bench-ae
name: Benchmark AE plan
version: 1
effective_from: 2026-01-01
payees: {roles: [rep]}
components:
  - id: bookings
    name: Bookings
    measure: {sum: amount}
    period: quarter
    quota: bookings
    payout:
      rate_table:
        on: attainment
        method: marginal
        tiers:
          - {from: 0%, rate: 4%}
          - {from: 100%, rate: 8%}
          - {from: 150%, rate: 10%}
"""
MANAGER_PLAN = """
plan: bench-manager
name: Benchmark manager plan
version: 1
effective_from: 2026-01-01
payees: {roles: [manager, director, vp]}
components:
  - id: team
    name: Team bookings
    measure: {sum: amount}
    credit: rollup
    period: quarter
    payout: {rate: 1%}
"""
TIERS = [(Decimal("0"), Decimal("0.04")), (Decimal("1"), Decimal("0.08")),
         (Decimal("1.5"), Decimal("0.10"))]
MANAGER_RATE = Decimal("0.01")


def build(folder: Path, transactions: int, people: int) -> dict[str, object]:
    """Generate and load the data; write the engine inputs beside it as JSON."""
    url = f"duckdb:///{folder}/bench.duckdb"
    company = generate(DemoOptions(seed=7, as_of=AS_OF, people=people, quarters=4,
                                   transactions=transactions, split_share=0.30))
    load.create_tables(url=url, replace=True)
    counts = load.load_tables(company.tables, url=url)
    connection.disconnect(url)
    team_ids = {team.code: number for number, team in enumerate(company.org.teams)}
    parents = {team_ids[t.code]: team_ids.get(t.parent or "") for t in company.org.teams}
    lines = _reporting_lines(
        [(s.person, team_ids[s.team], s.valid_from, s.valid_to)
         for s in company.org.memberships],
        [(s.person, team_ids[s.team], s.valid_from, s.valid_to) for s in company.org.managers],
        parents, max_depth=10)
    inputs = {
        "people": [{"id": p.employee_id, "role": p.role, "currency": p.currency,
                    "hired": p.hire_date.isoformat(),
                    "left": p.termination_date.isoformat() if p.termination_date else None}
                   for p in company.org.people],
        "quotas": [asdict(q) for q in company.quotas],
        "reporting": [[line.person, line.manager, line.depth, line.valid_from.isoformat(),
                       line.valid_to.isoformat() if line.valid_to else None] for line in lines],
    }
    (folder / "inputs.json").write_text(json.dumps(inputs))
    return {"url": url, "transactions": counts["transactions"], "splits": counts["splits"],
            "payees": len(company.org.people)}


def engine_inputs(folder: Path) -> EngineInputs:
    raw = json.loads((folder / "inputs.json").read_text())
    plans = [PlanVersionInput(doc, doc.effective_from, doc.effective_to)
             for doc in (load_plan(REP_PLAN), load_plan(MANAGER_PLAN))]
    assignments = []
    for person in raw["people"]:
        code = {"rep": "bench-ae", "manager": "bench-manager", "director": "bench-manager",
                "vp": "bench-manager"}.get(person["role"])
        if code is None:
            continue
        start = max(YEAR_START, dt.date.fromisoformat(person["hired"]))
        end = dt.date.fromisoformat(person["left"]) if person["left"] else None
        if end is not None and end < start:
            continue
        assignments.append(Assignment(person["id"], code, 1, start, end, person["currency"]))
    quotas = []
    for quota in raw["quotas"]:
        if quota["period"].startswith("2026"):
            period = DEFAULT_CALENDAR.parse(quota["period"])
            quotas.append(QuotaRow(quota["person_id"], quota["metric"], period.start,
                                   period.end, Decimal(quota["amount_cents"]) / 100))
    reporting = [(r[0], r[1], r[2], dt.date.fromisoformat(r[3]),
                  dt.date.fromisoformat(r[4]) if r[4] else None) for r in raw["reporting"]]
    return EngineInputs(calendar=DEFAULT_CALENDAR, plans=plans, assignments=assignments,
                        reporting_lines=reporting, quotas=quotas, mbo_scores=[])
