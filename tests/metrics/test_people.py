"""Metrics about people, worked out by hand: teams as of each day (a rep who moved),
roll-up, filters, activities per rep and their outcomes, quota attainment, reps at quota
and pipeline coverage, NPS and CSAT."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from attain import metrics
from tests.metrics import builders

pytestmark = pytest.mark.django_db

JAN = {"grain": "month", "start": dt.date(2025, 1, 1), "end": dt.date(2025, 1, 31)}
Q1 = {"grain": "quarter", "start": dt.date(2025, 1, 1), "end": dt.date(2025, 3, 31)}

ORG = """
    person_id,team,valid_from,valid_to,parent
    E1,WEST,2024-01-01,2025-01-15,SALES
    E1,EAST,2025-01-16,,SALES
    E2,WEST,2024-01-01,,SALES
    E3,EAST,2024-01-01,,SALES
"""


def _cut(name: str, by: list[str], **query: object) -> dict[object, object]:
    rows = metrics.get(name).query(by=by, **query).to_pyarrow().to_pylist()  # type: ignore[arg-type]
    return {tuple(r[d] for d in by) if len(by) > 1 else r[by[0]]: r["value"] for r in rows}


def _value(name: str, **query: object) -> object:
    rows = metrics.get(name).query(**query).to_pyarrow().to_pylist()  # type: ignore[arg-type]
    assert len(rows) == 1
    return rows[0]["value"]


def test_a_rep_who_moved_counts_for_each_team_on_its_days(warehouse: str) -> None:
    builders.org(ORG)
    builders.load(warehouse, accounts="""
        account_id,segment
        A-1,enterprise
        A-2,smb
    """, transactions="""
        transaction_id,owner_id,account_id,amount,booked_on
        T-1,E1,A-1,100.00,2025-01-10
        T-2,E1,A-2,200.00,2025-01-20
        T-3,E2,A-1,50.00,2025-01-12
    """)
    # E1 was in WEST on 10 January (T-1) and in EAST on 20 January (T-2)
    assert _cut("revenue", ["team"], **JAN) == {"WEST": Decimal("150.00"),
                                                "EAST": Decimal("200.00")}
    # the roll-up counts each team and the team above them: SALES = 150 + 200
    assert _cut("revenue", ["team_rollup"], **JAN) == {
        "WEST": Decimal("150.00"), "EAST": Decimal("200.00"), "SALES": Decimal("350.00")}
    # by person and team together: E1 shows under both teams
    assert _cut("revenue", ["team", "person"], **JAN) == {
        ("WEST", "E1"): Decimal("100.00"), ("EAST", "E1"): Decimal("200.00"),
        ("WEST", "E2"): Decimal("50.00")}
    # account attributes: enterprise T-1 + T-3 = 150; smb T-2 = 200
    assert _cut("revenue", ["segment"], **JAN) == {"enterprise": Decimal("150.00"),
                                                   "smb": Decimal("200.00")}
    # filters pick rows by any dimension the metric has, without cutting by it
    assert _value("revenue", filters={"team": "EAST"}, **JAN) == Decimal("200.00")
    assert _value("revenue", filters={"segment": ["enterprise"], "person": "E1"},
                  **JAN) == Decimal("100.00")


def test_a_team_moved_to_another_area_rolls_up_to_the_parent_of_each_day(
        warehouse: str) -> None:
    from attain.org import services as org_services
    from attain.org.models import Team

    builders.org("""
        person_id,team,valid_from,valid_to,parent
        E1,WEST,2024-01-01,,AMER
        E2,EAST,2024-01-01,,EMEA
    """)
    # WEST moves from AMER to EMEA on 1 July 2025
    org_services.set_team_parent(team=Team.objects.get(code="WEST"),
                                 parent=Team.objects.get(code="EMEA"),
                                 since=dt.date(2025, 7, 1))
    builders.load(warehouse, transactions="""
        transaction_id,owner_id,amount,booked_on
        T-1,E1,100.00,2025-03-10
        T-2,E1,200.00,2025-06-30
        T-3,E1,400.00,2025-07-01
        T-4,E2,50.00,2025-08-15
    """)
    year = {"grain": "year", "start": dt.date(2025, 1, 1), "end": dt.date(2025, 12, 31)}
    # WEST's 100 + 200 were booked under AMER (to 30 June); its 400 on 1 July under EMEA,
    # with EAST's 50: AMER 300.00, EMEA 450.00; WEST itself 700.00, EAST 50.00
    assert _cut("revenue", ["team_rollup"], **year) == {
        "WEST": Decimal("700.00"), "EAST": Decimal("50.00"), "AMER": Decimal("300.00"),
        "EMEA": Decimal("450.00")}
    quarters = metrics.get("revenue").query(
        by=["team_rollup"], grain="quarter", start=dt.date(2025, 1, 1),
        end=dt.date(2025, 12, 31)).to_pyarrow().to_pylist()
    # by quarter: AMER has Q1 100 and Q2 200, nothing after; EMEA has Q3 400 + 50
    assert {(r["team_rollup"], r["period"]): r["value"] for r in quarters
            if r["team_rollup"] in ("AMER", "EMEA")} == {
        ("AMER", "FY2025-Q1"): Decimal("100.00"), ("AMER", "FY2025-Q2"): Decimal("200.00"),
        ("EMEA", "FY2025-Q3"): Decimal("450.00")}
    # today's parent (Team.parent) follows the move
    assert Team.objects.get(code="WEST").parent.code == "EMEA"  # type: ignore[union-attr]


ACTIVITIES = """
    activity_id,person_id,activity_type,outcome,occurred_at
    X-1,E1,call,connected,2025-01-02 09:00:00
    X-2,E1,call,no_answer,2025-01-02 10:00:00
    X-3,E1,call,connected,2025-01-03 09:00:00
    X-4,E1,email,replied,2025-01-03 11:00:00
    X-5,E1,meeting,held,2025-01-06 14:00:00
    X-6,E1,meeting,no_show,2025-01-07 14:00:00
    X-7,E1,demo,completed,2025-01-08 15:00:00
    X-8,E2,call,no_answer,2025-01-09 09:00:00
"""


def test_activities_per_rep_and_their_outcomes(warehouse: str) -> None:
    builders.org(ORG)
    builders.load(warehouse, activities=ACTIVITIES, opportunities="""
        opportunity_id,owner_id,is_closed,is_won,close_date
        O-1,E1,true,true,2025-01-20
        O-2,E2,true,true,2025-01-21
    """)
    # 4 calls over 3 reps employed in January = 1.333… -> 1.33; 1 demo ÷ 3 = 0.33
    assert _value("calls_per_rep", **JAN) == Decimal("1.33")
    assert _value("demos_per_rep", **JAN) == Decimal("0.33")
    # 1 email ÷ 3 reps = 0.333… -> 0.33; 2 meetings (X-5, X-6, whatever their
    # outcome) ÷ 3 reps = 0.666… -> 0.67 (rounded half away from zero, once)
    assert _value("emails_per_rep", **JAN) == Decimal("0.33")
    assert _value("meetings_per_rep", **JAN) == Decimal("0.67")
    # by team: WEST (E1, E2 on 1 January) had the email and both meetings, all logged by
    # E1 before the 16th: 1 ÷ 2 = 0.50 and 2 ÷ 2 = 1.00; EAST (E3) logged none: 0.00
    assert _cut("emails_per_rep", ["team"], **JAN) == {"WEST": Decimal("0.50"),
                                                       "EAST": Decimal("0.00")}
    assert _cut("meetings_per_rep", ["team"], **JAN) == {"WEST": Decimal("1.00"),
                                                         "EAST": Decimal("0.00")}
    # All 4 calls were made in WEST (E1 before the 16th, E2). A rep counts for the team
    # they were in on the month's first day: WEST has E1 and E2 -> 4 ÷ 2 = 2.00;
    # EAST has E3, who made no calls -> 0 ÷ 1 = 0.00
    assert _cut("calls_per_rep", ["team"], **JAN) == {"WEST": Decimal("2.00"),
                                                      "EAST": Decimal("0.00")}
    # connected 2 of 4 calls; replied 1 of 1 email; held 1 of 2 meetings
    assert _value("call_connect_rate", **JAN) == Decimal("0.500000")
    assert _value("email_reply_rate", **JAN) == Decimal("1.000000")
    assert _value("meeting_held_rate", **JAN) == Decimal("0.500000")
    assert _cut("activities", ["activity_type"], **JAN) == {
        "call": Decimal("4"), "email": Decimal("1"), "meeting": Decimal("2"),
        "demo": Decimal("1")}
    # 8 activities for 2 deals won = 4.00
    assert _value("activities_per_win", **JAN) == Decimal("4.00")


def _quota(person: str, amount: str, *, version: int = 1, status: str = "approved") -> None:
    from attain.org.models import Person
    from attain.targets.models import Quota

    Quota.objects.create(metric="bookings", owner_type="person",
                         person=Person.objects.get(employee_id=person), period="FY2025-Q1",
                         period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 3, 31),
                         amount=Decimal(amount), version=version, status=status)


def test_quota_attainment_reps_at_quota_and_coverage(warehouse: str) -> None:
    builders.org(ORG)
    _quota("E1", "2000.00")
    _quota("E1", "3000.00", version=2)  # the latest approved version counts
    _quota("E2", "1500.00")
    _quota("E2", "100.00", version=2, status="draft")  # a draft does not
    builders.load(warehouse, transactions="""
        transaction_id,owner_id,amount,booked_on
        T-1,E1,1000.00,2025-01-10
        T-2,E2,1000.00,2025-02-10
        T-3,E1,2500.00,2025-03-10
        T-4,E3,700.00,2025-03-11
    """, opportunities="""
        opportunity_id,owner_id,amount,is_closed,close_date
        O-1,E1,900.00,false,2025-01-30
    """)
    # E1 3500 of 3000, E2 1000 of 1500; E3 has no quota and is left out: 4500 ÷ 4500 = 1
    assert _value("quota_attainment", **Q1) == Decimal("1.000000")
    assert _cut("quota_attainment", ["person"], **Q1) == {
        "E1": Decimal("1.166667"), "E2": Decimal("0.666667"), "E3": None}
    # E1 reached quota, E2 did not: 1 of 2
    assert _value("reps_at_quota", **Q1) == Decimal("0.500000")
    # January: quota 1000 (E1's 3000 over three months) + 500 (E2's 1500) = 1500, booked
    # 1000, left 500; open pipeline due in January 900 -> 1.8
    assert _value("pipeline_coverage", **JAN) == Decimal("1.800000")
    # the quarter's quota is met (5200 booked of 4500): coverage has nothing to cover
    rows = metrics.get("pipeline_coverage").query(**Q1).to_pyarrow().to_pylist()  # type: ignore[arg-type]
    assert (rows[0]["value"], rows[0]["reason"]) == (None, "no quota left to book in the period")
    with pytest.raises(metrics.MetricError, match="cannot be asked by week"):
        metrics.get("quota_attainment").query(grain="week", start=dt.date(2025, 1, 1),
                                              end=dt.date(2025, 1, 31))


def test_nps_and_csat_from_their_own_surveys(warehouse: str) -> None:
    builders.load(warehouse, customer_feedback="""
        feedback_id,responded_on,survey,score
        F-1,2025-01-02,nps,10
        F-2,2025-01-03,nps,9
        F-3,2025-01-04,nps,9
        F-4,2025-01-05,nps,7
        F-5,2025-01-06,nps,3
        F-6,2025-01-07,csat,5
        F-7,2025-01-08,csat,4
        F-8,2025-01-09,csat,3
        F-9,2025-01-10,csat,1
    """)
    # NPS: promoters 3 (10, 9, 9), detractors 1 (3), 5 answers: (3 − 1) ÷ 5 × 100 = 40
    assert _value("nps", **JAN) == Decimal("40.00")
    # CSAT: 5 and 4 of four answers = 0.5
    assert _value("csat", **JAN) == Decimal("0.500000")
    february = {"grain": "month", "start": dt.date(2025, 2, 1), "end": dt.date(2025, 2, 28)}
    rows = metrics.get("nps").query(**february).to_pyarrow().to_pylist()  # type: ignore[arg-type]
    assert (rows[0]["value"], rows[0]["reason"]) == (None, "no NPS answers in the period")


def test_territory_is_the_rule_the_account_matched_on_the_day(warehouse: str) -> None:
    from attain.territories import services as territory_services

    territory_services.save_territory(code="emea", name="EMEA", rule='account.region == "EMEA"',
                                      valid_from=dt.date(2024, 1, 1),
                                      valid_to=dt.date(2025, 1, 15))
    territory_services.save_territory(
        code="emea-ent", name="EMEA enterprise",
        rule='account.region == "EMEA" and account.segment == "enterprise"',
        valid_from=dt.date(2025, 1, 16))
    builders.load(warehouse, accounts="""
        account_id,region,segment
        A-1,EMEA,enterprise
        A-2,EMEA,smb
        A-3,AMER,smb
    """, transactions="""
        transaction_id,account_id,amount,booked_on
        T-1,A-1,100.00,2025-01-10
        T-2,A-2,200.00,2025-01-20
        T-3,A-1,50.00,2025-01-20
        T-4,A-3,70.00,2025-01-05
    """)
    # 10 January: A-1 is in emea (100.00). From the 16th only emea-ent exists: A-1's T-3
    # (50.00) is there; A-2 (smb) and A-3 (AMER) match no territory: 200 + 70 = 270.00
    assert _cut("revenue", ["territory"], **JAN) == {
        "emea": Decimal("100.00"), "emea-ent": Decimal("50.00"), None: Decimal("270.00")}


def test_compare_with_targets_gives_attainment_and_gap(warehouse: str) -> None:
    builders.org(ORG)
    _quota("E1", "3000.00")
    _quota("E2", "1500.00")
    builders.load(warehouse, transactions="""
        transaction_id,owner_id,amount,booked_on
        T-1,E1,1000.00,2025-01-10
        T-2,E2,1000.00,2025-02-10
        T-3,E1,2500.00,2025-03-10
    """)
    rows = metrics.get("revenue").query(by=["person"], compare="target", **Q1).to_pyarrow()  # type: ignore[arg-type]
    got = {r["person"]: (r["value"], r["target"], r["attainment"], r["gap"])
           for r in rows.to_pylist()}
    # E1 3500 of 3000: 1.166667, 500 over; E2 1000 of 1500: 0.666667, 500 to go
    assert got == {
        "E1": (Decimal("3500.00"), Decimal("3000.00"), Decimal("1.166667"), Decimal("-500.00")),
        "E2": (Decimal("1000.00"), Decimal("1500.00"), Decimal("0.666667"), Decimal("500.00"))}
    # by month the quarter's target is spread evenly: January has 1000.00 of E1's 3000
    months = metrics.get("revenue").query(by=["person"], compare="target", grain="month",
                                          start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31))
    assert [(r["person"], r["target"]) for r in months.to_pyarrow().to_pylist()] == [
        ("E1", Decimal("1000.00"))]
    with pytest.raises(metrics.MetricError, match="by person, by team"):
        metrics.get("revenue").query(by=["segment"], compare="target", **Q1)  # type: ignore[arg-type]
