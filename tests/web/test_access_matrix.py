"""The access matrix: for every object type, by page, API, export and a guessed id or URL, a
rep cannot open another rep's and a manager cannot open another team's, while those allowed
can (so every row could fail).

The rule is web/access.py's, and how a refusal answers follows the object:

- a person's own things (statement and its CSV/XLSX/PDF, earnings, person, goal, dispute)
  answer **404** to someone who may not see them, exactly like a missing one, so a guessed
  id tells nothing about what exists;
- whole pages reserved to a role (jobs, an import's error report, payroll, what-if) answer
  **403** with a page saying so: there is nothing to hide about their existence;
- a list leaves out what one may not see.

The cast, from the small demo calculated for FY2026-Q3 (see tests/web/conftest.py):
``rep`` (R), the demo ``manager`` (M), a member of M's team (X), and a rep outside M's team
who is not R (O), each with statement lines in the quarter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from attain.api import tokens
from attain.core.models import Job
from attain.org.models import Person
from attain.payouts import disputes as dispute_services
from attain.payouts import statements as statement_services
from attain.payouts.models import DisputeEvent
from attain.targets import services as target_services
from attain.web import access
from attain.web import goals as goal_services

pytestmark = pytest.mark.django_db
PERIOD = "FY2026-Q3"
END = dt.date(2026, 9, 30)
TODAY = dt.date.today()


@dataclass(frozen=True)
class Cast:
    rep: Person
    manager: Person
    member: Person
    """In the manager's team on the quarter's last day and today."""
    outsider: Person
    """A rep outside the manager's team then and now, not the demo rep."""
    run_id: str


@dataclass(frozen=True)
class Case:
    who: str
    """A demo login, or ``api:<login>`` for the API with that login's token."""
    method: str
    url: str
    expected: int
    data: dict[str, object] | None = None


def _has_lines(employee_id: str) -> bool:
    admin = Person.objects.get(user__username="admin").user
    return bool(statement_services.statement(viewer=admin, employee_id=employee_id,
                                             period=PERIOD).lines)


@pytest.fixture
def cast(calculated: str) -> Cast:
    manager = Person.objects.get(user__username="manager")
    then = access.visible_people(manager.user, END) or set()
    now = access.visible_people(manager.user, TODAY) or set()
    member = next(p for p in Person.objects.filter(employee_id__in=(then & now)
                                                   - {manager.employee_id})
                  .order_by("employee_id") if _has_lines(p.employee_id))
    outsider = next(p for p in Person.objects.filter(role="rep").exclude(
        employee_id__in=then | now).exclude(user__username="rep").order_by("employee_id")
        if _has_lines(p.employee_id))
    return Cast(rep=Person.objects.get(user__username="rep"), manager=manager,
                member=member, outsider=outsider, run_id=calculated)


def _client(who: str) -> Client:
    if who.startswith("api:"):
        user = Person.objects.get(user__username=who[4:]).user
        return Client(HTTP_AUTHORIZATION=f"Bearer {tokens.issue(user, 'access matrix')}")
    client = Client()
    client.force_login(Person.objects.get(user__username=who).user)
    return client


def _check(cases: list[Case]) -> None:
    """Every case answered as expected; all mismatches reported at once."""
    wrong = []
    for case in cases:
        client = _client(case.who)
        if case.method == "GET":
            response = client.get(case.url)
        elif case.who.startswith("api:"):
            response = client.post(case.url, case.data or {}, content_type="application/json")
        else:
            response = client.post(case.url, case.data or {})
        if response.status_code != case.expected:
            wrong.append(f"{case.who} {case.method} {case.url}: {response.status_code}, "
                         f"expected {case.expected}")
    assert not wrong, "\n".join(wrong)


def _statements(cast: Cast) -> list[Case]:
    cases = []
    for suffix in ("", "?format=csv", "?format=xlsx", "?format=pdf"):
        mine, theirs, members = (f"/statements/{p.employee_id}/{PERIOD}/{suffix}"
                                 for p in (cast.rep, cast.outsider, cast.member))
        cases += [Case("rep", "GET", mine, 200), Case("rep", "GET", theirs, 404),
                  Case("rep", "GET", members, 404 if cast.member != cast.rep else 200),
                  Case("manager", "GET", members, 200), Case("manager", "GET", theirs, 404),
                  Case("finance", "GET", theirs, 200), Case("admin", "GET", theirs, 200),
                  Case("executive", "GET", theirs, 404)]
    # a guessed URL: an employee id that does not exist answers like one not yours
    cases.append(Case("manager", "GET", f"/statements/E99999/{PERIOD}/", 404))
    return cases


def _api_statements(cast: Cast) -> list[Case]:
    url = "/api/statements/{}/" + PERIOD
    return [Case("api:rep", "GET", url.format(cast.rep.employee_id), 200),
            Case("api:rep", "GET", url.format(cast.outsider.employee_id), 404),
            Case("api:manager", "GET", url.format(cast.member.employee_id), 200),
            Case("api:manager", "GET", url.format(cast.outsider.employee_id), 404),
            Case("api:finance", "GET", url.format(cast.outsider.employee_id), 200),
            Case("api:manager", "GET", url.format("E99999"), 404)]


def _earnings(cast: Cast) -> list[Case]:
    url = f"/api/runs/{cast.run_id}/earnings?payee=" + "{}"
    # the unfiltered list holds only the people one may see
    rep_rows = _client("api:rep").get(f"/api/runs/{cast.run_id}/earnings").json()
    assert rep_rows and {r["payee_id"] for r in rep_rows} == {cast.rep.employee_id}
    manager_rows = _client("api:manager").get(f"/api/runs/{cast.run_id}/earnings").json()
    manager_sees = {r["payee_id"] for r in manager_rows}
    assert cast.member.employee_id in manager_sees
    assert cast.outsider.employee_id not in manager_sees
    return [Case("api:rep", "GET", url.format(cast.rep.employee_id), 200),
            Case("api:rep", "GET", url.format(cast.outsider.employee_id), 404),
            Case("api:manager", "GET", url.format(cast.member.employee_id), 200),
            Case("api:manager", "GET", url.format(cast.outsider.employee_id), 404),
            Case("api:admin", "GET", url.format(cast.outsider.employee_id), 200),
            Case("api:rep", "GET", "/api/runs/not-a-run/earnings", 404)]


def _people(cast: Cast) -> list[Case]:
    return [Case("rep", "GET", f"/people/{cast.rep.employee_id}/", 200),
            Case("rep", "GET", f"/people/{cast.outsider.employee_id}/", 404),
            Case("manager", "GET", f"/people/{cast.member.employee_id}/", 200),
            Case("manager", "GET", f"/people/{cast.outsider.employee_id}/", 404),
            Case("admin", "GET", f"/people/{cast.outsider.employee_id}/", 200),
            Case("rep", "GET", "/people/E99999/", 404),
            Case("api:rep", "GET", f"/api/people/{cast.rep.employee_id}", 200),
            Case("api:rep", "GET", f"/api/people/{cast.outsider.employee_id}", 404),
            Case("api:manager", "GET", f"/api/people/{cast.member.employee_id}", 200),
            Case("api:manager", "GET", f"/api/people/{cast.outsider.employee_id}", 404),
            Case("api:finance", "GET", f"/api/people/{cast.outsider.employee_id}", 200)]


def _goal(employee_id: str, key: str) -> None:
    admin = Person.objects.get(user__username="admin").user
    target_services.save_goal(goal_services.compose({
        "goal": key, "title": f"Q4 for {employee_id}", "metric": "revenue",
        "owner": f"person:{employee_id}", "target": "+10%", "period": "FY2026-Q4",
        "objective": "Grow revenue", "reason": "Hit the plan", "check_ins": "monthly"}),
        user=admin)


def _goals(cast: Cast) -> list[Case]:
    _goal(cast.rep.employee_id, "reps-goal")
    _goal(cast.member.employee_id, "members-goal")
    _goal(cast.outsider.employee_id, "outsiders-goal")
    listed = {g["key"] for g in _client("api:rep").get("/api/goals").json()}
    assert "reps-goal" in listed and "outsiders-goal" not in listed
    listed = {g["key"] for g in _client("api:manager").get("/api/goals").json()}
    assert "members-goal" in listed and "outsiders-goal" not in listed
    assert "Q4 for " + cast.outsider.employee_id not in _client("manager").get(
        "/goals/").content.decode()
    return [Case("rep", "GET", "/goals/reps-goal/", 200),
            Case("rep", "GET", "/goals/outsiders-goal/", 404),
            Case("manager", "GET", "/goals/members-goal/", 200),
            Case("manager", "GET", "/goals/outsiders-goal/", 404),
            Case("admin", "GET", "/goals/outsiders-goal/", 200),
            # a check-in on a goal one may not see is refused the same way
            Case("rep", "POST", "/goals/outsiders-goal/", 404,
                 {"comment": "mine now", "confidence": "90"}),
            Case("rep", "GET", "/goals/no-such-goal/", 404)]


def _disputes(cast: Cast) -> list[Case]:
    admin = Person.objects.get(user__username="admin").user
    theirs = dispute_services.raise_dispute(actor=admin, employee_id=cast.outsider.employee_id,
                                            period=PERIOD, line_number=1,
                                            comment="the outsider's own complaint")
    dispute_services.raise_dispute(actor=cast.rep.user, employee_id=cast.rep.employee_id,
                                   period=PERIOD, line_number=1, comment="the rep's complaint")
    for who in ("rep", "manager"):
        page = _client(who).get("/disputes/").content.decode()
        assert "the outsider&#x27;s own complaint" not in page, who
        listed = {d["dispute_id"] for d in _client(f"api:{who}").get("/api/disputes").json()}
        assert theirs.pk not in listed, who
    assert "the outsider&#x27;s own complaint" in _client("admin").get(
        "/disputes/").content.decode()
    events = DisputeEvent.objects.filter(dispute=theirs).count()
    for who in ("rep", "manager"):  # a guessed dispute id: acting on it changes nothing
        _client(who).post(f"/disputes/{theirs.pk}/", {"action": "comment", "text": "me too"})
    assert DisputeEvent.objects.filter(dispute=theirs).count() == events
    _client("admin").post(f"/disputes/{theirs.pk}/", {"action": "comment", "text": "seen"})
    assert DisputeEvent.objects.filter(dispute=theirs).count() == events + 1
    line = {"period": PERIOD, "line_number": 2, "comment": "not mine to raise"}
    return [Case("api:rep", "POST", "/api/disputes", 404,
                 {**line, "employee_id": cast.outsider.employee_id}),
            Case("api:manager", "POST", "/api/disputes", 404,
                 {**line, "employee_id": cast.outsider.employee_id}),
            Case("rep", "POST",
                 f"/statements/{cast.outsider.employee_id}/{PERIOD}/lines/2/dispute/", 404,
                 {"comment": "not mine to raise"}),
            Case("api:rep", "POST", "/api/disputes", 200,
                 {**line, "employee_id": cast.rep.employee_id})]


BAD_PRODUCTS = ("product_id,name,family,list_price,unit_cost,currency,is_recurring\n"
                "PX2,Onboarding Plus,Services,twenty-five,1500.00,USD,false\n")


def _jobs(cast: Cast) -> list[Case]:
    upload = SimpleUploadedFile("products.csv", BAD_PRODUCTS.encode())
    _client("admin").post("/imports/", {"kind": "products", "file": upload})
    job = Job.objects.get(kind="import")
    assert "errors_csv" in job.result
    cases = []
    for url in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/errors.csv"):
        cases += [Case("rep", "GET", url, 403), Case("manager", "GET", url, 403),
                  Case("executive", "GET", url, 403), Case("finance", "GET", url, 200),
                  Case("admin", "GET", url, 200)]
    return [*cases, Case("admin", "GET", f"/jobs/{job.pk + 1000}/", 404)]


def _payroll(cast: Cast) -> list[Case]:
    finance = _client("finance")
    assert finance.post("/payruns/calculate/", {"period": PERIOD}).status_code == 302
    _client("admin").post(f"/payruns/{PERIOD}/", {"action": "approve"})  # as every manager
    finance.post(f"/payruns/{PERIOD}/", {"action": "approve"})
    cases = []
    for url in (f"/payruns/{PERIOD}/payroll/", f"/payruns/{PERIOD}/payroll/?format=xlsx"):
        cases += [Case("rep", "GET", url, 403), Case("manager", "GET", url, 403),
                  Case("executive", "GET", url, 403), Case("finance", "GET", url, 200)]
    return [*cases, Case("api:rep", "GET", f"/api/payruns/{PERIOD}/approvals", 403)]


def _whatif(cast: Cast) -> list[Case]:
    url = "/plans/ae-plan/v/2/whatif/"
    response = _client("finance").post(url, {"period": PERIOD})
    job = Job.objects.get(kind="whatif")
    assert response["Location"] == f"/jobs/{job.pk}/" and job.status == "succeeded", job.error
    return [Case("rep", "POST", url, 403, {"period": PERIOD}),
            Case("manager", "POST", url, 403, {"period": PERIOD}),
            Case("rep", "GET", f"/jobs/{job.pk}/", 403),
            Case("manager", "GET", f"/jobs/{job.pk}/", 403),
            Case("executive", "GET", f"/jobs/{job.pk}/", 403),
            Case("finance", "GET", f"/jobs/{job.pk}/", 200),
            Case("admin", "GET", f"/jobs/{job.pk}/", 200)]


OBJECT_TYPES: dict[str, Callable[[Cast], list[Case]]] = {
    "statement page and its CSV, XLSX and PDF": _statements,
    "API statement": _api_statements,
    "earnings and API run earnings": _earnings,
    "person page and API person": _people,
    "goals: page, API and a guessed key": _goals,
    "disputes: list, acting on a guessed id, raising on another's line": _disputes,
    "jobs and an import's error report": _jobs,
    "payroll export": _payroll,
    "what-if and its results": _whatif,
}


@pytest.mark.parametrize("object_type", list(OBJECT_TYPES))
def test_each_object_is_seen_only_by_those_allowed(cast: Cast, object_type: str) -> None:
    _check(OBJECT_TYPES[object_type](cast))
