"""Plan services: storing plan documents as versions and assigning payees.

The document text is kept exactly as written (comments and all) so a sales-ops person sees
their own words back; its meaning comes from :mod:`attain.plans.language`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from attain.core import audit
from attain.org.models import Person
from attain.plans.language import PlanError, PlanErrors, diff, load_plan
from attain.plans.models import Plan, PlanAssignment, PlanVersion, VersionStatus

DEMO_PLANS = Path(__file__).resolve().parent / "demo"


def _header(document: str) -> dict[str, object]:
    loaded = yaml.safe_load(document)
    if not isinstance(loaded, dict):
        raise ValueError("a plan document is a YAML mapping")
    return loaded


@transaction.atomic
def load_demo_plans(*, folder: Path = DEMO_PLANS, actor: object = None) -> int:
    """Replace all plans with the documents in ``folder`` (published) and assign every
    person whose role a plan names, for the time they held it."""
    PlanAssignment.objects.all().delete()
    PlanVersion.objects.all().delete()
    Plan.objects.all().delete()
    versions = 0
    roles_by_plan: dict[str, set[str]] = {}
    starts: dict[str, dt.date] = {}
    for path in sorted(folder.glob("*.yaml")):
        document = path.read_text()
        header = _header(document)
        code = str(header["plan"])
        plan, _ = Plan.objects.get_or_create(code=code, defaults={"name": str(header["name"])})
        valid_from = header["effective_from"]
        valid_to = header.get("effective_to")
        assert isinstance(valid_from, dt.date)
        PlanVersion.objects.create(
            plan=plan, number=int(str(header["version"])), document=document,
            status=VersionStatus.PUBLISHED, valid_from=valid_from,
            valid_to=valid_to if isinstance(valid_to, dt.date) else None,
            note=f"loaded from {path.name}",
        )
        versions += 1
        payees = header.get("payees") or {}
        roles = payees.get("roles", []) if isinstance(payees, dict) else []
        roles_by_plan.setdefault(code, set()).update(str(role) for role in roles)
        starts[code] = min(starts.get(code, valid_from), valid_from)
    assignments = []
    for code, roles in roles_by_plan.items():
        plan = Plan.objects.get(code=code)
        for person in Person.objects.filter(role__in=roles):
            if person.termination_date and person.termination_date < starts[code]:
                continue
            assignments.append(PlanAssignment(
                person=person, plan=plan, valid_from=max(person.hire_date, starts[code]),
                valid_to=person.termination_date,
            ))
    PlanAssignment.objects.bulk_create(assignments)
    audit.record(actor=actor, action="load", object_type="plans.Plan", object_repr="demo plans",
                 after={"versions": versions, "assignments": len(assignments)})
    return versions


class PlanSaveError(ValueError):
    """A document that cannot be saved as a version, with every located problem."""

    def __init__(self, errors: list[PlanError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(error) for error in errors))


def check_document(text: str) -> list[PlanError]:
    """Every problem in a plan document (empty when it is valid): what the editor shows
    as you type."""
    try:
        load_plan(text, source="plan")
    except PlanErrors as errors:
        return errors.errors
    return []


@transaction.atomic
def save_draft(*, code: str, document: str, actor: Any, note: str = "") -> PlanVersion:
    """Store ``document`` as the next draft version of plan ``code`` (created if new).

    The document's own ``plan:`` must name this plan and its ``version:`` is set by the
    number given here, so the stored text and its meaning never disagree."""
    errors = check_document(document)
    if errors:
        raise PlanSaveError(errors)
    parsed = load_plan(document)
    if parsed.plan != code:
        raise PlanSaveError([PlanError(1, 1, "plan", f"this document is plan {parsed.plan!r}, "
                                       f"not {code!r}")])
    plan, _created = Plan.objects.get_or_create(code=code, defaults={"name": parsed.name})
    numbers = list(plan.versions.values_list("number", flat=True))
    number = max(numbers, default=0) + 1
    if parsed.version != number:
        raise PlanSaveError([PlanError(
            _version_line(document), 1, "version",
            f"the next version of {code} is {number}; set version: {number}")])
    version = PlanVersion.objects.create(
        plan=plan, number=number, document=document, status=VersionStatus.DRAFT,
        valid_from=parsed.effective_from, valid_to=parsed.effective_to, note=note,
        created_by=actor if getattr(actor, "is_authenticated", False) else None)
    audit.record(actor=actor, action="create", obj=version, after=audit.snapshot(version),
                 reason=note)
    return version


def _version_line(document: str) -> int:
    for number, line in enumerate(document.splitlines(), start=1):
        if line.startswith("version:"):
            return number
    return 1


@transaction.atomic
def publish(version: PlanVersion, *, actor: object) -> PlanVersion:
    """Make a draft the published version; the versions it overlaps end the day before it
    starts (a plan has one published document on any day)."""
    if version.status != VersionStatus.DRAFT:
        raise ValueError(f"{version} is {version.get_status_display().lower()}, not a draft")
    before = audit.snapshot(version)
    for older in version.plan.versions.filter(status=VersionStatus.PUBLISHED,
                                              valid_from__lt=version.valid_from):
        if older.valid_to is None or older.valid_to >= version.valid_from:
            old = audit.snapshot(older)
            older.valid_to = version.valid_from - dt.timedelta(days=1)
            older.save(update_fields=["valid_to"])
            audit.record(actor=actor, action="update", obj=older, before=old,
                         after=audit.snapshot(older), reason=f"superseded by v{version.number}")
    version.status = VersionStatus.PUBLISHED
    version.save(update_fields=["status"])
    audit.record(actor=actor, action="publish", obj=version, before=before,
                 after=audit.snapshot(version))
    return version


def diff_versions(old: PlanVersion, new: PlanVersion) -> list[str]:
    return diff(load_plan(old.document), load_plan(new.document))
