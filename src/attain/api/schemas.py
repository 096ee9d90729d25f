"""The shapes the API returns (pydantic via django-ninja); money is a decimal string."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema


class Me(Schema):
    username: str
    role: str | None
    employee_id: str | None
    name: str | None


class PersonOut(Schema):
    employee_id: str
    name: str
    email: str
    role: str
    access_role: str
    hire_date: dt.date
    termination_date: dt.date | None
    region: str | None
    team: str | None


class TeamOut(Schema):
    code: str
    name: str
    region: str | None
    parent: str | None
    manager: str | None


class QuotaOut(Schema):
    id: int
    metric: str
    owner_type: str
    owner: str
    period: str
    period_start: dt.date
    period_end: dt.date
    amount: Decimal
    currency: str
    version: int
    status: str


class PlanVersionOut(Schema):
    number: int
    status: str
    valid_from: dt.date
    valid_to: dt.date | None
    note: str


class PlanOut(Schema):
    code: str
    name: str
    description: str
    versions: list[PlanVersionOut]


class PlanDocumentOut(Schema):
    code: str
    number: int
    status: str
    document: str


class RunOut(Schema):
    run_id: str
    period: str
    period_start: dt.date
    period_end: dt.date
    plan: str
    status: str
    fingerprint: str
    started_at: dt.datetime
    seconds: float | None
    counts: dict[str, int] | None
    totals: dict[str, str] | None


class EarningOut(Schema):
    payee_id: str
    component: str
    period: str
    credited: Decimal
    quota: Decimal | None
    attainment: Decimal | None
    earned: Decimal
    currency: str


class AuditOut(Schema):
    at: dt.datetime
    actor: str | None
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: dict | None
    after: dict | None
    reason: str


class Problem(Schema):
    detail: str
