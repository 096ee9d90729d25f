"""API endpoints for contests, their standings, badges and kudos (same rules as the pages).

A contest the caller may not see answers 404 like one that does not exist; someone else's
money value in a standing is null with ``hidden`` true (:mod:`attain.engage.standings`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from attain.api.schemas import Problem
from attain.engage import contests as contest_services
from attain.engage import recognition
from attain.engage import standings as standing_services
from attain.engage.models import Contest

contests = Router(tags=["contests"])
badges = Router(tags=["badges"])


class PrizeIn(Schema):
    rank: int | None = None
    threshold: Decimal | None = None
    description: str


class PrizeOut(PrizeIn):
    pass


class ContestIn(Schema):
    name: str
    metric: str
    start: dt.date
    end: dt.date
    team: str | None = None
    """A team's code: its people and those of the teams below it take part."""
    people: list[str] = []
    """Employee ids, when there is no team."""
    private: bool = False
    rules: str = ""
    prizes: list[PrizeIn] = []


class ContestOut(Schema):
    slug: str
    name: str
    metric: str
    start: dt.date
    end: dt.date
    state: str
    """draft, upcoming, live or finished."""
    team: str | None
    private: bool
    rules: str
    prizes: list[PrizeOut]
    final: bool
    """The standings are frozen (the contest is finished)."""


class PlaceOut(Schema):
    rank: int | None
    employee_id: str
    name: str
    value: Decimal | None
    """The metric's value; null for someone else's money, or a ratio with no value."""
    hidden: bool
    prizes: list[str]


class ContestProblem(Schema):
    detail: str
    problems: dict[str, str] = {}
    """Field -> why, when the contest was read but not saved (a request that does not fit
    the schema answers ``errors`` instead, like every endpoint)."""


class BadgeOut(Schema):
    employee_id: str
    name: str
    kind: str
    label: str
    occasion: str
    awarded_on: dt.date
    reason: str


class KudosIn(Schema):
    employee_id: str
    message: str


class KudosOut(Schema):
    giver: str
    receiver: str
    employee_id: str
    message: str


def _out(contest: Contest, today: dt.date) -> dict[str, Any]:
    return {"slug": contest.slug, "name": contest.name, "metric": contest.metric,
            "start": contest.start, "end": contest.end,
            "state": contest_services.state_of(contest, today=today),
            "team": contest.team.code if contest.team else None, "private": contest.private,
            "rules": contest.rules, "final": contest.results is not None,
            "prizes": [{"rank": p.rank, "threshold": p.threshold,
                        "description": p.description} for p in contest.prizes.all()]}


def _visible(request: HttpRequest, slug: str) -> Contest:
    found = contest_services.visible_contests(request.user, today=dt.date.today()).filter(
        slug=slug).first()
    if found is None:
        raise HttpError(404, "Not found.")
    return found


@contests.get("", response=list[ContestOut], summary="Contests the caller may see")
def list_contests(request: HttpRequest) -> list[dict[str, Any]]:
    today = dt.date.today()
    return [_out(c, today) for c in contest_services.visible_contests(
        request.user, today=today).prefetch_related("prizes")]


@contests.post("", response={201: ContestOut, 403: Problem, 422: ContestProblem},
               summary="Create a draft contest (sales ops; a manager for their team)")
def create_contest(request: HttpRequest, body: ContestIn) -> Any:
    if not contest_services.may_create(request.user):
        raise HttpError(403, "Only sales ops and managers create contests.")
    data = contest_services.ContestInput(
        name=body.name, metric=body.metric, start=body.start.isoformat(),
        end=body.end.isoformat(), team=body.team or "", people=body.people,
        private=body.private, rules=body.rules,
        prizes=[(str(p.rank or ""), "" if p.threshold is None else str(p.threshold),
                 p.description) for p in body.prizes])
    try:
        contest = contest_services.save_contest(user=request.user, data=data)
    except contest_services.ContestError as error:
        return Status(422, {"detail": "The contest was not saved.",
                            "problems": error.problems})
    return Status(201, _out(contest, dt.date.today()))


@contests.get("/{slug}", response={200: ContestOut, 404: Problem})
def get_contest(request: HttpRequest, slug: str) -> Any:
    return _out(_visible(request, slug), dt.date.today())


@contests.post("/{slug}/publish", response={200: ContestOut, 403: Problem, 404: Problem})
def publish_contest(request: HttpRequest, slug: str) -> Any:
    found = _visible(request, slug)
    try:
        contest_services.publish(user=request.user, contest=found)
    except contest_services.ContestError as error:
        raise HttpError(403, str(error)) from None
    return _out(found, dt.date.today())


@contests.get("/{slug}/standings", response={200: list[PlaceOut], 404: Problem},
              summary="Standings, best first; equal values share a rank")
def contest_standings(request: HttpRequest, slug: str) -> Any:
    today = dt.date.today()
    found = _visible(request, slug)
    places = standing_services.shown_to(
        request.user, standing_services.standings(found, today=today),
        metric_name=found.metric, day=min(today, found.end))
    return [{"rank": p.rank, "employee_id": p.employee_id, "name": p.name, "value": p.value,
             "hidden": p.hidden, "prizes": list(p.prizes)} for p in places]


@badges.get("", response=list[BadgeOut], summary="Badges of the caller's circle")
def list_badges(request: HttpRequest) -> list[dict[str, Any]]:
    found = recognition.visible_badges(request.user, day=dt.date.today())[:500]
    return [{"employee_id": b.person.employee_id, "name": b.person.name, "kind": b.kind,
             "label": b.get_kind_display(), "occasion": b.occasion,
             "awarded_on": b.awarded_on, "reason": b.reason} for b in found]


@badges.post("/kudos", response={201: KudosOut, 403: Problem, 422: Problem},
             summary="Give kudos (managers to their people, sales ops to anyone)")
def give_kudos(request: HttpRequest, body: KudosIn) -> Any:
    if not recognition.may_give_kudos(request.user):
        raise HttpError(403, "Only managers and sales ops give kudos.")
    try:
        kudos = recognition.give_kudos(user=request.user, employee_id=body.employee_id,
                                       message=body.message)
    except recognition.KudosError as error:
        raise HttpError(422, str(error)) from None
    return Status(201, {"giver": kudos.giver.name, "receiver": kudos.receiver.name,
                        "employee_id": kudos.receiver.employee_id, "message": kudos.message})
