"""The rest of the demo company's data: FX rates, products, campaigns and their spend, other
sales and marketing costs, subscriptions (MRR), customer feedback, activities and training.

Customer health is one latent number per account: it drives NPS and CSAT *and* churn, so the
scores really do predict churn. Set-based: loops here run over months or categories, never
over rows.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from attain.warehouse.demo import catalog as cat
from attain.warehouse.demo.columns import (
    dates,
    day_number,
    decimal,
    ids,
    money,
    pick,
    timestamps,
)
from attain.warehouse.demo.org import DemoOrg
from attain.warehouse.demo.sales import CURRENCIES, REGION_CODES, Sellers, campaign_rows

FX_START = {"EUR": 1.08, "AUD": 0.66}


def fx_rates(rng: np.random.Generator, first_day: int, last_day: int
             ) -> tuple[pa.Table, dict[str, np.ndarray]]:
    """Daily rates to and from USD as a gentle random walk; returns the table and USD-per-unit
    arrays indexed by ``day - first_day`` (the rates as stored, so conversions agree)."""
    n = last_day - first_day + 1
    days = np.arange(first_day, last_day + 1)
    columns: dict[str, list[pa.Array]] = {k: [] for k in ("rate_date", "from_currency",
                                                           "to_currency", "rate")}
    usd_per_unit: dict[str, np.ndarray] = {}
    for currency, level in FX_START.items():
        walk = level * np.exp(np.cumsum(rng.normal(0, 0.003, n)))
        to_usd = np.round(walk * 1e8).astype(np.int64)
        from_usd = np.round(1e16 / to_usd).astype(np.int64)
        usd_per_unit[currency] = to_usd / 1e8
        for source, target, units in ((currency, "USD", to_usd), ("USD", currency, from_usd)):
            columns["rate_date"].append(dates(days))
            columns["from_currency"].append(pa.array([source] * n))
            columns["to_currency"].append(pa.array([target] * n))
            columns["rate"].append(decimal(units, 8))
    table = pa.table({name: pa.concat_arrays(parts) for name, parts in columns.items()})
    return table, usd_per_unit


def products() -> pa.Table:
    rows = cat.PRODUCTS
    return pa.table({
        "product_id": [r[0] for r in rows],
        "name": [r[1] for r in rows],
        "family": [r[2] for r in rows],
        "list_price": money(np.array([r[3] for r in rows])),
        "unit_cost": money(np.array([r[4] for r in rows])),
        "currency": ["USD"] * len(rows),
        "is_recurring": [r[5] for r in rows],
    })


def _month_starts(start: dt.date, as_of: dt.date) -> list[dt.date]:
    months = []
    day = start.replace(day=1)
    while day <= as_of:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def campaigns(rng: np.random.Generator, start: dt.date, as_of: dt.date
              ) -> tuple[pa.Table, pa.Table]:
    """Campaigns (channel × quarter) and their spend by month."""
    rows = campaign_rows(start, as_of)
    table = pa.table({
        "campaign_id": [r[0] for r in rows],
        "name": [r[1] for r in rows],
        "channel": [r[2] for r in rows],
        "start_on": pa.array([r[3] for r in rows], pa.date32()),
        "end_on": pa.array([r[4] for r in rows], pa.date32()),
    })
    spend_ids, spend_months, spend_cents = [], [], []
    for campaign_id, _name, channel, c_start, c_end in rows:
        base = cat.CAMPAIGN_MONTHLY_SPEND_CENTS[cat.CAMPAIGN_CHANNELS.index(channel)]
        for month in _month_starts(c_start, min(c_end, as_of)):
            spend_ids.append(campaign_id)
            spend_months.append(month)
            spend_cents.append(int(base * rng.uniform(0.7, 1.3)) // 100 * 100)
    spend = pa.table({
        "campaign_id": spend_ids,
        "month": pa.array(spend_months, pa.date32()),
        "amount": money(np.array(spend_cents, np.int64)),
        "currency": ["USD"] * len(spend_ids),
    })
    return table, spend


def sales_marketing_costs(rng: np.random.Generator, org: DemoOrg) -> pa.Table:
    """Monthly salaries, tools and travel per sales cost centre; marketing's own costs."""
    heads: dict[str, int] = {}
    for person in org.people:
        heads[person.cost_center] = heads.get(person.cost_center, 0) + 1
    rows: list[tuple[dt.date, str, str, str, int]] = []
    for month in _month_starts(org.start, org.as_of):
        for centre, count in sorted(heads.items()):
            rows.append((month, "sales", "salaries", centre, count * 900_000))
            rows.append((month, "sales", "tools", centre, count * 15_000))
            rows.append((month, "sales", "travel", centre,
                         int(count * 40_000 * rng.uniform(0.5, 1.5)) // 100 * 100))
        rows.append((month, "marketing", "salaries", "MKTG", 6_000_000))
        rows.append((month, "marketing", "tools", "MKTG", 800_000))
        rows.append((month, "marketing", "agencies", "MKTG",
                     int(2_000_000 * rng.uniform(0.6, 1.4)) // 100 * 100))
    return pa.table({
        "month": pa.array([r[0] for r in rows], pa.date32()),
        "function": [r[1] for r in rows],
        "category": [r[2] for r in rows],
        "cost_center": [r[3] for r in rows],
        "amount": money(np.array([r[4] for r in rows], np.int64)),
        "currency": ["USD"] * len(rows),
    })


def subscriptions(rng: np.random.Generator, org: DemoOrg, region: np.ndarray,
                  health: np.ndarray, first_day: np.ndarray, first_mrr: np.ndarray
                  ) -> pa.Table:
    """MRR per subscribed account per month; churn is likelier the unhealthier the account."""
    months = _month_starts(org.start, org.as_of)
    month_days = np.array([day_number(m) for m in months])
    first_month = np.searchsorted(month_days, first_day, side="right") - 1
    subscribed = first_day >= 0
    mrr = np.zeros(len(region), np.int64)
    last = np.zeros(len(region), np.int64)
    churn_p = 0.012 * np.exp(-0.9 * health)
    expand_p = 0.04 * np.exp(0.4 * health)
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("account", "month", "mrr", "change",
                                                         "movement")}
    for index, _month in enumerate(months):
        starting = subscribed & (first_month == index)
        draw = rng.random(len(region))
        factor = rng.uniform(0.0, 1.0, len(region))
        active = mrr > 0
        new_mrr = mrr.copy()
        movement = np.full(len(region), 5)  # flat
        churn = active & (draw < churn_p)
        expand = active & ~churn & (draw >= churn_p) & (draw < churn_p + expand_p)
        contract = active & ~churn & ~expand & (draw > 0.985)
        react = ~active & (last > 0) & (draw < 0.01)
        new_mrr[churn] = 0
        new_mrr[expand] = (mrr[expand] * (1.1 + 0.3 * factor[expand])).astype(np.int64)
        new_mrr[contract] = (mrr[contract] * (0.7 + 0.2 * factor[contract])).astype(np.int64)
        new_mrr[react] = (last[react] * 0.8).astype(np.int64)
        new_mrr[starting] = np.maximum(first_mrr[starting], 100)
        movement[churn], movement[expand], movement[contract] = 3, 1, 2
        movement[react], movement[starting] = 4, 0
        show = (new_mrr > 0) | churn
        accounts = np.flatnonzero(show)
        out["account"].append(accounts)
        out["month"].append(np.full(len(accounts), month_days[index]))
        out["mrr"].append(new_mrr[accounts])
        out["change"].append(new_mrr[accounts] - mrr[accounts])
        out["movement"].append(movement[accounts])
        last = np.where(mrr > 0, mrr, last)
        mrr = new_mrr
    account = np.concatenate(out["account"])
    return pa.table({
        "account_id": ids("A", account + 1, 6),
        "month": dates(np.concatenate(out["month"])),
        "mrr": money(np.concatenate(out["mrr"])),
        "mrr_change": money(np.concatenate(out["change"])),
        "movement": pick(("new", "expansion", "contraction", "churn", "reactivation", "flat"),
                         np.concatenate(out["movement"])),
        "currency": pick(CURRENCIES, region[account]),
    })


def feedback(rng: np.random.Generator, org: DemoOrg, health: np.ndarray,
             is_customer: np.ndarray) -> pa.Table:
    """Quarterly NPS (0–10) and CSAT (1–5) answers from customers, driven by health."""
    start, end = day_number(org.start), day_number(org.as_of)
    customers = np.flatnonzero(is_customer)
    quarters = np.arange(start, end + 1, 91)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for survey, rate in ((0, 0.5), (1, 0.4)):
        for q_start in quarters:
            answered = customers[rng.random(len(customers)) < rate]
            day = q_start + rng.integers(0, 91, len(answered))
            keep = day <= end
            answered, day = answered[keep], day[keep]
            noise = rng.normal(0, 1.5 if survey == 0 else 0.8, len(answered))
            if survey == 0:
                score = np.clip(np.round(7.3 + 1.8 * health[answered] + noise), 0, 10)
            else:
                score = np.clip(np.round(3.9 + 0.7 * health[answered] + noise), 1, 5)
            parts.append((answered, day, np.full(len(answered), survey), score.astype(np.int32)))
    account = np.concatenate([p[0] for p in parts])
    order = np.lexsort((account, np.concatenate([p[1] for p in parts])))
    return pa.table({
        "feedback_id": ids("F", np.arange(1, len(account) + 1), 7),
        "account_id": ids("A", account[order] + 1, 6),
        "responded_on": dates(np.concatenate([p[1] for p in parts])[order]),
        "survey": pick(("nps", "csat"), np.concatenate([p[2] for p in parts])[order]),
        "score": pa.array(np.concatenate([p[3] for p in parts])[order]),
    })


def activities(rng: np.random.Generator, org: DemoOrg, sellers: Sellers,
               accounts_per_seller: int, scale: float) -> pa.Table:
    """Calls, emails, meetings and demos per working day of every AE and SDR."""
    end = day_number(org.as_of)
    sdrs = org.by_role("sdr")
    people = sellers.ids + [p.employee_id for p in sdrs]
    active_from = np.concatenate([sellers.active_from,
                                  [max(day_number(p.hire_date), day_number(org.start))
                                   for p in sdrs]]).astype(np.int64)
    active_to = np.concatenate([sellers.active_to, [end] * len(sdrs)]).astype(np.int64)
    effort = np.concatenate([np.sqrt(sellers.skill), np.ones(len(sdrs))])
    is_sdr = np.concatenate([np.zeros(len(sellers.ids), bool), np.ones(len(sdrs), bool)])
    days_active = np.maximum(0, active_to - active_from + 1)
    person = np.repeat(np.arange(len(people)), days_active)
    day = active_from[person] + (np.arange(len(person))
                                 - np.repeat(np.cumsum(days_active) - days_active, days_active))
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    working = weekday < 5
    person, day = person[working], day[working]
    # rates per day: call, email, meeting, demo
    ae_rates = np.array([1.5, 2.0, 0.5, 0.2]) * scale
    sdr_rates = np.array([5.0, 6.0, 0.3, 0.0]) * scale
    rates = np.where(is_sdr[person][:, None], sdr_rates, ae_rates) * effort[person][:, None]
    counts = rng.poisson(rates)
    kind = np.tile(np.arange(4), len(person))
    flat_counts = counts.ravel()
    act_person = np.repeat(np.repeat(person, 4), flat_counts)
    act_day = np.repeat(np.repeat(day, 4), flat_counts)
    act_kind = np.repeat(kind, flat_counts)
    n = len(act_kind)
    success_p = np.array([0.3, 0.15, 0.85, 0.9])[act_kind] * np.minimum(1.3, effort[act_person])
    success = rng.random(n) < success_p
    # outcome names per kind: (success, failure)
    outcome_table = np.array([[0, 1], [2, 3], [4, 5], [6, 5]])
    outcome = outcome_table[act_kind, np.where(success, 0, 1)]
    seconds = act_day * 86_400 + 8 * 3600 + rng.integers(0, 10 * 3600, n)
    duration = np.select([act_kind == 0, act_kind >= 2],
                         [rng.integers(1, 25, n), rng.integers(25, 75, n)], 0)
    has_duration = act_kind != 1
    is_seller = act_person < len(sellers.ids)
    account = (np.minimum(act_person, len(sellers.ids) - 1) * accounts_per_seller
               + rng.integers(0, accounts_per_seller, n))
    order = np.lexsort((seconds, act_person))
    import pyarrow.compute as pc

    return pa.table({
        "activity_id": ids("ACT", np.arange(1, n + 1), 9),
        "person_id": pick(people, act_person[order]),
        "account_id": pc.if_else(pa.array(is_seller[order]),
                                 ids("A", account[order] + 1, 6), pa.scalar(None, pa.string())),
        "opportunity_id": pa.nulls(n, pa.string()),
        "activity_type": pick(("call", "email", "meeting", "demo"), act_kind[order]),
        "occurred_at": timestamps(seconds[order]),
        "outcome": pick(("connected", "no_answer", "replied", "no_reply", "held", "no_show",
                         "completed"), outcome[order]),
        "duration_minutes": pc.if_else(pa.array(has_duration[order]),
                                       pa.array(duration[order].astype(np.int32)),
                                       pa.scalar(None, pa.int32())),
    })


def training(rng: np.random.Generator, org: DemoOrg, sellers: Sellers
             ) -> tuple[pa.Table, pa.Table]:
    """Courses, and who completed them: negotiation training matches the sellers' trained_on
    day (whose effect the sales generator applied), onboarding for new hires, and others."""
    courses = pa.table({
        "course_id": [c[0] for c in cat.COURSES],
        "name": [c[1] for c in cat.COURSES],
        "topic": [c[2] for c in cat.COURSES],
        "cost_per_seat": money(np.array([c[3] for c in cat.COURSES], np.int64)),
        "currency": ["USD"] * len(cat.COURSES),
    })
    start, end = day_number(org.start), day_number(org.as_of)
    rows: list[tuple[int, int, int, int]] = []  # person index, course, day, score
    n = len(sellers.ids)
    negotiation = np.flatnonzero(sellers.trained_on <= end)
    rows += [(int(i), 1, int(sellers.trained_on[i]), int(rng.integers(65, 100)))
             for i in negotiation]
    new_hires = np.flatnonzero(sellers.hired_on >= start)
    rows += [(int(i), 0, int(min(end, sellers.hired_on[i] + rng.integers(5, 30))),
              int(rng.integers(60, 100))) for i in new_hires]
    for course in (2, 3, 4):
        takers = np.flatnonzero(rng.random(n) < 0.3)
        for i in takers:
            lo, hi = int(sellers.active_from[i]), int(sellers.active_to[i])
            if hi > lo:
                rows.append((int(i), course, int(rng.integers(lo, hi)), int(rng.integers(55, 100))))
    rows.sort()
    completions = pa.table({
        "person_id": pick(sellers.ids, np.array([r[0] for r in rows], np.int64)),
        "course_id": pick([c[0] for c in cat.COURSES], np.array([r[1] for r in rows], np.int64)),
        "completed_on": dates(np.array([r[2] for r in rows], np.int64)),
        "score": pa.array(np.array([r[3] for r in rows], np.int32)),
    })
    return courses, completions


def region_currency(region: str | None) -> str:
    return CURRENCIES[REGION_CODES.index(region)] if region in REGION_CODES else "USD"
