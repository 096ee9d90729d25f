"""The shapes the API returns (pydantic via django-ninja); money is a decimal string."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema


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


class StatementLineOut(Schema):
    number: int
    kind: str
    component: str
    booked_on: dt.date | None
    transaction_id: str | None
    deal: str | None
    account: str | None
    credit_rule: str | None
    share: Decimal | None
    credited: Decimal | None
    tier: int | None
    rate: Decimal | None
    amount: Decimal
    currency: str
    text: str


class ComponentHeadlineOut(Schema):
    component: str
    period: str
    credited: Decimal
    quota: Decimal | None
    attainment: Decimal | None
    pace: Decimal | None


class PayoutLineOut(Schema):
    kind: str
    label: str
    amount: Decimal
    description: str


class StatementOut(Schema):
    employee_id: str
    name: str
    period: str
    currency: str
    run_id: str
    pay_run_state: str
    earned: Decimal
    payable: Decimal | None
    paid: Decimal | None
    components: list[ComponentHeadlineOut]
    lines: list[StatementLineOut]
    payout: list[PayoutLineOut]


class MetricOut(Schema):
    name: str
    label: str
    description: str
    formula: str
    unit: str
    direction: str
    dimensions: list[str]


class MetricRowsOut(Schema):
    metric: str
    columns: list[str]
    rows: list[dict]


class GoalOut(Schema):
    key: str
    title: str
    metric: str
    owner: str
    period_start: dt.date
    period_end: dt.date
    target_value: Decimal
    baseline_value: Decimal | None
    direction: str
    document: str


class VerdictOut(Schema):
    criterion: str
    outcome: str
    reasons: list[str]


class GoalCheckOut(Schema):
    passed: bool
    verdicts: list[VerdictOut]
    target: Decimal | None
    baseline: Decimal | None
    saved: bool


class GoalIn(Schema):
    document: str
    save: bool = False


class DisputeOut(Schema):
    dispute_id: int
    employee_id: str
    period: str
    line_number: int
    line_text: str
    comment: str
    state: str
    raised_on: dt.date
    age_days: int
    adjustment: Decimal | None


class DisputeIn(Schema):
    employee_id: str
    period: str
    line_number: int
    comment: str


class ApprovalOut(Schema):
    employee_id: str
    level: str
    approved_by: str
    approved_at: dt.datetime


class ApproveIn(Schema):
    level: str
    employee_ids: list[str] | None = None


class ImportIssueOut(Schema):
    file: str
    row: int
    column: str
    value: str
    reason: str


class ImportReportOut(Schema):
    kind: str
    file: str
    dry_run: bool
    ok: bool
    rows: int
    added: int
    updated: int
    unchanged: int
    skipped: int
    rejected: int
    error_count: int
    errors: list[ImportIssueOut]
    notes: list[str]
    loaded: bool


class StatementSummaryOut(Schema):
    employee_id: str
    name: str
    period: str
    currency: str
    earned: Decimal
    run_id: str


class RunStartIn(Schema):
    period: str
    plan: str = ""


class JobOut(Schema):
    job_id: int
    kind: str
    status: str
    step: str
    fraction: float
    result: dict[str, Any]
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


class ResolveIn(Schema):
    action: str = Field(description="adjust (pay or take back an amount) or reject")
    reason: str
    amount: Decimal | None = Field(default=None, description="for adjust: the adjustment")


class ImportHistoryOut(Schema):
    at: dt.datetime
    user: str | None
    kind: str
    file: str
    outcome: str = Field(description="imported, or rejected (nothing was loaded)")
    rows: int | None
    added: int | None
    updated: int | None
    unchanged: int | None
    rejected: int | None
    errors: int | None
    first_error: str


class CallIn(Schema):
    period: str
    commit: Decimal
    best_case: Decimal
    note: str = ""


class CallOut(Schema):
    employee_id: str
    name: str
    manager: str | None = Field(description="who they report to directly on the day, when "
                                            "the caller may see them")
    level: int
    period: str
    commit: Decimal | None
    best_case: Decimal | None
    currency: str | None
    note: str
    submitted_at: dt.datetime | None
    reports_commit: Decimal = Field(description="sum of their direct reports' calls (each "
                                                "level's own call, else its people's sum)")
    reports_best_case: Decimal
    called: int = Field(description="how many in their subtree (them included) made a call")
    people: int


class CallWeekOut(Schema):
    week: dt.date
    commit: Decimal
    best_case: Decimal
    calls: int
