"""The engine's promises, checked on generated plans and deals (Hypothesis).

Each property loads a small warehouse (1–12 transactions per payee, booked in 2026-Q1),
runs the real engine on it the way the runner does (credited rows staged once, every result
derived from them) and checks one promise of docs/plan-language.md. Expected amounts come
from formulas written out here in plain ``Decimal`` arithmetic, half away from zero, never
from the engine. Every example reloads the warehouse, so the properties run on DuckDB, and
on PostgreSQL with ``ATTAIN_TEST_POSTGRES=1`` (the ``warehouse_url`` fixture).

An engine run costs about a second of expression compiling whatever the data, while more
payees and plans in the same run cost next to nothing. So examples are few, and most pack
one to four independent cases ("teams": their own payees, deals and plan versions) into one
run; a failure shrinks to a single team.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

import ibis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attain.core.periods import DEFAULT_CALENDAR
from attain.engine.calculate import (
    Assignment,
    EngineInputs,
    Outputs,
    QuotaRow,
    calculate,
    check_rates,
)
from attain.engine.plans import PlanVersionInput
from attain.warehouse import connection
from tests.engine.builders import inputs, on_plan, plan, quota, warehouse

Q1_START = dt.date(2026, 1, 1)
Q1_END = dt.date(2026, 3, 31)
CENT = Decimal("0.01")
TEAMS = ("a", "b", "c", "d")

PROPERTY = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
"""Few examples (each loads a warehouse and runs the whole engine, about a second), most of
them holding up to four teams: raise ``max_examples`` here to search longer."""


# --- the independent arithmetic ------------------------------------------------------------


def to_cents(exact: Decimal) -> Decimal:
    """The one rounding rule, written out again: to the cent, half away from zero."""
    with localcontext() as context:
        context.prec = 60
        return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def fraction(percent: Decimal) -> Decimal:
    return percent / 100


Tiers = list[tuple[Decimal, Decimal]]
"""(lower bound, rate) per tier, both in percent; the first bound is 0."""


def marginal_pay(value: Decimal, quota_amount: Decimal, tiers: Tiers) -> Decimal:
    """Σ over tiers of rate × the part of [0, value] inside the tier's band of the quota."""
    with localcontext() as context:
        context.prec = 60
        lowers = [fraction(bound) * quota_amount for bound, _rate in tiers]
        uppers: list[Decimal | None] = [*lowers[1:], None]
        exact = Decimal(0)
        for lower, upper, (_bound, rate) in zip(lowers, uppers, tiers, strict=True):
            top = value if upper is None else min(value, upper)
            exact += fraction(rate) * max(Decimal(0), top - lower)
        return to_cents(exact)


def retroactive_pay(value: Decimal, quota_amount: Decimal, tiers: Tiers) -> Decimal:
    """The rate of the highest tier whose bound the value reached, on the whole value."""
    with localcontext() as context:
        context.prec = 60
        reached = [rate for bound, rate in tiers if value >= fraction(bound) * quota_amount]
        return to_cents(fraction(reached[-1]) * value)


# --- generated deals -------------------------------------------------------------------------

money = st.one_of(
    st.sampled_from([4, 12, 20, 100, 300]), st.integers(1, 100), st.integers(1, 10_000_000),
).map(lambda cents: Decimal(cents) / 100)
"""0.01 to 100,000.00, often under a dollar (where rounding shows), often an amount that
makes half cents at the rates below."""
percentages = st.one_of(
    st.sampled_from(["0.5", "2.5", "7.5", "12.5", "0.05", "33.33"]).map(Decimal),
    st.integers(0, 5_000).map(lambda hundredths: Decimal(hundredths) / 100))
"""0% to 50.00%, up to two decimals; often a rate that makes half cents."""
quotas = st.integers(100_00, 50_000_000).map(lambda cents: Decimal(cents) / 100)
q1_days = st.dates(min_value=Q1_START, max_value=Q1_END)
few_days = st.sampled_from([dt.date(2026, 1, 5), dt.date(2026, 1, 20), dt.date(2026, 2, 14),
                            dt.date(2026, 3, 31)])
"""Few distinct days, so that deals booked on the same day are common."""


@st.composite
def tier_tables(draw: st.DrawFn) -> Tiers:
    """1–4 tiers from 0%, increasing bounds up to 300%, rates 0–50%."""
    count = draw(st.integers(1, 4))
    bounds = sorted(draw(st.sets(st.integers(1, 30_000), min_size=count - 1,
                                 max_size=count - 1)))
    rates = draw(st.lists(percentages, min_size=count, max_size=count))
    return [(Decimal(0), rates[0])] + [(Decimal(bound) / 100, rate)
                                       for bound, rate in zip(bounds, rates[1:], strict=True)]


@dataclass(frozen=True)
class Deal:
    """One transaction line as the warehouse holds it."""

    transaction_id: str
    owner_id: str
    booked_on: dt.date
    amount: Decimal
    opportunity_id: str
    deal_type: str = "new"
    reverses: str | None = None

    @property
    def kind(self) -> str:
        return "order" if self.reverses is None else "cancellation"


@st.composite
def deal_lists(draw: st.DrawFn, owners: list[str], *, max_size: int = 12,
               cancellations: bool = True, days: st.SearchStrategy[dt.date] = q1_days,
               deal_types: bool = False) -> list[Deal]:
    """Orders, some of them cancelled in full later in the quarter: at most ``max_size``
    lines, their ids numbering them in the order they were drawn."""
    orders = draw(st.integers(1, max_size))
    deals: list[Deal] = []
    for number in range(1, orders + 1):
        transaction_id = f"T{number:02d}"
        deals.append(Deal(
            transaction_id=transaction_id, owner_id=draw(st.sampled_from(owners)),
            booked_on=draw(days), amount=draw(money), opportunity_id=f"OPP-{transaction_id}",
            deal_type=draw(st.sampled_from(["new", "renewal"])) if deal_types else "new"))
    if cancellations and orders < max_size:
        cancelled = draw(st.lists(st.sampled_from(deals), unique=True,
                                  max_size=max_size - orders))
        for number, original in enumerate(cancelled, start=orders + 1):
            deals.append(replace(
                original, transaction_id=f"T{number:02d}", amount=-original.amount,
                booked_on=draw(st.dates(min_value=original.booked_on, max_value=Q1_END)),
                reverses=original.transaction_id))
    return deals


def relabel(deals: Iterable[Deal], prefix: str, owner: str | None = None) -> list[Deal]:
    """The same deals under other ids, for another team (or another payee)."""
    return [replace(d, transaction_id=prefix + d.transaction_id,
                    opportunity_id=prefix + d.opportunity_id,
                    owner_id=owner or prefix + d.owner_id,
                    reverses=prefix + d.reverses if d.reverses else None) for d in deals]


def total_of(deals: Iterable[Deal]) -> Decimal:
    return sum((d.amount for d in deals), Decimal(0))


Split = list[tuple[str, Decimal]]
SplitRow = tuple[str, str, Decimal]
"""(opportunity id, person, share): one row of the warehouse's splits table."""


@st.composite
def revenue_split(draw: st.DrawFn, people: list[str]) -> Split:
    """2–4 people sharing a deal: shares of 2–4 decimal places, each above 0, adding up to
    exactly 1."""
    sharing = draw(st.lists(st.sampled_from(people), min_size=2, max_size=4, unique=True))
    whole = 10 ** draw(st.integers(2, 4))
    cuts = sorted(draw(st.sets(st.integers(1, whole - 1), min_size=len(sharing) - 1,
                               max_size=len(sharing) - 1)))
    edges = [0, *cuts, whole]
    shares = [Decimal(high - low) / whole for low, high in itertools.pairwise(edges)]
    return list(zip(sharing, shares, strict=True))


@st.composite
def splits_of(draw: st.DrawFn, deals: list[Deal], people: list[str]) -> dict[str, Split]:
    """Revenue splits on some of the deals, by opportunity id."""
    opportunities = sorted({d.opportunity_id for d in deals})
    chosen = draw(st.lists(st.sampled_from(opportunities), unique=True))
    return {opportunity: draw(revenue_split(people)) for opportunity in sorted(chosen)}


def split_rows(splits: dict[str, Split], prefix: str = "") -> list[SplitRow]:
    return [(prefix + opportunity, prefix + person, share)
            for opportunity, split in splits.items() for person, share in split]


def credited_people(deals: Iterable[Deal], splits: dict[str, Split]) -> set[str]:
    """Who is credited with something: the split people of split deals, else the owner."""
    return {person for d in deals
            for person in ([p for p, _share in splits[d.opportunity_id]]
                           if d.opportunity_id in splits else [d.owner_id])}


def transactions_csv(deals: Iterable[Deal]) -> str:
    rows = ["transaction_id, opportunity_id, owner_id, booked_on, amount, deal_type, kind, "
            "reverses_transaction_id"]
    rows += [f"{d.transaction_id}, {d.opportunity_id}, {d.owner_id}, {d.booked_on}, "
             f"{d.amount:f}, {d.deal_type}, {d.kind}, {d.reverses or ''}" for d in deals]
    return "\n".join(rows)


def splits_csv(rows: Iterable[SplitRow]) -> str:
    lines = ["opportunity_id, person_id, share"]
    lines += [f"{opportunity}, {person}, {share:f}" for opportunity, person, share in rows]
    return "\n".join(lines)


# --- plans -----------------------------------------------------------------------------------


def commission_plan(code: str, payout: list[str], *, quota_metric: bool = False,
                    period: str = "quarter", extra: Iterable[str] = ()) -> PlanVersionInput:
    """A plan of one commission component on booked amounts; ``payout`` is its YAML."""
    lines = [f"plan: {code}", f"name: {code}", "version: 1", "effective_from: 2026-01-01",
             "payees: {roles: [rep]}", *extra, "components:",
             "  - id: sales", "    name: Sales", "    measure: {sum: amount}",
             f"    period: {period}"]
    if quota_metric:
        lines.append("    quota: bookings")
    lines.append("    payout:")
    lines += [f"      {line}" for line in payout]
    return plan("\n".join(lines))


def flat_plan(code: str, rate: Decimal, *, cap: Decimal | None = None,
              period: str = "quarter") -> PlanVersionInput:
    payout = [f"rate: {rate:f}%"] + ([f"cap: {cap:f}"] if cap is not None else [])
    return commission_plan(code, payout, period=period)


def tiered_plan(code: str, method: str, tiers: Tiers, *, cap: Decimal | None = None
                ) -> PlanVersionInput:
    """Tiers on attainment of the quarter's bookings quota."""
    payout = ["rate_table:", "  on: attainment", f"  method: {method}", "  tiers:"]
    payout += [f"    - {{from: {bound:f}%, rate: {rate:f}%}}" for bound, rate in tiers]
    payout += [f"cap: {cap:f}"] if cap is not None else []
    return commission_plan(code, payout, quota_metric=True)


def value_tiered_plan(code: str, tiers: Tiers, *, cap: Decimal, period: str
                      ) -> PlanVersionInput:
    """Marginal tiers on the period's value (bounds are amounts), with a component cap."""
    payout = ["rate_table:", "  on: value", "  method: marginal", "  tiers:"]
    payout += [f"    - {{from: {bound:f}, rate: {rate:f}%}}" for bound, rate in tiers]
    payout.append(f"cap: {cap:f}")
    return commission_plan(code, payout, period=period)


def two_component_plan(code: str, new_rate: Decimal, renewal_rate: Decimal,
                       plan_cap: Decimal) -> PlanVersionInput:
    return plan(f"""
        plan: {code}
        name: Two components under one cap
        version: 1
        effective_from: 2026-01-01
        payees: {{roles: [rep]}}
        caps: {{per_period: {plan_cap:f}}}
        components:
          - id: new
            name: New business
            measure: {{sum: amount}}
            filter: deal.type == "new"
            payout: {{rate: {new_rate:f}%}}
          - id: renewals
            name: Renewals
            measure: {{sum: amount}}
            filter: deal.type == "renewal"
            payout: {{rate: {renewal_rate:f}%}}
    """)


# --- running the engine ----------------------------------------------------------------------


@dataclass
class Setup:
    """One engine run's world: the warehouse's deals and splits, plans, assignments, quotas."""

    deals: list[Deal] = field(default_factory=list)
    splits: list[SplitRow] = field(default_factory=list)
    plans: dict[str, PlanVersionInput] = field(default_factory=dict)
    assignments: list[Assignment] = field(default_factory=list)
    quotas: list[QuotaRow] = field(default_factory=list)

    def assign(self, person: str, plan_version: PlanVersionInput,
               quota_amount: Decimal | None = None) -> None:
        self.plans.setdefault(plan_version.document.plan, plan_version)
        self.assignments.append(on_plan(person, plan_version))
        if quota_amount is not None:
            self.quotas.append(quota(person, "2026-Q1", f"{quota_amount:f}"))

    def load(self, url: str) -> None:
        warehouse(url, transactions=transactions_csv(self.deals),
                  splits=splits_csv(self.splits))

    def engine_inputs(self) -> EngineInputs:
        return inputs(list(self.plans.values()), self.assignments, quotas=self.quotas)


def run(url: str, engine_inputs: EngineInputs) -> Outputs:
    """The runner's path (engine.run.write_results): the credited rows computed and stored
    once, exchange rates checked, every result derived from the stored rows."""
    calculation = calculate(connection.connect(url), engine_inputs,
                            DEFAULT_CALENDAR.parse("2026-Q1"))
    staged = ibis.memtable(calculation.rows.to_pyarrow())
    check_rates(staged)
    return calculation.derive(staged)


def run_lines(url: str, engine_inputs: EngineInputs) -> list[dict[str, Any]]:
    """Every column of every earning line, in one total order."""
    rows = run(url, engine_inputs).lines.to_pyarrow().to_pylist()
    return sorted(rows, key=lambda row: [repr(row[name]) for name in sorted(row)])


def totals_by(rows: Iterable[dict[str, Any]], *keys: str) -> dict[tuple[Any, ...], Decimal]:
    sums: dict[tuple[Any, ...], Decimal] = defaultdict(Decimal)
    for row in rows:
        sums[tuple(row[key] for key in keys)] += row["amount"]
    return dict(sums)


def paid(rows: Iterable[dict[str, Any]], payee: str) -> Decimal:
    return sum((row["amount"] for row in rows if row["payee_id"] == payee), Decimal(0))


# --- 1. lines add up to totals ---------------------------------------------------------------


@dataclass(frozen=True)
class FamilyCase:
    """rep1 on a flat rate, rep2 on marginal and rep3 on retroactive tiers of one quota."""

    deals: list[Deal]
    splits: dict[str, Split]
    flat_rate: Decimal
    marginal_tiers: Tiers
    retroactive_tiers: Tiers
    quota_amount: Decimal


@st.composite
def family_cases(draw: st.DrawFn) -> FamilyCase:
    people = ["rep1", "rep2", "rep3"]
    deals = draw(deal_lists(people))
    return FamilyCase(deals, draw(splits_of(deals, people)), draw(percentages),
                      draw(tier_tables()), draw(tier_tables()), draw(quotas))


@PROPERTY
@given(cases=st.lists(family_cases(), min_size=1, max_size=4))
def test_lines_add_up_to_the_totals(warehouse_url: str, cases: list[FamilyCase]) -> None:
    setup = Setup()
    expected_payees: set[str] = set()
    for team, case in zip(TEAMS, cases, strict=False):
        prefix = f"{team}-"
        setup.deals += relabel(case.deals, prefix)
        setup.splits += split_rows(case.splits, prefix)
        expected_payees |= {prefix + p for p in credited_people(case.deals, case.splits)}
        setup.assign(f"{prefix}rep1", flat_plan(f"{prefix}flat", case.flat_rate))
        setup.assign(f"{prefix}rep2", tiered_plan(f"{prefix}marginal", "marginal",
                                                  case.marginal_tiers), case.quota_amount)
        setup.assign(f"{prefix}rep3", tiered_plan(f"{prefix}retro", "retroactive",
                                                  case.retroactive_tiers), case.quota_amount)
    setup.load(warehouse_url)
    outputs = run(warehouse_url, setup.engine_inputs())
    lines = outputs.lines.to_pyarrow().to_pylist()
    earnings = outputs.earnings.to_pyarrow().to_pylist()

    assert {row["payee_id"] for row in lines} == expected_payees
    assert totals_by(lines, "payee_id") == totals_by(earnings, "payee_id")
    assert all(row["amount"].as_tuple().exponent == -2 for row in lines + earnings)


# --- 2. splits conserve credit ---------------------------------------------------------------

PEOPLE = ["rep1", "rep2", "rep3", "rep4", "rep5"]


@PROPERTY
@given(deals=st.lists(st.tuples(money, revenue_split(PEOPLE)), min_size=1, max_size=12),
       rate=percentages, day=q1_days)
def test_splits_conserve_credit(warehouse_url: str, deals: list[tuple[Decimal, Split]],
                                rate: Decimal, day: dt.date) -> None:
    book = {f"T{number:02d}": deal for number, deal in enumerate(deals, start=1)}
    setup = Setup(deals=[Deal(tid, "rep1", day, amount, f"OPP-{tid}")
                         for tid, (amount, _split) in book.items()],
                  splits=split_rows({f"OPP-{tid}": split
                                     for tid, (_amount, split) in book.items()}))
    flat = flat_plan("flat", rate)
    for person in PEOPLE:
        setup.assign(person, flat)
    setup.load(warehouse_url)
    lines = run_lines(warehouse_url, setup.engine_inputs())

    for tid, (amount, split) in book.items():
        mine = [row for row in lines if row["transaction_id"] == tid]
        assert sorted((row["payee_id"], row["credit_rule"], row["value"]) for row in mine) == (
            sorted((person, "split", amount * share) for person, share in split))
        assert sum(row["value"] for row in mine) == amount


# --- 3. marginal pay never falls as the amount grows -----------------------------------------


@dataclass(frozen=True)
class GrowthCase:
    """Two payees with the same deals but one, of ``amount`` and ``amount + more``."""

    deals: list[Deal]
    amount: Decimal
    more: Decimal
    day: dt.date
    tiers: Tiers
    quota_amount: Decimal


growth_cases = st.builds(
    GrowthCase, deals=deal_lists(["rep"], max_size=11, cancellations=False), amount=money,
    more=st.one_of(st.just(Decimal(0)), money), day=q1_days, tiers=tier_tables(),
    quota_amount=quotas)


@PROPERTY
@given(cases=st.lists(growth_cases, min_size=1, max_size=4))
def test_marginal_pay_never_falls_as_the_amount_grows(warehouse_url: str,
                                                      cases: list[GrowthCase]) -> None:
    setup = Setup()
    for team, case in zip(TEAMS, cases, strict=False):
        tiered = tiered_plan(f"{team}-marginal", "marginal", case.tiers)
        for payee, amount in (("smaller", case.amount), ("larger", case.amount + case.more)):
            mine = [*case.deals, Deal("T99", "rep", case.day, amount, "OPP-T99")]
            setup.deals += relabel(mine, f"{team}-{payee}-", owner=f"{team}-{payee}")
            setup.assign(f"{team}-{payee}", tiered, case.quota_amount)
    setup.load(warehouse_url)
    lines = run_lines(warehouse_url, setup.engine_inputs())

    for team, _case in zip(TEAMS, cases, strict=False):
        assert paid(lines, f"{team}-smaller") <= paid(lines, f"{team}-larger")


# --- 4. splitting a deal in two pays the same ------------------------------------------------


@dataclass(frozen=True)
class SplitInTwoCase:
    """One payee books first + second as one line, another as two; both book ``deals``."""

    deals: list[Deal]
    first: Decimal
    second: Decimal
    days: tuple[dt.date, dt.date, dt.date]
    tiers: Tiers
    rate: Decimal
    quota_amount: Decimal


split_in_two_cases = st.builds(
    SplitInTwoCase, deals=deal_lists(["rep"], max_size=10, cancellations=False),
    first=money, second=money, days=st.tuples(q1_days, q1_days, q1_days), tiers=tier_tables(),
    rate=percentages, quota_amount=quotas)


@PROPERTY
@given(cases=st.lists(split_in_two_cases, min_size=1, max_size=4))
def test_splitting_a_deal_in_two_pays_the_same(warehouse_url: str,
                                               cases: list[SplitInTwoCase]) -> None:
    setup = Setup()
    for team, case in zip(TEAMS, cases, strict=False):
        whole_day, first_day, second_day = case.days
        whole = [Deal("T98", "rep", whole_day, case.first + case.second, "OPP-T98")]
        parts = [Deal("T98", "rep", first_day, case.first, "OPP-T98"),
                 Deal("T99", "rep", second_day, case.second, "OPP-T99")]
        tiered = tiered_plan(f"{team}-marginal", "marginal", case.tiers)
        flat = flat_plan(f"{team}-flat", case.rate)
        for payee, extra, plan_version, quota_amount in (
                ("tiers-whole", whole, tiered, case.quota_amount),
                ("tiers-parts", parts, tiered, case.quota_amount),
                ("flat-whole", whole, flat, None), ("flat-parts", parts, flat, None)):
            setup.deals += relabel([*case.deals, *extra], f"{team}-{payee}-",
                                   owner=f"{team}-{payee}")
            setup.assign(f"{team}-{payee}", plan_version, quota_amount)
    setup.load(warehouse_url)
    lines = run_lines(warehouse_url, setup.engine_inputs())

    for team, _case in zip(TEAMS, cases, strict=False):
        assert paid(lines, f"{team}-tiers-whole") == paid(lines, f"{team}-tiers-parts")
        assert paid(lines, f"{team}-flat-whole") == paid(lines, f"{team}-flat-parts")


# --- 5 and 6. the same inputs give the same lines --------------------------------------------


@dataclass(frozen=True)
class OrderCase:
    """Deals on few days (so many tie on the booking date), some split, under plans whose
    lines depend on the order the deals are walked in: rep1 on capped marginal tiers, rep2
    on retroactive tiers, rep3 on a flat rate under a plan cap."""

    deals: list[Deal]
    splits: dict[str, Split]
    tiers: Tiers
    retroactive_tiers: Tiers
    quota_amount: Decimal
    cap: Decimal


@st.composite
def order_cases(draw: st.DrawFn) -> OrderCase:
    people = ["rep1", "rep2", "rep3"]
    deals = draw(deal_lists(people, days=few_days))
    return OrderCase(deals, draw(splits_of(deals, people)), draw(tier_tables()),
                     draw(tier_tables()), draw(quotas), draw(money))


def order_setup(cases: list[OrderCase]) -> Setup:
    setup = Setup()
    for team, case in zip(TEAMS, cases, strict=False):
        prefix = f"{team}-"
        setup.deals += relabel(case.deals, prefix)
        setup.splits += split_rows(case.splits, prefix)
        setup.assign(f"{prefix}rep1", tiered_plan(f"{prefix}marginal", "marginal", case.tiers,
                                                  cap=case.cap), case.quota_amount)
        setup.assign(f"{prefix}rep2", tiered_plan(f"{prefix}retro", "retroactive",
                                                  case.retroactive_tiers), case.quota_amount)
        setup.assign(f"{prefix}rep3", commission_plan(
            f"{prefix}flat", ["rate: 10%"], extra=[f"caps: {{per_period: {case.cap:f}}}"]))
    return setup


@PROPERTY
@given(cases=st.lists(order_cases(), min_size=1, max_size=3), data=st.data())
def test_the_order_of_input_rows_never_matters(warehouse_url: str, cases: list[OrderCase],
                                               data: st.DataObject) -> None:
    setup = order_setup(cases)
    setup.load(warehouse_url)
    in_order = run_lines(warehouse_url, setup.engine_inputs())
    shuffled = replace(setup, deals=data.draw(st.permutations(setup.deals), label="deals"),
                       splits=data.draw(st.permutations(setup.splits), label="splits"))
    shuffled.load(warehouse_url)

    assert run_lines(warehouse_url, shuffled.engine_inputs()) == in_order


@PROPERTY
@given(cases=st.lists(order_cases(), min_size=1, max_size=3))
def test_a_rerun_gives_identical_lines(warehouse_url: str, cases: list[OrderCase]) -> None:
    setup = order_setup(cases)
    setup.load(warehouse_url)

    assert run_lines(warehouse_url, setup.engine_inputs()) == run_lines(
        warehouse_url, setup.engine_inputs())


# --- 7. a cap is never exceeded --------------------------------------------------------------


@dataclass(frozen=True)
class CapCase:
    """rep1 and rep2 on one component with a cap per month or quarter (a flat rate or
    marginal tiers on value); rep3 and rep4 on two components under a plan cap."""

    deals: list[Deal]
    flat: bool
    rate: Decimal
    tiers: Tiers
    period: str
    component_cap: Decimal
    new_rate: Decimal
    renewal_rate: Decimal
    plan_cap: Decimal


cap_cases = st.builds(
    CapCase, deals=deal_lists(["rep1", "rep2", "rep3", "rep4"], deal_types=True),
    flat=st.booleans(), rate=percentages, tiers=tier_tables(),
    period=st.sampled_from(["month", "quarter"]), component_cap=money, new_rate=percentages,
    renewal_rate=percentages, plan_cap=money)


@PROPERTY
@given(cases=st.lists(cap_cases, min_size=1, max_size=4))
def test_a_cap_is_never_exceeded(warehouse_url: str, cases: list[CapCase]) -> None:
    setup = Setup()
    for team, case in zip(TEAMS, cases, strict=False):
        prefix = f"{team}-"
        setup.deals += relabel(case.deals, prefix)
        if case.flat:
            capped = flat_plan(f"{prefix}capped", case.rate, cap=case.component_cap,
                               period=case.period)
        else:
            value_tiers = [(bound * 1000, rate) for bound, rate in case.tiers]
            capped = value_tiered_plan(f"{prefix}capped", value_tiers, cap=case.component_cap,
                                       period=case.period)
        two = two_component_plan(f"{prefix}two", case.new_rate, case.renewal_rate,
                                 case.plan_cap)
        for person, plan_version in (("rep1", capped), ("rep2", capped), ("rep3", two),
                                     ("rep4", two)):
            setup.assign(prefix + person, plan_version)
    setup.load(warehouse_url)
    lines = run_lines(warehouse_url, setup.engine_inputs())

    caps = {f"{team}-{kind}": cap for team, case in zip(TEAMS, cases, strict=False)
            for kind, cap in (("capped", case.component_cap), ("two", case.plan_cap))}
    component_periods = totals_by([r for r in lines if r["plan_code"].endswith("-capped")],
                                  "plan_code", "payee_id", "period_start")
    assert all(total <= caps[plan_code]
               for (plan_code, _payee, _start), total in component_periods.items())
    quarters = totals_by([r for r in lines if r["plan_code"].endswith("-two")],
                         "plan_code", "payee_id")
    assert all(total <= caps[plan_code] for (plan_code, _payee), total in quarters.items())


# --- 8. a cancellation nets its order to zero ------------------------------------------------


def standing(deals: list[Deal]) -> list[Deal]:
    """The orders that were not cancelled."""
    cancelled = {d.reverses for d in deals if d.reverses}
    return [d for d in deals if d.kind == "order" and d.transaction_id not in cancelled]


@st.composite
def cancellation_cases(draw: st.DrawFn) -> tuple[list[Deal], Decimal]:
    """Deals with cancellations and a flat rate; often 12.5% with the standing orders
    earning an exact half cent (one more order makes their total 4 cents modulo 8)."""
    deals = draw(deal_lists(["rep"], max_size=11))
    if not draw(st.booleans()):
        return deals, draw(percentages)
    cents = int(total_of(standing(deals)) * 100)
    pad = Deal("T12", "rep", draw(q1_days), Decimal((4 - cents) % 8 or 8) / 100, "OPP-T12")
    return [*deals, pad], Decimal("12.5")


@PROPERTY
@given(cases=st.lists(cancellation_cases(), min_size=1, max_size=4))
def test_a_cancellation_nets_its_order_to_zero_in_the_period(
        warehouse_url: str, cases: list[tuple[list[Deal], Decimal]]) -> None:
    setup = Setup()
    for team, (deals, rate) in zip(TEAMS, cases, strict=False):
        setup.deals += relabel(deals, f"{team}-")
        setup.assign(f"{team}-rep", flat_plan(f"{team}-flat", rate))
    setup.load(warehouse_url)
    lines = run_lines(warehouse_url, setup.engine_inputs())

    for team, (deals, rate) in zip(TEAMS, cases, strict=False):
        # paid as if the cancelled orders had never been booked
        assert paid(lines, f"{team}-rep") == to_cents(fraction(rate) * total_of(standing(deals)))
        for d in deals:
            if d.reverses:
                pair = {f"{team}-{d.transaction_id}", f"{team}-{d.reverses}"}
                assert sum(r["value"] for r in lines if r["transaction_id"] in pair) == 0


# --- 9 and 10. tiered pay by hand ------------------------------------------------------------


@dataclass(frozen=True)
class TierCase:
    """One payee's deals (cancellations included) against a tier table and a quota."""

    deals: list[Deal]
    tiers: Tiers
    quota_amount: Decimal


@st.composite
def tier_cases(draw: st.DrawFn) -> TierCase:
    """Often the deals end exactly on a tier's bound (the quota then a multiple of 100, so
    that the bound is whole cents)."""
    tiers = draw(tier_tables())
    deals = draw(deal_lists(["rep"], max_size=11))
    if len(tiers) == 1 or not draw(st.booleans()):
        return TierCase(deals, tiers, draw(quotas))
    quota_amount = Decimal(draw(st.integers(1, 5_000)) * 100)
    bound = draw(st.sampled_from(tiers[1:]))[0]
    missing = (fraction(bound) * quota_amount - total_of(deals)).quantize(CENT)
    if missing > 0:
        deals = [*deals, Deal("T12", "rep", draw(q1_days), missing, "OPP-T12")]
    return TierCase(deals, tiers, quota_amount)


def tier_setup(cases: list[TierCase], method: str) -> Setup:
    setup = Setup()
    for team, case in zip(TEAMS, cases, strict=False):
        setup.deals += relabel(case.deals, f"{team}-")
        setup.assign(f"{team}-rep", tiered_plan(f"{team}-tiers", method, case.tiers),
                     case.quota_amount)
    return setup


@PROPERTY
@given(cases=st.lists(tier_cases(), min_size=1, max_size=4))
def test_retroactive_pays_the_reached_rate_on_the_whole_total(
        warehouse_url: str, cases: list[TierCase]) -> None:
    setup = tier_setup(cases, "retroactive")
    setup.load(warehouse_url)
    lines = run_lines(warehouse_url, setup.engine_inputs())

    for team, case in zip(TEAMS, cases, strict=False):
        expected = retroactive_pay(total_of(case.deals), case.quota_amount, case.tiers)
        assert paid(lines, f"{team}-rep") == expected


@PROPERTY
@given(cases=st.lists(tier_cases(), min_size=1, max_size=4))
def test_marginal_pays_each_tier_its_rate_on_its_band(warehouse_url: str,
                                                      cases: list[TierCase]) -> None:
    setup = tier_setup(cases, "marginal")
    setup.load(warehouse_url)
    lines = run_lines(warehouse_url, setup.engine_inputs())

    for team, case in zip(TEAMS, cases, strict=False):
        expected = marginal_pay(total_of(case.deals), case.quota_amount, case.tiers)
        assert paid(lines, f"{team}-rep") == expected
