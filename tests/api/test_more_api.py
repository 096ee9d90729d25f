"""API endpoints over statements, metrics, goals, disputes, pay runs and imports: the same
access rule as the pages, for every object type."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from attain.api import tokens
from attain.org.models import Person
from attain.payouts import lifecycle
from attain.targets.models import Goal
from attain.web import access
from tests.demo_company import load_small_demo

pytestmark = pytest.mark.django_db
PERIOD = "FY2026-Q3"
END = dt.date(2026, 9, 30)


@pytest.fixture
def calculated(warehouse: str) -> str:
    from attain.engine import run as engine_run

    load_small_demo(warehouse)
    return engine_run.run(period="2026-Q3").run_id


def _client(username: str) -> Client:
    user = Person.objects.get(user__username=username).user
    return Client(HTTP_AUTHORIZATION=f"Bearer {tokens.issue(user, 'tests')}")


def _outsider() -> Person:
    manager = Person.objects.get(user__username="manager")
    team = access.visible_people(manager.user, END) or set()
    found = (Person.objects.filter(role="rep").exclude(employee_id__in=team)
             .exclude(user__username="rep").first())
    assert found is not None
    return found


def test_a_rep_reads_their_statement_and_not_another(calculated: str) -> None:
    rep = Person.objects.get(user__username="rep")
    client = _client("rep")
    body = client.get(f"/api/statements/{rep.employee_id}/{PERIOD}").json()
    assert body["lines"] and Decimal(body["earned"]) == sum(
        Decimal(line["amount"]) for line in body["lines"])
    assert "credited" in body["lines"][0]["text"]
    assert client.get(f"/api/statements/{_outsider().employee_id}/{PERIOD}").status_code == 404


def test_the_catalog_and_a_metric_by_person_follow_the_rule(calculated: str) -> None:
    client = _client("rep")
    names = {m["name"] for m in client.get("/api/metrics").json()}
    assert {"revenue", "win_rate", "nps"} <= names
    rep = Person.objects.get(user__username="rep")
    body = client.get("/api/metrics/revenue?by=person&grain=year&start=2026-01-01"
                      "&end=2026-12-31").json()
    assert {row["person"] for row in body["rows"]} == {rep.employee_id}
    assert client.get("/api/metrics/cac?by=team").status_code == 422
    assert client.get("/api/metrics/nope").status_code == 404


def test_goals_are_checked_saved_and_listed_by_the_rule(calculated: str) -> None:
    rep = Person.objects.get(user__username="rep")
    document = (f"goal: api-goal\ntitle: More bookings\nmetric: revenue\n"
                f"owner: person:{rep.employee_id}\ntarget: +10%\nperiod: FY2026-Q4\n"
                "objective: Grow revenue\ncheck_ins: monthly\n")
    client = _client("rep")
    checked = client.post("/api/goals", {"document": document, "save": True},
                          content_type="application/json").json()
    assert checked["passed"] and checked["saved"]
    assert {v["criterion"] for v in checked["verdicts"]} == {
        "specific", "measurable", "achievable", "relevant", "time_bound"}
    assert Goal.objects.filter(key="api-goal").exists()
    assert [g["key"] for g in client.get("/api/goals").json()] == ["api-goal"]
    other = _outsider()
    assert [g["key"] for g in _client("admin").get("/api/goals").json()] == ["api-goal"]
    foreign = document.replace(rep.employee_id, other.employee_id).replace("api-goal", "x-goal")
    refused = client.post("/api/goals", {"document": foreign, "save": True},
                          content_type="application/json")
    assert refused.status_code == 403 and not Goal.objects.filter(key="x-goal").exists()
    broken = client.post("/api/goals", {"document": "goal: [", "save": False},
                         content_type="application/json")
    assert broken.status_code == 422 and "line" in broken.json()["detail"]


def test_disputes_are_raised_and_seen_only_by_those_involved(calculated: str) -> None:
    rep = Person.objects.get(user__username="rep")
    raised = _client("rep").post("/api/disputes", {
        "employee_id": rep.employee_id, "period": PERIOD, "line_number": 1,
        "comment": "wrong split"}, content_type="application/json")
    assert raised.status_code == 200 and raised.json()["state"] == "open"
    assert [d["comment"] for d in _client("manager").get("/api/disputes").json()] == \
        ["wrong split"]
    other = _outsider()
    refused = _client("rep").post("/api/disputes", {
        "employee_id": other.employee_id, "period": PERIOD, "line_number": 1,
        "comment": "mine"}, content_type="application/json")
    assert refused.status_code == 404


def test_approvals_go_manager_then_finance(calculated: str) -> None:
    lifecycle.calculate(period=PERIOD)
    early = _client("finance").post(f"/api/payruns/{PERIOD}/approve", {"level": "finance"},
                                    content_type="application/json")
    assert early.status_code == 422 and "after the manager" in early.json()["detail"]
    mine = _client("manager").post(f"/api/payruns/{PERIOD}/approve", {"level": "manager"},
                                   content_type="application/json").json()
    assert mine
    approvals = _client("manager").get(f"/api/payruns/{PERIOD}/approvals").json()
    assert {a["employee_id"] for a in approvals} == set(mine)
    assert _client("rep").get(f"/api/payruns/{PERIOD}/approvals").status_code == 403
    assert _client("rep").post(f"/api/payruns/{PERIOD}/approve", {"level": "manager"},
                               content_type="application/json").status_code == 403


def test_an_import_with_an_error_loads_nothing_and_says_where(calculated: str) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = ("product_id,name,family,list_price,unit_cost,currency,is_recurring\n"
            "PX9,Thing,Cloud,ten,1.00,USD,true\n")
    response = _client("admin").post("/api/imports", {
        "kind": "products", "file": SimpleUploadedFile("p.csv", text.encode())})
    report = response.json()
    assert response.status_code == 200 and report["ok"] is False and not report["loaded"]
    assert report["errors"][0]["row"] == 2 and report["errors"][0]["column"] == "list_price"
    refused = _client("rep").post("/api/imports", {
        "kind": "products", "file": SimpleUploadedFile("p.csv", text.encode())})
    assert refused.status_code == 403
