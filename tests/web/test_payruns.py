"""The pay run page: finance calculates, managers then finance approve, payroll holds only
approved payouts, and each role sees only the buttons (and money) it may use."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from attain.payouts.models import PayRun, RunState

pytestmark = pytest.mark.django_db
SignIn = Callable[[str], Client]
PERIOD = "FY2026-Q3"


def _calculate(signed_in: SignIn) -> PayRun:
    response = signed_in("finance").post("/payruns/calculate/", {"period": PERIOD})
    assert response.status_code == 302
    return PayRun.objects.get(period=PERIOD)


def test_finance_calculates_a_pay_run_from_the_page(calculated: str, signed_in: SignIn) -> None:
    run = _calculate(signed_in)
    assert run.state == RunState.CALCULATED
    page = signed_in("finance").get(f"/payruns/?period={PERIOD}").content.decode()
    assert "Approve (finance)" in page and "Commission cost against revenue" in page


def test_payroll_is_refused_until_approved_then_holds_every_payable(
        calculated: str, signed_in: SignIn) -> None:
    run = _calculate(signed_in)
    finance = signed_in("finance")
    early = finance.get(f"/payruns/{PERIOD}/payroll/", follow=True)
    assert "only approved payouts go to payroll" in early.content.decode()
    signed_in("admin").post(f"/payruns/{PERIOD}/", {"action": "approve"})  # as every manager
    finance = signed_in("finance")
    finance.post(f"/payruns/{PERIOD}/", {"action": "approve"})
    run.refresh_from_db()
    assert run.state == RunState.APPROVED
    text = finance.get(f"/payruns/{PERIOD}/payroll/").content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and set(rows[0]) == {"employee_id", "name", "period", "amount", "currency",
                                     "cost_centre"}
    expected = sum((p.payable for p in run.payouts.filter(payable__gt=0)), Decimal(0))
    assert sum((Decimal(r["amount"]) for r in rows), Decimal(0)) == expected


def test_a_manager_approves_their_team_and_sees_no_company_money(
        calculated: str, signed_in: SignIn) -> None:
    _calculate(signed_in)
    manager = signed_in("manager")
    page = manager.get("/payruns/").content.decode()
    assert "Approve my team" in page and "Payroll CSV" not in page
    assert "Commission cost against revenue" not in page
    manager.post(f"/payruns/{PERIOD}/", {"action": "approve"})
    run = PayRun.objects.get(period=PERIOD)
    approved = set(run.approvals.values_list("employee_id", flat=True))
    assert approved and len(approved) < run.payouts.count()  # their people only
    assert manager.get(f"/payruns/{PERIOD}/payroll/").status_code == 403
    assert manager.post("/payruns/calculate/", {"period": PERIOD}).status_code == 403


def test_reps_and_executives_have_no_pay_run_page(calculated: str, signed_in: SignIn) -> None:
    for username in ("rep", "executive"):
        assert signed_in(username).get("/payruns/").status_code == 403
