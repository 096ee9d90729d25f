"""The payout commands on the small demo company: a pay run from calculate to close through
``attain payrun``, the payroll file, and ``attain estimate``."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from attain.org.models import AccessRole, Person
from attain.payouts import lifecycle
from attain.payouts.models import Payout
from tests.demo_company import load_small_demo

pytestmark = pytest.mark.django_db
D = Decimal


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_a_demo_pay_run_from_calculate_to_close(warehouse: str, tmp_path: Path) -> None:
    load_small_demo(warehouse)
    ops = Person.objects.filter(access_role=AccessRole.ADMIN).first()
    finance = Person.objects.filter(access_role=AccessRole.FINANCE).first()
    assert ops and ops.user and finance and finance.user
    shown = json.loads(run("payrun", "calculate", "--period", "2026-Q2", "--json"))
    assert shown["state"] == "calculated" and shown["payees"] > 10
    run("payrun", "approve", "--period", "2026-Q2", "--level", "manager",
        "--as", ops.user.username)
    with pytest.raises(CommandError, match="not allowed"):
        run("payrun", "approve", "--period", "2026-Q2", "--level", "finance",
            "--as", ops.user.username)
    run("payrun", "approve", "--period", "2026-Q2", "--level", "finance",
        "--as", finance.user.username)
    payroll = tmp_path / "payroll.csv"
    assert "payroll rows written" in run("payrun", "payroll", "--period", "2026-Q2",
                                         "--output", str(payroll))
    rows = list(csv.DictReader(payroll.open()))
    positive = Payout.objects.filter(pay_run=lifecycle.get_pay_run("2026-Q2"), payable__gt=0)
    assert len(rows) == positive.count()
    assert sum(D(row["amount"]) for row in rows) == sum(p.payable for p in positive)
    assert all(row["cost_centre"] for row in rows)
    paid = json.loads(run("payrun", "pay", "--period", "2026-Q2", "--json"))
    assert paid["paid"] == paid["payable"]
    assert "closed" in run("payrun", "close", "--period", "2026-Q2")
    accruals = tmp_path / "accruals.xlsx"
    run("payrun", "accruals", "--output", str(accruals))
    sheet = load_workbook(accruals)["Accruals"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("period", "state", "cost_centre")
    # paid in full: what is still owed is only what is held for unpaid invoices
    assert all(D(str(row[8])) == D(str(row[5])) for row in rows[1:])
    with pytest.raises(CommandError, match="never recalculated"):
        run("payrun", "calculate", "--period", "2026-Q2")


def test_attain_estimate_answers_for_a_demo_rep(warehouse: str) -> None:
    load_small_demo(warehouse)
    from attain.plans.models import PlanAssignment

    rep = PlanAssignment.objects.filter(plan__code="ae-plan").select_related("person").first()
    assert rep is not None
    answer = json.loads(run("estimate", "--payee", rep.person.employee_id, "--amount", "20000",
                            "--date", "2026-05-15", "--product",
                            _a_product(warehouse), "--json"))
    assert answer["period"] == "FY2026-Q2"
    assert answer["lines"], "a new deal earns commission lines"
    # ae-plan v2 pays marginal tiers of 4%, 8% and 10%: the deal earns 4% to 10% of 20,000
    assert D("800") <= D(answer["marginal_payout"]) <= D("2000")
    assert {line["rate"] for line in answer["lines"]} <= {"0.040000", "0.080000", "0.100000"}
    with pytest.raises(CommandError, match="not YYYY-MM-DD"):
        run("estimate", "--payee", "x", "--amount", "1", "--date", "May", "--product", "p")


def _a_product(url: str) -> str:
    from attain.warehouse import connection

    products = connection.connect(url).table("products")
    return str(products.order_by("product_id").limit(1).to_pyarrow().to_pylist()[0][
        "product_id"])
