"""Pages. Views stay thin: they check access, call services and render."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from attain.org.models import AccessRole, Person
from attain.web import access
from attain.web import services as web_services
from attain.web.pages import estimator


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def _display(summary: web_services.ComponentSummary, names: dict[str, str]) -> dict[str, Any]:
    row = asdict(summary)
    row["name"] = names.get(summary.payee_id, summary.payee_id)
    if summary.attainment is not None:
        pct = summary.attainment * 100
        row["attainment_pct"] = pct
        row["bar"] = min(Decimal(100), max(Decimal(0), pct)).quantize(Decimal("0.1"))
    return row


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
    if run is not None:
        day = min(today, run.period_end)
        visible = access.visible_people(request.user, day)
        if person is not None and role in (AccessRole.REP, AccessRole.MANAGER):
            rows = web_services.summaries(run, visible)
            names = dict(Person.objects.filter(employee_id__in={r.payee_id for r in rows})
                         .values_list("employee_id", "name"))
            context["mine"] = [_display(r, names) for r in rows
                               if r.payee_id == person.employee_id]
            context["team"] = [_display(r, names) for r in rows
                               if r.payee_id != person.employee_id]
        if role in (AccessRole.ADMIN, AccessRole.FINANCE):
            context["totals"] = sorted(run.totals.items())
    if role in (AccessRole.ADMIN, AccessRole.FINANCE, AccessRole.EXECUTIVE):
        context["runs"] = web_services.latest_runs()
    if person is not None and role in (AccessRole.REP, AccessRole.MANAGER) and run is not None:
        context["products"] = estimator.products()
        context["estimate_day"] = min(today, run.period_end).isoformat()
    return render(request, "web/home.html", context)
