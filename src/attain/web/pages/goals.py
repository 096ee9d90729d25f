"""Goals: list and monitoring, a SMART goal builder that gives the verdicts as you type,
check-ins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from attain import metrics
from attain.core.company import company_calendar
from attain.targets import services as target_services
from attain.targets.goals import GoalErrors
from attain.targets.models import StatusRecord
from attain.web import access
from attain.web import goals as goal_services


@login_required
def goals(request: HttpRequest) -> HttpResponse:
    today = dt.date.today()
    found = list(goal_services.visible_goals(request.user, today))
    latest: dict[int, Any] = {}
    for record in StatusRecord.objects.filter(goal__in=found).order_by("day", "id"):
        if record.goal_id is not None:
            latest[record.goal_id] = record  # the newest wins
    return render(request, "web/goals.html", {
        "rows": [{"goal": g, "status": latest.get(g.pk)} for g in found]})


def _defaults(user: Any) -> dict[str, str]:
    person = access.person_of(user)
    quarter = company_calendar().period_containing(dt.date.today(), "quarter")
    return {"owner": f"person:{person.employee_id}" if person else "company",
            "period": quarter.label, "metric": "revenue", "check_ins": "monthly"}


def _verdicts(user: Any, fields: dict[str, str]) -> dict[str, Any]:
    text = goal_services.compose(fields)
    context: dict[str, Any] = {"document": text}
    if not text:
        return context
    owner = fields.get("owner", "").strip()
    if owner and not goal_services.may_set(user, owner, dt.date.today()):
        context["problem"] = f"you may not set a goal for {owner}"
        return context
    try:
        context["report"] = target_services.check_goal(text, source="goal")
    except GoalErrors as errors:
        context["errors"] = errors.errors
    return context


@login_required
def new(request: HttpRequest) -> HttpResponse:
    fields = {name: request.POST.get(name, "") for name in goal_services.FIELDS} \
        if request.method == "POST" else _defaults(request.user)
    context: dict[str, Any] = {"fields": fields, "catalog": metrics.catalog(),
                               **_verdicts(request.user, fields)}
    if request.method != "POST":
        return render(request, "web/goal_new.html", context)
    if "problem" not in context and "errors" not in context:
        try:
            goal = target_services.save_goal(context["document"], user=request.user)
        except target_services.GoalRejected as rejected:
            context["report"] = rejected.report
        except (GoalErrors, ValueError) as error:
            context["problem"] = str(error)
        else:
            messages.success(request, f"Saved the goal {goal.title or goal.key}.")
            return redirect("goal", key=goal.key)
    return render(request, "web/goal_new.html", context, status=422)


@login_required
@require_POST
def check(request: HttpRequest) -> HttpResponse:
    fields = {name: request.POST.get(name, "") for name in goal_services.FIELDS}
    return render(request, "web/_goal_verdicts.html", _verdicts(request.user, fields))


@login_required
def goal(request: HttpRequest, key: str) -> HttpResponse:
    today = dt.date.today()
    found = goal_services.visible_goals(request.user, today).filter(key=key).first()
    if found is None:
        raise Http404("no such goal, or not one you may see")
    if request.method == "POST":
        try:
            target_services.record_check_in(
                goal=found, author=access.person_of(request.user), day=today,
                comment=request.POST.get("comment", ""),
                confidence=int(request.POST.get("confidence") or -1), user=request.user)
        except ValueError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Check-in recorded.")
        return redirect("goal", key=key)
    return render(request, "web/goal.html", {
        "goal": found, "statuses": goal_services.monitoring(found, today),
        "history": found.statuses.order_by("-day", "-id")[:20],
        "check_ins": found.check_ins.select_related("author").order_by("-day", "-id")[:20]})
