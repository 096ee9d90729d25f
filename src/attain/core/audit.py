"""The one helper that writes the audit log.

Every change to plans, quotas, people, territories, adjustments and approvals calls
:func:`record` inside the same database transaction as the change, so the log and the data
can never disagree.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models

from attain.core.models import AuditEntry


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The concrete field values of a model instance, JSON-ready (foreign keys as ids)."""
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        values[field.attname] = _jsonable(getattr(obj, field.attname))
    return values


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """Write one audit entry. ``actor`` is a user (or None for a system job)."""
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        reason=reason,
    )
