"""The forecast page and tile: a rep makes and sees only their own call; a manager sees their
people's calls next to the pipeline with their judgement; the level above sees the roll-up;
nobody sees another team's calls; a closed quarter shows accuracy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from attain.core.company import company_calendar
from attain.forecast import services as forecast_services
from attain.forecast.models import ForecastCall
from attain.org import services as org_services
from attain.org.models import AccessRole, Person

pytestmark = pytest.mark.django_db
SignIn = Callable[[str], Client]
TODAY = dt.date.today()
QUARTER = company_calendar().period_containing(TODAY, "quarter")


def _reps_of(manager: Person) -> list[Person]:
    reports = forecast_services.direct_reports(day=TODAY)[manager.employee_id]
    return list(Person.objects.filter(employee_id__in=reports).order_by("name"))


def _other_manager(manager: Person) -> Person:
    """A manager of another leaf team, neither above nor below the demo manager."""
    chain = set(org_services.manager_chain(employee_id=manager.employee_id, day=TODAY))
    reports = forecast_services.direct_reports(day=TODAY)
    for candidate in Person.objects.filter(access_role=AccessRole.MANAGER,
                                           termination_date__isnull=True):
        if (candidate.pk != manager.pk and candidate.employee_id not in chain
                and candidate.employee_id in reports
                and not set(reports[candidate.employee_id]) & set(reports)):
            return candidate
    raise AssertionError("the demo has a second leaf manager")


def test_a_rep_makes_their_own_call_and_sees_nobody_elses(calculated: str,
                                                          signed_in: SignIn) -> None:
    rep = Person.objects.get(user__username="rep")
    manager = Person.objects.get(user__username="manager")
    colleague = next(p for p in _reps_of(manager) if p.pk != rep.pk)
    forecast_services.submit_call(person=colleague, period=QUARTER, commit="777",
                                  best_case="888")
    client = signed_in("rep")
    answer = client.post("/forecast/", {"period": QUARTER.label, "commit": "12,500",
                                        "best_case": "20000", "note": "two deals at legal"})
    assert answer.status_code == 302
    call = ForecastCall.objects.get(person=rep)
    assert (call.commit, call.best_case, call.note) == (
        Decimal("12500.00"), Decimal("20000.00"), "two deals at legal")
    page = client.get("/forecast/").content.decode()
    assert "12,500.00" in page and rep.name in page
    assert colleague.name not in page and "777" not in page
    bad = client.post("/forecast/", {"period": QUARTER.label, "commit": "10",
                                     "best_case": "5"})
    assert bad.status_code == 422 and "below the commit" in bad.content.decode()
    assert ForecastCall.objects.filter(person=rep).count() == 1


def test_a_manager_sees_their_peoples_calls_with_pipeline_and_judgement(
        calculated: str, signed_in: SignIn) -> None:
    manager = Person.objects.get(user__username="manager")
    rep_a, rep_b = _reps_of(manager)[:2]
    forecast_services.submit_call(person=rep_a, period=QUARTER, commit="1000", best_case="1500")
    forecast_services.submit_call(person=rep_b, period=QUARTER, commit="2000", best_case="2500")
    client = signed_in("manager")
    assert client.post("/forecast/", {"period": QUARTER.label, "commit": "2700",
                                      "best_case": "4200"}).status_code == 302
    page = client.get("/forecast/").content.decode()
    assert rep_a.name in page and rep_b.name in page
    assert "3,000.00" in page  # their people's commit: 1,000 + 2,000
    assert "-300.00" in page   # the manager's judgement: 2,700 - 3,000
    assert "Pipeline · commit" in page and "Weighted" in page
    assert "Week by week" in page
    tile = client.get("/home/forecast/").content.decode()
    assert "2,700 USD" in tile and "3 of" in tile


def test_the_level_above_sees_the_roll_up_and_another_team_sees_nothing(
        calculated: str, signed_in: SignIn) -> None:
    manager = Person.objects.get(user__username="manager")
    rep = _reps_of(manager)[0]
    forecast_services.submit_call(person=rep, period=QUARTER, commit="1000", best_case="1500")
    forecast_services.submit_call(person=manager, period=QUARTER, commit="900",
                                  best_case="1600")
    above = Person.objects.get(employee_id=org_services.manager_chain(
        employee_id=manager.employee_id, day=TODAY)[0])
    assert above.user is not None
    page = signed_in(above.user.username).get("/forecast/").content.decode()
    assert manager.name in page and rep.name in page and "900.00" in page
    other = _other_manager(manager)
    assert other.user is not None
    elsewhere = signed_in(other.user.username).get("/forecast/").content.decode()
    assert manager.name not in elsewhere and rep.name not in elsewhere
    assert "900.00" not in elsewhere


def test_a_closed_quarter_shows_call_accuracy(calculated: str, signed_in: SignIn) -> None:
    q3 = company_calendar().parse("FY2026-Q3")
    rep = Person.objects.get(user__username="rep")
    booked = forecast_services.booked(period=q3, people={rep.employee_id})[rep.employee_id]
    forecast_services.submit_call(person=rep, period=q3, commit=booked, best_case=booked,
                                  at=dt.datetime(2026, 9, 1, 12, tzinfo=dt.UTC))
    page = signed_in("rep").get(f"/forecast/?period={q3.label}").content.decode()
    assert "Call accuracy" in page and "100.0%" in page  # booked exactly the commit
    assert "Submit call" not in page  # a closed quarter takes no more calls
    late = signed_in("rep").post("/forecast/", {"period": q3.label, "commit": "1",
                                                "best_case": "1"})
    assert late.status_code == 422 and "ended on" in late.content.decode()


def test_who_may_open_the_forecast(calculated: str, signed_in: SignIn) -> None:
    assert signed_in("executive").get("/forecast/").status_code == 403
    assert signed_in("admin").get("/forecast/").status_code == 200
    # an admin sees calls but makes none (calls are the sellers' and their managers')
    assert signed_in("admin").post("/forecast/", {"commit": "1", "best_case": "1"}
                                   ).status_code == 403
    assert signed_in("rep").get("/forecast/?period=nonsense").status_code == 422
    assert not ForecastCall.objects.exists()


def test_the_forecast_page_costs_a_fixed_number_of_queries(
        calculated: str, signed_in: SignIn, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    manager = Person.objects.get(user__username="manager")
    reps = _reps_of(manager)
    for number, rep in enumerate(reps):
        forecast_services.submit_call(person=rep, period=QUARTER, commit=str(100 + number),
                                      best_case="500")
    assert len(reps) >= 5
    client = signed_in("manager")
    client.get("/forecast/")  # the pipeline is read once and cached
    # measured 16 (2026-12-05) with 5+ calls; a query per row would add at least 5
    with django_assert_max_num_queries(18):
        page = client.get("/forecast/")
    assert all(rep.name in page.content.decode() for rep in reps)
