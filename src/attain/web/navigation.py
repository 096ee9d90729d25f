"""The main navigation, by role: everyone sees the same bar for the same role, and it links
only to pages the role may open (the pages check again on the server)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from attain.org.models import AccessRole
from attain.web import access

A, F, M, R, E = (AccessRole.ADMIN, AccessRole.FINANCE, AccessRole.MANAGER, AccessRole.REP,
                 AccessRole.EXECUTIVE)
ITEMS: list[tuple[str, str, set[str]]] = [
    # label, url name, roles that see it
    ("Home", "home", {A, F, M, R, E}),
    ("Dashboard", "dashboard", {A, F, M, E}),
    ("Statements", "statements", {A, F, M, R}),
    ("Disputes", "disputes", {A, F, M, R}),
    ("Goals", "goals", {A, F, M, R, E}),
    ("Forecast", "forecast", {A, F, M, R}),
    ("KPIs", "kpis", {A, F, M, R, E}),
    ("Contests", "contests", {A, F, M, R, E}),
    ("Leaderboards", "leaderboards", {A, F, M, R, E}),
    ("People", "people", {A, F, M, E}),
    ("Teams", "teams", {A, F, M, R, E}),
    ("Territories", "territories", {A}),
    ("Plans", "plans", {A, F, M, R, E}),
    ("Quotas", "quotas", {A, F}),
    ("Pay runs", "payruns", {A, F, M}),
    ("Runs", "runs", {A, F, E}),
    ("Imports", "imports", {A}),
    ("Audit log", "audit", {A, F}),
    ("API", "api:openapi-view", {A, F, M, R, E}),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = access.role_of(user) or ""
    here = request.path
    items = []
    for label, name, roles in ITEMS:
        if role not in roles:
            continue
        url = reverse(name)
        current = here == url if url == "/" else here.startswith(url)
        items.append({"label": label, "url": url, "current": current})
    return {"nav_items": items, "nav_role": role,
            "nav_role_label": dict(AccessRole.choices).get(role, "")}
