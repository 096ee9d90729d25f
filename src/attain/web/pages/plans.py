"""Comp plan pages: list, a plan's versions and document, diff, and the editor (sales ops)
that validates as you type and points at the line."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from attain.core import jobs
from attain.engine.models import CalculationRun, RunStatus
from attain.org.models import AccessRole
from attain.plans import services as plan_services
from attain.plans.models import Plan, PlanVersion, VersionStatus
from attain.web import access
from attain.web.decorators import roles


def _plan(request: HttpRequest, code: str) -> Plan:
    plan = access.visible_plans(request.user, dt.date.today()).filter(code=code).first()
    if plan is None:
        raise Http404("no such plan, or not one you may see")
    return plan


@login_required
def plans(request: HttpRequest) -> HttpResponse:
    found = (access.visible_plans(request.user, dt.date.today())
             .prefetch_related("versions", "assignments").order_by("name"))
    return render(request, "web/plans.html", {"plans": found, "today": dt.date.today()})


@login_required
def plan(request: HttpRequest, code: str) -> HttpResponse:
    the_plan = _plan(request, code)
    versions = list(the_plan.versions.order_by("-number"))
    shown = versions[0] if versions else None
    if "v" in request.GET:
        shown = next((v for v in versions if str(v.number) == request.GET["v"]), shown)
    changes = None
    old, new = request.GET.get("from"), request.GET.get("to")
    if old and new:
        by_number = {str(v.number): v for v in versions}
        if old in by_number and new in by_number:
            changes = plan_services.diff_versions(by_number[old], by_number[new])
    lines = shown.document.splitlines() if shown else []
    return render(request, "web/plan.html", {
        "plan": the_plan, "versions": versions, "shown": shown, "lines": lines,
        "changes": changes, "diff_from": old, "diff_to": new,
        "can_edit": access.is_admin(request.user),
        "can_model": access.sees_company_money(request.user),
        "periods": list(CalculationRun.objects.filter(status=RunStatus.SUCCEEDED)
                        .order_by("-period_end").values_list("period", flat=True).distinct())})


def _next_document(plan: Plan) -> str:
    latest = plan.versions.order_by("-number").first()
    if latest is None:
        return ""
    return re.sub(r"^version:\s*\d+", f"version: {latest.number + 1}", latest.document,
                  count=1, flags=re.MULTILINE)


@roles(AccessRole.ADMIN)
def edit(request: HttpRequest, code: str) -> HttpResponse:
    the_plan = get_object_or_404(Plan, code=code)
    document = request.POST.get("document", "") if request.method == "POST" else \
        _next_document(the_plan)
    note = request.POST.get("note", "")
    problems = []
    if request.method == "POST":
        try:
            version = plan_services.save_draft(code=code, document=document,
                                               actor=request.user, note=note)
        except plan_services.PlanSaveError as error:
            problems = error.errors
        else:
            messages.success(request, f"Saved {the_plan.name} v{version.number} as a draft.")
            return redirect(f"/plans/{code}/?v={version.number}")
    return render(request, "web/plan_edit.html", {
        "plan": the_plan, "document": document, "note": note, "problems": problems},
        status=422 if problems else 200)


@roles(AccessRole.ADMIN)
@require_POST
def check(request: HttpRequest) -> HttpResponse:
    """The editor's live check: every problem with its line and column."""
    return render(request, "web/_plan_problems.html",
                  {"problems": plan_services.check_document(request.POST.get("document", "")),
                   "checked": True})


@roles(AccessRole.ADMIN, AccessRole.FINANCE)
@require_POST
def whatif(request: HttpRequest, code: str, number: int) -> HttpResponse:
    """Model a version against the published run of a period (a background job)."""
    version = get_object_or_404(PlanVersion, plan__code=code, number=number)
    job = jobs.start("whatif", {"version": version.pk, "plan": code, "number": number,
                                "period": request.POST.get("period", "")}, user=request.user)
    return redirect("job", job_id=job.pk)


@roles(AccessRole.ADMIN)
@require_POST
def publish(request: HttpRequest, code: str, number: int) -> HttpResponse:
    version = get_object_or_404(PlanVersion, plan__code=code, number=number,
                                status=VersionStatus.DRAFT)
    plan_services.publish(version, actor=request.user)
    messages.success(request, f"Published {version.plan.name} v{number}.")
    return redirect(f"/plans/{code}/?v={number}")
