"""Disputes: raised on a statement line with a comment, resolved by an adjustment or a
rejection with a reason, visible with history and age to everyone involved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from attain.core.models import AuditEntry
from attain.payouts import disputes, lifecycle
from attain.payouts.errors import PayoutError
from attain.payouts.models import Adjustment, DisputeState, Payout
from tests.engine.builders import warehouse as load_warehouse
from tests.payouts.kit import company, inputs_for

pytestmark = pytest.mark.django_db
D = Decimal

DEALS = """
    transaction_id, owner_id, booked_on, amount, paid_on
    T1, rep1, 2026-01-10, 10000, 2026-01-11
    T2, rep1, 2026-02-10, 4000, 2026-02-11
"""


def test_a_dispute_resolved_by_an_adjustment_is_paid_in_the_pay_run(warehouse: str) -> None:
    people = company()
    load_warehouse(warehouse, transactions=DEALS)
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    dispute = disputes.raise_dispute(actor=people.rep1, employee_id="rep1", period="2026-Q1",
                                     line_number=2, comment="T2 was 5,000, not 4,000")
    assert dispute.line_text.startswith("Deal OPP-T2, Account A1, 4,000.00 USD")
    # 1,000 more at 10% = 100.00
    disputes.resolve_by_adjustment(actor=people.manager, dispute_id=dispute.pk,
                                   amount="100.00", reason="Order corrected to 5,000")
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    payout = Payout.objects.get(pay_run=lifecycle.get_pay_run("2026-Q1"), employee_id="rep1")
    # 1,000.00 + 400.00 earned + 100.00 adjustment
    assert payout.payable == D("1500.00")
    adjustment = Adjustment.objects.get(dispute=dispute)
    assert adjustment.reason == f"Dispute {dispute.pk}: Order corrected to 5,000"
    assert AuditEntry.objects.filter(action="resolve", object_id=str(dispute.pk)).exists()

    (seen,) = disputes.disputes(viewer=people.rep1, today=dt.date.today())
    assert seen.state == DisputeState.ADJUSTED and seen.adjustment == D("100.00")
    assert [(e.who, e.action) for e in seen.history] == [("Ana Rep", "raised"),
                                                         ("Mia Manager", "adjusted")]


def test_a_rejection_needs_a_reason_and_is_shown_with_its_age(warehouse: str) -> None:
    people = company()
    load_warehouse(warehouse, transactions=DEALS)
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    dispute = disputes.raise_dispute(actor=people.rep1, employee_id="rep1", period="2026-Q1",
                                     line_number=1, comment="I expected 12%")
    later = dt.date.today() + dt.timedelta(days=9)
    (open_one,) = disputes.disputes(viewer=people.manager, state="open", today=later)
    assert open_one.age_days == 9
    with pytest.raises(PayoutError, match="needs a reason"):
        disputes.reject(actor=people.manager, dispute_id=dispute.pk, reason="")
    with pytest.raises(PermissionDenied):
        disputes.reject(actor=people.rep1, dispute_id=dispute.pk, reason="no")
    with pytest.raises(PermissionDenied):
        disputes.reject(actor=people.other_manager, dispute_id=dispute.pk, reason="no")
    disputes.add_comment(actor=people.manager, dispute_id=dispute.pk, text="Checking the plan")
    disputes.reject(actor=people.manager, dispute_id=dispute.pk,
                    reason="The plan pays 10% on every deal")
    (seen,) = disputes.disputes(viewer=people.rep1, today=later)
    assert seen.state == DisputeState.REJECTED
    assert seen.age_days == 0  # resolved the day it was raised
    assert [(e.action, e.text) for e in seen.history] == [
        ("raised", "I expected 12%"), ("commented", "Checking the plan"),
        ("rejected", "The plan pays 10% on every deal")]
    with pytest.raises(PayoutError, match="already"):
        disputes.reject(actor=people.ops, dispute_id=dispute.pk, reason="again")
    assert disputes.disputes(viewer=people.rep2) == []


def test_a_dispute_needs_a_comment_and_a_line_one_may_see(warehouse: str) -> None:
    people = company()
    load_warehouse(warehouse, transactions=DEALS)
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    with pytest.raises(PayoutError, match="needs a comment"):
        disputes.raise_dispute(actor=people.rep1, employee_id="rep1", period="2026-Q1",
                               line_number=1, comment="  ")
    with pytest.raises(PayoutError, match="has no line 7"):
        disputes.raise_dispute(actor=people.rep1, employee_id="rep1", period="2026-Q1",
                               line_number=7, comment="where is my deal?")
    with pytest.raises(PermissionDenied):
        disputes.raise_dispute(actor=people.rep2, employee_id="rep1", period="2026-Q1",
                               line_number=1, comment="not mine")
