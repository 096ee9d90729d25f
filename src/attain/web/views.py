"""Pages. Views stay thin: they check access, call services and render."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from attain.org.models import AccessRole, Person
from attain.web import access
from attain.web import forecast as forecast_page
from attain.web import home as home_services
from attain.web import services as web_services
from attain.web.decorators import roles


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def _display(summary: web_services.ComponentSummary, names: dict[str, str],
             day: dt.date) -> dict[str, Any]:
    row = asdict(summary)
    row["name"] = names.get(summary.payee_id, summary.payee_id)
    row.update(home_services.progress(summary, day=day))
    return row


def _to_do(person: Person | None, role: str | None, run: Any,
           visible_today: set[str] | None) -> dict[str, Any]:
    """What waits for this person: their goals, open disputes (of the people they may see
    today), pay runs to approve."""
    from attain.payouts.models import Dispute, DisputeState, PayRun, RunState
    from attain.targets.models import Goal, StatusRecord

    context: dict[str, Any] = {}
    if person is not None:
        goals = list(Goal.objects.filter(person=person).order_by("period_end")[:6])
        latest: dict[int, StatusRecord] = {}
        for record in StatusRecord.objects.filter(goal__in=goals).order_by("day", "id"):
            if record.goal_id is not None:
                latest[record.goal_id] = record
        context["my_goals"] = [{"goal": g, "status": latest.get(g.pk)} for g in goals]
        if run is not None and role in (AccessRole.REP, AccessRole.MANAGER):
            context["statement_url"] = f"/statements/{person.employee_id}/{run.period}/"
    if role in (AccessRole.MANAGER, AccessRole.ADMIN, AccessRole.REP):
        open_disputes = Dispute.objects.filter(state=DisputeState.OPEN)
        if visible_today is not access.ALL:
            open_disputes = open_disputes.filter(employee_id__in=visible_today)
        context["open_disputes"] = open_disputes.count()
    waits: dict[str, str] = {AccessRole.MANAGER: RunState.CALCULATED,
                             AccessRole.ADMIN: RunState.CALCULATED,
                             AccessRole.FINANCE: RunState.MANAGER_APPROVED}
    waiting = waits.get(role or "")
    if waiting is not None:
        context["approvals_waiting"] = list(PayRun.objects.filter(state=waiting)
                                            .values_list("period", flat=True))
    return context


@login_required
def home(request: HttpRequest) -> HttpResponse:
    today = dt.date.today()
    person = access.person_of(request.user)
    role = access.role_of(request.user)
    run = web_services.current_run(today)
    context: dict[str, Any] = {
        "person": person, "role": role, "run": run,
        "role_label": dict(AccessRole.choices).get(role or "", ""),
    }
    sells = person is not None and role in (AccessRole.REP, AccessRole.MANAGER)
    visible_today = access.visible_people(request.user, today)
    if run is not None:
        day = min(today, run.period_end)
        context["day"] = day
        visible = (visible_today if day == today
                   else access.visible_people(request.user, day))
        if person is not None and sells:
            rows = web_services.summaries(run, visible)
            names = dict(Person.objects.filter(employee_id__in={r.payee_id for r in rows})
                         .values_list("employee_id", "name"))
            mine = [r for r in rows if r.payee_id == person.employee_id]
            mine = home_services.not_started(run=run, employee_id=person.employee_id,
                                             present=mine) + mine
            context["mine"] = [
                _display(r, names, day) | {"next_tier": home_services.next_tier(r)}
                for r in mine]
            context["team"] = home_services.team_rows(
                [_display(r, names, day) for r in rows if r.payee_id != person.employee_id])
            context["year_to_date"] = home_services.plan_year_earnings(
                run=run, employee_id=person.employee_id)
            if role == AccessRole.REP:
                context["standing_url"] = reverse("home-standing")
        if person is not None and role == AccessRole.MANAGER and visible is not access.ALL:
            context["behind"] = home_services.behind(people=visible - {person.employee_id},
                                            since=run.period_start)
            context["forecast_url"] = reverse("home-forecast")
        if role in (AccessRole.ADMIN, AccessRole.FINANCE):
            context["totals"] = sorted(run.totals.items())
    if role in (AccessRole.ADMIN, AccessRole.FINANCE):
        context["runs"] = web_services.latest_runs()
        context["pay_runs"] = home_services.pay_runs()
    if role == AccessRole.EXECUTIVE:
        context["dashboard"] = True
    context.update(_to_do(person, role, run, visible_today))
    if sells and run is not None:
        context["products"] = home_services.products()
        context["estimate_day"] = min(today, run.period_end).isoformat()
    return render(request, "web/home.html", context)


@login_required
def home_standing(request: HttpRequest) -> HttpResponse:
    """The rep's place on the bookings leaderboard (a partial: the first reading of the
    quarter's ranking takes a catalog query, so the home page does not wait for it)."""
    person = access.person_of(request.user)
    run = web_services.current_run(dt.date.today())
    found = (home_services.standing(run=run, employee_id=person.employee_id)
             if person is not None and run is not None else None)
    return render(request, "web/_home_standing.html", {"standing": found, "run": run})


@roles(AccessRole.MANAGER)
def home_forecast(request: HttpRequest) -> HttpResponse:
    """The manager's forecast roll-up tile (a partial, like the standing)."""
    person = access.person_of(request.user)
    run = web_services.current_run(dt.date.today())
    found = None
    day = dt.date.today()
    if person is not None and run is not None:
        day = min(dt.date.today(), run.period_end)
        visible = access.visible_people(request.user, day)
        team = set() if visible is access.ALL else visible
        found = home_services.forecast(run=run, manager_id=person.employee_id, team=team)
    calls = None
    if person is not None:
        calls = forecast_page.my_calls(request.user, person.employee_id, dt.date.today(), day)
    return render(request, "web/_home_forecast.html", {"forecast": found, "calls": calls})
