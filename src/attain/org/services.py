"""People and the hierarchy: loading them, and asking who reported to whom on a day.

Plain functions with keyword-only arguments. Other apps ask here, never the models
directly, for hierarchy answers (the engine's roll-ups and the access rules both depend on
them being the same answer).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from attain.core import audit
from attain.core.dating import as_of_q, holds_on
from attain.org.models import (
    DEFAULT_ACCESS,
    Employment,
    Person,
    Region,
    Role,
    Team,
    TeamManager,
    TeamMembership,
    TeamParent,
)
from attain.warehouse.demo.org import REGIONS, DemoOrg

BEGINNING = dt.date(1900, 1, 1)
"""The first day of a team's first parent: a team has no history before it was placed, so
its first parent holds since always (and the backfill of existing teams starts here)."""


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
    TeamParent.objects.all().delete()
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
    TeamParent.objects.bulk_create([
        TeamParent(team=teams[demo_team.code], parent=teams[demo_team.parent],
                   valid_from=BEGINNING, valid_to=None)
        for demo_team in org.teams if demo_team.parent in teams])
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


def _changed(obj: object, values: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``obj`` whose value differs from ``values`` (name -> old value)."""
    return {name: getattr(obj, name) for name, value in values.items()
            if getattr(obj, name) != value}


def _region(code: str | None) -> Region | None:
    if not code:
        return None
    region, _ = Region.objects.get_or_create(code=code, defaults={"name": code})
    return region


def _move(model: type[TeamMembership] | type[TeamManager], current: Any, since: dt.date,
          **new: Any) -> None:
    """Close ``current`` the day before ``since`` (or drop it if it starts then) and open
    a new span from ``since``."""
    if current is not None:
        if current.valid_from >= since:
            current.delete()
        else:
            current.valid_to = since - dt.timedelta(days=1)
            current.save(update_fields=["valid_to"])
    model.objects.create(valid_from=since, valid_to=None, **new)


@transaction.atomic
def upsert_people(*, rows: Iterable[dict[str, Any]], today: dt.date,
                  actor: object = None) -> tuple[int, int, int]:
    """Create or update people by employee id (the people import); returns (added, updated,
    unchanged). A new team starts on ``team_since`` (default: the hire date for a first team,
    ``today`` for a move); the previous membership ends the day before."""
    added = updated = unchanged = 0
    for row in rows:
        values = {
            "name": row["name"], "email": row["email"], "role": row["role"],
            "hire_date": row["hire_date"], "termination_date": row.get("termination_date"),
            "region": _region(row.get("region")), "cost_center": row.get("cost_center") or "",
            "currency": row.get("currency") or "USD",
            "access_role": row.get("access_role") or DEFAULT_ACCESS[Role(row["role"])],
        }
        person = Person.objects.filter(employee_id=row["employee_id"]).first()
        is_new = person is None
        changed_any = False
        if person is None:
            person = Person.objects.create(employee_id=row["employee_id"], **values)
            Employment.objects.create(person=person, role=values["role"],
                                      valid_from=values["hire_date"],
                                      valid_to=values["termination_date"])
            audit.record(actor=actor, action="import", obj=person, after=audit.snapshot(person))
            changed_any = True
        else:
            before = _changed(person, values)
            if before:
                snapshot_before = audit.snapshot(person)
                for name, value in values.items():
                    setattr(person, name, value)
                person.save()
                audit.record(actor=actor, action="import", obj=person, before=snapshot_before,
                             after=audit.snapshot(person))
                changed_any = True
        team_code = row.get("team")
        if team_code:
            current = person.memberships.filter(valid_to__isnull=True).select_related(
                "team").first()
            if current is None or current.team.code != team_code:
                first_team = current is None and not person.memberships.exists()
                since = row.get("team_since") or (values["hire_date"] if first_team else today)
                _move(TeamMembership, current, since, person=person,
                      team=Team.objects.get(code=team_code))
                changed_any = True
        if is_new:
            added += 1
        elif changed_any:
            updated += 1
        else:
            unchanged += 1
    return added, updated, unchanged


@transaction.atomic
def upsert_teams(*, rows: Iterable[dict[str, Any]], today: dt.date,
                 actor: object = None) -> tuple[int, int, int]:
    """Create or update teams by code, their parents and managers (the teams import);
    returns (added, updated, unchanged). Parents may come later in the same rows."""
    rows = list(rows)
    status: dict[str, str] = {}
    teams: dict[str, Team] = {}
    for row in rows:
        team = Team.objects.filter(code=row["code"]).first()
        values = {"name": row["name"], "region": _region(row.get("region"))}
        if team is None:
            teams[row["code"]] = Team.objects.create(code=row["code"], **values)
            status[row["code"]] = "added"
        else:
            teams[row["code"]] = team
            if _changed(team, values):
                for name, value in values.items():
                    setattr(team, name, value)
                team.save()
                status[row["code"]] = "updated"
            else:
                status[row["code"]] = "unchanged"
    for row in rows:
        team = teams[row["code"]]
        parent = teams.get(row.get("parent") or "") or (
            Team.objects.get(code=row["parent"]) if row.get("parent") else None)
        if team.parent_id != (parent.pk if parent else None):
            # a new team's first parent holds since always; a move, from today
            first = status[row["code"]] == "added"
            set_team_parent(team=team, parent=parent, since=BEGINNING if first else today)
            status[row["code"]] = status[row["code"]].replace("unchanged", "updated")
        manager_id = row.get("manager")
        if manager_id:
            current = team.managers.filter(valid_to__isnull=True).select_related(
                "person").first()
            if current is None or current.person.employee_id != manager_id:
                manager = Person.objects.get(employee_id=manager_id)
                since = row.get("manager_since") or (
                    manager.hire_date if current is None else today)
                _move(TeamManager, current, since, team=team, person=manager)
                status[row["code"]] = status[row["code"]].replace("unchanged", "updated")
    for code, outcome in status.items():
        if outcome != "unchanged":
            audit.record(actor=actor, action="import", obj=teams[code],
                         after=audit.snapshot(teams[code]), reason=f"team {outcome}")
    counts = [list(status.values()).count(name) for name in ("added", "updated", "unchanged")]
    return counts[0], counts[1], counts[2]


def team_parents_on(*, teams: Sequence[Team], day: dt.date) -> dict[int, int | None]:
    """Each team's parent team id on ``day``: from its effective-dated parent spans
    (``TeamParent``) when it has any, else its ``Team.parent``."""
    spans = list(TeamParent.objects.filter(team__in=teams))
    dated = {span.team_id for span in spans}
    in_force = {span.team_id: span.parent_id for span in spans if holds_on(span, day)}
    return {team.id: in_force.get(team.id) if team.id in dated else team.parent_id
            for team in teams}


@transaction.atomic
def set_team_parent(*, team: Team, parent: Team | None, since: dt.date) -> None:
    """Put ``team`` under ``parent`` (None: at the top) from ``since`` on: the parent span
    in force then ends the day before (or is dropped if it starts that day) and any span
    starting later is replaced, so metric roll-ups of earlier days still reach the old
    parent. ``Team.parent`` (today's parent) becomes ``parent``.
    """
    if parent is not None and parent.pk == team.pk:
        raise ValueError(f"team {team.code} cannot be its own parent")
    later = TeamParent.objects.filter(team=team, valid_from__gt=since)
    later.delete()
    current = TeamParent.objects.filter(team=team).filter(as_of_q(since)).first()
    if current is not None:
        if current.valid_from >= since:
            current.delete()
        else:
            current.valid_to = since - dt.timedelta(days=1)
            current.save(update_fields=["valid_to"])
    if parent is not None:
        TeamParent.objects.create(team=team, parent=parent, valid_from=since, valid_to=None)
    team.parent = parent
    team.save(update_fields=["parent"])


def employee_ids() -> list[str]:
    return list(Person.objects.values_list("employee_id", flat=True))


def team_codes() -> list[str]:
    return list(Team.objects.values_list("code", flat=True))


def people_names_and_emails() -> list[tuple[str, str, str]]:
    """(employee id, name, email) of everyone: for imports that join people by name."""
    return list(Person.objects.values_list("employee_id", "name", "email"))
