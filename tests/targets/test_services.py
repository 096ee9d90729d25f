"""Quota services: versioned all-or-nothing saves, approval, export, allocation from the org,
and check-ins."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from attain.core.models import AuditEntry
from attain.core.periods import DEFAULT_CALENDAR
from attain.org.models import Employment, Person, Region, Team, TeamMembership
from attain.targets import services
from attain.targets.allocation import AllocationError
from attain.targets.models import CheckIn, Quota, QuotaStatus

pytestmark = pytest.mark.django_db

Q1 = DEFAULT_CALENDAR.parse("FY2026-Q1")


@pytest.fixture
def team() -> Team:
    """Team T1 in region EMEA: Ann full time since 2020, Bob hired 1 Jan 2026, Cy half time."""
    region = Region.objects.create(code="EMEA", name="EMEA")
    team = Team.objects.create(code="T1", name="Team one", region=region)
    for employee_id, name, hired, fte in (("E1", "Ann", dt.date(2020, 1, 1), "1"),
                                          ("E2", "Bob", dt.date(2026, 1, 1), "1"),
                                          ("E3", "Cy", dt.date(2025, 1, 1), "0.5")):
        person = Person.objects.create(employee_id=employee_id, name=name,
                                       email=f"{name.lower()}@example.com", role="rep",
                                       access_role="rep", hire_date=hired, region=region)
        Employment.objects.create(person=person, role="rep", fte=Decimal(fte), valid_from=hired)
        TeamMembership.objects.create(person=person, team=team, valid_from=hired)
    return team


def test_saving_a_quota_twice_makes_a_new_draft_version_and_audits_both(team: Team) -> None:
    row = services.QuotaRow("bookings", "person:E1", "FY2026-Q1", "30,000.00")
    [first] = services.save_quotas([row])
    [second] = services.save_quotas([services.QuotaRow("bookings", "person:E1", "2026-q1",
                                                       Decimal("32000"))])
    assert (first.version, second.version) == (1, 2)
    assert second.status == QuotaStatus.DRAFT and second.amount == Decimal("32000")
    assert AuditEntry.objects.filter(object_type="targets.Quota").count() == 2
    # Nothing approved yet: the current approved quotas are none; approving v2 makes it so.
    assert services.current_quotas(period="FY2026-Q1") == []
    assert services.approve_quotas(quota_ids=[second.id]) == 1
    assert [q.amount for q in services.current_quotas(period="FY2026-Q1")] == [Decimal(32000)]
    assert services.quota_rows(owner="person:E1") == [
        services.QuotaRow("bookings", "person:E1", "FY2026-Q1", Decimal("32000.00"), "USD")]


def test_bad_rows_are_all_reported_with_row_and_column_and_nothing_is_saved(team: Team) -> None:
    rows = [
        services.QuotaRow("bookings", "person:E1", "FY2026-Q1", "100", row=2),
        services.QuotaRow("bookings", "person:E9", "FY2026-Q5", "-5", row=3),
        services.QuotaRow("bookings", "team:T1", "FY2026-Q1", "1.005", currency="dollars",
                          row=4),
        services.QuotaRow("bookings", "person:E1", "FY2026-Q1", "200", row=5),
    ]
    with pytest.raises(services.QuotaRowsError) as caught:
        services.save_quotas(rows)
    found = [(error.row, error.column) for error in caught.value.errors]
    assert found == [(3, "owner"), (3, "period"), (3, "amount"), (4, "amount"),
                     (4, "currency"), (5, "period")]
    assert "no person has employee id 'E9'" in str(caught.value)
    assert "repeats row 2" in str(caught.value)
    assert Quota.objects.count() == 0


def test_a_team_quota_is_allocated_over_members_by_ramp_and_working_time(team: Team) -> None:
    # Same numbers as the pure test: 90,000 over Q1 for Ann (full), Bob (hired 1 Jan,
    # 25/50/75 ramp) and Cy (half time): 45,476.19 / 21,785.71 / 22,738.10.
    result = services.allocate_quota(parent="team:T1", amount=Decimal(90000), period=Q1)
    assert result.amounts() == {"person:E1": Decimal("45476.19"),
                                "person:E2": Decimal("21785.71"),
                                "person:E3": Decimal("22738.10")}
    saved = services.save_allocation(result, metric="bookings", approve=True)
    assert sum(quota.amount for quota in saved) == Decimal(90000)
    assert services.children_of("region:EMEA", Q1.start) == ["team:T1"]


def test_historical_allocation_needs_a_value_for_every_child(team: Team) -> None:
    with pytest.raises(AllocationError, match="needs a value for person:E3"):
        services.allocate_quota(parent="team:T1", amount=Decimal(100), period=Q1,
                                method="historical",
                                values={"person:E1": Decimal(1), "person:E2": Decimal(1)})


def test_a_check_in_records_comment_and_confidence(team: Team) -> None:
    [quota] = services.save_quotas([services.QuotaRow("bookings", "person:E1", "FY2026-Q1",
                                                      "100")])
    author = Person.objects.get(employee_id="E1")
    check_in = services.record_check_in(quota=quota, author=author, day=dt.date(2026, 2, 1),
                                        comment="Two deals slipped to March", confidence=70)
    assert CheckIn.objects.get().comment == "Two deals slipped to March"
    assert check_in.confidence == 70
    with pytest.raises(ValueError, match="confidence is 0-100"):
        services.record_check_in(quota=quota, author=author, day=dt.date(2026, 2, 1),
                                 comment="x", confidence=140)


def test_a_managers_quota_is_measured_on_the_team_they_manage(company: str) -> None:
    # M1 manages T1 from 2025: their January quota of 5,000 is measured on T1's revenue,
    # which is E1's 2,900 (E2 sold nothing); E1's own quota stays on E1.
    from attain.org.models import TeamManager

    manager = Person.objects.create(employee_id="M1", name="Mo", email="mo@example.com",
                                    role="manager", access_role="manager",
                                    hire_date=dt.date(2020, 1, 1))
    TeamManager.objects.create(team=Team.objects.get(code="T1"), person=manager,
                               valid_from=dt.date(2025, 1, 1))
    services.save_quotas([services.QuotaRow("bookings", "person:M1", "2026-01", "5000")],
                         approve=True)
    statuses = {status.owner: status.assessment
                for status in services.target_status(as_of=dt.date(2026, 1, 31))}
    assert statuses["person:M1"].actual == Decimal("2900.00")
    assert statuses["person:M1"].spec.owner == "team_rollup:T1"
    assert statuses["person:E1"].actual == Decimal("2900.00")
    assert statuses["person:E1"].spec.owner == "person:E1"


def test_a_teams_children_are_its_sub_teams_and_its_reps_not_its_support_roles(
        team: Team) -> None:
    # T1-A sits under T1 in the same region, so the region's only top-level team is T1.
    # Dee, a sales engineer in T1, carries no bookings quota; Ann, Bob and Cy are reps.
    sub_team = Team.objects.create(code="T1-A", name="Team one A", region=team.region,
                                   parent=team)
    engineer = Person.objects.create(employee_id="E4", name="Dee", email="dee@example.com",
                                     role="se", access_role="rep", hire_date=dt.date(2020, 1, 1))
    Employment.objects.create(person=engineer, role="se", valid_from=dt.date(2020, 1, 1))
    TeamMembership.objects.create(person=engineer, team=team, valid_from=dt.date(2020, 1, 1))
    assert services.children_of("region:EMEA", Q1.start) == ["team:T1"]
    assert services.children_of("team:T1", Q1.start) == [
        "team:T1-A", "person:E1", "person:E2", "person:E3"]
    assert services.children_of("team:T1-A", Q1.start) == []
    assert sub_team.parent == team


def test_a_members_role_is_read_on_the_day(team: Team) -> None:
    # Ann was an SDR through 2025 and became a rep on 1 January 2026: she carries quota
    # in Q1 2026 but not in Q4 2025.
    ann = Person.objects.get(employee_id="E1")
    Employment.objects.filter(person=ann).update(valid_from=dt.date(2026, 1, 1))
    Employment.objects.create(person=ann, role="sdr", valid_from=dt.date(2020, 1, 1),
                              valid_to=dt.date(2025, 12, 31))
    assert "person:E1" in services.children_of("team:T1", dt.date(2026, 1, 1))
    assert "person:E1" not in services.children_of("team:T1", dt.date(2025, 12, 1))


def test_a_regions_quota_reaches_every_rep_of_the_demo_once_and_sums_at_every_level(
        warehouse: str) -> None:
    # The demo nests region → area team → leaf teams → members (an SE, SDRs and reps; the
    # leaf managers are members of the area team). Allocating 1,000,000.00 down the tree must
    # reach each rep in a leaf team of the region on 1 January 2026 exactly once, and every
    # parent's children must add up to it to the cent.
    from tests.demo_company import load_small_demo

    company = load_small_demo(warehouse)
    org = company.org
    day = Q1.start
    region = "EMEA"
    region_teams = {team.code for team in org.teams if team.region == region}
    expected = sorted(f"person:{person.employee_id}" for person in org.by_role("rep")
                      if org.team_of(person.employee_id, day) in region_teams)
    assert expected, "the demo has EMEA reps on the day"

    reached: list[str] = []

    def walk(owner: str, amount: Decimal) -> None:
        result = services.allocate_quota(parent=owner, amount=amount, period=Q1)
        amounts = result.amounts()
        assert sum(amounts.values()) == amount, owner
        for child, part in amounts.items():
            if child.startswith("person:"):
                reached.append(child)
            else:
                walk(child, part)

    walk(f"region:{region}", Decimal("1000000.00"))
    assert sorted(reached) == expected
    assert len(reached) == len(set(reached))


# EUR → USD: 1.10 in force from 31 Dec 2025, 1.20 from 15 Jan 2026.
RATES = """
    rate_date,from_currency,rate
    2025-12-31,EUR,1.10
    2026-01-15,EUR,1.20
"""


def _rates(warehouse: str) -> None:
    from attain.warehouse import load
    from tests.metrics import builders

    load.load_tables({"fx_rates": builders.rows("fx_rates", RATES)}, url=warehouse)


def test_a_quota_in_euros_is_monitored_in_dollars_at_the_rate_of_its_first_day(
        company: str) -> None:
    # T1's January quota is 2,000.00 EUR. On 1 January the rate in force is 1.10 (the 15
    # January rate comes later), so the target is 2,000.00 × 1.10 = 2,200.00 USD, for the
    # whole month. T1's revenue is E1's 2,900.00 USD; on 31 January expected is the whole
    # target: attainment 2,900 / 2,200 = 1.318181… → 1.318182, on track.
    _rates(company)
    services.save_quotas([services.QuotaRow("bookings", "team:T1", "2026-01", "2000.00",
                                            "EUR")], approve=True)
    [status] = [status for status in services.target_status(as_of=dt.date(2026, 1, 31))
                if status.owner == "team:T1"]
    assert status.assessment.spec.value == Decimal("2200.00")
    assert status.assessment.actual == Decimal("2900.00")
    assert status.assessment.expected == Decimal("2200.00")
    assert status.assessment.attainment == Decimal("1.318182")
    assert status.assessment.status == "on_track"


def test_a_quota_in_a_currency_without_a_rate_is_refused_plainly(company: str) -> None:
    # No AUD rate at all: comparing AUD 1,000 with USD revenue would be a guess.
    services.save_quotas([services.QuotaRow("bookings", "team:T1", "2026-01", "1000.00",
                                            "AUD")], approve=True)
    with pytest.raises(ValueError, match="no exchange rate to USD in force for AUD on "
                                         "2026-01-01"):
        services.target_status(as_of=dt.date(2026, 1, 31))


def test_the_bottom_up_check_converts_mixed_currencies_and_keeps_one_as_it_is(
        team: Team, warehouse: str) -> None:
    # EMEA carries 10,000.00 USD for Q1; its only team T1 carries 8,000.00 EUR. At 1.10
    # (in force on 1 January) T1 is 8,800.00 USD: gap 10,000 - 8,800 = 1,200.00, flagged.
    from tests.metrics import builders

    builders.load(warehouse)
    _rates(warehouse)
    services.save_quotas([services.QuotaRow("bookings", "region:EMEA", "FY2026-Q1", "10000"),
                          services.QuotaRow("bookings", "team:T1", "FY2026-Q1", "8000",
                                            "EUR")], approve=True)
    mixed = services.bottom_up_check(owner="region:EMEA", metric="bookings",
                                     period="FY2026-Q1")
    assert mixed.currency == "USD"
    assert mixed.children == {"team:T1": Decimal("8800.00")}
    assert (mixed.check.gap, mixed.check.flagged) == (Decimal("1200.00"), True)
    # Quoted in EUR at both levels, the amounts are compared as they stand: 8,000 = 8,000.
    services.save_quotas([services.QuotaRow("bookings", "region:EMEA", "FY2026-Q1", "8000",
                                            "EUR")], approve=True)
    same = services.bottom_up_check(owner="region:EMEA", metric="bookings",
                                    period="FY2026-Q1")
    assert same.currency == "EUR"
    assert (same.check.gap, same.check.flagged) == (Decimal("0"), False)


def test_approving_a_quota_is_audited_with_who_and_the_status_before_and_after(
        team: Team) -> None:
    from django.contrib.auth import get_user_model

    approver = get_user_model().objects.create_user(username="ops", password="pw")
    [draft] = services.save_quotas([services.QuotaRow("bookings", "person:E1", "FY2026-Q1",
                                                      "100")])
    assert services.approve_quotas(quota_ids=[draft.id], user=approver) == 1
    entry = AuditEntry.objects.get(action="approve")
    assert entry.actor == approver
    assert (entry.object_type, entry.object_id) == ("targets.Quota", str(draft.id))
    assert entry.before is not None and entry.after is not None
    assert (entry.before["status"], entry.after["status"]) == ("draft", "approved")
    # Approving again changes nothing and writes nothing.
    assert services.approve_quotas(quota_ids=[draft.id], user=approver) == 0
    assert AuditEntry.objects.filter(action="approve").count() == 1


def test_measurable_reads_an_unknown_owner_and_an_owner_without_data_from_the_database(
        company: str) -> None:
    # E9 is nobody; E2 joined on 1 January 2026 and has sold nothing.
    text = ("goal: g\nmetric: revenue\nowner: {owner}\ntarget: 1000\nperiod: 2026-01\n"
            "objective: x\ncheck_ins: weekly\n")
    unknown = services.check_goal(text.format(owner="person:E9"), today=dt.date(2026, 1, 1))
    assert unknown.verdict("measurable").outcome == "fail"
    assert "the owner person:E9 is not known" in unknown.verdict("measurable").reasons
    no_data = services.check_goal(text.format(owner="person:E2"), today=dt.date(2026, 1, 1))
    assert no_data.verdict("measurable").outcome == "fail"
    assert "revenue has no data for person:E2 yet" in no_data.verdict("measurable").reasons


def test_achievable_counts_the_peers_changes_as_well_as_the_owners(warehouse: str) -> None:
    # E1 sold 1,000 in November and 1,100 in December (+10%); their peer E2 1,000 then
    # 1,500 (+50%). A January target of 1,430 against December's 1,100 needs +30%: above
    # E1's own +10%, but the past changes of owner and peers are [0.10, 0.50], whose
    # nearest-rank 90th percentile is the 2nd of 2 = 0.50, so +30% is within it.
    from tests.metrics import builders

    builders.load(warehouse, transactions="""
        transaction_id,owner_id,amount,booked_on
        A1,E1,1000.00,2025-11-10
        A2,E1,1100.00,2025-12-10
        B1,E2,1000.00,2025-11-10
        B2,E2,1500.00,2025-12-10
    """)
    builders.org("""
        person_id,team,valid_from
        E1,T1,2025-01-01
        E2,T1,2025-01-01
    """)
    report = services.check_goal(
        "goal: g\nmetric: revenue\nowner: person:E1\ntarget: 1430\nbaseline: prior\n"
        "period: 2026-01\nobjective: x\ncheck_ins: weekly\n", today=dt.date(2026, 1, 1))
    achievable = report.verdict("achievable")
    assert achievable.outcome == "pass"
    assert achievable.reasons[0] == (
        "needs 30.00% growth (1100 in 2025-12 → 1430), within past growth: 1 of 2 past "
        "periods (owner and peers) improved as much; 90th percentile 50.00%, best 50.00%")


def test_a_seasonal_allocation_is_paced_month_by_month_from_the_database(company: str) -> None:
    # T1's Q1 is 4,000.00 with weights Jan 1, Feb 1, Mar 2: 1,000 / 1,000 / 2,000. E1 is
    # at full capacity; E2, hired 1 Jan 2026, ramps 25% / 50% / 75%. Each month splits by
    # capacity (core.money.allocate, leftover cents to the largest remainder):
    #   Jan 1,000 at 1 : 0.25 → E1   800.00, E2 200.00
    #   Feb 1,000 at 1 : 0.5  → E1   666.67, E2 333.33
    #   Mar 2,000 at 1 : 0.75 → E1 1,142.86, E2 857.14
    # E1's quota is 2,609.53. Paced as allocated, by 31 January E1 should have sold
    # January's 800.00 (flat would say 2,609.53 × 31/90 = 898.84), and by 28 February
    # 800.00 + 666.67 = 1,466.67.
    from attain.targets.allocation import SeasonalityProfile

    profile = SeasonalityProfile.entered({1: Decimal(1), 2: Decimal(1), 3: Decimal(2)})
    result = services.allocate_quota(parent="team:T1", amount=Decimal(4000), period=Q1,
                                     seasonality=profile)
    services.save_allocation(result, metric="bookings", approve=True)
    quota = Quota.objects.get(person__employee_id="E1", period="FY2026-Q1")
    assert quota.amount == Decimal("2609.53")
    assert quota.seasonality is not None
    assert quota.seasonality[:3] == ["800.00", "666.67", "1142.86"]

    def expected_on(day: dt.date) -> Decimal:
        [status] = services.target_status(as_of=day, owner="person:E1", period="FY2026-Q1")
        return status.assessment.expected

    assert expected_on(dt.date(2026, 1, 31)) == Decimal("800.00")
    assert expected_on(dt.date(2026, 2, 28)) == Decimal("1466.67")


def test_a_goal_with_entered_seasonality_is_paced_by_it(company: str) -> None:
    # 4,000 in Q1 weighted Jan 1, Feb 1, Mar 2: by 31 January 4,000 × 1/4 = 1,000.00.
    services.save_goal("goal: g\nmetric: revenue\nowner: person:E1\ntarget: 4000\n"
                       "period: FY2026-Q1\nobjective: x\ncheck_ins: monthly\n"
                       "seasonality: [1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n",
                       today=dt.date(2026, 1, 1))
    [status] = [status for status in services.target_status(as_of=dt.date(2026, 1, 31),
                                                            owner="person:E1")
                if status.kind == "goal"]
    assert status.assessment.expected == Decimal("1000.00")


def test_a_goal_with_learned_seasonality_is_paced_by_the_owners_history(company: str) -> None:
    # E1's only history is 2025: November 1,500, December 2,000 (3,500). Shares × months
    # seen: Nov 1,500/3,500 × 2 = 0.857143, Dec 1.142857; every other month weighs their
    # mean, 1. Q4 2026 weighs Oct 1 + Nov 0.857143 + Dec 1.142857 = 3. A Q4 target of
    # 3,100 expects by 30 November 3,100 × 1.857143 / 3 = 1,919.047766… → 1,919.05.
    goal = services.save_goal("goal: q4\nmetric: revenue\nowner: person:E1\ntarget: 3100\n"
                              "period: FY2026-Q4\nobjective: x\ncheck_ins: monthly\n"
                              "seasonality: learned\n", today=dt.date(2026, 9, 1))
    assert goal.seasonality is not None
    assert goal.seasonality[9:] == ["1.000000", "0.857143", "1.142857"]
    [status] = [status for status in services.target_status(as_of=dt.date(2026, 11, 30),
                                                            owner="person:E1")
                if status.kind == "goal"]
    assert status.assessment.expected == Decimal("1919.05")


def test_a_year_on_year_target_is_judged_against_year_on_year_changes(warehouse: str) -> None:
    # E1: Dec 2024 1,000, Jan 2025 1,000, Nov 2025 500, Dec 2025 1,100. January 2026's
    # 1,300 against January 2025's 1,000 needs +30%. Month on month E1 once grew +120%
    # (Nov → Dec 2025), which would make +30% look easy; but year on year, the only
    # comparable change is Dec 2025 against Dec 2024: +10%. +30% is above it: a warning.
    from tests.metrics import builders

    builders.load(warehouse, transactions="""
        transaction_id,owner_id,amount,booked_on
        A,E1,1000.00,2024-12-10
        B,E1,1000.00,2025-01-10
        C,E1,500.00,2025-11-10
        D,E1,1100.00,2025-12-10
    """)
    builders.org("person_id,team,valid_from\nE1,T1,2024-01-01\n")
    report = services.check_goal(
        "goal: g\nmetric: revenue\nowner: person:E1\ntarget: 1300\nperiod: 2026-01\n"
        "objective: x\ncheck_ins: weekly\n", today=dt.date(2026, 1, 1))
    achievable = report.verdict("achievable")
    assert achievable.outcome == "warn"
    assert achievable.reasons[0] == (
        "needs 30.00% growth (1000 in 2025-01 → 1300), above the 90th percentile of past "
        "growth: 0 of 1 past periods (owner and peers) improved as much; 90th percentile "
        "10.00%, best 10.00%")


def test_a_version_valid_from_mid_period_is_in_force_from_that_day(team: Team) -> None:
    # v1 30,000 for the whole quarter; v2 36,000 in force from 15 February (approved on
    # the same day it was typed, but only counting from then).
    services.save_quotas([services.QuotaRow("bookings", "person:E1", "FY2026-Q1", "30000")],
                         approve=True)
    services.save_quotas([services.QuotaRow("bookings", "person:E1", "FY2026-Q1", "36000",
                                            valid_from=dt.date(2026, 2, 15))], approve=True)

    def amount_on(day: dt.date) -> Decimal:
        [quota] = services.current_quotas(owner="person:E1", as_of=day)
        return quota.amount

    assert amount_on(dt.date(2026, 2, 14)) == Decimal(30000)
    assert amount_on(dt.date(2026, 2, 15)) == Decimal(36000)
    # Without a day, the latest approved version, as before.
    assert [q.amount for q in services.current_quotas(owner="person:E1")] == [Decimal(36000)]
    # A valid_from outside the quota's period is a row error.
    with pytest.raises(services.QuotaRowsError, match="2026-04-01 is outside FY2026-Q1"):
        services.save_quotas([services.QuotaRow("bookings", "person:E1", "FY2026-Q1", "1",
                                                valid_from=dt.date(2026, 4, 1))])


def test_monitoring_reads_the_quota_version_in_force_on_the_day(company: str) -> None:
    # E1's January quota: v1 3,100 from the start, v2 6,200 from 20 January. On 14 January
    # v1 is in force: expected 3,100 × 14/31 = 1,400.00. On 31 January v2: 6,200.00.
    services.save_quotas([services.QuotaRow("bookings", "person:E1", "2026-01", "6200",
                                            valid_from=dt.date(2026, 1, 20))], approve=True)

    def status_on(day: dt.date) -> services.TargetStatus:
        [status] = services.target_status(as_of=day, owner="person:E1")
        return status

    assert status_on(dt.date(2026, 1, 14)).assessment.expected == Decimal("1400.00")
    assert status_on(dt.date(2026, 1, 31)).assessment.expected == Decimal("6200.00")


def test_the_engine_takes_the_quota_version_in_force_on_the_periods_last_day(
        warehouse: str) -> None:
    # A rep's FY2026-Q1 quota gets a v2 of 1.00 more, in force from 15 February: a run of
    # January reads v1, a run of March v2.
    from attain.engine import run as engine_run
    from tests.demo_company import load_small_demo

    load_small_demo(warehouse)
    january = DEFAULT_CALENDAR.parse("2026-01")
    rep = next(q.person_id for q in engine_run.inputs_from_app(january).quotas
               if q.start == Q1.start and q.end == Q1.end)
    before = next(q.amount for q in engine_run.inputs_from_app(january, person=rep).quotas
                  if q.start == Q1.start and q.metric == "bookings")
    currency = Quota.objects.filter(person__employee_id=rep, period="FY2026-Q1").first()
    assert currency is not None
    services.save_quotas([services.QuotaRow("bookings", f"person:{rep}", "FY2026-Q1",
                                            before + 1, currency.currency,
                                            valid_from=dt.date(2026, 2, 15))], approve=True)

    def q1_quota(run_of: str) -> Decimal:
        inputs = engine_run.inputs_from_app(DEFAULT_CALENDAR.parse(run_of), person=rep)
        return next(q.amount for q in inputs.quotas
                    if q.start == Q1.start and q.metric == "bookings")

    assert q1_quota("2026-01") == before
    assert q1_quota("2026-03") == before + 1


def test_a_territory_quota_is_monitored_on_the_territorys_accounts(warehouse: str) -> None:
    # Territory emea-ent holds EMEA enterprise accounts: A-1 (enterprise) sold 80.00 in
    # December, 100.00 and 50.00 in January; A-2 (smb) 200.00 is not the territory's. A
    # January quota of 300.00: on 31 January actual 150.00 against expected 300.00
    # (attainment 0.5), off track.
    from attain.territories import services as territory_services
    from tests.metrics import builders

    territory_services.save_territory(
        code="emea-ent", name="EMEA enterprise",
        rule='account.region == "EMEA" and account.segment == "enterprise"',
        valid_from=dt.date(2025, 1, 1))
    builders.load(warehouse, accounts="""
        account_id,region,segment
        A-1,EMEA,enterprise
        A-2,EMEA,smb
    """, transactions="""
        transaction_id,account_id,amount,booked_on
        T-0,A-1,80.00,2025-12-15
        T-1,A-1,100.00,2026-01-10
        T-2,A-2,200.00,2026-01-20
        T-3,A-1,50.00,2026-01-20
    """)
    [quota] = services.save_quotas([services.QuotaRow("bookings", "territory:emea-ent",
                                                      "2026-01", "300.00")], approve=True)
    assert (quota.owner_type, quota.territory_code) == ("territory", "emea-ent")
    assert services.owner_of(quota) == "territory:emea-ent"
    [status] = services.target_status(as_of=dt.date(2026, 1, 31), owner="territory:emea-ent")
    assert (status.assessment.actual, status.assessment.expected) == (Decimal("150.00"),
                                                                      Decimal("300.00"))
    assert status.assessment.attainment == Decimal("0.5")
    assert status.assessment.status == "off_track"
    # An unknown territory is a row error, like any unknown owner.
    with pytest.raises(services.QuotaRowsError, match="no territory has code 'nowhere'"):
        services.save_quotas([services.QuotaRow("bookings", "territory:nowhere", "2026-01",
                                                "1")])
    # A goal can be owned by the territory too: the same 150.00 against its 200.00.
    goal = services.save_goal("goal: ent\nmetric: revenue\nowner: territory:emea-ent\n"
                              "target: 200\nperiod: 2026-01\nobjective: x\n"
                              "check_ins: weekly\n", today=dt.date(2026, 1, 1))
    assert goal.territory_code == "emea-ent"
    [goal_status] = [item for item in services.target_status(
        as_of=dt.date(2026, 1, 31), owner="territory:emea-ent") if item.kind == "goal"]
    assert goal_status.assessment.actual == Decimal("150.00")


def test_a_teams_sub_teams_are_those_under_it_on_the_day(team: Team) -> None:
    # T1-A sits under T1 until 31 March 2026 and under T2 from 1 April (org's effective-
    # dated team parents): in Q1 it is T1's child, in Q2 T2's, and T2, top-level in EMEA,
    # is a child of the region both times.
    from attain.org import services as org_services

    other = Team.objects.create(code="T2", name="Team two", region=team.region)
    sub_team = Team.objects.create(code="T1-A", name="Team one A", region=team.region)
    org_services.set_team_parent(team=sub_team, parent=team, since=dt.date(2025, 1, 1))
    org_services.set_team_parent(team=sub_team, parent=other, since=dt.date(2026, 4, 1))
    q2 = dt.date(2026, 4, 1)
    assert "team:T1-A" in services.children_of("team:T1", Q1.start)
    assert "team:T1-A" not in services.children_of("team:T1", q2)
    assert services.children_of("team:T2", Q1.start) == []
    assert services.children_of("team:T2", q2) == ["team:T1-A"]
    assert services.children_of("region:EMEA", Q1.start) == ["team:T1", "team:T2"]
    assert services.children_of("region:EMEA", q2) == ["team:T1", "team:T2"]
