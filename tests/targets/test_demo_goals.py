"""The six goals of the issue, end to end on the demo company: written as YAML, checked
SMART against the metric catalog, saved, and monitored against actuals on a given day.

The demo's numbers come from a generator, so the expectations here are relations a person
can check by hand: the actual to date equals the catalog's value for the same days asked
another way (a whole quarter or month instead of the sum of its days), expected follows the
pace rule, and the status follows the documented thresholds.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from attain import metrics
from attain.core.money import round_rate
from attain.targets import services
from attain.targets.monitoring import AT_RISK_FROM, ON_TRACK_FROM, attainment
from tests.demo_company import load_small_demo

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 24)


def _catalog(metric: str, grain: str, start: dt.date, end: dt.date,
             **filters: object) -> dict[str, Decimal | None]:
    rows = metrics.get(metric).query(grain=grain, start=start, end=end,  # type: ignore[arg-type]
                                     filters=filters).to_pyarrow().to_pylist()
    return {row["period"]: row["value"] for row in rows}


def _expected_status(pace: Decimal) -> str:
    if pace >= ON_TRACK_FROM:
        return "on_track"
    return "at_risk" if pace >= AT_RISK_FROM else "off_track"


def _goal_statuses(key: str, as_of: dt.date, owner: str = "company"
                   ) -> list[services.TargetStatus]:
    return [status for status in services.target_status(as_of=as_of, owner=owner)
            if status.kind == "goal" and status.label.startswith(f"goal {key} ")]


def test_500000_in_sales_by_the_end_of_q1(warehouse: str) -> None:
    load_small_demo(warehouse)
    text = """\
goal: rep-q1-sales
title: $500,000 in sales by the end of Q1
metric: revenue
owner: person:E00012
target: 500000
period: FY2026-Q1
objective: Every rep at plan in Q1
check_ins: monthly
"""
    report = services.check_goal(text, today=dt.date(2026, 1, 1))
    assert report.verdict("measurable").outcome == "pass"
    assert report.verdict("specific").outcome == "pass"
    # The baseline is the rep's Q1 2025 revenue, read by quarter from the catalog.
    last_year = _catalog("revenue", "quarter", dt.date(2025, 1, 1), dt.date(2025, 3, 31),
                         person="E00012")
    assert report.baseline == last_year.get("FY2025-Q1")
    services.save_goal(text, today=dt.date(2026, 1, 1))
    # Mid-quarter (14 Feb: share 0.5 of a flat quarter) expected is 250,000.00.
    [mid] = _goal_statuses("rep-q1-sales", dt.date(2026, 2, 14), "person:E00012")
    assert mid.assessment.expected == Decimal("250000.00")
    assert mid.assessment.status == _expected_status(
        attainment(mid.assessment.actual, Decimal("250000.00")))
    # On the last day the actual is the catalog's Q1 value, and expected is the target.
    [end] = _goal_statuses("rep-q1-sales", dt.date(2026, 3, 31), "person:E00012")
    quarter = _catalog("revenue", "quarter", dt.date(2026, 1, 1), dt.date(2026, 3, 31),
                       person="E00012")
    assert end.assessment.actual == quarter["FY2026-Q1"]
    assert end.assessment.expected == Decimal(500000)
    assert end.assessment.attainment == round_rate(end.assessment.actual / 500000)
    assert [point.day for point in end.history][:2] == [dt.date(2026, 1, 7),
                                                        dt.date(2026, 1, 14)]


def test_raise_lead_conversion_from_15_to_25_percent_this_half(warehouse: str) -> None:
    load_small_demo(warehouse)
    text = """\
goal: conversion
title: Raise the lead conversion rate from 15% to 25% this half
metric: lead_conversion_rate
owner: company
from: 15%
target: 25%
period: FY2026-H2
objective: Make more of the leads marketing sends
check_ins: fortnightly
"""
    report = services.check_goal(text, today=dt.date(2026, 7, 1))
    assert report.verdict("measurable").outcome == "pass"
    # (0.25 - 0.15) / 0.15: a 66.67% rise, far beyond the demo's quarter-to-quarter moves.
    assert report.needed_change == Decimal("0.666667")
    assert report.verdict("achievable").outcome == "warn"
    services.save_goal(text, today=dt.date(2026, 7, 1))
    # On 30 Sep the half to date is exactly Q3: the ratio to date is the catalog's Q3 ratio.
    [q3_end] = _goal_statuses("conversion", dt.date(2026, 9, 30))
    q3 = _catalog("lead_conversion_rate", "quarter", dt.date(2026, 7, 1),
                  dt.date(2026, 9, 30))
    assert q3_end.assessment.actual == q3["FY2026-Q3"]
    # Expected: 0.15 + 0.10 x elapsed share of the half (92 of 184 days = 0.5) = 0.20.
    assert q3_end.assessment.expected == Decimal("0.2")
    assert q3_end.assessment.spec.accumulates is False


def test_improve_customer_retention_by_10_percent_in_six_months(warehouse: str) -> None:
    load_small_demo(warehouse)
    text = """\
goal: retention
title: Improve customer retention by 10% in six months
metric: customer_retention_rate
owner: company
target: +10%
baseline: prior
start: 2026-06-01
deadline: 2026-11-30
objective: Keep the customers we win
check_ins: monthly
"""
    report = services.check_goal(text, today=dt.date(2026, 6, 1))
    assert report.verdict("measurable").outcome == "pass", report.verdict("measurable")
    # The baseline is the six months before (Dec 2025 - May 2026), a level metric: its last
    # month's value; the target is 10% above it.
    months = _catalog("customer_retention_rate", "month", dt.date(2025, 12, 1),
                      dt.date(2026, 5, 31))
    baseline = months["2026-05"]
    assert baseline is not None and report.baseline == baseline
    assert report.target == baseline * Decimal("1.1")
    services.save_goal(text, today=dt.date(2026, 6, 1))
    [status] = _goal_statuses("retention", TODAY)
    now = _catalog("customer_retention_rate", "month", dt.date(2026, 11, 1), TODAY)
    assert status.assessment.actual == now["2026-11"]
    # A level: expected runs in a straight line from the baseline to the target. 1 Jun to
    # 30 Nov is 30+31+31+30+31+30 = 183 days; by the end of 24 Nov 177 have gone, a share
    # of 177/183 = 0.967213 (six places), so expected = baseline + 0.1 × baseline × 0.967213.
    expected = round_rate(baseline + baseline * Decimal("0.1") * Decimal("0.967213"))
    assert status.assessment.expected == expected
    assert status.assessment.status == _expected_status(
        attainment(status.assessment.actual, expected))


def test_300_qualified_leads_per_month(warehouse: str) -> None:
    load_small_demo(warehouse)
    text = """\
goal: leads
title: 300 qualified leads per month
metric: leads_qualified
owner: company
target: 300
per: month
period: FY2026-Q4
objective: Feed the pipeline
check_ins: weekly
"""
    report = services.check_goal(text, today=dt.date(2026, 10, 1))
    assert [verdict.outcome for verdict in report.verdicts][:2] == ["pass", "pass"]
    services.save_goal(text, today=dt.date(2026, 10, 1))
    statuses = {status.assessment.spec.period.label: status
                for status in services.target_status(as_of=TODAY, period="FY2026-Q4",
                                                            owner="company")
                if status.kind == "goal"}
    assert sorted(statuses) == ["2026-10", "2026-11", "2026-12"]
    months = _catalog("leads_qualified", "month", dt.date(2026, 10, 1), TODAY)
    october, november = statuses["2026-10"].assessment, statuses["2026-11"].assessment
    assert october.actual == months["2026-10"] and october.expected == Decimal(300)
    # 24 of November's 30 days: expected 300 x 24/30 = 240.
    assert november.actual == months["2026-11"] and november.expected == Decimal("240.00")
    assert november.status == _expected_status(attainment(november.actual, Decimal(240)))
    assert statuses["2026-12"].assessment.expected == 0


def test_increase_sales_of_product_x_by_20_percent_in_q4(warehouse: str) -> None:
    load_small_demo(warehouse)
    text = """\
goal: product-x
title: Increase sales of product X by 20% in Q4
metric: revenue
owner: company
filters: {product: CLD-BUS}
target: +20%
period: FY2026-Q4
objective: Grow the cloud business
check_ins: monthly
"""
    report = services.check_goal(text, today=dt.date(2026, 10, 1))
    last_year = _catalog("revenue", "quarter", dt.date(2025, 10, 1), dt.date(2025, 12, 31),
                         product="CLD-BUS")["FY2025-Q4"]
    assert last_year is not None
    assert report.baseline == last_year and report.target == last_year * Decimal("1.2")
    assert "scope: product = CLD-BUS" in report.verdict("specific").reasons
    goal = services.save_goal(text, today=dt.date(2026, 10, 1))
    assert goal.filters == {"product": "CLD-BUS"}
    # Monitored within its scope: the actual is the product's revenue so far this quarter
    # (the demo's history ends on TODAY), not the whole company's.
    [status] = _goal_statuses("product-x", TODAY)
    so_far = _catalog("revenue", "quarter", dt.date(2026, 10, 1), TODAY, product="CLD-BUS")
    assert status.assessment.actual == so_far["FY2026-Q4"]
    assert status.assessment.spec.value == last_year * Decimal("1.2")


def test_cut_the_average_sales_cycle_from_60_to_45_days(warehouse: str) -> None:
    load_small_demo(warehouse)
    text = """\
goal: cycle
title: Cut the average sales cycle from 60 to 45 days
metric: sales_cycle_days
owner: company
from: 60
target: 45
period: FY2026-H2
objective: Close faster
check_ins: monthly
"""
    report = services.check_goal(text, today=dt.date(2026, 7, 1))
    assert report.verdict("measurable").outcome == "pass"
    assert report.needed_change == Decimal("-0.25")
    goal = services.save_goal(text, today=dt.date(2026, 7, 1))
    assert goal.direction == "lower"
    [status] = _goal_statuses("cycle", TODAY)
    result = status.assessment
    # 1 Jul - 24 Nov is 147 of the half's 184 days: 0.798913; 60 - 15 x 0.798913 = 48.016305.
    assert result.expected == Decimal("48.016305")
    # lower is better: pace = 2 - actual / expected, floored at 0.
    assert result.pace_attainment == attainment(result.actual, result.expected, "lower")
    [q3_end] = _goal_statuses("cycle", dt.date(2026, 9, 30))
    q3 = _catalog("sales_cycle_days", "quarter", dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert q3_end.assessment.actual == q3["FY2026-Q3"]
