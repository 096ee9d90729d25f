"""Badges by rule, once per occasion; kudos from a manager to their people; the feed seen
by a person's peers and nobody else."""

from __future__ import annotations

import datetime as dt

import pyarrow.compute as pc
import pytest

from attain import metrics
from attain.engage import recognition
from attain.engage.models import Badge, BadgeKind, Kudos
from attain.org.models import Person
from tests.demo_company import small_company
from tests.engage.conftest import user

pytestmark = pytest.mark.django_db

Q3 = (dt.date(2026, 7, 1), dt.date(2026, 9, 30))


def test_first_deal_won_goes_to_everyone_with_a_win_once(demo: str) -> None:
    # Worked out from the raw opportunities: the owners (with a person record) of a deal
    # won in Q3 2026, each badged in the month of their first win of the span.
    awarded = recognition.award_badges(since=Q3[0], until=Q3[1])
    opportunities = small_company().tables["opportunities"]
    won = opportunities.filter(pc.and_(pc.and_(
        opportunities["is_won"], pc.greater_equal(opportunities["close_date"], Q3[0])),
        pc.less_equal(opportunities["close_date"], Q3[1])))
    people = set(Person.objects.values_list("employee_id", flat=True))
    first: dict[str, dt.date] = {}
    for owner, day in zip(won["owner_id"].to_pylist(), won["close_date"].to_pylist(),
                          strict=True):
        if owner in people:
            first[owner] = min(day, first.get(owner, day))
    badges = {b.person.employee_id: b for b in Badge.objects.filter(
        kind=BadgeKind.FIRST_WIN).select_related("person")}
    assert awarded[BadgeKind.FIRST_WIN] == len(first) == len(badges)
    for employee_id, day in first.items():
        assert badges[employee_id].reason == f"First deal won, in {day:%Y-%m}"
    again = recognition.award_badges(since=Q3[0], until=Q3[1])
    assert again == {BadgeKind.FIRST_WIN: 0, BadgeKind.QUOTA_CLUB: 0}  # once only


def test_a_quarter_at_100_percent_of_quota_earns_the_club_badge(demo: str) -> None:
    recognition.award_badges(since=Q3[0], until=Q3[1])
    table = metrics.get("quota_attainment").query(
        by=["person"], grain="quarter", start=Q3[0], end=Q3[1]).to_pyarrow().to_pylist()
    reached = {r["person"] for r in table if r["value"] is not None and r["value"] >= 1}
    club = set(Badge.objects.filter(kind=BadgeKind.QUOTA_CLUB, occasion="FY2026-Q3")
               .values_list("person__employee_id", flat=True))
    assert club == reached and club  # some of the demo's reps made their Q3 quota
    below = {r["person"] for r in table if r["value"] is not None and r["value"] < 1}
    assert below and not club & below


def test_a_manager_gives_kudos_to_their_people_only(demo: str) -> None:
    rep = Person.objects.get(user__username="rep")
    kudos = recognition.give_kudos(user=user("manager"), employee_id=rep.employee_id,
                                   message="  Closed the Acme renewal early  ")
    assert kudos.message == "Closed the Acme renewal early" and kudos.receiver == rep
    outsider = Person.objects.filter(memberships__team__code="AMER-02").first()
    assert outsider is not None
    with pytest.raises(recognition.KudosError, match="choose someone in your team"):
        recognition.give_kudos(user=user("manager"), employee_id=outsider.employee_id,
                               message="Well done")
    with pytest.raises(recognition.KudosError, match="only managers and sales ops"):
        recognition.give_kudos(user=user("rep"), employee_id=rep.employee_id, message="Me")
    with pytest.raises(recognition.KudosError, match="say what the kudos are for"):
        recognition.give_kudos(user=user("manager"), employee_id=rep.employee_id,
                               message="   ")
    with pytest.raises(recognition.KudosError, match="at most 500 characters"):
        recognition.give_kudos(user=user("manager"), employee_id=rep.employee_id,
                               message="x" * 501)
    assert Kudos.objects.count() == 1


def test_the_feed_shows_a_teammates_recognition_but_not_another_teams(demo: str) -> None:
    day = dt.date(2026, 11, 24)
    rep = Person.objects.get(user__username="rep")
    mate = Person.objects.filter(memberships__team__code="AMER-01", access_role="rep"
                                 ).exclude(pk=rep.pk).first()
    stranger = Person.objects.filter(memberships__team__code="AMER-02",
                                     access_role="rep").first()
    assert mate is not None and stranger is not None
    recognition.give_kudos(user=user("manager"), employee_id=mate.employee_id,
                           message="Best demo of the quarter")
    recognition.give_kudos(user=user("admin"), employee_id=stranger.employee_id,
                           message="Biggest deal in AMER-02")
    seen = [(i.person, i.text) for i in recognition.feed(user("rep"), day=day)]
    assert seen == [(mate.name, "Best demo of the quarter")]
    everyone = {i.person for i in recognition.feed(user("executive"), day=day)}
    assert everyone == {mate.name, stranger.name}
