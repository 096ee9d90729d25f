"""The hand-made company the targets command and actuals tests share."""

from __future__ import annotations

import pytest

from attain.targets import services
from tests.metrics import builders

# E1 sells 100.00 every day of January 2026 except the 11th and 12th: 2,900.00 in all;
# before that, 1,500.00 in November and 2,000.00 in December 2025.
SALES = "transaction_id,owner_id,amount,booked_on\nTN,E1,1500.00,2025-11-15\n" \
    "TD,E1,2000.00,2025-12-15\n" + "\n".join(
        f"T{day},E1,100.00,2026-01-{day:02d}" for day in range(1, 32) if day not in (11, 12))
# December: 3 of 4 deals won (0.75); January: 1 of 4 (0.25). Every deal takes 30 days and
# is worth 1,000, so deal size and cycle length do not move.
DEALS = """
    opportunity_id,owner_id,amount,is_closed,is_won,close_date,created_on
    O-1,E1,1000.00,true,true,2025-12-05,2025-11-05
    O-2,E1,1000.00,true,true,2025-12-10,2025-11-10
    O-3,E1,1000.00,true,true,2025-12-15,2025-11-15
    O-4,E1,1000.00,true,false,2025-12-20,2025-11-20
    O-5,E1,1000.00,true,true,2026-01-05,2025-12-06
    O-6,E1,1000.00,true,false,2026-01-10,2025-12-11
    O-7,E1,1000.00,true,false,2026-01-15,2025-12-16
    O-8,E1,1000.00,true,false,2026-01-20,2025-12-21
"""
ORG = """
    person_id,team,valid_from,hired
    E1,T1,2025-01-01,2025-01-01
    E2,T1,2026-01-01,2026-01-01
"""


@pytest.fixture
def company(warehouse: str) -> str:
    builders.load(warehouse, transactions=SALES, opportunities=DEALS)
    builders.org(ORG)
    services.save_quotas([services.QuotaRow("bookings", "person:E1", "2026-01", "3100")],
                         approve=True)
    return warehouse
