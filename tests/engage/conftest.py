"""Shared fixtures of the engagement tests: the small demo company (no calculation run is
needed: contests read the metric catalog, not earnings) and its logins as users.

In the small demo (seed 11) the manager login, Ines Dubois (E00008), manages AMER-01, which
has eleven reps on 2026-11-24, among them the rep login Javier Nguyen (E00011); AMER-02 and
AMER-03 sit beside it under AMER.
"""

from __future__ import annotations

from typing import Any

import pytest

from attain.engage import contests as contest_services
from attain.engage.models import Contest
from attain.org.models import Person
from tests.demo_company import load_small_demo


@pytest.fixture
def demo(warehouse: str) -> str:
    load_small_demo(warehouse)
    return warehouse


def user(username: str) -> Any:
    return Person.objects.get(user__username=username).user


def make_contest(username: str = "manager", *, publish: bool = True, **fields: Any
                 ) -> Contest:
    """A contest saved (and published) as ``username`` would through the form."""
    values: dict[str, Any] = {"name": "Q4 sprint", "metric": "deals_won",
                              "start": "2026-10-01", "end": "2026-12-31", "team": "AMER-01"}
    values.update(fields)
    contest = contest_services.save_contest(
        user=user(username), data=contest_services.ContestInput(**values))
    if publish:
        contest_services.publish(user=user(username), contest=contest)
    return contest
