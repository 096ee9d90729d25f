"""Pay runs from draft to a closed period: calculate, approve, pay, close; and adjustments.

``calculate(period=...)`` runs the engine for the period, recalculates every earlier period
that is already approved, paid or closed (their differences arrive here as prior-period
items: a frozen period is never rewritten), gathers each payee's facts and stores what the
payout stage makes of them, all or nothing. It may be repeated until the pay run is
approved. Approvals are recorded per payee: managers first, then finance; the run moves on
when every payee is approved at a level. Only an approved run is paid, and only what was
approved is paid. Every change is in the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from attain.core import audit
from attain.core.company import company_calendar
from attain.core.money import ZERO, D, round_money, sum_money
from attain.core.periods import Period, PeriodError
from attain.engine import run as engine_run
from attain.engine.calculate import EngineInputs
from attain.org.models import AccessRole, Person
from attain.payouts import facts as warehouse_facts
from attain.payouts import stage
from attain.payouts.errors import PayoutError
from attain.payouts.models import (
    FROZEN_STATES,
    OPEN_STATES,
    Adjustment,
    Approval,
    ApprovalLevel,
    Draw,
    ItemKind,
    Payout,
    PayoutItem,
    PayRun,
    RunState,
)
from attain.warehouse import connection
from attain.web import access


@dataclass(frozen=True)
class PayRunSummary:
    period: str
    state: str
    calculation_run_id: str
    payees: int
    earned: dict[str, Decimal]
    """Per currency."""
    payable: dict[str, Decimal]
    paid: dict[str, Decimal]


def parse_period(period: str | Period) -> Period:
    if isinstance(period, Period):
        return period
    try:
        return company_calendar().parse(period)
    except PeriodError as error:
        raise PayoutError(str(error)) from error


def get_pay_run(period: str | Period) -> PayRun:
    label = parse_period(period).label
    found = PayRun.objects.filter(period=label).first()
    if found is None:
        raise PayoutError(f"there is no pay run for {label}: calculate it first")
    return found


def summary(period: str | Period) -> PayRunSummary:
    return _summary(get_pay_run(period))


def _summary(pay_run: PayRun) -> PayRunSummary:
    earned: dict[str, Decimal] = defaultdict(lambda: ZERO)
    payable: dict[str, Decimal] = defaultdict(lambda: ZERO)
    paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
    payouts = list(pay_run.payouts.all())
    for item in payouts:
        earned[item.currency] += item.earned
        payable[item.currency] += item.payable
        paid[item.currency] += item.paid or ZERO
    return PayRunSummary(pay_run.period, pay_run.state, pay_run.calculation_run_id,
                         len({p.employee_id for p in payouts}), dict(earned), dict(payable),
                         dict(paid))


def pay_runs() -> list[PayRunSummary]:
    """Every pay run, oldest period first, with its totals (for the runs page)."""
    return [_summary(run) for run in
            PayRun.objects.order_by("period_start").prefetch_related("payouts")]


def open_period(*, period: str | Period, actor: Any = None) -> PayRunSummary:
    """Open a period's pay run as a draft (calculating it opens it too)."""
    if actor is not None:
        _require(actor, AccessRole.ADMIN, AccessRole.FINANCE)
    the_period = parse_period(period)
    with transaction.atomic():
        pay_run, created = PayRun.objects.get_or_create(
            period=the_period.label,
            defaults={"period_start": the_period.start, "period_end": the_period.end})
        if created:
            audit.record(actor=actor, action="open", obj=pay_run,
                         after={"state": pay_run.state})
    return summary(the_period)


def _require(actor: Any, *roles: str) -> str:
    role = access.role_of(actor)
    if role not in roles:
        raise PermissionDenied(f"this needs the role {' or '.join(roles)}")
    return str(role)


def _actor_name(actor: Any) -> str:
    person = access.person_of(actor)
    if person is not None:
        return person.name
    return str(getattr(actor, "username", "") or "the system")


# --- calculate ---------------------------------------------------------------------------

def calculate(*, period: str | Period, actor: Any = None, url: str | None = None,
              policy: stage.PayoutPolicy | None = None, recalculate_prior: bool = True,
              progress: Callable[[str], None] | None = None,
              inputs: Callable[[Period], EngineInputs] | None = None) -> PayRunSummary:
    """Calculate (or recalculate) the pay run of ``period``.

    ``actor`` None means a system job (the CLI run by an operator); a signed-in user must
    be sales operations or finance. ``inputs`` gives the engine's inputs for a period
    instead of reading plans, people and quotas from the app database (tests, what-if)."""
    if actor is not None:
        _require(actor, AccessRole.ADMIN, AccessRole.FINANCE)
    tell = progress or (lambda _text: None)
    the_period = parse_period(period)
    existing = PayRun.objects.filter(period=the_period.label).first()
    if existing is not None and existing.state not in OPEN_STATES:
        raise PayoutError(
            f"{the_period.label} is {existing.get_state_display().lower()}: it is never "
            "recalculated; later changes arrive as prior-period adjustments in the next "
            "open period")
    later_frozen = PayRun.objects.filter(period_start__gt=the_period.end,
                                         state__in=FROZEN_STATES).first()
    if later_frozen is not None:
        raise PayoutError(f"{later_frozen.period} is already approved: an earlier period "
                          "cannot be paid after it")
    if policy is None:
        policy = (stage.PayoutPolicy.from_json(existing.policy) if existing and existing.policy
                  else stage.PayoutPolicy())
    tell(f"calculating {the_period.label}")
    engine_inputs = inputs(the_period) if inputs else engine_run.inputs_from_app(the_period)
    run_id = engine_run.run(period=the_period, actor=actor, url=url,
                            inputs=engine_inputs).run_id
    backend = connection.connect(url)
    earlier = list(PayRun.objects.filter(period_end__lt=the_period.start)
                   .exclude(calculation_run_id="").order_by("period_start"))

    priors: dict[warehouse_facts.Key, list[stage.PriorDelta]] = defaultdict(list)
    if recalculate_prior:
        for frozen in [run for run in earlier if run.state in FROZEN_STATES]:
            tell(f"recalculating {frozen.period}")
            frozen_period = parse_period(frozen.period)
            recalculated_id = engine_run.run(
                period=frozen_period, actor=actor, url=url,
                inputs=inputs(frozen_period) if inputs else None).run_id
            now = warehouse_facts.earned_by_payee(backend, recalculated_id)
            booked = _paid_on_so_far(frozen, excluding=the_period.label)
            for key in sorted(set(now) | set(booked)):
                original = booked.get(key, ZERO)
                recalculated = now.get(key, ZERO)
                if original != recalculated:
                    priors[key].append(stage.PriorDelta(frozen.period, original, recalculated,
                                                        recalculated_id))

    tell("gathering each payee's facts")
    split = warehouse_facts.earnings_split(backend, run_id, the_period,
                                           clawback_window_days=policy.clawback_window_days,
                                           plan_windows=plan_clawback_windows(engine_inputs))
    held_runs = [(run.calculation_run_id, run.period_end) for run in earlier
                 if run.policy.get("hold_until_paid", True)]
    released_by_run = warehouse_facts.released(backend, held_runs, the_period)
    released_from = {key: [(run.period, by_run[run.calculation_run_id]) for run in earlier
                           if run.calculation_run_id in by_run]
                     for key, by_run in released_by_run.items()}
    adjustments = _adjustments_for(the_period)
    previous = earlier[-1] if earlier else None
    balances = _balances_out(previous)
    currencies = dict(Person.objects.values_list("employee_id", "currency"))
    draws = _draw_facts(the_period, earlier, currencies)

    keys: set[warehouse_facts.Key] = set(split) | set(released_from) | set(priors) | set(balances)
    keys |= {(a.employee_id, a.currency) for a in adjustments}
    keys |= set(draws)
    by_payee: dict[warehouse_facts.Key, list[stage.AdjustmentFact]] = defaultdict(list)
    for adjustment in adjustments:
        by_payee[(adjustment.employee_id, adjustment.currency)].append(stage.AdjustmentFact(
            adjustment.pk, adjustment.amount, adjustment.reason, adjustment.period,
            _actor_name(adjustment.created_by) if adjustment.created_by else "the system"))
    results = []
    for key in sorted(keys):
        parts = split.get(key, {})
        results.append(stage.payout(stage.PayeeFacts(
            employee_id=key[0], currency=key[1],
            earned_orders=parts.get("earned_orders", ZERO),
            cancellations=parts.get("cancellations", ZERO),
            cancellations_outside_window=parts.get("cancellations_outside_window", ZERO),
            held=parts.get("held", ZERO),
            released=sum_money(amount for _p, amount in released_from.get(key, [])),
            released_from=released_from.get(key, []),
            waived_window_days=parts.get("waived_window_days"),
            prior=priors.get(key, []), adjustments=by_payee.get(key, []),
            balance_in=balances.get(key, ZERO), draw=draws.get(key)),
            policy, the_period.label))

    tell("storing the payouts")
    with transaction.atomic():
        pay_run, _created = PayRun.objects.select_for_update().get_or_create(
            period=the_period.label,
            defaults={"period_start": the_period.start, "period_end": the_period.end})
        if pay_run.state not in OPEN_STATES:
            raise PayoutError(f"{the_period.label} was approved while it was being calculated")
        before = {"state": pay_run.state, "calculation_run_id": pay_run.calculation_run_id}
        pay_run.payouts.all().delete()
        pay_run.approvals.all().delete()
        pay_run.state = RunState.CALCULATED
        pay_run.calculation_run_id = run_id
        pay_run.policy = policy.as_json()
        pay_run.calculated_at = timezone.now()
        pay_run.save()
        Adjustment.objects.filter(pk__in=[a.pk for a in adjustments]).update(
            applied_period=the_period.label)
        _store(pay_run, results)
        audit.record(actor=actor, action="calculate", obj=pay_run, before=before,
                     after={"state": pay_run.state, "calculation_run_id": run_id,
                            "payees": len(results)})
    return summary(the_period)


def plan_clawback_windows(inputs: EngineInputs) -> dict[tuple[str, int], int]:
    """(plan code, version) → clawback window in days, for plan versions that set one."""
    return {(item.document.plan, item.document.version): item.document.clawback_window_days
            for item in inputs.plans if item.document.clawback_window_days is not None}


def _store(pay_run: PayRun, results: Iterable[stage.PayoutResult]) -> None:
    payouts: list[Payout] = []
    pending: list[tuple[Payout, stage.PayoutResult]] = []
    for result in results:
        payout = Payout(pay_run=pay_run, employee_id=result.employee_id,
                        currency=result.currency, earned=result.earned,
                        payable=result.payable)
        payouts.append(payout)
        pending.append((payout, result))
    Payout.objects.bulk_create(payouts, batch_size=2000)
    items = [PayoutItem(payout=payout, position=position, kind=item.kind, amount=item.amount,
                        description=item.description, reference_period=item.reference_period,
                        original=item.original, recalculated=item.recalculated,
                        calculation_run_id=item.calculation_run_id,
                        adjustment_id=item.adjustment_id)
             for payout, result in pending for position, item in enumerate(result.items, 1)]
    PayoutItem.objects.bulk_create(items, batch_size=5000)


def _paid_on_so_far(frozen: PayRun, *, excluding: str) -> dict[warehouse_facts.Key, Decimal]:
    """What a frozen period's earnings stand at in the books: its own earned amounts plus
    the prior-period items for it in other pay runs."""
    totals: dict[warehouse_facts.Key, Decimal] = defaultdict(lambda: ZERO)
    for employee_id, currency, earned in frozen.payouts.values_list("employee_id", "currency",
                                                                   "earned"):
        totals[(employee_id, currency)] += earned
    corrections = PayoutItem.objects.filter(kind=ItemKind.PRIOR_PERIOD,
                                            reference_period=frozen.period).exclude(
        payout__pay_run__period=excluding).values_list("payout__employee_id",
                                                       "payout__currency", "amount")
    for employee_id, currency, amount in corrections:
        totals[(employee_id, currency)] += amount
    return dict(totals)


def _adjustments_for(period: Period) -> list[Adjustment]:
    """Adjustments already bound to this period, and unbound ones for it or earlier."""
    bound = Adjustment.objects.filter(applied_period=period.label)
    unbound = Adjustment.objects.filter(applied_period="", period_end__lte=period.end)
    return list((bound | unbound).select_related("created_by").order_by("created_at", "id"))


def _balances_out(previous: PayRun | None) -> dict[warehouse_facts.Key, Decimal]:
    if previous is None:
        return {}
    return {(employee_id, currency): -amount for employee_id, currency, amount in
            PayoutItem.objects.filter(payout__pay_run=previous, kind=ItemKind.BALANCE_OUT)
            .values_list("payout__employee_id", "payout__currency", "amount")}


def _draw_facts(period: Period, earlier: list[PayRun], currencies: dict[str, str]
                ) -> dict[warehouse_facts.Key, stage.DrawFact]:
    draws = list(Draw.objects.filter(starts_on__lte=period.end).order_by("starts_on", "id"))
    if not draws:
        return {}
    drawn: dict[warehouse_facts.Key, Decimal] = defaultdict(lambda: ZERO)
    for employee_id, currency, amount in PayoutItem.objects.filter(
            payout__pay_run__in=earlier, kind__in=[ItemKind.DRAW, ItemKind.DRAW_RECOVERY]
    ).values_list("payout__employee_id", "payout__currency", "amount"):
        drawn[(employee_id, currency)] += amount
    result: dict[warehouse_facts.Key, stage.DrawFact] = {}
    for draw in draws:
        key = (draw.employee_id, draw.currency)
        active = draw.starts_on <= period.end and draw.ends_on >= period.start
        if not active and not (draw.recoverable and drawn.get(key, ZERO) > 0):
            continue
        if key in result and not active:
            continue
        result[key] = stage.DrawFact(amount=draw.amount if active else ZERO,
                                     recoverable=draw.recoverable,
                                     recovery_limit=draw.recovery_limit,
                                     outstanding=max(drawn.get(key, ZERO), ZERO))
    return result


# --- approvals, payment, close -----------------------------------------------------------

def approve(*, period: str | Period, actor: Any, level: str,
            employee_ids: Iterable[str] | None = None) -> list[str]:
    """Approve payees' payouts at ``level`` (manager, then finance); returns who was newly
    approved. A manager approves only the people they may see; finance approves after
    the payee's manager approval."""
    pay_run = get_pay_run(period)
    if level == ApprovalLevel.MANAGER:
        _require(actor, AccessRole.MANAGER, AccessRole.ADMIN)
        allowed_states: tuple[str, ...] = (RunState.CALCULATED,)
    elif level == ApprovalLevel.FINANCE:
        _require(actor, AccessRole.FINANCE)
        allowed_states = (RunState.CALCULATED, RunState.MANAGER_APPROVED)
    else:
        raise PayoutError(f"no approval level {level!r}: use manager or finance")
    if pay_run.state not in allowed_states:
        raise PayoutError(f"{pay_run.period} is {pay_run.get_state_display().lower()}: "
                          f"it cannot take a {level} approval now")
    in_run = sorted(set(pay_run.payouts.values_list("employee_id", flat=True)))
    visible = access.visible_people(actor, pay_run.period_end)
    wanted = in_run if employee_ids is None else sorted(set(employee_ids))
    unknown = [e for e in wanted if e not in in_run]
    if unknown:
        raise PayoutError(f"not in the {pay_run.period} pay run: {', '.join(unknown)}")
    if employee_ids is None and visible is not access.ALL:
        wanted = [e for e in wanted if e in visible]
    refused = [e for e in wanted if visible is not access.ALL and e not in visible]
    if refused:
        raise PermissionDenied(f"you may not approve {', '.join(refused)}")
    if level == ApprovalLevel.FINANCE:
        managed = set(pay_run.approvals.filter(level=ApprovalLevel.MANAGER)
                      .values_list("employee_id", flat=True))
        waiting = [e for e in wanted if e not in managed]
        if waiting:
            raise PayoutError("finance approves after the manager: not yet approved by a "
                              f"manager: {', '.join(waiting[:10])}"
                              + (f" and {len(waiting) - 10} more" if len(waiting) > 10 else ""))
    with transaction.atomic():
        done = set(pay_run.approvals.filter(level=level).values_list("employee_id", flat=True))
        new = [e for e in wanted if e not in done]
        user = actor if getattr(actor, "is_authenticated", False) else None
        Approval.objects.bulk_create([Approval(pay_run=pay_run, employee_id=e, level=level,
                                               approved_by=user) for e in new])
        before = pay_run.state
        approved = set(pay_run.approvals.filter(level=level).values_list("employee_id",
                                                                         flat=True))
        if set(in_run) <= approved:
            pay_run.state = (RunState.MANAGER_APPROVED if level == ApprovalLevel.MANAGER
                             else RunState.APPROVED)
            pay_run.save(update_fields=["state"])
        audit.record(actor=actor, action="approve", obj=pay_run,
                     before={"state": before}, after={"state": pay_run.state, "level": level,
                                                      "payees": new})
    return new


def approvals(*, period: str | Period) -> list[tuple[str, str, str, dt.datetime]]:
    """(employee id, level, approved by, when) for every approval of the pay run."""
    pay_run = get_pay_run(period)
    # the approver's person joined in, so naming them costs no query per approval
    found = pay_run.approvals.select_related("approved_by__person")
    return [(a.employee_id, a.level, _approver_name(a.approved_by), a.approved_at)
            for a in found]


def _approver_name(user: Any) -> str:
    if user is None:
        return ""
    person = getattr(user, "person", None)
    return person.name if person is not None else str(user.username or "the system")


def mark_paid(*, period: str | Period, actor: Any = None) -> PayRunSummary:
    """Record that an approved pay run was paid: each payout is paid what was approved."""
    if actor is not None:
        _require(actor, AccessRole.FINANCE)
    pay_run = get_pay_run(period)
    if pay_run.state != RunState.APPROVED:
        raise PayoutError(f"{pay_run.period} is {pay_run.get_state_display().lower()}: only "
                          "an approved pay run is paid")
    with transaction.atomic():
        for payout in pay_run.payouts.all():
            payout.paid = payout.payable
            payout.save(update_fields=["paid"])
        pay_run.state = RunState.PAID
        pay_run.paid_at = timezone.now()
        pay_run.save(update_fields=["state", "paid_at"])
        audit.record(actor=actor, action="pay", obj=pay_run, before={"state": "approved"},
                     after={"state": pay_run.state})
    return summary(pay_run.period)


def close(*, period: str | Period, actor: Any = None) -> PayRunSummary:
    """Close a paid period: from now on it is only ever corrected in later periods."""
    if actor is not None:
        _require(actor, AccessRole.FINANCE, AccessRole.ADMIN)
    pay_run = get_pay_run(period)
    if pay_run.state != RunState.PAID:
        raise PayoutError(f"{pay_run.period} is {pay_run.get_state_display().lower()}: only "
                          "a paid period is closed")
    with transaction.atomic():
        pay_run.state = RunState.CLOSED
        pay_run.closed_at = timezone.now()
        pay_run.save(update_fields=["state", "closed_at"])
        audit.record(actor=actor, action="close", obj=pay_run, before={"state": "paid"},
                     after={"state": pay_run.state})
    return summary(pay_run.period)


# --- manual adjustments ------------------------------------------------------------------

def add_adjustment(*, actor: Any, employee_id: str, period: str | Period,
                   amount: str | Decimal, reason: str, currency: str | None = None,
                   dispute: Any = None) -> Adjustment:
    """A manual amount for a payee with its reason, in the audit log. It is paid in its
    own period while that is open, otherwise in the next pay run calculated."""
    the_period = parse_period(period)
    if actor is not None:
        _require(actor, AccessRole.ADMIN, AccessRole.FINANCE, AccessRole.MANAGER)
        if not access.can_see_money_of(actor, employee_id, the_period.end):
            raise PermissionDenied(f"you may not adjust the pay of {employee_id}")
    if not reason.strip():
        raise PayoutError("an adjustment needs a reason")
    try:
        value = D(amount)
    except (TypeError, ValueError) as error:
        raise PayoutError(f"amount: {error}") from error
    if value != round_money(value) or value == 0:
        raise PayoutError(f"amount: {amount} is not a non-zero whole number of cents")
    person = Person.objects.filter(employee_id=employee_id).first()
    if person is None:
        raise PayoutError(f"no person with employee id {employee_id!r}")
    existing = PayRun.objects.filter(period=the_period.label).first()
    applied = the_period.label if existing is None or existing.state in OPEN_STATES else ""
    with transaction.atomic():
        adjustment = Adjustment.objects.create(
            employee_id=employee_id, period=the_period.label, period_end=the_period.end,
            amount=value, currency=currency or person.currency, reason=reason.strip(),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            applied_period=applied, dispute=dispute)
        audit.record(actor=actor, action="adjust", obj=adjustment,
                     after=audit.snapshot(adjustment), reason=adjustment.reason)
    return adjustment
