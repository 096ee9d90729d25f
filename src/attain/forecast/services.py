"""Forecast calls: submitting one, the calls in force on a day, their roll-up by level,
their weekly history, and for a closed period how close each call came to what was booked.

Plain functions with keyword-only arguments. Who may see whose call is decided by the
caller (the pages and API ask :mod:`attain.web.access`); these functions take the people
already allowed. Calls are money: Decimal, rounded by :func:`attain.core.money.round_money`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from attain.core import audit
from attain.core.money import ZERO, D, round_money, round_rate, sum_money
from attain.core.periods import Period
from attain.forecast.models import ForecastCall
from attain.org import services as org_services
from attain.org.models import Person

BOOKINGS_METRIC = "revenue"
"""The catalog metric a call is held against once the period closes: net bookings by
booking date (the "Revenue (booked)" of the metric catalog)."""


class CallError(ValueError):
    """A call that cannot be taken, with the reason (and the field it is about)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _amount(value: Any, name: str) -> Decimal:
    try:
        amount = D(value) if not isinstance(value, Decimal) else value
    except (ValueError, TypeError, InvalidOperation):
        raise CallError(f"{name.replace('_', ' ')}: {value!r} is not an amount", name) from None
    if not amount.is_finite() or amount < 0:
        raise CallError(f"{name.replace('_', ' ')} cannot be negative", name)
    if abs(amount) >= Decimal("1e16"):
        raise CallError(f"{name.replace('_', ' ')} is too large", name)
    return round_money(amount)


@transaction.atomic
def submit_call(*, person: Person, period: Period, commit: Any, best_case: Any,
                note: str = "", actor: Any = None,
                at: dt.datetime | None = None) -> ForecastCall:
    """Record ``person``'s call for ``period`` (it supersedes their earlier one; both stay).
    The best case is at least the commit: it is the commit plus what might also close. A
    quarter that has ended takes no more calls (its accuracy would mean nothing)."""
    when = at or timezone.now()
    if period.end < timezone.localdate(when):
        raise CallError(f"{period.label} ended on {period.end.isoformat()}: a call is made "
                        "before the quarter closes", "period")
    commit_amount = _amount(commit, "commit")
    best_amount = _amount(best_case, "best_case")
    if best_amount < commit_amount:
        raise CallError(f"best case {best_amount} is below the commit {commit_amount}: the "
                        "best case includes the commit", "best_case")
    call = ForecastCall.objects.create(
        person=person, period=period.label, period_start=period.start, period_end=period.end,
        commit=commit_amount, best_case=best_amount, currency=person.currency,
        note=note.strip()[:2000], submitted_at=when,
        submitted_by=actor if getattr(actor, "is_authenticated", False) else None)
    audit.record(actor=actor, action="call", obj=call, after=audit.snapshot(call))
    return call


def latest_calls(*, period: str, people: Iterable[str] | None,
                 until: dt.datetime | None = None) -> dict[str, ForecastCall]:
    """Each person's call in force for ``period`` (their latest submitted by ``until``),
    by employee id; ``people`` None for everyone. One query."""
    found = ForecastCall.objects.filter(period=period).select_related("person")
    if people is not None:
        found = found.filter(person__employee_id__in=list(people))
    if until is not None:
        found = found.filter(submitted_at__lte=until)
    calls: dict[str, ForecastCall] = {}
    for call in found.order_by("submitted_at", "id"):
        calls[call.person.employee_id] = call
    return calls


@dataclass
class CallNode:
    """One person in the roll-up: their own call, and the calls of those reporting to them
    directly. ``rolled_*`` is what this level passes up: the person's own call when they
    made one, else the sum of their reports' (so a missing manager call does not hide their
    team). ``judgement_*`` is how far a manager's own call is from their reports' sum."""

    employee_id: str
    name: str
    level: int
    call: ForecastCall | None
    reports: list[CallNode] = field(default_factory=list)
    pipeline: dict[str, Decimal] = field(default_factory=dict)

    @property
    def reports_commit(self) -> Decimal:
        return sum_money(node.rolled_commit for node in self.reports)

    @property
    def reports_best_case(self) -> Decimal:
        return sum_money(node.rolled_best_case for node in self.reports)

    @property
    def rolled_commit(self) -> Decimal:
        return self.call.commit if self.call else self.reports_commit

    @property
    def rolled_best_case(self) -> Decimal:
        return self.call.best_case if self.call else self.reports_best_case

    @property
    def reports_called(self) -> bool:
        """Whether anyone below has made a call (else their sum says nothing yet)."""
        return any(node.submitted for node in self.reports)

    @property
    def judgement_commit(self) -> Decimal | None:
        return (self.call.commit - self.reports_commit
                if self.call and self.reports_called else None)

    @property
    def judgement_best_case(self) -> Decimal | None:
        return (self.call.best_case - self.reports_best_case
                if self.call and self.reports_called else None)

    @property
    def submitted(self) -> int:
        """How many people in this subtree (this one included) have made a call."""
        return (self.call is not None) + sum(node.submitted for node in self.reports)

    @property
    def size(self) -> int:
        return 1 + sum(node.size for node in self.reports)

    def walk(self) -> Iterable[CallNode]:
        """This node and every one below it, depth first (the table's row order)."""
        yield self
        for node in self.reports:
            yield from node.walk()


def direct_reports(*, day: dt.date) -> dict[str, list[str]]:
    """manager -> the people reporting to them directly on ``day``."""
    found: dict[str, list[str]] = defaultdict(list)
    for line in org_services.reporting_lines():
        if line.depth == 1 and line.valid_from <= day and (
                line.valid_to is None or day <= line.valid_to):
            found[line.manager].append(line.person)
    return found


def rollup(*, period: Period, people: set[str] | None, day: dt.date,
           until: dt.datetime | None = None) -> list[CallNode]:
    """The call tree over ``people`` (None: everyone) on ``day``: a root is someone whose
    direct manager is not among ``people`` (for a manager, themselves). Calls are the ones
    in force at ``until`` (default now)."""
    reports = direct_reports(day=day)
    everyone = {person for team in reports.values() for person in team} | set(reports)
    members = everyone if people is None else set(people)
    managed = {person for team in reports.values() for person in team}
    manager_of = {person: manager for manager, team in reports.items() for person in team}
    calls = latest_calls(period=period.label, people=members, until=until)
    names = dict(Person.objects.filter(employee_id__in=members)
                 .values_list("employee_id", "name"))

    def build(employee_id: str, level: int, seen: frozenset[str]) -> CallNode:
        node = CallNode(employee_id, names.get(employee_id, employee_id), level,
                        calls.get(employee_id))
        for report in sorted(reports.get(employee_id, []), key=lambda e: names.get(e, e)):
            if report in members and report not in seen:
                node.reports.append(build(report, level + 1, seen | {report}))
        return node

    roots = sorted((person for person in members
                    if person not in managed or manager_of.get(person) not in members),
                   key=lambda e: names.get(e, e))
    return [build(root, 0, frozenset({root})) for root in roots if root in names]


@dataclass(frozen=True)
class WeekOfCalls:
    """The calls in force at the end of the week starting ``week`` (a Monday)."""

    week: dt.date
    commit: Decimal
    best_case: Decimal
    calls: int


def weekly_history(*, period: Period, employee_id: str, people: set[str] | None,
                   today: dt.date) -> list[WeekOfCalls]:
    """Week by week from the period's first Monday to the last week begun by ``today`` (or
    the period's end): ``employee_id``'s call as their level rolls it up (their own call,
    else their reports' sum), from the calls in force at each week's end. One snapshot per
    week, read back from the kept submissions (two queries for the whole history)."""
    reports = direct_reports(day=min(today, period.end))
    members = {employee_id} if people is None else people | {employee_id}
    submissions = list(ForecastCall.objects.filter(
        period=period.label, person__employee_id__in=members).select_related("person")
        .order_by("submitted_at", "id"))
    week = period.start - dt.timedelta(days=period.start.weekday())
    last = min(today, period.end)
    found: list[WeekOfCalls] = []
    while week <= last:
        week_end = timezone.make_aware(dt.datetime.combine(
            week + dt.timedelta(days=7), dt.time.min))
        calls: dict[str, ForecastCall] = {}
        for call in submissions:
            if call.submitted_at < week_end:
                calls[call.person.employee_id] = call
        if calls:
            commit, best = _rolled(employee_id, calls, reports, members, frozenset())
            found.append(WeekOfCalls(week, commit, best, len(calls)))
        week += dt.timedelta(days=7)
    return found


def _rolled(employee_id: str, calls: dict[str, ForecastCall], reports: dict[str, list[str]],
            members: set[str], seen: frozenset[str]) -> tuple[Decimal, Decimal]:
    own = calls.get(employee_id)
    if own is not None:
        return own.commit, own.best_case
    parts = [_rolled(report, calls, reports, members, seen | {employee_id})
             for report in reports.get(employee_id, []) if report in members
             and report not in seen]
    return sum_money(p[0] for p in parts), sum_money(p[1] for p in parts)


@dataclass(frozen=True)
class Accuracy:
    """A closed period's call against what was booked: ``accuracy`` is booked ÷ commit
    (1.0: the commit was exact; above 1: they booked more than they committed)."""

    employee_id: str
    name: str
    commit: Decimal
    best_case: Decimal
    booked: Decimal
    accuracy: Decimal | None
    within_range: bool
    """Booked between the commit and the best case."""


def booked(*, period: Period, people: set[str] | None) -> dict[str, Decimal]:
    """What each person booked in ``period`` by the metric catalog's bookings metric (the
    metric their bookings quota is held against)."""
    from attain import metrics

    found: dict[str, Decimal] = {}
    table = metrics.get(BOOKINGS_METRIC).query(by=["person"], grain="quarter",
                                               start=period.start, end=period.end)
    for row in table.to_pyarrow().to_pylist():
        if row["value"] is not None and (people is None or row["person"] in people):
            found[row["person"]] = found.get(row["person"], ZERO) + round_money(
                Decimal(str(row["value"])))
    return found


def accuracy(*, period: Period, nodes: list[CallNode], today: dt.date) -> list[Accuracy]:
    """For a period that has closed by ``today``: each call in the tree (the rolled-up one
    for a manager without their own) against what their subtree booked. Empty before the
    period closes."""
    if period.end >= today:
        return []
    everyone = [node for root in nodes for node in root.walk()]
    bookings = booked(period=period, people={node.employee_id for node in everyone})

    def subtree_booked(node: CallNode) -> Decimal:
        return sum_money(bookings.get(n.employee_id, ZERO) for n in node.walk())

    found = []
    for node in everyone:
        if node.submitted == 0:
            continue
        commit, best = node.rolled_commit, node.rolled_best_case
        actual = subtree_booked(node)
        found.append(Accuracy(node.employee_id, node.name, commit, best, actual,
                              round_rate(actual / commit) if commit else None,
                              commit <= actual <= best))
    return found
