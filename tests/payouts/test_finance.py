"""Finance outputs: payroll of approved payouts only, accruals by cost centre, commission
cost against revenue by team and plan; company money for finance and sales ops only."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from attain.payouts import exports, finance, lifecycle
from attain.payouts.errors import PayoutError
from attain.payouts.models import PayoutItem
from tests.engine.builders import warehouse as load_warehouse
from tests.payouts.kit import company, inputs_for

pytestmark = pytest.mark.django_db
D = Decimal

DEALS = """
    transaction_id, owner_id, booked_on, amount, paid_on
    T1, rep1, 2026-01-10, 10000,
    T2, rep1, 2026-02-10, 4000, 2026-02-11
    T3, rep2, 2026-03-01, 5000, 2026-03-02
"""


def test_payroll_exports_approved_payouts_only(warehouse: str) -> None:
    people = company()
    load_warehouse(warehouse, transactions=DEALS)
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    with pytest.raises(PayoutError, match="only approved payouts go to payroll"):
        finance.payroll(viewer=people.finance, period="2026-Q1")
    lifecycle.approve(period="2026-Q1", actor=people.manager, level="manager")
    lifecycle.approve(period="2026-Q1", actor=people.finance, level="finance")
    rows = finance.payroll(viewer=people.finance, period="2026-Q1")
    # rep1: 1,000 + 400 earned, 1,000 held (T1 unpaid) = 400.00; rep2: 500.00
    assert [row.as_row() for row in rows] == [
        ("rep1", "Ana Rep", "FY2026-Q1", D("400.00"), "USD", "CC-EAST"),
        ("rep2", "Ben Rep", "FY2026-Q1", D("500.00"), "USD", "CC-WEST"),
    ]
    text = exports.rows_csv(finance.PAYROLL_HEADER, [r.as_row() for r in rows]).decode()
    assert text.splitlines() == ["employee_id,name,period,amount,currency,cost_centre",
                                 "rep1,Ana Rep,FY2026-Q1,400.00,USD,CC-EAST",
                                 "rep2,Ben Rep,FY2026-Q1,500.00,USD,CC-WEST"]
    book = load_workbook(io.BytesIO(exports.rows_xlsx(
        "Payroll", finance.PAYROLL_HEADER, [r.as_row() for r in rows], money_columns=[3])))
    values = list(book["Payroll"].iter_rows(values_only=True))
    assert [D(str(row[3])) for row in values[1:]] == [D("400"), D("500")]
    for someone in (people.rep1, people.manager, people.executive):
        with pytest.raises(PermissionDenied):
            finance.payroll(viewer=someone, period="2026-Q1")


def test_accruals_show_what_is_owed_by_cost_centre(warehouse: str) -> None:
    people = company()
    load_warehouse(warehouse, transactions=DEALS)
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    lifecycle.approve(period="2026-Q1", actor=people.manager, level="manager")
    lifecycle.approve(period="2026-Q1", actor=people.finance, level="finance")
    lifecycle.mark_paid(period="2026-Q1", actor=people.finance)
    rows = [row.as_row() for row in finance.accruals(viewer=people.finance)]
    # CC-EAST (rep1): earned 1,400, held 1,000, payable and paid 400: still owes 1,000
    # CC-WEST (rep2): earned, payable and paid 500: owes nothing
    assert rows == [
        ("FY2026-Q1", "Paid", "CC-EAST", "USD", D("1400.00"), D("1000.00"), D("400.00"),
         D("400.00"), D("1000.00")),
        ("FY2026-Q1", "Paid", "CC-WEST", "USD", D("500.00"), D("0"), D("500.00"),
         D("500.00"), D("0.00")),
    ]


def _approve_and_pay(period: str, people: object) -> None:
    lifecycle.approve(period=period, actor=people.manager, level="manager")  # type: ignore[attr-defined]
    lifecycle.approve(period=period, actor=people.finance, level="finance")  # type: ignore[attr-defined]
    lifecycle.mark_paid(period=period, actor=people.finance)  # type: ignore[attr-defined]


def test_a_hold_released_and_paid_is_no_longer_accrued(warehouse: str) -> None:
    people = company()
    load_warehouse(warehouse, transactions=DEALS)
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    _approve_and_pay("2026-Q1", people)
    # the customer pays T1 on 2 May: Q2 releases rep1's 1,000.00 held in Q1
    load_warehouse(warehouse, transactions=DEALS.replace("T1, rep1, 2026-01-10, 10000,",
                                                         "T1, rep1, 2026-01-10, 10000, "
                                                         "2026-05-02"))
    lifecycle.calculate(period="2026-Q2", inputs=inputs_for())
    (release,) = PayoutItem.objects.filter(kind="release")
    assert (release.payout.employee_id, release.amount, release.reference_period,
            release.description) == ("rep1", D("1000.00"), "FY2026-Q1",
                                     "Released from FY2026-Q1: the invoice was paid")
    east = [row.as_row() for row in finance.accruals(viewer=people.finance)
            if row.cost_centre == "CC-EAST"]
    # Q1 no longer holds the 1,000.00 (released in Q2): earned 1,400, payable and paid
    # 400, accrued 0. Q2 owes it as payable, not yet paid: accrued 1,000.00. Owed in all:
    # 1,000.00, counted once.
    assert east == [
        ("FY2026-Q1", "Paid", "CC-EAST", "USD", D("1400.00"), D("0.00"), D("400.00"),
         D("400.00"), D("0.00")),
        ("FY2026-Q2", "Calculated", "CC-EAST", "USD", D("0.00"), D("0"), D("1000.00"),
         D("0"), D("1000.00")),
    ]
    _approve_and_pay("2026-Q2", people)
    east = [row.as_row() for row in finance.accruals(viewer=people.finance)
            if row.cost_centre == "CC-EAST"]
    # Q2 paid its 1,000.00: nothing is accrued in either period any more
    assert [(row[0], row[5], row[8]) for row in east] == [
        ("FY2026-Q1", D("0.00"), D("0.00")), ("FY2026-Q2", D("0"), D("0.00"))]


def test_cost_against_revenue_by_team_and_plan(warehouse: str) -> None:
    people = company()
    load_warehouse(warehouse, transactions=DEALS)
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    (row,) = finance.cost_vs_revenue(viewer=people.ops, period="2026-Q1")
    # team east: revenue 10,000 + 4,000 + 5,000 = 19,000; cost 10% of it = 1,900.00
    assert row.as_row() == ("east", "flat", "USD", 2, D("19000.00"), D("1900.00"),
                            D("0.100000"))
    with pytest.raises(PermissionDenied):
        finance.cost_vs_revenue(viewer=people.manager, period="2026-Q1")
