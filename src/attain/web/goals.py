"""Goals as the pages need them: who may see and set which goal, a goal document composed
from the form's fields, and one goal's live monitoring (plain functions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml
from django.db.models import Q, QuerySet

from attain.org.models import AccessRole
from attain.targets import services as target_services
from attain.targets.models import Goal, OwnerType
from attain.web import access

FIELDS = ("goal", "title", "metric", "owner", "target", "from", "period", "start",
          "deadline", "per", "parent", "objective", "reason", "check_ins")


def visible_goals(user: Any, day: dt.date) -> QuerySet[Goal]:
    """Person goals follow the money rule; team, region and company goals are open."""
    found = Goal.objects.select_related("person", "team", "region", "parent")
    visible = access.visible_people(user, day)
    if visible is access.ALL or access.role_of(user) == AccessRole.EXECUTIVE:
        return found
    return found.filter(~Q(owner_type=OwnerType.PERSON) | Q(person__employee_id__in=visible))


def may_set(user: Any, owner: str, day: dt.date) -> bool:
    """Reps set their own goals; managers theirs, their people's and teams'; sales ops any."""
    role = access.role_of(user)
    if role == AccessRole.ADMIN:
        return True
    kind, _, key = owner.partition(":")
    person = access.person_of(user)
    if role == AccessRole.REP:
        return kind == OwnerType.PERSON and person is not None and key == person.employee_id
    if role == AccessRole.MANAGER:
        return kind == OwnerType.TEAM or (kind == OwnerType.PERSON
                                          and access.can_see_money_of(user, key, day))
    return False


def compose(fields: dict[str, str]) -> str:
    """The goal document (YAML) the form's fields describe; empty fields are left out, so
    the SMART check says what is missing."""
    document: dict[str, Any] = {}
    for name in FIELDS:
        value = (fields.get(name) or "").strip()
        if value:
            document[name] = value
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True) if document else ""


def monitoring(goal: Goal, day: dt.date) -> list[target_services.TargetStatus]:
    """The goal's assessment on ``day`` (one per period of a repeating goal)."""
    statuses = target_services.target_status(as_of=day, owner=target_services.owner_of(goal))
    return [s for s in statuses if s.kind == "goal" and s.target_id == goal.pk]
