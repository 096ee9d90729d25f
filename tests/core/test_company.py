"""The company's fiscal calendar: one setting, read from the environment at start-up, that
every default calendar follows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from attain import settings as attain_settings
from attain.core.company import company_calendar


def test_the_company_calendar_follows_the_setting() -> None:
    # unset: calendar years, so 15 March 2026 is in FY2026-Q1
    assert company_calendar().period_containing(dt.date(2026, 3, 15), "quarter").label == (
        "FY2026-Q1")
    with override_settings(FISCAL_YEAR_START=2):
        # a February start: FY2027 runs February 2026 to January 2027, so March 2026 is in
        # its first quarter (February to April 2026)
        quarter = company_calendar().period_containing(dt.date(2026, 3, 15), "quarter")
        assert (quarter.label, quarter.start, quarter.end) == (
            "FY2027-Q1", dt.date(2026, 2, 1), dt.date(2026, 4, 30))


@pytest.mark.parametrize(("value", "month"), [("", 1), ("2", 2), (" 12 ", 12)])
def test_the_fiscal_year_start_is_read_from_the_environment(
        monkeypatch: pytest.MonkeyPatch, value: str, month: int) -> None:
    monkeypatch.setenv("ATTAIN_FISCAL_YEAR_START", value)
    assert attain_settings._fiscal_year_start() == month


@pytest.mark.parametrize("value", ["0", "13", "feb", "-1"])
def test_a_fiscal_year_start_that_is_not_a_month_stops_start_up(
        monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ATTAIN_FISCAL_YEAR_START", value)
    with pytest.raises(ImproperlyConfigured, match="must be a month number 1-12"):
        attain_settings._fiscal_year_start()
