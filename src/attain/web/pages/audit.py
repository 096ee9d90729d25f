"""The audit log viewer (sales ops and finance): who changed what, when, before and after."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from attain.core.models import AuditEntry
from attain.org.models import AccessRole
from attain.web.decorators import roles


def _changes(entry: AuditEntry) -> list[tuple[str, Any, Any]]:
    before, after = entry.before or {}, entry.after or {}
    return [(key, before.get(key), after.get(key)) for key in sorted(set(before) | set(after))
            if before.get(key) != after.get(key)]


@roles(AccessRole.ADMIN, AccessRole.FINANCE)
def audit(request: HttpRequest) -> HttpResponse:
    found = AuditEntry.objects.select_related("actor").order_by("-at", "-id")
    kind = request.GET.get("type", "")
    if kind:
        found = found.filter(object_type=kind)
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    entries = [{"entry": e, "changes": _changes(e)} for e in page]
    kinds = (AuditEntry.objects.order_by("object_type").values_list("object_type", flat=True)
             .distinct())
    return render(request, "web/audit.html", {"page": page, "entries": entries,
                                              "kinds": kinds, "kind": kind})
