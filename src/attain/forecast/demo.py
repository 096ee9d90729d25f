"""Forecast calls for the demo company: each rep, manager and director of the last closed
quarter and the quarter under way calls a few times (so the history has weeks and the
closed quarter has an accuracy), the managers with a judgement of their own.

Deterministic: a person's calls follow from their bookings and their employee id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from django.utils import timezone

from attain.core.company import company_calendar
from attain.core.money import round_money
from attain.core.periods import Period
from attain.forecast import services
from attain.forecast.models import ForecastCall
from attain.org.models import Person

JUDGEMENT = Decimal("0.95")
"""A demo manager calls a little under their people's sum."""


def _factor(employee_id: str, week: int) -> Decimal:
    """0.80 to 1.05, the same for the same person and week: how optimistic a call is."""
    digest = hashlib.sha256(f"{employee_id}:{week}".encode()).digest()
    return Decimal(80 + digest[0] % 26) / 100


def _calls_for(period: Period, base: dict[str, Decimal], as_of: dt.date) -> int:
    reports = services.direct_reports(day=min(as_of, period.end))
    people = {p.employee_id: p for p in Person.objects.filter(
        employee_id__in=set(base) | set(reports))}
    made = 0
    for week in (1, 4, 7):
        day = period.start + dt.timedelta(days=7 * week)
        if day > as_of:
            break
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
        commits: dict[str, Decimal] = {}
        for employee_id, booked in sorted(base.items()):
            if employee_id in reports or employee_id not in people or booked <= 0:
                continue
            commit = round_money(booked * _factor(employee_id, week))
            services.submit_call(person=people[employee_id], period=period, commit=commit,
                                 best_case=round_money(commit * Decimal("1.25")), at=at)
            commits[employee_id] = commit
            made += 1
        # managers, then the level above them: each a little under their people's sum
        for _level in range(3):
            for manager, team in sorted(reports.items()):
                if manager in commits or manager not in people:
                    continue
                if not team or any(member in reports and member not in commits
                                   for member in team):
                    continue
                total = sum((commits.get(member, Decimal(0)) for member in team), Decimal(0))
                if total <= 0:
                    continue
                commit = round_money(total * JUDGEMENT)
                services.submit_call(person=people[manager], period=period, commit=commit,
                                     best_case=round_money(total * Decimal("1.2")), at=at,
                                     note="demo: a little under the team's sum")
                commits[manager] = commit
                made += 1
    return made


def seed(*, as_of: dt.date) -> int:
    """Calls for the quarter under way on ``as_of`` (on last quarter's bookings) and the
    quarter before (on its own bookings, so its accuracy reads near 100%); returns how
    many calls were made. Replaces earlier demo calls."""
    ForecastCall.objects.all().delete()
    current = company_calendar().period_containing(as_of, "quarter")
    closed = current.prior()
    booked = services.booked(period=closed, people=None)
    return _calls_for(closed, booked, as_of) + _calls_for(current, booked, as_of)
