"""Standings: competition ranks with fair ties, read from the metric catalog over a
contest's own dates, prizes by rank and threshold, and money hidden from those who may not
see it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pyarrow.compute as pc
import pytest

from attain.engage import standings
from attain.engage.standings import Place, rank
from attain.org.models import Person
from tests.demo_company import small_company
from tests.engage.conftest import make_contest, user

pytestmark = pytest.mark.django_db

D = Decimal


def test_equal_values_share_a_rank_and_the_next_rank_skips() -> None:
    # 8, 8, 6, 6, 5, 0: ranks 1, 1, 3, 3, 5, 6 (competition ranking); ties listed by name;
    # Zoe has no value (a ratio with nothing to divide by): no rank, listed last.
    places = rank([("E5", "Eve", D(6)), ("E1", "Bea", D(8)), ("E2", "Ada", D(8)),
                   ("E3", "Cal", D(6)), ("E4", "Dan", D(5)), ("E6", "Fay", D(0)),
                   ("E7", "Zoe", None)], direction="higher")
    assert [(p.name, p.rank) for p in places] == [
        ("Ada", 1), ("Bea", 1), ("Cal", 3), ("Eve", 3), ("Dan", 5), ("Fay", 6), ("Zoe", None)]


def test_lower_is_better_ranks_the_smallest_first() -> None:
    # Sales cycle days: 12 beats 30; two at 30 share rank 2.
    places = rank([("A", "A", D(30)), ("B", "B", D(12)), ("C", "C", D(30))],
                  direction="lower")
    assert [(p.employee_id, p.rank) for p in places] == [("B", 1), ("A", 2), ("C", 2)]


def test_a_contest_ranks_its_team_by_deals_won_over_its_dates(demo: str) -> None:
    # Worked out independently of the catalog: the won deals of the small demo's
    # opportunities closed between 15 Oct and 20 Nov 2026, counted per owner, for the
    # reps of AMER-01 (everyone of the team counts; no win is zero).
    contest = make_contest(start="2026-10-15", end="2026-11-20")
    opportunities = small_company().tables["opportunities"]
    won = opportunities.filter(pc.and_(pc.and_(
        opportunities["is_won"], pc.greater_equal(opportunities["close_date"],
                                                  dt.date(2026, 10, 15))),
        pc.less_equal(opportunities["close_date"], dt.date(2026, 11, 20))))
    counts = Counter(won["owner_id"].to_pylist())
    team = {p.employee_id: p.name for p in Person.objects.filter(
        memberships__team__code="AMER-01", access_role="rep")}
    expected = rank(((e, n, D(counts.get(e, 0))) for e, n in team.items()),
                    direction="higher")
    found = standings.standings(contest, today=dt.date(2026, 11, 24))
    assert [(p.employee_id, p.value, p.rank) for p in found] == [
        (p.employee_id, p.value, p.rank) for p in expected]
    assert len(found) == 11 and sum(p.value or 0 for p in found) == sum(
        counts.get(e, 0) for e in team)
    ranks = [p.rank for p in found]
    assert ranks == sorted(ranks)  # best first


def test_rank_prizes_go_to_everyone_tied_and_threshold_prizes_to_everyone_reaching_it(
        demo: str) -> None:
    contest = make_contest(prizes=[("1", "", "Dinner"), ("", "6", "Trophy")])
    found = standings.standings(contest, today=dt.date(2026, 11, 24))
    for place in found:
        expected = set()
        if place.rank == 1:
            expected.add("Dinner")
        if place.value is not None and place.value >= 6:
            expected.add("Trophy")
        assert set(place.prizes) == expected, place
    assert sum("Dinner" in p.prizes for p in found) == Counter(
        p.rank for p in found)[1]  # a tie for first shares the dinner


def test_a_rep_sees_ranks_of_everyone_but_only_their_own_revenue(demo: str) -> None:
    contest = make_contest(metric="revenue")
    day = dt.date(2026, 11, 24)
    everyone = standings.standings(contest, today=day)
    rep = Person.objects.get(user__username="rep")
    as_rep = standings.shown_to(user("rep"), everyone, metric_name="revenue", day=day)
    assert [p.rank for p in as_rep] == [p.rank for p in everyone]
    for place in as_rep:
        if place.employee_id == rep.employee_id:
            assert place.value is not None and not place.hidden
        else:
            assert place.value is None and place.hidden
    as_manager = standings.shown_to(user("manager"), everyone, metric_name="revenue",
                                    day=day)
    assert as_manager == everyone  # all of AMER-01 reports to the manager


def test_counts_are_not_money_so_peers_see_each_others(demo: str) -> None:
    contest = make_contest()
    day = dt.date(2026, 11, 24)
    everyone = standings.standings(contest, today=day)
    assert standings.shown_to(user("rep"), everyone, metric_name="deals_won",
                              day=day) == everyone


def test_a_team_leaderboard_ranks_a_rep_among_their_teammates(demo: str) -> None:
    from attain.core.company import company_calendar

    quarter = company_calendar().parse("FY2026-Q3")
    board = standings.leaderboard(user("rep"), metric=standings.metrics.get("deals_won"),
                                  period=quarter, scope="team", day=quarter.end)
    team = set(Person.objects.filter(memberships__team__code="AMER-01", access_role="rep")
               .values_list("employee_id", flat=True))
    assert {p.employee_id for p in board.places} == team
    assert all(isinstance(p, Place) and p.rank is not None for p in board.places)
    company = standings.leaderboard(user("rep"), metric=standings.metrics.get("revenue"),
                                    period=quarter, scope="company", day=quarter.end)
    me = Person.objects.get(user__username="rep").employee_id
    assert len(company.places) > len(board.places)
    assert [p.employee_id for p in company.places if not p.hidden] == [me]
