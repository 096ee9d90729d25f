"""Page guards: signed in, and of a role allowed to open the page (checked on the server)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from attain.web import access


def roles(*allowed: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if access.role_of(request.user) not in allowed:
                return render(request, "web/403.html", status=403)
            return view(request, *args, **kwargs)
        return guarded
    return decorate


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx made the request (it wants a fragment, not a page)."""
    return request.headers.get("HX-Request") == "true"
