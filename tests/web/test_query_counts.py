"""No page costs a query per row: with several disputes, goals, check-ins, approvals, runs,
jobs and audit entries (tests/web/busy.py), each list and object page stays under a fixed
number of app-database queries, well below the number of rows it shows.

Every signed-in page starts with three queries (the session, the user, the user's person);
the bounds below are what each page measured on 2026-12-05 with two to spare. ``busy.ROWS``
is 6 and there are 12 disputes, 6 goals, 6 check-ins on one goal, 6 manager approvals, 7
runs and 6 jobs: a query per row would add at least 6 and fail every bound.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from attain.payouts.models import Approval
from tests.web.busy import PERIOD, ROWS, make_busy

pytestmark = pytest.mark.django_db
SignIn = Callable[[str], Client]


def test_list_and_object_pages_cost_a_fixed_number_of_queries(
        calculated: str, signed_in: SignIn, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    busy = make_busy(calculated)
    assert Approval.objects.count() >= ROWS  # the pay run page has approvals to count
    disputed = busy.payees[0]  # two disputed lines on this statement
    pages = [
        # (who, page, most queries): measured 13, 6, 9, 5, 8, 11, 8, 11, 12, 6, 5, 5, 6, 3, 3
        ("admin", f"/statements/{disputed}/{PERIOD}/", 15),
        ("admin", f"/statements/?period={PERIOD}", 8),
        ("manager", f"/statements/?period={PERIOD}", 11),
        ("admin", "/goals/", 7),
        ("manager", "/goals/", 10),
        ("admin", f"/goals/{busy.goal_key}/", 13),
        ("admin", "/disputes/", 10),
        ("manager", "/disputes/", 13),  # was 44: the manager's team worked out per dispute
        ("finance", f"/payruns/?period={PERIOD}", 14),  # was 59: approver's name per row
        ("manager", "/payruns/", 8),
        ("admin", "/quotas/", 7),
        ("admin", "/runs/", 7),
        ("admin", "/audit/", 8),
        ("executive", "/dashboard/", 5),
        ("executive", "/dashboard/tiles/", 5),
    ]
    for who, url, most in pages:
        client = signed_in(who)
        client.get(url)  # a first visit may fill caches (the metric catalog)
        with django_assert_max_num_queries(most, info=f"{who} {url}"):
            response = client.get(url)
        assert response.status_code == 200, (who, url, response.status_code)
