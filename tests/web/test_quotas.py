"""The quota pages: a top-down allocation previewed, saved as drafts that sum exactly to the
parent, then approved; only sales ops change quotas."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from attain.org.models import Person, TeamManager
from attain.targets.models import Quota, QuotaStatus

pytestmark = pytest.mark.django_db
SignIn = Callable[[str], Client]


def _team_code() -> str:
    manager = Person.objects.get(user__username="manager")
    return TeamManager.objects.filter(person=manager).first().team.code  # type: ignore[union-attr]


def test_sales_ops_allocate_preview_save_and_approve(calculated: str,
                                                     signed_in: SignIn) -> None:
    admin = signed_in("admin")
    form = {"parent": f"team:{_team_code()}", "amount": "1000000.01", "period": "FY2027-Q1",
            "metric": "revenue", "method": "equal"}
    preview = admin.get("/quotas/allocate/", form)
    assert preview.status_code == 200
    assert "Save as drafts" in preview.content.decode()
    assert not Quota.objects.filter(period="FY2027-Q1").exists()  # a preview saves nothing
    admin.post("/quotas/allocate/", form)
    drafts = list(Quota.objects.filter(period="FY2027-Q1", status=QuotaStatus.DRAFT))
    assert len(drafts) > 1
    # children sum to the parent exactly, to the cent, whatever the rounding
    assert sum((q.amount for q in drafts), Decimal(0)) == Decimal("1000000.01")
    admin.post("/quotas/approve/", {"period": "FY2027-Q1",
                                    "quota": [str(q.id) for q in drafts]})
    assert not Quota.objects.filter(period="FY2027-Q1", status=QuotaStatus.DRAFT).exists()
    page = admin.get("/quotas/?period=FY2027-Q1").content.decode()
    assert "1,000,000.01" in page


def test_a_bad_amount_or_owner_is_refused_with_a_reason(calculated: str,
                                                        signed_in: SignIn) -> None:
    admin = signed_in("admin")
    bad = admin.get("/quotas/allocate/", {"parent": "team:NOPE", "amount": "10",
                                          "period": "FY2027-Q1"})
    assert bad.status_code == 422 and "NOPE" in bad.content.decode()
    worse = admin.get("/quotas/allocate/", {"parent": f"team:{_team_code()}",
                                            "amount": "lots", "period": "FY2027-Q1"})
    assert worse.status_code == 422


def test_only_sales_ops_change_quotas(calculated: str, signed_in: SignIn) -> None:
    assert signed_in("finance").get("/quotas/").status_code == 200
    for username in ("finance", "manager", "rep"):
        client = signed_in(username)
        assert client.post("/quotas/allocate/", {"parent": f"team:{_team_code()}",
                                                 "amount": "10", "period": "FY2027-Q1"}
                           ).status_code == 403
    assert signed_in("rep").get("/quotas/").status_code == 403
