"""Number formats the pages share."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def percent(value: Any, places: int = 1) -> str:
    """0.0815 → "8.2%" (a fraction shown as a percentage)."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(str(value)) * 100:,.{int(places)}f}%"
