"""Long work off the request: a :class:`~attain.core.models.Job` row records it and a
django-tasks task does it (the database backend's worker under ``attain serve``; the
immediate backend in tests), reporting progress the page polls.

A job kind is a plain function ``(params, report, user) -> dict`` registered with
:func:`kind`; it knows nothing of queues.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks import task

from attain.core.models import Job, JobStatus

Report = Callable[[str, float], None]
Work = Callable[[dict[str, Any], Report, Any], dict[str, Any]]
KINDS: dict[str, Work] = {}


def kind(name: str) -> Callable[[Work], Work]:
    def register(work: Work) -> Work:
        KINDS[name] = work
        return work
    return register


def start(name: str, params: dict[str, Any], *, user: Any) -> Job:
    """Record a job and queue it; returns at once (or, on the immediate backend, when done)."""
    if name not in KINDS:
        raise ValueError(f"no job kind {name!r}")
    job = Job.objects.create(kind=name, params=params,
                             requested_by=user if getattr(user, "is_authenticated", False)
                             else None)
    perform.enqueue(job.pk)
    job.refresh_from_db()
    return job


@task()
def perform(job_id: int) -> None:
    job = Job.objects.get(pk=job_id)
    job.status = JobStatus.RUNNING
    job.save(update_fields=["status"])

    def report(step: str, fraction: float) -> None:
        Job.objects.filter(pk=job_id).update(step=step[:200],
                                             fraction=max(0.0, min(1.0, fraction)))

    user = (get_user_model().objects.filter(pk=job.requested_by_id).first()
            if job.requested_by_id else None)
    try:
        result = KINDS[job.kind](job.params, report, user)
    except Exception as error:  # the job records any failure for the page to show
        Job.objects.filter(pk=job_id).update(status=JobStatus.FAILED, error=str(error)[:4000],
                                             finished_at=timezone.now())
        return
    Job.objects.filter(pk=job_id).update(status=JobStatus.SUCCEEDED, result=result,
                                         fraction=1.0, step="done",
                                         finished_at=timezone.now())
