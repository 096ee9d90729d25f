"""The audit log: one helper writes every entry with who, when, what, before and after."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from attain.core import audit
from attain.core.models import AuditEntry
from attain.org.models import Region

pytestmark = pytest.mark.django_db


def test_a_change_is_recorded_with_actor_before_and_after() -> None:
    user = get_user_model().objects.create_user("ops", password="x")
    region = Region.objects.create(code="EMEA", name="Europe")
    before = audit.snapshot(region)
    region.name = "Europe, Middle East & Africa"
    region.save()
    audit.record(actor=user, action="update", obj=region, before=before,
                 after=audit.snapshot(region), reason="full name")
    entry = AuditEntry.objects.get()
    assert entry.actor == user
    assert entry.object_type == "org.Region" and entry.object_id == str(region.pk)
    assert entry.before["name"] == "Europe"
    assert entry.after["name"] == "Europe, Middle East & Africa"
    assert entry.reason == "full name"


def test_decimals_and_dates_are_kept_exactly_as_text() -> None:
    audit.record(actor=None, action="adjust", object_type="payouts.Adjustment",
                 after={"amount": Decimal("1234.50"), "on": dt.date(2026, 3, 31)})
    entry = AuditEntry.objects.get()
    assert entry.actor is None  # a system job
    assert entry.after == {"amount": "1234.50", "on": "2026-03-31"}
