"""Where a payee stands in a rate table and what the next tier pays, read from the parsed
plan (the same document the engine compiles)."""

from __future__ import annotations

import textwrap
from decimal import Decimal

import pytest

from attain.plans import tiers
from attain.plans.language import load_plan

PLAN = textwrap.dedent("""
    plan: tiers-test
    name: Tiers test
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
              - {from: 150%, rate: 10%}
      - id: services
        name: Services
        measure: {sum: amount}
        period: quarter
        payout:
          rate_table:
            on: value
            method: retroactive
            tiers:
              - {from: 0, rate: 1%}
              - {from: 50000, rate: 2%}
      - id: accelerated
        name: Accelerated
        measure: {sum: amount}
        period: quarter
        quota: bookings
        payout:
          base_rate: 5%
          accelerators:
            - {from: 120%, multiplier: 2}
      - id: renewals
        name: Renewals
        measure: {sum: amount}
        period: quarter
        payout:
          flat_rate: 2%
""")


@pytest.fixture(scope="module")
def document():  # type: ignore[no-untyped-def]
    return load_plan(PLAN)


def test_at_104_percent_a_rep_is_in_the_8_percent_tier_and_150_percent_pays_10(
        document) -> None:  # type: ignore[no-untyped-def]
    table = tiers.component_table(document, "bookings")
    assert table is not None
    # 104,000 credited on a 100,000 quota: attainment 1.04, past the 100% bound, short of
    # 150%; the 150% tier starts at 1.5 × 100,000 = 150,000, so 46,000.00 is still to go.
    where = tiers.position(table, attainment=Decimal("1.04"), credited=Decimal("104000"),
                           quota=Decimal("100000"))
    assert where is not None
    assert (where.tier_no, where.rate) == (2, Decimal("0.08"))
    assert (where.next_from, where.next_rate) == (Decimal("1.5"), Decimal("0.1"))
    assert where.to_next == Decimal("46000.00")


def test_a_tier_starts_at_its_bound_exactly(document) -> None:  # type: ignore[no-untyped-def]
    table = tiers.component_table(document, "bookings")
    assert table is not None
    where = tiers.position(table, attainment=Decimal("1"), credited=Decimal("100000"),
                           quota=Decimal("100000"))
    assert where is not None and where.tier_no == 2


def test_the_top_tier_has_no_next(document) -> None:  # type: ignore[no-untyped-def]
    table = tiers.component_table(document, "bookings")
    assert table is not None
    where = tiers.position(table, attainment=Decimal("1.6"), credited=Decimal("160000"),
                           quota=Decimal("100000"))
    assert where is not None
    assert (where.tier_no, where.rate, where.next_from, where.to_next) == (
        3, Decimal("0.1"), None, None)


def test_a_value_table_counts_the_amount_to_its_next_bound(
        document) -> None:  # type: ignore[no-untyped-def]
    table = tiers.component_table(document, "services")
    assert table is not None
    # 12,345.67 credited; the 2% tier starts at 50,000: 37,654.33 to go.
    where = tiers.position(table, attainment=None, credited=Decimal("12345.67"), quota=None)
    assert where is not None
    assert (where.method, where.rate, where.to_next) == (
        "retroactive", Decimal("0.01"), Decimal("37654.33"))


def test_accelerators_are_read_as_the_engine_reads_them(
        document) -> None:  # type: ignore[no-untyped-def]
    table = tiers.component_table(document, "accelerated")
    assert table is not None
    # base 5%, doubled from 120%: the next tier pays 10%.
    where = tiers.position(table, attainment=Decimal("0.9"), credited=Decimal("90000"),
                           quota=Decimal("100000"))
    assert where is not None
    assert (where.rate, where.next_from, where.next_rate, where.to_next) == (
        Decimal("0.05"), Decimal("1.2"), Decimal("0.10"), Decimal("30000.00"))


def test_without_a_quota_an_attainment_table_has_no_position(
        document) -> None:  # type: ignore[no-untyped-def]
    table = tiers.component_table(document, "bookings")
    assert table is not None
    assert tiers.position(table, attainment=None, credited=Decimal("5"), quota=None) is None


def test_a_flat_rate_and_an_unknown_component_have_no_table(
        document) -> None:  # type: ignore[no-untyped-def]
    # The engine pays a flat rate as a single rate, not a table: there is no next tier.
    assert tiers.component_table(document, "renewals") is None
    assert tiers.component_table(document, "no-such-component") is None
