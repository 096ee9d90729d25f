"""A run's summary rows are read once per process and kept by payee: asking for some
people's rows gives exactly their rows, in the same order as filtering everyone's, and
nobody else's (the pages pass what the access rule lets the viewer see)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

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


def test_two_reps_in_turn_each_read_only_their_own_money(calculated: str,
                                                        client: Client) -> None:
    # The run's rows are kept once per process for everyone: the second rep to open their
    # home, right after the first, must get their own figures and none of the first's.
    run = CalculationRun.objects.get(run_id=calculated)
    rows = web_services.summaries(run, None)
    first = Person.objects.get(user__username="rep")
    second = (Person.objects.filter(access_role="rep")
              .exclude(employee_id=first.employee_id)
              .filter(employee_id__in={row.payee_id for row in rows if row.earned > 0})
              .select_related("user").first())
    assert second is not None
    if second.user is None:
        second.user = get_user_model().objects.create_user("rep2")
        second.save()
    second.user.username = "rep2"
    second.user.set_password("pw-for-tests")
    second.user.save()

    def earned(person: Person) -> set[str]:
        return {f"{row.earned:,.2f}" for row in rows
                if row.payee_id == person.employee_id and row.earned > 0}

    pages = {}
    for username, person in (("rep", first), ("rep2", second), ("rep", first)):
        client.logout()
        assert client.login(username=username, password="pw-for-tests")
        pages[username] = client.get("/").content.decode()
        assert f"/statements/{person.employee_id}/{run.period}/" in pages[username]
    only_first, only_second = earned(first) - earned(second), earned(second) - earned(first)
    assert only_first and only_second
    assert not [amount for amount in only_first if amount in pages["rep2"]]
    assert not [amount for amount in only_second if amount in pages["rep"]]
    assert first.name not in pages["rep2"] and second.name not in pages["rep"]
