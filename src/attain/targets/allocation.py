"""Quota allocation: splitting a parent's quota across its children, to the cent.

Top-down allocation goes company → regions → teams → reps. A parent amount for a period is
first spread over the period's months by a **seasonality profile**, then each month's
amount is split across the children by the chosen **method** (equal, historical share,
potential, or manual amounts) weighted by each child's **capacity** in that month: the
day-weighted working time (FTE, with leave as 0 and days before hire or after leaving as 0)
times the **ramp** factor of a new hire. Every split goes through
:func:`attain.core.money.allocate`, so months sum to the parent and children sum to each
month exactly: the children always sum to the parent, whatever the inputs.

Manual amounts are taken as given; :func:`gap_check` (the bottom-up check) says how far the
children's sum is from the parent and flags it.

This module is pure: plain values in, plain values out. It never imports Django, Ibis or a
warehouse backend; :mod:`attain.targets.services` feeds it from the app database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Literal, get_args

from attain.core.money import ONE, ZERO, allocate, round_money, round_rate, sum_money
from attain.core.periods import Period

Method = Literal["equal", "historical", "potential", "manual"]
"""How a parent's amount is shared: equally, by past results, by potential, or as entered."""

METHODS: tuple[Method, ...] = get_args(Method)


class AllocationError(ValueError):
    """An allocation that cannot be made, with the reason in words a sales-ops person reads."""


# --- seasonality ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SeasonalityProfile:
    """Relative weight of each calendar month (1-12), learned from history or entered.

    Only ratios matter: ``{1: 1, 2: 1, 3: 2}`` puts half of a quarter into March.
    """

    weights: tuple[Decimal, ...]
    """Twelve non-negative weights, January first."""

    def __post_init__(self) -> None:
        if len(self.weights) != 12:
            raise AllocationError(f"a seasonality profile has 12 monthly weights, "
                                  f"got {len(self.weights)}")
        if any(weight < 0 for weight in self.weights):
            raise AllocationError("seasonality weights cannot be negative")
        if sum_money(self.weights) <= 0:
            raise AllocationError("seasonality weights must not all be zero")

    def weight(self, month: int) -> Decimal:
        """The weight of calendar month ``month`` (1-12)."""
        return self.weights[month - 1]

    @classmethod
    def flat(cls) -> SeasonalityProfile:
        """Every month weighs the same: amounts follow the number of months."""
        return cls(tuple(ONE for _ in range(12)))

    @classmethod
    def entered(cls, by_month: Mapping[int, Decimal]) -> SeasonalityProfile:
        """A profile typed in by month number; months not given weigh 0."""
        unknown = sorted(month for month in by_month if not 1 <= month <= 12)
        if unknown:
            raise AllocationError(f"months are 1-12, not {unknown}")
        return cls(tuple(by_month.get(month, ZERO) for month in range(1, 13)))

    @classmethod
    def learned(cls, monthly_actuals: Mapping[dt.date, Decimal]) -> SeasonalityProfile:
        """Learn the profile from past monthly actuals keyed by any day of the month.

        Each year's months are turned into shares of that year's total first, so a year of
        growth does not tilt the profile toward its later months; each calendar month's
        weight is the mean of its shares over the years that have it, rounded to six
        places. A month never seen gets the mean of the months seen.
        """
        by_year: dict[int, dict[int, Decimal]] = {}
        for day, amount in monthly_actuals.items():
            months = by_year.setdefault(day.year, {})
            months[day.month] = months.get(day.month, ZERO) + amount
        shares: dict[int, list[Decimal]] = {}
        with localcontext() as context:
            context.prec = 38
            for months in by_year.values():
                total = sum_money(months.values())
                if total <= 0:
                    continue
                for month, amount in months.items():
                    shares.setdefault(month, []).append(amount / total * len(months))
            if not shares:
                raise AllocationError("no positive monthly actuals to learn seasonality from")
            means = {month: round_rate(sum(values, ZERO) / len(values))
                     for month, values in shares.items()}
            fallback = round_rate(sum(means.values(), ZERO) / len(means))
        return cls(tuple(max(means.get(month, fallback), ZERO) for month in range(1, 13)))


def spread_over_months(amount: Decimal, period: Period,
                       profile: SeasonalityProfile) -> list[tuple[Period, Decimal]]:
    """``amount`` spread over the months of ``period`` by ``profile``, summing exactly.

    A period that starts or ends inside a month (a custom period) weighs that month by the
    share of its days inside the period.
    """
    months = period.months()
    weights = [profile.weight(month.start.month) * _days_inside(month, period) / month.days
               for month in months]
    if sum_money(weights) <= 0:
        raise AllocationError(f"the seasonality profile gives {period.label} no weight at all")
    return list(zip(months, allocate(amount, weights), strict=True))


def _days_inside(month: Period, period: Period) -> int:
    first, last = max(month.start, period.start), min(month.end, period.end)
    return max((last - first).days + 1, 0)


# --- capacity: ramp and proration -----------------------------------------------------------


DEFAULT_RAMP: tuple[Decimal, ...] = (Decimal("0.25"), Decimal("0.50"), Decimal("0.75"))
"""A new hire carries 25%, 50% and 75% in their first three months, then 100%."""


@dataclass(frozen=True, slots=True)
class WorkingTime:
    """A stretch of working time: full time is 1, half time 0.5, leave 0 (org Employment)."""

    valid_from: dt.date
    valid_to: dt.date | None
    """Last day, inclusive; None while it lasts."""
    fte: Decimal


def ramp_factor(month: Period, hire_date: dt.date,
                ramp: Sequence[Decimal] = DEFAULT_RAMP) -> Decimal:
    """The share of a full quota a new hire carries in ``month``.

    The month they join is their first month (``ramp[0]``), the next their second, and so
    on; after the ramp they carry 100%. Months before they join are not a ramp matter
    (proration gives them no days), so they get 1.
    """
    months_in = (month.start.year - hire_date.year) * 12 + month.start.month - hire_date.month
    if months_in < 0 or months_in >= len(ramp):
        return ONE
    return ramp[months_in]


def prorated_fte(month: Period, *, hire_date: dt.date, termination_date: dt.date | None,
                 working_time: Sequence[WorkingTime]) -> Decimal:
    """Day-weighted working time in ``month``, from 0 to (usually) 1, to six places.

    Days before the hire date, after the termination date, or not covered by any stretch of
    working time count as 0; a stretch on leave has FTE 0; with no stretches recorded, a
    person employed is taken as full time.
    """
    stretches = list(working_time) or [WorkingTime(hire_date, termination_date, ONE)]
    employed_from = max(month.start, hire_date)
    employed_to = min(month.end, termination_date or month.end)
    worked = ZERO
    for stretch in stretches:
        first = max(employed_from, stretch.valid_from)
        last = min(employed_to, stretch.valid_to or employed_to)
        if last >= first:
            worked += stretch.fte * ((last - first).days + 1)
    with localcontext() as context:
        context.prec = 38
        return round_rate(worked / month.days)


# --- top-down allocation --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Child:
    """One child of the parent being allocated: a region, a team or a rep."""

    key: str
    """Who: an employee id, a team code, a region code."""
    history: Decimal = ZERO
    """Past results (e.g. last year's bookings), for the ``historical`` method."""
    potential: Decimal = ZERO
    """Territory or account potential, for the ``potential`` method."""
    manual: Decimal | None = None
    """The amount entered by hand, for the ``manual`` method."""
    capacity: Mapping[dt.date, Decimal] = field(default_factory=dict)
    """Capacity by month (keyed by the month's first day), ramp × prorated FTE; a month
    missing here counts as full capacity (1)."""

    def capacity_in(self, month: Period) -> Decimal:
        return self.capacity.get(month.start, ONE)


@dataclass(frozen=True, slots=True)
class ChildAllocation:
    """What one child receives: its total and the month-by-month amounts that make it."""

    key: str
    amount: Decimal
    by_month: tuple[tuple[Period, Decimal], ...]


@dataclass(frozen=True, slots=True)
class Allocation:
    """The result of a top-down allocation, with its bottom-up check."""

    parent: Decimal
    period: Period
    method: Method
    children: tuple[ChildAllocation, ...]
    check: GapCheck

    def amounts(self) -> dict[str, Decimal]:
        return {child.key: child.amount for child in self.children}


def allocate_top_down(parent: Decimal, period: Period, children: Sequence[Child], *,
                      method: Method = "equal",
                      seasonality: SeasonalityProfile | None = None) -> Allocation:
    """Split ``parent`` for ``period`` across ``children`` by ``method``.

    - ``equal``: every child weighs its capacity (two full-time reps get the same; a
      half-time rep half as much);
    - ``historical``: weight = ``history`` × capacity;
    - ``potential``: weight = ``potential`` × capacity;
    - ``manual``: each child's ``manual`` amount, rounded to the cent and spread over the
      months by seasonality; the children need not sum to the parent, and the returned
      check says by how much they miss.

    The parent is spread over months by ``seasonality`` (flat if None), then each month is
    split by the weights of that month, so both the months and the children add up to the
    parent exactly. A month in which every child weighs 0 is an error: nobody would carry it.
    """
    if method not in METHODS:
        raise AllocationError(f"unknown method {method!r}; methods are {', '.join(METHODS)}")
    if not children:
        raise AllocationError("there is nobody to allocate to")
    keys = [child.key for child in children]
    if len(set(keys)) != len(keys):
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        raise AllocationError(f"children appear twice: {', '.join(duplicates)}")
    if parent != round_money(parent) or parent < 0:
        raise AllocationError(f"the parent amount {parent} must be a non-negative whole "
                              f"number of cents")
    profile = seasonality or SeasonalityProfile.flat()
    if method == "manual":
        return _manual(parent, period, children, profile)
    months = spread_over_months(parent, period, profile)
    per_child: dict[str, list[tuple[Period, Decimal]]] = {key: [] for key in keys}
    for month, month_amount in months:
        weights = [_weight(child, method) * child.capacity_in(month) for child in children]
        if sum_money(weights) <= 0:
            if month_amount == 0:
                shares = [ZERO] * len(children)
            else:
                raise AllocationError(
                    f"in {month.label} no child can carry any of the quota (every {method} "
                    f"weight × capacity is 0)")
        else:
            shares = allocate(month_amount, weights)
        for child, share in zip(children, shares, strict=True):
            per_child[child.key].append((month, share))
    result = tuple(ChildAllocation(key, sum_money(amount for _, amount in parts), tuple(parts))
                   for key, parts in per_child.items())
    return Allocation(parent, period, method, result,
                      gap_check(parent, {child.key: child.amount for child in result}))


def _weight(child: Child, method: Method) -> Decimal:
    if method == "equal":
        return ONE
    value = child.history if method == "historical" else child.potential
    if value < 0:
        raise AllocationError(f"{child.key}: the {method} weight {value} is negative")
    return value


def _manual(parent: Decimal, period: Period, children: Sequence[Child],
            profile: SeasonalityProfile) -> Allocation:
    missing = [child.key for child in children if child.manual is None]
    if missing:
        raise AllocationError(f"manual allocation needs an amount for {', '.join(missing)}")
    result = []
    for child in children:
        assert child.manual is not None
        amount = round_money(child.manual)
        if amount < 0:
            raise AllocationError(f"{child.key}: a quota cannot be negative ({amount})")
        result.append(ChildAllocation(child.key, amount,
                                      tuple(spread_over_months(amount, period, profile))))
    return Allocation(parent, period, "manual", tuple(result),
                      gap_check(parent, {child.key: child.amount for child in result}))


# --- bottom-up check ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GapCheck:
    """The children's sum against the parent: positive gap = children carry less."""

    parent: Decimal
    children_total: Decimal
    gap: Decimal
    """parent − children_total."""
    flagged: bool
    """True when the gap is beyond the tolerance."""
    message: str


def gap_check(parent: Decimal, children: Mapping[str, Decimal], *,
              tolerance: Decimal = ZERO) -> GapCheck:
    """Bottom-up check: do the children add up to the parent? Flag a gap beyond ``tolerance``.

    Over-assignment (children above the parent, common on purpose to cover risk) and
    under-assignment are both flagged, the message saying which and by how much.
    """
    total = sum_money(children.values())
    gap = parent - total
    flagged = abs(gap) > tolerance
    if gap == 0:
        message = f"children sum to the parent exactly ({parent})"
    elif gap > 0:
        message = f"children carry {total}, {gap} less than the parent's {parent}"
    else:
        message = f"children carry {total}, {-gap} more than the parent's {parent}"
    return GapCheck(parent, total, gap, flagged, message)
