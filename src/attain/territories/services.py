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
from ibis.backends import BaseBackend

from attain.core import audit
from attain.core.dating import overlaps
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
