"""Pay runs from draft to closed, worked by hand: approvals in order, only approved money
paid, frozen periods never rewritten, late changes as prior-period deltas, adjustments,
holds and releases, clawbacks inside and outside the window, draws and their recovery,
caps and carried balances. Every deal pays a flat 10% (tests/payouts/kit.py)."""

from __future__ import annotations

import textwrap
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from attain.core.models import AuditEntry
from attain.payouts import finance, lifecycle
from attain.payouts.errors import PayoutError
from attain.payouts.models import Draw, Payout, RunState
from attain.payouts.stage import PayoutPolicy
from attain.plans.language import PlanErrors, load_plan
from tests.engine import builders
from tests.engine.builders import warehouse as load_warehouse
from tests.payouts.kit import FLAT, company, inputs_for

pytestmark = pytest.mark.django_db
D = Decimal


def items(period: str, employee_id: str) -> list[tuple[str, Decimal]]:
    payout = Payout.objects.get(pay_run=lifecycle.get_pay_run(period), employee_id=employee_id)
    return [(item.kind, item.amount) for item in payout.items.all()]


def payable(period: str, employee_id: str) -> Decimal:
    return Payout.objects.get(pay_run=lifecycle.get_pay_run(period),
                              employee_id=employee_id).payable


def approve_and_pay(period: str, people: object, *, close: bool = True) -> None:
    lifecycle.approve(period=period, actor=people.manager, level="manager")  # type: ignore[attr-defined]
    lifecycle.approve(period=period, actor=people.finance, level="finance")  # type: ignore[attr-defined]
    lifecycle.mark_paid(period=period, actor=people.finance)  # type: ignore[attr-defined]
    if close:
        lifecycle.close(period=period, actor=people.finance)  # type: ignore[attr-defined]


PAID_Q1 = """
    transaction_id, owner_id, booked_on, amount, paid_on
    T1, rep1, 2026-01-10, 10000, 2026-01-20
    T2, rep2, 2026-02-01, 5000, 2026-02-10
"""


def test_a_pay_run_goes_from_calculated_through_approvals_to_paid_and_closed(
        warehouse: str) -> None:
    people = company()
    load_warehouse(warehouse, transactions=PAID_Q1)
    assert lifecycle.open_period(period="2026-Q1", actor=people.ops).state == RunState.DRAFT
    result = lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    # rep1: 10,000 × 10% = 1,000.00; rep2: 5,000 × 10% = 500.00
    assert result.state == RunState.CALCULATED
    assert result.earned == {"USD": D("1500.00")} == result.payable
    assert items("2026-Q1", "rep1") == [("earned", D("1000.00"))]

    assert lifecycle.approve(period="2026-Q1", actor=people.manager, level="manager") == [
        "rep1", "rep2"]
    assert lifecycle.get_pay_run("2026-Q1").state == RunState.MANAGER_APPROVED
    assert lifecycle.approve(period="2026-Q1", actor=people.finance, level="finance") == [
        "rep1", "rep2"]
    assert lifecycle.get_pay_run("2026-Q1").state == RunState.APPROVED
    who = {(e, level): by for e, level, by, _at in lifecycle.approvals(period="2026-Q1")}
    assert who[("rep1", "manager")] == "Mia Manager"
    assert who[("rep2", "finance")] == "Fay Finance"

    paid = lifecycle.mark_paid(period="2026-Q1", actor=people.finance)
    assert paid.state == RunState.PAID and paid.paid == {"USD": D("1500.00")}
    assert lifecycle.close(period="2026-Q1", actor=people.finance).state == RunState.CLOSED
    actions = list(AuditEntry.objects.filter(object_type="payouts.PayRun")
                   .order_by("at", "id").values_list("action", flat=True))
    assert actions == ["open", "calculate", "approve", "approve", "pay", "close"]
    assert [(r.period, r.state, r.paid) for r in lifecycle.pay_runs()] == [
        ("FY2026-Q1", RunState.CLOSED, {"USD": D("1500.00")})]


def test_a_rerun_before_approval_replaces_the_payouts(warehouse: str) -> None:
    company()
    load_warehouse(warehouse, transactions=PAID_Q1)
    first = lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    load_warehouse(warehouse, transactions=PAID_Q1 + "T3, rep1, 2026-03-01, 1000, 2026-03-02")
    second = lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    # the extra 1,000 deal pays 100.00 more
    assert second.calculation_run_id != first.calculation_run_id
    assert second.payable == {"USD": D("1600.00")}
    assert Payout.objects.filter(pay_run=lifecycle.get_pay_run("2026-Q1")).count() == 2


def test_an_approved_period_is_never_recalculated(warehouse: str) -> None:
    people = company()
    load_warehouse(warehouse, transactions=PAID_Q1)
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    approve_and_pay("2026-Q1", people, close=False)
    with pytest.raises(PayoutError, match=r"never recalculated.*prior-period"):
        lifecycle.calculate(period="2026-Q1", inputs=inputs_for())


def test_a_late_deal_in_a_closed_period_arrives_as_a_prior_period_delta(warehouse: str) -> None:
    people = company()
    load_warehouse(warehouse, transactions=PAID_Q1)
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    approve_and_pay("2026-Q1", people)
    q1_run = lifecycle.get_pay_run("2026-Q1").calculation_run_id
    load_warehouse(warehouse, transactions=PAID_Q1 + """
        T3, rep1, 2026-03-15, 2000, 2026-03-20
        T4, rep1, 2026-04-10, 3000, 2026-04-12
    """)
    lifecycle.calculate(period="2026-Q2", inputs=inputs_for())
    # Q2: T4 3,000 × 10% = 300.00; Q1 recalculated: 1,000 + 2,000 × 10% = 1,200.00,
    # first paid on 1,000.00, so the delta is +200.00; payable 500.00
    assert items("2026-Q2", "rep1") == [("earned", D("300.00")), ("prior_period", D("200.00"))]
    assert payable("2026-Q2", "rep1") == D("500.00")
    prior = Payout.objects.get(pay_run=lifecycle.get_pay_run("2026-Q2"),
                               employee_id="rep1").items.get(kind="prior_period")
    assert (prior.reference_period, prior.original, prior.recalculated) == (
        "FY2026-Q1", D("1000.00"), D("1200.00"))
    assert "first paid on 1,000.00 USD, now earns 1,200.00 USD" in prior.description
    # rep2's Q1 did not change: no Q2 payout at all
    assert not Payout.objects.filter(pay_run=lifecycle.get_pay_run("2026-Q2"),
                                     employee_id="rep2").exists()
    # Q1 itself is untouched
    q1 = lifecycle.get_pay_run("2026-Q1")
    assert q1.calculation_run_id == q1_run and q1.state == RunState.CLOSED
    assert payable("2026-Q1", "rep1") == D("1000.00")

    # Q2 paid, Q3 calculated: the Q1 delta is not paid twice
    approve_and_pay("2026-Q2", people)
    lifecycle.calculate(period="2026-Q3", inputs=inputs_for())
    assert not Payout.objects.filter(pay_run=lifecycle.get_pay_run("2026-Q3")).exists()


def test_a_manager_approved_period_is_frozen_but_not_yet_payroll(warehouse: str) -> None:
    people = company()
    load_warehouse(warehouse, transactions=PAID_Q1)
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    lifecycle.approve(period="2026-Q1", actor=people.manager, level="manager")
    assert lifecycle.get_pay_run("2026-Q1").state == RunState.MANAGER_APPROVED
    with pytest.raises(PayoutError, match="never recalculated"):
        lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    with pytest.raises(PayoutError, match="only approved payouts go to payroll"):
        finance.payroll(viewer=people.finance, period="2026-Q1")
    load_warehouse(warehouse, transactions=PAID_Q1 + """
        T3, rep1, 2026-03-15, 2000, 2026-03-20
        T4, rep1, 2026-04-10, 3000, 2026-04-12
    """)
    lifecycle.calculate(period="2026-Q2", inputs=inputs_for())
    # Q1 is recalculated for Q2 as an approved period is: 1,000 + 2,000 × 10% = 1,200.00
    # against the approved 1,000.00, so +200.00 beside Q2's own 3,000 × 10% = 300.00
    assert items("2026-Q2", "rep1") == [("earned", D("300.00")), ("prior_period", D("200.00"))]
    assert payable("2026-Q1", "rep1") == D("1000.00")


def test_no_earlier_period_is_calculated_after_a_manager_approved_one(warehouse: str) -> None:
    people = company()
    load_warehouse(warehouse, transactions=PAID_Q1 + "T4, rep1, 2026-04-10, 3000, 2026-04-12")
    lifecycle.calculate(period="2026-Q2", inputs=inputs_for())
    lifecycle.approve(period="2026-Q2", actor=people.manager, level="manager")
    with pytest.raises(PayoutError, match="FY2026-Q2 is already approved"):
        lifecycle.calculate(period="2026-Q1", inputs=inputs_for())


def test_an_adjustment_is_paid_in_its_period_or_the_next_open_one(warehouse: str) -> None:
    people = company()
    load_warehouse(warehouse, transactions=PAID_Q1)
    lifecycle.add_adjustment(actor=people.ops, employee_id="rep2", period="2026-Q1",
                             amount="250.00", reason="Missed split on deal 4711")
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    # rep2: 500.00 earned + 250.00 adjustment = 750.00
    assert items("2026-Q1", "rep2") == [("earned", D("500.00")), ("adjustment", D("250.00"))]
    approve_and_pay("2026-Q1", people)
    late = lifecycle.add_adjustment(actor=people.manager, employee_id="rep1",
                                    period="2026-Q1", amount="-40.00", reason="Duplicate SPIFF")
    assert late.applied_period == ""
    lifecycle.calculate(period="2026-Q2", inputs=inputs_for())
    # no Q2 deals: rep1 is paid only the -40.00, which carries as a balance
    assert items("2026-Q2", "rep1") == [("earned", D("0")), ("adjustment", D("-40.00")),
                                        ("balance_out", D("40.00"))]
    late.refresh_from_db()
    assert late.applied_period == "FY2026-Q2"
    entry = AuditEntry.objects.get(action="adjust", object_id=str(late.pk))
    assert entry.reason == "Duplicate SPIFF" and entry.actor == people.manager


def test_adjustments_need_a_reason_whole_cents_and_the_right_to_see_the_pay(
        warehouse: str) -> None:
    people = company()
    with pytest.raises(PayoutError, match="needs a reason"):
        lifecycle.add_adjustment(actor=people.ops, employee_id="rep1", period="2026-Q1",
                                 amount="10", reason=" ")
    with pytest.raises(PayoutError, match="whole number of cents"):
        lifecycle.add_adjustment(actor=people.ops, employee_id="rep1", period="2026-Q1",
                                 amount="10.005", reason="x")
    with pytest.raises(PermissionDenied):
        lifecycle.add_adjustment(actor=people.other_manager, employee_id="rep1",
                                 period="2026-Q1", amount="10", reason="x")
    with pytest.raises(PermissionDenied):
        lifecycle.add_adjustment(actor=people.rep1, employee_id="rep1", period="2026-Q1",
                                 amount="10", reason="x")


def test_approvals_go_manager_then_finance_and_only_for_people_one_may_see(
        warehouse: str) -> None:
    people = company()
    load_warehouse(warehouse, transactions=PAID_Q1)
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    with pytest.raises(PermissionDenied):
        lifecycle.approve(period="2026-Q1", actor=people.rep1, level="manager")
    with pytest.raises(PermissionDenied):
        lifecycle.approve(period="2026-Q1", actor=people.other_manager, level="manager",
                          employee_ids=["rep1"])
    with pytest.raises(PayoutError, match=r"after the manager.*rep1"):
        lifecycle.approve(period="2026-Q1", actor=people.finance, level="finance")
    with pytest.raises(PayoutError, match="only an approved pay run is paid"):
        lifecycle.mark_paid(period="2026-Q1", actor=people.finance)
    lifecycle.approve(period="2026-Q1", actor=people.manager, level="manager",
                      employee_ids=["rep1"])
    # one of two approved: the run waits for the other
    assert lifecycle.get_pay_run("2026-Q1").state == RunState.CALCULATED
    assert lifecycle.approve(period="2026-Q1", actor=people.finance, level="finance",
                             employee_ids=["rep1"]) == ["rep1"]


def test_commission_is_held_until_the_invoice_is_paid_and_released_then(warehouse: str) -> None:
    people = company()
    load_warehouse(warehouse, transactions="""
        transaction_id, owner_id, booked_on, amount, paid_on
        T1, rep1, 2026-01-10, 10000,
        T2, rep1, 2026-02-10, 4000, 2026-03-31
    """)
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    # earned 1,000 + 400 = 1,400.00; T1 unpaid at 31 March: 1,000.00 held; payable 400.00
    assert items("2026-Q1", "rep1") == [("earned", D("1400.00")), ("hold", D("-1000.00"))]
    assert payable("2026-Q1", "rep1") == D("400.00")
    approve_and_pay("2026-Q1", people)
    load_warehouse(warehouse, transactions="""
        transaction_id, owner_id, booked_on, amount, paid_on
        T1, rep1, 2026-01-10, 10000, 2026-05-02
        T2, rep1, 2026-02-10, 4000, 2026-03-31
    """)
    lifecycle.calculate(period="2026-Q2", inputs=inputs_for())
    # the customer paid T1 on 2 May: its 1,000.00 is released in Q2
    assert items("2026-Q2", "rep1") == [("earned", D("0")), ("release", D("1000.00"))]


WITH_KINDS = ("transaction_id, opportunity_id, owner_id, booked_on, amount, kind, "
              "reverses_transaction_id, paid_on")
CLAWBACK = WITH_KINDS + """
    T1, OPP1, rep1, 2026-01-10, 10000, order, , 2026-01-11
    T2, OPP1, rep1, 2026-04-20, -10000, cancellation, T1,
    T3, OPP3, rep1, 2026-05-02, 6000, order, , 2026-05-03
"""


@pytest.mark.parametrize(("window", "expected"), [
    # 100 days after the deal, inside a 365-day window: −10,000 × 10% = −1,000.00 taken back;
    # T3 earns 600.00; 600 − 1,000 = −400.00, carried to the next period
    (365, [("earned", D("600.00")), ("clawback", D("-1000.00")), ("balance_out", D("400.00"))]),
    # outside a 30-day window the −1,000.00 is waived: payable 600.00
    (30, [("earned", D("600.00")), ("clawback", D("-1000.00")),
          ("clawback_waived", D("1000.00"))]),
])
def test_a_cancellation_is_clawed_back_only_inside_the_window(
        warehouse: str, window: int, expected: list[tuple[str, Decimal]]) -> None:
    company()
    load_warehouse(warehouse, transactions=CLAWBACK)
    lifecycle.calculate(period="2026-Q2", inputs=inputs_for(),
                        policy=PayoutPolicy(clawback_window_days=window))
    assert items("2026-Q2", "rep1") == expected
    assert payable("2026-Q2", "rep1") == sum((a for _k, a in expected), D(0))


def _flat_with_window(days: int) -> str:
    return FLAT.replace("    payees: {roles: [rep]}",
                        f"    payees: {{roles: [rep]}}\n    clawback_window_days: {days}")


@pytest.mark.parametrize(("plan_window", "policy_window", "expected"), [
    # the plan's 30 days win over the company's 365: T2 cancels T1 100 days later, outside
    # the plan's window, so its −1,000.00 is waived; payable 600.00
    (30, 365, [("earned", D("600.00")), ("clawback", D("-1000.00")),
               ("clawback_waived", D("1000.00"))]),
    # the plan's 120 days win over the company's 30: 100 days is inside, −1,000.00 taken
    # back; 600.00 − 1,000.00 = −400.00 carried forward
    (120, 30, [("earned", D("600.00")), ("clawback", D("-1000.00")),
               ("balance_out", D("400.00"))]),
    # a window of 100 days: T2 is exactly 100 days after T1 (10 January to 20 April), not more, so
    # it is clawed back
    (100, 30, [("earned", D("600.00")), ("clawback", D("-1000.00")),
               ("balance_out", D("400.00"))]),
    # 99 days: one day outside, waived
    (99, 365, [("earned", D("600.00")), ("clawback", D("-1000.00")),
               ("clawback_waived", D("1000.00"))]),
])
def test_a_plan_sets_its_own_clawback_window_over_the_company_policy(
        warehouse: str, plan_window: int, policy_window: int,
        expected: list[tuple[str, Decimal]]) -> None:
    company()
    load_warehouse(warehouse, transactions=CLAWBACK)
    lifecycle.calculate(period="2026-Q2", inputs=inputs_for(_flat_with_window(plan_window)),
                        policy=PayoutPolicy(clawback_window_days=policy_window))
    assert items("2026-Q2", "rep1") == expected
    payout = Payout.objects.get(pay_run=lifecycle.get_pay_run("2026-Q2"), employee_id="rep1")
    waived = [item.description for item in payout.items.all()
              if item.kind == "clawback_waived"]
    assert waived == ([f"Cancellations more than {plan_window} days after their deal are "
                       "not taken back"] if plan_window < 100 else [])


def test_each_plan_applies_its_own_clawback_window(warehouse: str) -> None:
    """rep1 on a plan with a 30-day window, rep2 on one that sets none (the company's 365)."""
    company()
    load_warehouse(warehouse, transactions=WITH_KINDS + """
        T1, OPP1, rep1, 2026-01-10, 10000, order, , 2026-01-11
        T2, OPP1, rep1, 2026-04-20, -10000, cancellation, T1,
        T3, OPP3, rep1, 2026-05-02, 6000, order, , 2026-05-03
        T4, OPP4, rep2, 2026-01-10, 5000, order, , 2026-01-11
        T5, OPP4, rep2, 2026-04-20, -5000, refund, T4,
        T6, OPP6, rep2, 2026-05-02, 8000, order, , 2026-05-03
    """)
    short = builders.plan(_flat_with_window(30))
    plain = builders.plan(FLAT.replace("plan: flat", "plan: flat-b"))

    def two_plans(_period: object) -> object:
        return builders.inputs([short, plain], [builders.on_plan("rep1", short),
                                                builders.on_plan("rep2", plain)])

    lifecycle.calculate(period="2026-Q2", inputs=two_plans)  # type: ignore[arg-type]
    # rep1: 100 days > 30: the −1,000.00 is waived; payable 600.00
    assert items("2026-Q2", "rep1") == [("earned", D("600.00")), ("clawback", D("-1000.00")),
                                        ("clawback_waived", D("1000.00"))]
    # rep2: 100 days ≤ 365: −500.00 taken back from 800.00; payable 300.00
    assert items("2026-Q2", "rep2") == [("earned", D("800.00")), ("clawback", D("-500.00"))]
    assert payable("2026-Q2", "rep2") == D("300.00")


@pytest.mark.parametrize("value", ["-1", "90 days", "1.5", "true"])
def test_a_plan_clawback_window_that_is_not_whole_days_is_refused_at_its_line(
        value: str) -> None:
    with pytest.raises(PlanErrors) as raised:
        load_plan(textwrap.dedent(_flat_with_window(0)).replace(
            "clawback_window_days: 0", f"clawback_window_days: {value}"))
    report = raised.value.report()
    assert "line 7" in report and "clawback_window_days is a whole number of days" in report


def test_a_negative_balance_is_carried_into_the_next_period(warehouse: str) -> None:
    people = company()
    load_warehouse(warehouse,
                   transactions=CLAWBACK + "T4, OPP4, rep1, 2026-07-01, 15000, order, , 2026-07-02")
    lifecycle.calculate(period="2026-Q2", inputs=inputs_for())
    approve_and_pay("2026-Q2", people)
    lifecycle.calculate(period="2026-Q3", inputs=inputs_for())
    # Q2 carried 400.00; Q3 earns 15,000 × 10% = 1,500.00 − 400.00 = 1,100.00
    assert items("2026-Q3", "rep1") == [("earned", D("1500.00")), ("balance_in", D("-400.00"))]
    assert payable("2026-Q3", "rep1") == D("1100.00")


def test_a_recoverable_draw_tops_up_then_recovers_within_the_limit(warehouse: str) -> None:
    people = company()
    Draw.objects.create(employee_id="rep1", amount=D("2000"), currency="USD",
                        starts_on="2026-01-01", ends_on="2026-06-30", recoverable=True,
                        recovery_limit=D("500"))
    load_warehouse(warehouse, transactions="""
        transaction_id, owner_id, booked_on, amount, paid_on
        T1, rep1, 2026-01-10, 10000, 2026-01-11
        T2, rep1, 2026-04-10, 30000, 2026-04-11
        T3, rep1, 2026-07-10, 8000, 2026-07-11
        T4, rep1, 2026-10-10, 8000, 2026-10-11
    """)
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    # Q1 earns 1,000.00, the draw guarantees 2,000.00: 1,000.00 drawn
    assert items("2026-Q1", "rep1") == [("earned", D("1000.00")), ("draw", D("1000.00"))]
    approve_and_pay("2026-Q1", people)
    lifecycle.calculate(period="2026-Q2", inputs=inputs_for())
    # Q2 earns 3,000.00: 1,000.00 above the guarantee, recovery limited to 500.00
    assert items("2026-Q2", "rep1") == [("earned", D("3000.00")), ("draw_recovery", D("-500.00"))]
    approve_and_pay("2026-Q2", people)
    lifecycle.calculate(period="2026-Q3", inputs=inputs_for())
    # the draw has ended: the last 500.00 is recovered from Q3's 800.00
    assert items("2026-Q3", "rep1") == [("earned", D("800.00")), ("draw_recovery", D("-500.00"))]
    approve_and_pay("2026-Q3", people)
    lifecycle.calculate(period="2026-Q4", inputs=inputs_for())
    # nothing left to recover: 1,000 drawn, 500 + 500 recovered
    assert items("2026-Q4", "rep1") == [("earned", D("800.00"))]


def test_a_non_recoverable_draw_is_never_recovered(warehouse: str) -> None:
    people = company()
    Draw.objects.create(employee_id="rep1", amount=D("2000"), currency="USD",
                        starts_on="2026-01-01", ends_on="2026-03-31", recoverable=False)
    load_warehouse(warehouse, transactions="""
        transaction_id, owner_id, booked_on, amount, paid_on
        T1, rep1, 2026-01-10, 10000, 2026-01-11
        T2, rep1, 2026-04-10, 30000, 2026-04-11
    """)
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    assert items("2026-Q1", "rep1") == [("earned", D("1000.00")), ("guarantee", D("1000.00"))]
    approve_and_pay("2026-Q1", people)
    lifecycle.calculate(period="2026-Q2", inputs=inputs_for())
    assert items("2026-Q2", "rep1") == [("earned", D("3000.00"))]


def test_a_payout_cap_limits_a_period(warehouse: str) -> None:
    company()
    load_warehouse(warehouse, transactions=PAID_Q1)
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for(),
                        policy=PayoutPolicy(cap_per_period=D("800")))
    # rep1 earned 1,000.00, capped at 800.00; rep2's 500.00 is under the cap
    assert items("2026-Q1", "rep1") == [("earned", D("1000.00")), ("cap", D("-200.00"))]
    assert items("2026-Q1", "rep2") == [("earned", D("500.00"))]
