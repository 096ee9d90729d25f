"""The earning lines' quick rounding (calculate.schedule_cents) equals the one rounding rule.

The engine rounds ``F = f_at_anchor + (position − anchor) × rate`` to the cent without
rounding a DECIMAL(38,14) (a 128-bit division in DuckDB); these tests run it on the backend
under test and compare with :func:`attain.core.money.round_money` (half away from zero) on
plain ``Decimal`` arithmetic, on hand-worked cases (ties of both signs, a rest that flips the
sign near zero, the largest values allowed) and on generated ones.
"""

from __future__ import annotations

from decimal import Decimal

import ibis
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attain.core.money import round_money
from attain.engine.calculate import QUICK_LIMIT, schedule_cents
from attain.warehouse import connection


def _rounded(url: str, cases: list[tuple[str, str, str, str, str]]) -> list[Decimal]:
    """schedule_cents on rows of (position, anchor, rate, fa_cents, fa_rest)."""
    table = ibis.memtable(pa.table({
        "row": pa.array(range(len(cases)), pa.int64()),
        "position": pa.array([Decimal(c[0]) for c in cases], pa.decimal128(38, 8)),
        "anchor": pa.array([Decimal(c[1]) for c in cases], pa.decimal128(38, 8)),
        "rate": pa.array([Decimal(c[2]) for c in cases], pa.decimal128(18, 6)),
        "fa_cents": pa.array([Decimal(c[3]) for c in cases], pa.decimal128(14, 2)),
        "fa_rest": pa.array([Decimal(c[4]) for c in cases], pa.decimal128(17, 14)),
    }))
    result = schedule_cents(table, quick=ibis.literal(True), positions={"cents": "position"})
    rows = connection.connect(url).to_pyarrow(result.order_by("row")).to_pylist()
    return [row["cents"] for row in rows]


def test_quick_rounding_is_half_away_from_zero_on_hand_worked_cases(warehouse_url: str
                                                                    ) -> None:
    cases = [
        # 1,000.005 × 0.5 = 500.0025 → 500.00
        ("1000.005", "0", "0.5", "0", "0"),
        # 0.01 × 0.5 = 0.005, a tie above zero → 0.01
        ("0.01", "0", "0.5", "0", "0"),
        # −0.01 × 0.5 = −0.005, a tie below zero → −0.01
        ("-0.01", "0", "0.5", "0", "0"),
        # F at the tier's start 1.00 − 0.005 = 0.995, nothing more: a tie → 1.00, not 0.99
        ("5", "5", "0.1", "1.00", "-0.005"),
        # −1.00 + 0.005 = −0.995 → −1.00
        ("5", "5", "0.1", "-1.00", "0.005"),
        # 0.01 − 0.005 + (−0.02 × 0.5 = −0.01) = −0.005: the rest takes F below zero → −0.01
        ("-0.02", "0", "0.5", "0.01", "-0.005"),
        # a position relative to its tier's start: (250,000 − 100,000) × 0.08 = 12,000
        # plus 4,000.00 at the start → 16,000.00
        ("250000", "100000", "0.08", "4000.00", "0"),
        # 123,456.78901234 × 0.04 = 4,938.2715604936 → 4,938.27
        ("123456.78901234", "0", "0.04", "0", "0"),
        # the largest distance allowed: 999,999,999.99999999 × 0.999999
        # = 999,998,999.99999999000001 → 999,999,000.00
        ("999999999.99999999", "0", "0.999999", "0", "0"),
        # a negative rate: 10.01 × −0.5 = −5.005, a tie → −5.01
        ("10.01", "0", "-0.5", "0", "0"),
    ]
    assert _rounded(warehouse_url, cases) == [
        Decimal("500.00"), Decimal("0.01"), Decimal("-0.01"), Decimal("1.00"),
        Decimal("-1.00"), Decimal("-0.01"), Decimal("16000.00"), Decimal("4938.27"),
        Decimal("999999000.00"), Decimal("-5.01")]


EIGHT = Decimal("0.00000001")
distances = st.one_of(
    st.integers(-100, 100), st.integers(-10**10, 10**10),
    st.integers(-(10**17) + 1, 10**17 - 1)).map(lambda n: n * EIGHT)
rates = st.integers(-999_999, 999_999).map(lambda n: n * Decimal("0.000001"))
starts = st.integers(-(10**22), 10**22).map(lambda n: n * Decimal("1e-14"))


@settings(max_examples=5, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(distances, rates, starts, st.booleans(),
                          st.integers(-(10**8), 10**8)), min_size=1, max_size=300))
def test_quick_rounding_equals_round_money(warehouse_url: str,
                                           drawn: list[tuple[Decimal, Decimal, Decimal, bool,
                                                             int]]) -> None:
    cases, expected = [], []
    for distance, rate, start, make_tie, cents in drawn:
        if make_tie:  # choose F at the tier's start so that F is exactly half a cent off
            start = cents * Decimal("0.01") + Decimal("0.005") - distance * rate
            if abs(start) >= QUICK_LIMIT:
                continue
        fa_cents = round_money(start)
        anchor = Decimal("12345.678")
        cases.append((str(anchor + distance), str(anchor), str(rate), str(fa_cents),
                      str(start - fa_cents)))
        expected.append(round_money(start + distance * rate))
    if cases:
        assert _rounded(warehouse_url, cases) == expected
