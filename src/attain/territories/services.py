"""Territory services: check a rule, and work out who holds each account's territory.

Rules are checked against the account fields when saved (a typo is caught then, with the
character it is at) and evaluated in the warehouse, set-based, when a run needs them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import ibis
from django.db import transaction
from django.db.models import Q
from ibis.backends import BaseBackend

from attain.core import audit
from attain.core.dating import as_of_q, overlaps
from attain.org.models import Person
from attain.plans import expressions
from attain.plans.fields import TRANSACTION_FIELDS
from attain.territories.models import Territory, TerritoryHolder

ACCOUNT_FIELDS = {name: field for name, field in TRANSACTION_FIELDS.items()
                  if name.startswith("account.")}
ACCOUNT_COLUMNS = {"account.id": "account_id", "account.segment": "segment",
                   "account.industry": "industry", "account.region": "region",
                   "account.country": "country", "account.channel": "channel",
                   "account.employees": "employees"}


def check_rule(rule: str) -> expressions.Node:
    """Parse and type-check a territory rule; raises ExpressionError pointing at the problem."""
    return expressions.parse_condition(rule, ACCOUNT_FIELDS)


def save_territory(*, code: str, name: str, rule: str, valid_from: dt.date,
                   valid_to: dt.date | None = None, actor: object = None) -> Territory:
    check_rule(rule)
    territory = Territory.objects.create(code=code, name=name, rule=rule,
                                         valid_from=valid_from, valid_to=valid_to)
    audit.record(actor=actor, action="create", obj=territory, after=audit.snapshot(territory))
    return territory


def assign(*, territory: Territory, person_id: int, valid_from: dt.date,
           valid_to: dt.date | None = None, actor: object = None) -> TerritoryHolder:
    holder = TerritoryHolder.objects.create(territory=territory, person_id=person_id,
                                            valid_from=valid_from, valid_to=valid_to)
    audit.record(actor=actor, action="assign", obj=holder, after=audit.snapshot(holder))
    return holder


def account_holders(*, warehouse: BaseBackend, start: dt.date, end: dt.date
                    ) -> list[tuple[str, str, dt.date, dt.date | None]]:
    """(account_id, person employee id, from, to): who held the territory of each account,
    for every territory and holder in force at some point between ``start`` and ``end``.

    Territories are not exclusive: an account matching two territories credits the holders
    of both (write rules that do not overlap where that is not wanted).
    """
    accounts = warehouse.table("accounts")
    columns = {name: accounts[column] for name, column in ACCOUNT_COLUMNS.items()}
    window = Territory(valid_from=start, valid_to=end)
    result: list[tuple[str, str, dt.date, dt.date | None]] = []
    territories = [t for t in Territory.objects.all() if overlaps(t, window)]
    if not territories:
        return result
    matches: list[ibis.Table] = []
    for territory in territories:
        condition = expressions.to_ibis(check_rule(territory.rule), columns).fill_null(False)
        matches.append(accounts.filter(condition).select(
            "account_id", territory=ibis.literal(territory.pk)))
    matched = matches[0]
    for more in matches[1:]:
        matched = matched.union(more)
    by_territory: dict[int, list[str]] = {}
    for row in matched.to_pyarrow().to_pylist():
        by_territory.setdefault(row["territory"], []).append(row["account_id"])
    holders = TerritoryHolder.objects.filter(territory__in=territories).select_related(
        "person", "territory")
    for holder in holders:
        territory = holder.territory
        first = max(holder.valid_from, territory.valid_from)
        ends = [d for d in (holder.valid_to, territory.valid_to) if d is not None]
        last = min(ends) if ends else None
        if last is not None and last < first:
            continue
        for account_id in by_territory.get(territory.pk, []):
            result.append((account_id, holder.person.employee_id, first, last))
    return sorted(result, key=lambda row: (row[0], row[1], row[2]))


def territory_codes() -> list[str]:
    return list(Territory.objects.values_list("code", flat=True).distinct())


@transaction.atomic
def upsert_assignments(*, rows: Iterable[dict[str, Any]],
                       actor: object = None) -> tuple[int, int, int]:
    """Holders by (territory code, employee id, first day) (the territory assignments
    import); returns (added, updated, unchanged). The territory is the one with that code
    in force on the first day (else its latest version)."""
    added = updated = unchanged = 0
    for row in rows:
        versions = Territory.objects.filter(code=row["territory"]).order_by("-valid_from")
        territory = next((t for t in versions if t.valid_from <= row["valid_from"]),
                         versions[0])
        person = Person.objects.get(employee_id=row["person_id"])
        holder = TerritoryHolder.objects.filter(territory__code=row["territory"], person=person,
                                                valid_from=row["valid_from"]).first()
        if holder is None:
            assign(territory=territory, person_id=person.pk, valid_from=row["valid_from"],
                   valid_to=row.get("valid_to"), actor=actor)
            added += 1
        elif holder.valid_to != row.get("valid_to"):
            before = audit.snapshot(holder)
            holder.valid_to = row.get("valid_to")
            holder.save(update_fields=["valid_to"])
            audit.record(actor=actor, action="import", obj=holder, before=before,
                         after=audit.snapshot(holder))
            updated += 1
        else:
            unchanged += 1
    return added, updated, unchanged


class TerritoryChangeError(ValueError):
    """A territory change refused, with the form field it is about."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def versions(code: str) -> list[Territory]:
    """Every version of the territory ``code``, oldest first."""
    return list(Territory.objects.filter(code=code).order_by("valid_from"))


@transaction.atomic
def change_territory(*, code: str, name: str, rule: str, since: dt.date,
                     description: str = "", actor: object = None) -> Territory:
    """A new version of territory ``code`` from ``since``: the version in force then ends
    the day before (or is replaced when it starts that day), so credit before ``since``
    still follows the old rule. Its holders on or after ``since`` carry over to the new
    version (a holder belongs to one version; see :func:`account_holders`). Raises
    ExpressionError for a bad rule, TerritoryChangeError for a bad day."""
    check_rule(rule)
    found = versions(code)
    if not found:
        raise TerritoryChangeError(f"no territory {code}", "code")
    if any(version.valid_from > since for version in found):
        raise TerritoryChangeError(
            f"{code} already has a version from {found[-1].valid_from.isoformat()}; a change "
            "must start on or after it", "since")
    current = found[-1]
    if current.valid_to is not None and current.valid_to < since:
        raise TerritoryChangeError(f"{code} ended on {current.valid_to.isoformat()}", "since")
    before = audit.snapshot(current)
    if current.valid_from == since:
        current.name, current.rule, current.description = name, rule, description
        current.save(update_fields=["name", "rule", "description"])
        audit.record(actor=actor, action="update", obj=current, before=before,
                     after=audit.snapshot(current))
        return current
    new = Territory.objects.create(code=code, name=name, rule=rule, description=description,
                                   valid_from=since, valid_to=current.valid_to)
    current.valid_to = since - dt.timedelta(days=1)
    current.save(update_fields=["valid_to"])
    for holder in current.holders.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=since)):
        if holder.valid_from >= since:
            holder.territory = new
            holder.save(update_fields=["territory"])
            continue
        TerritoryHolder.objects.create(territory=new, person_id=holder.person_id,
                                       valid_from=since, valid_to=holder.valid_to)
        holder.valid_to = since - dt.timedelta(days=1)
        holder.save(update_fields=["valid_to"])
    audit.record(actor=actor, action="update", obj=new, before=before,
                 after=audit.snapshot(new), reason=f"new version from {since.isoformat()}")
    return new


@transaction.atomic
def set_owner(*, code: str, person: Person, since: dt.date,
              actor: object = None) -> TerritoryHolder | None:
    """``person`` holds territory ``code`` from ``since`` on, instead of whoever held it
    then (their holding ends the day before). None when they already hold it."""
    territory = next((v for v in reversed(versions(code)) if v.valid_from <= since), None)
    if territory is None or (territory.valid_to is not None and territory.valid_to < since):
        raise TerritoryChangeError(f"{code} is not in force on {since.isoformat()}",
                                   "owner_since")
    holders = TerritoryHolder.objects.filter(territory__code=code)
    if holders.filter(valid_from__gt=since).exists():
        raise TerritoryChangeError(f"{code} already changes hands after {since.isoformat()}",
                                   "owner_since")
    current = list(holders.filter(as_of_q(since)))
    if [h.person_id for h in current] == [person.pk]:
        return None
    for holder in current:
        before = audit.snapshot(holder)
        if holder.valid_from >= since:
            holder.delete()
        else:
            holder.valid_to = since - dt.timedelta(days=1)
            holder.save(update_fields=["valid_to"])
        audit.record(actor=actor, action="unassign", obj=territory, before=before,
                     reason=f"until {since.isoformat()}")
    return assign(territory=territory, person_id=person.pk, valid_from=since,
                  valid_to=territory.valid_to, actor=actor)


@transaction.atomic
def end_territory(*, code: str, last_day: dt.date | None,
                  actor: object = None) -> bool:
    """Territory ``code`` stops after ``last_day`` (None: runs on, open-ended): its latest
    version and the holdings of it end that day; versions starting later are dropped.
    Returns whether anything changed."""
    found = versions(code)
    if not found:
        raise TerritoryChangeError(f"no territory {code}", "code")
    if last_day is not None and last_day < found[0].valid_from:
        raise TerritoryChangeError(
            f"{code} starts on {found[0].valid_from.isoformat()}; it cannot end before",
            "until")
    if last_day is not None:
        for version in found:
            if version.valid_from > last_day:
                version.delete()
        found = versions(code)
    latest = found[-1]
    if latest.valid_to == last_day:
        return False
    before = audit.snapshot(latest)
    previous = latest.valid_to
    latest.valid_to = last_day
    latest.save(update_fields=["valid_to"])
    holders = latest.holders.all()
    if last_day is None:
        holders.filter(valid_to=previous).update(valid_to=None)
    else:
        holders.filter(valid_from__gt=last_day).delete()
        holders.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=last_day)).update(
            valid_to=last_day)
    audit.record(actor=actor, action="end" if last_day else "reopen", obj=latest,
                 before=before, after=audit.snapshot(latest))
    return True
