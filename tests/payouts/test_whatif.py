"""What-if: a draft plan or draft quotas against the published run, payee by payee, with
cost of sales, its share of revenue, gainers and losers, spreads and top changes."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from attain.core.periods import DEFAULT_CALENDAR
from attain.engine import run as engine_run
from attain.engine.calculate import QuotaRow
from attain.payouts import lifecycle
from attain.payouts.errors import PayoutError
from attain.payouts.statements import OPERATOR
from attain.payouts.whatif import quantiles, whatif
from attain.plans.models import PlanVersion
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
