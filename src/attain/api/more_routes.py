"""API endpoints over the payout, metric, goal and import services (same rules as pages)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import File, Form, Router
from ninja.errors import HttpError
from ninja.files import UploadedFile

from attain import metrics
from attain.api import schemas
from attain.ingest import kinds as ingest_kinds
from attain.ingest import services as ingest
from attain.metrics import MetricError
from attain.org.models import AccessRole
from attain.payouts import disputes as dispute_services
from attain.payouts import lifecycle
from attain.payouts import statements as statement_services
from attain.payouts.errors import PayoutError
from attain.targets import services as target_services
from attain.targets.goals import GoalErrors
from attain.web import access, kpis
from attain.web import goals as goal_services

statements = Router(tags=["statements"])
metric_routes = Router(tags=["metrics"])
goals = Router(tags=["goals"])
disputes = Router(tags=["disputes"])
payruns = Router(tags=["pay runs"])
imports = Router(tags=["imports"])


@statements.get("/{employee_id}/{period}", response={200: schemas.StatementOut,
                                                     404: schemas.Problem})
def get_statement(request: HttpRequest, employee_id: str, period: str) -> Any:
    """One payee's statement with every line explained; 404 for one the caller may not see."""
    try:
        found = statement_services.statement(viewer=request.user, employee_id=employee_id,
                                             period=period)
    except PermissionDenied:
        raise HttpError(404, "Not found.") from None
    except (PayoutError, IndexError) as error:
        raise HttpError(404, str(error)) from None
    return dataclasses.asdict(found)


@metric_routes.get("", response=list[schemas.MetricOut], summary="The metric catalog")
def list_metrics(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"name": m.name, "label": m.label, "description": m.description,
             "formula": m.formula, "unit": m.unit, "direction": m.direction,
             "dimensions": list(m.dimensions)} for m in metrics.catalog()]


@metric_routes.get("/{name}", response={200: schemas.MetricRowsOut, 404: schemas.Problem,
                                        422: schemas.Problem})
def query_metric(request: HttpRequest, name: str, grain: str = "quarter",
                 start: dt.date | None = None, end: dt.date | None = None,
                 by: str = "", compare: str = "") -> Any:
    """A metric cut ``by`` comma-separated dimensions; the person cut shows only the people
    the caller may see."""
    try:
        metrics.get(name)
    except MetricError as error:
        raise HttpError(404, str(error)) from None
    if grain not in metrics.GRAINS or compare not in kpis.COMPARISONS:
        raise HttpError(422, f"grain is one of {', '.join(metrics.GRAINS)}; compare one of "
                             "prior, yoy, benchmark")
    today = dt.date.today()
    result = kpis.explore(request.user, name=name,
                          by=[d.strip() for d in by.split(",") if d.strip()], grain=grain,
                          start=start or dt.date(today.year, 1, 1), end=end or today,
                          compare=compare)
    if result.error:
        raise HttpError(422, result.error)
    return {"metric": name, "columns": result.columns,
            "rows": [{k: (str(v) if v is not None and not isinstance(v, str | int) else v)
                      for k, v in row.items()} for row in result.rows]}


def _goal_out(goal: Any) -> dict[str, Any]:
    return {"key": goal.key, "title": goal.title, "metric": goal.metric,
            "owner": target_services.owner_of(goal), "period_start": goal.period_start,
            "period_end": goal.period_end, "target_value": goal.target_value,
            "baseline_value": goal.baseline_value, "direction": goal.direction,
            "document": goal.document}


@goals.get("", response=list[schemas.GoalOut], summary="Goals the caller may see")
def list_goals(request: HttpRequest) -> list[dict[str, Any]]:
    return [_goal_out(g) for g in goal_services.visible_goals(request.user, dt.date.today())]


@goals.post("", response={200: schemas.GoalCheckOut, 403: schemas.Problem,
                          422: schemas.Problem})
def check_goal(request: HttpRequest, payload: schemas.GoalIn) -> Any:
    """The SMART verdicts on a goal document; with ``save``, store it when it passes."""
    try:
        report = target_services.check_goal(payload.document)
    except GoalErrors as errors:
        raise HttpError(422, "; ".join(str(e) for e in errors.errors)) from None
    owner = report.goal.owner if isinstance(report.goal.owner, str) else ""
    saved = False
    if payload.save and report.passed:
        if not goal_services.may_set(request.user, owner, dt.date.today()):
            raise HttpError(403, f"you may not set a goal for {owner}")
        target_services.save_goal(payload.document, user=request.user)
        saved = True
    return {"passed": report.passed, "target": report.target, "baseline": report.baseline,
            "saved": saved,
            "verdicts": [{"criterion": v.criterion, "outcome": v.outcome,
                          "reasons": list(v.reasons)} for v in report.verdicts]}


@disputes.get("", response=list[schemas.DisputeOut], summary="Disputes the caller may see")
def list_disputes(request: HttpRequest, state: str | None = None) -> list[dict[str, Any]]:
    return [{k: v for k, v in dataclasses.asdict(d).items() if k != "history"}
            for d in dispute_services.disputes(viewer=request.user, state=state)]


@disputes.post("", response={200: schemas.DisputeOut, 404: schemas.Problem,
                             422: schemas.Problem})
def raise_dispute(request: HttpRequest, payload: schemas.DisputeIn) -> Any:
    try:
        dispute = dispute_services.raise_dispute(
            actor=request.user, employee_id=payload.employee_id, period=payload.period,
            line_number=payload.line_number, comment=payload.comment)
    except PermissionDenied:
        raise HttpError(404, "Not found.") from None
    except PayoutError as error:
        raise HttpError(422, str(error)) from None
    found = [d for d in dispute_services.disputes(viewer=request.user)
             if d.dispute_id == dispute.pk]
    return {k: v for k, v in dataclasses.asdict(found[0]).items() if k != "history"}


@payruns.get("/{period}/approvals", response={200: list[schemas.ApprovalOut],
                                              403: schemas.Problem, 404: schemas.Problem})
def list_approvals(request: HttpRequest, period: str) -> Any:
    if access.role_of(request.user) not in (AccessRole.ADMIN, AccessRole.FINANCE,
                                            AccessRole.MANAGER):
        raise HttpError(403, "Your role may not do this.")
    try:
        rows = lifecycle.approvals(period=period)
    except PayoutError as error:
        raise HttpError(404, str(error)) from None
    visible = access.visible_people(request.user, dt.date.today())
    return [{"employee_id": e, "level": level, "approved_by": who, "approved_at": at}
            for e, level, who, at in rows if visible is access.ALL or e in visible]


@payruns.post("/{period}/approve", response={200: list[str], 403: schemas.Problem,
                                              422: schemas.Problem})
def approve(request: HttpRequest, period: str, payload: schemas.ApproveIn) -> Any:
    """Approve payees of a pay run at a level (manager, then finance); returns who was newly
    approved."""
    try:
        return lifecycle.approve(period=period, actor=request.user, level=payload.level,
                                 employee_ids=payload.employee_ids)
    except PermissionDenied as denied:
        raise HttpError(403, str(denied) or "Your role may not do this.") from None
    except PayoutError as error:
        raise HttpError(422, str(error)) from None


@imports.post("", response={200: schemas.ImportReportOut, 403: schemas.Problem,
                            422: schemas.Problem})
def import_file(request: HttpRequest, kind: Form[str], file: File[UploadedFile],
                dry_run: Form[bool] = False) -> Any:
    """Import a file (sales ops): all or nothing, every error with its row and column."""
    if not access.is_admin(request.user):
        raise HttpError(403, "Only sales operations import data.")
    if kind not in ingest_kinds.KINDS_BY_NAME:
        raise HttpError(422, f"unknown kind {kind!r}")
    folder = Path(tempfile.mkdtemp(prefix="attain-api-import-"))
    path = folder / Path(file.name or "upload").name
    with path.open("wb") as out:
        for chunk in file.chunks():
            out.write(chunk)
    report = ingest.import_file(kind, path, dry_run=dry_run, user=request.user,
                                file_name=file.name)
    return report.to_json()
