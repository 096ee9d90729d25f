"""The demo company: a sales organisation a sales leader would recognise, from a seed.

``generate(DemoOptions(seed=7))`` returns the org (for the app database), every warehouse
table as Arrow, and the quotas; the same options always give byte-identical tables. Nine
quarters of history end on ``as_of``. ``people`` and ``transactions`` scale it up to the
benchmark size (10,000 payees, 10,000,000 transaction rows).

Generation is set-based (NumPy and Arrow); it never writes anything itself: the demo
command loads the org through :mod:`attain.org.services` and the tables through
:mod:`attain.warehouse.load`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from attain.warehouse.demo import signals
from attain.warehouse.demo.columns import day_number
from attain.warehouse.demo.org import DEMO_LOGINS, DemoOrg, DemoPerson, build_org
from attain.warehouse.demo.sales import generate_sales, sellers_of

__all__ = ["DEMO_LOGINS", "DemoCompany", "DemoOptions", "DemoPerson", "DemoQuota", "generate"]

SELLER_SHARE = 0.65
"""Share of all people who carry a bag (account executives)."""


@dataclass(frozen=True)
class DemoOptions:
    seed: int = 7
    as_of: dt.date = field(default_factory=dt.date.today)
    """The last day of history ("today")."""
    people: int = 150
    """Roughly how many people the company has (about two thirds of them account executives)."""
    transactions: int | None = None
    """Order lines to generate; None lets the simulation decide (about 11,000 at 150 people)."""
    split_share: float = 0.12
    """Share of deals whose credit is split with a teammate."""
    activity_scale: float | None = None
    """Multiplier on activity volume (default 1, or less at benchmark scale)."""
    quarters: int = 9
    """Quarters of history, the last one containing ``as_of``."""


@dataclass(frozen=True)
class DemoQuota:
    person_id: str
    period: str
    """Quarter label, e.g. 2026-Q1 (fiscal year = calendar year in the demo)."""
    metric: str
    amount_cents: int
    currency: str


@dataclass
class DemoCompany:
    options: DemoOptions
    org: DemoOrg
    tables: dict[str, pa.Table]
    quotas: list[DemoQuota]

    @property
    def transaction_count(self) -> int:
        return self.tables["transactions"].num_rows


def history_start(as_of: dt.date, quarters: int = 9) -> dt.date:
    """First day of the quarter ``quarters - 1`` quarters before ``as_of``'s (nine quarters
    of history by default)."""
    serial = as_of.year * 4 + (as_of.month - 1) // 3 - (quarters - 1)
    return dt.date(serial // 4, (serial % 4) * 3 + 1, 1)


def generate(options: DemoOptions | None = None,
             progress: Callable[[str], None] | None = None) -> DemoCompany:
    """Generate the whole demo company; ``progress`` is told each step as it starts."""
    options = options or DemoOptions()
    tell = progress or (lambda _step: None)
    rng = np.random.default_rng(options.seed)
    as_of = options.as_of
    start = history_start(as_of, options.quarters)
    sellers_wanted = max(12, round(options.people * SELLER_SHARE))

    tell("people and teams")
    org = build_org(rng, start=start, as_of=as_of, sellers=sellers_wanted)
    sellers = sellers_of(org, rng, trained_share=0.35)
    tell("exchange rates")
    fx_first = day_number(start) - 7
    fx_table, usd_per_unit = signals.fx_rates(rng, fx_first, day_number(as_of))
    tell("accounts, leads, deals and order lines")
    big = options.transactions is not None and options.transactions > 200_000
    sales = generate_sales(
        rng, org, sellers, usd_per_unit, fx_first,
        opportunities_per_seller_month=6.0,
        accounts_per_seller=14,
        split_share=options.split_share,
        order_lines=None if options.transactions is None
        else round(options.transactions / 1.03),
    )
    tables = dict(sales.tables)
    tell("campaigns, costs and customers")
    tables["products"] = signals.products()
    tables["campaigns"], tables["campaign_spend"] = signals.campaigns(rng, start, as_of)
    tables["sales_marketing_costs"] = signals.sales_marketing_costs(rng, org)
    tables["subscriptions"] = signals.subscriptions(
        rng, org, sales.account_region, sales.account_health,
        sales.account_first_cloud_day, sales.account_first_cloud_mrr_cents)
    tables["customer_feedback"] = signals.feedback(rng, org, sales.account_health,
                                                   sales.account_is_customer)
    tables["fx_rates"] = fx_table
    tell("activities and training")
    scale = options.activity_scale if options.activity_scale is not None else (
        0.05 if big else 1.0)
    tables["activities"] = signals.activities(rng, org, sellers, 14, scale)
    tables["training_courses"], tables["training"] = signals.training(rng, org, sellers)
    tell("quotas")
    quotas = _quotas(org, sellers.ids, sales.booked_usd_cents_by_seller_quarter, usd_per_unit)
    return DemoCompany(options=options, org=org, tables=tables, quotas=quotas)


QUARTER_SEASONALITY = {1: 0.90, 2: 0.95, 3: 1.00, 4: 1.15}


def _quotas(org: DemoOrg, seller_ids: list[str], booked: dict[tuple[str, str], int],
            usd_per_unit: dict[str, np.ndarray]) -> list[DemoQuota]:
    """Quarterly bookings quotas: a stretch on the typical full-time rep's bookings, shaped by
    seasonality (Q4 strongest), ramped for new hires (25/50/75/100% by quarter of tenure) and
    prorated for part time; managers carry the sum of their team's quotas."""
    people = {p.employee_id: p for p in org.people}
    by_quarter: dict[str, list[int]] = {}
    for (_person, quarter), cents in booked.items():
        by_quarter.setdefault(quarter, []).append(cents)
    typical = [float(np.median(v)) / QUARTER_SEASONALITY[int(q[-1])]
               for q, v in by_quarter.items() if len(v) >= 3]
    base_usd = (np.median(typical) if typical else 10_000_000) * 1.1
    quarters = _quarters(org.start, org.as_of)
    quotas: list[DemoQuota] = []
    team_totals: dict[tuple[str, str], int] = {}
    for person_id in seller_ids:
        person = people[person_id]
        currency = signals.region_currency(person.region)
        rate = float(usd_per_unit[currency][0]) if currency != "USD" else 1.0
        for label, q_start, q_end in quarters:
            if person.hire_date > q_end or (person.termination_date and
                                            person.termination_date < q_start):
                continue
            tenure_quarters = max(0, (q_start - person.hire_date).days // 91)
            ramp = min(1.0, 0.25 * (tenure_quarters + 1))
            fte = 1.0
            if person_id in org.part_time:
                since, until, share = org.part_time[person_id]
                if since <= q_end and (until is None or until >= q_start):
                    fte = share if share > 0 else 0.75
            amount = base_usd * QUARTER_SEASONALITY[int(label[-1])] * ramp * fte / rate
            cents = round(amount / 100_000) * 100_000  # whole thousands
            quotas.append(DemoQuota(person_id, label, "bookings", cents, currency))
            team = org.team_of(person_id, q_start) or person.cost_center
            team_totals[(team, label)] = team_totals.get((team, label), 0) + round(
                cents * rate)
    for span in org.managers:
        manager = people[span.person]
        currency = signals.region_currency(manager.region)
        rate = float(usd_per_unit[currency][0]) if currency != "USD" else 1.0
        for label, q_start, q_end in quarters:
            if span.valid_from > q_end or (span.valid_to and span.valid_to < q_start):
                continue
            total = team_totals.get((span.team, label))
            if total:
                cents = round(total / rate / 100_000) * 100_000
                quotas.append(DemoQuota(span.person, label, "bookings", cents, currency))
    return quotas


def _quarters(start: dt.date, as_of: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """Every quarter from ``start`` to the end of the fiscal year containing ``as_of``."""
    out = []
    year, quarter = start.year, (start.month - 1) // 3 + 1
    while (year, quarter) <= (as_of.year, 4):
        q_start = dt.date(year, 3 * quarter - 2, 1)
        q_end = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - dt.timedelta(days=1)
        out.append((f"{year}-Q{quarter}", q_start, q_end))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return out


__all__ += ["DemoOrg"]
