"""The API's endpoints, thin: check access, call services, return schemas."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.errors import HttpError

from attain.api import schemas
from attain.core.models import AuditEntry
from attain.engine.models import CalculationRun, RunStatus
from attain.org.models import AccessRole, Person, Team, TeamManager, TeamMembership
from attain.targets.models import Quota
from attain.web import access
from attain.web import services as web_services

me = Router(tags=["me"])
people = Router(tags=["people"])
teams = Router(tags=["teams"])
quotas = Router(tags=["quotas"])
plans = Router(tags=["plans"])
runs = Router(tags=["runs"])
audit_log = Router(tags=["audit"])


def _day(on: dt.date | None) -> dt.date:
    return on or dt.date.today()


def _active(field: str, day: dt.date) -> Q:
    return (Q(**{f"{field}valid_from__lte": day})
            & (Q(**{f"{field}valid_to__isnull": True}) | Q(**{f"{field}valid_to__gte": day})))


def _require(allowed: bool) -> None:
    if not allowed:
        raise HttpError(403, "Your role may not do this.")


@me.get("/me", response=schemas.Me, summary="Who the caller is")
def who_am_i(request: HttpRequest) -> dict[str, Any]:
    person = access.person_of(request.user)
    return {"username": request.user.get_username(), "role": access.role_of(request.user),
            "employee_id": person.employee_id if person else None,
            "name": person.name if person else None}


def _people(request: HttpRequest, day: dt.date) -> Any:
    visible = access.visible_directory(request.user, day)
    found = Person.objects.select_related("region").prefetch_related(
        Prefetch("memberships", queryset=TeamMembership.objects.filter(_active("", day))
                 .select_related("team"), to_attr="current"))
    return found if visible is access.ALL else found.filter(employee_id__in=visible)


def _person_out(person: Person) -> dict[str, Any]:
    current = getattr(person, "current", [])
    return {"employee_id": person.employee_id, "name": person.name, "email": person.email,
            "role": person.role, "access_role": person.access_role,
            "hire_date": person.hire_date, "termination_date": person.termination_date,
            "region": person.region.code if person.region else None,
            "team": current[0].team.code if current else None}


@people.get("", response=list[schemas.PersonOut], summary="People the caller may see")
def list_people(request: HttpRequest, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Reps see themselves, managers the people below them on ``on`` (default today),
    admins, finance and executives everyone."""
    return [_person_out(p) for p in _people(request, _day(on))]


@people.get("/{employee_id}", response={200: schemas.PersonOut, 404: schemas.Problem})
def get_person(request: HttpRequest, employee_id: str,
               on: dt.date | None = None) -> dict[str, Any]:
    return _person_out(get_object_or_404(_people(request, _day(on)), employee_id=employee_id))


@teams.get("", response=list[schemas.TeamOut], summary="Teams, their parent and manager")
def list_teams(request: HttpRequest, on: dt.date | None = None) -> list[dict[str, Any]]:
    day = _day(on)
    found = Team.objects.select_related("region", "parent").prefetch_related(
        Prefetch("managers", queryset=TeamManager.objects.filter(_active("", day))
                 .select_related("person"), to_attr="current"))
    return [{"code": t.code, "name": t.name, "region": t.region.code if t.region else None,
             "parent": t.parent.code if t.parent else None,
             "manager": t.current[0].person.employee_id if t.current else None}
            for t in found]


@quotas.get("", response=list[schemas.QuotaOut], summary="Quotas the caller may see")
def list_quotas(request: HttpRequest, period: str | None = None,
                on: dt.date | None = None) -> list[dict[str, Any]]:
    """A person's quota is visible to whoever may see their money; team and region quotas
    to everyone but reps."""
    visible = access.visible_people(request.user, _day(on))
    found = Quota.objects.select_related("person", "team", "region").order_by(
        "period_start", "owner_type", "id")
    if period:
        found = found.filter(period=period)
    if visible is not access.ALL:
        rule = Q(person__employee_id__in=visible)
        if access.role_of(request.user) != AccessRole.REP:
            rule |= Q(person__isnull=True)
        found = found.filter(rule)
    rows = []
    for q in found:
        owner = (q.person.employee_id if q.person else q.team.code if q.team
                 else q.region.code if q.region else "company")
        rows.append({"id": q.id, "metric": q.metric, "owner_type": q.owner_type,
                     "owner": owner, "period": q.period, "period_start": q.period_start,
                     "period_end": q.period_end, "amount": q.amount, "currency": q.currency,
                     "version": q.version, "status": q.status})
    return rows


def _plans(request: HttpRequest, day: dt.date) -> Any:
    return access.visible_plans(request.user, day).prefetch_related("versions")


@plans.get("", response=list[schemas.PlanOut], summary="Comp plans and their versions")
def list_plans(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"code": p.code, "name": p.name, "description": p.description,
             "versions": [{"number": v.number, "status": v.status, "valid_from": v.valid_from,
                           "valid_to": v.valid_to, "note": v.note}
                          for v in sorted(p.versions.all(), key=lambda v: v.number)]}
            for p in _plans(request, dt.date.today())]


@plans.get("/{code}/versions/{number}", response={200: schemas.PlanDocumentOut,
                                                  404: schemas.Problem})
def get_plan_version(request: HttpRequest, code: str, number: int) -> dict[str, Any]:
    plan = get_object_or_404(_plans(request, dt.date.today()), code=code)
    version = get_object_or_404(plan.versions, number=number)
    return {"code": plan.code, "number": version.number, "status": version.status,
            "document": version.document}


def _run_out(run: CalculationRun, money: bool) -> dict[str, Any]:
    return {"run_id": run.run_id, "period": run.period, "period_start": run.period_start,
            "period_end": run.period_end, "plan": run.plan, "status": run.status,
            "fingerprint": run.fingerprint, "started_at": run.started_at,
            "seconds": run.seconds, "counts": run.counts if money else None,
            "totals": run.totals if money else None}


@runs.get("", response=list[schemas.RunOut], summary="Calculation runs, newest first")
def list_runs(request: HttpRequest, period: str | None = None,
              limit: int = 50) -> list[dict[str, Any]]:
    """Company totals are shown to finance and sales ops only."""
    found = CalculationRun.objects.order_by("-started_at", "-id")
    if period:
        found = found.filter(period=period)
    money = access.sees_company_money(request.user)
    return [_run_out(r, money) for r in found[:max(1, min(limit, 500))]]


@runs.get("/{run_id}", response={200: schemas.RunOut, 404: schemas.Problem})
def get_run(request: HttpRequest, run_id: str) -> dict[str, Any]:
    found = get_object_or_404(CalculationRun, run_id=run_id)
    return _run_out(found, access.sees_company_money(request.user))


@runs.get("/{run_id}/earnings", response={200: list[schemas.EarningOut],
                                          404: schemas.Problem})
def run_earnings(request: HttpRequest, run_id: str,
                 payee: str | None = None) -> list[dict[str, Any]]:
    """Per payee × component: credited, quota, attainment and earned, for the payees the
    caller may see on the run's last day; asking for another payee answers 404."""
    found = get_object_or_404(CalculationRun, run_id=run_id, status=RunStatus.SUCCEEDED)
    visible = access.visible_people(request.user, found.period_end)
    if payee is not None:
        if not access.can_see_money_of(request.user, payee, found.period_end):
            raise HttpError(404, "Not found.")
        visible = {payee}
    return [vars(s) for s in web_services.summaries(found, visible)]


@audit_log.get("", response=list[schemas.AuditOut], summary="The audit log, newest first")
def list_audit(request: HttpRequest, object_type: str | None = None,
               limit: int = 100) -> list[dict[str, Any]]:
    _require(access.sees_company_money(request.user))
    found = AuditEntry.objects.select_related("actor").order_by("-at", "-id")
    if object_type:
        found = found.filter(object_type=object_type)
    return [{"at": e.at, "actor": e.actor.get_username() if e.actor else None,
             "action": e.action, "object_type": e.object_type, "object_id": e.object_id,
             "object_repr": e.object_repr, "before": e.before, "after": e.after,
             "reason": e.reason} for e in found[:max(1, min(limit, 1000))]]
