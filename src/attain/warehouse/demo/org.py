"""The demo company's people: regions, a real sales hierarchy, hires, leavers and transfers.

Small and built in Python (a few thousand objects at the largest scale); every number comes
from the seeded generator so the same seed gives the same company. This module returns plain
values; :mod:`attain.org.services` writes them to the app database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

REGIONS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    # code, name, currency, countries
    ("AMER", "Americas", "USD", ("US", "CA", "BR", "MX")),
    ("EMEA", "Europe, Middle East & Africa", "EUR", ("DE", "FR", "NL", "ES", "IE")),
    ("APAC", "Asia Pacific", "AUD", ("AU", "NZ", "SG")),
)

FIRST_NAMES = (
    "Ada Alan Amara Ana Arjun Ava Ben Bianca Carlos Chen Chloe Dan Daria Diego Elena Emeka "
    "Emma Farah Felix Grace Hana Hugo Ines Isaac Jade James Jana Javier Kai Kenji Lara Leo "
    "Lina Lucas Maya Mei Mila Nadia Noah Nora Omar Oscar Priya Rafael Rosa Ruth Sam Sara "
    "Sofia Tariq Theo Uma Victor Wen Yara Yusuf Zoe Ines Marta Pablo"
).split()
LAST_NAMES = (
    "Abbott Adeyemi Bauer Becker Brown Castro Chen Costa Dubois Evans Fischer Garcia Gupta "
    "Hansen Ito Jansen Kaur Khan Kim Kowalski Larsen Lee Lopez Martin Meyer Moreau Murphy "
    "Nakamura Nguyen Novak Okafor Olsen Patel Perez Petrov Quinn Rossi Santos Schmidt Silva "
    "Singh Smith Sousa Tanaka Taylor Torres Varga Wagner Walsh Wang Weber Wilson Wong Young "
    "Zhang Ziegler"
).split()


@dataclass(frozen=True)
class DemoPerson:
    employee_id: str
    """Natural key; warehouse rows name people by it (``person_id``)."""
    name: str
    email: str
    role: str
    """An attain.org.models.Role value: rep, sdr, se, manager, director, vp, sales_ops…"""
    title: str
    region: str | None
    hire_date: dt.date
    termination_date: dt.date | None
    currency: str
    cost_center: str
    skill: float
    """Latent selling skill (1.0 = typical): drives win rate and deal size, and persists."""
    fte: float = 1.0
    login: str = ""
    """Username of a demo login for this person, empty for most."""


@dataclass(frozen=True)
class DemoTeam:
    code: str
    name: str
    region: str | None
    parent: str | None


@dataclass(frozen=True)
class DemoSpan:
    """An effective-dated link: a membership (person in team) or a management (person runs team)."""

    person: str
    team: str
    valid_from: dt.date
    valid_to: dt.date | None


@dataclass
class DemoOrg:
    start: dt.date
    """First day of history."""
    as_of: dt.date
    """Last day of history ("today" for the demo)."""
    people: list[DemoPerson] = field(default_factory=list)
    teams: list[DemoTeam] = field(default_factory=list)
    memberships: list[DemoSpan] = field(default_factory=list)
    managers: list[DemoSpan] = field(default_factory=list)
    part_time: dict[str, tuple[dt.date, dt.date | None, float]] = field(default_factory=dict)
    """employee_id -> (from, to, fte) for a stretch of part-time work or leave."""

    def by_role(self, *roles: str) -> list[DemoPerson]:
        return [person for person in self.people if person.role in roles]

    def team_of(self, employee_id: str, day: dt.date) -> str | None:
        for span in self.memberships:
            if span.person == employee_id and span.valid_from <= day and (
                span.valid_to is None or day <= span.valid_to
            ):
                return span.team
        return None


DEMO_LOGINS = {
    "admin": "sales_ops",
    "finance": "finance",
    "executive": "executive",
    "manager": "manager",
    "rep": "rep",
}
"""Username -> the role of the person who gets it: one demo login per access role."""


class _Names:
    """Unique, deterministic names and emails."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def next(self) -> tuple[str, str]:
        while True:
            first = FIRST_NAMES[int(self.rng.integers(len(FIRST_NAMES)))]
            last = LAST_NAMES[int(self.rng.integers(len(LAST_NAMES)))]
            name = f"{first} {last}"
            if name not in self.used:
                break
            if len(self.used) > len(FIRST_NAMES) * len(LAST_NAMES) // 2:
                name = f"{first} {last} {len(self.used)}"
                break
        self.used.add(name)
        email = name.lower().replace(" ", ".") + "@demo.attain.dev"
        return name, email


def build_org(
    rng: np.random.Generator,
    *,
    start: dt.date,
    as_of: dt.date,
    sellers: int = 96,
    reps_per_team: int = 8,
) -> DemoOrg:
    """A VP, a director per area, a manager, an SE and SDRs per team, and ``sellers`` reps.

    Regions hold teams in proportion 45/35/20 (AMER/EMEA/APAC). About 15% of reps are hired
    during the history (and ramp), about 6% leave, one rep moves team mid-year and one team
    changes manager, so effective-dated roll-ups have something to get right.
    """
    org = DemoOrg(start=start, as_of=as_of)
    names = _Names(rng)
    counter = iter(range(1, 10_000_000))
    span_days = (as_of - start).days

    def person(role: str, title: str, region: str | None, cost_center: str, *,
               hire: dt.date | None = None, skill: float = 1.0) -> DemoPerson:
        name, email = names.next()
        currency = next((r[2] for r in REGIONS if r[0] == region), "USD")
        if hire is None:
            hire = start - dt.timedelta(days=int(rng.integers(120, 2500)))
        made = DemoPerson(
            employee_id=f"E{next(counter):05d}", name=name, email=email, role=role, title=title,
            region=region, hire_date=hire, termination_date=None, currency=currency,
            cost_center=cost_center, skill=round(skill, 4),
        )
        org.people.append(made)
        return made

    teams_total = max(3, round(sellers / reps_per_team))
    shares = np.array([0.45, 0.35, 0.20])
    per_region = np.maximum(1, np.floor(shares * teams_total).astype(int))
    per_region[0] += teams_total - per_region.sum()

    org.teams.append(DemoTeam("SALES", "Sales", None, None))
    vp = person("vp", "VP of Sales", "AMER", "SALES", skill=1.2)
    org.managers.append(DemoSpan(vp.employee_id, "SALES", start - dt.timedelta(days=365), None))
    for role, title, count in (("sales_ops", "Sales Operations Analyst", 2),
                               ("finance", "Finance Business Partner", 2),
                               ("executive", "Chief Revenue Officer", 1)):
        for _ in range(count):
            person(role, title, "AMER", role.upper())

    reps_left = sellers
    team_index = 0
    for (region, region_name, _currency, _countries), n_teams in zip(REGIONS, per_region,
                                                                     strict=True):
        directors = max(1, round(n_teams / 8))
        for area in range(directors):
            area_code = region if directors == 1 else f"{region}-{chr(65 + area)}"
            area_name = region_name if directors == 1 else f"{region_name} {chr(65 + area)}"
            org.teams.append(DemoTeam(area_code, area_name, region, "SALES"))
            director = person("director", f"Sales Director, {area_name}", region, area_code,
                              skill=1.1)
            org.managers.append(DemoSpan(director.employee_id, area_code,
                                         start - dt.timedelta(days=365), None))
            org.memberships.append(DemoSpan(director.employee_id, "SALES", director.hire_date,
                                            None))
            area_teams = n_teams // directors + (1 if area < n_teams % directors else 0)
            for number in range(1, area_teams + 1):
                team_index += 1
                code = f"{area_code}-{number:02d}"
                org.teams.append(DemoTeam(code, f"{area_name} {number}", region, area_code))
                manager = person("manager", "Sales Manager", region, code, skill=1.05)
                org.managers.append(DemoSpan(manager.employee_id, code, manager.hire_date, None))
                org.memberships.append(DemoSpan(manager.employee_id, area_code,
                                                manager.hire_date, None))
                members = [
                    person("se", "Sales Engineer", region, code),
                    *[person("sdr", "Sales Development Rep", region, code)
                      for _ in range(1 if team_index % 2 else 2)],
                ]
                size = min(reps_left, reps_per_team) if team_index < teams_total else reps_left
                reps_left -= size
                for _ in range(size):
                    skill = float(np.clip(rng.lognormal(0.0, 0.28), 0.45, 2.2))
                    hired_late = rng.random() < 0.15
                    hire = (start + dt.timedelta(days=int(rng.integers(30, span_days - 20)))
                            if hired_late else None)
                    members.append(person("rep", "Account Executive", region, code, hire=hire,
                                          skill=skill))
                for member in members:
                    org.memberships.append(DemoSpan(member.employee_id, code, member.hire_date,
                                                    None))

    _leavers_and_moves(rng, org)
    _assign_logins(org)
    return org


def _replace(org: DemoOrg, updated: DemoPerson) -> None:
    org.people = [updated if p.employee_id == updated.employee_id else p for p in org.people]


def _leavers_and_moves(rng: np.random.Generator, org: DemoOrg) -> None:
    """Some reps leave, one moves team mid-year, one team changes manager, one goes part time."""
    start, as_of = org.start, org.as_of
    span_days = (as_of - start).days
    reps = [p for p in org.people if p.role == "rep" and p.hire_date < start]
    order = rng.permutation(len(reps))
    leavers = [reps[int(i)] for i in order[: max(1, round(len(reps) * 0.06))]]
    for leaver in leavers:
        last_day = start + dt.timedelta(days=int(rng.integers(90, span_days - 30)))
        _replace(org, DemoPerson(**{**leaver.__dict__, "termination_date": last_day}))
        org.memberships = [
            DemoSpan(s.person, s.team, s.valid_from, last_day) if s.person == leaver.employee_id
            else s for s in org.memberships
        ]
    movers = [reps[int(i)] for i in order[len(leavers): len(leavers) + max(1, len(reps) // 90)]]
    leaf_teams = [t.code for t in org.teams if t.parent not in (None, "SALES")]
    for mover in movers:
        move_day = dt.date(as_of.year, 7, 1) if dt.date(as_of.year, 7, 1) < as_of else (
            start + dt.timedelta(days=span_days // 2))
        current = org.team_of(mover.employee_id, move_day)
        others = [code for code in leaf_teams if code != current]
        target = others[int(rng.integers(len(others)))]
        new_spans: list[DemoSpan] = []
        for span in org.memberships:
            if span.person == mover.employee_id:
                new_spans.append(DemoSpan(span.person, span.team, span.valid_from,
                                          move_day - dt.timedelta(days=1)))
                new_spans.append(DemoSpan(span.person, target, move_day, None))
            else:
                new_spans.append(span)
        org.memberships = new_spans
    # One team changes manager at the start of the current fiscal year: the old manager
    # leaves and a newcomer takes the team over.
    manager_spans = [s for s in org.managers if s.team.count("-") >= 1 and s.team[-2:].isdigit()]
    if manager_spans:
        changing = manager_spans[int(rng.integers(len(manager_spans)))]
        change_day = dt.date(as_of.year, 1, 1)
        if change_day <= start:
            change_day = start + dt.timedelta(days=span_days // 2)
        region = next(t.region for t in org.teams if t.code == changing.team)
        area = next(t.parent for t in org.teams if t.code == changing.team)
        assert area is not None
        names = _Names(rng)
        names.used = {p.name for p in org.people}
        name, email = names.next()
        newcomer = DemoPerson(
            employee_id=f"E{len(org.people) + 1:05d}", name=name, email=email, role="manager",
            title="Sales Manager", region=region, hire_date=change_day, termination_date=None,
            currency=next(r[2] for r in REGIONS if r[0] == region), cost_center=changing.team,
            skill=1.0,
        )
        org.people.append(newcomer)
        old = next(p for p in org.people if p.employee_id == changing.person)
        _replace(org, DemoPerson(**{**old.__dict__,
                                    "termination_date": change_day - dt.timedelta(days=1)}))
        org.managers = [
            DemoSpan(s.person, s.team, s.valid_from, change_day - dt.timedelta(days=1))
            if s is changing else s for s in org.managers
        ]
        org.managers.append(DemoSpan(newcomer.employee_id, changing.team, change_day, None))
        org.memberships = [
            DemoSpan(s.person, s.team, s.valid_from, change_day - dt.timedelta(days=1))
            if s.person == old.employee_id else s for s in org.memberships
        ]
        org.memberships.append(DemoSpan(newcomer.employee_id, area, change_day, None))
    # One rep works part time (60%) for the last six months, and one was on leave for a quarter.
    stayers = [p for p in org.people if p.role == "rep" and p.termination_date is None
               and p.hire_date < start]
    if len(stayers) >= 2:
        org.part_time[stayers[0].employee_id] = (as_of - dt.timedelta(days=182), None, 0.6)
        leave_from = start + dt.timedelta(days=span_days // 3)
        org.part_time[stayers[1].employee_id] = (leave_from, leave_from + dt.timedelta(days=90),
                                                 0.0)


def _assign_logins(org: DemoOrg) -> None:
    """Give the first current person of each role a memorable demo login."""
    for username, role in DEMO_LOGINS.items():
        for candidate in org.people:
            current = candidate.termination_date is None and candidate.hire_date <= org.start
            if candidate.role == role and current and not candidate.login:
                if role == "manager" and not _manages_a_leaf_team(org, candidate.employee_id):
                    continue
                _replace(org, DemoPerson(**{**candidate.__dict__, "login": username}))
                break


def _manages_a_leaf_team(org: DemoOrg, employee_id: str) -> bool:
    return any(s.person == employee_id and s.valid_to is None and s.team[-2:].isdigit()
               for s in org.managers)
