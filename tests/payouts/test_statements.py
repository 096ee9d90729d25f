"""Statements: every line explained in words, totals equal to the sum of lines, the access
rule applied, the same statement in CSV, Excel, PDF and ``attain explain``."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from openpyxl import load_workbook

from attain.engine import run as engine_run
from attain.payouts import exports, lifecycle
from attain.payouts.statements import OPERATOR, statement, statements
from tests.engine.builders import warehouse as load_warehouse
from tests.payouts.kit import TIERED, company, inputs_for

pytestmark = pytest.mark.django_db
D = Decimal

DEALS = """
    transaction_id, owner_id, booked_on, amount, paid_on
    T1, rep1, 2026-01-10, 60000, 2026-01-11
    T2, rep2, 2026-02-05, 80000, 2026-02-06
"""
SPLITS = """
    opportunity_id, person_id, share
    OPP-T2, rep1, 0.6
    OPP-T2, rep2, 0.4
"""


def calculated(warehouse: str) -> None:
    load_warehouse(warehouse, transactions=DEALS, splits=SPLITS)
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for(
        TIERED, quotas=(("rep1", "2026-Q1", "100000"), ("rep2", "2026-Q1", "100000"))))


def test_every_line_is_explained_from_deal_to_amount(warehouse: str) -> None:
    people = company()
    calculated(warehouse)
    found = statement(viewer=people.rep1, employee_id="rep1", period="2026-Q1")
    # T1: 60,000 at 4% = 2,400.00 (0% → 60% of quota)
    # T2: 80,000 × 60% = 48,000 credited: 40,000 to reach quota at 4% = 1,600.00,
    #     the other 8,000 at 8% = 640.00
    assert [line.text for line in found.lines] == [
        "Deal OPP-T1, Account A1, 60,000.00 USD credited 100% to you as the deal's owner; "
        "you were at 0% of quota, so the 4% tier applied: 2,400.00 USD",
        "Deal OPP-T2, Account A1, 80,000.00 USD credited 60% to you by the split on the "
        "opportunity; you were at 60% of quota, so the 4% tier applied to 40,000.00 USD of "
        "it: 1,600.00 USD",
        "Deal OPP-T2, Account A1, 80,000.00 USD credited 60% to you by the split on the "
        "opportunity; you were at 100% of quota, so the 8% tier applied to 8,000.00 USD of "
        "it: 640.00 USD",
    ]
    assert [line.number for line in found.lines] == [1, 2, 3]
    assert found.earned == D("4640.00") == sum(line.amount for line in found.lines)
    # 60,000 + 48,000 = 108,000 of 100,000: 108%
    (headline,) = found.components
    assert (headline.credited, headline.quota, headline.attainment) == (
        D("108000"), D("100000"), D("1.08"))
    # pace: on 14 February, 45 of the quarter's 90 days are gone: 108% ÷ 0.5 = 2.16
    halfway = statement(viewer=people.rep1, employee_id="rep1", period="2026-Q1",
                        as_of=dt.date(2026, 2, 14))
    assert halfway.components[0].pace == D("2.16")
    assert found.pay_run_state == "Calculated"
    assert found.payable == D("4640.00")
    assert [(item.kind, item.amount) for item in found.payout] == [("earned", D("4640.00"))]


def test_the_total_equals_the_runs_earnings_for_every_payee(warehouse: str) -> None:
    company()
    calculated(warehouse)
    run_id = lifecycle.get_pay_run("2026-Q1").calculation_run_id
    earnings = engine_run.results("results_earnings", run_id, url=warehouse).to_pyarrow()
    by_payee: dict[str, Decimal] = {}
    for row in earnings.to_pylist():
        by_payee[row["payee_id"]] = by_payee.get(row["payee_id"], D(0)) + row["amount"]
    found = {s.employee_id: s.earned for s in statements(viewer=OPERATOR, period="2026-Q1")}
    # rep2: 80,000 × 40% = 32,000 at 4% = 1,280.00
    assert found == by_payee == {"rep1": D("4640.00"), "rep2": D("1280.00")}


def test_statements_follow_the_access_rule(warehouse: str) -> None:
    people = company()
    calculated(warehouse)
    with pytest.raises(PermissionDenied):
        statement(viewer=people.rep2, employee_id="rep1", period="2026-Q1")
    with pytest.raises(PermissionDenied):
        statement(viewer=people.executive, employee_id="rep1", period="2026-Q1")
    with pytest.raises(PermissionDenied):
        statement(viewer=people.other_manager, employee_id="rep1", period="2026-Q1")
    assert statement(viewer=people.manager, employee_id="rep1", period="2026-Q1").earned == D(
        "4640.00")
    assert statement(viewer=people.finance, employee_id="rep2", period="2026-Q1").earned == D(
        "1280.00")
    assert [s.employee_id for s in statements(viewer=people.rep2, period="2026-Q1")] == ["rep2"]
    assert [s.employee_id for s in statements(viewer=people.manager, period="2026-Q1")] == [
        "mgr1", "rep1", "rep2"]


def test_a_statement_refuses_a_period_never_calculated(warehouse: str) -> None:
    people = company()
    from attain.payouts.errors import PayoutError

    with pytest.raises(PayoutError, match="has not been calculated"):
        statement(viewer=people.ops, employee_id="rep1", period="2026-Q3")


def test_exports_carry_the_same_lines_and_total(warehouse: str) -> None:
    people = company()
    calculated(warehouse)
    found = statement(viewer=people.rep1, employee_id="rep1", period="2026-Q1")
    rows = list(csv.reader(io.StringIO(exports.statement_csv(found).decode())))
    header = rows.index(list(exports.LINE_HEADER))
    body = rows[header + 1: header + 4]
    assert [row[-1] for row in body] == [line.text for line in found.lines]
    assert [D(row[12]) for row in body] == [D("2400.00"), D("1600.00"), D("640.00")]
    assert rows[header + 4][0] == "total" and D(rows[header + 4][12]) == D("4640.00")

    book = load_workbook(io.BytesIO(exports.statement_xlsx(found)))
    lines = list(book["Lines"].iter_rows(values_only=True))
    assert lines[0] == exports.LINE_HEADER
    assert sum(D(str(row[12])) for row in lines[1:-1]) == D(str(lines[-1][12])) == D("4640")
    assert book["Summary"]["B3"].value == D("4640.00")

    pdf = exports.statement_pdf(found)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")


def test_attain_explain_prints_the_statement_or_one_line(warehouse: str) -> None:
    company()
    calculated(warehouse)
    out = io.StringIO()
    call_command("explain", payee="rep1", period="2026-Q1", line=3, stdout=out)
    assert out.getvalue().strip() == (
        "3. Deal OPP-T2, Account A1, 80,000.00 USD credited 60% to you by the split on the "
        "opportunity; you were at 100% of quota, so the 8% tier applied to 8,000.00 USD of "
        "it: 640.00 USD")
    out = io.StringIO()
    call_command("explain", payee="rep1", period="2026-Q1", stdout=out)
    text = out.getvalue()
    assert "Ana Rep (rep1), FY2026-Q1: earned 4,640.00 USD" in text
    assert "Total 4,640.00 USD = the sum of 3 lines" in text
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="has no line 9"):
        call_command("explain", payee="rep1", period="2026-Q1", line=9, stdout=io.StringIO())


def test_a_statement_shown_again_follows_reruns_approvals_and_adjustments(
        warehouse: str) -> None:
    """The lines of a run are kept between views; anything that can change the statement
    without changing its run (approvals, payment, the payout) is read every time."""
    people = company()
    calculated(warehouse)
    first = statement(viewer=people.rep1, employee_id="rep1", period="2026-Q1")
    again = statement(viewer=people.rep1, employee_id="rep1", period="2026-Q1")
    assert [line.text for line in again.lines] == [line.text for line in first.lines]
    assert again.earned == first.earned == D("4640.00")
    # a late deal and an adjustment, then a rerun: a new run, so new lines.
    # T3: 10,000 with rep1 already at 108% of quota: 8% = 800.00; 4,640 + 800 = 5,440.00
    load_warehouse(warehouse, transactions=DEALS + "T3, rep1, 2026-03-01, 10000, 2026-03-02",
                   splits=SPLITS)
    lifecycle.add_adjustment(actor=people.ops, employee_id="rep1", period="2026-Q1",
                             amount="50.00", reason="spiff agreed by email")
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for(
        TIERED, quotas=(("rep1", "2026-Q1", "100000"), ("rep2", "2026-Q1", "100000"))))
    rerun = statement(viewer=people.rep1, employee_id="rep1", period="2026-Q1")
    assert rerun.run_id != first.run_id
    assert len(rerun.lines) == 4 and rerun.earned == D("5440.00")
    assert rerun.lines[-1].text.endswith("so the 8% tier applied: 800.00 USD")
    # payable: 5,440.00 earned + 50.00 adjusted = 5,490.00
    assert [(item.kind, item.amount) for item in rerun.payout] == [
        ("earned", D("5440.00")), ("adjustment", D("50.00"))]
    assert rerun.payable == D("5490.00")
    lifecycle.approve(period="2026-Q1", actor=people.manager, level="manager")
    approved = statement(viewer=people.rep1, employee_id="rep1", period="2026-Q1")
    assert approved.pay_run_state == "Approved by managers"
    assert approved.lines == rerun.lines
