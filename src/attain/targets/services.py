"""Quota services. Plain functions; every change is written to the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction

from attain.core import audit
from attain.core.money import CENT
from attain.core.periods import DEFAULT_CALENDAR, FiscalCalendar
from attain.org.models import Person, Region, Team
from attain.targets.models import OwnerType, Quota, QuotaStatus
from attain.warehouse.demo import DemoQuota


@transaction.atomic
def load_person_quotas(*, quotas: Iterable[DemoQuota], calendar: FiscalCalendar = DEFAULT_CALENDAR,
                       actor: object = None) -> int:
    """Replace every person quota with ``quotas`` (approved, version 1): the demo loader."""
    people = dict(Person.objects.values_list("employee_id", "id"))
    Quota.objects.filter(owner_type=OwnerType.PERSON).delete()
    rows = []
    for quota in quotas:
        period = calendar.parse(quota.period)
        rows.append(Quota(
            metric=quota.metric, owner_type=OwnerType.PERSON, person_id=people[quota.person_id],
            period=period.label, period_start=period.start, period_end=period.end,
            amount=Decimal(quota.amount_cents) * CENT, currency=quota.currency,
            status=QuotaStatus.APPROVED,
        ))
    Quota.objects.bulk_create(rows, batch_size=2000)
    audit.record(actor=actor, action="load", object_type="targets.Quota",
                 object_repr="demo quotas", after={"quotas": len(rows)})
    return len(rows)


@transaction.atomic
def upsert_quotas(*, rows: Iterable[dict[str, Any]],
                  calendar: FiscalCalendar = DEFAULT_CALENDAR,
                  actor: object = None) -> tuple[int, int, int]:
    """Quotas by (metric, owner, period) (the quotas import); returns (added, updated,
    unchanged). A changed amount, currency or status makes a new version; the old stays."""
    added = updated = unchanged = 0
    for row in rows:
        period = calendar.parse(row["period"])
        owner: dict[str, Any] = {"person": None, "team": None, "region": None}
        if row["owner_type"] == OwnerType.PERSON:
            owner["person"] = Person.objects.get(employee_id=row["owner"])
        elif row["owner_type"] == OwnerType.TEAM:
            owner["team"] = Team.objects.get(code=row["owner"])
        elif row["owner_type"] == OwnerType.REGION:
            owner["region"] = Region.objects.get(code=row["owner"])
        latest = (Quota.objects.filter(metric=row["metric"], owner_type=row["owner_type"],
                                       period=period.label, **owner)
                  .order_by("-version").first())
        status = row.get("status") or QuotaStatus.APPROVED
        if latest is not None and (latest.amount, latest.currency, latest.status) == (
                row["amount"], row["currency"], status):
            unchanged += 1
            continue
        quota = Quota.objects.create(
            metric=row["metric"], owner_type=row["owner_type"], period=period.label,
            period_start=period.start, period_end=period.end, amount=row["amount"],
            currency=row["currency"], status=status,
            version=1 if latest is None else latest.version + 1, **owner)
        audit.record(actor=actor, action="import", obj=quota,
                     before=audit.snapshot(latest) if latest else None,
                     after=audit.snapshot(quota))
        if latest is None:
            added += 1
        else:
            updated += 1
    return added, updated, unchanged
