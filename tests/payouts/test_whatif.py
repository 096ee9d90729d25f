"""What-if: a draft plan or draft quotas against the published run, payee by payee, with
cost of sales, its share of revenue, gainers and losers, spreads and top changes."""

from __future__ import annotations

import io
import json
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from attain.core.periods import DEFAULT_CALENDAR
from attain.engine import run as engine_run
from attain.engine.calculate import QuotaRow
from attain.org.models import Person
from attain.payouts import lifecycle
from attain.payouts.errors import PayoutError
from attain.payouts.statements import OPERATOR
from attain.payouts.whatif import quantiles, whatif
from attain.plans.models import Plan, PlanAssignment, PlanVersion, VersionStatus
from attain.targets.models import OwnerType, Quota, QuotaStatus
from tests.demo_company import load_small_demo
from tests.engine.builders import warehouse as load_warehouse
from tests.payouts.kit import FLAT, TIERED, company, inputs_for

pytestmark = pytest.mark.django_db
D = Decimal
Q1 = DEFAULT_CALENDAR.parse("2026-Q1")
DEALS = """
    transaction_id, owner_id, booked_on, amount
    T1, rep1, 2026-01-10, 10000
    T2, rep2, 2026-02-01, 5000
"""


def test_a_richer_rate_is_compared_payee_by_payee(warehouse: str) -> None:
    people = company()
    load_warehouse(warehouse, transactions=DEALS)
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    draft = FLAT.replace("version: 1", "version: 2").replace("rate: 10%", "rate: 12%")
    result = whatif(viewer=people.ops, plan_text=draft, period="2026-Q1",
                    inputs=inputs_for()(Q1))
    # rep1: 10,000 at 10% = 1,000.00 → at 12% = 1,200.00; rep2: 500.00 → 600.00
    assert [(c.employee_id, c.old, c.new, c.delta) for c in result.payees] == [
        ("rep1", D("1000.00"), D("1200.00"), D("200.00")),
        ("rep2", D("500.00"), D("600.00"), D("100.00"))]
    (totals,) = result.totals
    # revenue 15,000: cost 1,500 (10%) → 1,800 (12%)
    assert (totals.old_cost, totals.new_cost, totals.revenue) == (
        D("1500.00"), D("1800.00"), D("15000.00"))
    assert (totals.old_share, totals.new_share) == (D("0.1"), D("0.12"))
    assert (result.gainers, result.losers, result.unchanged) == (2, 0, 0)
    assert [c.employee_id for c in result.top_changes] == ["rep1", "rep2"]
    assert result.payout_quantiles["new"]["p50"] == D("600.00")
    with pytest.raises(PermissionDenied):
        whatif(viewer=people.manager, plan_text=draft, period="2026-Q1",
               inputs=inputs_for()(Q1))


def test_draft_quotas_move_the_tiers(warehouse: str) -> None:
    company()
    load_warehouse(warehouse, transactions=DEALS.replace("10000", "60000"))
    quotas = (("rep1", "2026-Q1", "100000"), ("rep2", "2026-Q1", "100000"))
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for(TIERED, quotas=quotas))
    result = whatif(viewer=OPERATOR, plan_text=TIERED, period="2026-Q1",
                    quotas=[QuotaRow("rep1", "bookings", Q1.start, Q1.end, D("50000"))],
                    inputs=inputs_for(TIERED, quotas=quotas)(Q1))
    # rep1, 60,000: 60,000 × 4% = 2,400.00 against 100,000; against 50,000:
    # 50,000 × 4% + 10,000 × 8% = 2,800.00; rep2 unchanged
    rep1, rep2 = result.payees
    assert (rep1.old, rep1.new, rep1.old_attainment, rep1.new_attainment) == (
        D("2400.00"), D("2800.00"), D("0.6"), D("1.2"))
    assert rep2.delta == 0
    assert (result.gainers, result.unchanged) == (1, 1)


def test_a_draft_with_errors_is_refused_at_its_line(warehouse: str) -> None:
    company()
    load_warehouse(warehouse, transactions=DEALS)
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for())
    with pytest.raises(PayoutError, match=r"line \d+"):
        whatif(viewer=OPERATOR, plan_text=FLAT.replace("rate: 10%", "rate: ten"),
               period="2026-Q1", inputs=inputs_for()(Q1))


def test_quantiles_are_nearest_rank() -> None:
    values = [D(n) for n in range(1, 11)]
    # ranks ⌈0.1×10⌉=1, ⌈2.5⌉=3, ⌈5⌉=5, ⌈7.5⌉=8, ⌈9⌉=9
    assert quantiles(values) == {"p10": D(1), "p25": D(3), "p50": D(5), "p75": D(8),
                                 "p90": D(9)}
    assert quantiles([])["p50"] is None


def test_attain_whatif_on_the_demo_with_the_published_plan_changes_nothing(
        warehouse: str, tmp_path: Path) -> None:
    load_small_demo(warehouse)
    engine_run.run(period="2026-Q2")
    published = PlanVersion.objects.filter(plan__code="ae-plan", number=2).get().document
    draft = tmp_path / "draft.yaml"
    draft.write_text(published)
    out = io.StringIO()
    call_command("whatif", plan=str(draft), period="2026-Q2", json=True, stdout=out)
    result = json.loads(out.getvalue())
    assert result["plan"] == "ae-plan" and result["payees"]
    assert result["gainers"] == result["losers"] == 0
    assert all(D(p["delta"]) == 0 for p in result["payees"])

    draft.write_text(published.replace("{from: 100%, rate: 8%}", "{from: 100%, rate: 9%}"))
    out = io.StringIO()
    call_command("whatif", plan=str(draft), period="2026-Q2", json=True, stdout=out)
    result = json.loads(out.getvalue())
    # a richer second tier can only raise pay; the totals are the sums of the payees
    assert result["losers"] == 0 and result["gainers"] > 0
    for total in result["totals"]:
        mine = [p for p in result["payees"] if p["currency"] == total["currency"]]
        assert D(total["new_cost"]) == sum(D(p["new"]) for p in mine)
        assert D(total["new_cost"]) - D(total["old_cost"]) == sum(D(p["delta"]) for p in mine)

    with pytest.raises(CommandError, match=r"missing\.txt"):
        call_command("whatif", plan=str(tmp_path / "missing.txt"), period="2026-Q2")


# --- draft quotas alone: the published plans against them -------------------------------

QUOTA_DEALS = """
    transaction_id, owner_id, booked_on, amount
    T1, rep1, 2026-01-10, 15000
    T2, rep2, 2026-02-01, 5000
"""
"""rep1 books 15,000 and rep2 5,000 in Q1; each has a Q1 quota of 20,000 on the tiered
plan (4% up to 100% of quota, 8% above, marginal)."""


def _published_tiered_plan() -> None:
    """The tiered plan published in the app with both reps on it and approved Q1 quotas of
    20,000: what `attain run` and `attain whatif` read."""
    plan = Plan.objects.create(code="tiered", name="Tiered plan")
    PlanVersion.objects.create(plan=plan, number=1, document=textwrap.dedent(TIERED),
                               status=VersionStatus.PUBLISHED, valid_from=Q1.start)
    for employee_id in ("rep1", "rep2"):
        person = Person.objects.get(employee_id=employee_id)
        PlanAssignment.objects.create(person=person, plan=plan, valid_from=Q1.start)
        Quota.objects.create(metric="bookings", owner_type=OwnerType.PERSON, person=person,
                             period="2026-Q1", period_start=Q1.start, period_end=Q1.end,
                             amount=D("20000"), status=QuotaStatus.APPROVED)


def _whatif_json(**options: str) -> dict[str, object]:
    out = io.StringIO()
    call_command("whatif", period="2026-Q1", json=True, stdout=out, **options)
    result: dict[str, object] = json.loads(out.getvalue())
    return result


# rep1: 15,000 against 20,000 is 75%: 15,000 × 4% = 600.00. Against 10,000 (halved) it is
# 150%, twice as much: 10,000 × 4% = 400.00 + 5,000 × 8% = 400.00, 800.00 (+200.00).
# rep2 keeps 20,000: 5,000 × 4% = 200.00 either way.
HALVED = [{"employee_id": "rep1", "old": "600.00", "new": "800.00", "delta": "200.00",
           "old_attainment": "0.75", "new_attainment": "1.5"},
          {"employee_id": "rep2", "old": "200.00", "new": "200.00", "delta": "0.00",
           "old_attainment": "0.25", "new_attainment": "0.25"}]


def _changes(result: dict[str, object]) -> list[dict[str, str]]:
    keys = ("employee_id", "old", "new", "delta", "old_attainment", "new_attainment")
    payees: list[dict[str, str]] = result["payees"]  # type: ignore[assignment]
    return [{key: str(D(p[key]).normalize()) if key != "employee_id" and key.endswith(
        "attainment") else p[key] for key in keys} for p in payees]


def test_draft_quotas_alone_run_the_published_plan_against_them(warehouse: str) -> None:
    company()
    load_warehouse(warehouse, transactions=QUOTA_DEALS)
    quotas = (("rep1", "2026-Q1", "20000"), ("rep2", "2026-Q1", "20000"))
    lifecycle.calculate(period="2026-Q1", inputs=inputs_for(TIERED, quotas=quotas))
    result = whatif(viewer=OPERATOR, period="2026-Q1",
                    quotas=[QuotaRow("rep1", "bookings", Q1.start, Q1.end, D("10000"))],
                    inputs=inputs_for(TIERED, quotas=quotas)(Q1))
    rep1, rep2 = result.payees
    assert (rep1.old, rep1.new, rep1.delta) == (D("600.00"), D("800.00"), D("200.00"))
    assert (rep1.old_attainment, rep1.new_attainment) == (D("0.75"), D("1.5"))
    assert (rep2.old, rep2.new, rep2.delta) == (D("200.00"), D("200.00"), D("0"))
    assert (result.plan, result.draft_quotas) == ("", 1)
    (totals,) = result.totals
    # cost 800.00 → 1,000.00 on revenue 20,000: 4% → 5%
    assert (totals.old_cost, totals.new_cost, totals.revenue) == (
        D("800.00"), D("1000.00"), D("20000.00"))
    assert (totals.old_share, totals.new_share) == (D("0.04"), D("0.05"))
    assert (result.gainers, result.losers, result.unchanged) == (1, 0, 1)
    with pytest.raises(PayoutError, match="nothing to compare"):
        whatif(viewer=OPERATOR, period="2026-Q1", inputs=inputs_for(TIERED, quotas=quotas)(Q1))
    with pytest.raises(PayoutError, match="none of the draft quotas"):
        whatif(viewer=OPERATOR, period="2026-Q1",
               quotas=[QuotaRow("mgr2", "bookings", Q1.start, Q1.end, D("1"))],
               inputs=inputs_for(TIERED, quotas=quotas)(Q1))


def test_attain_whatif_with_a_quota_file_alone(warehouse: str, tmp_path: Path) -> None:
    company()
    _published_tiered_plan()
    load_warehouse(warehouse, transactions=QUOTA_DEALS)
    engine_run.run(period="2026-Q1")
    quotas = tmp_path / "quotas.csv"
    # the quota import format; the team's quota pays nobody and is read past
    quotas.write_text("metric,owner_type,owner,period,amount,currency,status\n"
                      "bookings,person,rep1,2026-Q1,10000.00,USD,draft\n"
                      "bookings,team,east,2026-Q1,5.00,USD,draft\n")
    result = _whatif_json(quotas=str(quotas))
    assert _changes(result) == HALVED
    assert (result["plan"], result["draft_quotas"]) == ("", 1)
    # the short form reads the same
    quotas.write_text("employee_id,period,amount\nrep1,2026-Q1,10000\n")
    assert _changes(_whatif_json(quotas=str(quotas))) == HALVED


@pytest.mark.parametrize(("text", "message"), [
    ("metric,owner_type,owner,period,amount,currency\n"
     "bookings,person,nobody,2026-Q1,10,USD\n",
     "row 2, column owner: no person has employee id 'nobody'"),
    ("metric,owner_type,owner,period,amount,currency\n"
     "bookings,person,rep1,2026-Q1,lots,USD\n",
     "row 2, column amount: 'lots' is not a number"),
    ("metric,owner_type,owner,period,amount,currency\n"
     "bookings,person,rep1,2026-Q1,-5,USD\n",
     "row 2, column amount: '-5' is not an amount of 0 or more"),
    ("metric,owner_type,owner,period,amount,currency\n"
     "bookings,person,rep1,2026-Q9,5,USD\n", "row 2, column period"),
    ("metric,owner_type,owner,period\nbookings,person,rep1,2026-Q1\n",
     "missing column(s) amount"),
    ("metric,owner_type,owner,period,amount,currency\nbookings,team,east,2026-Q1,5,USD\n",
     "no person quotas"),
])
def test_a_bad_quota_file_is_refused_with_its_row_and_column(
        warehouse: str, tmp_path: Path, text: str, message: str) -> None:
    company()
    _published_tiered_plan()
    load_warehouse(warehouse, transactions=QUOTA_DEALS)
    engine_run.run(period="2026-Q1")
    quotas = tmp_path / "quotas.csv"
    quotas.write_text(text)
    with pytest.raises(CommandError) as raised:
        _whatif_json(quotas=str(quotas))
    assert message in str(raised.value)


def test_attain_whatif_with_the_quotas_in_draft(warehouse: str) -> None:
    company()
    _published_tiered_plan()
    load_warehouse(warehouse, transactions=QUOTA_DEALS)
    engine_run.run(period="2026-Q1")
    with pytest.raises(CommandError, match="no quota is in draft"):
        _whatif_json(quotas="draft")
    rep1 = Person.objects.get(employee_id="rep1")
    # version 2 of rep1's quota, halved, waits for approval
    Quota.objects.create(metric="bookings", owner_type=OwnerType.PERSON, person=rep1,
                         period="2026-Q1", period_start=Q1.start, period_end=Q1.end,
                         amount=D("10000"), version=2, status=QuotaStatus.DRAFT)
    result = _whatif_json(quotas="draft")
    assert _changes(result) == HALVED
    with pytest.raises(CommandError, match="give a draft plan"):
        _whatif_json()
