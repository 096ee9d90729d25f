"""Money: exact decimals, one rounding rule, and lines that always add up to totals."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attain.core.money import (
    CENT,
    ZERO,
    D,
    Money,
    allocate,
    round_money,
    round_rate,
    sum_money,
)

# --- D: the one way to make an amount -----------------------------------------------------


def test_d_reads_text_ints_and_decimals() -> None:
    assert D("12.30") == Decimal("12.30")
    assert D(" 7 ") == Decimal("7")
    assert D(5) == Decimal("5")
    assert D(Decimal("0.1")) == Decimal("0.1")


def test_d_accepts_thousands_separators() -> None:
    assert D("1,234.50") == Decimal("1234.50")


def test_d_refuses_floats_because_they_have_already_lost_cents() -> None:
    with pytest.raises(TypeError, match="refusing float"):
        D(0.1)  # type: ignore[arg-type]


def test_d_refuses_booleans() -> None:
    # bool is an int in Python; True must not quietly become an amount of 1.
    with pytest.raises(TypeError, match="boolean"):
        D(True)


def test_d_names_the_text_that_is_not_a_number() -> None:
    with pytest.raises(ValueError, match="'abc' is not a number"):
        D("abc")
    with pytest.raises(ValueError, match="not a number"):
        D("")


def test_d_refuses_infinity_and_nan_written_as_text() -> None:
    with pytest.raises(ValueError, match="not a finite number"):
        D("Infinity")
    with pytest.raises(ValueError, match="not a finite number"):
        D("NaN")


def test_d_refuses_other_types() -> None:
    with pytest.raises(TypeError, match="list"):
        D([1])  # type: ignore[arg-type]


# --- the one rounding rule ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        ("2.345", "2.35"),  # half goes away from zero...
        ("-2.345", "-2.35"),  # ...on both sides of zero
        ("2.344", "2.34"),
        ("2.365", "2.37"),  # banker's rounding (half to even) would give 2.36
        ("0.005", "0.01"),
        ("-0.005", "-0.01"),
        ("0.0049999", "0.00"),
        ("10", "10.00"),
    ],
)
def test_round_money_rounds_half_away_from_zero(amount: str, rounded: str) -> None:
    result = round_money(D(amount))
    assert result == D(rounded)
    assert result.as_tuple().exponent == -2


def test_round_rate_keeps_six_places_half_away_from_zero() -> None:
    assert round_rate(D("0.1234565")) == D("0.123457")
    assert round_rate(D("-0.1234565")) == D("-0.123457")


amounts = st.decimals(
    min_value=Decimal("-1000000000"),
    max_value=Decimal("1000000000"),
    allow_nan=False,
    allow_infinity=False,
    places=6,
)
cents = st.decimals(
    min_value=Decimal("-1000000000"),
    max_value=Decimal("1000000000"),
    allow_nan=False,
    allow_infinity=False,
    places=2,
)


@given(amounts)
def test_round_money_is_idempotent(amount: Decimal) -> None:
    once = round_money(amount)
    assert round_money(once) == once


@given(amounts)
def test_round_money_is_the_nearest_cent_with_halves_away_from_zero(amount: Decimal) -> None:
    # Worked independently in whole millionths of a cent, as integers.
    millionths = int(amount * 1_000_000)
    magnitude, remainder = divmod(abs(millionths), 10_000)
    if remainder >= 5_000:
        magnitude += 1
    expected = Decimal(magnitude if millionths >= 0 else -magnitude) * CENT
    assert round_money(amount) == expected


@given(amounts)
def test_money_times_rounds_by_the_one_rule(amount: Decimal) -> None:
    assert Money(D("1.00")).times(amount).amount == round_money(amount)


# --- sums and splits ----------------------------------------------------------------------


def test_a_total_is_the_sum_of_rounded_lines_not_the_rounded_sum() -> None:
    # Three lines of 10.00 / 3 each round to 3.33; the statement total is 9.99, the sum of
    # what the rep sees, never 10.00.
    lines = [round_money(D("10.00") / 3) for _ in range(3)]
    assert lines == [D("3.33")] * 3
    assert sum_money(lines) == D("9.99")


def test_allocate_gives_left_over_cents_to_the_largest_remainders() -> None:
    # 10.00 in three equal parts: 3.33 each and one cent left, which goes to the first part
    # (equal remainders break the tie toward the earlier part).
    assert allocate(D("10.00"), [D(1), D(1), D(1)]) == [D("3.34"), D("3.33"), D("3.33")]
    # 100.00 split 1:2: exact shares 33.333.. and 66.666..; the cent goes to the 2nd part.
    assert allocate(D("100.00"), [D(1), D(2)]) == [D("33.33"), D("66.67")]


def test_allocate_splits_a_negative_total_the_same_way() -> None:
    assert allocate(D("-10.00"), [D(1), D(1), D(1)]) == [D("-3.34"), D("-3.33"), D("-3.33")]


def test_allocate_gives_nothing_to_a_zero_weight() -> None:
    assert allocate(D("5.00"), [D(0), D(3), D(1)]) == [D("0.00"), D("3.75"), D("1.25")]


@pytest.mark.parametrize(
    ("total", "weights", "message"),
    [
        ("1.00", [], "at least one weight"),
        ("1.00", ["-1", "2"], "must not be negative"),
        ("1.00", ["0", "0"], "positive sum"),
        ("1.005", ["1"], "not a whole number of cents"),
    ],
)
def test_allocate_refuses_impossible_splits(total: str, weights: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        allocate(D(total), [D(weight) for weight in weights])


weights_lists = st.lists(
    st.decimals(
        min_value=Decimal("0"),
        max_value=Decimal("1000000"),
        allow_nan=False,
        allow_infinity=False,
        places=6,
    ),
    min_size=1,
    max_size=30,
).filter(lambda weights: sum(weights) > 0)


@given(cents, weights_lists)
def test_allocated_parts_sum_exactly_to_the_total(total: Decimal, weights: list[Decimal]) -> None:
    parts = allocate(total, weights)
    assert len(parts) == len(weights)
    assert sum_money(parts) == total
    assert all(part == round_money(part) for part in parts)


@given(cents, weights_lists)
def test_each_part_is_within_a_cent_of_its_exact_share(
    total: Decimal, weights: list[Decimal]
) -> None:
    weight_sum = sum(Fraction(weight) for weight in weights)
    for part, weight in zip(allocate(total, weights), weights, strict=True):
        exact_share = Fraction(total) * Fraction(weight) / weight_sum
        assert abs(Fraction(part) - exact_share) < Fraction(CENT)


@given(cents, weights_lists)
def test_allocate_is_deterministic(total: Decimal, weights: list[Decimal]) -> None:
    assert allocate(total, weights) == allocate(total, list(weights))


@given(st.lists(cents, max_size=200))
def test_sum_money_of_rounded_lines_is_exact(lines: list[Decimal]) -> None:
    # Many lines of up to a billion each: no precision may be lost on the way to the total.
    assert Fraction(sum_money(lines)) == sum(Fraction(line) for line in lines)


@given(amounts, st.lists(amounts, min_size=1, max_size=20))
def test_a_statement_of_rounded_lines_adds_up(opening: Decimal, raw_lines: list[Decimal]) -> None:
    lines = [round_money(line) for line in [opening, *raw_lines]]
    total = sum_money(lines)
    assert total == round_money(total)
    assert sum_money(lines[:1]) + sum_money(lines[1:]) == total


def test_sum_money_of_nothing_is_zero() -> None:
    assert sum_money([]) == ZERO


# --- Money --------------------------------------------------------------------------------


def test_money_adds_and_subtracts_in_one_currency() -> None:
    assert Money(D("1.10")) + Money(D("2.20")) == Money(D("3.30"))
    assert Money(D("5.00"), "EUR") - Money(D("7.50"), "EUR") == Money(D("-2.50"), "EUR")
    assert -Money(D("1.00")) == Money(D("-1.00"))


def test_money_refuses_to_add_different_currencies() -> None:
    with pytest.raises(ValueError, match="cannot combine USD with EUR"):
        Money(D("1.00"), "USD") + Money(D("1.00"), "EUR")
    with pytest.raises(ValueError, match="cannot combine"):
        Money(D("1.00"), "GBP") - Money(D("1.00"), "USD")


def test_money_is_immutable() -> None:
    money = Money(D("1.00"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        money.amount = D("2.00")  # type: ignore[misc]
    with pytest.raises((AttributeError, TypeError)):
        money.note = "bonus"  # type: ignore[attr-defined]
    assert money.amount == D("1.00")


def test_money_refuses_a_float_amount_and_a_bad_currency_code() -> None:
    with pytest.raises(TypeError, match="refusing float"):
        Money(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ISO 4217"):
        Money(D("1"), "usd")
    with pytest.raises(ValueError, match="ISO 4217"):
        Money(D("1"), "US")


def test_money_built_from_text_becomes_a_decimal() -> None:
    assert Money("1,250.00").amount == D("1250.00")  # type: ignore[arg-type]


def test_money_is_shown_with_thousands_separators_and_the_one_rounding_rule() -> None:
    assert str(Money(D("1234567.5"), "EUR")) == "1,234,567.50 EUR"
    # Half away from zero, as everywhere else (plain format() would give 2.34).
    assert str(Money(D("2.345"))) == "2.35 USD"
    assert str(Money(D("-2.345"))) == "-2.35 USD"


def test_rounded_money_keeps_its_currency() -> None:
    assert Money(D("2.345"), "EUR").rounded() == Money(D("2.35"), "EUR")
