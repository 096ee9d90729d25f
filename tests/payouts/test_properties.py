"""The payout promises, on generated cases (Hypothesis).

The stage's promises (items sum to a payable that is never negative; draws recover at most
what was drawn, never more than the limit a period; caps hold) are checked on the pure
function with many examples. The promises that need the whole machine (paid never exceeds
approved; a closed period never changes after later runs; a clawback nets its original to
zero inside the window) run the engine and the pay-run lifecycle on a real warehouse,
DuckDB or PostgreSQL, so they get few examples, each holding several deals.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attain.core.money import ZERO, round_money
from attain.payouts import lifecycle, stage
from attain.payouts.models import Payout, PayoutItem
from attain.payouts.statements import OPERATOR, statements
from tests.engine.builders import warehouse as load_warehouse
from tests.payouts.kit import company, inputs_for

D = Decimal
cents = st.integers(min_value=-500_000, max_value=500_000).map(lambda c: D(c) / 100)
positive = st.integers(min_value=1, max_value=500_000).map(lambda c: D(c) / 100)

PURE = settings(max_examples=300, deadline=None)
MACHINE = settings(max_examples=3, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture,
                                          HealthCheck.too_slow])
"""Each machine example runs the engine a few times (seconds): few examples, many deals."""


@st.composite
def facts(draw: Any) -> stage.PayeeFacts:
    cancellations = -abs(draw(cents))
    outside = draw(st.sampled_from([ZERO, cancellations]))
    draw_fact = draw(st.none() | st.builds(
        stage.DrawFact, amount=positive | st.just(ZERO), recoverable=st.booleans(),
        recovery_limit=st.none() | positive, outstanding=positive | st.just(ZERO)))
    return stage.PayeeFacts(
        employee_id="p", currency="USD", earned_orders=abs(draw(cents)),
        cancellations=cancellations, cancellations_outside_window=outside,
        held=draw(st.just(ZERO) | cents), released=abs(draw(cents)),
        prior=draw(st.lists(st.builds(stage.PriorDelta, period=st.just("FY2026-Q1"),
                                      original=cents, recalculated=cents), max_size=2)),
        adjustments=draw(st.lists(st.builds(stage.AdjustmentFact, adjustment_id=st.just(1),
                                            amount=cents, reason=st.just("r"),
                                            period=st.just("FY2026-Q1"), by=st.just("ops")),
                                  max_size=2)),
        balance_in=-abs(draw(cents)), draw=draw_fact)


@PURE
@given(payee=facts(), cap=st.none() | positive, hold=st.booleans())
def test_items_sum_to_a_payable_that_is_never_negative(
        payee: stage.PayeeFacts, cap: Decimal | None, hold: bool) -> None:
    result = stage.payout(payee, stage.PayoutPolicy(hold_until_paid=hold, cap_per_period=cap),
                          "FY2026-Q2")
    assert result.payable == sum((item.amount for item in result.items), ZERO)
    assert result.payable >= 0
    assert all(item.amount == round_money(item.amount) for item in result.items)
    guaranteed = payee.draw.amount if payee.draw else ZERO
    if cap is not None:
        assert result.payable <= max(cap, guaranteed)


@PURE
@given(earnings=st.lists(cents, min_size=1, max_size=10), guarantee=positive,
       periods_with_draw=st.integers(min_value=0, max_value=10),
       limit=st.none() | positive, recoverable=st.booleans())
def test_draws_recover_at_most_what_was_drawn(
        earnings: list[Decimal], guarantee: Decimal, periods_with_draw: int,
        limit: Decimal | None, recoverable: bool) -> None:
    """Thread a draw through consecutive periods the way pay runs do."""
    outstanding = drawn = recovered = balance = ZERO
    for index, earned in enumerate(earnings):
        active = index < periods_with_draw
        result = stage.payout(stage.PayeeFacts(
            employee_id="p", currency="USD", earned_orders=max(earned, ZERO),
            cancellations=min(earned, ZERO), balance_in=balance,
            draw=stage.DrawFact(guarantee if active else ZERO, recoverable, limit,
                                outstanding)), stage.PayoutPolicy(), f"P{index}")
        kinds = {item.kind: item.amount for item in result.items}
        taken = -kinds.get("draw_recovery", ZERO)
        drawn += kinds.get("draw", ZERO)
        recovered += taken
        if limit is not None:
            assert taken <= limit
        if not recoverable:
            assert taken == 0 and "draw" not in kinds
        outstanding = drawn - recovered
        balance = -kinds.get("balance_out", ZERO)
        assert ZERO <= recovered <= drawn


# --- the whole machine ---------------------------------------------------------------------

deal_amounts = st.lists(st.integers(min_value=1, max_value=2_000_000).map(lambda c: D(c) / 100),
                        min_size=1, max_size=6)


def _deals(rows: list[tuple[str, str, str, Decimal, str, str, str]]) -> str:
    header = ("transaction_id, opportunity_id, owner_id, booked_on, amount, kind, "
              "reverses_transaction_id, paid_on")
    return header + "\n" + "\n".join(", ".join(str(v) for v in row) for row in rows)


def _reset() -> None:
    """Hypothesis runs every example in the same test transaction: start each afresh."""
    from django.contrib.auth import get_user_model

    from attain.engine.models import CalculationRun
    from attain.org.models import Person, Team
    from attain.payouts.models import Adjustment, PayRun

    PayRun.objects.all().delete()
    Adjustment.objects.all().delete()
    CalculationRun.objects.all().delete()
    Person.objects.all().delete()
    Team.objects.all().delete()
    get_user_model().objects.all().delete()


def _approve_pay_close(period: str, people: Any) -> None:
    lifecycle.approve(period=period, actor=people.manager, level="manager")
    lifecycle.approve(period=period, actor=people.finance, level="finance")
    lifecycle.mark_paid(period=period, actor=people.finance)
    lifecycle.close(period=period, actor=people.finance)


def _snapshot(period: str) -> list[tuple[Any, ...]]:
    pay_run = lifecycle.get_pay_run(period)
    payouts = [(p.employee_id, p.earned, p.payable, p.paid)
               for p in Payout.objects.filter(pay_run=pay_run)]
    items = list(PayoutItem.objects.filter(payout__pay_run=pay_run).values_list(
        "payout__employee_id", "position", "kind", "amount"))
    lines = [(s.employee_id, [(line.number, line.amount, line.text) for line in s.lines])
             for s in statements(viewer=OPERATOR, period=period)]
    return [pay_run.state, pay_run.calculation_run_id, payouts, items, lines]


@pytest.mark.django_db
@MACHINE
@given(first=deal_amounts, late=deal_amounts, owners=st.lists(st.sampled_from(["rep1", "rep2"]),
                                                             min_size=12, max_size=12))
def test_a_closed_period_never_changes_and_later_changes_arrive_as_deltas(
        warehouse: str, first: list[Decimal], late: list[Decimal], owners: list[str]) -> None:
    _reset()
    people = company()
    q1 = [(f"A{i}", f"OA{i}", owners[i], "2026-02-01", amount, "order", "", "2026-02-02")
          for i, amount in enumerate(first)]
    load_warehouse(warehouse, transactions=_deals(q1))
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    _approve_pay_close("2026-Q1", people)
    # paid never exceeds approved: every payout is paid exactly what was approved
    assert all(p.paid == p.payable for p in Payout.objects.filter(
        pay_run=lifecycle.get_pay_run("2026-Q1")))
    before = _snapshot("2026-Q1")
    # late Q1 deals, and the first Q1 deal cancelled in Q1 after the close
    added = [(f"B{i}", f"OB{i}", owners[6 + i], "2026-03-15", amount, "order", "",
              "2026-03-16") for i, amount in enumerate(late)]
    cancel = [("C0", "OA0", owners[0], "2026-03-20", -first[0], "cancellation", "A0", "")]
    load_warehouse(warehouse, transactions=_deals(q1 + added + cancel))
    lifecycle.calculate(period="2026-Q2", inputs=inputs_for())
    assert _snapshot("2026-Q1") == before
    # the Q2 deltas are exactly the Q1 recalculation minus what Q1 paid, per payee: 10% of
    # their Q1 total rounded once (the engine rounds a running total), now and before
    expected: dict[str, Decimal] = {}
    for owner in ("rep1", "rep2"):
        was = sum((row[4] for row in q1 if row[2] == owner), ZERO)
        now = sum((row[4] for row in q1 + added + cancel if row[2] == owner), ZERO)
        expected[owner] = round_money(now / 10) - round_money(was / 10)
    deltas = dict(PayoutItem.objects.filter(
        payout__pay_run=lifecycle.get_pay_run("2026-Q2"), kind="prior_period").values_list(
        "payout__employee_id", "amount"))
    assert deltas == {k: v for k, v in expected.items() if v != 0}


@pytest.mark.django_db
@MACHINE
@given(amounts=deal_amounts, cancelled=st.lists(st.booleans(), min_size=6, max_size=6),
       days_later=st.integers(min_value=1, max_value=200))
def test_a_clawback_inside_the_window_nets_its_original_to_zero(
        warehouse: str, amounts: list[Decimal], cancelled: list[bool], days_later: int) -> None:
    _reset()
    company()
    booked = dt.date(2026, 3, 31)
    cancel_day = booked + dt.timedelta(days=days_later)
    rows = [(f"A{i}", f"O{i}", "rep1", booked.isoformat(), amount, "order", "", "2026-03-31")
            for i, amount in enumerate(amounts)]
    rows += [(f"C{i}", f"O{i}", "rep1", cancel_day.isoformat(), -amount, "cancellation",
              f"A{i}", "") for i, amount in enumerate(amounts) if cancelled[i]]
    load_warehouse(warehouse, transactions=_deals(rows))
    policy = stage.PayoutPolicy(clawback_window_days=365)
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for(), policy=policy)
    period = lifecycle.parse_period("2026-Q1").calendar.period_containing(cancel_day,
                                                                          "quarter")
    lifecycle.calculate(period=period, inputs=inputs_for(), policy=policy,
                        recalculate_prior=False)
    first = Payout.objects.get(pay_run=lifecycle.get_pay_run("2026-Q1"), employee_id="rep1")
    later = PayoutItem.objects.filter(payout__pay_run=lifecycle.get_pay_run(period),
                                      kind="clawback").values_list("amount", flat=True)
    clawed = sum(later, ZERO)
    # the engine rounds each period's running total once, half away from zero, so what is
    # taken back is exactly minus 10% of the cancelled deals rounded once; cancelling every
    # deal takes back exactly what the period paid
    taken = [amount for amount, gone in zip(amounts, cancelled, strict=False) if gone]
    assert clawed == -round_money(sum(taken, ZERO) / 10)
    assert first.earned == round_money(sum(amounts, ZERO) / 10)
    if len(taken) == len(amounts):
        assert first.earned + clawed == 0
