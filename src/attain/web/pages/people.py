"""People and teams pages."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from attain.org.models import AccessRole
from attain.web import access, directory, tables
from attain.web.decorators import is_htmx, roles


def _day(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        return dt.date.today()


@roles(AccessRole.ADMIN, AccessRole.FINANCE, AccessRole.MANAGER, AccessRole.EXECUTIVE)
def people(request: HttpRequest) -> HttpResponse:
    day = _day(request)
    search = request.GET.get("q", "").strip()
    rows = tables.people_rows(directory.directory_rows(request.user, day, search))
    template = "web/_people_rows.html" if is_htmx(request) else "web/people.html"
    return render(request, template, {"rows": rows, "day": day, "q": search,
                                      "can_edit": access.is_admin(request.user)})


@login_required
def person(request: HttpRequest, employee_id: str) -> HttpResponse:
    day = _day(request)
    page = directory.person_page(request.user, employee_id, day)
    if page is None:
        raise Http404("no such person, or not one you may see")
    return render(request, "web/person.html", {"page": page, "day": day,
                                               "can_edit": access.is_admin(request.user)})


@login_required
def teams(request: HttpRequest) -> HttpResponse:
    day = _day(request)
    return render(request, "web/teams.html", {"roots": directory.team_tree(day), "day": day,
                                              "can_edit": access.is_admin(request.user)})
