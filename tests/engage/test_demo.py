"""The demo company gets contests, badges and kudos through the same services people use,
so the engagement pages are not empty; seeding twice adds nothing."""

from __future__ import annotations

import pytest

from attain.engage import demo as engage_demo
from attain.engage.models import Badge, Contest, Kudos
from tests.demo_company import AS_OF

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_sprint_a_meetings_month_and_a_finished_race(demo: str) -> None:
    made = engage_demo.seed(as_of=AS_OF)
    assert made["contests"] == 3 and made["kudos"] == 2 and made["badges"] > 0
    race = Contest.objects.get(name="FY2026-Q3 revenue race")
    assert race.results is not None and race.frozen_at is not None  # finished on AS_OF
    winners = Badge.objects.filter(kind="contest_winner", occasion=race.slug).count()
    assert winners >= 1 and Badge.objects.count() == made["badges"] + winners
    assert all(c.published_at is not None for c in Contest.objects.all())
    sprint = Contest.objects.get(slug="deal-sprint")
    assert sprint.entries.count() == 11 and sprint.results is None  # AMER-01's reps
    assert Contest.objects.get(slug="meetings-month").entries.count() > 30  # everyone
    assert engage_demo.seed(as_of=AS_OF) == {}
    assert Contest.objects.count() == 3 and Kudos.objects.count() == 2
