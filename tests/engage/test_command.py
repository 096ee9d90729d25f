"""``attain engage``: freezes the contests that finished and awards badges, once."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from attain.engage.models import Badge, BadgeKind
from tests.engage.conftest import make_contest

pytestmark = pytest.mark.django_db


def test_it_freezes_finished_contests_and_awards_badges_once(demo: str) -> None:
    contest = make_contest(start="2026-10-01", end="2026-10-31")
    out = StringIO()
    call_command("engage", today=dt.date(2026, 11, 24), days=60, stdout=out)
    contest.refresh_from_db()
    assert contest.results is not None
    assert "froze 1 contest(s): Q4 sprint" in out.getvalue()
    assert Badge.objects.filter(kind=BadgeKind.CONTEST_WINNER).exists()
    first = Badge.objects.count()
    again = StringIO()
    call_command("engage", today=dt.date(2026, 11, 24), days=60, stdout=again)
    assert "froze 0 contest(s)" in again.getvalue()
    assert "first win 0, quota club 0" in again.getvalue()
    assert Badge.objects.count() == first


def test_a_bad_look_back_is_refused_with_a_reason(demo: str) -> None:
    with pytest.raises(CommandError, match="--days must be at least 1"):
        call_command("engage", days=0, stdout=StringIO())
