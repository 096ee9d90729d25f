"""Alerts: a worsening status names its likely causes from the metric tree, with numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from attain.core.periods import DEFAULT_CALENDAR
from attain.targets.alerts import Reading, alert_for, likely_causes
from attain.targets.monitoring import StatusChange, TargetSpec, review_days, status_changes

JANUARY = DEFAULT_CALENDAR.parse("2026-01")


def _revenue_change() -> list[StatusChange]:
    # 3,100 in January (pace 100 a day); nothing sold on 11-12 Jan -> at risk on 14 Jan.
    spec = TargetSpec("revenue", JANUARY, Decimal(3100), owner="E00042")
    series = [(dt.date(2026, 1, n), Decimal(100)) for n in range(1, 32) if n not in (11, 12)]
    return status_changes(spec, series, review_days(JANUARY, dt.date(2026, 1, 31)))


def test_revenue_behind_names_low_coverage_and_falling_win_rate_with_their_numbers() -> None:
    # Win rate 0.18 against 0.24: (0.18 - 0.24) / 0.24 = -25% -> a cause.
    # Coverage 2.5x: no baseline, but below the 3x floor -> a cause (listed after changes).
    # Deal size 9,800 against 10,000: -2%, within 5% -> not a cause.
    # Cycle 70 days against 60: +16.67% on a lower-is-better metric -> a cause.
    readings = {
        "win_rate": Reading(Decimal("0.18"), Decimal("0.24")),
        "pipeline_coverage": Reading(Decimal("2.5"), None),
        "average_deal_size": Reading(Decimal(9800), Decimal(10000)),
        "sales_cycle_days": Reading(Decimal(70), Decimal(60)),
    }
    [change] = _revenue_change()
    alert = alert_for(change, readings)
    assert alert.worsened
    assert [cause.driver.metric for cause in alert.causes] == [
        "win_rate", "sales_cycle_days", "pipeline_coverage"]
    assert alert.causes[0].change_ratio == Decimal("-0.25")
    assert alert.causes[0].why == "win rate 18.0% against 24.0% before (-25.00%)"
    assert alert.causes[1].why == "sales cycle 70.0 days against 60.0 days before (+16.67%)"
    assert alert.causes[2].why == "pipeline coverage 2.5× is below 3.0×"
    assert alert.actions[2].startswith("Prospecting")
    assert alert.actions[0].startswith("Coaching on the stage")
    assert "on track → at risk on 2026-01-14" in alert.message
    assert "E00042" in alert.message


def test_no_driver_moving_the_wrong_way_is_said_plainly() -> None:
    readings = {"win_rate": Reading(Decimal("0.30"), Decimal("0.24"))}
    [change] = _revenue_change()
    alert = alert_for(change, readings)
    assert alert.causes == ()
    assert alert.message.endswith("no driver moved the wrong way")


def test_a_metric_outside_the_tree_has_no_causes() -> None:
    assert likely_causes("nps", {"win_rate": Reading(Decimal(0), Decimal(1))}) == []


def test_docs_list_every_driver_and_action_of_the_metric_tree() -> None:
    from pathlib import Path

    from attain.targets.alerts import METRIC_TREE

    page = (Path(__file__).parents[2] / "docs" / "targets.md").read_text()
    table = page[page.index("| metric | driver"):page.index("### Check-ins")]
    for metric, drivers in METRIC_TREE.items():
        assert f"| {metric}" in table
        for driver in drivers:
            assert f"| {driver.metric} (" in table and driver.action in table
