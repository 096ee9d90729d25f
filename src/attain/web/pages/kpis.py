"""The KPI explorer (everyone) and the executive dashboard."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from attain import metrics
from attain.ingest import exports
from attain.metrics import GRAINS, MetricError
from attain.org.models import AccessRole
from attain.web import kpis
from attain.web.decorators import roles


def _date(text: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(text or "")
    except ValueError:
        return default


@login_required
def explorer(request: HttpRequest) -> HttpResponseBase:
    today = dt.date.today()
    name = request.GET.get("metric", "revenue")
    context: dict[str, object] = {"catalog": metrics.catalog(), "grains": GRAINS,
                                  "comparisons": kpis.COMPARISONS}
    try:
        metrics.get(name)
    except MetricError as error:
        context["error"] = str(error)
        return render(request, "web/kpis.html", context, status=404)
    by = [d for d in request.GET.getlist("by") if d]
    grain = request.GET.get("grain", "quarter")
    if grain not in GRAINS:
        grain = "quarter"
    start = _date(request.GET.get("from"), dt.date(today.year - 1, 1, 1))
    end = _date(request.GET.get("to"), today)
    compare = request.GET.get("compare", "")
    if compare not in kpis.COMPARISONS:
        compare = ""
    result = kpis.explore(request.user, name=name, by=by, grain=grain, start=start, end=end,
                          compare=compare)
    download = request.GET.get("format")
    if download in ("csv", "xlsx") and not result.error:
        return _download(result, download)
    context.update({"result": result, "rows": [
        {**row, "shown": kpis.format_value(result.metric, row.get("value"))}
        for row in result.rows]})
    return render(request, "web/kpis.html", context, status=422 if result.error else 200)


def _download(result: kpis.Exploration, fmt: str) -> FileResponse:
    import pyarrow as pa

    table = pa.Table.from_pylist(result.rows) if result.rows else pa.table(
        {c: [] for c in result.columns})
    folder = Path(tempfile.mkdtemp(prefix="attain-kpi-"))
    path = folder / f"{result.metric.name}.{fmt}"
    exports.write(table, path, "excel" if fmt == "xlsx" else "csv")
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@roles(AccessRole.ADMIN, AccessRole.FINANCE, AccessRole.MANAGER, AccessRole.EXECUTIVE)
def dashboard(request: HttpRequest) -> HttpResponse:
    """The page comes at once; its tiles load in a second request (htmx) because the first
    reading of a dozen metrics takes seconds, after which they are cached."""
    return render(request, "web/dashboard.html", {})


@roles(AccessRole.ADMIN, AccessRole.FINANCE, AccessRole.MANAGER, AccessRole.EXECUTIVE)
def dashboard_tiles(request: HttpRequest) -> HttpResponse:
    return render(request, "web/_dashboard_tiles.html",
                  {"tiles": kpis.dashboard(dt.date.today())})
