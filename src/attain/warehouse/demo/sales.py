"""The demo company's selling: accounts, leads, opportunities, stage history, splits and
order lines, generated set-based with NumPy from the seeded generator.

What makes it realistic (and testable): reps differ in skill and it persists; win rate,
deal size and cycle length depend on segment and lead source; Q4 is strong and quarters
end with a push; trained reps win more and discount less after their course; new hires ramp;
deals slip; some lines are cancelled or refunded. No loop here runs per row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from attain.warehouse.demo import catalog as cat
from attain.warehouse.demo.columns import (
    dates,
    day_number,
    decimal,
    ids,
    money,
    pick,
    round_half_up_div,
    timestamps,
)
from attain.warehouse.demo.org import REGIONS, DemoOrg

REGION_CODES = [region[0] for region in REGIONS]
CURRENCIES = [region[2] for region in REGIONS]
DAY_SECONDS = 86_400


@dataclass
class Sellers:
    """The account executives as parallel arrays (index = seller number)."""

    ids: list[str]
    region: np.ndarray
    team: list[str]
    skill: np.ndarray
    active_from: np.ndarray
    active_to: np.ndarray
    hired_on: np.ndarray
    trained_on: np.ndarray
    """Day number the seller completed negotiation training, or a day after the history."""
    fte_from: np.ndarray
    fte_to: np.ndarray
    fte: np.ndarray


@dataclass
class SalesResult:
    tables: dict[str, pa.Table]
    account_region: np.ndarray
    account_health: np.ndarray
    account_first_cloud_day: np.ndarray
    """Day of the first won Cloud booking per account (-1 when none)."""
    account_first_cloud_mrr_cents: np.ndarray
    account_is_customer: np.ndarray
    booked_usd_cents_by_seller_quarter: dict[tuple[str, str], int]


def sellers_of(org: DemoOrg, rng: np.random.Generator, trained_share: float) -> Sellers:
    start, end = day_number(org.start), day_number(org.as_of)
    reps = org.by_role("rep")
    n = len(reps)
    hired = np.array([day_number(p.hire_date) for p in reps])
    left = np.array([day_number(p.termination_date) if p.termination_date else end for p in reps])
    # Trained mid-history: between a third and two thirds of the way through.
    third = (end - start) // 3
    trained = np.where(rng.random(n) < trained_share,
                       start + third + rng.integers(0, third, n), end + 1)
    trained = np.maximum(trained, hired + 30)
    fte_from = np.full(n, end + 1)
    fte_to = np.full(n, end + 1)
    fte = np.ones(n)
    for i, person in enumerate(reps):
        if person.employee_id in org.part_time:
            since, until, share = org.part_time[person.employee_id]
            fte_from[i] = day_number(since)
            fte_to[i] = day_number(until) if until else end
            fte[i] = share
    return Sellers(
        ids=[p.employee_id for p in reps],
        region=np.array([REGION_CODES.index(p.region or "AMER") for p in reps]),
        team=[org.team_of(p.employee_id, p.hire_date if p.hire_date > org.start else org.start)
              or p.cost_center for p in reps],
        skill=np.array([p.skill for p in reps]),
        active_from=np.maximum(hired, start),
        active_to=np.minimum(left, end),
        hired_on=hired,
        trained_on=trained,
        fte_from=fte_from,
        fte_to=fte_to,
        fte=fte,
    )


def _quarter_index(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(year, quarter 1–4) of each day number."""
    as_dates = days.astype("datetime64[D]")
    years = as_dates.astype("datetime64[Y]").astype(int) + 1970
    months = as_dates.astype("datetime64[M]").astype(int) % 12
    return years, months // 3 + 1


def _quarter_end(days: np.ndarray) -> np.ndarray:
    as_dates = days.astype("datetime64[D]")
    months = as_dates.astype("datetime64[M]").astype(int)
    next_quarter_month = (months // 3 + 1) * 3
    return next_quarter_month.astype("datetime64[M]").astype("datetime64[D]").astype(int) - 1


def generate_sales(
    rng: np.random.Generator,
    org: DemoOrg,
    sellers: Sellers,
    usd_per_unit: dict[str, np.ndarray],
    fx_start_day: int,
    *,
    opportunities_per_seller_month: float,
    accounts_per_seller: int,
    split_share: float,
    order_lines: int | None,
) -> SalesResult:
    """Every selling table. ``order_lines`` fixes the number of order lines (scale runs)."""
    start, end = day_number(org.start), day_number(org.as_of)
    n_sellers = len(sellers.ids)

    # --- accounts: laid out contiguously per seller so a seller's accounts are a slice.
    n_accounts = n_sellers * accounts_per_seller
    account_seller = np.repeat(np.arange(n_sellers), accounts_per_seller)
    account_region = sellers.region[account_seller]
    account_segment = rng.choice(3, n_accounts, p=cat.SEGMENT_SHARE)
    account_health = rng.normal(0.0, 1.0, n_accounts)
    account_created = np.where(rng.random(n_accounts) < 0.8,
                               start - rng.integers(30, 2000, n_accounts),
                               start + rng.integers(0, max(1, end - start - 60), n_accounts))
    low = np.array([cat.SEGMENT_EMPLOYEES[s][0] for s in range(3)])[account_segment]
    high = np.array([cat.SEGMENT_EMPLOYEES[s][1] for s in range(3)])[account_segment]
    employees = (low * np.exp(rng.random(n_accounts) * np.log(high / low))).astype(np.int64)
    account_channel = np.where(rng.random(n_accounts) < 0.15, 1,
                               np.where((account_segment == 2) & (rng.random(n_accounts) < 0.2),
                                        2, 0))
    # The current owner: a leaver's accounts went to a colleague in the same region.
    current_owner = account_seller.copy()
    gone = sellers.active_to[account_seller] < end
    if gone.any():
        stayers_by_region = [np.flatnonzero((sellers.region == r) & (sellers.active_to >= end))
                             for r in range(3)]
        for region in range(3):
            mask = gone & (account_region == region)
            pool = stayers_by_region[region]
            if mask.any() and len(pool):
                current_owner[mask] = pool[rng.integers(0, len(pool), int(mask.sum()))]
    word = rng.integers(0, len(cat.COMPANY_WORDS), n_accounts)
    suffix = rng.integers(0, len(cat.COMPANY_SUFFIXES), n_accounts)
    name_index = word * len(cat.COMPANY_SUFFIXES) + suffix
    company_names = [f"{w} {s}" for w in cat.COMPANY_WORDS for s in cat.COMPANY_SUFFIXES]
    countries_by_region = [region[3] for region in REGIONS]
    country = np.array([countries_by_region[r][i % len(countries_by_region[r])]
                        for r, i in zip(account_region.tolist(),
                                        rng.integers(0, 60, n_accounts).tolist(),
                                        strict=True)])
    account_numbers = np.arange(1, n_accounts + 1)
    accounts = pa.table({
        "account_id": ids("A", account_numbers, 6),
        "name": pa.array([f"{company_names[k]} {n}" for k, n in
                          zip(name_index.tolist(), account_numbers.tolist(), strict=True)]),
        "industry": pick(cat.INDUSTRIES, rng.integers(0, len(cat.INDUSTRIES), n_accounts)),
        "segment": pick(cat.SEGMENTS, account_segment),
        "region": pick(REGION_CODES, account_region),
        "country": pa.array(country.tolist(), pa.string()),
        "employees": pa.array(employees.astype(np.int32)),
        "created_on": dates(account_created),
        "owner_id": pick(sellers.ids, current_owner),
        "channel": pick(("direct", "partner", "online"), account_channel),
    })

    # --- opportunities: a Poisson number per seller over their active, fte-weighted months.
    # Reps in post before the history started already had deals in flight: creation starts
    # four months early and deals that closed before the history are dropped below.
    create_from = np.maximum(sellers.hired_on, start - 120)
    active_days = np.maximum(0, sellers.active_to - create_from + 1)
    expected = active_days / 30.4 * opportunities_per_seller_month
    counts = rng.poisson(expected)
    opp_seller = np.repeat(np.arange(n_sellers), counts)
    n_raw = len(opp_seller)
    # Creation: uniform in the active window, thinned by month-of-year seasonality, ramp
    # (new hires create less in their first three months) and part time or leave.
    created = create_from[opp_seller] + (
        rng.random(n_raw) * active_days[opp_seller]).astype(np.int64)
    month_of_year = created.astype("datetime64[D]").astype("datetime64[M]").astype(int) % 12
    season = np.array([0.80, 0.85, 0.95, 0.85, 0.90, 1.00, 0.85, 0.90, 1.05, 1.15, 1.20, 1.00])
    tenure = created - sellers.hired_on[opp_seller]
    ramp = np.clip((tenure // 30 + 1) * 0.25, 0.25, 1.0)
    in_fte = (created >= sellers.fte_from[opp_seller]) & (created <= sellers.fte_to[opp_seller])
    fte = np.where(in_fte, sellers.fte[opp_seller], 1.0)
    keep = rng.random(n_raw) < season[month_of_year] / 1.2 * ramp * fte
    opp_seller, created = opp_seller[keep], created[keep]
    order = np.lexsort((created, opp_seller))
    opp_seller, created = opp_seller[order], created[order]
    n_opp = len(opp_seller)

    opp_account = (opp_seller * accounts_per_seller
                   + rng.integers(0, accounts_per_seller, n_opp))
    segment = account_segment[opp_account]
    skill = sellers.skill[opp_seller]
    trained = created >= sellers.trained_on[opp_seller]

    # Source: a quarter self-sourced by the AE, the rest from leads of six sources.
    lead_sourced = rng.random(n_opp) < 0.75
    source = rng.choice(len(cat.LEAD_SOURCES), n_opp, p=cat.LEAD_SOURCE_SHARE)
    source_names = (*cat.LEAD_SOURCES, cat.AE_SOURCED)
    source_index = np.where(lead_sourced, source, len(cat.LEAD_SOURCES))
    win_factor = np.append(np.array(cat.SOURCE_WIN_FACTOR), 0.9)[source_index]

    # Cycle length and close date; some deals slip past their planned close.
    cycle_mean = np.array(cat.SEGMENT_CYCLE_DAYS)[segment] / skill ** 0.3
    planned_cycle = np.maximum(5, rng.lognormal(np.log(cycle_mean), 0.35)).astype(np.int64)
    slipped = rng.random(n_opp) < 0.25
    cycle = planned_cycle + np.where(slipped, rng.integers(15, 60, n_opp), 0)
    close = created + cycle
    quarter_end = _quarter_end(close)
    push = (rng.random(n_opp) < 0.35) & (quarter_end - close < 45)
    close = np.where(push, np.maximum(close, quarter_end - rng.integers(0, 10, n_opp)), close)
    in_history = close >= start
    (opp_seller, created, opp_account, segment, skill, trained, lead_sourced, source,
     source_index, win_factor, planned_cycle, slipped, close, push) = (
        array[in_history] for array in (
            opp_seller, created, opp_account, segment, skill, trained, lead_sourced, source,
            source_index, win_factor, planned_cycle, slipped, close, push))
    n_opp = len(opp_seller)
    _, close_quarter = _quarter_index(close)
    q4 = close_quarter == 4

    win_p = (np.array(cat.SEGMENT_WIN)[segment] * win_factor * skill ** 0.8
             + np.where(trained, 0.07, 0.0) + np.where(q4, 0.05, 0.0))
    won_draw = rng.random(n_opp) < np.clip(win_p, 0.03, 0.85)
    is_closed = close <= end
    is_won = is_closed & won_draw
    is_lost = is_closed & ~won_draw
    # A closed deal cannot close after its owner left: it closes on their last day.
    close = np.where(is_closed, np.minimum(close, sellers.active_to[opp_seller]), close)
    is_closed &= created <= close
    open_ = ~is_closed
    # Open deals keep an expected close in the future.
    close = np.where(open_ & (close <= end), end + rng.integers(7, 90, n_opp), close)

    size = (np.array(cat.SEGMENT_DEAL_CENTS)[segment] * rng.lognormal(0.0, 0.5, n_opp)
            * skill ** 0.6 * np.where(q4, 1.2, 1.0))
    discount_pct = np.clip(np.round(
        np.array(cat.SEGMENT_DISCOUNT)[segment] * 100 + (1 - skill) * 4
        + np.where(push, 3, 0) - np.where(trained, 3, 0) + rng.normal(0, 4, n_opp)), 0, 45
    ).astype(np.int64)

    # Main product: family by segment (enterprise buys Cloud and Platform, SMB mostly Cloud).
    family_p = np.array([[0.45, 0.40, 0.15], [0.50, 0.30, 0.20], [0.70, 0.15, 0.15]])
    family = (rng.random(n_opp)[:, None] > np.cumsum(family_p, axis=1)[segment]).sum(axis=1)
    family = np.minimum(family, 2)
    product = family * 3 + np.minimum(2, np.where(segment == 0, 2, np.where(segment == 1, 1, 0))
                                      - (rng.random(n_opp) < 0.3))
    product = np.clip(product, family * 3, family * 3 + 2)

    # Deal type: an account's first deal is new business; later ones expand or renew.
    by_account = np.lexsort((created, opp_account))
    first = np.ones(n_opp, dtype=bool)
    first[by_account[1:]] = opp_account[by_account[1:]] != opp_account[by_account[:-1]]
    later_type = np.where(rng.random(n_opp) < 0.65, 1, 2)
    deal_type = np.where(first, 0, later_type)

    # --- order lines of won deals.
    won_index = np.flatnonzero(is_won)
    n_won = len(won_index)
    if order_lines is None:
        lines_per_deal = 1 + np.minimum(rng.poisson(1.2, n_won), 4)
    else:
        if order_lines < n_won:
            raise ValueError(f"{order_lines} order lines cannot cover {n_won} won deals; "
                             "ask for more transactions or fewer people")
        weights = size[won_index] / size[won_index].sum()
        lines_per_deal = 1 + rng.multinomial(order_lines - n_won, weights)
    line_deal = np.repeat(won_index, lines_per_deal)
    n_lines = len(line_deal)
    line_first = np.ones(n_lines, dtype=bool)
    line_first[1:] = line_deal[1:] != line_deal[:-1]
    extra_product = rng.integers(0, len(cat.PRODUCTS), n_lines)
    line_product = np.where(line_first, product[line_deal], extra_product)
    share = rng.gamma(2.0, 1.0, n_lines)
    share_total = np.bincount(np.searchsorted(won_index, line_deal), weights=share,
                              minlength=n_won)
    target_usd = size[line_deal] * share / share_total[np.searchsorted(won_index, line_deal)]
    line_region = account_region[opp_account[line_deal]]
    booked = close[line_deal]
    fx_day = np.clip(booked - fx_start_day, 0, None)
    usd_rate = np.ones(n_lines)
    for region_index, currency in enumerate(CURRENCIES):
        if currency != "USD":
            mask = line_region == region_index
            usd_rate[mask] = usd_per_unit[currency][fx_day[mask]]
    list_usd = np.array([p[3] for p in cat.PRODUCTS])[line_product]
    cost_usd = np.array([p[4] for p in cat.PRODUCTS])[line_product]
    unit_price = np.round(list_usd / usd_rate).astype(np.int64)
    unit_cost = np.round(cost_usd / usd_rate).astype(np.int64)
    line_discount = discount_pct[line_deal]
    net_unit = unit_price * (100 - line_discount) / 100
    quantity = np.maximum(1, np.round(target_usd / np.maximum(1, net_unit * usd_rate)))
    quantity = quantity.astype(np.int64)
    amount = round_half_up_div(quantity * unit_price * (100 - line_discount), 100)
    cost = quantity * unit_cost
    invoiced = booked + rng.integers(0, 12, n_lines)
    paid = invoiced + rng.integers(5, 75, n_lines)
    never_paid = rng.random(n_lines) < 0.03
    has_invoice = invoiced <= end
    has_paid = has_invoice & (paid <= end) & ~never_paid

    # Cancellations (within 60 days of booking) and refunds (after payment) reverse a line.
    cancel_day = booked + rng.integers(1, 60, n_lines)
    refund_day = paid + rng.integers(5, 90, n_lines)
    draw = rng.random(n_lines)
    cancelled = (draw < 0.025) & (cancel_day <= end)
    has_paid &= ~cancelled | (paid < cancel_day)
    cancelled &= ~has_paid
    refunded = (draw >= 0.025) & (draw < 0.035) & has_paid & (refund_day <= end)
    reversed_lines = np.flatnonzero(cancelled | refunded)
    reversal_kind = np.where(cancelled[reversed_lines], 1, 2)
    reversal_day = np.where(cancelled[reversed_lines], cancel_day[reversed_lines],
                            refund_day[reversed_lines])
    # A cancelled order was never paid; keep its invoice but not a payment.
    deal_amount = np.bincount(np.searchsorted(won_index, line_deal), weights=amount,
                              minlength=n_won).astype(np.int64)

    n_rev = len(reversed_lines)
    all_index = np.concatenate([np.arange(n_lines), reversed_lines])
    sign = np.concatenate([np.ones(n_lines, np.int64), -np.ones(n_rev, np.int64)])
    kind = np.concatenate([np.zeros(n_lines, np.int64), reversal_kind])
    line_booked = np.concatenate([booked, reversal_day])
    line_invoiced = np.concatenate([invoiced, reversal_day])
    line_paid = np.concatenate([paid, reversal_day])
    invoice_valid = np.concatenate([has_invoice, np.ones(n_rev, bool)])
    paid_valid = np.concatenate([has_paid, np.ones(n_rev, bool)])
    reverses = np.concatenate([np.zeros(n_lines, np.int64), reversed_lines + 1])
    deal_of_line = line_deal[all_index]
    opp_numbers = np.arange(1, n_opp + 1)
    transactions = pa.table({
        "transaction_id": ids("T", np.arange(1, n_lines + n_rev + 1), 8),
        "order_id": ids("SO", opp_numbers[deal_of_line], 7),
        "opportunity_id": ids("OP", opp_numbers[deal_of_line], 7),
        "account_id": ids("A", opp_account[deal_of_line] + 1, 6),
        "product_id": pick([p[0] for p in cat.PRODUCTS], line_product[all_index]),
        "owner_id": pick(sellers.ids, opp_seller[deal_of_line]),
        "deal_type": pick(("new", "expansion", "renewal"), deal_type[deal_of_line]),
        "quantity": decimal(sign * quantity[all_index] * 10_000, 4),
        "unit_price": money(unit_price[all_index]),
        "discount": decimal(line_discount[all_index] * 10_000, 6),
        "amount": money(sign * amount[all_index]),
        "cost": money(sign * cost[all_index]),
        "currency": pick(CURRENCIES, line_region[all_index]),
        "booked_on": dates(line_booked),
        "invoiced_on": dates(line_invoiced, invoice_valid),
        "paid_on": dates(line_paid, paid_valid),
        "kind": pick(("order", "cancellation", "refund"), kind),
        "reverses_transaction_id": _masked(ids("T", np.maximum(reverses, 1), 8), reverses > 0),
    })

    # --- opportunity amounts: won = sum of its lines; lost = the quoted size; open may be empty.
    quoted = round_half_up_div(np.round(size).astype(np.int64), 100) * 100
    opp_amount = quoted.copy()
    opp_amount[won_index] = deal_amount
    stage_now = _open_stage(created, planned_cycle, end, open_)
    amount_known = ~(open_ & (stage_now <= 1) & (rng.random(n_opp) < 0.08))
    opp_currency = account_region[opp_account]
    opp_stage = np.where(is_won, 5, np.where(is_lost, 6, stage_now))
    loss_reason = rng.integers(0, len(cat.LOSS_REASONS), n_opp)

    # Leads behind lead-sourced opportunities, plus those that never converted.
    leads, lead_id_of_opp, campaign_of_opp, sdr_of_opp = _leads(
        rng, org, sellers, opp_seller, opp_account, created, lead_sourced, source, start, end)
    se_of_opp = _team_se(org, sellers, opp_seller, segment)
    opportunities = pa.table({
        "opportunity_id": ids("OP", opp_numbers, 7),
        "name": pa.array([f"{cat.PRODUCTS[p][1]} deal {n}" for p, n in
                          zip(product.tolist(), opp_numbers.tolist(), strict=True)]),
        "account_id": ids("A", opp_account + 1, 6),
        "owner_id": pick(sellers.ids, opp_seller),
        "product_id": pick([p[0] for p in cat.PRODUCTS], product),
        "amount": money(opp_amount, amount_known),
        "currency": pick(CURRENCIES, opp_currency),
        "stage": pick(cat.ALL_STAGES, opp_stage),
        "probability": decimal(np.array(cat.STAGE_PROBABILITY_MICROS)[opp_stage], 6),
        "forecast_category": pick(cat.STAGE_FORECAST, opp_stage),
        "lead_source": pick(source_names, source_index),
        "deal_type": pick(("new", "expansion", "renewal"), deal_type),
        "created_on": dates(created),
        "close_date": dates(close),
        "is_closed": pa.array(is_won | is_lost),
        "is_won": pa.array(is_won),
        "loss_reason": pick(cat.LOSS_REASONS, loss_reason, is_lost),
        "lead_id": lead_id_of_opp,
        "campaign_id": campaign_of_opp,
        "sdr_id": sdr_of_opp,
        "se_id": se_of_opp,
    })

    history = _stage_history(rng, created, close, planned_cycle, slipped, is_won, is_lost,
                             stage_now, opp_amount, amount_known)
    splits = _splits(rng, sellers, opp_seller, created, is_lost, split_share)

    # Subscriptions start from the first won Cloud line of an account.
    cloud = (line_product < 3)
    first_cloud_day = np.full(n_accounts, -1)
    first_cloud_mrr = np.zeros(n_accounts, np.int64)
    if cloud.any():
        cloud_lines = np.flatnonzero(cloud)
        acc = opp_account[line_deal[cloud_lines]]
        order_c = np.lexsort((booked[cloud_lines], acc))
        acc_sorted = acc[order_c]
        firsts = np.ones(len(acc_sorted), bool)
        firsts[1:] = acc_sorted[1:] != acc_sorted[:-1]
        chosen = cloud_lines[order_c][firsts]
        first_cloud_day[acc_sorted[firsts]] = booked[chosen]
        first_cloud_mrr[acc_sorted[firsts]] = amount[chosen] // 12
    is_customer = np.zeros(n_accounts, bool)
    is_customer[opp_account[won_index]] = True

    booked_usd = np.round(amount * usd_rate).astype(np.int64)
    years, quarters = _quarter_index(booked)
    keys = (opp_seller[line_deal].astype(np.int64) * 100_000
            + years.astype(np.int64) * 10 + quarters.astype(np.int64))
    uniq, inverse = np.unique(keys, return_inverse=True)
    sums = np.bincount(inverse, weights=booked_usd)
    booked_by_quarter = {
        (sellers.ids[int(k // 100_000)], f"{int(k % 100_000) // 10}-Q{int(k % 10)}"): int(s)
        for k, s in zip(uniq.tolist(), sums.tolist(), strict=True)
    }
    return SalesResult(
        tables={
            "accounts": accounts, "opportunities": opportunities,
            "opportunity_stage_history": history, "splits": splits,
            "transactions": transactions, "leads": leads,
        },
        account_region=account_region,
        account_health=account_health,
        account_first_cloud_day=first_cloud_day,
        account_first_cloud_mrr_cents=first_cloud_mrr,
        account_is_customer=is_customer,
        booked_usd_cents_by_seller_quarter=booked_by_quarter,
    )


def _open_stage(created: np.ndarray, planned_cycle: np.ndarray, end: int,
                open_: np.ndarray) -> np.ndarray:
    """The stage an open deal has reached, from how far through its cycle it is."""
    elapsed = np.clip((end - created) / np.maximum(1, planned_cycle), 0, 0.999)
    stage = np.minimum(4, (elapsed * 5).astype(np.int64))
    return np.where(open_, stage, 0)


def _stage_history(rng: np.random.Generator, created: np.ndarray, close: np.ndarray,
                   planned_cycle: np.ndarray, slipped: np.ndarray, is_won: np.ndarray,
                   is_lost: np.ndarray, stage_now: np.ndarray, amount: np.ndarray,
                   amount_known: np.ndarray) -> pa.Table:
    """One row per stage entered: won deals pass every stage, lost ones stop early."""
    n = len(created)
    reached_lost = np.minimum(4, rng.geometric(0.45, n) - 1)
    last_open_stage = np.where(is_won, 4, np.where(is_lost, reached_lost, stage_now))
    rows = last_open_stage + 1 + (is_won | is_lost)
    opp = np.repeat(np.arange(n), rows)
    position = np.arange(len(opp)) - np.repeat(np.cumsum(rows) - rows, rows)
    closing = (position == rows[opp] - 1) & (is_won | is_lost)[opp]
    stage = np.where(closing, np.where(is_won[opp], 5, 6), position)
    span = np.maximum(1, close[opp] - created[opp])
    fraction = position / np.maximum(1, rows[opp] - (is_won | is_lost)[opp])
    entered_day = np.where(closing, close[opp],
                           created[opp] + (fraction * span * 0.9).astype(np.int64))
    entered_at = entered_day * DAY_SECONDS + 9 * 3600 + position * 600 + (opp % 3600)
    planned_close = created + planned_cycle
    close_at_row = np.where(slipped[opp] & ~closing, planned_close[opp], close[opp])
    return pa.table({
        "opportunity_id": ids("OP", opp + 1, 7),
        "stage": pick(cat.ALL_STAGES, stage),
        "entered_at": timestamps(entered_at),
        "amount": money(amount[opp], amount_known[opp]),
        "probability": decimal(np.array(cat.STAGE_PROBABILITY_MICROS)[stage], 6),
        "forecast_category": pick(cat.STAGE_FORECAST, stage),
        "close_date": dates(close_at_row),
    })


def _splits(rng: np.random.Generator, sellers: Sellers, opp_seller: np.ndarray,
            created: np.ndarray, is_lost: np.ndarray, split_share: float) -> pa.Table:
    """Revenue splits with a teammate (60/40, 50/50 or 70/30) on a share of deals."""
    n = len(opp_seller)
    team_codes = sorted(set(sellers.team))
    seller_team = np.array([team_codes.index(t) for t in sellers.team])
    chosen = np.flatnonzero((rng.random(n) < split_share) & ~is_lost)
    by_team = [np.flatnonzero(seller_team == t) for t in range(len(team_codes))]
    partner = np.empty(len(chosen), np.int64)
    team_of = seller_team[opp_seller[chosen]]
    keep = np.ones(len(chosen), bool)
    for t, members in enumerate(by_team):
        mask = team_of == t
        if not mask.any():
            continue
        if len(members) < 2:
            keep[mask] = False
            continue
        draw = members[rng.integers(0, len(members), int(mask.sum()))]
        owner = opp_seller[chosen[mask]]
        same = draw == owner
        draw[same] = members[(np.searchsorted(members, owner[same]) + 1) % len(members)]
        partner[mask] = draw
    chosen, partner = chosen[keep], partner[keep]
    owner_share = np.array([600_000, 500_000, 700_000])[rng.integers(0, 3, len(chosen))]
    opp = np.concatenate([chosen, chosen])
    person = np.concatenate([opp_seller[chosen], partner])
    share = np.concatenate([owner_share, 1_000_000 - owner_share])
    order = np.lexsort((person, opp))
    return pa.table({
        "opportunity_id": ids("OP", opp[order] + 1, 7),
        "person_id": pick(sellers.ids, person[order]),
        "share": decimal(share[order], 6),
        "split_type": pick(("revenue",), np.zeros(len(opp), np.int64)),
    })


def _team_se(org: DemoOrg, sellers: Sellers, opp_seller: np.ndarray,
             segment: np.ndarray) -> pa.Array:
    """The team's sales engineer joins mid-market and enterprise deals."""
    se_by_team: dict[str, str] = {}
    for person in org.by_role("se"):
        se_by_team.setdefault(person.cost_center, person.employee_id)
    names = [se_by_team.get(team, "") for team in sellers.team]
    return pick(names, opp_seller, (segment < 2) & np.array([bool(n) for n in names])[opp_seller])


def _leads(rng: np.random.Generator, org: DemoOrg, sellers: Sellers, opp_seller: np.ndarray,
           opp_account: np.ndarray, created: np.ndarray, lead_sourced: np.ndarray,
           source: np.ndarray, start: int, end: int
           ) -> tuple[pa.Table, pa.Array, pa.Array, pa.Array]:
    """Converted leads behind opportunities, and the many that never converted."""
    converted = np.flatnonzero(lead_sourced)
    conv_source = source[converted]
    rates = np.array(cat.LEAD_CONVERSION)
    per_source_converted = np.bincount(conv_source, minlength=len(rates))
    unconverted_count = np.round(per_source_converted / rates - per_source_converted)
    unconverted_source = np.repeat(np.arange(len(rates)), unconverted_count.astype(np.int64))
    n_conv, n_unconv = len(converted), len(unconverted_source)
    n = n_conv + n_unconv
    lead_source = np.concatenate([conv_source, unconverted_source])
    lead_created = np.concatenate([
        created[converted] - rng.integers(3, 40, n_conv),
        start + rng.integers(0, end - start + 1, n_unconv),
    ])
    qualified_draw = rng.random(n_unconv) < 0.25
    qualified_on = np.concatenate([
        np.minimum(created[converted], lead_created[:n_conv] + rng.integers(1, 10, n_conv)),
        lead_created[n_conv:] + rng.integers(1, 20, n_unconv),
    ])
    qualified_valid = np.concatenate([np.ones(n_conv, bool),
                                      qualified_draw & (qualified_on[n_conv:] <= end)])
    # Campaigns: one per marketing channel per quarter; a lead's campaign is the one of its
    # channel running in the quarter it arrived.
    channel = np.select([lead_source == 0, lead_source == 1, lead_source == 4],
                        [np.where(rng.random(n) < 0.5, 2, 3), 1, 0], -1)
    first_quarter = _quarter_serial(np.array([start]))[0]
    quarter = _quarter_serial(lead_created) - first_quarter
    in_range = (quarter >= 0) & (channel >= 0)
    campaign_number = np.maximum(quarter, 0) * len(cat.CAMPAIGN_CHANNELS) + np.maximum(channel, 0)
    campaign = ids("CMP", campaign_number + 1, 4)
    # SDR: someone on the owner's team (converted) or in the region (unconverted).
    sdrs = org.by_role("sdr")
    sdr_ids = [p.employee_id for p in sdrs]
    sdr_team = [p.cost_center for p in sdrs]
    sdr_region = np.array([REGION_CODES.index(p.region or "AMER") for p in sdrs])
    team_sdr = {team: i for i, team in reversed(list(enumerate(sdr_team)))}
    owner_team = [sellers.team[s] for s in opp_seller[converted].tolist()]
    conv_sdr = np.array([team_sdr.get(team, 0) for team in owner_team], np.int64)
    region_draw = rng.integers(0, 3, n_unconv)
    unconv_sdr = np.zeros(n_unconv, np.int64)
    for region in range(3):
        pool = np.flatnonzero(sdr_region == region)
        mask = region_draw == region
        if len(pool) and mask.any():
            unconv_sdr[mask] = pool[rng.integers(0, len(pool), int(mask.sum()))]
    lead_sdr = np.concatenate([conv_sdr, unconv_sdr])
    sdr_worked = np.isin(lead_source, [0, 1, 4, 5])
    lead_numbers = np.arange(1, n + 1)
    opp_numbers = np.concatenate([converted + 1, np.zeros(n_unconv, np.int64)])
    is_conv = np.concatenate([np.ones(n_conv, bool), np.zeros(n_unconv, bool)])
    account_numbers = np.concatenate([opp_account[converted] + 1, np.ones(n_unconv, np.int64)])
    leads = pa.table({
        "lead_id": ids("L", lead_numbers, 7),
        "source": pick(cat.LEAD_SOURCES, lead_source),
        "campaign_id": _masked(campaign, in_range),
        "created_on": dates(lead_created),
        "qualified_on": dates(qualified_on, qualified_valid),
        "converted_on": dates(np.concatenate([created[converted], np.zeros(n_unconv,
                                                                           np.int64)]), is_conv),
        "opportunity_id": _masked(ids("OP", np.maximum(opp_numbers, 1), 7), is_conv),
        "owner_id": pick(sdr_ids or [""], lead_sdr, sdr_worked & bool(sdr_ids)),
        "account_id": _masked(ids("A", account_numbers, 6), is_conv),
    })
    n_opp = len(opp_seller)
    lead_of_opp = np.zeros(n_opp, np.int64)
    lead_of_opp[converted] = lead_numbers[:n_conv]
    campaign_of_opp_number = np.zeros(n_opp, np.int64)
    campaign_of_opp_number[converted] = campaign_number[:n_conv] + 1
    has_campaign = np.zeros(n_opp, bool)
    has_campaign[converted] = in_range[:n_conv]
    sdr_of_opp = np.zeros(n_opp, np.int64)
    sdr_of_opp[converted] = conv_sdr
    sdr_valid = np.zeros(n_opp, bool)
    sdr_valid[converted] = sdr_worked[:n_conv] & bool(sdr_ids)
    return (
        leads,
        _masked(ids("L", np.maximum(lead_of_opp, 1), 7), lead_sourced),
        _masked(ids("CMP", np.maximum(campaign_of_opp_number, 1), 4), has_campaign),
        pick(sdr_ids or [""], sdr_of_opp, sdr_valid),
    )


def _masked(array: pa.Array, valid: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(valid), array, pa.scalar(None, array.type))


def _quarter_serial(days: np.ndarray) -> np.ndarray:
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(int)
    return months // 3


def campaign_rows(start: dt.date, as_of: dt.date) -> list[tuple[str, str, str, dt.date, dt.date]]:
    """(campaign_id, name, channel, start, end) for every channel × quarter of the history."""
    first = _quarter_serial(np.array([day_number(start)]))[0]
    last = _quarter_serial(np.array([day_number(as_of)]))[0]
    rows = []
    for offset in range(int(last - first) + 1):
        serial = int(first) + offset
        year, quarter = 1970 + serial // 4, serial % 4 + 1
        q_start = dt.date(year, 3 * (quarter - 1) + 1, 1)
        q_end = (dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
                 - dt.timedelta(days=1))
        for c, channel in enumerate(cat.CAMPAIGN_CHANNELS):
            number = offset * len(cat.CAMPAIGN_CHANNELS) + c + 1
            rows.append((f"CMP{number:04d}", f"{year}-Q{quarter} {channel}", channel, q_start,
                         q_end))
    return rows
