"""Targets: quotas and SMART goals, monitored against the metric catalog's actuals.

The Python API (for notebooks and pages; Django must be set up, as in ``attain shell``)::

    import datetime as dt
    from attain import targets

    targets.status(as_of=dt.date(2026, 11, 24), owner="team:AMER-01")  # [TargetStatus]
    targets.check_goal(open("goal.yaml").read())           # SmartReport: the five verdicts
    targets.allocate(parent="team:AMER-01", amount=Decimal("900000"),
                     period="FY2026-Q1", method="equal")   # Allocation, children to the cent

docs/targets.md states the rules. The pure parts need no database:
:mod:`attain.targets.allocation`, :mod:`attain.targets.monitoring`,
:mod:`attain.targets.alerts`, :mod:`attain.targets.goals`, :mod:`attain.targets.smart`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from attain.targets.allocation import Allocation, Method
    from attain.targets.services import TargetStatus
    from attain.targets.smart import SmartReport

__all__ = ["allocate", "check_goal", "status"]


def status(*, as_of: dt.date, owner: str | None = None, period: str | None = None,
           warehouse: Any = None) -> list[TargetStatus]:
    """Every quota and goal running on ``as_of`` (or overlapping ``period``), assessed."""
    from attain.targets import services

    return services.target_status(as_of=as_of, owner=owner, period=period, warehouse=warehouse)


def check_goal(text: str, *, today: dt.date | None = None,
               warehouse: Any = None) -> SmartReport:
    """The SMART verdicts on a goal document (GoalErrors at line and column if malformed)."""
    from attain.targets import services

    return services.check_goal(text, today=today, warehouse=warehouse)


def allocate(*, parent: str, amount: Decimal, period: str, method: Method = "equal",
             values: dict[str, Decimal] | None = None) -> Allocation:
    """A parent's quota split over its children in the org (nothing saved)."""
    from attain.core.company import company_calendar
    from attain.targets import services

    return services.allocate_quota(parent=parent, amount=amount,
                                   period=company_calendar().parse(period), method=method,
                                   values=values)
