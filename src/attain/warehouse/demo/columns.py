"""Exact Arrow columns from NumPy arrays: money from integer cents, dates from day numbers.

The generator computes money in integer cents (and rates in integer millionths) so nothing
is ever a float on its way into a DECIMAL column. Decimal arrays are built directly from the
unscaled integers, which is exact and fast at ten million rows.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

EPOCH = dt.date(1970, 1, 1)


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01: the generator's integer date."""
    return (day - EPOCH).days


def to_date(number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(number))


def decimal(unscaled: np.ndarray, scale: int, valid: np.ndarray | None = None,
            precision: int = 18) -> pa.Array:
    """A DECIMAL(precision, scale) array whose values are ``unscaled / 10**scale`` exactly."""
    values = np.ascontiguousarray(unscaled, dtype=np.int64)
    pairs = np.empty((len(values), 2), dtype=np.int64)
    pairs[:, 0] = values
    pairs[:, 1] = values >> 63  # sign extension to 128 bits
    array = pa.Array.from_buffers(pa.decimal128(precision, scale), len(values),
                                  [None, pa.py_buffer(pairs.tobytes())])
    if valid is not None:
        array = pc.if_else(pa.array(valid), array, pa.scalar(None, array.type))
    return array


def money(cents: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """DECIMAL(18, 2) from integer cents."""
    return decimal(cents, 2, valid)


def dates(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    array = pa.array(np.asarray(days, dtype=np.int32), pa.date32())
    if valid is not None:
        array = pc.if_else(pa.array(valid), array, pa.scalar(None, pa.date32()))
    return array


def timestamps(seconds: np.ndarray) -> pa.Array:
    """Timestamps (microseconds, no zone) from seconds since the epoch."""
    return pa.array(np.asarray(seconds, dtype=np.int64) * 1_000_000, pa.timestamp("us"))


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded number, e.g. T0000042."""
    text = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()),
                        width, "0")
    return pc.binary_join_element_wise(prefix, text, "")


def pick(choices: list[str] | tuple[str, ...], index: np.ndarray,
         valid: np.ndarray | None = None) -> pa.Array:
    """Text values by index into ``choices`` (null where not ``valid``)."""
    taken = pc.take(pa.array(list(choices), pa.string()), pa.array(np.asarray(index, np.int64)))
    if valid is not None:
        taken = pc.if_else(pa.array(valid), taken, pa.scalar(None, pa.string()))
    return taken


def round_half_up_div(numerator: np.ndarray, divisor: int) -> np.ndarray:
    """Integer division rounding half away from zero (the one rounding rule, in integers)."""
    sign = np.where(numerator < 0, -1, 1)
    return sign * ((np.abs(numerator) + divisor // 2) // divisor)
