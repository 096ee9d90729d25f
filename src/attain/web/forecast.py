"""The forecast page as the web shows it: the viewer's own call, the calls of the people
below them next to their open pipeline by category and weighted, the weekly history, and
for a closed quarter how close the calls came (plain functions over attain.forecast)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from attain.core.company import company_calendar
from attain.core.money import sum_money
from attain.core.periods import Period
from attain.forecast import services as forecast_services
from attain.forecast.models import ForecastCall
from attain.org.models import AccessRole
from attain.web import access

CALLERS = (AccessRole.REP, AccessRole.MANAGER)
"""Who makes calls: reps and managers (their own, never someone else's)."""


def quarters(today: dt.date) -> list[Period]:
    """Next quarter, this one and the four before it (closed ones show accuracy)."""
    current = company_calendar().period_containing(today, "quarter")
    found = [current.next(), current]
    for _ in range(4):
        found.append(found[-1].prior())
    return found


def period_of(label: str, today: dt.date) -> Period:
    """The quarter the page is about: ``label`` when it reads, else this quarter."""
    calendar = company_calendar()
    if label:
        return calendar.parse(label)
    return calendar.period_containing(today, "quarter")


@dataclass(frozen=True)
class Row:
    """One line of the calls table: a person's call, their team's open pipeline by the
    page's categories (in order) and weighted."""

    node: forecast_services.CallNode
    pipeline: list[Decimal | None]
    weighted: Decimal | None

    @property
    def indent(self) -> str:
        return f"{0.4 + 1.5 * self.node.level:.1f}rem"


@dataclass
class ForecastPage:
    period: Period
    day: dt.date
    mine: ForecastCall | None
    can_call: bool
    rows: list[Row]
    categories: list[str]
    history: list[forecast_services.WeekOfCalls]
    accuracy: list[forecast_services.Accuracy]
    closed: bool
    notes: list[str] = field(default_factory=list)


def _subtree_pipeline(roots: list[forecast_services.CallNode],
                      own: dict[str, dict[str, Decimal]]) -> dict[str, dict[str, Decimal]]:
    found: dict[str, dict[str, Decimal]] = {}

    def total(node: forecast_services.CallNode) -> dict[str, Decimal]:
        parts: dict[str, list[Decimal]] = defaultdict(list)
        for name, amount in own.get(node.employee_id, {}).items():
            parts[name].append(amount)
        for report in node.reports:
            for name, amount in total(report).items():
                parts[name].append(amount)
        found[node.employee_id] = {name: sum_money(values) for name, values in parts.items()}
        return found[node.employee_id]

    for root in roots:
        total(root)
    return found


def page(user: Any, period: Period, today: dt.date) -> ForecastPage:
    from attain.web import home as home_services

    day = min(today, period.end)
    visible = access.visible_people(user, day)
    person = access.person_of(user)
    roots = forecast_services.rollup(period=period, people=visible, day=day)
    mine = None
    if person is not None:
        mine = forecast_services.latest_calls(period=period.label,
                                              people=[person.employee_id]).get(
            person.employee_id)
    closed = period.end < today
    pipeline: dict[str, dict[str, Decimal]] = {}
    categories: list[str] = []
    if not closed and roots:
        own = home_services._pipeline_by_person(period)
        pipeline = _subtree_pipeline(roots, own)
        order = {name: index for index, name in enumerate(home_services.FORECAST_CATEGORIES)}
        categories = sorted({name for amounts in pipeline.values() for name in amounts
                             if name != "_weighted"},
                            key=lambda name: (order.get(name, len(order)), name))
    history: list[forecast_services.WeekOfCalls] = []
    if len(roots) == 1:
        history = forecast_services.weekly_history(
            period=period, employee_id=roots[0].employee_id, people=visible, today=today)
    return ForecastPage(
        period=period, day=day, mine=mine,
        can_call=person is not None and access.role_of(user) in CALLERS,
        rows=[Row(node, [pipeline.get(node.employee_id, {}).get(c) for c in categories],
                  pipeline.get(node.employee_id, {}).get("_weighted"))
              for root in roots for node in root.walk()],
        categories=[c.replace("_", " ") or "uncategorised" for c in categories], history=history,
        accuracy=forecast_services.accuracy(period=period, nodes=roots, today=today),
        closed=closed)


def my_calls(user: Any, employee_id: str, today: dt.date,
             day: dt.date | None = None) -> forecast_services.CallNode | None:
    """The home tile's call line: the viewer's node in this quarter's roll-up (their own
    call, their people's sum, how many called), None when they are not in it. The team is
    the one on ``day`` (default today; the tile passes the day its pipeline is read on, so
    who the manager sees is worked out once)."""
    period = company_calendar().period_containing(today, "quarter")
    on = day or today
    roots = forecast_services.rollup(period=period, people=access.visible_people(user, on),
                                     day=on)
    return next((node for root in roots for node in root.walk()
                 if node.employee_id == employee_id), None)
