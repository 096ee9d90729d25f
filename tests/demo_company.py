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
