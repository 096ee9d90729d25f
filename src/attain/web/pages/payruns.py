"""Pay runs (finance, sales ops, managers): calculate, approve by level, mark paid, close;
payroll export of approved payouts, accruals, and commission cost against revenue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from attain.core import jobs
from attain.core.company import company_calendar
from attain.org.models import AccessRole
from attain.payouts import exports, finance, lifecycle
from attain.payouts.errors import PayoutError
from attain.payouts.models import ApprovalLevel, PayRun
from attain.web import access
from attain.web.decorators import roles
from attain.web.pages.runs import _quarters

MONEY_ROLES = (AccessRole.ADMIN, AccessRole.FINANCE)


@roles(AccessRole.ADMIN, AccessRole.FINANCE, AccessRole.MANAGER)
def payruns(request: HttpRequest) -> HttpResponse:
    role = access.role_of(request.user)
    # three queries whatever the number of pay runs and payees: never one per row
    runs = list(PayRun.objects.order_by("-period_start")
                .annotate(approval_count=Count("approvals")))
    totals = {summary.period: summary for summary in lifecycle.pay_runs()}
    summaries = [{"run": run, "summary": totals[run.period], "approvals": run.approval_count}
                 for run in runs]
    period = request.GET.get("period") or (runs[0].period if runs else "")
    context: dict[str, Any] = {"summaries": summaries, "role": role, "period": period,
                               "quarters": _quarters(dt.date.today()),
                               "money": role in MONEY_ROLES}
    if period and role in MONEY_ROLES:
        try:
            context["costs"] = finance.cost_vs_revenue(viewer=request.user, period=period)
        except PayoutError as error:
            context["costs_error"] = str(error)
        context["accruals"] = finance.accruals(viewer=request.user)
    return render(request, "web/payruns.html", context)


@roles(*MONEY_ROLES)
@require_POST
def calculate(request: HttpRequest) -> HttpResponse:
    period = request.POST.get("period", "")
    try:
        company_calendar().parse(period)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("payruns")
    job = jobs.start("payrun", {"period": period}, user=request.user)
    return redirect("job", job_id=job.pk)


@roles(AccessRole.ADMIN, AccessRole.FINANCE, AccessRole.MANAGER)
@require_POST
def act(request: HttpRequest, period: str) -> HttpResponse:
    action = request.POST.get("action", "")
    try:
        if action == "approve":
            level = (ApprovalLevel.FINANCE if access.role_of(request.user) == AccessRole.FINANCE
                     else ApprovalLevel.MANAGER)
            approved = lifecycle.approve(period=period, actor=request.user, level=level)
            messages.success(request, f"Approved {len(approved)} payee"
                             f"{'s' if len(approved) != 1 else ''} of {period} ({level}).")
        elif action == "paid":
            lifecycle.mark_paid(period=period, actor=request.user)
            messages.success(request, f"{period} is marked paid.")
        elif action == "close":
            lifecycle.close(period=period, actor=request.user)
            messages.success(request, f"{period} is closed.")
        else:
            raise PayoutError(f"unknown action {action!r}")
    except (PayoutError, PermissionDenied) as error:
        messages.error(request, str(error) or "You may not do this.")
    return redirect(f"/payruns/?period={period}")


@roles(*MONEY_ROLES)
def payroll(request: HttpRequest, period: str) -> HttpResponse:
    """Approved payouts only, as CSV or Excel (employee id, name, period, amount, currency,
    cost centre)."""
    try:
        rows = finance.payroll(viewer=request.user, period=period)
    except PayoutError as error:
        messages.error(request, str(error))
        return redirect(f"/payruns/?period={period}")
    header = ["employee_id", "name", "period", "amount", "currency", "cost_centre"]
    data = [row.as_row() for row in rows]
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            exports.rows_xlsx(f"payroll {period}", header, data, money_columns=(3,)),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        name = f"payroll-{period}.xlsx"
    else:
        response = HttpResponse(exports.rows_csv(header, data), content_type="text/csv")
        name = f"payroll-{period}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
