"""``attain metrics list`` and ``attain metric NAME …``: the catalog and one metric from the
shell, as a table, JSON or CSV, with one-line errors."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from attain import metrics
from tests.metrics import builders

pytestmark = pytest.mark.django_db

DEALS = """
    opportunity_id,owner_id,is_closed,is_won,close_date
    O-1,E1,true,true,2025-01-10
    O-2,E1,true,false,2025-01-11
    O-3,E2,true,true,2025-02-12
"""


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_metrics_list_json_describes_every_metric() -> None:
    listed = json.loads(_run("metrics", "list", "--json"))
    assert [entry["name"] for entry in listed] == [m.name for m in metrics.catalog()]
    win_rate = next(entry for entry in listed if entry["name"] == "win_rate")
    assert win_rate["unit"] == "ratio" and win_rate["ratio"] is True
    assert "team" in win_rate["dimensions"]
    assert "win_rate" in _run("metrics", "list")


def test_metric_prints_json_and_csv(warehouse: str) -> None:
    builders.load(warehouse, opportunities=DEALS)
    rows = json.loads(_run("metric", "win_rate", "--by", "person", "--grain", "quarter",
                           "--from", "2025-01-01", "--to", "2025-03-31", "--json"))
    # E1 1 of 2 in Q1; E2 1 of 1
    assert [(r["person"], r["period"], r["value"]) for r in rows] == [
        ("E1", "FY2025-Q1", "0.500000"), ("E2", "FY2025-Q1", "1.000000")]
    text = _run("metric", "win_rate", "--grain", "month", "--from", "2025-01-01",
                "--to", "2025-02-28", "--compare", "prior", "--csv")
    lines = text.strip().splitlines()
    assert lines[0].startswith("period,period_start,period_end,value,numerator,denominator")
    # February 1 of 1 against January 1 of 2: change +0.5
    assert lines[2].startswith("2025-02,2025-02-01,2025-02-28,1.000000,1,1,,2025-01,0.500000")
    assert "Win rate" in _run("metric", "win_rate", "--from", "2025-01-01", "--to",
                              "2025-01-31")


def test_metric_errors_are_one_line(warehouse: str) -> None:
    builders.load(warehouse)
    with pytest.raises(CommandError, match="unknown metric 'nope'"):
        _run("metric", "nope", "--from", "2025-01-01", "--to", "2025-01-31")
    with pytest.raises(CommandError, match=r"--from .2025-13-01. is not a date"):
        _run("metric", "win_rate", "--from", "2025-13-01", "--to", "2025-01-31")
    with pytest.raises(CommandError, match=r"cannot be cut by campaign_x|unknown dimension"):
        _run("metric", "win_rate", "--by", "campaign_x", "--from", "2025-01-01",
             "--to", "2025-01-31")
    with pytest.raises(CommandError, match="DIMENSION=VALUE"):
        _run("metric", "win_rate", "--filter", "segment", "--from", "2025-01-01",
             "--to", "2025-01-31")


def test_the_company_fiscal_year_start_moves_the_quarters_of_the_cli(warehouse: str) -> None:
    builders.load(warehouse, opportunities=DEALS)
    asked = ("metric", "win_rate", "--grain", "quarter", "--from", "2025-01-01",
             "--to", "2025-03-31", "--json")
    # calendar years: January and February are both FY2025-Q1: 2 won of 3
    assert [(r["period"], r["value"]) for r in json.loads(_run(*asked))] == [
        ("FY2025-Q1", "0.666667")]
    with override_settings(FISCAL_YEAR_START=2):
        rows = json.loads(_run(*asked))
    # a year starting in February: January is the last month of FY2025-Q4 (November 2024 to
    # January 2025: O-1 won, O-2 lost -> 1 of 2); February opens FY2026-Q1 (February to
    # April: O-3 won -> 1 of 1)
    assert [(r["period"], r["period_start"], r["period_end"], r["value"]) for r in rows] == [
        ("FY2025-Q4", "2024-11-01", "2025-01-31", "0.500000"),
        ("FY2026-Q1", "2025-02-01", "2025-04-30", "1.000000")]
