"""The people directory and team tree as the pages show them (plain functions)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from attain.org import services as org_services
from attain.org.models import Person, Team, TeamManager, TeamMembership
from attain.plans.models import PlanAssignment
from attain.targets.models import Quota
from attain.web import access


def active_on(day: dt.date, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}valid_from__lte": day})
            & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})))


def _visible(user: Any, day: dt.date, search: str) -> QuerySet[Person]:
    visible = access.visible_directory(user, day)
    found = Person.objects.all()
    if visible is not access.ALL:
        found = found.filter(employee_id__in=visible)
    if search:
        found = found.filter(Q(name__icontains=search) | Q(employee_id__icontains=search)
                             | Q(email__icontains=search))
    return found


@dataclass(frozen=True)
class DirectoryRow:
    """One line of the people page: plain values, no model instances (the page lists
    everyone, and building a model per person and per membership cost more than the
    queries)."""

    employee_id: str
    name: str
    role: str
    """The role's label."""
    teams: tuple[str, ...]
    region: str
    hire_date: dt.date
    termination_date: dt.date | None


def directory_rows(user: Any, day: dt.date, search: str = "") -> list[DirectoryRow]:
    """The people page's rows: who ``user`` may see on ``day`` (matching ``search``), by
    name, with the teams they belong to that day (two queries)."""
    found = _visible(user, day, search)
    teams: dict[str, list[str]] = {}
    for employee_id, team in (TeamMembership.objects.filter(active_on(day),
                                                            person__in=found.values("id"))
                              .order_by("person", "valid_from")
                              .values_list("person__employee_id", "team__name")):
        teams.setdefault(employee_id, []).append(team)
    roles = dict(Person._meta.get_field("role").flatchoices)
    return [DirectoryRow(employee_id, name, str(roles.get(role, role)),
                         tuple(teams.get(employee_id, ())), region or "", hired, left)
            for employee_id, name, role, region, hired, left in found.values_list(
                "employee_id", "name", "role", "region__name", "hire_date",
                "termination_date")]


def people(user: Any, day: dt.date, search: str = "") -> QuerySet[Person]:
    """The people ``user`` may see on ``day``, with their team that day (no N+1)."""
    return _visible(user, day, search).select_related("region").prefetch_related(
        Prefetch("memberships", queryset=TeamMembership.objects.filter(active_on(day))
                 .select_related("team"), to_attr="current"))


@dataclass
class PersonPage:
    person: Person
    team: Team | None
    managers: list[Person]
    plans: list[PlanAssignment]
    quotas: list[Quota]
    money: bool


def person_page(user: Any, employee_id: str, day: dt.date) -> PersonPage | None:
    """One person as ``user`` may see them, or None when they may not (the page says 404)."""
    person = people(user, day).filter(employee_id=employee_id).first()
    if person is None:
        return None
    current = getattr(person, "current", [])
    chain = org_services.manager_chain(employee_id=employee_id, day=day)
    by_id = {p.employee_id: p for p in Person.objects.filter(employee_id__in=chain)}
    money = access.can_see_money_of(user, employee_id, day)
    return PersonPage(
        person=person, team=current[0].team if current else None,
        managers=[by_id[e] for e in chain if e in by_id],
        plans=list(PlanAssignment.objects.filter(person=person).select_related("plan")
                   .order_by("-valid_from")),
        quotas=list(Quota.objects.filter(person=person).order_by("-period_start"))
        if money else [],
        money=money)


@dataclass
class TeamNode:
    team: Team
    manager: Person | None
    size: int
    children: list[TeamNode] = field(default_factory=list)


def team_tree(day: dt.date) -> list[TeamNode]:
    """Teams as a tree with their manager and head count on ``day`` (three queries)."""
    teams = list(Team.objects.select_related("region").prefetch_related(
        Prefetch("managers", queryset=TeamManager.objects.filter(active_on(day))
                 .select_related("person"), to_attr="current")))
    sizes: dict[int, int] = {}
    for team_id in TeamMembership.objects.filter(active_on(day)).values_list("team_id",
                                                                              flat=True):
        sizes[team_id] = sizes.get(team_id, 0) + 1
    nodes = {t.id: TeamNode(t, t.current[0].person if t.current else None, sizes.get(t.id, 0))
             for t in teams}
    roots = []
    for team in teams:
        node = nodes[team.id]
        if team.parent_id and team.parent_id in nodes:
            nodes[team.parent_id].children.append(node)
        else:
            roots.append(node)
    return roots
