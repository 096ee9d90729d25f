"""API endpoints over statements, metrics, goals, disputes, pay runs and imports: the same
access rule as the pages, for every object type."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from attain.org.models import Person
from attain.payouts import lifecycle
from attain.targets.models import Goal
from tests.api.helpers import outsider as outsider_of
from tests.api.helpers import token_client

pytestmark = pytest.mark.django_db
PERIOD = "FY2026-Q3"
END = dt.date(2026, 9, 30)


def test_a_rep_reads_their_statement_and_not_another(calculated: str) -> None:
    rep = Person.objects.get(user__username="rep")
    client = token_client("rep")
    body = client.get(f"/api/statements/{rep.employee_id}/{PERIOD}").json()
    assert body["lines"] and Decimal(body["earned"]) == sum(
        Decimal(line["amount"]) for line in body["lines"])
    assert "credited" in body["lines"][0]["text"]
    assert client.get(f"/api/statements/{outsider_of(END).employee_id}/{PERIOD}").status_code == 404


def test_the_catalog_and_a_metric_by_person_follow_the_rule(calculated: str) -> None:
    client = token_client("rep")
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
    client = token_client("rep")
    checked = client.post("/api/goals", {"document": document, "save": True},
                          content_type="application/json").json()
    assert checked["passed"] and checked["saved"]
    assert {v["criterion"] for v in checked["verdicts"]} == {
        "specific", "measurable", "achievable", "relevant", "time_bound"}
    assert Goal.objects.filter(key="api-goal").exists()
    assert [g["key"] for g in client.get("/api/goals").json()] == ["api-goal"]
    other = outsider_of(END)
    assert [g["key"] for g in token_client("admin").get("/api/goals").json()] == ["api-goal"]
    foreign = document.replace(rep.employee_id, other.employee_id).replace("api-goal", "x-goal")
    refused = client.post("/api/goals", {"document": foreign, "save": True},
                          content_type="application/json")
    assert refused.status_code == 403 and not Goal.objects.filter(key="x-goal").exists()
    broken = client.post("/api/goals", {"document": "goal: [", "save": False},
                         content_type="application/json")
    assert broken.status_code == 422 and "line" in broken.json()["detail"]


def test_disputes_are_raised_and_seen_only_by_those_involved(calculated: str) -> None:
    rep = Person.objects.get(user__username="rep")
    raised = token_client("rep").post("/api/disputes", {
        "employee_id": rep.employee_id, "period": PERIOD, "line_number": 1,
        "comment": "wrong split"}, content_type="application/json")
    assert raised.status_code == 200 and raised.json()["state"] == "open"
    assert [d["comment"] for d in token_client("manager").get("/api/disputes").json()] == \
        ["wrong split"]
    other = outsider_of(END)
    refused = token_client("rep").post("/api/disputes", {
        "employee_id": other.employee_id, "period": PERIOD, "line_number": 1,
        "comment": "mine"}, content_type="application/json")
    assert refused.status_code == 404


def test_approvals_go_manager_then_finance(calculated: str) -> None:
    lifecycle.calculate(period=PERIOD)
    early = token_client("finance").post(f"/api/payruns/{PERIOD}/approve", {"level": "finance"},
                                    content_type="application/json")
    assert early.status_code == 422 and "after the manager" in early.json()["detail"]
    mine = token_client("manager").post(f"/api/payruns/{PERIOD}/approve", {"level": "manager"},
                                   content_type="application/json").json()
    assert mine
    approvals = token_client("manager").get(f"/api/payruns/{PERIOD}/approvals").json()
    assert {a["employee_id"] for a in approvals} == set(mine)
    assert token_client("rep").get(f"/api/payruns/{PERIOD}/approvals").status_code == 403
    assert token_client("rep").post(f"/api/payruns/{PERIOD}/approve", {"level": "manager"},
                               content_type="application/json").status_code == 403


def test_an_import_with_an_error_loads_nothing_and_says_where(calculated: str) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = ("product_id,name,family,list_price,unit_cost,currency,is_recurring\n"
            "PX9,Thing,Cloud,ten,1.00,USD,true\n")
    response = token_client("admin").post("/api/imports", {
        "kind": "products", "file": SimpleUploadedFile("p.csv", text.encode())})
    report = response.json()
    assert response.status_code == 200 and report["ok"] is False and not report["loaded"]
    assert report["errors"][0]["row"] == 2 and report["errors"][0]["column"] == "list_price"
    refused = token_client("rep").post("/api/imports", {
        "kind": "products", "file": SimpleUploadedFile("p.csv", text.encode())})
    assert refused.status_code == 403
