"""Imports (sales ops): upload a file of any kind, optionally with a mapping, follow its
progress, read every error with its row and column, download the error report."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import get_valid_filename

from attain.core import jobs
from attain.core.models import Job
from attain.ingest import kinds
from attain.org.models import AccessRole
from attain.paths import var_dir
from attain.web.decorators import roles


def _save(upload: UploadedFile, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / get_valid_filename(upload.name or "upload")
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


@roles(AccessRole.ADMIN)
def imports(request: HttpRequest) -> HttpResponse:
    context = {"kinds": kinds.KINDS,
               "recent": Job.objects.filter(kind="import").select_related("requested_by")[:20]}
    if request.method != "POST":
        return render(request, "web/imports.html", context)
    kind = request.POST.get("kind", "")
    upload = request.FILES.get("file")
    problem = ""
    if kind not in kinds.KINDS_BY_NAME:
        problem = f"choose what the file holds (unknown kind {kind!r})"
    elif upload is None:
        problem = "choose a file to import"
    if problem:
        return render(request, "web/imports.html", {**context, "problem": problem},
                      status=422)
    assert upload is not None
    folder = var_dir() / "uploads" / uuid.uuid4().hex
    path = _save(upload, folder)
    mapping = request.FILES.get("mapping")
    job = jobs.start("import", {
        "kind": kind, "path": str(path), "file_name": upload.name,
        "mapping": str(_save(mapping, folder / "mapping")) if mapping else "",
        "dry_run": request.POST.get("dry_run") == "on"}, user=request.user)
    return redirect("job", job_id=job.pk)


@roles(AccessRole.ADMIN, AccessRole.FINANCE)
def errors_csv(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(Job, pk=job_id, kind="import")
    if "errors_csv" not in job.result:
        raise Http404("this import has no report yet")
    response = HttpResponse(job.result["errors_csv"], content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="import-{job_id}-errors.csv"'
    return response
