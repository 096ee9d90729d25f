"""Statements: the list by period, one payee's statement with every line explained and its
downloads, and raising a dispute on a line. Access is the payout services' (one rule)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from attain.core.company import company_calendar
from attain.core.periods import PeriodError
from attain.engine.models import CalculationRun, RunStatus
from attain.org.models import AccessRole, Person
from attain.payouts import disputes as dispute_services
from attain.payouts import exports
from attain.payouts import statements as statement_services
from attain.payouts.errors import PayoutError
from attain.web import access, tables
from attain.web import services as web_services


def _periods() -> list[str]:
    """Periods with a successful run, newest first."""
    return list(CalculationRun.objects.filter(status=RunStatus.SUCCEEDED)
                .order_by("-period_end").values_list("period", flat=True).distinct())


@login_required
def index(request: HttpRequest) -> HttpResponse:
    periods = _periods()
    period = request.GET.get("period") or (periods[0] if periods else "")
    person = access.person_of(request.user)
    if access.role_of(request.user) == AccessRole.REP and person and period:
        return redirect("statement", employee_id=person.employee_id, period=period)
    rows: list[dict[str, Any]] = []
    if period:
        try:
            the_period = company_calendar().parse(period)
        except PeriodError as error:
            raise Http404(str(error)) from error
        run = (CalculationRun.objects.filter(status=RunStatus.SUCCEEDED, period=the_period.label)
               .order_by("-started_at").first())
        if run is not None:
            visible = access.visible_people(request.user, the_period.end)
            totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
            for summary in web_services.summaries(run, visible):
                totals[(summary.payee_id, summary.currency)] += summary.earned
            names = dict(Person.objects.filter(employee_id__in={k[0] for k in totals})
                         .values_list("employee_id", "name"))
            rows = [{"employee_id": e, "name": names.get(e, e), "currency": c, "earned": t}
                    for (e, c), t in sorted(totals.items(), key=lambda i: names.get(i[0][0], ""))]
    return render(request, "web/statements.html",
                  {"periods": periods, "period": period, "rows": rows,
                   "rows_html": tables.statement_rows(rows, period)})


@login_required
def statement(request: HttpRequest, employee_id: str, period: str) -> HttpResponse:
    try:
        found = statement_services.statement(viewer=request.user, employee_id=employee_id,
                                             period=period)
    except PermissionDenied as denied:  # one answer for "not yours" and "not there"
        raise Http404("no such statement, or not one you may see") from denied
    except (PayoutError, IndexError) as error:
        raise Http404(str(error)) from error
    download = request.GET.get("format")
    if download in ("csv", "xlsx", "pdf"):
        return _download(found, download)
    components: dict[str, list[statement_services.StatementLine]] = defaultdict(list)
    for line in found.lines:
        components[line.component].append(line)
    groups = [{"component": name, "lines": lines,
               "total": sum((line.amount for line in lines), Decimal(0))}
              for name, lines in components.items()]
    mine = (access.person_of(request.user) or Person()).employee_id == employee_id
    return render(request, "web/statement.html", {
        "s": found, "groups": groups, "can_dispute": mine,
        "disputes": [d for d in dispute_services.disputes(viewer=request.user)
                     if d.employee_id == employee_id and d.period == found.period]})


def _download(found: statement_services.Statement, fmt: str) -> HttpResponse:
    content, kind = {
        "csv": (exports.statement_csv, "text/csv"),
        "xlsx": (exports.statement_xlsx,
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "pdf": (exports.statement_pdf, "application/pdf"),
    }[fmt]
    response = HttpResponse(content(found), content_type=kind)
    name = f"statement-{found.employee_id}-{found.period}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def dispute(request: HttpRequest, employee_id: str, period: str, line: int) -> HttpResponse:
    try:
        dispute_services.raise_dispute(actor=request.user, employee_id=employee_id,
                                       period=period, line_number=line,
                                       comment=request.POST.get("comment", ""))
    except PermissionDenied as denied:
        raise Http404("no such statement, or not one you may see") from denied
    except PayoutError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Your dispute on line {line} was sent to your manager.")
    return redirect("statement", employee_id=employee_id, period=period)
