"""Territories: rules on account fields checked when saved, holders over time, and the
engine crediting the holder in force on the booking date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from attain.core.periods import DEFAULT_CALENDAR
from attain.engine.calculate import calculate
from attain.org.models import Person, Role
from attain.plans.expressions import ExpressionError
from attain.territories import services
from attain.warehouse import connection
from tests.engine.builders import inputs, on_plan, plan, warehouse

pytestmark = pytest.mark.django_db


def _person(employee_id: str) -> Person:
    return Person.objects.create(employee_id=employee_id, name=employee_id,
                                 email=f"{employee_id}@example.com", role=Role.REP,
                                 access_role="rep", hire_date=dt.date(2020, 1, 1))


def test_a_rule_with_a_typo_is_refused_at_the_character() -> None:
    with pytest.raises(ExpressionError, match=r"did you mean 'account\.region'"):
        services.save_territory(code="emea", name="EMEA", rule='account.regoin == "EMEA"',
                                valid_from=dt.date(2026, 1, 1))


def test_holders_are_credited_for_the_accounts_their_territory_covers(warehouse_url: str) -> None:
    warehouse(warehouse_url, transactions="""
        transaction_id, account_id, booked_on, amount
        T1, BIG, 2026-01-10, 1000
        T2, SMALL, 2026-01-11, 1000
        T3, BIG, 2026-03-10, 3000
    """, accounts="""
        account_id, segment, region
        BIG, enterprise, EMEA
        SMALL, smb, EMEA
    """)
    ent = services.save_territory(code="emea-ent", name="EMEA enterprise",
                                  rule='account.region == "EMEA" and '
                                       'account.segment == "enterprise"',
                                  valid_from=dt.date(2026, 1, 1))
    services.assign(territory=ent, person_id=_person("alice").pk,
                    valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 2, 28))
    services.assign(territory=ent, person_id=_person("bob").pk, valid_from=dt.date(2026, 3, 1))
    holders = services.account_holders(warehouse=connection.connect(warehouse_url),
                                       start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    assert holders == [("BIG", "alice", dt.date(2026, 1, 1), dt.date(2026, 2, 28)),
                       ("BIG", "bob", dt.date(2026, 3, 1), None)]
    overlay = plan("""
        plan: overlay
        name: Territory overlay
        version: 1
        effective_from: 2026-01-01
        payees: {roles: [rep]}
        components:
          - id: territory
            name: Territory
            measure: {sum: amount}
            credit: territory
            payout: {rate: 2%}
    """)
    calculation = calculate(connection.connect(warehouse_url), inputs(
        [overlay], [on_plan("alice", overlay), on_plan("bob", overlay)], territories=holders),
        DEFAULT_CALENDAR.parse("2026-Q1"))
    lines = sorted(calculation.lines.to_pyarrow().to_pylist(), key=lambda r: r["booked_on"])
    # SMALL is outside the territory; BIG's January deal credits alice (1,000 × 2% = 20.00),
    # its March deal credits bob, who holds the territory from 1 March (3,000 × 2% = 60.00)
    assert [(r["payee_id"], r["transaction_id"], r["amount"]) for r in lines] == [
        ("alice", "T1", Decimal("20.00")), ("bob", "T3", Decimal("60.00"))]
