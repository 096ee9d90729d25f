"""Forecast calls: make your own call for a quarter; managers see their people's calls next
to the pipeline and roll them up with their own judgement; history and accuracy."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from attain.core.periods import PeriodError
from attain.forecast import services as forecast_services
from attain.org.models import AccessRole
from attain.web import access
from attain.web import forecast as forecast_page
from attain.web.decorators import roles


@roles(AccessRole.ADMIN, AccessRole.FINANCE, AccessRole.MANAGER, AccessRole.REP)
def forecast(request: HttpRequest) -> HttpResponse:
    today = dt.date.today()
    data = request.POST if request.method == "POST" else request.GET
    try:
        period = forecast_page.period_of(data.get("period", ""), today)
    except PeriodError as error:
        return render(request, "web/forecast.html", {"problem": str(error)}, status=422)
    problem = ""
    if request.method == "POST":
        person = access.person_of(request.user)
        if person is None or access.role_of(request.user) not in forecast_page.CALLERS:
            return render(request, "web/403.html", status=403)
        try:
            forecast_services.submit_call(person=person, period=period,
                                          commit=data.get("commit", ""),
                                          best_case=data.get("best_case", ""),
                                          note=data.get("note", ""), actor=request.user)
        except forecast_services.CallError as error:
            problem = error.message
        else:
            messages.success(request, f"Your call for {period.label} is in.")
            return redirect(f"/forecast/?period={period.label}")
    context = {"page": forecast_page.page(request.user, period, today),
               "quarters": forecast_page.quarters(today), "problem": problem,
               "form": {k: data.get(k, "") for k in ("commit", "best_case", "note")}}
    return render(request, "web/forecast.html", context, status=422 if problem else 200)
