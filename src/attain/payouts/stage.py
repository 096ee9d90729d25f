"""The payout stage as a pure function: one payee's facts for a period in, payout items out.

Everything here is plain values and ``Decimal``; the facts are gathered set-based from the
warehouse and the app database by :mod:`attain.payouts.facts`, and the items are stored by
:mod:`attain.payouts.lifecycle`. This module must never read a database, so every rule of
the stage (clawback window, holds, draws and their recovery, caps, balances) can be tested
by hand with a few numbers.

The items always sum to the payable amount, and the payable amount is never negative: what
would be negative is carried to the next period as a balance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from attain.core.money import ZERO, round_money, sum_money

RECOVERABLE = "draw"
NON_RECOVERABLE = "guarantee"


@dataclass(frozen=True)
class PayoutPolicy:
    """The company's payout rules; stored with each pay run so a rerun uses the same."""

    clawback_window_days: int = 365
    """A cancellation more than this many days after the deal it cancels is not clawed back."""
    hold_until_paid: bool = True
    """Hold commission on a deal until its invoice is paid; release it in the period the
    payment arrives."""
    cap_per_period: Decimal | None = None
    """The most one payee is paid in one period (before draws), in their currency."""

    def as_json(self) -> dict[str, object]:
        return {"clawback_window_days": self.clawback_window_days,
                "hold_until_paid": self.hold_until_paid,
                "cap_per_period": None if self.cap_per_period is None
                else str(self.cap_per_period)}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> PayoutPolicy:
        cap = data.get("cap_per_period")
        return cls(clawback_window_days=int(str(data.get("clawback_window_days", 365))),
                   hold_until_paid=bool(data.get("hold_until_paid", True)),
                   cap_per_period=None if cap is None else Decimal(str(cap)))


@dataclass(frozen=True)
class PriorDelta:
    """A closed or approved period recalculated: what it was paid on and what it earns now."""

    period: str
    original: Decimal
    recalculated: Decimal
    calculation_run_id: str = ""

    @property
    def delta(self) -> Decimal:
        return self.recalculated - self.original


@dataclass(frozen=True)
class AdjustmentFact:
    adjustment_id: int
    amount: Decimal
    reason: str
    period: str
    by: str


@dataclass(frozen=True)
class DrawFact:
    """The payee's draw as it stands at this period."""

    amount: Decimal
    """Guaranteed this period; zero once the draw has ended (recovery may go on)."""
    recoverable: bool
    recovery_limit: Decimal | None
    outstanding: Decimal
    """Drawn and not yet recovered, before this period."""


@dataclass(frozen=True)
class PayeeFacts:
    """Everything the stage needs about one payee in one period, in one currency."""

    employee_id: str
    currency: str
    earned_orders: Decimal = ZERO
    """Lines of orders, bonuses, SPIFFs and MBO: everything but cancellations."""
    cancellations: Decimal = ZERO
    """Lines of cancellations and refunds (negative), inside the window or not."""
    cancellations_outside_window: Decimal = ZERO
    """The part of ``cancellations`` whose original deal is older than the window (the
    plan's own ``clawback_window_days`` where it sets one, otherwise the policy's)."""
    waived_window_days: int | None = None
    """The window those waived cancellations fell outside, when they share one."""
    held: Decimal = ZERO
    """Lines of this period on deals whose invoice is not paid by the period's end."""
    released: Decimal = ZERO
    """Lines of earlier periods held then, whose invoice was paid in this period."""
    released_from: Sequence[tuple[str, Decimal]] = ()
    """``released`` by the period it was held in, (period, amount), when known: each is an
    item of its own naming that period, so the held period stops accruing it."""
    prior: Sequence[PriorDelta] = ()
    adjustments: Sequence[AdjustmentFact] = ()
    balance_in: Decimal = ZERO
    """A negative balance carried from the previous period."""
    draw: DrawFact | None = None

    @property
    def earned(self) -> Decimal:
        return self.earned_orders + self.cancellations


@dataclass(frozen=True)
class Item:
    kind: str
    amount: Decimal
    description: str
    reference_period: str = ""
    original: Decimal | None = None
    recalculated: Decimal | None = None
    calculation_run_id: str = ""
    adjustment_id: int | None = None


@dataclass(frozen=True)
class PayoutResult:
    employee_id: str
    currency: str
    earned: Decimal
    items: list[Item] = field(default_factory=list)

    @property
    def payable(self) -> Decimal:
        return sum_money(item.amount for item in self.items)


def _money(amount: Decimal, currency: str) -> str:
    return f"{round_money(amount):,.2f} {currency}"


def payout(facts: PayeeFacts, policy: PayoutPolicy, period: str) -> PayoutResult:
    """The items of one payee's payout for ``period``, in the order they apply."""
    ccy = facts.currency
    items: list[Item] = [Item("earned", facts.earned_orders,
                              f"Earned in {period} (see the statement lines)")]
    if facts.cancellations:
        items.append(Item("clawback", facts.cancellations,
                          "Cancelled or refunded deals taken back"))
    if facts.cancellations_outside_window:
        window = (f"{facts.waived_window_days} days" if facts.waived_window_days is not None
                  else "their plan's clawback window")
        items.append(Item("clawback_waived", -facts.cancellations_outside_window,
                          f"Cancellations more than {window} after their deal are not "
                          "taken back"))
    if policy.hold_until_paid and facts.held:
        items.append(Item("hold", -facts.held,
                          "Held until the customer pays the invoice"))
    if facts.released_from:
        for held_in, amount in facts.released_from:
            if amount:
                items.append(Item("release", amount,
                                  f"Released from {held_in}: the invoice was paid",
                                  reference_period=held_in))
    elif facts.released:
        items.append(Item("release", facts.released,
                          "Released from earlier periods: the invoice was paid"))
    for prior in facts.prior:
        if prior.delta:
            items.append(Item(
                "prior_period", prior.delta,
                f"{prior.period} recalculated: first paid on {_money(prior.original, ccy)}, "
                f"now earns {_money(prior.recalculated, ccy)}",
                reference_period=prior.period, original=prior.original,
                recalculated=prior.recalculated, calculation_run_id=prior.calculation_run_id))
    for adjustment in facts.adjustments:
        items.append(Item("adjustment", adjustment.amount,
                          f"Adjustment for {adjustment.period} by {adjustment.by}: "
                          f"{adjustment.reason}", reference_period=adjustment.period,
                          adjustment_id=adjustment.adjustment_id))
    if facts.balance_in:
        items.append(Item("balance_in", facts.balance_in,
                          "Negative balance brought forward from the previous period"))
    base = sum_money(item.amount for item in items)
    cap = policy.cap_per_period
    if cap is not None and base > cap:
        items.append(Item("cap", cap - base, f"Payout capped at {_money(cap, ccy)} a period"))
        base = cap
    draw = facts.draw
    if draw is not None:
        kind = RECOVERABLE if draw.recoverable else NON_RECOVERABLE
        if draw.amount and base < draw.amount:
            items.append(Item(kind, draw.amount - base,
                              f"{'Recoverable' if draw.recoverable else 'Non-recoverable'} "
                              f"draw: guaranteed {_money(draw.amount, ccy)} this period"))
            base = draw.amount
        elif draw.recoverable and draw.outstanding > 0 and base > draw.amount:
            room = base - draw.amount
            recovery = min(draw.outstanding, room)
            if draw.recovery_limit is not None:
                recovery = min(recovery, draw.recovery_limit)
            if recovery > 0:
                items.append(Item("draw_recovery", -recovery,
                                  f"Draw recovered ({_money(draw.outstanding - recovery, ccy)}"
                                  " still to recover)"))
                base -= recovery
    if base < 0:
        items.append(Item("balance_out", -base,
                          f"Negative balance of {_money(-base, ccy)} carried to the next period"))
    return PayoutResult(facts.employee_id, ccy, facts.earned, items)
