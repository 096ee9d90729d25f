"""The earnings estimator on a rep's home page: "what does this deal pay me?"."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from attain.payouts import estimator
from attain.payouts.errors import PayoutError
from attain.warehouse import connection
from attain.web import access


def products() -> list[tuple[str, str]]:
    """(product id, name) for the estimator's choice, by name."""
    table = connection.connect().table("products")
    rows = table.select("product_id", "name").order_by("name").to_pyarrow().to_pylist()
    return [(row["product_id"], row["name"]) for row in rows]


@login_required
@require_POST
def estimate(request: HttpRequest) -> HttpResponse:
    person = access.person_of(request.user)
    context: dict[str, object] = {}
    try:
        if person is None:
            raise PayoutError("only a person on a plan can estimate their own pay")
        try:
            booked_on = dt.date.fromisoformat(request.POST.get("booked_on", ""))
            share = str(int(request.POST.get("share_pct", "100") or "100") / 100)
        except ValueError as error:
            raise PayoutError(f"check the date and share: {error}") from error
        context["estimate"] = estimator.estimate(
            viewer=request.user, employee_id=person.employee_id,
            amount=request.POST.get("amount", "").replace(",", ""), booked_on=booked_on,
            product_id=request.POST.get("product", ""), share=share)
    except (PayoutError, PermissionDenied) as error:
        context["error"] = str(error)
    return render(request, "web/_estimate.html", context,
                  status=422 if "error" in context else 200)
