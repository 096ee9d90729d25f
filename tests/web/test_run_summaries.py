"""A run's summary rows are read once per process and kept by payee: asking for some
people's rows gives exactly their rows, in the same order as filtering everyone's, and
nobody else's (the pages pass what the access rule lets the viewer see)."""

from __future__ import annotations

import datetime as dt

import pytest

from attain.engine.models import CalculationRun
from attain.org.models import Person
from attain.web import access
from attain.web import services as web_services

pytestmark = pytest.mark.django_db


def test_some_peoples_rows_are_exactly_theirs_in_order(calculated: str) -> None:
    run = CalculationRun.objects.get(run_id=calculated)
    everyone = web_services.summaries(run, None)
    payees = sorted({row.payee_id for row in everyone})
    assert len(payees) > 3
    manager = Person.objects.get(user__username="manager")
    team = access.visible_people(manager.user, run.period_end)
    assert team
    for people in (team, {payees[0]}, {payees[-1], payees[1]}, set(), {"E-NOT-THERE"}):
        assert web_services.summaries(run, people) == [
            row for row in everyone if row.payee_id in people]


def test_a_reps_rows_hold_no_one_elses(calculated: str) -> None:
    run = CalculationRun.objects.get(run_id=calculated)
    rep = Person.objects.get(user__username="rep")
    mine = web_services.summaries(run, access.visible_people(rep.user, dt.date.today()))
    assert mine and {row.payee_id for row in mine} == {rep.employee_id}
