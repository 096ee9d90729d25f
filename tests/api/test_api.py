"""The JSON API: its OpenAPI document, token and session authentication, and the access
rule applied to every object type (a record one may not see answers 404, like a missing one)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from attain.api import tokens
from attain.api.models import ApiToken
from attain.core.models import AuditEntry
from attain.org.models import Person
from attain.web import access
from tests.api.helpers import token_client

pytestmark = pytest.mark.django_db
RUN_DAY = dt.date(2026, 9, 30)


def _get(client: Client, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return response.json()


def _other_rep(manager_username: str = "manager") -> Person:
    """A rep outside the demo manager's team (and not the demo rep)."""
    manager = Person.objects.get(user__username=manager_username)
    team = access.visible_people(manager.user, RUN_DAY) or set()
    found = (Person.objects.filter(role="rep").exclude(employee_id__in=team)
             .exclude(user__username="rep").first())
    assert found is not None
    return found


def test_the_openapi_document_lists_every_resource(client: Client) -> None:
    document = _get(client, "/api/schema")
    assert document["openapi"].startswith("3.")
    for path in ("/api/people", "/api/people/{employee_id}", "/api/teams", "/api/quotas",
                 "/api/plans", "/api/runs", "/api/runs/{run_id}/earnings", "/api/audit"):
        assert path in document["paths"], path
    assert "BearerToken" in document["components"]["securitySchemes"]


def test_the_interactive_docs_are_served_without_a_cdn(client: Client) -> None:
    page = client.get("/api/docs").content.decode()
    assert "swagger" in page.lower() and "cdn.jsdelivr" not in page


def test_no_credentials_answers_401_with_a_reason(client: Client) -> None:
    response = client.get("/api/people")
    assert response.status_code == 401
    assert "token" in response.json()["detail"]


def test_a_token_acts_as_its_user_until_revoked(calculated: str) -> None:
    client = token_client("rep")
    assert _get(client, "/api/me")["role"] == "rep"
    token = ApiToken.objects.get(user__username="rep")
    assert token.last_used_at is not None
    assert token.digest != token.prefix and len(token.digest) == 64  # only a digest is kept
    tokens.revoke(token, actor=token.user)
    assert client.get("/api/me").status_code == 401
    assert AuditEntry.objects.filter(object_type="api.ApiToken", action="revoke").exists()


def test_a_made_up_token_is_refused(client: Client) -> None:
    response = client.get("/api/me", HTTP_AUTHORIZATION="Bearer attain_not-a-real-token")
    assert response.status_code == 401


def test_a_signed_in_session_can_use_the_api(calculated: str, client: Client) -> None:
    assert client.login(username="finance", password="pw-for-tests")
    assert _get(client, "/api/me")["role"] == "finance"


def test_a_rep_sees_only_themselves_in_the_directory(calculated: str) -> None:
    client = token_client("rep")
    rep = Person.objects.get(user__username="rep")
    listed = _get(client, "/api/people")
    assert [p["employee_id"] for p in listed] == [rep.employee_id]
    assert client.get(f"/api/people/{_other_rep().employee_id}").status_code == 404


def test_a_rep_cannot_read_another_reps_earnings(calculated: str) -> None:
    client = token_client("rep")
    rep = Person.objects.get(user__username="rep")
    rows = _get(client, f"/api/runs/{calculated}/earnings")
    assert rows and {r["payee_id"] for r in rows} == {rep.employee_id}
    other = _other_rep()
    assert client.get(f"/api/runs/{calculated}/earnings?payee={other.employee_id}"
                      ).status_code == 404
    assert _get(client, f"/api/runs/{calculated}")["totals"] is None


def test_a_manager_sees_their_team_and_not_another(calculated: str) -> None:
    client = token_client("manager")
    manager = Person.objects.get(user__username="manager")
    team = access.visible_people(manager.user, RUN_DAY) or set()
    rows = _get(client, f"/api/runs/{calculated}/earnings")
    payees = {r["payee_id"] for r in rows}
    assert len(payees) > 1 and payees <= team
    other = _other_rep()
    assert client.get(f"/api/runs/{calculated}/earnings?payee={other.employee_id}"
                      ).status_code == 404


def test_finance_sees_everyones_earnings_and_the_totals(calculated: str) -> None:
    client = token_client("finance")
    rows = _get(client, f"/api/runs/{calculated}/earnings")
    assert len({r["payee_id"] for r in rows}) > 10
    run = _get(client, f"/api/runs/{calculated}")
    assert run["totals"] and run["counts"]["results_lines"] > 0
    # the API's earnings add up to the run's recorded total, per currency, to the cent
    for currency, total in run["totals"].items():
        summed = sum(float(r["earned"]) * 100 for r in rows if r["currency"] == currency)
        assert round(summed) == round(float(total) * 100)


def test_an_executive_sees_no_individual_earnings(calculated: str) -> None:
    client = token_client("executive")
    assert _get(client, f"/api/runs/{calculated}/earnings") == []
    assert len(_get(client, "/api/people")) > 10  # the directory, without money


def test_quotas_follow_the_money_rule(calculated: str) -> None:
    rep = Person.objects.get(user__username="rep")
    mine = _get(token_client("rep"), "/api/quotas")
    assert mine and {q["owner"] for q in mine} == {rep.employee_id}
    everyone = _get(token_client("admin"), "/api/quotas")
    assert len({q["owner"] for q in everyone}) > 10


def test_a_rep_reads_their_own_plan_and_not_others(calculated: str) -> None:
    rep_plans = {p["code"] for p in _get(token_client("rep"), "/api/plans")}
    all_plans = {p["code"] for p in _get(token_client("admin"), "/api/plans")}
    assert rep_plans and rep_plans < all_plans
    hidden = sorted(all_plans - rep_plans)[0]
    assert token_client("rep").get(f"/api/plans/{hidden}/versions/1").status_code == 404
    shown = sorted(rep_plans)[0]
    document = _get(token_client("rep"), f"/api/plans/{shown}/versions/1")["document"]
    assert "components" in document


def test_only_finance_and_admins_read_the_audit_log(calculated: str) -> None:
    assert token_client("rep").get("/api/audit").status_code == 403
    assert token_client("manager").get("/api/audit").status_code == 403
    entries = _get(token_client("admin"), "/api/audit")
    assert entries and all("action" in e for e in entries)


def test_teams_list_their_parent_and_manager(calculated: str) -> None:
    listed = _get(token_client("rep"), "/api/teams")
    assert any(t["parent"] for t in listed) and any(t["manager"] for t in listed)


def test_a_nul_character_in_a_filter_is_the_callers_mistake_not_a_server_error(
        calculated: str) -> None:
    # PostgreSQL refuses to compare text with a NUL byte (a DataError); SQLite finds nothing
    response = token_client("admin").get("/api/audit?object_type=%00")
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert "cannot search" in response.json()["detail"]
    else:
        assert response.json() == []

