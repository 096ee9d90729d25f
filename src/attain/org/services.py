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
from django.db.models import Q

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


# --- editing people and teams by hand (the sales ops pages) ---------------------------------


class OrgChangeError(ValueError):
    """A change the org cannot take, with the reason a form shows next to the field
    (``field`` names it; empty for the whole form)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _user_for(person: Person) -> Any:
    """The sign-in of a new person: username the part of their email before the @ (or the
    whole email when that is taken); no usable password until an admin sets one."""
    user_model = get_user_model()
    username = person.email.split("@")[0]
    if user_model.objects.filter(username=username).exists():
        username = person.email
    return user_model.objects.create_user(username=username, email=person.email,
                                          first_name=person.name.split(" ")[0],
                                          last_name=" ".join(person.name.split(" ")[1:]))


@transaction.atomic
def create_person(*, employee_id: str, name: str, email: str, role: str, hire_date: dt.date,
                  access_role: str = "", region: Region | None = None, cost_center: str = "",
                  currency: str = "USD", team: Team | None = None,
                  actor: object = None) -> Person:
    """A new person, employed from ``hire_date`` in ``role``, in ``team`` from that day,
    with a sign-in of their own (audited)."""
    if Person.objects.filter(employee_id=employee_id).exists():
        raise OrgChangeError(f"employee id {employee_id} is taken", "employee_id")
    if Person.objects.filter(email__iexact=email).exists():
        raise OrgChangeError(f"{email} is someone else's email", "email")
    person = Person(employee_id=employee_id, name=name, email=email, role=role,
                    access_role=access_role or DEFAULT_ACCESS[Role(role)], hire_date=hire_date,
                    region=region, cost_center=cost_center, currency=currency)
    person.user = _user_for(person)
    person.save()
    Employment.objects.create(person=person, role=role, valid_from=hire_date, valid_to=None)
    audit.record(actor=actor, action="create", obj=person, after=audit.snapshot(person))
    if team is not None:
        TeamMembership.objects.create(person=person, team=team, valid_from=hire_date,
                                      valid_to=None)
        audit.record(actor=actor, action="move", obj=person, after={"team": team.code},
                     reason=f"joins {team.code} on {hire_date.isoformat()}")
    return person


EDITABLE_PERSON_FIELDS = ("name", "email", "role", "access_role", "hire_date", "region",
                          "cost_center", "currency")


@transaction.atomic
def update_person(*, person: Person, values: dict[str, Any], actor: object = None,
                  reason: str = "") -> bool:
    """Change a person's record (not their team or leaving date: :func:`move_person` and
    :func:`set_leaving_date`); returns whether anything changed (audited with before and
    after)."""
    unknown = set(values) - set(EDITABLE_PERSON_FIELDS)
    if unknown:
        raise OrgChangeError(f"cannot edit {', '.join(sorted(unknown))} here")
    email = values.get("email")
    if email and Person.objects.filter(email__iexact=email).exclude(pk=person.pk).exists():
        raise OrgChangeError(f"{email} is someone else's email", "email")
    hire = values.get("hire_date", person.hire_date)
    first_team = person.memberships.order_by("valid_from").first()
    if first_team is not None and hire > first_team.valid_from:
        raise OrgChangeError(
            f"hired after joining {first_team.team.code} on {first_team.valid_from.isoformat()}"
            "; move the team date first", "hire_date")
    if not _changed(person, values):
        return False
    before = audit.snapshot(person)
    old_hire = person.hire_date
    for name, value in values.items():
        setattr(person, name, value)
    person.save()
    if hire != old_hire:
        # their first stretch of employment starts on the corrected day
        Employment.objects.filter(person=person, valid_from=old_hire).update(valid_from=hire)
    if "role" in values:
        Employment.objects.filter(person=person, valid_to__isnull=True).update(
            role=values["role"])
    audit.record(actor=actor, action="update", obj=person, before=before,
                 after=audit.snapshot(person), reason=reason)
    return True


@transaction.atomic
def move_person(*, person: Person, team: Team, since: dt.date, actor: object = None) -> bool:
    """Put ``person`` in ``team`` from ``since`` on: the membership in force ends the day
    before (or is replaced when it starts that day), so results before ``since`` stay with
    the old team. Refuses a day before the person's current membership began (history is
    rewritten by import, not by a form) or outside their employment. Returns whether
    anything changed."""
    if since < person.hire_date:
        raise OrgChangeError(f"{person.name} was hired on {person.hire_date.isoformat()}; "
                             "a team move cannot start before that", "team_since")
    if person.termination_date is not None and since > person.termination_date:
        raise OrgChangeError(f"{person.name} left on {person.termination_date.isoformat()}",
                             "team_since")
    later = person.memberships.filter(valid_from__gt=since).order_by("valid_from").first()
    if later is not None:
        raise OrgChangeError(
            f"{person.name} already moves to {later.team.code} on "
            f"{later.valid_from.isoformat()}; a move must start on or after that day",
            "team_since")
    current = person.memberships.filter(as_of_q(since)).select_related("team").first()
    if current is not None and current.team_id == team.pk:
        return False
    _move(TeamMembership, current, since, person=person, team=team)
    if person.termination_date is not None:
        TeamMembership.objects.filter(person=person, valid_from=since).update(
            valid_to=person.termination_date)
    audit.record(actor=actor, action="move", obj=person,
                 before={"team": current.team.code if current else None},
                 after={"team": team.code}, reason=f"from {since.isoformat()}")
    return True


@transaction.atomic
def set_leaving_date(*, person: Person, last_day: dt.date | None,
                     actor: object = None) -> bool:
    """``person`` leaves after ``last_day`` (None: takes a leaving date back): their
    employment, team membership and any team they manage end that day, and their sign-in
    stops working. Returns whether anything changed."""
    if last_day is not None and last_day < person.hire_date:
        raise OrgChangeError(f"hired on {person.hire_date.isoformat()}; cannot leave before",
                             "termination_date")
    if person.termination_date == last_day:
        return False
    before = audit.snapshot(person)
    previous = person.termination_date
    person.termination_date = last_day
    person.save(update_fields=["termination_date"])
    for spans in (person.employment, person.memberships, person.managed_teams):
        if last_day is None:
            spans.filter(valid_to=previous).update(valid_to=None)
            continue
        spans.filter(valid_from__gt=last_day).delete()
        spans.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=last_day)).update(
            valid_to=last_day)
    if person.user_id is not None:
        get_user_model().objects.filter(pk=person.user_id).update(
            is_active=last_day is None or last_day >= dt.date.today())
    audit.record(actor=actor, action="leave" if last_day else "rehire", obj=person,
                 before=before, after=audit.snapshot(person))
    return True


@transaction.atomic
def save_team(*, code: str, name: str, region: Region | None, team: Team | None = None,
              actor: object = None) -> Team:
    """Create a team (``team`` None) or change its name and region (audited); its parent
    and manager change through :func:`set_team_parent` and :func:`set_team_manager`."""
    if team is None:
        if Team.objects.filter(code=code).exists():
            raise OrgChangeError(f"team code {code} is taken", "code")
        team = Team.objects.create(code=code, name=name, region=region)
        audit.record(actor=actor, action="create", obj=team, after=audit.snapshot(team))
        return team
    values = {"name": name, "region": region}
    if _changed(team, values):
        before = audit.snapshot(team)
        for field_name, value in values.items():
            setattr(team, field_name, value)
        team.save()
        audit.record(actor=actor, action="update", obj=team, before=before,
                     after=audit.snapshot(team))
    return team


def _below(team: Team) -> set[int]:
    """Ids of the teams under ``team`` today, at any depth."""
    children: dict[int | None, list[int]] = {}
    for team_id, parent_id in Team.objects.values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(team_id)
    found: set[int] = set()
    frontier = [team.pk]
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


@transaction.atomic
def move_team(*, team: Team, parent: Team | None, since: dt.date,
              actor: object = None) -> bool:
    """:func:`set_team_parent` for a form: refuses a parent below the team (a loop) and
    audits the move. Returns whether anything changed."""
    if parent is not None and (parent.pk == team.pk or parent.pk in _below(team)):
        raise OrgChangeError(f"{parent.code} is under {team.code}; a team cannot sit under "
                             "itself", "parent")
    in_force = team_parents_on(teams=[team], day=since)[team.pk]
    if in_force == (parent.pk if parent else None) and team.parent_id == in_force:
        return False
    before = {"parent": team.parent.code if team.parent else None}
    set_team_parent(team=team, parent=parent, since=since)
    audit.record(actor=actor, action="move", obj=team, before=before,
                 after={"parent": parent.code if parent else None},
                 reason=f"from {since.isoformat()}")
    return True


@transaction.atomic
def set_team_manager(*, team: Team, manager: Person, since: dt.date,
                     actor: object = None) -> bool:
    """``manager`` runs ``team`` from ``since`` on (the manager in force ends the day
    before), so "who managed this rep on 14 March" keeps its answer. Returns whether
    anything changed."""
    if since < manager.hire_date:
        raise OrgChangeError(f"{manager.name} was hired on {manager.hire_date.isoformat()}",
                             "manager_since")
    later = team.managers.filter(valid_from__gt=since).first()
    if later is not None:
        raise OrgChangeError(f"{team.code} already changes manager on "
                             f"{later.valid_from.isoformat()}", "manager_since")
    current = team.managers.filter(as_of_q(since)).select_related("person").first()
    if current is not None and current.person_id == manager.pk:
        return False
    _move(TeamManager, current, since, team=team, person=manager)
    audit.record(actor=actor, action="manager", obj=team,
                 before={"manager": current.person.employee_id if current else None},
                 after={"manager": manager.employee_id}, reason=f"from {since.isoformat()}")
    return True
