"""Number and date formats the pages share: every date on a page goes through ``day`` or
``moment`` so it follows the reader's preference (web/display.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django import template
from django.utils import dateformat

from attain.web import display

register = template.Library()


@register.filter
def percent(value: Any, places: int = 1) -> str:
    """0.0815 → "8.2%" (a fraction shown as a percentage)."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(str(value)) * 100:,.{int(places)}f}%"


@register.filter(expects_localtime=True)
def day(value: Any, length: str = "") -> str:
    """A date in the reader's date format (web/display.py); ``day:"short"`` leaves out the
    year. A datetime is shown on its day in the reader's time zone. Empty for no date."""
    if value is None or value == "":
        return ""
    formats = display.current().formats
    chosen = formats.short if length == "short" else formats.day
    if type(value) is dt.date:  # a datetime's text also depends on its time zone
        return _date_text(value, chosen)
    return dateformat.format(value, chosen)


@lru_cache(maxsize=4096)
def _date_text(value: dt.date, date_format: str) -> str:
    """A calendar date written in a format: the same text every time, so kept (a list of
    150 people writes 150 hire dates; Django's formatter costs far more than a look-up)."""
    return dateformat.format(value, date_format)


@register.filter(expects_localtime=True)
def moment(value: Any) -> str:
    """A date and time in the reader's date format and time zone. Empty for none."""
    if value is None or value == "":
        return ""
    formats = display.current().formats
    return dateformat.format(value, f"{formats.day} {formats.time}")
