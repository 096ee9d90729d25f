"""Standings: contests and leaderboards ranked from the metric catalog, ties ranked fairly.

One set-based catalog query per contest or leaderboard (``metrics.query_span`` over a
contest's dates, ``Metric.query`` by person for a calendar period), cached for five minutes
like the home page's standing: the cache holds everyone's values, and each viewer gets them
only after :func:`shown_to`, the access rule. Ranks are competition ranks: equal values
share a rank and the next rank skips (1, 2, 2, 4), so nobody loses a place to alphabetical
order.

Who may see a value: anyone who may see the contest sees every entrant's name and rank,
and the values of metrics that are not money (deals won, meetings, win rate); a money
value (revenue) only where the viewer may see that person's money
(:func:`attain.web.access.can_see_money_of`): their own, their team's for a manager.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from attain import metrics
from attain.core.periods import Period
from attain.engage import contests as contest_services
from attain.engage.models import Contest
from attain.org.models import Person
from attain.warehouse import connection
from attain.web import access

CACHE_SECONDS = 300
ZERO = Decimal(0)


@dataclass(frozen=True)
class Place:
    employee_id: str
    name: str
    value: Decimal | None
    """Empty for a ratio with nothing to divide by (no deals closed: no win rate)."""
    rank: int | None
    """None when there is no value to rank."""
    prizes: tuple[str, ...] = ()
    hidden: bool = False
    """The value is someone else's money: shown as a dash."""


def rank(values: Iterable[tuple[str, str, Decimal | None]], *, direction: str
         ) -> list[Place]:
    """(employee id, name, value) ranked: 1 is best by the metric's ``direction``; equal
    values share the rank and the next one skips (1, 2, 2, 4); no value, no rank, last.
    Ties and the unranked are listed by name."""
    rows = list(values)
    ranked = [(e, n, v) for e, n, v in rows if v is not None]
    ranked.sort(key=lambda r: (-r[2] if direction == "higher" else r[2], r[1], r[0]))
    found: list[Place] = []
    for position, (employee_id, name, value) in enumerate(ranked, start=1):
        same = found and found[-1].value == value
        found.append(Place(employee_id, name, value,
                           found[-1].rank if same else position))
    found.extend(Place(e, n, None, None) for e, n, v in sorted(
        (r for r in rows if r[2] is None), key=lambda r: (r[1], r[0])))
    return found


def _key(*parts: str) -> str:
    where = hashlib.sha256(connection.configured_url().encode()).hexdigest()[:12]
    return ":".join(("attain:engage", where, *parts))


def _values(metric: metrics.Metric, *, people: Sequence[str], start: dt.date, end: dt.date,
            label: str) -> dict[str, Decimal | None]:
    """person -> the metric over start..end (one catalog query), for ``people``."""
    if not people:
        return {}
    digest = hashlib.sha256(",".join(sorted(people)).encode()).hexdigest()[:16]
    key = _key("span", metric.name, start.isoformat(), end.isoformat(), digest)
    cached = cache.get(key)
    if cached is not None:
        return dict(cached)
    table = metrics.query_span(metric, by=["person"], start=start, end=end, label=label,
                               filters={"person": list(people)})
    found: dict[str, Decimal | None] = {
        row["person"]: row["value"] for row in table.to_pyarrow().to_pylist() if row["person"]}
    cache.set(key, found, CACHE_SECONDS)
    return found


def _filled(metric: metrics.Metric, value: Decimal | None) -> Decimal | None:
    """An additive count or amount with no fact is zero; a ratio with none has no value."""
    if value is None and metric.additivity == "additive":
        return ZERO.quantize(Decimal(1).scaleb(-metric.places))
    return value


def _with_prizes(contest: Contest, places: list[Place]) -> list[Place]:
    prizes = list(contest.prizes.all())
    result = []
    for place in places:
        won = tuple(p.description for p in prizes
                    if (p.rank is not None and place.rank == p.rank)
                    or (p.threshold is not None and place.value is not None
                        and _reaches(place.value, p.threshold, contest.metric)))
        result.append(replace(place, prizes=won))
    return result


def _reaches(value: Decimal, threshold: Decimal, metric_name: str) -> bool:
    if metrics.get(metric_name).direction == "lower":
        return value <= threshold
    return value >= threshold


def compute(contest: Contest, *, today: dt.date | None = None) -> list[Place]:
    """Everyone's place in ``contest`` on ``today``, from the catalog (no access rule
    applied): the days from its start to today, or to its end once finished."""
    metric = metrics.get(contest.metric)
    today = today or dt.date.today()
    people = contest_services.refresh_entries(contest, today=today)
    last = min(contest.end, max(contest.start, today))
    values = _values(metric, people=[p.employee_id for p in people], start=contest.start,
                     end=last, label=contest.slug)
    places = rank(((p.employee_id, p.name, _filled(metric, values.get(p.employee_id)))
                   for p in people), direction=metric.direction)
    return _with_prizes(contest, places)


def freeze(contest: Contest, *, today: dt.date | None = None) -> bool:
    """Keep a finished contest's final standings and award its winners' badges, once.
    True when it froze now. A late import no longer moves a finished contest."""
    from attain.engage import recognition

    today = today or dt.date.today()
    if contest.results is not None or contest_services.state_of(
            contest, today=today) != contest_services.FINISHED:
        return False
    places = compute(contest, today=today)
    contest.results = [{"employee_id": p.employee_id, "name": p.name,
                        "value": None if p.value is None else str(p.value), "rank": p.rank,
                        "prizes": list(p.prizes)} for p in places]
    contest.frozen_at = timezone.now()
    contest.save(update_fields=["results", "frozen_at"])
    recognition.award_contest_winners(contest, places, day=contest.end)
    return True


def standings(contest: Contest, *, today: dt.date | None = None) -> list[Place]:
    """The contest's standings: frozen ones once finished, else computed and cached for
    five minutes (entries refreshed with them)."""
    today = today or dt.date.today()
    freeze(contest, today=today)
    if contest.results is not None:
        return [Place(r["employee_id"], r["name"],
                      None if r["value"] is None else Decimal(r["value"]), r["rank"],
                      tuple(r["prizes"])) for r in contest.results]
    if contest.published_at is None:  # a draft may still change: never cached
        return compute(contest, today=today)
    key = _key("contest", str(contest.pk), contest.published_at.isoformat(), today.isoformat())
    cached = cache.get(key)
    if cached is None:
        cached = compute(contest, today=today)
        cache.set(key, cached, CACHE_SECONDS)
    return list(cached)


def shown_to(user: Any, places: list[Place], *, metric_name: str, day: dt.date
             ) -> list[Place]:
    """``places`` as ``user`` may read them: someone else's money value hidden."""
    if metrics.get(metric_name).unit != "money":
        return places
    return [p if access.can_see_money_of(user, p.employee_id, day)
            else replace(p, value=None, hidden=True) for p in places]


def place_of(places: list[Place], employee_id: str) -> Place | None:
    return next((p for p in places if p.employee_id == employee_id), None)


# --- leaderboards ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Board:
    metric: metrics.Metric
    period: Period
    scope: str
    """``team``: the viewer's peers (a rep's teammates, a manager's people); ``company``:
    everyone with a value."""
    places: list[Place]


def _by_person(metric: metrics.Metric, period: Period) -> dict[str, Decimal | None]:
    key = _key("board", metric.name, period.label, period.kind)
    cached = cache.get(key)
    if cached is not None:
        return dict(cached)
    table = metrics.query_span(metric, by=["person"], start=period.start, end=period.end,
                               label=period.label)
    found = {row["person"]: row["value"] for row in table.to_pyarrow().to_pylist()
             if row["person"]}
    cache.set(key, found, CACHE_SECONDS)
    return found


def peers(user: Any, *, day: dt.date) -> set[str] | None:
    """The people a viewer is ranked against on ``day``: a rep's teammates (the members of
    their teams), a manager's people; None (everyone) for the others."""
    from attain.org.models import AccessRole, TeamMembership

    person = access.person_of(user)
    role = access.role_of(user)
    if person is None or role not in (AccessRole.REP, AccessRole.MANAGER):
        return None
    if role == AccessRole.MANAGER:
        return access.visible_people(user, day) or {person.employee_id}
    teams = TeamMembership.objects.as_of(day).filter(person=person).values("team_id")
    mates = set(TeamMembership.objects.as_of(day).filter(team_id__in=teams)
                .values_list("person__employee_id", flat=True))
    return mates | {person.employee_id}


def leaderboard(user: Any, *, metric: metrics.Metric, period: Period, scope: str,
                day: dt.date) -> Board:
    """``metric`` in ``period`` ranked among the viewer's peers (or the whole company),
    values shown by :func:`shown_to`."""
    values = _by_person(metric, period)
    wanted = peers(user, day=day) if scope == "team" else None
    ids = set(values) if wanted is None else wanted
    names = dict(Person.objects.filter(employee_id__in=ids).values_list("employee_id", "name"))
    if wanted is not None:
        from attain.org.models import AccessRole

        # Everyone in the team is ranked, a rep with nothing yet at zero; managers of the
        # team are not ranked against their own reps.
        names = dict(Person.objects.filter(employee_id__in=ids, access_role=AccessRole.REP)
                     .values_list("employee_id", "name"))
    # Nobody with a fact in the period: an empty board, not a row of zeros all ranked 1.
    rows = [(e, names.get(e, e), _filled(metric, values.get(e))) for e in names
            ] if any(e in values for e in names) else []
    places = rank(rows, direction=metric.direction)
    return Board(metric, period, scope,
                 shown_to(user, places, metric_name=metric.name, day=day))
