"""Goals as YAML and their SMART verdicts: the six goals of the issue, and the failures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from attain.targets.goals import GoalErrors, load_goal
from attain.targets.smart import Evidence, check, nearest_rank, target_specs

CATALOG = ("revenue", "lead_conversion_rate", "customer_retention_rate", "leads_qualified",
           "sales_cycle_days", "win_rate")
PAST_GROWTH = tuple(Decimal(text) for text in
                    ("0.05", "0.10", "0.15", "0.20", "0.25", "0.30", "0.02", "-0.05", "0.12",
                     "0.18"))
# sorted: -.05 .02 .05 .10 .12 .15 .18 .20 .25 .30; nearest-rank 90th: the 9th = 0.25.


def evidence(**overrides: object) -> Evidence:
    values: dict[str, object] = {"known_metrics": CATALOG, "dimensions": ("person", "product"),
                                 "data_points": 8, "past_changes": PAST_GROWTH}
    values.update(overrides)
    return Evidence(**values)  # type: ignore[arg-type]


def test_sales_of_500000_by_the_end_of_q1_passes_every_criterion() -> None:
    goal = load_goal("""\
goal: q1-sales
title: $500,000 in sales by the end of Q1
metric: revenue
owner: company
target: 500000
period: FY2026-Q1
objective: Grow revenue 20% this year
check_ins: monthly
""")
    # Q1 last year: 420,000. Needed 500/420 - 1 = 0.190476 (+19.05%), below the 90th
    # percentile 0.25; 3 of 10 past periods (0.20, 0.25, 0.30) grew as much.
    report = check(goal, evidence(baseline_value=Decimal(420000), baseline_label="FY2025-Q1"))
    assert [verdict.outcome for verdict in report.verdicts] == ["pass"] * 5
    assert report.target == Decimal(500000)
    assert report.needed_change == Decimal("0.190476")
    assert report.percentile_90 == Decimal("0.25")
    assert report.verdict("achievable").reasons[0].startswith(
        "needs 19.05% growth (420000 in FY2025-Q1 → 500000), within past growth: 3 of 10 "
        "past periods")
    assert "monthly check-ins (about 3)" in report.verdict("time_bound").reasons
    [spec] = target_specs(goal, report, evidence())
    assert (spec.period.label, spec.value, spec.owner) == ("FY2026-Q1", Decimal(500000),
                                                            "company")


def test_lead_conversion_from_15_to_25_percent_this_half_warns_it_is_a_stretch() -> None:
    goal = load_goal("""\
goal: lead-conversion
metric: lead_conversion_rate
owner: team:T-EMEA-1
from: 15%
target: 25%
period: FY2026-H2
parent: q1-sales
check_ins: fortnightly
""")
    # Needed (0.25 - 0.15) / 0.15 = 0.666667, above the 90th percentile 0.25: a warning.
    report = check(goal, evidence(accumulates=False, parent_found=True))
    assert report.baseline == Decimal("0.15") and report.target == Decimal("0.25")
    achievable = report.verdict("achievable")
    assert achievable.outcome == "warn"
    assert achievable.reasons[0].startswith("needs 66.67% growth (0.15 → 0.25), above the "
                                            "90th percentile")
    assert report.passed
    [spec] = target_specs(goal, report, evidence(accumulates=False))
    assert (spec.baseline, spec.value, spec.accumulates) == (Decimal("0.15"), Decimal("0.25"),
                                                              False)


def test_retention_up_10_percent_in_six_months_is_relative_to_last_year() -> None:
    goal = load_goal("""\
goal: retention
metric: customer_retention_rate
owner: region:EMEA
target: +10%
start: 2026-06-01
deadline: 2026-11-30
objective: Keep the customers we win
check_ins: monthly
""")
    assert goal.baseline_period() is not None
    assert goal.baseline_period().label == "2025-06-01..2025-11-30"  # type: ignore[union-attr]
    # Baseline 0.80 -> target 0.80 x 1.10 = 0.88; +10% is within past growth.
    report = check(goal, evidence(baseline_value=Decimal("0.80"), accumulates=False))
    assert report.target == Decimal("0.880")
    assert report.verdict("measurable").outcome == "pass"
    assert report.verdict("achievable").outcome == "pass"
    assert report.verdict("time_bound").reasons[0] == "runs 2026-06-01 to 2026-11-30 (183 days)"


def test_300_qualified_leads_per_month_becomes_one_target_a_month() -> None:
    goal = load_goal("""\
goal: leads
metric: leads_qualified
owner: company
target: 300
per: month
period: FY2026-Q4
objective: Feed the pipeline
check_ins: weekly
""")
    # Monthly baseline 250: needs +20%, within past growth (p90 25%).
    report = check(goal, evidence(baseline_value=Decimal(250)))
    assert report.verdict("achievable").outcome == "pass"
    specs = target_specs(goal, report, evidence())
    assert [(spec.period.label, spec.value) for spec in specs] == [
        ("2026-10", Decimal(300)), ("2026-11", Decimal(300)), ("2026-12", Decimal(300))]


def test_product_x_sales_up_20_percent_in_q4_is_scoped_to_the_product() -> None:
    goal = load_goal("""\
goal: product-x
metric: revenue
owner: company
filters: {product: X}
target: +20%
period: FY2026-Q4
parent: q1-sales
check_ins: monthly
""")
    # Q4 last year 100,000 -> 120,000.
    report = check(goal, evidence(baseline_value=Decimal(100000), parent_found=True))
    assert report.target == Decimal("120000.00")
    assert "scope: product = X" in report.verdict("specific").reasons
    assert [verdict.outcome for verdict in report.verdicts] == ["pass"] * 5


def test_cutting_the_sales_cycle_from_60_to_45_days_counts_a_fall_as_improvement() -> None:
    goal = load_goal("""\
goal: cycle
metric: sales_cycle_days
owner: company
from: 60
target: 45
period: FY2026-H2
objective: Close faster
check_ins: monthly
""")
    # Needed (45 - 60) / 60 = -0.25: a 25% reduction. Past changes in cycle length
    # -.30 -.20 -.10 0 .05 .10: improvements .30 .20 .10 0 -.05 -.10; nearest-rank 90th of
    # six = the 6th smallest = 0.30, so 25% is within; 1 of 6 (0.30) improved as much.
    past = tuple(Decimal(text) for text in ("-0.30", "-0.20", "-0.10", "0", "0.05", "0.10"))
    report = check(goal, evidence(direction="lower", accumulates=False, past_changes=past))
    achievable = report.verdict("achievable")
    assert achievable.outcome == "pass"
    assert achievable.reasons[0].startswith("needs 25.00% reduction (60 → 45), within past "
                                            "reduction: 1 of 6 past periods")
    [spec] = target_specs(goal, report, evidence(direction="lower", accumulates=False))
    assert (spec.direction, spec.baseline, spec.value) == ("lower", Decimal(60), Decimal(45))


def test_a_vague_goal_fails_specific_measurable_relevant_and_time_bound_with_reasons() -> None:
    goal = load_goal("""\
goal: vague
metric: [revenu, margin]
owner: company
filters: {colour: red}
target: +20%
""")
    report = check(goal, evidence(baseline_value=None))
    outcomes = {verdict.criterion: verdict.outcome for verdict in report.verdicts}
    assert outcomes == {"specific": "fail", "measurable": "fail", "achievable": "warn",
                        "relevant": "fail", "time_bound": "fail"}
    assert "2 metrics (revenu, margin)" in report.verdict("specific").reasons[0]
    assert "colour" in report.verdict("specific").reasons[1]
    measurable = report.verdict("measurable").reasons
    assert "revenu is not in the metric catalog; did you mean 'revenue'?" in measurable
    assert any("relative, and the baseline period has no value" in reason
               for reason in measurable)
    assert report.verdict("time_bound").reasons[0].startswith("no deadline")
    assert not report.passed


def test_an_unknown_parent_goal_is_not_relevant() -> None:
    goal = load_goal("goal: g\nmetric: revenue\nowner: company\ntarget: 1\nperiod: 2026-03\n"
                     "parent: nowhere\n")
    verdict = check(goal, evidence(parent_found=False)).verdict("relevant")
    assert verdict.outcome == "fail"
    assert verdict.reasons == ("the parent goal 'nowhere' does not exist",)


def test_errors_point_at_the_line_and_column_of_each_problem() -> None:
    text = """\
goal: q1-sales
metric: revenue
owner: somebody
target: lots
perod: FY2026-Q1
"""
    with pytest.raises(GoalErrors) as caught:
        load_goal(text, source="q1.yaml")
    found = [(error.line, error.column, error.path) for error in caught.value.errors]
    # "target: " is 8 characters: the value starts in column 9; perod is at column 1.
    assert (4, 9, "target") in found
    assert (5, 1, "perod") in found
    report = caught.value.report()
    assert report.startswith("q1.yaml has 2 problems")
    assert "'lots' is not a target" in report
    assert "unknown key 'perod'; keys are:" in report


def test_a_missing_key_and_a_bad_owner_are_reported_together() -> None:
    with pytest.raises(GoalErrors) as caught:
        load_goal("goal: g\nowner: somebody\ntarget: 5\n")
    messages = [str(error) for error in caught.value.errors]
    assert "line 1, column 1 (metric): metric: is missing" in messages
    with pytest.raises(GoalErrors, match="owner 'somebody': write company"):
        load_goal("goal: g\nmetric: revenue\nowner: somebody\ntarget: 5\n")


def test_yaml_that_does_not_parse_says_where() -> None:
    # "metric: revenue: x": the second colon (column 16) cannot start a mapping there.
    with pytest.raises(GoalErrors, match=r"line 2, column 16: not valid YAML: mapping values"):
        load_goal("goal: g\nmetric: revenue: x\n")


def test_nearest_rank_percentile() -> None:
    # ten values: the 90th percentile is the 9th smallest.
    assert nearest_rank(PAST_GROWTH, Decimal("0.9")) == Decimal("0.25")
    assert nearest_rank([Decimal(7)], Decimal("0.9")) == Decimal(7)


def test_a_deadline_in_the_past_warns() -> None:
    goal = load_goal("goal: g\nmetric: revenue\nowner: company\ntarget: 1\nperiod: 2026-03\n"
                     "objective: x\ncheck_ins: weekly\n")
    verdict = check(goal, evidence(today=dt.date(2026, 11, 24))).verdict("time_bound")
    assert verdict.outcome == "warn"
    assert "the deadline 2026-03-31 has passed" in verdict.reasons


def test_a_goal_for_someone_who_has_left_is_not_measurable() -> None:
    goal = load_goal("goal: g\nmetric: revenue\nowner: person:E1\ntarget: 1\n"
                     "period: FY2026-Q4\nobjective: x\ncheck_ins: monthly\n")
    verdict = check(goal, evidence(owner_left_on=dt.date(2026, 3, 25))).verdict("measurable")
    assert verdict.outcome == "fail"
    assert "person:E1 left on 2026-03-25, before the goal starts on 2026-10-01" in \
        verdict.reasons


def test_a_target_per_quarter_repeats_in_each_quarter_of_the_year() -> None:
    goal = load_goal("goal: g\nmetric: revenue\nowner: company\ntarget: 1000000\nper: quarter\n"
                     "period: FY2026\nobjective: x\ncheck_ins: monthly\n")
    report = check(goal, evidence())
    specs = target_specs(goal, report, evidence())
    assert [(spec.period.label, spec.value) for spec in specs] == [
        (f"FY2026-Q{number}", Decimal(1000000)) for number in range(1, 5)]


def test_a_control_character_in_a_goal_is_an_error_at_its_line_not_a_crash() -> None:
    from attain.targets.goals import GoalErrors, load_goal

    with pytest.raises(GoalErrors) as caught:
        load_goal("goal: g\n\x0c")
    assert (caught.value.errors[0].line, caught.value.errors[0].column) == (2, 1)


def test_an_owner_with_no_data_is_not_measurable() -> None:
    goal = load_goal("goal: g\nmetric: revenue\nowner: person:E7\ntarget: 1000\n"
                     "period: FY2026-Q1\nobjective: x\ncheck_ins: monthly\n")
    verdict = check(goal, evidence(data_points=0)).verdict("measurable")
    assert verdict.outcome == "fail"
    assert "revenue has no data for person:E7 yet" in verdict.reasons


def test_an_unknown_owner_is_not_measurable() -> None:
    goal = load_goal("goal: g\nmetric: revenue\nowner: person:E9\ntarget: 1000\n"
                     "period: FY2026-Q1\nobjective: x\ncheck_ins: monthly\n")
    verdict = check(goal, evidence(owner_found=False)).verdict("measurable")
    assert verdict.outcome == "fail"
    assert "the owner person:E9 is not known" in verdict.reasons


def test_a_goal_without_a_check_in_cadence_warns_but_can_be_saved() -> None:
    goal = load_goal("goal: g\nmetric: revenue\nowner: company\ntarget: 1000\n"
                     "period: FY2026-Q1\nobjective: x\n")
    report = check(goal, evidence())
    verdict = report.verdict("time_bound")
    assert verdict.outcome == "warn"
    assert verdict.reasons[0] == ("no check-in cadence: add check_ins: weekly, fortnightly, "
                                  "monthly or quarterly")
    assert report.passed


def test_a_cadence_longer_than_the_goal_warns() -> None:
    # Quarterly check-ins are 91 days apart; January has 31 days: none would happen.
    goal = load_goal("goal: g\nmetric: revenue\nowner: company\ntarget: 1000\n"
                     "period: 2026-01\nobjective: x\ncheck_ins: quarterly\n")
    verdict = check(goal, evidence()).verdict("time_bound")
    assert verdict.outcome == "warn"
    assert "quarterly check-ins do not fit in 31 days" in verdict.reasons


def test_seasonality_is_twelve_weights_or_learned() -> None:
    base = ("goal: g\nmetric: revenue\nowner: company\ntarget: 1\nperiod: 2026-03\n"
            "objective: x\nseasonality: {}\n")
    assert load_goal(base.format("learned")).seasonality == "learned"
    assert load_goal(base.format("[" + ", ".join(["1"] * 12) + "]")).seasonality == [
        Decimal(1)] * 12
    with pytest.raises(GoalErrors, match="twelve monthly weights"):
        load_goal(base.format("[1, 2, 3]"))


def test_a_learned_profile_that_cannot_be_had_warns_it_will_be_paced_flat() -> None:
    goal = load_goal("goal: g\nmetric: revenue\nowner: company\ntarget: 1\nperiod: 2026-03\n"
                     "objective: x\ncheck_ins: weekly\nseasonality: learned\n")
    verdict = check(goal, evidence(seasonality_problem="no positive monthly actuals to "
                                                       "learn seasonality from")
                    ).verdict("measurable")
    assert verdict.outcome == "warn"
    assert verdict.reasons[0] == ("seasonality: learned: no positive monthly actuals to learn "
                                  "seasonality from; it will be paced flat")
