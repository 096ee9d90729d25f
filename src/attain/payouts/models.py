"""Payouts in the app database: pay runs and their lifecycle, what each payee is paid and
why, approvals, manual adjustments, draws and disputes.

A pay run is one period's way from the engine's earnings to paid money. Its payouts and
their items are written when the pay run is calculated and never touched again once it is
approved: a closed period is never rewritten, later changes arrive as items of a later
period. Every amount is an exact decimal in the payee's currency.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RunState(models.TextChoices):
    DRAFT = "draft", "Draft"
    CALCULATED = "calculated", "Calculated"
    MANAGER_APPROVED = "manager_approved", "Approved by managers"
    APPROVED = "approved", "Approved by finance"
    PAID = "paid", "Paid"
    CLOSED = "closed", "Period closed"


OPEN_STATES = (RunState.DRAFT, RunState.CALCULATED)
"""States in which a pay run may still be recalculated."""
FROZEN_STATES = (RunState.MANAGER_APPROVED, RunState.APPROVED, RunState.PAID, RunState.CLOSED)
"""States whose payouts are final: later changes come as prior-period items. A pay run is
frozen from its first complete approval on (the managers'): what they approved is what
finance approves, so a later period recalculates it for prior-period deltas and an earlier
period may not be calculated after it."""
FINANCE_APPROVED_STATES = (RunState.APPROVED, RunState.PAID, RunState.CLOSED)
"""States approved by finance: only these go to payroll."""


class PayRun(models.Model):
    """The pay run of one period; one per period."""

    period = models.CharField(max_length=40, unique=True, help_text="Period label, e.g. 2026-Q1.")
    period_start = models.DateField()
    period_end = models.DateField()
    state = models.CharField(max_length=20, choices=RunState.choices, default=RunState.DRAFT)
    calculation_run_id = models.CharField(
        max_length=40, blank=True, help_text="The engine run whose earnings this pays.")
    policy = models.JSONField(default=dict, help_text="The payout policy it was calculated with.")
    created_at = models.DateTimeField(auto_now_add=True)
    calculated_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["period_start", "id"]

    def __str__(self) -> str:
        return f"pay run {self.period} ({self.state})"


class Payout(models.Model):
    """What one payee is paid in one pay run, in one currency: the sum of its items."""

    pay_run = models.ForeignKey(PayRun, on_delete=models.CASCADE, related_name="payouts")
    employee_id = models.CharField(max_length=40, db_index=True)
    currency = models.CharField(max_length=3)
    earned = models.DecimalField(max_digits=18, decimal_places=2,
                                 help_text="The period's earning lines, all of them.")
    payable = models.DecimalField(max_digits=18, decimal_places=2,
                                  help_text="The sum of the items: what is to be paid.")
    paid = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True,
                               help_text="Set when the pay run is paid; never above payable.")

    class Meta:
        ordering = ["employee_id", "currency"]
        constraints = [models.UniqueConstraint(fields=["pay_run", "employee_id", "currency"],
                                               name="one_payout_per_run_payee_currency")]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.pay_run.period} {self.payable} {self.currency}"


class ItemKind(models.TextChoices):
    EARNED = "earned", "Earned this period"
    CLAWBACK = "clawback", "Clawback of a cancelled deal"
    CLAWBACK_WAIVED = "clawback_waived", "Cancellation outside the clawback window"
    HOLD = "hold", "Held until the invoice is paid"
    RELEASE = "release", "Released: invoice paid"
    PRIOR_PERIOD = "prior_period", "Prior-period adjustment"
    ADJUSTMENT = "adjustment", "Manual adjustment"
    DRAW = "draw", "Recoverable draw"
    GUARANTEE = "guarantee", "Non-recoverable draw"
    DRAW_RECOVERY = "draw_recovery", "Draw recovered"
    CAP = "cap", "Payout cap"
    BALANCE_IN = "balance_in", "Balance brought forward"
    BALANCE_OUT = "balance_out", "Balance carried forward"


class PayoutItem(models.Model):
    """One reason a payout is what it is; a payout's items sum to its payable amount."""

    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=ItemKind.choices)
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    description = models.TextField()
    reference_period = models.CharField(max_length=40, blank=True,
                                        help_text="The period a prior-period item corrects.")
    original = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True,
                                   help_text="What a corrected period was first paid on.")
    recalculated = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True,
                                       help_text="What the corrected period earns now.")
    calculation_run_id = models.CharField(max_length=40, blank=True)
    adjustment = models.ForeignKey("Adjustment", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="items")

    class Meta:
        ordering = ["payout", "position"]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class ApprovalLevel(models.TextChoices):
    MANAGER = "manager", "Manager"
    FINANCE = "finance", "Finance"


class Approval(models.Model):
    """One approval of one payee's payout in one pay run, with who and when."""

    pay_run = models.ForeignKey(PayRun, on_delete=models.CASCADE, related_name="approvals")
    employee_id = models.CharField(max_length=40)
    level = models.CharField(max_length=10, choices=ApprovalLevel.choices)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL)
    approved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pay_run", "employee_id", "level"]
        constraints = [models.UniqueConstraint(fields=["pay_run", "employee_id", "level"],
                                               name="one_approval_per_run_payee_level")]

    def __str__(self) -> str:
        return f"{self.level} approval of {self.employee_id}"


class Adjustment(models.Model):
    """A manual amount for a payee, with its reason and who made it (also in the audit log).

    It is paid in ``applied_period``: the period it is for while that period is open,
    otherwise the next pay run calculated after it."""

    employee_id = models.CharField(max_length=40, db_index=True)
    period = models.CharField(max_length=40, help_text="The period it is for.")
    period_end = models.DateField()
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    currency = models.CharField(max_length=3)
    reason = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    applied_period = models.CharField(max_length=40, blank=True)
    dispute = models.ForeignKey("Dispute", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="adjustments")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"adjustment {self.employee_id} {self.period} {self.amount} {self.currency}"


class Draw(models.Model):
    """A guaranteed minimum per period from ``first_period_start`` to ``last_period_end``.

    When earnings fall short the draw tops them up; a recoverable draw is won back from
    later earnings above the guarantee, at most ``recovery_limit`` a period and never more
    than was drawn."""

    employee_id = models.CharField(max_length=40, db_index=True)
    amount = models.DecimalField(max_digits=18, decimal_places=2,
                                 help_text="Guaranteed per period.")
    currency = models.CharField(max_length=3)
    starts_on = models.DateField()
    ends_on = models.DateField()
    recoverable = models.BooleanField(default=True)
    recovery_limit = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True,
                                         help_text="Most recovered in one period; empty: no limit.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["employee_id", "starts_on"]

    def __str__(self) -> str:
        return f"draw {self.employee_id} {self.amount} {self.currency} from {self.starts_on}"


class DisputeState(models.TextChoices):
    OPEN = "open", "Open"
    ADJUSTED = "adjusted", "Resolved by an adjustment"
    REJECTED = "rejected", "Rejected"


class Dispute(models.Model):
    """A payee's challenge of one statement line."""

    employee_id = models.CharField(max_length=40, db_index=True)
    period = models.CharField(max_length=40)
    period_end = models.DateField()
    line_number = models.PositiveIntegerField()
    line_text = models.TextField(help_text="The line as the payee saw it.")
    comment = models.TextField()
    state = models.CharField(max_length=10, choices=DisputeState.choices,
                             default=DisputeState.OPEN)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "id"]

    def __str__(self) -> str:
        return f"dispute of {self.employee_id} {self.period} line {self.line_number}"


class DisputeEvent(models.Model):
    """The history of a dispute: raised, commented, adjusted, rejected."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="+")
    action = models.CharField(max_length=20)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d}"
