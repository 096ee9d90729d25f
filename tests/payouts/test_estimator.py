"""The estimator: a hypothetical deal's marginal payout and tier, from the engine's own
calculation for one payee, agreeing with a real run that has the deal."""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from attain.core.periods import DEFAULT_CALENDAR
from attain.engine import run as engine_run
from attain.org.models import Person
from attain.payouts import estimator
from attain.payouts.errors import PayoutError
from attain.payouts.estimator import Estimate, estimate
from attain.payouts.statements import OPERATOR
from attain.plans.models import Plan, PlanAssignment, PlanVersion, VersionStatus
from attain.targets.models import OwnerType, Quota, QuotaStatus
from attain.warehouse import connection
from tests.demo_company import load_small_demo
from tests.engine import builders
from tests.payouts.kit import TIERED, company, inputs_for

pytestmark = pytest.mark.django_db
D = Decimal
Q1 = DEFAULT_CALENDAR.parse("2026-Q1")
DEALS = """
    transaction_id, owner_id, booked_on, amount
    T1, rep1, 2026-01-10, 60000
    T2, rep2, 2026-01-12, 90000
"""


def tiered_inputs() -> object:
    return inputs_for(TIERED, quotas=(("rep1", "2026-Q1", "100000"),
                                      ("rep2", "2026-Q1", "100000")))(Q1)


def test_a_deal_crossing_quota_is_estimated_tier_by_tier(warehouse: str) -> None:
    people = company()
    builders.warehouse(warehouse, transactions=DEALS)
    found = estimate(viewer=people.rep1, employee_id="rep1", amount="50000",
                     booked_on=dt.date(2026, 3, 1), product_id="P1",
                     inputs=tiered_inputs())  # type: ignore[arg-type]
    # rep1 is at 60,000 of 100,000: 40,000 more at 4% = 1,600.00 reaches quota,
    # the other 10,000 at 8% = 800.00; marginal payout 2,400.00
    assert found.marginal_payout == D("2400.00")
    assert [(line.tier, line.rate, line.amount) for line in found.lines] == [
        (1, D("0.04"), D("1600.00")), (2, D("0.08"), D("800.00"))]
    assert (found.earned_before, found.earned_after) == (D("2400.00"), D("4800.00"))
    assert (found.attainment_before, found.attainment_after) == (D("0.6"), D("1.1"))
    assert "the 8% tier applied to 10,000.00 USD of it: 800.00 USD" in found.lines[1].text


def test_the_estimate_equals_a_real_run_with_the_deal(warehouse: str) -> None:
    company()
    builders.warehouse(warehouse, transactions=DEALS)
    found = estimate(viewer=OPERATOR, employee_id="rep2", amount="25000.50",
                     booked_on=dt.date(2026, 2, 1), product_id="P1", share="0.7",
                     inputs=tiered_inputs())  # type: ignore[arg-type]
    builders.warehouse(warehouse, transactions=DEALS + "T3, rep2, 2026-02-01, 25000.50",
                       splits="""
        opportunity_id, person_id, share
        OPP-T3, rep2, 0.7
        OPP-T3, rep1, 0.3
    """)
    rows = builders.lines(warehouse, tiered_inputs(), "2026-Q1")  # type: ignore[arg-type]
    with_deal = builders.total(rows, payee_id="rep2")
    # before: 90,000 × 4% = 3,600.00; the deal credits 17,500.35 to rep2: 10,000 at 4%
    # = 400.00 and 7,500.35 at 8% = 600.028, so 4,600.03 in all: 1,000.03 more
    assert with_deal == D("4600.03") == found.earned_after
    assert found.marginal_payout == D("1000.03")


def test_the_estimator_refuses_what_it_cannot_answer(warehouse: str) -> None:
    people = company()
    builders.warehouse(warehouse, transactions=DEALS)
    with pytest.raises(PermissionDenied):
        estimate(viewer=people.rep2, employee_id="rep1", amount="1000",
                 booked_on=dt.date(2026, 3, 1), product_id="P1",
                 inputs=tiered_inputs())  # type: ignore[arg-type]
    with pytest.raises(PayoutError, match="no product 'P9'"):
        estimate(viewer=OPERATOR, employee_id="rep1", amount="1000",
                 booked_on=dt.date(2026, 3, 1), product_id="P9",
                 inputs=tiered_inputs())  # type: ignore[arg-type]
    with pytest.raises(PayoutError, match="positive whole number of cents"):
        estimate(viewer=OPERATOR, employee_id="rep1", amount="-5",
                 booked_on=dt.date(2026, 3, 1), product_id="P1",
                 inputs=tiered_inputs())  # type: ignore[arg-type]
    with pytest.raises(PayoutError, match="on no plan"):
        estimate(viewer=OPERATOR, employee_id="mgr1", amount="1000",
                 booked_on=dt.date(2026, 3, 1), product_id="P1",
                 inputs=tiered_inputs())  # type: ignore[arg-type]


def _uneven_quotas() -> object:
    # rep1's quota is twice rep2's: SQL compiled for rep1 and run for rep2 with rep1's
    # quota would tier rep2's deal differently
    return inputs_for(TIERED, quotas=(("rep1", "2026-Q1", "100000"),
                                      ("rep2", "2026-Q1", "50000")))(Q1)


def test_a_second_payee_on_the_same_plan_reuses_the_compiled_calculation_to_the_cent(
        warehouse: str) -> None:
    company()
    builders.warehouse(warehouse, transactions=DEALS)
    on_duckdb = connection.backend_name(warehouse) == "duckdb"
    estimator._cache.clear()
    first = estimate(viewer=OPERATOR, employee_id="rep1", amount="50000",
                     booked_on=dt.date(2026, 3, 1), product_id="P1",
                     inputs=_uneven_quotas())  # type: ignore[arg-type]
    # rep1 at 60,000 of 100,000: 40,000 at 4% = 1,600.00 and 10,000 at 8% = 800.00
    assert first.marginal_payout == D("2400.00")
    warm = estimate(viewer=OPERATOR, employee_id="rep2", amount="25000.50",
                    booked_on=dt.date(2026, 2, 1), product_id="P1", share="0.7",
                    inputs=_uneven_quotas())  # type: ignore[arg-type]
    if on_duckdb:
        assert len(estimator._cache) == 1  # rep2 ran the SQL compiled for rep1
    # rep2 at 90,000 of 50,000: before, 50,000 at 4% = 2,000.00 and 40,000 at 8%
    # = 3,200.00; the deal credits 0.7 × 25,000.50 = 17,500.35, all at 8% = 1,400.028,
    # a line of 1,400.03 (with rep1's quota it would have been 1,000.03)
    assert (warm.earned_before, warm.earned_after) == (D("5200.00"), D("6600.03"))
    assert warm.marginal_payout == D("1400.03")
    assert [(line.tier, line.amount) for line in warm.lines] == [(2, D("1400.03"))]
    assert (warm.attainment_before, warm.attainment_after) == (D("1.8"), D("2.150007"))

    estimator._cache.clear()
    cold = estimate(viewer=OPERATOR, employee_id="rep2", amount="25000.50",
                    booked_on=dt.date(2026, 2, 1), product_id="P1", share="0.7",
                    inputs=_uneven_quotas())  # type: ignore[arg-type]
    assert cold == warm

    builders.warehouse(warehouse, transactions=DEALS + "T3, rep2, 2026-02-01, 25000.50",
                       splits="""
        opportunity_id, person_id, share
        OPP-T3, rep2, 0.7
        OPP-T3, rep1, 0.3
    """)
    rows = builders.lines(warehouse, _uneven_quotas(), "2026-Q1")  # type: ignore[arg-type]
    assert builders.total(rows, payee_id="rep2") == warm.earned_after


def test_estimates_leave_no_tables_behind_on_the_connection(warehouse: str) -> None:
    if connection.backend_name(warehouse) != "duckdb":
        pytest.skip("the compiled path and its registered tables are DuckDB's")
    company()
    builders.warehouse(warehouse, transactions=DEALS)
    database = connection.connect(warehouse).con

    def ours() -> int:
        views = database.execute(
            "SELECT count(*) FROM duckdb_views() WHERE view_name LIKE 'ibis%' "
            "OR view_name LIKE 'attain_est%'").fetchone()[0]
        tables = database.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'ibis%' "
            "OR table_name LIKE 'attain_est%'").fetchone()[0]
        return int(views) + int(tables)

    def guess(who: str, amount: str) -> None:
        estimate(viewer=OPERATOR, employee_id=who, amount=amount,
                 booked_on=dt.date(2026, 3, 1), product_id="P1",
                 inputs=tiered_inputs())  # type: ignore[arg-type]

    guess("rep1", "1000")
    after_one = ours()
    assert after_one > 0  # the named small tables, the payee and the deal are there
    for who, amount in (("rep2", "2000"), ("rep1", "3000"), ("rep2", "4000")):
        guess(who, amount)
    assert ours() == after_one


MANAGER = """
    plan: team
    name: Team plan
    version: 1
    effective_from: 2026-01-01
    payees: {roles: [manager]}
    components:
      - id: team
        name: Team bookings
        measure: {sum: amount}
        period: quarter
        credit: rollup
        payout:
          rate: 1%
"""


def test_a_managers_estimate_leaves_no_tables_behind_either(warehouse: str) -> None:
    if connection.backend_name(warehouse) != "duckdb":
        pytest.skip("registered tables are DuckDB's")
    company()
    builders.warehouse(warehouse, transactions=DEALS)
    reps, team = builders.plan(TIERED), builders.plan(MANAGER)
    since = dt.date(2020, 1, 1)
    inputs = builders.inputs(
        [reps, team], [builders.on_plan("rep1", reps), builders.on_plan("rep2", reps),
                       builders.on_plan("mgr1", team)],
        quotas=[builders.quota("rep1", "2026-Q1", "100000"),
                builders.quota("rep2", "2026-Q1", "100000")],
        reporting=[("rep1", "mgr1", 1, since, None), ("rep2", "mgr1", 1, since, None)])
    database = connection.connect(warehouse).con

    def ours() -> int:
        return int(database.execute(
            "SELECT count(*) FROM duckdb_views() WHERE view_name LIKE 'ibis%' "
            "OR view_name LIKE 'attain_est%'").fetchone()[0])

    def guess() -> Estimate:
        return estimate(viewer=OPERATOR, employee_id="mgr1", amount="5000",
                        booked_on=dt.date(2026, 3, 1), product_id="P1", inputs=inputs)

    first = guess()
    after_one = ours()
    for _ in range(2):
        assert guess() == first
    assert ours() == after_one
    # the team's 60,000 + 90,000 rolled up at 1% = 1,500.00; the deal is mgr1's own, and
    # the team plan pays only on the team's deals: nothing more
    assert (first.earned_before, first.marginal_payout) == (D("1500.00"), D("0.00"))


def test_a_compiled_estimate_still_refuses_splits_not_adding_up(warehouse: str) -> None:
    company()
    builders.warehouse(warehouse, transactions=DEALS, splits="""
        opportunity_id, person_id, share
        OPP-T1, rep1, 0.5
        OPP-T1, rep2, 0.4
    """)
    for _ in range(2):  # compiled by the first call, run again by the second
        with pytest.raises(PayoutError, match=r"add up to 100%.*OPP-T1 \(90%\)"):
            estimate(viewer=OPERATOR, employee_id="rep1", amount="1000",
                     booked_on=dt.date(2026, 3, 1), product_id="P1",
                     inputs=tiered_inputs())  # type: ignore[arg-type]


def test_an_estimate_reads_only_the_payees_inputs_and_answers_as_with_everyones(
        warehouse: str) -> None:
    load_small_demo(warehouse)
    period = DEFAULT_CALENDAR.parse("2026-Q1")
    everyone = engine_run.inputs_from_app(period)
    managers = {line[1] for line in everyone.reporting_lines}
    rep = sorted({a.person_id for a in everyone.assignments} - managers)[0]
    product = connection.connect(warehouse).table("products").product_id.min().execute()
    asked = {"viewer": OPERATOR, "employee_id": rep, "amount": "40000",
             "booked_on": dt.date(2026, 3, 15), "product_id": product}
    narrowed = estimate(**asked)
    assert narrowed == estimate(**asked, inputs=everyone)
    assert narrowed.marginal_payout > 0


def test_the_server_warms_each_published_plans_estimator_at_start(warehouse: str) -> None:
    """``attain serve`` calls ``estimator.warm()`` in a background thread: afterwards the
    first real estimate of a plan runs the compiled SQL instead of compiling (on DuckDB;
    elsewhere there is nothing compiled to warm)."""
    company()
    plan = Plan.objects.create(code="tiered", name="Tiered plan")
    PlanVersion.objects.create(plan=plan, number=1, document=textwrap.dedent(TIERED),
                               status=VersionStatus.PUBLISHED, valid_from=Q1.start)
    for employee_id in ("rep1", "rep2"):
        person = Person.objects.get(employee_id=employee_id)
        PlanAssignment.objects.create(person=person, plan=plan, valid_from=Q1.start)
        Quota.objects.create(metric="bookings", owner_type=OwnerType.PERSON, person=person,
                             period="2026-Q1", period_start=Q1.start, period_end=Q1.end,
                             amount=D("100000"), status=QuotaStatus.APPROVED)
    builders.warehouse(warehouse, transactions=DEALS)
    estimator._cache.clear()
    on_duckdb = connection.backend_name(warehouse) == "duckdb"
    warmed = estimator.warm(day=dt.date(2026, 3, 1))
    assert warmed == (["tiered"] if on_duckdb else [])
    assert len(estimator._cache) == (1 if on_duckdb else 0)
    found = estimate(viewer=OPERATOR, employee_id="rep2", amount="10000",
                     booked_on=dt.date(2026, 3, 1), product_id="P1")
    # rep2 at 90,000 of 100,000: 10,000 more at 4% = 400.00, reaching quota exactly
    assert found.marginal_payout == D("400.00")
    assert len(estimator._cache) == (1 if on_duckdb else 0)  # the warmed SQL, not a new one
    # nobody on a plan in force: nothing to warm, and no error
    assert estimator.warm(day=dt.date(2025, 6, 1)) == []
