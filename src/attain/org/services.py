"""People and the hierarchy: loading them, and asking who reported to whom on a day.

Plain functions with keyword-only arguments. Other apps ask here, never the models
directly, for hierarchy answers (the engine's roll-ups and the access rules both depend on
them being the same answer).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from attain.core import audit
from attain.org.models import (
    DEFAULT_ACCESS,
    Employment,
    Person,
    Region,
    Role,
    Team,
    TeamManager,
    TeamMembership,
)
from attain.warehouse.demo.org import REGIONS, DemoOrg


@dataclass(frozen=True)
class ReportingLine:
    """``person`` reported (directly or not) to ``manager`` from ``valid_from`` to
    ``valid_to`` inclusive; ``depth`` 1 is the direct manager."""

    person: str
    manager: str
    depth: int
    valid_from: dt.date
    valid_to: dt.date | None


@transaction.atomic
def load_org(*, org: DemoOrg, password: str, actor: object = None) -> dict[str, int]:
    """Replace all people, teams and regions with ``org`` (the demo loader).

    Every person gets a user whose username is their demo login or the part of their email
    before the @; all share ``password`` (demo only). Returns counts of what was written.
    """
    user_model = get_user_model()
    TeamManager.objects.all().delete()
    TeamMembership.objects.all().delete()
    Employment.objects.all().delete()
    Person.objects.all().delete()
    Team.objects.update(parent=None)
    Team.objects.all().delete()
    Region.objects.all().delete()
    user_model.objects.filter(is_superuser=False).delete()

    regions = {code: Region.objects.create(code=code, name=name) for code, name, _c, _k in REGIONS}
    teams: dict[str, Team] = {}
    for demo_team in org.teams:
        teams[demo_team.code] = Team.objects.create(
            code=demo_team.code, name=demo_team.name,
            region=regions.get(demo_team.region or ""),
            parent=teams.get(demo_team.parent or ""),
        )
    hashed = make_password(password)
    users = user_model.objects.bulk_create([
        user_model(
            username=demo.login or demo.email.split("@")[0],
            email=demo.email,
            first_name=demo.name.split(" ")[0],
            last_name=" ".join(demo.name.split(" ")[1:]),
            password=hashed,
            is_active=demo.termination_date is None,
            is_staff=demo.role == Role.SALES_OPS,
        )
        for demo in org.people
    ])
    people = Person.objects.bulk_create([
        Person(
            employee_id=demo.employee_id, name=demo.name, email=demo.email, role=demo.role,
            access_role=DEFAULT_ACCESS[Role(demo.role)], hire_date=demo.hire_date,
            termination_date=demo.termination_date, region=regions.get(demo.region or ""),
            cost_center=demo.cost_center, currency=demo.currency, user=user,
        )
        for demo, user in zip(org.people, users, strict=True)
    ])
    by_id = {person.employee_id: person for person in people}
    employment: list[Employment] = []
    for demo in org.people:
        person = by_id[demo.employee_id]
        stretch = org.part_time.get(demo.employee_id)
        if stretch is None:
            employment.append(Employment(person=person, role=demo.role, title=demo.title,
                                         valid_from=demo.hire_date,
                                         valid_to=demo.termination_date))
            continue
        since, until, fte = stretch
        employment.append(Employment(person=person, role=demo.role, title=demo.title,
                                     valid_from=demo.hire_date,
                                     valid_to=since - dt.timedelta(days=1)))
        employment.append(Employment(person=person, role=demo.role, title=demo.title,
                                     fte=f"{fte:.2f}", valid_from=since, valid_to=until))
        if until is not None and (demo.termination_date is None or until < demo.termination_date):
            employment.append(Employment(person=person, role=demo.role, title=demo.title,
                                         valid_from=until + dt.timedelta(days=1),
                                         valid_to=demo.termination_date))
    Employment.objects.bulk_create(employment)
    TeamMembership.objects.bulk_create([
        TeamMembership(person=by_id[span.person], team=teams[span.team],
                       valid_from=span.valid_from, valid_to=span.valid_to)
        for span in org.memberships
    ])
    TeamManager.objects.bulk_create([
        TeamManager(person=by_id[span.person], team=teams[span.team],
                    valid_from=span.valid_from, valid_to=span.valid_to)
        for span in org.managers
    ])
    counts = {"regions": len(regions), "teams": len(teams), "people": len(people),
              "memberships": len(org.memberships), "managers": len(org.managers)}
    audit.record(actor=actor, action="load", object_type="org.Person", object_repr="demo org",
                 after=counts, reason="demo company loaded")
    return counts


def _intersect(a_from: dt.date, a_to: dt.date | None, b_from: dt.date, b_to: dt.date | None
               ) -> tuple[dt.date, dt.date | None] | None:
    start = max(a_from, b_from)
    ends = [end for end in (a_to, b_to) if end is not None]
    end = min(ends) if ends else None
    if end is not None and end < start:
        return None
    return start, end


def reporting_lines(*, max_depth: int = 10) -> list[ReportingLine]:
    """Every effective-dated (person → manager at any depth) link, from memberships and team
    managers: a person in team T reports to T's manager; a manager reports to whoever
    manages the team they are a member of; and so on up. Nobody reports to themselves (a
    manager who is a member of the team they run skips to the parent team's manager).
    """
    memberships = list(TeamMembership.objects.select_related("person", "team")
                       .values_list("person__employee_id", "team_id", "valid_from", "valid_to"))
    managers = list(TeamManager.objects.values_list("person__employee_id", "team_id",
                                                    "valid_from", "valid_to"))
    parents: dict[int, int | None] = dict(Team.objects.values_list("id", "parent_id"))
    return _reporting_lines(memberships, managers, parents, max_depth=max_depth)


def _reporting_lines(
    memberships: Iterable[tuple[str, int, dt.date, dt.date | None]],
    managers: Iterable[tuple[str, int, dt.date, dt.date | None]],
    parents: dict[int, int | None],
    *,
    max_depth: int,
) -> list[ReportingLine]:
    managers_by_team: dict[int, list[tuple[str, dt.date, dt.date | None]]] = {}
    for person, team, start, end in managers:
        managers_by_team.setdefault(team, []).append((person, start, end))
    lines: list[ReportingLine] = []
    for person, team, start, end in memberships:
        # frontier: (team to look in, from, to, depth so far)
        frontier: list[tuple[int | None, dt.date, dt.date | None, int, str]] = [
            (team, start, end, 0, person)]
        while frontier:
            current_team, span_from, span_to, depth, current = frontier.pop()
            if current_team is None or depth >= max_depth:
                continue
            found_any = False
            for manager, m_from, m_to in managers_by_team.get(current_team, []):
                overlap = _intersect(span_from, span_to, m_from, m_to)
                if overlap is None:
                    continue
                if manager == current:
                    continue
                found_any = True
                lines.append(ReportingLine(person, manager, depth + 1, overlap[0], overlap[1]))
                frontier.append((parents.get(current_team), overlap[0], overlap[1], depth + 1,
                                 manager))
            if not found_any:
                frontier.append((parents.get(current_team), span_from, span_to, depth, current))
    lines.sort(key=lambda line: (line.person, line.depth, line.valid_from))
    return lines


def manager_chain(*, employee_id: str, day: dt.date) -> list[str]:
    """The managers above ``employee_id`` on ``day``, direct manager first."""
    chain = [line for line in reporting_lines()
             if line.person == employee_id and line.valid_from <= day
             and (line.valid_to is None or day <= line.valid_to)]
    return [line.manager for line in sorted(chain, key=lambda line: line.depth)]
