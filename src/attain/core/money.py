"""Money: the one place a monetary ``Decimal`` is made, rounded and summed.

Rules every module follows (docs/money.md says the same for users):

- Money is ``Decimal``, never ``float``. :func:`D` builds decimals from ``str``/``int``/
  ``Decimal`` and refuses floats, because a float has already lost cents.
- **One rounding rule**: amounts are rounded to the cent, *half away from zero*
  (``ROUND_HALF_UP`` in Python's decimal module, which is what ``round()`` does to a
  DECIMAL in DuckDB and PostgreSQL and what spreadsheets do). Rounding happens once, on each
  line; totals are sums of rounded lines, so lines always add up to totals.
- Splitting an amount into parts (splits, quota allocation) uses :func:`allocate`, which
  gives every cent to exactly one part, so the parts sum to the whole.

The warehouse stores money as ``DECIMAL(18, 2)`` (:data:`MONEY_SQL_TYPE`) and rates and
percentages as ``DECIMAL(18, 6)`` (:data:`RATE_SQL_TYPE`).

This module must never import Django or a warehouse backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

ZERO = Decimal("0")
ONE = Decimal("1")
HUNDRED = Decimal("100")
CENT = Decimal("0.01")
MONEY_PLACES = 2
RATE_PLACES = 6
ROUNDING = ROUND_HALF_UP
MONEY_PRECISION = 18
MONEY_SQL_TYPE = "DECIMAL(18, 2)"
RATE_SQL_TYPE = "DECIMAL(18, 6)"
DEFAULT_CURRENCY = "USD"


def D(value: str | int | Decimal) -> Decimal:
    """Make a Decimal from text, an int or a Decimal; floats are refused.

    ``D("1,234.50")`` accepts thousands separators written with commas; anything that is not
    a number raises ``ValueError`` naming the value.
    """
    if isinstance(value, bool):
        raise TypeError("a boolean is not an amount")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        raise TypeError(f"refusing float {value!r}: pass a string or Decimal to keep cents exact")
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
        if not number.is_finite():
            raise ValueError(f"{value!r} is not a finite number")
        return number
    raise TypeError(f"cannot make an amount from {type(value).__name__}")


def round_money(amount: Decimal) -> Decimal:
    """Round to the cent, half away from zero: the one rounding rule of Attain."""
    with localcontext() as context:
        context.prec = 38
        return amount.quantize(CENT, rounding=ROUNDING)


def round_rate(rate: Decimal) -> Decimal:
    """Round a rate or ratio to six places, half away from zero."""
    with localcontext() as context:
        context.prec = 38
        return rate.quantize(Decimal(1).scaleb(-RATE_PLACES), rounding=ROUNDING)


def sum_money(amounts: Iterable[Decimal]) -> Decimal:
    """Sum amounts exactly (no rounding: inputs are already cents)."""
    total = ZERO
    with localcontext() as context:
        context.prec = 38
        for amount in amounts:
            total += amount
    return total


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` (in cents) across ``weights`` so the parts sum to ``total`` exactly.

    Each part gets its share rounded toward zero; the cents left over go one at a time to
    the parts with the largest remainders (ties to the earlier part), so the result is
    deterministic and never off by more than a cent from the exact share. Weights must be
    non-negative with a positive sum.
    """
    if not weights:
        raise ValueError("allocate needs at least one weight")
    if any(weight < 0 for weight in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum_money(weights)
    if weight_sum <= 0:
        raise ValueError("weights must have a positive sum")
    total_cents = int((total / CENT).to_integral_exact()) if total == round_money(total) else None
    if total_cents is None:
        raise ValueError(f"{total} is not a whole number of cents")
    sign = -1 if total_cents < 0 else 1
    magnitude = abs(total_cents)
    with localcontext() as context:
        context.prec = 60
        exact = [Decimal(magnitude) * weight / weight_sum for weight in weights]
    floors = [int(share) for share in exact]
    left_over = magnitude - sum(floors)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for index in by_remainder[:left_over]:
        floors[index] += 1
    return [Decimal(sign * cents) * CENT for cents in floors]


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in a currency; immutable, and arithmetic refuses to mix currencies."""

    amount: Decimal
    """The amount, a Decimal (use :func:`D` to build it)."""
    currency: str = DEFAULT_CURRENCY
    """ISO 4217 code, upper case."""

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            object.__setattr__(self, "amount", D(self.amount))
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValueError(f"{self.currency!r} is not an ISO 4217 currency code")

    def _same_currency(self, other: Money) -> None:
        if self.currency != other.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def times(self, factor: Decimal) -> Money:
        """Multiply by a rate; the result is rounded to the cent by the one rule."""
        return Money(round_money(self.amount * factor), self.currency)

    def rounded(self) -> Money:
        return Money(round_money(self.amount), self.currency)

    def __str__(self) -> str:
        # Round by the one rule first: format() alone rounds half to even (2.345 -> 2.34).
        return f"{round_money(self.amount):,.2f} {self.currency}"
