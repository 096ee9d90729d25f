"""Quotas (sales ops): the current versions by period, drafts to approve, and top-down
allocation from a parent to its children with a preview and the bottom-up check."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from attain.core.company import company_calendar
from attain.core.periods import PeriodError
from attain.org.models import AccessRole
from attain.targets import services as target_services
from attain.targets.allocation import AllocationError
from attain.targets.models import Quota, QuotaStatus
from attain.web.decorators import roles
from attain.web.pages.runs import _quarters

METHODS = {"equal": "equally (by working time and ramp)",
           "historical": "by last year's share of the metric"}


@roles(AccessRole.ADMIN, AccessRole.FINANCE)
def quotas(request: HttpRequest) -> HttpResponse:
    period = request.GET.get("period") or company_calendar().period_containing(
        dt.date.today(), "quarter").label
    current = target_services.current_quotas(period=period)
    drafts = (Quota.objects.filter(status=QuotaStatus.DRAFT, period=period)
              .select_related("person", "team", "region").order_by("metric", "id"))
    return render(request, "web/quotas.html", {
        "period": period, "quarters": _quarters(dt.date.today()),
        "current": [{"q": q, "owner": target_services.owner_of(q)} for q in current],
        "drafts": [{"q": q, "owner": target_services.owner_of(q)} for q in drafts],
        "methods": METHODS,
        "total": sum((q.amount for q in current if q.person_id), Decimal(0))})


@roles(AccessRole.ADMIN)
@require_POST
def approve(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("quota") if i.isdigit()]
    changed = target_services.approve_quotas(quota_ids=ids, user=request.user)
    messages.success(request, f"Approved {changed} quota{'s' if changed != 1 else ''}.")
    return redirect(f"/quotas/?period={request.POST.get('period', '')}")


@roles(AccessRole.ADMIN)
def allocate(request: HttpRequest) -> HttpResponse:
    """Preview an allocation (GET with the form's values), then save it as drafts (POST)."""
    data = request.POST if request.method == "POST" else request.GET
    context: dict[str, Any] = {"methods": METHODS, "quarters": _quarters(dt.date.today()),
                               "form": {k: data.get(k, "") for k in
                                        ("parent", "amount", "period", "metric", "method")}}
    if not data.get("parent"):
        return render(request, "web/allocate.html", context)
    try:
        period = company_calendar().parse(data.get("period", ""))
        amount = Decimal(data.get("amount", "").replace(",", ""))
        metric = data.get("metric") or "revenue"
        method = data.get("method") or "equal"
        if method not in METHODS:
            raise AllocationError(f"unknown method {method!r}")
        parent = data["parent"].strip()
        target_services.resolve_owner(parent)
        values = None
        if method == "historical":
            children = target_services.children_of(parent, period.start)
            values = target_services.history_values(metric=metric, owners=children,
                                                    period=period)
        result = target_services.allocate_quota(parent=parent, amount=amount, period=period,
                                                method=method,  # type: ignore[arg-type]
                                                values=values)
    except (PeriodError, InvalidOperation, AllocationError, ValueError) as error:
        context["problem"] = str(error) or "check the amount"
        return render(request, "web/allocate.html", context, status=422)
    if request.method == "POST":
        saved = target_services.save_allocation(result, metric=metric, user=request.user)
        messages.success(request, f"Saved {len(saved)} draft quotas for {period.label}; "
                         "approve them below.")
        return redirect(f"/quotas/?period={period.label}")
    context["result"] = result
    return render(request, "web/allocate.html", context)
