"""Calculation runs: the list, starting one (sales ops) and following its progress."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from attain.core import jobs
from attain.core.company import company_calendar
from attain.core.models import Job
from attain.core.periods import PeriodError
from attain.engine.models import CalculationRun
from attain.org.models import AccessRole
from attain.plans.models import Plan
from attain.web import access
from attain.web.decorators import is_htmx, roles


def _quarters(today: dt.date) -> list[str]:
    """This fiscal year's and last year's quarters, newest first."""
    current = company_calendar().period_containing(today, "quarter")
    labels = [current.label]
    for _ in range(7):
        current = current.prior()
        labels.append(current.label)
    return labels


@roles(AccessRole.ADMIN, AccessRole.FINANCE, AccessRole.EXECUTIVE)
def runs(request: HttpRequest) -> HttpResponse:
    found = CalculationRun.objects.select_related("created_by").order_by("-started_at", "-id")
    return render(request, "web/runs.html", {
        "runs": found[:100], "money": access.sees_company_money(request.user),
        "can_start": access.is_admin(request.user), "quarters": _quarters(dt.date.today()),
        "plans": Plan.objects.order_by("name"),
        "jobs": Job.objects.filter(kind="calculate").select_related("requested_by")[:5]})


@roles(AccessRole.ADMIN)
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    period = request.POST.get("period", "")
    try:
        company_calendar().parse(period)
    except PeriodError as error:
        return render(request, "web/runs.html", {"error": str(error), "runs": []}, status=422)
    job = jobs.start("calculate", {"period": period, "plan": request.POST.get("plan", "")},
                     user=request.user)
    return redirect("job", job_id=job.pk)


@roles(AccessRole.ADMIN, AccessRole.FINANCE)
def job(request: HttpRequest, job_id: int) -> HttpResponse:
    found = get_object_or_404(Job, pk=job_id)
    template = "web/_job.html" if is_htmx(request) else "web/job.html"
    return render(request, template, {"job": found})
