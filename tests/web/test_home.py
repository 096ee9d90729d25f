"""The home page per role, and the access rule behind it: a rep sees only their own money,
a manager their team's, finance and sales ops everyone's, an executive no one's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from attain.org.models import Person
from attain.web import access

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str) -> None:
    assert client.login(username=username, password="pw-for-tests")


def test_a_rep_sees_their_own_earnings_and_no_one_elses(calculated: str, client: Client) -> None:
    _login(client, "rep")
    page = client.get("/").content.decode()
    rep = Person.objects.get(user__username="rep")
    assert "Your FY2026-Q3" in page
    others = Person.objects.exclude(pk=rep.pk).filter(role="rep").values_list("name", flat=True)
    assert not any(name in page for name in others)
    assert "Your team" not in page


def test_a_manager_sees_their_team(calculated: str, client: Client) -> None:
    _login(client, "manager")
    page = client.get("/").content.decode()
    manager = Person.objects.get(user__username="manager")
    team = access.visible_people(manager.user, dt.date(2026, 9, 30)) or set()
    names = Person.objects.filter(employee_id__in=team - {manager.employee_id}, role="rep")
    assert "Your team" in page
    assert any(person.name in page for person in names)


def test_finance_sees_totals_and_runs(calculated: str, client: Client) -> None:
    _login(client, "finance")
    page = client.get("/").content.decode()
    assert "Total earned" in page and "Calculation runs" in page


def test_signed_out_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_access_rule_for_each_role(calculated: str) -> None:
    day = dt.date(2026, 9, 30)
    rep = Person.objects.get(user__username="rep")
    manager = Person.objects.get(user__username="manager")
    other_rep = Person.objects.filter(role="rep").exclude(pk=rep.pk).exclude(
        employee_id__in=access.visible_people(manager.user, day) or set()).first()
    assert other_rep is not None
    assert access.can_see_money_of(rep.user, rep.employee_id, day)
    assert not access.can_see_money_of(rep.user, other_rep.employee_id, day)
    assert not access.can_see_money_of(manager.user, other_rep.employee_id, day)
    for username in ("finance", "admin"):
        user = Person.objects.get(user__username=username).user
        assert access.can_see_money_of(user, other_rep.employee_id, day)
    executive = Person.objects.get(user__username="executive").user
    assert not access.can_see_money_of(executive, rep.employee_id, day)


def test_the_home_page_lists_what_waits_for_each_role(calculated: str, client: Client) -> None:
    from attain.payouts import lifecycle

    lifecycle.calculate(period="2026-Q3")
    _login(client, "manager")
    page = client.get("/").content.decode()
    assert "Waiting for your approval" in page and "FY2026-Q3" in page
    client.logout()
    _login(client, "rep")
    rep = Person.objects.get(user__username="rep")
    page = client.get("/").content.decode()
    assert f"/statements/{rep.employee_id}/FY2026-Q3/" in page
    assert "Waiting for your approval" not in page
