"""The contest and badge endpoints: in the OpenAPI document, with the pages' permissions
(a contest one may not see is 404, someone else's money is null and hidden)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from attain.api import tokens
from attain.engage import recognition
from attain.engage.models import Contest
from attain.org.models import Person
from tests.engage.conftest import make_contest, user

pytestmark = pytest.mark.django_db


def _client(username: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {tokens.issue(user(username), 'tests')}")


def _json(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.content[:500])
    return response.json()


def test_the_openapi_document_lists_contests_and_badges(client: Client) -> None:
    paths = client.get("/api/schema").json()["paths"]
    for path in ("/api/contests", "/api/contests/{slug}", "/api/contests/{slug}/standings",
                 "/api/contests/{slug}/publish", "/api/badges", "/api/badges/kudos"):
        assert path in paths, path


def test_a_manager_creates_publishes_and_reads_standings(demo: str) -> None:
    manager = _client("manager")
    made = _json(manager.post("/api/contests", {
        "name": "API sprint", "metric": "deals_won", "start": "2026-10-01",
        "end": "2026-12-31", "team": "AMER-01",
        "prizes": [{"rank": 1, "description": "Dinner"}]}, content_type="application/json"),
        201)
    assert made["state"] == "draft" and made["prizes"][0]["description"] == "Dinner"
    _json(_client("rep").get("/api/contests/api-sprint"), 404)  # a draft
    assert _json(manager.post("/api/contests/api-sprint/publish"))["state"] == "live"
    places = _json(_client("rep").get("/api/contests/api-sprint/standings"))
    assert len(places) == 11 and places[0]["rank"] == 1
    assert all(p["value"] is not None and not p["hidden"] for p in places)  # counts


def test_a_rep_gets_403_creating_and_a_manager_422_for_another_team(demo: str) -> None:
    body = {"name": "x", "metric": "deals_won", "start": "2026-10-01", "end": "2026-12-31",
            "team": "AMER-02"}
    _json(_client("rep").post("/api/contests", body, content_type="application/json"), 403)
    refused = _json(_client("manager").post("/api/contests", body,
                                            content_type="application/json"), 422)
    assert refused["problems"] == {"team": "you do not manage Americas 2"}
    assert not Contest.objects.exists()


def test_standings_hide_other_reps_revenue_from_a_rep(demo: str) -> None:
    make_contest(metric="revenue", name="Revenue race")
    me = Person.objects.get(user__username="rep").employee_id
    places = _json(_client("rep").get("/api/contests/revenue-race/standings"))
    assert [p["employee_id"] for p in places if p["value"] is not None] == [me]
    assert all(p["hidden"] for p in places if p["employee_id"] != me)
    assert all(p["rank"] is not None for p in places)


def test_a_private_contest_of_another_team_is_404_not_403(demo: str) -> None:
    make_contest("admin", team="AMER-02", private=True, name="Hidden")
    rep = _client("rep")
    _json(rep.get("/api/contests/hidden"), 404)
    _json(rep.get("/api/contests/hidden/standings"), 404)
    assert "hidden" not in [c["slug"] for c in _json(rep.get("/api/contests"))]


def test_badges_are_listed_for_the_callers_circle_and_kudos_need_a_manager(
        demo: str) -> None:
    recognition.award_badges(since=dt.date(2026, 7, 1), until=dt.date(2026, 9, 30))
    rep = Person.objects.get(user__username="rep")
    mates = set(Person.objects.filter(memberships__team__code="AMER-01")
                .values_list("employee_id", flat=True))
    listed = _json(_client("rep").get("/api/badges"))
    assert listed and {b["employee_id"] for b in listed} <= mates
    assert len(_json(_client("admin").get("/api/badges"))) > len(listed)
    _json(_client("rep").post("/api/badges/kudos", {"employee_id": rep.employee_id,
                                                    "message": "me"},
                              content_type="application/json"), 403)
    given = _json(_client("manager").post("/api/badges/kudos", {
        "employee_id": rep.employee_id, "message": "Great quarter"},
        content_type="application/json"), 201)
    assert given["receiver"] == rep.name
