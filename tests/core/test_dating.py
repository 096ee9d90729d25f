"""Effective dating: a row holds from valid_from to valid_to, both included; no end = open."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from attain.core.dating import as_of, find_overlaps, holds_on, overlaps


@dataclass(frozen=True)
class Row:
    """A dated row as org memberships or territory assignments have them."""

    key: str
    valid_from: dt.date
    valid_to: dt.date | None = None


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def row(valid_from: str, valid_to: str | None = None, key: str = "alice") -> Row:
    return Row(key, day(valid_from), day(valid_to) if valid_to else None)


# --- holds_on -----------------------------------------------------------------------------


def test_a_row_holds_on_its_first_and_last_day() -> None:
    january = row("2026-01-01", "2026-01-31")
    assert holds_on(january, day("2026-01-01"))
    assert holds_on(january, day("2026-01-31"))


def test_a_row_does_not_hold_the_day_before_it_starts_or_after_it_ends() -> None:
    january = row("2026-01-01", "2026-01-31")
    assert not holds_on(january, day("2025-12-31"))
    assert not holds_on(january, day("2026-02-01"))


def test_an_open_ended_row_holds_forever_after_it_starts() -> None:
    open_ended = row("2026-01-01")
    assert holds_on(open_ended, day("2026-01-01"))
    assert holds_on(open_ended, dt.date.max)
    assert not holds_on(open_ended, day("2025-12-31"))


def test_a_one_day_row_holds_on_that_day_only() -> None:
    one_day = row("2026-03-15", "2026-03-15")
    assert holds_on(one_day, day("2026-03-15"))
    assert not holds_on(one_day, day("2026-03-14"))
    assert not holds_on(one_day, day("2026-03-16"))


# --- overlaps -----------------------------------------------------------------------------


def test_rows_that_share_their_boundary_day_overlap() -> None:
    # Ends inclusive: a row ending 31 Jan and one starting 31 Jan both hold on 31 Jan.
    assert overlaps(row("2026-01-01", "2026-01-31"), row("2026-01-31", "2026-02-28"))


def test_a_row_ending_the_day_before_the_next_starts_does_not_overlap() -> None:
    assert not overlaps(row("2026-01-01", "2026-01-31"), row("2026-02-01", "2026-02-28"))
    assert not overlaps(row("2026-02-01", "2026-02-28"), row("2026-01-01", "2026-01-31"))


def test_an_open_ended_row_overlaps_everything_after_its_start() -> None:
    assert overlaps(row("2026-01-01"), row("2030-06-01", "2030-06-30"))
    assert overlaps(row("2026-01-01"), row("2027-01-01"))
    assert not overlaps(row("2026-01-01"), row("2025-01-01", "2025-12-31"))


def test_a_row_inside_another_overlaps_it() -> None:
    assert overlaps(row("2026-01-01", "2026-12-31"), row("2026-05-01", "2026-05-02"))


# --- as_of --------------------------------------------------------------------------------


def test_as_of_gives_the_rows_in_force_in_their_given_order() -> None:
    # Alice moves from team A to team B on 1 Apr; Bob joins open-ended on 1 Mar.
    team_a = row("2026-01-01", "2026-03-31", key="alice")
    team_b = row("2026-04-01", key="alice")
    bob = row("2026-03-01", key="bob")
    rows = [team_a, team_b, bob]
    assert as_of(rows, day("2026-02-15")) == [team_a]
    assert as_of(rows, day("2026-03-31")) == [team_a, bob]
    assert as_of(rows, day("2026-04-01")) == [team_b, bob]
    assert as_of(rows, day("2025-12-31")) == []


def test_as_of_nothing_is_nothing() -> None:
    assert as_of([], day("2026-01-01")) == []


# --- find_overlaps ------------------------------------------------------------------------


def test_find_overlaps_names_clashing_rows_of_the_same_key() -> None:
    # Alice's second membership starts on the day the first ends: a clash, since both hold.
    first = row("2026-01-01", "2026-03-31")
    second = row("2026-03-31")
    assert find_overlaps([second, first], key=lambda r: r.key) == [(first, second)]


def test_find_overlaps_ignores_rows_of_different_keys() -> None:
    alice = row("2026-01-01", key="alice")
    bob = row("2026-01-01", key="bob")
    assert find_overlaps([alice, bob], key=lambda r: r.key) == []


def test_back_to_back_rows_are_not_overlaps() -> None:
    rows = [row("2026-01-01", "2026-01-31"), row("2026-02-01", "2026-02-28"), row("2026-03-01")]
    assert find_overlaps(rows, key=lambda r: r.key) == []


def test_find_overlaps_reports_every_neighbouring_clash() -> None:
    a = row("2026-01-01", "2026-06-30")
    b = row("2026-06-01", "2026-08-31")
    c = row("2026-08-15")
    assert find_overlaps([c, b, a], key=lambda r: r.key) == [(a, b), (b, c)]


# --- properties ---------------------------------------------------------------------------

days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))


@st.composite
def rows(draw: st.DrawFn, key: str = "alice") -> Row:
    valid_from = draw(days)
    length = draw(st.none() | st.integers(min_value=0, max_value=400))
    valid_to = None if length is None else valid_from + dt.timedelta(days=length)
    return Row(key, valid_from, valid_to)


@given(rows(), rows())
def test_two_rows_overlap_exactly_when_some_day_holds_for_both(a: Row, b: Row) -> None:
    # The latest start is the first day both could hold; they overlap iff both hold on it.
    latest_start = max(a.valid_from, b.valid_from)
    assert overlaps(a, b) == (holds_on(a, latest_start) and holds_on(b, latest_start))
    assert overlaps(a, b) == overlaps(b, a)


@given(rows(), days)
def test_as_of_keeps_exactly_the_rows_that_hold(some_row: Row, some_day: dt.date) -> None:
    assert as_of([some_row], some_day) == ([some_row] if holds_on(some_row, some_day) else [])


@given(days, st.lists(st.integers(min_value=1, max_value=90), min_size=1, max_size=10))
def test_a_chain_of_back_to_back_rows_never_overlaps_and_covers_every_day(
    first_day: dt.date, lengths: list[int]
) -> None:
    chain: list[Row] = []
    start = first_day
    for length in lengths:
        end = start + dt.timedelta(days=length - 1)
        chain.append(Row("alice", start, end))
        start = end + dt.timedelta(days=1)
    assert find_overlaps(chain, key=lambda r: r.key) == []
    some_day = first_day
    while some_day < start:
        assert len(as_of(chain, some_day)) == 1
        some_day += dt.timedelta(days=7)
