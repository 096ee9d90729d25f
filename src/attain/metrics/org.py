"""The app database's side of a metric query: people, teams and quotas as small Ibis tables.

People, teams and quotas live in the app database (Django); the warehouse names people by
employee id. A query reads what it needs here once and hands it to Ibis as in-memory
tables, so teams are resolved *as of the day of each fact* (a rep who moved team in March
counts for the old team until then and the new one after), and so are the teams above
them (a team moved to another area), and quotas enter as rows.

This module reads only; it must never write to the app database or the warehouse.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import ibis
import pyarrow as pa
from ibis.backends import BaseBackend

from attain.core.money import CENT, allocate
from attain.plans import expressions

FOREVER = dt.date(9999, 12, 31)
"""Open-ended effective dates become this day, so range joins need no null handling."""

QUOTA_METRIC = "bookings"
"""The quota that attainment metrics measure against (the demo and plans use bookings)."""

REP_ROLES = ("rep",)
"""Roles that carry a bag: the people counted in "per rep" metrics."""


def memberships() -> ibis.Table:
    """(person_id, team, team_name, valid_from, valid_to): who was in which team when."""
    from attain.org.models import TeamMembership

    rows = list(TeamMembership.objects.values_list(
        "person__employee_id", "team__code", "team__name", "valid_from", "valid_to"))
    return ibis.memtable(pa.table({
        "m_person": pa.array([r[0] for r in rows], pa.string()),
        "m_team": pa.array([r[1] for r in rows], pa.string()),
        "m_from": pa.array([r[3] for r in rows], pa.date32()),
        "m_to": pa.array([r[4] or FOREVER for r in rows], pa.date32()),
    }))


def team_ancestors() -> ibis.Table:
    """(a_team, a_ancestor, a_from, a_to): every team paired with itself and each team above
    it, over the days that chain of parents held (``TeamParent``): a team moved from one
    area to another mid-year reaches the old area before the move and the new one after.
    """
    from attain.org.models import Team, TeamParent

    spans: dict[str, list[tuple[str, dt.date, dt.date]]] = {}
    for team, parent, valid_from, valid_to in TeamParent.objects.values_list(
            "team__code", "parent__code", "valid_from", "valid_to"):
        spans.setdefault(team, []).append((parent, valid_from, valid_to or FOREVER))

    def above(code: str, first: dt.date, last: dt.date,
              path: frozenset[str]) -> list[tuple[str, dt.date, dt.date]]:
        """The teams above ``code`` on days ``first``..``last``, each with its days."""
        found: list[tuple[str, dt.date, dt.date]] = []
        for parent, valid_from, valid_to in spans.get(code, []):
            start, end = max(first, valid_from), min(last, valid_to)
            if start > end or parent in path:  # not in force then, or a loop
                continue
            found.append((parent, start, end))
            found += above(parent, start, end, path | {parent})
        return found

    rows: list[tuple[str, str, dt.date, dt.date]] = []
    for code in Team.objects.values_list("code", flat=True):
        rows.append((code, code, dt.date.min, FOREVER))
        rows += [(code, ancestor, start, end) for ancestor, start, end
                 in above(code, dt.date.min, FOREVER, frozenset({code}))]
    return ibis.memtable(pa.table({
        "a_team": pa.array([r[0] for r in rows], pa.string()),
        "a_ancestor": pa.array([r[1] for r in rows], pa.string()),
        "a_from": pa.array([r[2] for r in rows], pa.date32()),
        "a_to": pa.array([r[3] for r in rows], pa.date32()),
    }))


def rep_months(first: dt.date, last: dt.date) -> ibis.Table:
    """One row per account executive per month they were employed as one, for "per rep".

    ``at`` is the later of the month's first day and the start of the employment, so the
    rep's team on that day is the team they were in that month.
    """
    from attain.org.models import Employment

    spans = Employment.objects.filter(role__in=REP_ROLES).values_list(
        "person__employee_id", "valid_from", "valid_to")
    people: list[str] = []
    days: list[dt.date] = []
    for person, valid_from, valid_to in spans:
        month = max(valid_from, first).replace(day=1)
        until = min(valid_to or FOREVER, last)
        while month <= until:
            people.append(person)
            days.append(max(month, valid_from))
            month = (month + dt.timedelta(days=32)).replace(day=1)
    return ibis.memtable(pa.table({
        "person_id": pa.array(people, pa.string()),
        "at": pa.array(days, pa.date32()),
    }))


def months_of(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first day within ``start``..``end`` of each month the span touches."""
    months: list[dt.date] = []
    month = start.replace(day=1)
    while month <= end:
        months.append(max(month, start))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def quota_months(first: dt.date, last: dt.date) -> ibis.Table:
    """Approved person quotas (latest version) spread evenly over their months, to the cent.

    A quarterly quota of 100,000.00 becomes 33,333.34 + 33,333.33 + 33,333.33 (the cents
    go by :func:`attain.core.money.allocate`), so quarters and years add back up exactly
    and a month grain can still be asked.
    """
    from attain.targets.models import OwnerType, Quota, QuotaStatus

    rows = Quota.objects.filter(
        metric=QUOTA_METRIC, owner_type=OwnerType.PERSON, status=QuotaStatus.APPROVED,
        period_end__gte=first, period_start__lte=last,
    ).values_list("person__employee_id", "period", "period_start", "period_end", "amount",
                  "version")
    latest: dict[tuple[str, str], tuple[int, dt.date, dt.date, Decimal]] = {}
    for person, period, start, end, amount, version in rows:
        key = (person, period)
        if key not in latest or version > latest[key][0]:
            latest[key] = (version, start, end, amount)
    people: list[str] = []
    days: list[dt.date] = []
    amounts: list[Decimal] = []
    for (person, _period), (_version, start, end, amount) in sorted(latest.items()):
        months = months_of(start, end)
        for day, share in zip(months, allocate(amount.quantize(CENT), [Decimal(1)] * len(months)),
                              strict=True):
            people.append(person)
            days.append(day)
            amounts.append(share)
    return ibis.memtable(pa.table({
        "person_id": pa.array(people, pa.string()),
        "at": pa.array(days, pa.date32()),
        "quota": pa.array(amounts, pa.decimal128(18, 2)),
    }))


def territories(warehouse: BaseBackend) -> ibis.Table:
    """(tr_account, territory, tr_from, tr_to): which territory's rule each account matched
    while the territory was in force; an account two rules match is in both."""
    from attain.territories import services as territory_services
    from attain.territories.models import Territory

    accounts = warehouse.table("accounts")
    columns = {name: accounts[column]
               for name, column in territory_services.ACCOUNT_COLUMNS.items()}
    matches: list[ibis.Table] = []
    for territory in Territory.objects.order_by("code", "valid_from"):
        condition = expressions.to_ibis(territory_services.check_rule(territory.rule), columns)
        matches.append(accounts.filter(condition.fill_null(False)).select(
            tr_account="account_id", territory=ibis.literal(territory.code),
            tr_from=ibis.literal(territory.valid_from, type="date"),
            tr_to=ibis.literal(territory.valid_to or FOREVER, type="date")))
    if not matches:
        return ibis.memtable(pa.table({
            "tr_account": pa.array([], pa.string()), "territory": pa.array([], pa.string()),
            "tr_from": pa.array([], pa.date32()), "tr_to": pa.array([], pa.date32())}))
    matched = matches[0]
    for more in matches[1:]:
        matched = matched.union(more)
    return matched
