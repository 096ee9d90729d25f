"""A busier small demo company for the query-count tests: several of every row a list page
or API list shows (disputes on several payees, goals for several reps with check-ins, a pay
run with approvals, extra runs and jobs by different users, audit entries by several
actors), so a query made once per row would show as many extra queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.test import Client

from attain.core.models import Job
from attain.engine.models import CalculationRun, RunStatus
from attain.org.models import Person
from attain.payouts import disputes as dispute_services
from attain.payouts import lifecycle
from attain.payouts import statements as statement_services
from attain.targets import services as target_services
from attain.targets.models import Goal
from attain.web import goals as goal_services

PERIOD = "FY2026-Q3"
ROWS = 6
"""How many of each row: enough that one query per row would pass any bound we assert."""


@dataclass(frozen=True)
class Busy:
    run_id: str
    payees: list[str]
    """Employee ids with a disputed line and a goal."""
    goal_key: str
    """A goal with ``ROWS`` check-ins."""


def _goal_document(employee_id: str, key: str) -> str:
    return goal_services.compose({
        "goal": key, "title": f"Sell more in Q4 ({employee_id})", "metric": "revenue",
        "owner": f"person:{employee_id}", "target": "+10%", "period": "FY2026-Q4",
        "objective": "Grow revenue this year", "reason": "Hit the plan",
        "check_ins": "monthly"})


def make_busy(run_id: str) -> Busy:
    """Fill the calculated small demo with ``ROWS`` of each list's rows."""
    admin = get_user_model().objects.get(username="admin")
    payees: list[str] = []
    for person in Person.objects.filter(role="rep").order_by("employee_id"):
        found = statement_services.statement(viewer=admin, employee_id=person.employee_id,
                                             period=PERIOD)
        if len(found.lines) >= 2:
            payees.append(person.employee_id)
        if len(payees) == ROWS:
            break
    assert len(payees) == ROWS, "the small demo has fewer payees with lines than expected"
    for employee_id in payees:
        for line in (1, 2):
            dispute_services.raise_dispute(actor=admin, employee_id=employee_id, period=PERIOD,
                                           line_number=line, comment=f"check line {line}")
    for index, employee_id in enumerate(payees):
        target_services.save_goal(_goal_document(employee_id, f"goal-{index}"), user=admin)
    goal = Goal.objects.get(key="goal-0")
    owner = Person.objects.get(employee_id=payees[0])
    for day in range(ROWS):
        target_services.record_check_in(goal=goal, author=owner, day=dt.date(2026, 10, 1 + day),
                                        comment=f"week {day}", confidence=50 + day, user=admin)
    finance = Client()
    finance.force_login(get_user_model().objects.get(username="finance"))
    assert finance.post("/payruns/calculate/", {"period": PERIOD}).status_code == 302
    lifecycle.approve(actor=admin, period=PERIOD, level="manager")
    users = list(get_user_model().objects.order_by("id")[:ROWS])
    original = CalculationRun.objects.get(run_id=run_id)
    for index, user in enumerate(users):
        CalculationRun.objects.create(
            run_id=f"{run_id}-failed-{index}", period=original.period,
            period_start=original.period_start, period_end=original.period_end,
            status=RunStatus.FAILED, error="the warehouse was away", created_by=user)
        Job.objects.create(kind="calculate", params={"period": PERIOD}, requested_by=user)
    return Busy(run_id=run_id, payees=payees, goal_key="goal-0")
