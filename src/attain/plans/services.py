"""Plan services: storing plan documents as versions and assigning payees.

The document text is kept exactly as written (comments and all) so a sales-ops person sees
their own words back; its meaning comes from :mod:`attain.plans.language`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from django.db import transaction

from attain.core import audit
from attain.org.models import Person
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
