"""The company's own settings as domain values: today only its fiscal calendar.

:mod:`attain.core.periods` is pure and never reads settings; everything that needs "the
company's calendar" by default (metric grains, quotas, runs, pages, the CLI) asks
:func:`company_calendar` here, so one environment variable moves every quarter at once.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from attain.core.periods import FiscalCalendar


def company_calendar() -> FiscalCalendar:
    """The fiscal calendar of the company: its year starts in the month
    ``settings.FISCAL_YEAR_START`` (``ATTAIN_FISCAL_YEAR_START``, default January)."""
    try:
        month = getattr(settings, "FISCAL_YEAR_START", 1)
    except ImproperlyConfigured:
        # Outside Django (a plain script on the pure engine), calendar years.
        month = 1
    return FiscalCalendar(int(month))
