"""Disputes: a payee challenges a statement line; a manager or sales ops resolves it.

Raising needs the right to see the payee's money (the payee, their managers, finance,
sales ops) and a line that exists on the statement; the line's text is kept as it was seen.
A resolution is an adjustment (paid through :func:`attain.payouts.lifecycle.add_adjustment`,
so it is in the audit log and lands in the next open period) or a rejection with a reason.
Everyone who may see the payee's money sees the dispute, its history and its age.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from attain.core import audit
from attain.core.periods import Period
from attain.org.models import AccessRole
from attain.payouts import lifecycle
from attain.payouts.errors import PayoutError
from attain.payouts.models import Dispute, DisputeEvent, DisputeState
from attain.payouts.statements import statement
from attain.web import access


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    who: str
    action: str
    text: str


@dataclass(frozen=True)
class DisputeView:
    dispute_id: int
    employee_id: str
    period: str
    line_number: int
    line_text: str
    comment: str
    state: str
    raised_on: dt.date
    age_days: int
    """Days open (to today, or to the day it was resolved)."""
    adjustment: Decimal | None
    history: list[Event] = field(default_factory=list)


def _name(user: Any) -> str:
    if user is None:
        return "the system"
    person = access.person_of(user)
    return person.name if person else str(user.username)


def _event(dispute: Dispute, actor: Any, action: str, text: str = "") -> None:
    DisputeEvent.objects.create(dispute=dispute, action=action, text=text,
                                actor=actor if getattr(actor, "is_authenticated", False)
                                else None)


def _get(dispute_id: int) -> Dispute:
    found = Dispute.objects.filter(pk=dispute_id).first()
    if found is None:
        raise PayoutError(f"no dispute {dispute_id}")
    return found


def _may_see(actor: Any, dispute: Dispute) -> None:
    if not access.can_see_money_of(actor, dispute.employee_id, dispute.period_end):
        raise PermissionDenied("you may not see this dispute")


def raise_dispute(*, actor: Any, employee_id: str, period: str | Period, line_number: int,
                  comment: str, url: str | None = None) -> Dispute:
    """Dispute one line of a statement, with a comment saying what is wrong."""
    if not comment.strip():
        raise PayoutError("say what is wrong with the line: a dispute needs a comment")
    the_period = lifecycle.parse_period(period)
    found = statement(viewer=actor, employee_id=employee_id, period=the_period, url=url)
    line = found.line(line_number)
    with transaction.atomic():
        dispute = Dispute.objects.create(
            employee_id=employee_id, period=the_period.label, period_end=the_period.end,
            line_number=line_number, line_text=line.text, comment=comment.strip(),
            raised_by=actor if getattr(actor, "is_authenticated", False) else None)
        _event(dispute, actor, "raised", dispute.comment)
        audit.record(actor=actor, action="dispute", obj=dispute, after=audit.snapshot(dispute))
    return dispute


def add_comment(*, actor: Any, dispute_id: int, text: str) -> None:
    dispute = _get(dispute_id)
    _may_see(actor, dispute)
    if not text.strip():
        raise PayoutError("a comment cannot be empty")
    _event(dispute, actor, "commented", text.strip())


def _resolver(actor: Any, dispute: Dispute) -> None:
    if access.role_of(actor) not in (AccessRole.MANAGER, AccessRole.ADMIN):
        raise PermissionDenied("a manager or sales operations resolves disputes")
    _may_see(actor, dispute)
    if dispute.employee_id == getattr(access.person_of(actor), "employee_id", None):
        raise PermissionDenied("nobody resolves a dispute about their own pay")
    if dispute.state != DisputeState.OPEN:
        raise PayoutError(f"dispute {dispute.pk} is already {dispute.get_state_display()}")


def resolve_by_adjustment(*, actor: Any, dispute_id: int, amount: str | Decimal,
                          reason: str) -> Dispute:
    """Accept a dispute and pay (or take back) ``amount`` as an adjustment."""
    dispute = _get(dispute_id)
    _resolver(actor, dispute)
    with transaction.atomic():
        adjustment = lifecycle.add_adjustment(
            actor=actor, employee_id=dispute.employee_id, period=dispute.period,
            amount=amount, reason=f"Dispute {dispute.pk}: {reason}", dispute=dispute)
        dispute.state = DisputeState.ADJUSTED
        dispute.resolved_at = timezone.now()
        dispute.save(update_fields=["state", "resolved_at"])
        _event(dispute, actor, "adjusted", f"{adjustment.amount} {adjustment.currency}: "
                                           f"{reason}")
        audit.record(actor=actor, action="resolve", obj=dispute, before={"state": "open"},
                     after={"state": dispute.state, "adjustment": adjustment.pk},
                     reason=reason)
    return dispute


def reject(*, actor: Any, dispute_id: int, reason: str) -> Dispute:
    """Reject a dispute; the reason is required and shown to the payee."""
    if not reason.strip():
        raise PayoutError("a rejection needs a reason")
    dispute = _get(dispute_id)
    _resolver(actor, dispute)
    with transaction.atomic():
        dispute.state = DisputeState.REJECTED
        dispute.resolved_at = timezone.now()
        dispute.save(update_fields=["state", "resolved_at"])
        _event(dispute, actor, "rejected", reason.strip())
        audit.record(actor=actor, action="reject", obj=dispute, before={"state": "open"},
                     after={"state": dispute.state}, reason=reason.strip())
    return dispute


def disputes(*, viewer: Any, state: str | None = None,
             today: dt.date | None = None) -> list[DisputeView]:
    """The disputes ``viewer`` may see, oldest first, with history and age."""
    day = today or timezone.localdate()
    query = Dispute.objects.prefetch_related("events__actor", "adjustments")
    if state:
        query = query.filter(state=state)
    result = []
    for dispute in query:
        if not access.can_see_money_of(viewer, dispute.employee_id, dispute.period_end):
            continue
        raised = timezone.localdate(dispute.raised_at)
        until = timezone.localdate(dispute.resolved_at) if dispute.resolved_at else day
        adjustments = list(dispute.adjustments.all())
        result.append(DisputeView(
            dispute_id=dispute.pk, employee_id=dispute.employee_id, period=dispute.period,
            line_number=dispute.line_number, line_text=dispute.line_text,
            comment=dispute.comment, state=dispute.state, raised_on=raised,
            age_days=(until - raised).days,
            adjustment=adjustments[0].amount if adjustments else None,
            history=[Event(event.at, _name(event.actor), event.action, event.text)
                     for event in dispute.events.all()]))
    return result
