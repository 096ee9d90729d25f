"""Every payout rule, worked by hand. Each test states its arithmetic in comments; the same
tests run on DuckDB and on PostgreSQL (the ``warehouse_url`` fixture)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from attain.engine.calculate import MboScore
from attain.engine.errors import EngineError
from tests.engine.builders import (
    amounts,
    inputs,
    lines,
    measures,
    on_plan,
    plan,
    quota,
    total,
    warehouse,
)

D = Decimal

MARGINAL = """
    plan: ae
    name: AE plan
    version: 1
    effective_from: 2026-01-01
    payees: {roles: [rep]}
    components:
      - id: bookings
        name: Bookings
        measure: {sum: amount}
        period: quarter
        quota: bookings
        payout:
          rate_table:
            on: attainment
            method: marginal
            tiers:
              - {from: 0%, rate: 4%}
              - {from: 100%, rate: 8%}
"""


def test_marginal_tiers_split_the_deal_that_crosses_quota(warehouse_url: str) -> None:
    warehouse(warehouse_url, transactions="""
        transaction_id, booked_on, amount
        T1, 2026-01-10, 60000
        T2, 2026-02-05, 50000
    """)
    ae = plan(MARGINAL)
    result = lines(warehouse_url, inputs([ae], [on_plan("rep1", ae)],
                                         quotas=[quota("rep1", "2026-Q1", "100000")]),
                   "2026-Q1")
    # T1: 60,000 all below quota at 4%                         = 2,400.00
    # T2 crosses 100,000: 40,000 at 4% = 1,600.00 (tier 1)
    #                     10,000 at 8% =   800.00 (tier 2)
    assert [(r["transaction_id"], r["tier_no"], r["base"], r["amount"]) for r in result] == [
        ("T1", 1, D("60000"), D("2400.00")),
        ("T2", 1, D("40000"), D("1600.00")),
        ("T2", 2, D("10000"), D("800.00")),
    ]
    assert total(result) == D("4800.00")


def test_retroactive_tiers_pay_the_reached_rate_on_everything(warehouse_url: str) -> None:
    warehouse(warehouse_url, transactions="""
        transaction_id, booked_on, amount
        T1, 2026-01-10, 60000
        T2, 2026-02-05, 50000
    """)
    ae = plan(MARGINAL.replace("method: marginal", "method: retroactive"))
    result = lines(warehouse_url, inputs([ae], [on_plan("rep1", ae)],
                                         quotas=[quota("rep1", "2026-Q1", "100000")]),
                   "2026-Q1")
    # T1: 60,000 × 4% = 2,400.00 (below quota)
    # T2: now 110,000 ≥ quota, so 8% on all of it: 110,000 × 8% = 8,800.00 earned to date;
    #     the line is the change: 8,800.00 − 2,400.00 = 6,400.00 (a true-up of T1 included)
    assert [(r["transaction_id"], r["tier_no"], r["amount"]) for r in result] == [
        ("T1", 1, D("2400.00")),
        ("T2", 2, D("6400.00")),
    ]


def test_splits_credit_each_person_their_share(warehouse_url: str) -> None:
    warehouse(warehouse_url, transactions="""
        transaction_id, opportunity_id, owner_id, booked_on, amount
        T1, OPP1, rep1, 2026-01-10, 10000
    """, splits="""
        opportunity_id, person_id, share
        OPP1, rep1, 0.6
        OPP1, rep2, 0.4
    """)
    flat = plan(FLAT_5)
    result = lines(warehouse_url, inputs([flat], [on_plan("rep1", flat), on_plan("rep2", flat)]),
                   "2026-Q1")
    # 10,000 split 60/40: rep1 credited 6,000 × 5% = 300.00; rep2 4,000 × 5% = 200.00
    assert [(r["payee_id"], r["credit_rule"], r["value"], r["amount"]) for r in result] == [
        ("rep1", "split", D("6000"), D("300.00")),
        ("rep2", "split", D("4000"), D("200.00")),
    ]


FLAT_5 = """
    plan: flat
    name: Flat plan
    version: 1
    effective_from: 2026-01-01
    payees: {roles: [rep]}
    components:
      - id: sales
        name: Sales
        measure: {sum: amount}
        period: quarter
        payout: {rate: 5%}
"""


def test_splits_that_do_not_total_100_percent_stop_the_run(warehouse_url: str) -> None:
    warehouse(warehouse_url, transactions="""
        transaction_id, opportunity_id, booked_on, amount
        T1, OPP9, 2026-01-10, 10000
    """, splits="""
        opportunity_id, person_id, share
        OPP9, rep1, 0.5
        OPP9, rep2, 0.4
    """)
    flat = plan(FLAT_5)
    with pytest.raises(EngineError, match=r"OPP9 \(90%\)"):
        lines(warehouse_url, inputs([flat], [on_plan("rep1", flat)]), "2026-Q1")


def test_rollup_credits_the_manager_in_charge_on_the_booking_date(warehouse_url: str) -> None:
    warehouse(warehouse_url, transactions="""
        transaction_id, owner_id, booked_on, amount
        T1, rep1, 2026-01-15, 1000
        T2, rep1, 2026-03-10, 2000
    """)
    managers = plan(FLAT_5.replace("plan: flat", "plan: mgr").replace(
        "payees: {roles: [rep]}", "payees: {roles: [manager]}").replace(
        "measure: {sum: amount}", "measure: {sum: amount}\n        credit: rollup"))
    reporting = [("rep1", "boss1", 1, dt.date(2025, 1, 1), dt.date(2026, 2, 28)),
                 ("rep1", "boss2", 1, dt.date(2026, 3, 1), None)]
    result = lines(warehouse_url, inputs([managers], [on_plan("boss1", managers),
                                                      on_plan("boss2", managers)],
                                         reporting=reporting), "2026-Q1")
    # rep1 moved from boss1 to boss2 on 1 March:
    # boss1 is credited T1 (January) 1,000 × 5% = 50.00; boss2 T2 (March) 2,000 × 5% = 100.00
    assert [(r["payee_id"], r["transaction_id"], r["via_person"], r["amount"])
            for r in result] == [("boss1", "T1", "rep1", D("50.00")),
                                 ("boss2", "T2", "rep1", D("100.00"))]


def test_amounts_convert_at_the_rate_of_the_booking_day(warehouse_url: str) -> None:
    warehouse(warehouse_url, transactions="""
        transaction_id, booked_on, amount, currency
        T1, 2026-01-10, 1000, EUR
        T2, 2026-01-12, 1000, EUR
    """, fx_rates="""
        rate_date, from_currency, to_currency, rate
        2026-01-09, EUR, USD, 1.10
        2026-01-11, EUR, USD, 1.20
    """)
    flat = plan(FLAT_5)
    result = lines(warehouse_url, inputs([flat], [on_plan("rep1", flat, currency="USD")]),
                   "2026-Q1")
    # T1 on 10 Jan uses the rate in force since 9 Jan: 1,000 EUR × 1.10 = 1,100.00 USD × 5% = 55.00
    # T2 on 12 Jan uses the 11 Jan rate: 1,000 × 1.20 = 1,200.00 USD × 5% = 60.00
    assert [(r["value"], r["amount"], r["currency"]) for r in result] == [
        (D("1100"), D("55.00"), "USD"), (D("1200"), D("60.00"), "USD")]


def test_a_cancellation_nets_against_its_order(warehouse_url: str) -> None:
    warehouse(warehouse_url, transactions="""
        transaction_id, opportunity_id, booked_on, amount, kind, reverses_transaction_id
        T1, OPP1, 2026-01-10, 5000, order,
        T2, OPP1, 2026-02-10, -5000, cancellation, T1
    """)
    flat = plan(FLAT_5)
    result = lines(warehouse_url, inputs([flat], [on_plan("rep1", flat)]), "2026-Q1")
    # order 5,000 × 5% = 250.00; its cancellation −5,000 × 5% = −250.00; net 0.00
    assert amounts(result) == [D("250.00"), D("-250.00")]
    assert total(result) == 0


def test_a_gate_pays_nothing_below_the_threshold(warehouse_url: str) -> None:
    warehouse(warehouse_url, transactions="""
        transaction_id, owner_id, booked_on, amount
        T1, rep1, 2026-01-10, 40000
        T2, rep2, 2026-01-10, 60000
    """)
    gated = plan(MARGINAL.replace("          tiers:", "          tiers:").replace(
        "              - {from: 100%, rate: 8%}",
        "              - {from: 100%, rate: 8%}\n          gate: {attainment: 50%}"))
    result = lines(warehouse_url, inputs(
        [gated], [on_plan("rep1", gated), on_plan("rep2", gated)],
        quotas=[quota("rep1", "2026-Q1", "100000"), quota("rep2", "2026-Q1", "100000")]),
        "2026-Q1")
    # rep1 is at 40% < 50%: nothing, and the line says why; rep2 at 60%: 60,000 × 4% = 2,400.00
    assert [(r["payee_id"], r["amount"], r["note"]) for r in result] == [
        ("rep1", D("0.00"), "gate not met"), ("rep2", D("2400.00"), None)]


def test_a_component_cap_is_never_exceeded(warehouse_url: str) -> None:
    warehouse(warehouse_url, transactions="""
        transaction_id, booked_on, amount
        T1, 2026-01-10, 8000
        T2, 2026-02-10, 7000
    """)
    capped = plan(FLAT_5.replace("payout: {rate: 5%}", "payout: {rate: 10%, cap: 1000}"))
    result = lines(warehouse_url, inputs([capped], [on_plan("rep1", capped)]), "2026-Q1")
    # T1: 8,000 × 10% = 800.00; T2 would add 700.00 but only 200.00 is left under the 1,000 cap
    assert amounts(result) == [D("800.00"), D("200.00")]


def test_rounding_happens_once_on_the_running_total(warehouse_url: str) -> None:
    warehouse(warehouse_url, transactions="""
        transaction_id, booked_on, amount
        T1, 2026-01-10, 0.10
        T2, 2026-01-11, 0.10
        T3, 2026-01-12, 0.10
    """)
    tiny = plan(FLAT_5.replace("rate: 5%", "rate: 7.5%"))
    result = lines(warehouse_url, inputs([tiny], [on_plan("rep1", tiny)]), "2026-Q1")
    # exact earnings 0.0075 each; running totals 0.0075, 0.0150, 0.0225 round (half away
    # from zero) to 0.01, 0.02, 0.02; each line is the change: 0.01, 0.01, 0.00.
    # Total 0.02 = 0.0225 rounded once; rounding each line alone would have paid 0.03.
    assert amounts(result) == [D("0.01"), D("0.01"), D("0.00")]


SPIFF = """
    plan: spiffy
    name: SPIFF plan
    version: 1
    effective_from: 2026-01-01
    payees: {roles: [rep]}
    components:
      - id: cloud-push
        name: Cloud push
        spiff:
          from: 2026-02-01
          to: 2026-02-28
          filter: product.family == "Cloud"
          per_deal: 500
          first: 2
"""


def test_a_spiff_pays_per_deal_in_its_window_for_the_first_deals(warehouse_url: str) -> None:
    warehouse(warehouse_url, transactions="""
        transaction_id, opportunity_id, booked_on, amount, product_id
        T1, D1, 2026-01-31, 1000, CLOUD
        T2, D2, 2026-02-01, 1000, CLOUD
        T3, D2, 2026-02-01, 1000, CLOUD
        T4, D3, 2026-02-10, 1000, SERVICES
        T5, D4, 2026-02-11, 1000, CLOUD
        T6, D5, 2026-02-12, 1000, CLOUD
    """, products="""
        product_id, family
        CLOUD, Cloud
        SERVICES, Services
    """)
    spiffy = plan(SPIFF)
    result = lines(warehouse_url, inputs([spiffy], [on_plan("rep1", spiffy)]), "2026-Q1")
    # D1 booked before the window; D3 is not Cloud; D2 counts once (its second line T3 is not
    # a new deal); the first two Cloud deals in February are D2 and D4: 2 × 500.00.
    # D5 is the third: it shows with 0.00 and the reason.
    paid = [(r["opportunity_id"], r["amount"]) for r in result if r["amount"] != 0]
    assert paid == [("D2", D("500.00")), ("D4", D("500.00"))]
    assert [r["note"] for r in result if r["opportunity_id"] == "D5"] == [
        "beyond the first deals this SPIFF pays"]


def test_a_bonus_is_dated_on_the_deal_that_reached_the_threshold(warehouse_url: str) -> None:
    warehouse(warehouse_url, transactions="""
        transaction_id, booked_on, amount
        T1, 2026-01-10, 70000
        T2, 2026-02-10, 40000
        T3, 2026-03-10, 5000
    """)
    bonus = plan(MARGINAL + """
      - id: quota-bonus
        name: Quota bonus
        bonus: {on: bookings, at: 100%, amount: 5000}
    """)
    result = lines(warehouse_url, inputs([bonus], [on_plan("rep1", bonus)],
                                         quotas=[quota("rep1", "2026-Q1", "100000")]), "2026-Q1")
    # 70,000 then 110,000 (T2 crosses 100%) then 115,000: the 5,000.00 bonus is dated on T2
    assert [(r["transaction_id"], r["amount"]) for r in result if r["line_kind"] == "bonus"] == [
        ("T2", D("5000.00"))]


def test_mbo_pays_score_times_target_incentive_with_a_cap(warehouse_url: str) -> None:
    warehouse(warehouse_url, transactions="""
        transaction_id, booked_on, amount
        T1, 2026-01-10, 100
    """)
    mbo = plan(FLAT_5 + """
      - id: certify
        name: Cloud certification
        mbo: {objective: Certify on Cloud, target_incentive: 2000, max_score: 120%}
    """)
    scores = [MboScore("rep1", "flat:1:certify", "2026-Q1", D("0.8")),
              MboScore("rep2", "flat:1:certify", "2026-Q1", D("1.5"))]
    result = lines(warehouse_url, inputs([mbo], [on_plan("rep1", mbo), on_plan("rep2", mbo)],
                                         mbo=scores), "2026-Q1")
    # rep1: 80% × 2,000 = 1,600.00; rep2: 150% is capped at 120%: 1.2 × 2,000 = 2,400.00
    assert [(r["payee_id"], r["amount"]) for r in result if r["line_kind"] == "mbo"] == [
        ("rep1", D("1600.00")), ("rep2", D("2400.00"))]


def test_a_modifier_scales_lines_of_matching_deals(warehouse_url: str) -> None:
    warehouse(warehouse_url, transactions="""
        transaction_id, booked_on, amount, discount
        T1, 2026-01-10, 1000, 0.10
        T2, 2026-01-11, 1000, 0.25
    """)
    modified = plan(FLAT_5.replace("payout: {rate: 5%}", """payout:
          rate: 5%
          modifiers:
            - {when: discount > 20%, factor: 0.5}"""))
    result = lines(warehouse_url, inputs([modified], [on_plan("rep1", modified)]), "2026-Q1")
    # T1 (10% discount): 1,000 × 5% = 50.00; T2 (25% > 20%): 50.00 × 0.5 = 25.00
    assert [(r["transaction_id"], r["modifier"], r["amount"]) for r in result] == [
        ("T1", D("1"), D("50.00")), ("T2", D("0.5"), D("25.00"))]


def test_a_mix_modifier_rewards_the_period_share_of_a_product(warehouse_url: str) -> None:
    warehouse(warehouse_url, transactions="""
        transaction_id, owner_id, booked_on, amount, product_id
        T1, rep1, 2026-01-10, 600, CLOUD
        T2, rep1, 2026-01-11, 400, SERVICES
        T3, rep2, 2026-01-10, 300, CLOUD
        T4, rep2, 2026-01-11, 700, SERVICES
    """, products="""
        product_id, family
        CLOUD, Cloud
        SERVICES, Services
    """)
    mixed = plan(FLAT_5.replace("payout: {rate: 5%}", """payout:
          rate: 10%
          modifiers:
            - {mix: product.family == "Cloud", at_least: 50%, factor: 1.2}"""))
    result = lines(warehouse_url, inputs([mixed], [on_plan("rep1", mixed),
                                                   on_plan("rep2", mixed)]), "2026-Q1")
    # rep1: Cloud is 600 of 1,000 = 60% ≥ 50%: every line × 1.2: 60.00 → 72.00, 40.00 → 48.00
    # rep2: Cloud is 30%: no uplift: 30.00 and 70.00
    assert [(r["payee_id"], r["amount"]) for r in result] == [
        ("rep1", D("72.00")), ("rep1", D("48.00")), ("rep2", D("30.00")), ("rep2", D("70.00"))]


def test_a_plan_cap_limits_all_components_together(warehouse_url: str) -> None:
    warehouse(warehouse_url, transactions="""
        transaction_id, booked_on, amount, deal_type
        T1, 2026-01-10, 10000, new
        T2, 2026-01-11, 10000, renewal
    """)
    two = plan("""
        plan: two
        name: Two components
        version: 1
        effective_from: 2026-01-01
        payees: {roles: [rep]}
        caps: {per_period: 1500, period: quarter}
        components:
          - id: new
            name: New business
            measure: {sum: amount}
            filter: deal.type == "new"
            payout: {rate: 10%}
          - id: renewals
            name: Renewals
            measure: {sum: amount}
            filter: deal.type == "renewal"
            payout: {rate: 10%}
    """)
    result = lines(warehouse_url, inputs([two], [on_plan("rep1", two)]), "2026-Q1")
    # New: 1,000.00 (T1). Renewals: 1,000.00 (T2) but only 500.00 remains under the 1,500 cap.
    assert [(r["component_id"], r["amount"]) for r in result] == [
        ("new", D("1000.00")), ("renewals", D("500.00"))]
    assert total(result) == D("1500.00")


def test_per_unit_pays_for_each_deal_counted(warehouse_url: str) -> None:
    warehouse(warehouse_url, transactions="""
        transaction_id, opportunity_id, booked_on, amount
        T1, D1, 2026-01-10, 100
        T2, D1, 2026-01-10, 100
        T3, D2, 2026-01-12, 100
    """)
    per_deal = plan(FLAT_5.replace("measure: {sum: amount}", "measure: {count: deals}").replace(
        "payout: {rate: 5%}", "payout: {per_unit: 250}"))
    result = lines(warehouse_url, inputs([per_deal], [on_plan("rep1", per_deal)]), "2026-Q1")
    # two deals (D1 has two lines; only its first counts): 2 × 250.00 = 500.00
    assert total(result) == D("500.00")


def test_measures_report_credited_value_quota_and_attainment(warehouse_url: str) -> None:
    warehouse(warehouse_url, transactions="""
        transaction_id, booked_on, amount
        T1, 2026-01-10, 60000
        T2, 2026-04-05, 50000
    """)
    ae = plan(MARGINAL)
    result = measures(warehouse_url, inputs(
        [ae], [on_plan("rep1", ae)],
        quotas=[quota("rep1", "2026-Q1", "100000"), quota("rep1", "2026-Q2", "80000")]),
        "2026-Q2")
    # Q2: 50,000 of an 80,000 quota = 62.5%; plan year to date 60,000 + 50,000 = 110,000
    assert [(r["period_label"], r["credited_value"], r["quota"], r["attainment"],
             r["ytd_value"]) for r in result] == [
        ("FY2026-Q2", D("50000"), D("80000"), D("0.625"), D("110000"))]


def test_a_component_without_its_quota_pays_nothing_and_says_so(warehouse_url: str) -> None:
    warehouse(warehouse_url, transactions="""
        transaction_id, booked_on, amount
        T1, 2026-01-10, 1000
    """)
    ae = plan(MARGINAL)
    result = lines(warehouse_url, inputs([ae], [on_plan("rep1", ae)]), "2026-Q1")
    assert [(r["amount"], r["note"]) for r in result] == [(D("0.00"), "no quota for this period")]
