"""API endpoints for the remaining thin spots: the statements list, starting a run and
reading its progress, resolving a dispute, the import history, and forecast calls.

Same rules as the pages (attain.web.access): a record the caller may not see answers 404
like one that does not exist; an action their role may not take answers 403.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.errors import HttpError

from attain.api import schemas
from attain.api.more_routes import disputes, statements
from attain.api.routes import runs
from attain.core import jobs as job_services
from attain.core.company import company_calendar
from attain.core.models import AuditEntry, Job
from attain.core.periods import Period, PeriodError
from attain.engine.models import CalculationRun, RunStatus
from attain.forecast import services as forecast_services
from attain.org.models import AccessRole, Person
from attain.payouts import disputes as dispute_services
from attain.payouts.errors import PayoutError
from attain.web import access
from attain.web import forecast as forecast_page
from attain.web import services as web_services

job_routes = Router(tags=["runs"])
import_history = Router(tags=["imports"])
forecast = Router(tags=["forecast"])


def _period(label: str) -> Period:
    try:
        return company_calendar().parse(label)
    except PeriodError as error:
        raise HttpError(422, str(error)) from None


@statements.get("", response={200: list[schemas.StatementSummaryOut], 404: schemas.Problem,
                              422: schemas.Problem},
                summary="Statements the caller may see, by period and payee")
def list_statements(request: HttpRequest, period: str | None = None,
                    payee: str | None = None) -> Any:
    """Each payee's earnings of the period's latest successful run (default: the newest
    calculated period), for the payees the caller may see on the period's last day; a payee
    they may not see answers 404."""
    runs_found = CalculationRun.objects.filter(status=RunStatus.SUCCEEDED)
    if period:
        runs_found = runs_found.filter(period=_period(period).label)
    run = runs_found.order_by("-period_end", "-started_at").first()
    if run is None:
        return []
    visible = access.visible_people(request.user, run.period_end)
    if payee is not None:
        if not access.can_see_money_of(request.user, payee, run.period_end):
            raise HttpError(404, "Not found.")
        visible = {payee}
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for summary in web_services.summaries(run, visible):
        totals[(summary.payee_id, summary.currency)] += summary.earned
    names = dict(Person.objects.filter(employee_id__in={key[0] for key in totals})
                 .values_list("employee_id", "name"))
    return [{"employee_id": employee_id, "name": names.get(employee_id, employee_id),
             "period": run.period, "currency": currency, "earned": earned,
             "run_id": run.run_id}
            for (employee_id, currency), earned in sorted(totals.items())]


def _job_out(job: Job) -> dict[str, Any]:
    return {"job_id": job.pk, "kind": job.kind, "status": job.status, "step": job.step,
            "fraction": job.fraction, "result": job.result or {}, "error": job.error,
            "created_at": job.created_at, "finished_at": job.finished_at}


@runs.post("", response={200: schemas.JobOut, 403: schemas.Problem, 422: schemas.Problem},
           summary="Start a calculation run (sales ops)")
def start_run(request: HttpRequest, payload: schemas.RunStartIn) -> Any:
    """Queue a calculation of ``period``; answers the job at once: follow it at
    ``/api/jobs/{job_id}`` until its status is succeeded (its result names the run) or
    failed."""
    if not access.is_admin(request.user):
        raise HttpError(403, "Only sales operations start runs.")
    period = _period(payload.period)
    job = job_services.start("calculate", {"period": period.label, "plan": payload.plan},
                             user=request.user)
    return _job_out(job)


@job_routes.get("/{job_id}", response={200: schemas.JobOut, 404: schemas.Problem},
                summary="A job's progress (a run or an import)")
def get_job(request: HttpRequest, job_id: int) -> Any:
    """Sales ops and finance read every job; others none (404)."""
    if not access.sees_company_money(request.user):
        raise HttpError(404, "Not found.")
    return _job_out(get_object_or_404(Job, pk=job_id))


@disputes.post("/{dispute_id}/resolve", response={200: schemas.DisputeOut,
                                                  403: schemas.Problem, 404: schemas.Problem,
                                                  422: schemas.Problem},
               summary="Resolve a dispute by an adjustment or reject it (manager, sales ops)")
def resolve_dispute(request: HttpRequest, dispute_id: int, payload: schemas.ResolveIn) -> Any:
    def visible() -> list[Any]:
        return [d for d in dispute_services.disputes(viewer=request.user)
                if d.dispute_id == dispute_id]

    if not visible():
        raise HttpError(404, "Not found.")
    try:
        if payload.action == "adjust":
            if payload.amount is None:
                raise PayoutError("an adjustment needs an amount")
            dispute_services.resolve_by_adjustment(actor=request.user, dispute_id=dispute_id,
                                                   amount=payload.amount,
                                                   reason=payload.reason)
        elif payload.action == "reject":
            dispute_services.reject(actor=request.user, dispute_id=dispute_id,
                                    reason=payload.reason)
        else:
            raise PayoutError(f"action is adjust or reject, not {payload.action!r}")
    except PermissionDenied as denied:
        raise HttpError(403, str(denied) or "Your role may not do this.") from None
    except PayoutError as error:
        raise HttpError(422, str(error)) from None
    return {k: v for k, v in vars(visible()[0]).items() if k != "history"}


@import_history.get("/history", response={200: list[schemas.ImportHistoryOut],
                                          403: schemas.Problem},
                    summary="Imports done and refused, newest first (sales ops)")
def list_imports(request: HttpRequest, kind: str | None = None,
                 limit: int = 100) -> Any:
    """Who imported which file when, and what it did: rows added, updated, unchanged and
    rejected; a refused file with its error count and first error."""
    if not access.is_admin(request.user):
        raise HttpError(403, "Only sales operations read the import history.")
    found = (AuditEntry.objects.filter(object_type__startswith="ingest.",
                                       action__in=["import", "import_rejected"])
             .select_related("actor").order_by("-at", "-id"))
    if kind:
        found = found.filter(object_type=f"ingest.{kind}")
    rows = []
    for entry in found[:max(1, min(limit, 1000))]:
        after = entry.after if isinstance(entry.after, dict) else {}

        def count(name: str, after: dict[str, Any] = after) -> int | None:
            value = after.get(name)
            return value if isinstance(value, int) else None

        rows.append({"at": entry.at, "user": entry.actor.get_username() if entry.actor
                     else None, "kind": entry.object_type.removeprefix("ingest."),
                     "file": str(after.get("file") or entry.object_repr),
                     "outcome": "rejected" if entry.action == "import_rejected"
                     else "imported",
                     "rows": count("rows"), "added": count("added"),
                     "updated": count("updated"), "unchanged": count("unchanged"),
                     "rejected": count("rejected"), "errors": count("errors"),
                     "first_error": entry.reason})
    return rows


def _call_rows(nodes: list[forecast_services.CallNode], period: Period) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def add(node: forecast_services.CallNode, manager: str | None) -> None:
        call = node.call
        rows.append({"employee_id": node.employee_id, "name": node.name, "manager": manager,
                     "level": node.level, "period": period.label,
                     "commit": call.commit if call else None,
                     "best_case": call.best_case if call else None,
                     "currency": call.currency if call else None,
                     "note": call.note if call else "",
                     "submitted_at": call.submitted_at if call else None,
                     "reports_commit": node.reports_commit,
                     "reports_best_case": node.reports_best_case,
                     "called": node.submitted, "people": node.size})
        for report in node.reports:
            add(report, node.employee_id)

    for root in nodes:
        add(root, None)
    return rows


def _forecast_period(period: str | None) -> Period:
    if period:
        return _period(period)
    return company_calendar().period_containing(dt.date.today(), "quarter")


@forecast.get("/calls", response={200: list[schemas.CallOut], 422: schemas.Problem},
              summary="Forecast calls in force, by level")
def list_calls(request: HttpRequest, period: str | None = None) -> Any:
    """The caller's own call and those of the people below them on the period's last day
    (or today), each with the sum of their direct reports' calls: a rep sees only their
    own, a manager their subtree, sales ops and finance everyone."""
    the_period = _forecast_period(period)
    day = min(dt.date.today(), the_period.end)
    if access.role_of(request.user) == AccessRole.EXECUTIVE:
        return []
    nodes = forecast_services.rollup(period=the_period,
                                     people=access.visible_people(request.user, day), day=day)
    return _call_rows(nodes, the_period)


@forecast.post("/calls", response={200: schemas.CallOut, 403: schemas.Problem,
                                   422: schemas.Problem},
               summary="Submit the caller's own call (reps and managers)")
def submit_call(request: HttpRequest, payload: schemas.CallIn) -> Any:
    person = access.person_of(request.user)
    if person is None or access.role_of(request.user) not in forecast_page.CALLERS:
        raise HttpError(403, "Reps and managers make forecast calls.")
    the_period = _period(payload.period)
    try:
        forecast_services.submit_call(person=person, period=the_period,
                                      commit=payload.commit, best_case=payload.best_case,
                                      note=payload.note, actor=request.user)
    except forecast_services.CallError as error:
        raise HttpError(422, error.message) from None
    day = min(dt.date.today(), the_period.end)
    nodes = forecast_services.rollup(period=the_period,
                                     people=access.visible_people(request.user, day), day=day)
    return next(row for row in _call_rows(nodes, the_period)
                if row["employee_id"] == person.employee_id)


@forecast.get("/history", response={200: list[schemas.CallWeekOut], 422: schemas.Problem},
              summary="The caller's call, as their level rolls it up, week by week")
def call_history(request: HttpRequest, period: str | None = None) -> Any:
    person = access.person_of(request.user)
    if person is None:
        return []
    the_period = _forecast_period(period)
    today = dt.date.today()
    visible = access.visible_people(request.user, min(today, the_period.end))
    return [vars(week) for week in forecast_services.weekly_history(
        period=the_period, employee_id=person.employee_id,
        people=None if visible is access.ALL else visible, today=today)]
