"""Contest, leaderboard and recognition pages: who may open what, what they read, and a
fixed number of queries however many contests there are.

The small demo (seed 11): the manager login runs AMER-01, the rep login is in it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from django.test import Client

from attain.engage.models import Contest, Kudos
from attain.org.models import Person
from tests.demo_company import load_small_demo
from tests.engage.conftest import make_contest

pytestmark = pytest.mark.django_db
SignIn = Callable[[str], Client]


@pytest.fixture
def demo(warehouse: str) -> str:
    load_small_demo(warehouse)
    return warehouse


def _page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return html.unescape(response.content.decode())


def test_every_role_opens_the_contest_leaderboard_and_recognition_pages(
        demo: str, signed_in: SignIn) -> None:
    make_contest()
    for who in ("admin", "finance", "manager", "rep", "executive"):
        client = signed_in(who)
        contests = _page(client, "/contests/")
        assert "Q4 sprint" in contests and "Live" in contests
        assert ('href="/contests/new/"' in contests) == (who in ("admin", "manager"))
        assert "Deals won" in _page(client, "/contests/q4-sprint/")
        assert "Rank" in _page(client, "/leaderboards/?metric=deals_won&period=FY2026-Q3")
        assert "Badges and kudos" in _page(client, "/recognition/")


def test_the_empty_states_say_what_to_do(demo: str, signed_in: SignIn) -> None:
    assert "Start one: pick a metric" in _page(signed_in("manager"), "/contests/")
    rep = signed_in("rep")
    assert "When your manager starts one" in _page(rep, "/contests/")
    assert "You are in no live contest right now" in _page(rep, "/home/contests/")
    assert "No badges yet" in _page(rep, "/recognition/")
    assert "No one has deals won in 2019-01 yet" in _page(
        rep, "/leaderboards/?metric=deals_won&period=2019-01")


def test_a_rep_cannot_open_the_new_contest_form_or_post_one(
        demo: str, signed_in: SignIn) -> None:
    rep = signed_in("rep")
    _page(rep, "/contests/new/", status=403)
    response = rep.post("/contests/new/", {"name": "Mine", "metric": "deals_won",
                                           "start": "2026-10-01", "end": "2026-12-31",
                                           "team": "AMER-01"})
    assert response.status_code == 403 and not Contest.objects.exists()


def test_a_manager_creates_and_publishes_a_contest_from_the_form(
        demo: str, signed_in: SignIn) -> None:
    client = signed_in("manager")
    response = client.post("/contests/new/", {
        "name": "December sprint", "metric": "meetings", "start": "2026-11-01",
        "end": "2026-12-31", "team": "AMER-01", "prize_rank_1": "1", "prize_1": "Dinner",
        "rules": "Meetings held count."})
    assert response.status_code == 302 and response["Location"] == "/contests/december-sprint/"
    draft = _page(client, "/contests/december-sprint/")
    assert "Draft" in draft and "Publish" in draft
    assert "December sprint" not in _page(signed_in("rep"), "/contests/")  # a draft
    client = signed_in("manager")
    assert client.post("/contests/december-sprint/publish/").status_code == 302
    page = _page(signed_in("rep"), "/contests/december-sprint/")
    assert "Live" in page and "Your place" in page and "(you)" in page


def test_the_form_gives_every_problem_and_keeps_what_was_typed(
        demo: str, signed_in: SignIn) -> None:
    client = signed_in("manager")
    response = client.post("/contests/new/", {"name": "Theirs", "metric": "deals_won",
                                              "start": "2026-12-31", "end": "2026-10-01",
                                              "team": "AMER-02"})
    assert response.status_code == 422
    page = html.unescape(response.content.decode())
    assert "the contest ends before it starts" in page
    assert 'value="Theirs"' in page and not Contest.objects.exists()


def test_a_rep_reads_ranks_of_all_but_no_one_elses_revenue(
        demo: str, signed_in: SignIn) -> None:
    make_contest(metric="revenue", name="Revenue race")
    rep = Person.objects.get(user__username="rep")
    page = _page(signed_in("rep"), "/contests/revenue-race/")
    rows = re.findall(r"<tr[^>]*>\s*<td class=\"num\">(\d+|—)</td>\s*<td>([^<]+)"
                      r"(?:<span[^>]*>[^<]*</span>)?</td>\s*<td class=\"num\">([^<]+)</td>",
                      page)
    assert len(rows) == 11
    for _rank, name, value in rows:
        if name.strip() == rep.name:
            assert value.endswith(" USD")
        else:
            assert value == "—", (name, value)
    assert "Amounts are shown for the people whose earnings you may see" in page
    manager_page = _page(signed_in("manager"), "/contests/revenue-race/")
    assert manager_page.count(" USD</td>") == 11  # the manager sees their whole team's


def test_a_private_contest_of_another_team_is_404_for_a_rep(
        demo: str, signed_in: SignIn) -> None:
    make_contest("admin", team="AMER-02", private=True, name="Hidden")
    rep = signed_in("rep")
    _page(rep, "/contests/hidden/", status=404)
    assert "Hidden" not in _page(rep, "/contests/")
    assert "Hidden" in _page(signed_in("finance"), "/contests/")


def test_the_home_tile_shows_a_rep_their_rank_and_a_manager_the_top_three(
        demo: str, signed_in: SignIn) -> None:
    make_contest()
    tile = _page(signed_in("rep"), "/home/contests/")
    assert "Your contests" in tile and re.search(r"#\d+ <span class=\"muted small\">of 11",
                                                 tile)
    tile = _page(signed_in("manager"), "/home/contests/")
    assert "Team contests" in tile
    assert len(re.findall(r"<li>#\d+ ", tile)) == 3


def test_a_manager_gives_kudos_and_it_appears_in_the_feed(
        demo: str, signed_in: SignIn) -> None:
    rep = Person.objects.get(user__username="rep")
    client = signed_in("manager")
    response = client.post("/recognition/", {"person": rep.employee_id,
                                             "message": "Great discovery call"})
    assert response.status_code == 302
    assert "Kudos sent to" in _page(client, "/recognition/")
    assert "Great discovery call" in _page(signed_in("rep"), "/home/contests/")
    signed_in("rep").post("/recognition/", {"person": rep.employee_id, "message": "Me!"})
    assert Kudos.objects.count() == 1  # a rep gives none


def test_the_contests_pages_cost_a_fixed_number_of_queries(
        demo: str, signed_in: SignIn, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    # Six contests of two prizes each: a query per contest or per prize would add 6 or 12.
    # Measured on 2026-12-05 after a first visit (standings cached): the list 8 / 5 / 5,
    # a contest 8 / 5 / 5, the home tile (four contests) 10 / 9 / 7; bounds two above.
    for n in range(6):
        make_contest(name=f"Sprint {n}", prizes=[("1", "", "Dinner"), ("2", "", "Lunch")])
    pages = [("manager", "/contests/", 10), ("rep", "/contests/", 7), ("admin", "/contests/", 7),
             ("manager", "/contests/sprint-1/", 10), ("rep", "/contests/sprint-1/", 7),
             ("manager", "/home/contests/", 12), ("rep", "/home/contests/", 11)]
    for who, url, most in pages:
        client = signed_in(who)
        client.get(url)  # the first visit reads the catalog and fills the cache
        with django_assert_max_num_queries(most, info=f"{who} {url}"):
            page = _page(client, url)
        assert "Sprint " in page
    assert _page(signed_in("rep"), "/contests/").count("Sprint ") == 6


def test_guessed_urls_of_a_draft_are_404_and_a_published_contest_stays_as_it_is(
        demo: str, signed_in: SignIn) -> None:
    make_contest(publish=False, name="Secret draft")
    rep = signed_in("rep")
    for url in ("/contests/secret-draft/", "/contests/secret-draft/edit/"):
        _page(rep, url, status=404)
    assert rep.post("/contests/secret-draft/publish/").status_code == 404
    assert rep.post("/contests/secret-draft/delete/").status_code == 404
    assert Contest.objects.get(slug="secret-draft").published_at is None
    make_contest(name="Open one")
    other = signed_in("manager")
    _page(other, "/contests/open-one/edit/", status=403)  # published: no more edits
    assert other.post("/contests/open-one/delete/").status_code == 302
    assert Contest.objects.filter(slug="open-one").exists()


def test_a_manager_edits_their_draft_and_deletes_it(demo: str, signed_in: SignIn) -> None:
    make_contest(publish=False, name="Draft one")
    client = signed_in("manager")
    form = _page(client, "/contests/draft-one/edit/")
    assert 'value="Draft one"' in form and 'value="2026-10-01"' in form
    response = client.post("/contests/draft-one/edit/", {
        "name": "Draft one", "metric": "revenue", "start": "2026-10-01", "end": "2026-11-30",
        "team": "AMER-01", "prize_threshold_1": "100000", "prize_1": "Trip"})
    assert response.status_code == 302
    contest = Contest.objects.get(slug="draft-one")
    assert (contest.metric, str(contest.end)) == ("revenue", "2026-11-30")
    assert [str(p.threshold) for p in contest.prizes.all()] == ["100000.00"]
    assert client.post("/contests/draft-one/delete/").status_code == 302
    assert not Contest.objects.filter(slug="draft-one").exists()


def test_a_leaderboard_says_what_is_wrong_with_a_period_and_hides_others_money(
        demo: str, signed_in: SignIn) -> None:
    rep = signed_in("rep")
    page = _page(rep, "/leaderboards/?metric=revenue&period=FY2026-Q9")
    assert "'FY2026-Q9'" in page and 'role="alert"' in page  # the reason, and a board
    page = _page(rep, "/leaderboards/?metric=revenue&period=FY2026-Q3&scope=company")
    me = Person.objects.get(user__username="rep")
    shown = re.findall(r"<td>([^<]+)(?:<span[^>]*>[^<]*</span>)?</td><td class=\"num\">"
                       r"([\d,]+\.\d\d USD)</td>", page)
    assert [name.strip() for name, _value in shown] == [me.name]  # only their own amount
    assert page.count("<tr") > 30  # everyone with bookings is ranked
    team = _page(signed_in("manager"),
                 "/leaderboards/?metric=revenue&period=FY2026-Q3&scope=team")
    assert team.count(" USD</td>") == 11  # the manager's people, every amount
