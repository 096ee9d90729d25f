"""No API list costs a query per row: with several disputes, goals, approvals, runs and
audit entries (tests/web/busy.py), each list endpoint stays under a fixed number of
app-database queries, well below the number of rows it returns.

A token request costs two queries to authenticate (the token with its user, then its last
use) and one for the caller's person; bounds are what each endpoint measured on 2026-12-05
with two to spare. ``busy.ROWS`` is 6, and there are 12 disputes and 6 manager approvals: a
query per row would add at least 6 and fail every bound.
"""

from __future__ import annotations

import pytest
from django.test import Client

from attain.api import tokens
from attain.engine import run as engine_run
from attain.org.models import Person
from tests.demo_company import load_small_demo
from tests.web.busy import PERIOD, make_busy

pytestmark = pytest.mark.django_db


@pytest.fixture
def calculated(warehouse: str) -> str:
    load_small_demo(warehouse)
    return engine_run.run(period="2026-Q3").run_id


def _token_client(username: str) -> Client:
    user = Person.objects.get(user__username=username).user
    return Client(HTTP_AUTHORIZATION=f"Bearer {tokens.issue(user, 'tests')}")


def test_list_endpoints_cost_a_fixed_number_of_queries(
        calculated: str, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    busy = make_busy(calculated)
    endpoints = [
        # (who, endpoint, most queries); measured for admin / manager:
        # people 5/8, teams 4/4, quotas 4/7, plans 5/8, runs 4/4, earnings 4/7, audit 4/-,
        # goals 4/7, disputes 8/11 (manager was 44), approvals 5/8 (were 50/53), metrics 2/2,
        # a statement 8/11
        ("admin", "/api/people", 7), ("manager", "/api/people", 10),
        ("admin", "/api/teams", 6), ("manager", "/api/teams", 6),
        ("admin", "/api/quotas", 6), ("manager", "/api/quotas", 9),
        ("admin", "/api/plans", 7), ("manager", "/api/plans", 10),
        ("admin", "/api/runs", 6), ("manager", "/api/runs", 6),
        ("admin", f"/api/runs/{busy.run_id}/earnings", 6),
        ("manager", f"/api/runs/{busy.run_id}/earnings", 9),
        ("admin", "/api/audit", 6),
        ("admin", "/api/goals", 6), ("manager", "/api/goals", 9),
        ("admin", "/api/disputes", 10), ("manager", "/api/disputes", 13),
        ("admin", f"/api/payruns/{PERIOD}/approvals", 7),
        ("manager", f"/api/payruns/{PERIOD}/approvals", 10),
        ("admin", "/api/metrics", 4),
        ("manager", f"/api/statements/{busy.payees[0]}/{PERIOD}", 13),
    ]
    clients = {who: _token_client(who) for who in ("admin", "manager")}
    for who, url, most in endpoints:
        clients[who].get(url)  # a first call may fill caches (the metric catalog)
        with django_assert_max_num_queries(most, info=f"{who} {url}"):
            response = clients[who].get(url)
        assert response.status_code == 200, (who, url, response.status_code)
        assert response.json(), (who, url, "an empty answer proves nothing")
