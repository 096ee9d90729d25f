"""Quota services. Plain functions; every change is written to the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction

from attain.core import audit
from attain.core.money import CENT
from attain.core.periods import DEFAULT_CALENDAR, FiscalCalendar
from attain.org.models import Person
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
