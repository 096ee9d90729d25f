"""A potential allocation without values: each child weighed by the employees of the
accounts it covers, read from the warehouse (services.potential_values, allocate_quota and
``quotas allocate --method potential``)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from attain.core.company import company_calendar
from attain.targets import services
from tests.metrics import builders

pytestmark = pytest.mark.django_db

# Team T1: E1 and E2 since 2025 (full capacity in January 2026); E3 joins on 1 February, so
# on 1 January they are neither a child nor counted. T1 sits under T0, whose own member is E4.
ORG = """
    person_id,team,valid_from,parent
    E1,T1,2025-01-01,T0
    E2,T1,2025-01-01,T0
    E3,T1,2026-02-01,T0
    E4,T0,2025-01-01,
"""
# E1 owns A-1 (300 employees) and A-2 (no headcount: weighs 1) = 301; E2 owns A-3 (100);
# E3's A-4 (1,000) and the unowned A-5 (50) are nobody's on 1 January; E4 owns A-6 (7).
ACCOUNTS = """
    account_id,owner_id,employees,segment,region
    A-1,E1,300,enterprise,EMEA
    A-2,E1,,smb,EMEA
    A-3,E2,100,enterprise,AMER
    A-4,E3,1000,enterprise,EMEA
    A-5,,50,smb,EMEA
    A-6,E4,7,smb,EMEA
"""
JANUARY = company_calendar().parse("2026-01")


@pytest.fixture
def accounts(warehouse: str) -> str:
    builders.load(warehouse, accounts=ACCOUNTS)
    builders.org(ORG)
    return warehouse


def test_each_owner_weighs_the_employees_of_the_accounts_it_covers(accounts: str) -> None:
    from attain.territories import services as territory_services

    territory_services.save_territory(code="emea-ent", name="EMEA enterprise",
                                      rule='account.region == "EMEA" and '
                                           'account.segment == "enterprise"',
                                      valid_from=dt.date(2025, 1, 1))
    values = services.potential_values(
        owners=["person:E1", "person:E2", "person:E3", "team:T1", "team:T0",
                "territory:emea-ent"], day=JANUARY.start)
    # E1 300 + 1 (no headcount) = 301; E2 100; E3 owns A-4 themself: 1,000 (a person covers
    # what they own, team or not); T1 is its members on 1 January, E1 301 + E2 100 = 401,
    # without E3's 1,000 (not yet a member); T0 is its own E4 (7) and its sub-team T1's 401
    # = 408. The territory matches EMEA enterprise: A-1 300 + A-4 1,000 = 1,300.
    assert values == {"person:E1": Decimal(301), "person:E2": Decimal(100),
                      "person:E3": Decimal(1000), "team:T1": Decimal(401),
                      "team:T0": Decimal(408), "territory:emea-ent": Decimal(1300)}


def test_a_team_quota_is_split_by_account_potential_to_the_cent(accounts: str) -> None:
    result = services.allocate_quota(parent="team:T1", amount=Decimal("40000"),
                                     period=JANUARY, method="potential")
    # T1's children on 1 January are E1 (301) and E2 (100); E3 has not joined yet.
    # 40,000 × 301/401 = 30,024.9376… and × 100/401 = 9,975.0623…: rounded down to
    # 30,024.93 + 9,975.06 = 39,999.99, the odd cent to the larger remainder (0.76 > 0.23).
    amounts = {child.key: child.amount for child in result.children}
    assert amounts == {"person:E1": Decimal("30024.94"), "person:E2": Decimal("9975.06")}
    assert sum(amounts.values()) == Decimal("40000.00")


def test_quotas_allocate_potential_without_values_reads_the_accounts(accounts: str) -> None:
    out = StringIO()
    call_command("quotas", "allocate", "--parent", "team:T0", "--amount", "40800",
                 "--period", "2026-01", "--method", "potential", "--json", stdout=out)
    result = json.loads(out.getvalue())
    # T0's children on 1 January: sub-team T1 (301 + 100 = 401) and rep E4 (7); 408 in
    # all, so 40,800 is 100 a point: 40,100.00 and 700.00 exactly.
    assert [(child["owner"], child["amount"]) for child in result["children"]] == [
        ("team:T1", "40100.00"), ("person:E4", "700.00")]
    out = StringIO()
    call_command("quotas", "allocate", "--parent", "team:T1", "--amount", "40000",
                 "--period", "2026-01", "--method", "potential", "--json", stdout=out)
    # T1 itself: 301 : 100, as worked out above: 30,024.94 and 9,975.06.
    assert [(child["owner"], child["amount"])
            for child in json.loads(out.getvalue())["children"]] == [
        ("person:E1", "30024.94"), ("person:E2", "9975.06")]


def test_given_values_win_over_the_accounts(accounts: str, tmp_path: Path) -> None:
    values = tmp_path / "potential.csv"
    values.write_text("owner,value\nperson:E1,1\nperson:E2,1\n")
    out = StringIO()
    call_command("quotas", "allocate", "--parent", "team:T1", "--amount", "40000",
                 "--period", "2026-01", "--method", "potential", "--values", str(values),
                 "--json", stdout=out)
    # 1 : 1 from the file, not 301 : 100 from the accounts: 20,000 each.
    assert [child["amount"] for child in json.loads(out.getvalue())["children"]] == [
        "20000.00", "20000.00"]


def test_potential_without_accounts_in_the_warehouse_is_explained(warehouse: str) -> None:
    from django.core.management.base import CommandError

    builders.org(ORG)
    # an empty warehouse: no accounts to weigh, so the command says what to do instead
    with pytest.raises(CommandError, match=r"import them .* or give each child's potential"):
        call_command("quotas", "allocate", "--parent", "team:T1", "--amount", "40000",
                     "--period", "2026-01", "--method", "potential", stdout=StringIO())
