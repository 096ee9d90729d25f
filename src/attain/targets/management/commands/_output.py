"""Shared output helpers of the targets commands: plain JSON values and percentages."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from attain.core.money import round_money


def plain(value: Any) -> Any:
    """A JSON-ready copy: decimals as exact strings, dates as ISO, dataclasses as dicts."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: plain(getattr(value, field.name))
                for field in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if hasattr(value, "label") and hasattr(value, "start"):
        return value.label
    return value


def percent(fraction: Decimal | None) -> str:
    return "" if fraction is None else f"{round_money(fraction * 100)}%"
