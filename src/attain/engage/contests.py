"""Contests: who may create and see one, who takes part, and what state it is in.

Plain functions with keyword-only arguments; no HTTP here. Access follows the one rule of
:mod:`attain.web.access`: sales ops create contests for anyone; a manager only for a team
they manage (or one below it) or for people below them; reps, finance and executives do not
create contests. A private contest is seen by its entrants, the managers above them, its
creator, finance and sales ops; a public one by everyone signed in. Drafts are seen by
their creator and sales ops only.

This module never reads a metric: standings are :mod:`attain.engage.standings`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from attain import metrics
from attain.core import audit
from attain.core.money import round_money
from attain.engage.models import Contest, ContestEntry, Prize
from attain.org import services as org_services
from attain.org.models import AccessRole, Person, Team, TeamManager, TeamMembership
from attain.web import access

DRAFT, UPCOMING, LIVE, FINISHED = "draft", "upcoming", "live", "finished"
STATE_LABELS = {DRAFT: "Draft", UPCOMING: "Upcoming", LIVE: "Live", FINISHED: "Finished"}
MAX_DAYS = 366
"""A contest runs at most a year: longer is a quota, not a contest."""


class ContestError(ValueError):
    """A contest that cannot be saved, with every reason (field -> message)."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {text}" for name, text in problems.items()))
        self.problems = problems


def state_of(contest: Contest, *, today: dt.date) -> str:
    """Draft until published; then upcoming before its first day, live through its last,
    finished after it."""
    if contest.published_at is None:
        return DRAFT
    if today < contest.start:
        return UPCOMING
    if today <= contest.end:
        return LIVE
    return FINISHED


def contest_metrics() -> list[metrics.Metric]:
    """The catalog metrics a contest can rank by: cut by person, readable over any span."""
    return [m for m in metrics.catalog()
            if "person" in m.dimensions and metrics.span_capable(m)]


# --- the org on a day -----------------------------------------------------------------------


def teams_below(team_ids: Iterable[int], *, days: Sequence[dt.date]) -> set[int]:
    """``team_ids`` and every team under them on any of ``days`` (parents over time)."""
    teams = list(Team.objects.all())
    found = set(team_ids)
    for day in days:
        parents = org_services.team_parents_on(teams=teams, day=day)
        grew = True
        while grew:
            grew = False
            for team, parent in parents.items():
                if parent in found and team not in found:
                    found.add(team)
                    grew = True
    return found


def managed_teams(person: Person, *, day: dt.date) -> set[int]:
    """The teams ``person`` manages on ``day`` and the teams below them."""
    direct = set(TeamManager.objects.as_of(day).filter(person=person)
                 .values_list("team_id", flat=True))
    return teams_below(direct, days=[day]) if direct else set()


def entrants_of(contest: Contest, *, today: dt.date | None = None) -> list[Person]:
    """Who takes part: the people chosen, or the reps who were members of the contest's team
    or a team below it on any day of the contest (up to today while it runs)."""
    if contest.team_id is None:
        return list(contest.people.order_by("name"))
    last = min(contest.end, max(contest.start, today or dt.date.today()))
    teams = teams_below([contest.team_id], days=sorted({contest.start, last}))
    members = (TeamMembership.objects.filter(team_id__in=teams, valid_from__lte=last)
               .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=contest.start))
               .values_list("person_id", flat=True))
    return list(Person.objects.filter(id__in=members, access_role=AccessRole.REP)
                .order_by("name"))


def refresh_entries(contest: Contest, *, today: dt.date | None = None) -> list[Person]:
    """Bring the contest's entries up to date with :func:`entrants_of` (a frozen contest's
    entries stay as they were)."""
    people = entrants_of(contest, today=today)
    if contest.results is not None:
        return people
    wanted = {p.pk for p in people}
    have = set(contest.entries.values_list("person_id", flat=True))
    if wanted != have:
        contest.entries.exclude(person_id__in=wanted).delete()
        ContestEntry.objects.bulk_create(
            [ContestEntry(contest=contest, person_id=pk) for pk in wanted - have])
    return people


# --- who may do what ------------------------------------------------------------------------


def may_create(user: Any) -> bool:
    return access.role_of(user) in (AccessRole.ADMIN, AccessRole.MANAGER)


def _check_scope(user: Any, *, team: Team | None, people: Sequence[Person],
                 day: dt.date) -> str | None:
    """Why ``user`` may not run a contest for ``team`` or ``people``; None when they may."""
    role = access.role_of(user)
    if role == AccessRole.ADMIN:
        return None
    if role != AccessRole.MANAGER:
        return "only sales ops and managers create contests"
    person = access.person_of(user)
    if person is None:
        return "your sign-in is not linked to a person"
    if team is not None:
        if team.pk not in managed_teams(person, day=day):
            return f"you do not manage {team.name}"
        return None
    visible = access.visible_people(user, day) or set()
    outside = sorted(p.name for p in people if p.employee_id not in visible)
    if outside:
        return f"not in your team: {', '.join(outside)}"
    return None


def may_manage(user: Any, contest: Contest) -> bool:
    """Edit, publish or delete: sales ops, or the manager who created it."""
    role = access.role_of(user)
    if role == AccessRole.ADMIN:
        return True
    person = access.person_of(user)
    return (role == AccessRole.MANAGER and person is not None
            and contest.created_by_id == person.pk)


def visible_contests(user: Any, *, today: dt.date) -> QuerySet[Contest]:
    """The contests ``user`` may open (the rule in the module's docstring), as a queryset."""
    found = Contest.objects.select_related("team", "created_by")
    role = access.role_of(user)
    person = access.person_of(user)
    mine = Q(created_by=person) if person is not None else Q(pk__in=[])
    if role == AccessRole.ADMIN:
        return found
    published = found.filter(published_at__isnull=False)
    if role in (AccessRole.FINANCE, AccessRole.EXECUTIVE):
        return published
    if person is None:
        return published.filter(private=False)
    seen = access.visible_people(user, today) or set()
    below = Q(entries__person__employee_id__in=seen)
    return found.filter(mine | (Q(published_at__isnull=False) & (Q(private=False) | below))
                        ).distinct()


def can_see(user: Any, contest: Contest, *, today: dt.date) -> bool:
    return visible_contests(user, today=today).filter(pk=contest.pk).exists()


# --- making one -----------------------------------------------------------------------------


@dataclass
class ContestInput:
    """What a form or the API sends (strings as typed; checked by :func:`save_contest`)."""

    name: str = ""
    metric: str = "deals_won"
    start: str = ""
    end: str = ""
    team: str = ""
    """A team's code; empty for people chosen one by one."""
    people: list[str] = field(default_factory=list)
    """Employee ids, when there is no team."""
    private: bool = False
    rules: str = ""
    prizes: list[tuple[str, str, str]] = field(default_factory=list)
    """(rank, threshold, description): one of rank and threshold filled in."""


def _date(text: str, name: str, problems: dict[str, str]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        problems[name] = f"{text!r} is not a date (YYYY-MM-DD)" if text.strip() \
            else "a date is needed"
        return None


def _prizes(rows: Sequence[tuple[str, str, str]], problems: dict[str, str]
            ) -> list[Prize]:
    found = []
    for number, (rank, threshold, description) in enumerate(rows, start=1):
        rank, threshold, description = rank.strip(), threshold.strip(), description.strip()
        if not (rank or threshold or description):
            continue
        where = f"prize {number}"
        if not description:
            problems[where] = "say what the prize is"
        elif len(description) > 200:
            problems[where] = "describe the prize in at most 200 characters"
        elif bool(rank) == bool(threshold):
            problems[where] = "give a rank or a threshold, not both"
        elif rank:
            if not rank.isdigit() or not 1 <= int(rank) <= 1000:
                problems[where] = f"rank {rank!r} is not a whole number from 1 to 1000"
            else:
                found.append(Prize(rank=int(rank), description=description))
        else:
            try:
                value = Decimal(threshold.replace(",", ""))
            except InvalidOperation:
                problems[where] = f"threshold {threshold!r} is not a number"
            else:
                if not value.is_finite() or value <= 0 or abs(value) >= Decimal("1e15"):
                    problems[where] = "a threshold is a positive number"
                else:
                    found.append(Prize(threshold=round_money(value),
                                       description=description))
    return found


def _unique_slug(name: str) -> str:
    base = (slugify(name) or "contest")[:70]
    slug, n = base, 2
    while Contest.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def save_contest(*, user: Any, data: ContestInput, contest: Contest | None = None,
                 today: dt.date | None = None) -> Contest:
    """Create (or edit a draft of) a contest; :class:`ContestError` with every problem.

    Only drafts are edited: once published, entrants have seen the rules."""
    today = today or dt.date.today()
    problems: dict[str, str] = {}
    if contest is not None and contest.published_at is not None:
        raise ContestError({"contest": "a published contest cannot be changed"})
    name = data.name.strip()
    if not name:
        problems["name"] = "a contest needs a name"
    elif len(name) > 120:
        problems["name"] = "at most 120 characters"
    allowed = {m.name: m for m in contest_metrics()}
    if data.metric not in allowed:
        problems["metric"] = (f"{data.metric!r} is not a metric contests rank by; choose one "
                              f"of: {', '.join(allowed)}")
    start = _date(data.start, "start", problems)
    end = _date(data.end, "end", problems)
    if start and end:
        if end < start:
            problems["end"] = "the contest ends before it starts"
        elif (end - start).days + 1 > MAX_DAYS:
            problems["end"] = f"a contest runs at most {MAX_DAYS} days"
    team = None
    people: list[Person] = []
    if data.team.strip():
        team = Team.objects.filter(code=data.team.strip()).first()
        if team is None:
            problems["team"] = f"no team {data.team.strip()!r}"
    else:
        wanted = sorted({e.strip() for e in data.people if e.strip()})
        people = list(Person.objects.filter(employee_id__in=wanted))
        unknown = sorted(set(wanted) - {p.employee_id for p in people})
        if unknown:
            problems["people"] = f"no such person: {', '.join(unknown)}"
        elif not wanted:
            problems["team"] = "choose a team or at least one person"
    prizes = _prizes(data.prizes, problems)
    if "team" not in problems and "people" not in problems:
        why = _check_scope(user, team=team, people=people, day=max(today, start or today))
        if why:
            problems["team" if team is not None or not people else "people"] = why
    if problems:
        raise ContestError(problems)
    assert start is not None and end is not None
    before = audit.snapshot(contest) if contest is not None else None
    contest = contest or Contest(created_by=access.person_of(user))
    contest.name, contest.metric, contest.start, contest.end = name, data.metric, start, end
    contest.team, contest.private, contest.rules = team, data.private, data.rules.strip()
    contest.slug = contest.slug or _unique_slug(name)
    contest.save()
    contest.people.set(people)
    contest.prizes.all().delete()
    for prize in prizes:
        prize.contest = contest
        prize.save()
    audit.record(actor=user, action="update" if before else "create", obj=contest,
                 before=before, after=audit.snapshot(contest), reason="contest")
    return contest


def publish(*, user: Any, contest: Contest) -> Contest:
    """Make a draft visible to its entrants; its state then follows its dates."""
    if not may_manage(user, contest):
        raise ContestError({"contest": "you may not publish this contest"})
    if contest.published_at is None:
        contest.published_at = timezone.now()
        contest.save(update_fields=["published_at"])
        refresh_entries(contest)
        audit.record(actor=user, action="publish", obj=contest, reason="contest published")
    return contest


def delete_draft(*, user: Any, contest: Contest) -> None:
    if not may_manage(user, contest):
        raise ContestError({"contest": "you may not delete this contest"})
    if contest.published_at is not None:
        raise ContestError({"contest": "a published contest is kept for the record"})
    audit.record(actor=user, action="delete", obj=contest, before=audit.snapshot(contest),
                 reason="draft contest deleted")
    contest.delete()


def team_choices(user: Any, *, today: dt.date) -> list[Team]:
    """Teams ``user`` may run a contest for (every team for sales ops)."""
    if access.role_of(user) == AccessRole.ADMIN:
        return list(Team.objects.order_by("name"))
    person = access.person_of(user)
    if person is None or access.role_of(user) != AccessRole.MANAGER:
        return []
    return list(Team.objects.filter(pk__in=managed_teams(person, day=today)).order_by("name"))


def people_choices(user: Any, *, today: dt.date) -> list[Person]:
    """People ``user`` may enter one by one (reps they may see; every rep for sales ops)."""
    if not may_create(user):
        return []
    found = Person.objects.filter(access_role=AccessRole.REP).order_by("name")
    visible = access.visible_people(user, today)
    if visible is not access.ALL:
        found = found.filter(employee_id__in=visible)
    return list(found)
