"""Goal pages: the builder gives each SMART verdict as you type, saves a SMART goal, refuses
one that is not and one the user may not set; the goal page monitors it and takes check-ins."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from attain.org.models import Person
from attain.targets.models import CheckIn, Goal

pytestmark = pytest.mark.django_db
SignIn = Callable[[str], Client]


def _fields(owner: str, **more: str) -> dict[str, str]:
    return {"goal": "my-q4-sales", "title": "Sell more in Q4", "metric": "revenue",
            "owner": owner, "target": "+10%", "period": "FY2026-Q4",
            "objective": "Grow revenue this year", "reason": "Hit the plan",
            "check_ins": "monthly", **more}


def test_the_builder_gives_the_five_verdicts_as_you_type(calculated: str,
                                                         signed_in: SignIn) -> None:
    rep = Person.objects.get(user__username="rep")
    fragment = signed_in("rep").post("/goals/check/", _fields(f"person:{rep.employee_id}"),
                                     HTTP_HX_REQUEST="true").content.decode()
    for name in ("Specific", "Measurable", "Achievable", "Relevant", "Time-bound"):
        assert f"<strong>{name}</strong>" in fragment
    assert "goal: my-q4-sales" in fragment  # the document it composed


def test_a_missing_deadline_fails_time_bound_with_a_reason(calculated: str,
                                                           signed_in: SignIn) -> None:
    rep = Person.objects.get(user__username="rep")
    fields = _fields(f"person:{rep.employee_id}", period="")
    fragment = signed_in("rep").post("/goals/check/", fields).content.decode()
    assert "verdict-fail" in fragment and "<strong>Time-bound</strong>" in fragment
    response = signed_in("rep").post("/goals/new/", fields)
    assert response.status_code == 422 and not Goal.objects.exists()


def test_a_rep_saves_their_own_goal_and_monitors_it(calculated: str,
                                                     signed_in: SignIn) -> None:
    rep = Person.objects.get(user__username="rep")
    client = signed_in("rep")
    response = client.post("/goals/new/", _fields(f"person:{rep.employee_id}"))
    assert response.status_code == 302, response.content.decode()[-1500:]
    goal = Goal.objects.get(key="my-q4-sales")
    assert goal.person == rep and goal.metric == "revenue"
    page = client.get("/goals/my-q4-sales/").content.decode()
    assert "Sell more in Q4" in page and "Check in" in page
    client.post("/goals/my-q4-sales/", {"comment": "Two big deals in late stage",
                                        "confidence": "80"})
    assert CheckIn.objects.get(goal=goal).confidence == 80
    assert "Sell more in Q4" in client.get("/goals/").content.decode()


def test_a_rep_cannot_set_a_goal_for_someone_else(calculated: str, signed_in: SignIn) -> None:
    other = Person.objects.filter(role="rep").exclude(user__username="rep").first()
    assert other is not None
    response = signed_in("rep").post("/goals/new/", _fields(f"person:{other.employee_id}"))
    assert response.status_code == 422
    assert "you may not set a goal" in response.content.decode()
    assert not Goal.objects.exists()


def test_another_reps_goal_is_not_found(calculated: str, signed_in: SignIn) -> None:
    other = Person.objects.filter(role="rep").exclude(user__username="rep").first()
    assert other is not None
    signed_in("admin").post("/goals/new/", _fields(f"person:{other.employee_id}"))
    assert Goal.objects.filter(key="my-q4-sales").exists()
    assert signed_in("rep").get("/goals/my-q4-sales/").status_code == 404
    assert "Sell more in Q4" not in signed_in("rep").get("/goals/").content.decode()
