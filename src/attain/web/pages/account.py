"""Your account: API tokens (issued here, shown once, revocable)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from attain.api import tokens
from attain.api.models import ApiToken


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
        "tokens": mine, "secret": secret})
