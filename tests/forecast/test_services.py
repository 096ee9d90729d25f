"""Forecast calls: each submission kept, the latest in force, rolled up level by level with
the manager's judgement, read week by week, and held against bookings once closed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from attain.core.company import company_calendar
from attain.forecast import services
from attain.forecast.models import ForecastCall
from attain.org import services as org_services
from attain.org.models import Person
from tests.demo_company import load_small_demo, small_company

pytestmark = pytest.mark.django_db
Q4 = company_calendar().parse("FY2026-Q4")
Q3 = company_calendar().parse("FY2026-Q3")
DAY = dt.date(2026, 11, 2)


@pytest.fixture
def org(db: None) -> None:
    org_services.load_org(org=small_company().org, password="pw-for-tests")


def _team() -> tuple[Person, list[Person], Person | None]:
    """The demo manager, two of their reps, and the manager's own manager."""
    manager = Person.objects.get(user__username="manager")
    reports = services.direct_reports(day=DAY)
    reps = Person.objects.filter(employee_id__in=reports[manager.employee_id]).order_by("name")
    above = org_services.manager_chain(employee_id=manager.employee_id, day=DAY)
    return manager, list(reps[:2]), Person.objects.filter(employee_id__in=above[:1]).first()


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def test_a_call_is_rounded_to_the_cent_and_refused_when_it_does_not_add_up(org: None) -> None:
    _manager, (rep, _other), _above = _team()
    call = services.submit_call(person=rep, period=Q4, commit="1,000.005", best_case="1500")
    # half away from zero: 1000.005 -> 1000.01
    assert (call.commit, call.best_case) == (Decimal("1000.01"), Decimal("1500.00"))
    for commit, best, reason in [("100", "99.99", "below the commit"),
                                 ("-1", "5", "cannot be negative"),
                                 ("lots", "5", "is not an amount")]:
        with pytest.raises(services.CallError, match=reason):
            services.submit_call(person=rep, period=Q4, commit=commit, best_case=best)
    assert ForecastCall.objects.count() == 1


def test_the_latest_call_is_in_force_and_earlier_ones_are_kept(org: None) -> None:
    _manager, (rep, _other), _above = _team()
    services.submit_call(person=rep, period=Q4, commit="100", best_case="150",
                         at=_at(dt.date(2026, 10, 5)))
    services.submit_call(person=rep, period=Q4, commit="120", best_case="150",
                         at=_at(dt.date(2026, 10, 20)))
    assert ForecastCall.objects.filter(person=rep).count() == 2
    assert services.latest_calls(period=Q4.label, people=[rep.employee_id])[
        rep.employee_id].commit == Decimal("120.00")
    # as it stood on 10 October, the first call was in force
    assert services.latest_calls(period=Q4.label, people=[rep.employee_id],
                                 until=_at(dt.date(2026, 10, 10)))[
        rep.employee_id].commit == Decimal("100.00")


def test_calls_roll_up_by_level_with_the_managers_judgement(org: None) -> None:
    manager, (rep_a, rep_b), above = _team()
    assert above is not None
    services.submit_call(person=rep_a, period=Q4, commit="100", best_case="150")
    services.submit_call(person=rep_b, period=Q4, commit="200.50", best_case="250")
    services.submit_call(person=manager, period=Q4, commit="280", best_case="420")
    visible = {line.person for line in org_services.reporting_lines()
               if line.manager == above.employee_id and line.valid_from <= DAY
               and (line.valid_to is None or line.valid_to >= DAY)} | {above.employee_id}
    (root,) = services.rollup(period=Q4, people=visible, day=DAY)
    assert root.employee_id == above.employee_id and root.call is None
    node = next(n for n in root.walk() if n.employee_id == manager.employee_id)
    assert node.level == 1 and root.level == 0
    # their people's commit: 100.00 + 200.50 = 300.50 (the other reps made no call)
    assert node.reports_commit == Decimal("300.50")
    # the manager called 280: judgement 280 - 300.50 = -20.50
    assert node.judgement_commit == Decimal("-20.50")
    assert node.judgement_best_case == Decimal("20.00")  # 420 - (150 + 250)
    # the level above, without a call of its own, passes up the manager's call, not the sum
    assert node.rolled_commit == Decimal("280.00")
    assert root.reports_commit >= Decimal("280.00")
    assert node.submitted == 3 and node.size > 3



def test_a_manager_whose_people_have_not_called_shows_no_judgement(org: None) -> None:
    manager, _reps, _above = _team()
    services.submit_call(person=manager, period=Q4, commit="500", best_case="600")
    visible = {manager.employee_id, *services.direct_reports(day=DAY)[manager.employee_id]}
    (root,) = services.rollup(period=Q4, people=visible, day=DAY)
    assert root.employee_id == manager.employee_id and root.reports
    assert not root.reports_called and root.judgement_commit is None
    assert root.rolled_commit == Decimal("500.00")


def test_a_rep_tree_is_the_rep_alone(org: None) -> None:
    _manager, (rep, other), _above = _team()
    services.submit_call(person=other, period=Q4, commit="5", best_case="6")
    (root,) = services.rollup(period=Q4, people={rep.employee_id}, day=DAY)
    assert (root.employee_id, root.reports, root.call) == (rep.employee_id, [], None)


def test_weekly_history_reads_the_calls_in_force_at_each_weeks_end(org: None) -> None:
    manager, (rep_a, rep_b), _above = _team()
    # Q4 starts Thursday 1 October 2026: its first week is the one of Monday 28 September
    services.submit_call(person=rep_a, period=Q4, commit="100", best_case="100",
                         at=_at(dt.date(2026, 10, 1)))
    services.submit_call(person=rep_b, period=Q4, commit="50", best_case="80",
                         at=_at(dt.date(2026, 10, 7)))
    services.submit_call(person=rep_a, period=Q4, commit="130", best_case="140",
                         at=_at(dt.date(2026, 10, 14)))
    visible = {manager.employee_id, rep_a.employee_id, rep_b.employee_id}
    history = services.weekly_history(period=Q4, employee_id=manager.employee_id,
                                      people=visible, today=dt.date(2026, 10, 20))
    assert [(w.week, w.commit, w.best_case, w.calls) for w in history] == [
        (dt.date(2026, 9, 28), Decimal("100.00"), Decimal("100.00"), 1),
        (dt.date(2026, 10, 5), Decimal("150.00"), Decimal("180.00"), 2),   # 100+50, 100+80
        (dt.date(2026, 10, 12), Decimal("180.00"), Decimal("220.00"), 2),  # 130+50, 140+80
        (dt.date(2026, 10, 19), Decimal("180.00"), Decimal("220.00"), 2),
    ]


def test_a_closed_quarters_calls_are_held_against_bookings(warehouse: str) -> None:
    load_small_demo(warehouse)
    manager, (rep, _other), _above = _team()
    booked = services.booked(period=Q3, people={rep.employee_id})[rep.employee_id]
    assert booked > 0
    with pytest.raises(services.CallError, match="ended on 2026-09-30"):
        services.submit_call(person=rep, period=Q3, commit="1", best_case="1")
    services.submit_call(person=rep, period=Q3, commit=booked - 10, best_case=booked + 10,
                         at=_at(dt.date(2026, 9, 1)))
    roots = services.rollup(period=Q3, people={rep.employee_id}, day=Q3.end)
    (found,) = services.accuracy(period=Q3, nodes=roots, today=dt.date(2026, 12, 5))
    assert found.booked == booked and found.commit == booked - 10
    assert found.within_range  # booked is between commit and best case
    assert found.accuracy is not None and found.accuracy > 1  # booked more than committed
    # an open quarter has no accuracy yet
    assert services.accuracy(period=Q4, nodes=roots, today=dt.date(2026, 12, 5)) == []
    del manager
