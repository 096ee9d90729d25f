"""Contests: who may create one and for whom, who sees it, who takes part, its states from
draft to finished, and the final standings frozen with the winners' badges."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from attain.core.models import AuditEntry
from attain.engage import contests as contest_services
from attain.engage import standings
from attain.engage.contests import ContestError, ContestInput, save_contest, state_of
from attain.engage.models import Badge, BadgeKind, Contest
from attain.org.models import Person, TeamMembership
from tests.engage.conftest import make_contest, user

pytestmark = pytest.mark.django_db


def _visible(username: str, contest: Contest) -> bool:
    return contest_services.can_see(user(username), contest, today=dt.date(2026, 11, 24))


# --- states ---------------------------------------------------------------------------------


def test_a_contest_is_a_draft_until_published_then_follows_its_dates(demo: str) -> None:
    contest = make_contest(publish=False, start="2026-10-01", end="2026-10-31")
    assert state_of(contest, today=dt.date(2026, 10, 15)) == "draft"
    contest_services.publish(user=user("manager"), contest=contest)
    assert state_of(contest, today=dt.date(2026, 9, 30)) == "upcoming"
    assert state_of(contest, today=dt.date(2026, 10, 1)) == "live"  # first day counts
    assert state_of(contest, today=dt.date(2026, 10, 31)) == "live"  # so does the last
    assert state_of(contest, today=dt.date(2026, 11, 1)) == "finished"
    assert AuditEntry.objects.filter(object_type="engage.Contest",
                                     action__in=["create", "publish"]).count() == 2


def test_a_live_contest_counts_only_the_days_gone_by(demo: str) -> None:
    contest = make_contest(start="2026-10-01", end="2026-12-31")
    on_the_15th = standings.standings(contest, today=dt.date(2026, 10, 15))
    by_the_24th = {p.employee_id: p.value for p in standings.standings(
        contest, today=dt.date(2026, 11, 24))}
    assert contest.results is None  # still live: nothing frozen
    # Deals won only grow with more days: nobody has more on the 15th than on the 24th,
    # and the team has fewer in total (the demo's team wins deals every week).
    assert all((p.value or 0) <= (by_the_24th[p.employee_id] or 0) for p in on_the_15th)
    assert sum(p.value or 0 for p in on_the_15th) < sum(v or 0 for v in by_the_24th.values())


def test_a_finished_contest_is_frozen_once_with_its_winners_badged(demo: str) -> None:
    contest = make_contest(start="2026-10-01", end="2026-10-31",
                           prizes=[("1", "", "Dinner")])
    assert standings.freeze(contest, today=dt.date(2026, 10, 31)) is False  # still live
    final = standings.standings(contest, today=dt.date(2026, 11, 3))
    contest.refresh_from_db()
    assert contest.frozen_at is not None and contest.results is not None
    winners = {p.employee_id for p in final if p.rank == 1}
    assert winners and all("Dinner" in p.prizes for p in final if p.rank == 1)
    badged = set(Badge.objects.filter(kind=BadgeKind.CONTEST_WINNER, occasion=contest.slug)
                 .values_list("person__employee_id", flat=True))
    assert badged == winners
    assert standings.freeze(contest, today=dt.date(2026, 11, 4)) is False  # only once
    # Later reads give the frozen rows even when the team changes afterwards.
    TeamMembership.objects.filter(team__code="AMER-01").delete()
    again = standings.standings(contest, today=dt.date(2026, 11, 24))
    assert [(p.employee_id, p.value, p.rank) for p in again] == [
        (p.employee_id, p.value, p.rank) for p in final]


# --- who takes part -------------------------------------------------------------------------


def test_a_team_contest_takes_in_the_teams_below_it(demo: str) -> None:
    contest = make_contest("admin", team="AMER")
    entrants = {p.employee_id for p in contest_services.entrants_of(
        contest, today=dt.date(2026, 11, 24))}
    below = set(Person.objects.filter(
        memberships__team__code__in=["AMER-01", "AMER-02", "AMER-03"],
        access_role="rep").values_list("employee_id", flat=True))
    assert below <= entrants and len(below) >= 25
    assert not Person.objects.filter(employee_id__in=entrants).exclude(access_role="rep")


def test_people_chosen_one_by_one_are_the_only_entrants(demo: str) -> None:
    rep = Person.objects.get(user__username="rep")
    mate = Person.objects.filter(memberships__team__code="AMER-01", access_role="rep"
                                 ).exclude(pk=rep.pk).first()
    assert mate is not None
    contest = make_contest(team="", people=[rep.employee_id, mate.employee_id])
    found = standings.standings(contest, today=dt.date(2026, 11, 24))
    assert {p.employee_id for p in found} == {rep.employee_id, mate.employee_id}


# --- who may create -------------------------------------------------------------------------


def test_a_rep_finance_and_executives_cannot_create_a_contest(demo: str) -> None:
    for username in ("rep", "finance", "executive"):
        with pytest.raises(ContestError, match="only sales ops and managers"):
            make_contest(username)
    assert not Contest.objects.exists()


def test_a_manager_creates_contests_only_for_their_own_team(demo: str) -> None:
    make_contest("manager", team="AMER-01")  # theirs
    with pytest.raises(ContestError, match="you do not manage"):
        make_contest("manager", team="AMER-02")
    outsider = Person.objects.filter(memberships__team__code="AMER-02",
                                     access_role="rep").first()
    assert outsider is not None
    with pytest.raises(ContestError, match=f"not in your team: {outsider.name}"):
        make_contest("manager", team="", people=[outsider.employee_id])
    make_contest("admin", team="AMER-02", name="Sales ops may")  # sales ops: any team
    assert Contest.objects.count() == 2


def test_bad_input_gets_every_reason_at_once(demo: str) -> None:
    with pytest.raises(ContestError) as raised:
        save_contest(user=user("manager"), data=ContestInput(
            name="", metric="mrr", start="2026-12-31", end="2026-10-01", team="NOPE",
            prizes=[("first", "", "Dinner"), ("1", "5", "Both"), ("", "", "")]))
    problems = raised.value.problems
    assert problems["name"] == "a contest needs a name"
    assert problems["metric"].startswith("'mrr' is not a metric contests rank by")
    assert problems["end"] == "the contest ends before it starts"
    assert problems["team"] == "no team 'NOPE'"
    assert problems["prize 1"] == "rank 'first' is not a whole number from 1 to 1000"
    assert problems["prize 2"] == "give a rank or a threshold, not both"
    assert "prize 3" not in problems  # an empty row is no prize


def test_a_threshold_is_kept_to_the_cent(demo: str) -> None:
    contest = make_contest(metric="revenue", prizes=[("", "250,000.005", "Trip")])
    assert contest.prizes.get().threshold == Decimal("250000.01")  # half away from zero


def test_a_published_contest_cannot_be_edited_or_deleted(demo: str) -> None:
    contest = make_contest()
    with pytest.raises(ContestError, match="cannot be changed"):
        save_contest(user=user("manager"), data=ContestInput(name="x"), contest=contest)
    with pytest.raises(ContestError, match="kept for the record"):
        contest_services.delete_draft(user=user("manager"), contest=contest)


def test_only_its_creator_or_sales_ops_publish_a_draft(demo: str) -> None:
    contest = make_contest(publish=False)
    with pytest.raises(ContestError, match="may not publish"):
        contest_services.publish(user=user("rep"), contest=contest)
    contest_services.publish(user=user("admin"), contest=contest)
    assert contest.published_at is not None


# --- who sees it ----------------------------------------------------------------------------


def test_a_draft_is_seen_by_its_creator_and_sales_ops_only(demo: str) -> None:
    contest = make_contest(publish=False)
    assert _visible("manager", contest) and _visible("admin", contest)
    assert not _visible("rep", contest) and not _visible("finance", contest)


def test_a_rep_cannot_see_a_private_contest_they_are_not_in(demo: str) -> None:
    theirs = make_contest(private=True, name="Ours")
    other = make_contest("admin", team="AMER-02", private=True, name="Theirs")
    public = make_contest("admin", team="AMER-02", name="Open to all")
    assert _visible("rep", theirs) and not _visible("rep", other) and _visible("rep", public)
    assert _visible("manager", theirs) and not _visible("manager", other)
    assert _visible("finance", other) and _visible("executive", other)
    listed = set(contest_services.visible_contests(user("rep"), today=dt.date(2026, 11, 24))
                 .values_list("name", flat=True))
    assert listed == {"Ours", "Open to all"}
