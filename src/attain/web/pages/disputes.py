"""Disputes: everyone involved sees state, age and history; managers and sales ops resolve."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from attain.org.models import AccessRole
from attain.payouts import disputes as dispute_services
from attain.payouts.errors import PayoutError
from attain.payouts.models import DisputeState
from attain.web import access


@login_required
def disputes(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    found = dispute_services.disputes(viewer=request.user, state=state or None)
    return render(request, "web/disputes.html", {
        "disputes": found, "state": state, "states": DisputeState.choices,
        "can_resolve": access.role_of(request.user) in (AccessRole.MANAGER, AccessRole.ADMIN)})


@login_required
@require_POST
def act(request: HttpRequest, dispute_id: int) -> HttpResponse:
    action = request.POST.get("action")
    try:
        if action == "comment":
            dispute_services.add_comment(actor=request.user, dispute_id=dispute_id,
                                         text=request.POST.get("text", ""))
        elif action == "adjust":
            dispute_services.resolve_by_adjustment(
                actor=request.user, dispute_id=dispute_id,
                amount=request.POST.get("amount", ""), reason=request.POST.get("text", ""))
        elif action == "reject":
            dispute_services.reject(actor=request.user, dispute_id=dispute_id,
                                    reason=request.POST.get("text", ""))
        else:
            raise PayoutError(f"unknown action {action!r}")
    except PermissionDenied as denied:
        messages.error(request, str(denied) or "You may not do this.")
    except PayoutError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Dispute {dispute_id}: done.")
    return redirect("disputes")
