"""The plan language: documents load into typed plans, and every mistake is reported at its
line, all at once, in words a sales-ops person can act on."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from attain.plans.language import PlanErrors, diff, load_plan
from attain.plans.services import DEMO_PLANS

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"

GOOD = """\
plan: ae-plan
name: Account Executive Plan
version: 2
effective_from: 2026-01-01
effective_to: 2026-12-31
payees:
  roles: [rep]
pay_mix:
  on_target_earnings: 150000
  variable_share: 50%
components:
  - id: bookings
    name: Bookings
    weight: 80%
    measure: {sum: amount}
    filter: deal.type in ["new", "expansion"]
    period: quarter
    quota: bookings
    payout:
      rate_table:
        on: attainment
        method: marginal
        tiers:
          - {from: 0%, rate: 4%}
          - {from: 100%, rate: 8%}
      cap: 250%
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(PlanErrors) as caught:
        load_plan(textwrap.dedent(text), source="plan.yaml")
    return [str(error) for error in caught.value.errors]


def test_a_good_plan_loads_with_exact_decimals() -> None:
    plan = load_plan(GOOD)
    component = plan.components[0]
    assert component.payout is not None
    table = component.payout.effective_table()
    assert table is not None
    assert [tier.rate for tier in table.tiers] == [Decimal("0.04"), Decimal("0.08")]
    assert plan.pay_mix is not None and plan.pay_mix.target_incentive == Decimal("75000")
    # target incentive of the component per quarter: 75,000 × 80% × 3/12 = 15,000
    assert plan.target_incentive(component, 3) == Decimal("15000")


def test_decimals_in_yaml_are_never_floats() -> None:
    plan = load_plan(GOOD.replace("rate: 4%", "rate: 0.035"))
    payout = plan.components[0].payout
    assert payout is not None and payout.rate_table is not None
    rate = payout.rate_table.tiers[0].rate
    assert isinstance(rate, Decimal) and rate == Decimal("0.035")


def test_a_misspelt_key_is_named_with_its_line_and_a_suggestion() -> None:
    [error] = errors_of(GOOD.replace("    filter:", "    filer:"))
    # the key sits on line 16 of the document
    assert error.startswith("line 16, column 5")
    assert "unknown key 'filer'; did you mean 'filter'?" in error


def test_a_bad_rate_points_at_its_line() -> None:
    [error] = errors_of(GOOD.replace("rate: 8%", "rate: eight"))
    # the second tier is on line 25; its rate value starts at column 32
    assert error.startswith("line 25, column 32")
    assert "percentage" in error


def test_every_problem_is_reported_at_once() -> None:
    text = GOOD.replace("rate: 8%", "rate: eight").replace("period: quarter", "period: fortnight")
    errors = errors_of(text)
    assert len(errors) == 2
    assert errors[0].startswith("line 17") and "fortnight" not in errors[1]


def test_a_bad_filter_points_at_the_character() -> None:
    [error] = errors_of(GOOD.replace('deal.type in ["new", "expansion"]',
                                     'deal.tpye in ["new", "expansion"]'))
    # filter: starts the value at column 13 of line 16; the typo is its first character
    assert error.startswith("line 16, column 13")
    assert "did you mean 'deal.type'?" in error
    assert "^" in error  # the caret under the offending character


def test_tiers_must_start_at_zero_and_rise() -> None:
    [error] = errors_of(GOOD.replace("{from: 0%, rate: 4%}", "{from: 120%, rate: 4%}"))
    assert "increasing" in error or "start from 0" in error


def test_a_cap_as_a_share_of_target_needs_a_weight() -> None:
    [error] = errors_of(GOOD.replace("    weight: 80%\n", ""))
    assert "weight" in error


def test_invalid_yaml_says_where() -> None:
    [error] = errors_of("plan: x\nname: [unclosed\n")
    assert error.startswith(("line 2", "line 3"))
    assert "not valid YAML" in error


def test_a_bonus_must_name_a_component_with_a_quota() -> None:
    text = GOOD + """  - id: bonus
    name: Bonus
    bonus: {on: nowhere, at: 100%, amount: 1000}
"""
    [error] = errors_of(text)
    assert "nowhere" in error


def test_accelerators_become_a_marginal_table() -> None:
    text = GOOD.replace("""      rate_table:
        on: attainment
        method: marginal
        tiers:
          - {from: 0%, rate: 4%}
          - {from: 100%, rate: 8%}
""", """      base_rate: 5%
      accelerators:
        - {from: 100%, multiplier: 1.5}
        - {from: 150%, multiplier: 2}
""")
    payout = load_plan(text).components[0].payout
    assert payout is not None
    table = payout.effective_table()
    assert table is not None
    # 5% up to quota, 5% × 1.5 = 7.5% from 100%, 5% × 2 = 10% from 150%
    assert [(t.from_, t.rate) for t in table.tiers] == [
        (Decimal("0"), Decimal("0.05")), (Decimal("1"), Decimal("0.075")),
        (Decimal("1.5"), Decimal("0.10"))]


def test_diff_names_what_changed_between_versions() -> None:
    old = load_plan(GOOD)
    new = load_plan(GOOD.replace("version: 2", "version: 3").replace("rate: 8%", "rate: 9%"))
    changes = diff(old, new)
    assert "~ version: 2 → 3" in changes
    assert "~ components[bookings].payout.rate_table.tiers[1].rate: 0.08 → 0.09" in changes
    assert len(changes) == 2


def test_the_demo_plans_load() -> None:
    paths = sorted(DEMO_PLANS.glob("*.yaml"))
    assert len(paths) >= 3
    for path in paths:
        load_plan(path.read_text(), source=path.name)


def test_every_documented_example_plan_loads() -> None:
    paths = sorted(EXAMPLES.glob("*.yaml"))
    assert paths, "docs/examples holds the example plans"
    for path in paths:
        load_plan(path.read_text(), source=path.name)


def test_a_bare_rate_above_one_is_refused_as_a_likely_missing_percent_sign() -> None:
    [error] = errors_of(GOOD.replace("rate: 8%", "rate: 8"))
    assert "write 8% for 8 percent" in error


def test_attainment_bounds_may_be_written_as_fractions_above_one() -> None:
    plan = load_plan(GOOD.replace("{from: 100%, rate: 8%}", "{from: 1.5, rate: 8%}"))
    payout = plan.components[0].payout
    assert payout is not None and payout.rate_table is not None
    assert payout.rate_table.tiers[1].from_ == Decimal("1.5")


def test_a_control_character_is_an_error_at_its_line_not_a_crash() -> None:
    text = "plan: x\nname: X\n\x0cversion: 1\n"
    with pytest.raises(PlanErrors) as caught:
        load_plan(text)
    error = caught.value.errors[0]
    assert (error.line, error.column) == (3, 1) and "not allowed" in error.message
