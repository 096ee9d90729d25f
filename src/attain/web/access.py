"""Who may see whose money: the one place the rule is written, for pages, API and exports.

- a rep sees only their own earnings and statements;
- a manager sees themselves and the people below them on the day in question;
- finance and sales operations (admin) see everyone's money;
- an executive sees company dashboards, not individual earnings.

Every view that shows a person's money asks :func:`can_see_money_of` (or filters with
:func:`visible_people`) on the server; nothing relies on what a page happens to link to.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from attain.org import services as org_services
from attain.org.models import AccessRole, Person

ALL = None
"""What :func:`visible_people` returns for someone who may see everyone."""


def person_of(user: Any) -> Person | None:
    """The person a user is (remembered on the user object for the rest of the request)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_attain_person"):
        user._attain_person = Person.objects.filter(user=user).first()
    person: Person | None = user._attain_person
    return person


def role_of(user: Any) -> str | None:
    """The access role of a signed-in user (a superuser counts as admin)."""
    if getattr(user, "is_superuser", False):
        return AccessRole.ADMIN
    person = person_of(user)
    return person.access_role if person else None


def visible_people(user: Any, day: dt.date) -> set[str] | None:
    """Employee ids whose money ``user`` may see on ``day``; None means everyone.

    Remembered on the user object per day for the rest of the request, like
    :func:`person_of`: a list checks it once per row (disputes, approvals), and working out
    a manager's reporting lines costs three queries each time."""
    remembered: dict[dt.date, set[str] | None] | None = getattr(user, "_attain_visible", None)
    if remembered is None:
        remembered = {}
        if getattr(user, "is_authenticated", False):
            user._attain_visible = remembered
    if day not in remembered:
        remembered[day] = _visible_people(user, day)
    found = remembered[day]
    return found if found is ALL else set(found)


def _visible_people(user: Any, day: dt.date) -> set[str] | None:
    role = role_of(user)
    if role in (AccessRole.ADMIN, AccessRole.FINANCE):
        return ALL
    person = person_of(user)
    if person is None or role == AccessRole.EXECUTIVE:
        return set()
    if role == AccessRole.MANAGER:
        below = {line.person for line in org_services.reporting_lines()
                 if line.manager == person.employee_id and line.valid_from <= day
                 and (line.valid_to is None or day <= line.valid_to)}
        return {person.employee_id} | below
    return {person.employee_id}


def can_see_money_of(user: Any, employee_id: str, day: dt.date) -> bool:
    people = visible_people(user, day)
    return people is ALL or employee_id in people


def visible_directory(user: Any, day: dt.date) -> set[str] | None:
    """Employee ids whose record (name, role, team; not money) ``user`` may see on ``day``.

    Reps and managers see the people whose money they may see; admins, finance and
    executives see the whole directory (an executive still sees no one's earnings)."""
    if role_of(user) == AccessRole.EXECUTIVE:
        return ALL
    return visible_people(user, day)


def sees_company_money(user: Any) -> bool:
    """Company-wide money (run totals, payroll, accruals): finance and sales ops only."""
    return role_of(user) in (AccessRole.ADMIN, AccessRole.FINANCE)


def is_admin(user: Any) -> bool:
    return role_of(user) == AccessRole.ADMIN


def visible_plans(user: Any, day: dt.date) -> Any:
    """Plans ``user`` may read: admins, finance and executives every plan; managers and reps
    the plans of the people whose money they may see."""
    from attain.plans.models import Plan, PlanAssignment

    found = Plan.objects.all()
    visible = visible_people(user, day)
    if visible is ALL or role_of(user) == AccessRole.EXECUTIVE:
        return found
    assigned = PlanAssignment.objects.filter(person__employee_id__in=visible).values("plan_id")
    return found.filter(id__in=assigned)
