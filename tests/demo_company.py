"""The small demo company most tests start from (generated once per session).

60 people (about 39 account executives) over nine quarters ending 2026-11-24: big enough for
every pattern the demo promises, small enough to load in a second.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from attain.warehouse.demo import DemoCompany, DemoOptions, generate

AS_OF = dt.date(2026, 11, 24)
SMALL = DemoOptions(seed=11, as_of=AS_OF, people=60)
STANDARD = DemoOptions(seed=7, as_of=AS_OF)


@cache
def small_company() -> DemoCompany:
    return generate(SMALL)


@cache
def standard_company() -> DemoCompany:
    return generate(STANDARD)


def load_small_demo(warehouse_url: str) -> DemoCompany:
    """The small company in the app database (people, quotas, plans) and the warehouse."""
    from attain.org import services as org_services
    from attain.plans import services as plan_services
    from attain.targets import services as target_services
    from attain.warehouse import load

    company = small_company()
    org_services.load_org(org=company.org, password="pw-for-tests")
    target_services.load_person_quotas(quotas=company.quotas)
    plan_services.load_demo_plans()
    load.create_tables(url=warehouse_url, replace=True)
    load.load_tables(company.tables, url=warehouse_url)
    return company
