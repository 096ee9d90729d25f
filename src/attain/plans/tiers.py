"""Where a payee stands in a component's rate table, and what the next tier pays.

Read from the same parsed plan the engine compiles (:func:`PlanDocument` and
``Payout.effective_table``, which turns a base rate with accelerators into marginal tiers),
so the home page's "from 150% each $ pays 10%" is the engine's own table, never a second
reading of the YAML. This module computes no money that is paid: it only describes the
table, and the amount still to credit before the next tier starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from attain.core.money import round_money
from attain.plans.language import PlanDocument, RateTable, Tier, load_plan


@dataclass(frozen=True)
class TierPosition:
    """The tier a payee's attainment (or credited value) falls in, and the one after it."""

    on: str
    """``attainment`` (bounds are fractions of quota) or ``value`` (bounds are amounts)."""
    method: str
    """``marginal`` (each part paid at its tier's rate) or ``retroactive`` (the tier
    reached pays the whole value)."""
    reached: Decimal
    """The attainment (1.04 for 104%) or credited value the position was read at."""
    tier_no: int
    rate: Decimal | None
    per_unit: Decimal | None
    next_from: Decimal | None
    """Lower bound of the next tier; None in the top tier."""
    next_rate: Decimal | None
    next_per_unit: Decimal | None
    to_next: Decimal | None
    """Credited value still needed to reach the next tier, to the cent (needs a quota for
    attainment tables); None in the top tier or without a quota."""
    tiers: int


def position(table: RateTable, *, attainment: Decimal | None, credited: Decimal,
             quota: Decimal | None) -> TierPosition | None:
    """The tier ``credited`` (and its ``attainment`` of ``quota``) reaches in ``table``.

    None for an attainment table when there is no attainment (no quota): the tier cannot
    be known."""
    reached = attainment if table.on == "attainment" else credited
    if reached is None:
        return None
    number = 1
    for index, tier in enumerate(table.tiers, start=1):
        if tier.from_ <= reached:
            number = index
    current: Tier = table.tiers[number - 1]
    following: Tier | None = table.tiers[number] if number < len(table.tiers) else None
    to_next = None
    if following is not None:
        if table.on == "value":
            to_next = round_money(following.from_ - credited)
        elif quota:
            to_next = round_money(following.from_ * quota - credited)
    return TierPosition(
        on=table.on, method=table.method, reached=reached, tier_no=number,
        rate=current.rate, per_unit=current.per_unit,
        next_from=following.from_ if following else None,
        next_rate=following.rate if following else None,
        next_per_unit=following.per_unit if following else None,
        to_next=to_next, tiers=len(table.tiers))


def component_table(document: PlanDocument, component_id: str) -> RateTable | None:
    """The rate table a commission component pays by (None for SPIFFs, bonuses, MBOs)."""
    for component in document.components:
        if component.id == component_id and component.payout is not None:
            return component.payout.effective_table()
    return None


def plan_document(code: str, number: int) -> PlanDocument | None:
    """The parsed document of plan ``code`` version ``number`` (None if there is none)."""
    from attain.plans.models import PlanVersion

    text = PlanVersion.objects.filter(plan__code=code, number=number).values_list(
        "document", flat=True).first()
    if text is None:
        return None
    return _parsed(text, f"{code} v{number}")


@lru_cache(maxsize=64)
def _parsed(text: str, source: str) -> PlanDocument:
    """Parsing is keyed by the text itself, so an edited draft is never read stale."""
    return load_plan(text, source=source)
