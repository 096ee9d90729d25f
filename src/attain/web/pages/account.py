"""Your account: how dates and times are shown to you, and API tokens (issued here, shown
once, revocable)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from attain.api import tokens
from attain.api.models import ApiToken
from attain.web import display


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    secret = ""
    mine = ApiToken.objects.filter(user__pk=request.user.pk or 0)  # signed in: pk is set
    if request.method == "POST":
        if "revoke" in request.POST:
            token = get_object_or_404(mine, pk=request.POST["revoke"], revoked_at__isnull=True)
            tokens.revoke(token, actor=request.user)
            messages.success(request, f"Revoked {token}.")
            return redirect("api-tokens")
        name = request.POST.get("name", "").strip() or "unnamed"
        secret = tokens.issue(request.user, name[:100])
    return render(request, "web/api_tokens.html", {
        "tokens": mine, "secret": secret, **_display_choices(request)})


def _display_choices(request: HttpRequest) -> dict[str, object]:
    chosen = request.session.get(display.SESSION_KEY) or {}
    browser = display.format_from_language(request.headers.get("Accept-Language", ""))
    return {"date_formats": [(key, display.example(key)) for key in display.DATE_FORMATS],
            "browser_format": display.example(browser),
            "chosen_format": chosen.get("date_format", ""),
            "time_zones": display.time_zones(), "server_zone": settings.TIME_ZONE,
            "chosen_zone": chosen.get("time_zone", "")}


@login_required
@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    """Save how dates and times are shown to this user (blank: follow the browser/server)."""
    try:
        display.remember(request, date_format=request.POST.get("date_format", "").strip(),
                         time_zone=request.POST.get("time_zone", "").strip())
    except ValueError as error:
        messages.error(request, f"Not saved: {error}.")
    else:
        messages.success(request, "Saved: dates and times are now shown your way.")
    return redirect("api-tokens")
