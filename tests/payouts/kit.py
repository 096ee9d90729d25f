"""Payout test kit: a tiny company (two reps, their manager, finance, sales ops) in the app
database, a flat 10% plan, and a warehouse written as CSV text in each test.

A flat rate keeps the arithmetic a reader checks in their head: every deal pays 10% of its
amount to its owner, so a test's expected numbers follow from its transactions at a glance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model

from attain.core.periods import Period
from attain.engine.calculate import EngineInputs
from attain.org.models import AccessRole, Person, Role, Team, TeamManager, TeamMembership
from tests.engine import builders

FLAT = """
    plan: flat
    name: Flat plan
    version: 1
    effective_from: 2026-01-01
    payees: {roles: [rep]}
    components:
      - id: bookings
        name: Bookings
        measure: {sum: amount}
        period: quarter
        payout:
          rate: 10%
"""

TIERED = """
    plan: tiered
    name: Tiered plan
    version: 1
    effective_from: 2026-01-01
    payees: {roles: [rep]}
    components:
      - id: bookings
        name: New bookings
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
"""


@dataclass
class Company:
    rep1: Any
    rep2: Any
    manager: Any
    other_manager: Any
    finance: Any
    ops: Any
    executive: Any


def _person(employee_id: str, name: str, role: str, access: str, *,
            cost_center: str = "CC-SALES") -> Any:
    user = get_user_model().objects.create_user(username=employee_id, password="pw")
    Person.objects.create(employee_id=employee_id, name=name, email=f"{employee_id}@example.com",
                          role=role, access_role=access, hire_date=dt.date(2020, 1, 1),
                          cost_center=cost_center, user=user)
    return user


def company() -> Company:
    """rep1 and rep2 report to mgr1; mgr2 manages nobody; fin is finance, ops is sales ops."""
    people = Company(
        rep1=_person("rep1", "Ana Rep", Role.REP, AccessRole.REP, cost_center="CC-EAST"),
        rep2=_person("rep2", "Ben Rep", Role.REP, AccessRole.REP, cost_center="CC-WEST"),
        manager=_person("mgr1", "Mia Manager", Role.MANAGER, AccessRole.MANAGER),
        other_manager=_person("mgr2", "Max Manager", Role.MANAGER, AccessRole.MANAGER),
        finance=_person("fin", "Fay Finance", Role.FINANCE, AccessRole.FINANCE),
        ops=_person("ops", "Oli Ops", Role.SALES_OPS, AccessRole.ADMIN),
        executive=_person("exec", "Eve Exec", Role.EXECUTIVE, AccessRole.EXECUTIVE),
    )
    team = Team.objects.create(code="east", name="East")
    start = dt.date(2020, 1, 1)
    TeamManager.objects.create(team=team, person=Person.objects.get(employee_id="mgr1"),
                               valid_from=start)
    for employee_id in ("rep1", "rep2"):
        TeamMembership.objects.create(team=team, valid_from=start,
                                      person=Person.objects.get(employee_id=employee_id))
    return people


def inputs_for(plan_text: str = FLAT, payees: tuple[str, ...] = ("rep1", "rep2"),
               quotas: tuple[tuple[str, str, str], ...] = ()) -> Any:
    """An ``inputs`` callable for ``lifecycle.calculate``: the plan for ``payees``."""
    document = builders.plan(plan_text)

    def make(_period: Period) -> EngineInputs:
        return builders.inputs([document], [builders.on_plan(p, document) for p in payees],
                               quotas=[builders.quota(*q) for q in quotas])

    return make
